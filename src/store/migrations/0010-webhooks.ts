import type { StoreDialect } from '../store.js';
import type { Migration } from './index.js';

/**
 * Webhooks (issue 15): endpoints an account registers (`we_…`), the deliveries queued for them
 * in the same transaction as each event, and every attempt made. An endpoint's signing secret
 * must be used again to sign, so it is stored only as AES-256-GCM ciphertext under a data key
 * (like the Secret Store's payloads; `key_id` names it). A delivery is claimed by one worker at
 * a time with a lease (`claimed_by`, `claimed_until`, milliseconds): a crashed worker's claims
 * are taken again once the lease runs out. `failing_since` marks an endpoint whose last
 * attempt failed (cleared by the next success).
 */
export const webhooks: Migration = {
  version: 10,
  name: 'webhooks',
  up(dialect: StoreDialect): string[] {
    const big = dialect === 'postgres' ? 'bigint' : 'integer';
    return [
      `create table webhook_endpoints (
        id text primary key,
        account_id text not null references accounts (id),
        mode text not null check (mode in ('test', 'live')),
        url text not null,
        description text,
        enabled_events text not null,
        connect integer not null check (connect in (0, 1)),
        status text not null check (status in ('enabled', 'disabled')),
        key_id text not null,
        nonce text not null,
        ciphertext text not null,
        failing_since ${big},
        created ${big} not null,
        updated ${big} not null
      )`,
      'create index webhook_endpoints_account on webhook_endpoints (account_id, mode, connect)',
      `create table webhook_deliveries (
        id text primary key,
        endpoint_id text not null references webhook_endpoints (id),
        event_id text not null references events (id),
        status text not null check (status in ('pending', 'succeeded', 'failed')),
        attempts integer not null,
        created ${big} not null,
        next_attempt_at ${big},
        last_attempt_at ${big},
        claimed_by text,
        claimed_until ${big},
        unique (endpoint_id, event_id)
      )`,
      'create index webhook_deliveries_due on webhook_deliveries (status, next_attempt_at)',
      'create index webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, created)',
      `create table webhook_attempts (
        delivery_id text not null references webhook_deliveries (id),
        attempt integer not null,
        at ${big} not null,
        worker text not null,
        http_status integer,
        duration_ms integer not null,
        error text,
        response text,
        primary key (delivery_id, attempt)
      )`,
    ];
  },
};

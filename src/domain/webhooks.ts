import { createHmac } from 'node:crypto';
import type {
  ClaimedWebhookDelivery,
  Mode,
  StoreTransaction,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookDeliveryStatus,
  WebhookEndpointRow,
  WebhookEndpointStatus,
} from '../store/store.js';
import { type Actor, accountFor, administers, modeFor, requireSameMode } from './actor.js';
import type { Domain } from './context.js';
import type { DataKey, DataKeyring } from './data-keys.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import { EVENT_TYPES } from './events.js';
import { readFlow, writeFlow } from './flow.js';
import { randomBase62 } from './secrets.js';
import { checkWebhookUrl, type WebhookUrlPolicy } from './webhook-urls.js';

/**
 * Webhook endpoints (Stripe's `webhook_endpoint`): URLs an account registers to receive its
 * events, signed with a `whsec_…` secret shown once. A normal endpoint receives the events of
 * its own account (the installing account); a `connect` endpoint receives the events about
 * installs of the account's own apps on other accounts (the developer's view). Both in one
 * mode. Deliveries are queued with each event ({@link enqueueDeliveries}) and sent by the
 * worker (`src/webhooks/worker.ts`), at least once, retried with exponential backoff for up to
 * three days.
 */

/** The most endpoints an account holds per mode (Stripe's limit). */
export const WEBHOOK_ENDPOINTS_PER_ACCOUNT = 16;
/** How long a delivery is retried, from when its event happened (ms): three days. */
export const WEBHOOK_RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
/** How long finished deliveries (and their attempts) are kept (ms): 30 days. */
export const WEBHOOK_DELIVERY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** The longest `description`. */
const DESCRIPTION_MAX_LENGTH = 5000;

/** Stripe's `webhook_endpoint`, with appscope's `connect` and `failing_since`. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly object: 'webhook_endpoint';
  readonly account: string;
  readonly url: string;
  readonly description: string | null;
  readonly enabled_events: readonly string[];
  /** True: events about installs of the account's own apps on other accounts. */
  readonly connect: boolean;
  readonly status: WebhookEndpointStatus;
  /** Unix seconds since when attempts fail (null when the last attempt succeeded, or none failed). */
  readonly failing_since: number | null;
  readonly livemode: boolean;
  readonly created: number;
  /** Only when created: the signing secret (`whsec_…`), shown once. */
  readonly secret?: string;
}

/** One HTTP request made for a delivery. */
export interface WebhookAttempt {
  readonly attempt: number;
  /** Unix milliseconds. */
  readonly at: number;
  /** The receiver's HTTP status, or null when none came. */
  readonly http_status: number | null;
  readonly duration_ms: number;
  readonly error: string | null;
  /** The start of the response body. */
  readonly response: string | null;
}

/** One event queued for one endpoint, with its attempts. */
export interface WebhookDelivery {
  readonly id: string;
  readonly object: 'webhook_delivery';
  readonly endpoint: string;
  readonly event: string;
  readonly event_type: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempt_count: number;
  /** Unix milliseconds of the next attempt (pending), else null. */
  readonly next_attempt_at: number | null;
  readonly created: number;
  readonly attempts: readonly WebhookAttempt[];
}

/** What a Stripe-style signature needs. */
export interface SignedPayload {
  /** `Stripe-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.payload")>`. */
  readonly header: string;
  readonly timestamp: number;
}

/**
 * Signs a payload as Stripe does, so that `stripe.webhooks.constructEvent(payload, header,
 * secret)` accepts it.
 * @example
 * signPayload('{"id":"evt_…"}', 'whsec_…', 1767225600).header; // 't=1767225600,v1=5f2b…'
 */
export function signPayload(payload: string, secret: string, timestamp: number): SignedPayload {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return { header: `t=${timestamp},v1=${v1}`, timestamp };
}

/** A new signing secret: `whsec_` and 32 base62 characters (190 bits). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBase62(32)}`;
}

/** The data sealed with an endpoint's secret: its id, account and mode. */
function secretAad(row: Pick<WebhookEndpointRow, 'id' | 'account_id' | 'mode'>): string {
  return JSON.stringify(['appscope.webhook_secret.v1', row.id, row.account_id, row.mode]);
}

/** The key new secrets are sealed under: the one the database chose for the Secret Store, else the primary. */
async function sealingKey(tx: StoreTransaction, keys: DataKeyring): Promise<DataKey> {
  const id = await tx.getAppSecretKeyId();
  const key = id === undefined ? keys.primary : keys.get(id);
  if (key === undefined) throw keyUnavailable(id!, keys);
  return key;
}

function keyUnavailable(id: string, keys: DataKeyring): DomainError {
  return new DomainError(
    'ERR_DATA_KEY_UNAVAILABLE',
    `webhook signing secrets are encrypted under data key \`${id}\`, which this process does not hold (it holds ${keys.ids.map((k) => `\`${k}\``).join(', ')}): give every process the same key (APPSCOPE_SECRET_KEY or APPSCOPE_SECRET_KEY_FILE)`,
  );
}

/** An endpoint's signing secret; fails closed when it cannot be read. */
export function endpointSecret(row: WebhookEndpointRow, keys: DataKeyring): string {
  const key = keys.get(row.key_id);
  if (key === undefined) throw keyUnavailable(row.key_id, keys);
  const secret = key.open(row, secretAad(row));
  if (secret === undefined) {
    throw new DomainError(
      'ERR_SECRET_UNREADABLE',
      `the signing secret of webhook endpoint \`${row.id}\` does not decrypt under data key \`${row.key_id}\`: its stored value was altered`,
    );
  }
  return secret;
}

function toEndpoint(row: WebhookEndpointRow, secret?: string): WebhookEndpoint {
  return {
    id: row.id,
    object: 'webhook_endpoint',
    account: row.account_id,
    url: row.url,
    description: row.description,
    enabled_events: JSON.parse(row.enabled_events) as string[],
    connect: row.connect === 1,
    status: row.status,
    failing_since: row.failing_since === null ? null : Math.floor(row.failing_since / 1000),
    livemode: row.mode === 'live',
    created: row.created,
    ...(secret === undefined ? {} : { secret }),
  };
}

function checkEvents(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) {
    throw invalidParameter(
      'enabled_events',
      '`enabled_events` must list at least one event type, or `*` for all of them',
    );
  }
  const names = [...new Set(value as string[])].sort();
  names.forEach((name) => {
    if (name !== '*' && !(EVENT_TYPES as readonly string[]).includes(name)) {
      throw invalidParameter(
        `enabled_events[${(value as string[]).indexOf(name)}]`,
        `\`${name}\` is not an event type: use one of ${EVENT_TYPES.map((t) => `\`${t}\``).join(', ')}, or \`*\``,
      );
    }
  });
  return names.includes('*') ? ['*'] : names;
}

function checkDescription(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw invalidParameter('description', '`description` must be a string');
  if (value.length > DESCRIPTION_MAX_LENGTH) {
    throw invalidParameter(
      'description',
      `\`description\` may have at most ${DESCRIPTION_MAX_LENGTH} characters`,
    );
  }
  return value;
}

/** An endpoint the actor administers, in the actor's mode; not found otherwise. */
async function loadEndpoint(tx: StoreTransaction, actor: Actor, id: string): Promise<WebhookEndpointRow> {
  const row = await tx.getWebhookEndpoint(id);
  if (row === undefined || !administers(actor, row.account_id)) throw notFound('webhook endpoint', id, 'id');
  requireSameMode(actor, row.mode, 'webhook endpoint', id);
  return row;
}

/** Input of {@link createWebhookEndpoint}. */
export interface CreateWebhookEndpointInput {
  readonly actor: Actor;
  /** Operators: the account (account keys and users: their own). */
  readonly account?: string;
  /** Operators: the mode (default test; others: their own). */
  readonly mode?: Mode;
  readonly url: string;
  readonly enabledEvents: readonly string[];
  readonly description?: string | null;
  readonly connect?: boolean;
}

/**
 * Registers an endpoint (`POST /v1/apps/webhook_endpoints`). The URL is checked against the
 * operator's policy; the result carries the signing secret, the only time it is shown. Audited
 * as `webhook_endpoint.created` (never the secret).
 * @example
 * const endpoint = await createWebhookEndpoint(domain, keys, policy, { actor, url: 'https://example.com/hook', enabledEvents: ['*'] });
 * endpoint.secret; // 'whsec_…' — show it once
 */
export async function createWebhookEndpoint(
  domain: Domain,
  keys: DataKeyring,
  policy: WebhookUrlPolicy,
  input: CreateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  const account = accountFor(input.actor, input.account, () => notFound('account', input.account ?? ''));
  const mode = modeFor(input.actor, input.mode);
  const url = checkWebhookUrl(policy, input.url, mode);
  const events = checkEvents(input.enabledEvents);
  const description = checkDescription(input.description);
  if (input.connect !== undefined && typeof input.connect !== 'boolean') {
    throw invalidParameter('connect', '`connect` must be true or false');
  }
  return writeFlow(domain, input.actor, async (flow) => {
    const { tx } = flow;
    if ((await tx.getAccount(account)) === undefined) throw notFound('account', account, 'account');
    const existing = await tx.listWebhookEndpoints(account, mode);
    if (existing.length >= WEBHOOK_ENDPOINTS_PER_ACCOUNT) {
      throw invalidParameter(
        'url',
        `account \`${account}\` already has ${existing.length} webhook endpoints in ${mode} mode, the most it may have (${WEBHOOK_ENDPOINTS_PER_ACCOUNT}): delete one first`,
      );
    }
    const id = `we_${randomBase62(24)}`;
    const secret = generateWebhookSecret();
    const key = await sealingKey(tx, keys);
    const row: WebhookEndpointRow = {
      id,
      account_id: account,
      mode,
      url,
      description,
      enabled_events: JSON.stringify(events),
      connect: input.connect === true ? 1 : 0,
      status: 'enabled',
      key_id: key.id,
      ...key.seal(secret, secretAad({ id, account_id: account, mode })),
      failing_since: null,
      created: flow.seconds,
      updated: flow.seconds,
    };
    await tx.insertWebhookEndpoint(row);
    const endpoint = toEndpoint(row);
    await flow.audit({
      action: 'webhook_endpoint.created',
      target: { type: 'webhook_endpoint', id },
      after: endpoint,
    });
    return { ...endpoint, secret };
  });
}

/** Input of {@link updateWebhookEndpoint}: what to change. */
export interface UpdateWebhookEndpointInput {
  readonly actor: Actor;
  readonly endpoint: string;
  readonly url?: string;
  readonly enabledEvents?: readonly string[];
  readonly description?: string | null;
  /** True disables (no deliveries are made), false enables again. */
  readonly disabled?: boolean;
}

/**
 * Changes an endpoint's URL, events, description or status (`POST …/webhook_endpoints/{id}`).
 * A disabled endpoint gets no new deliveries, and its pending ones wait until it is enabled
 * again (still within their three days). Audited as `webhook_endpoint.updated`.
 */
export async function updateWebhookEndpoint(
  domain: Domain,
  policy: WebhookUrlPolicy,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  const events = input.enabledEvents === undefined ? undefined : checkEvents(input.enabledEvents);
  const description = input.description === undefined ? undefined : checkDescription(input.description);
  if (input.disabled !== undefined && typeof input.disabled !== 'boolean') {
    throw invalidParameter('disabled', '`disabled` must be true or false');
  }
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadEndpoint(flow.tx, input.actor, input.endpoint);
    const url = input.url === undefined ? undefined : checkWebhookUrl(policy, input.url, row.mode);
    const patch = {
      ...(url === undefined ? {} : { url }),
      ...(events === undefined ? {} : { enabled_events: JSON.stringify(events) }),
      ...(description === undefined ? {} : { description }),
      ...(input.disabled === undefined
        ? {}
        : { status: input.disabled ? ('disabled' as const) : ('enabled' as const) }),
    };
    const after: WebhookEndpointRow = { ...row, ...patch, updated: flow.seconds };
    const before = toEndpoint(row);
    const changed = JSON.stringify(before) !== JSON.stringify(toEndpoint(after));
    if (!changed) return before;
    await flow.tx.updateWebhookEndpoint(row.id, { ...patch, updated: flow.seconds });
    await flow.audit({
      action: 'webhook_endpoint.updated',
      target: { type: 'webhook_endpoint', id: row.id },
      before,
      after: toEndpoint(after),
    });
    return toEndpoint(after);
  });
}

/**
 * Deletes an endpoint with its deliveries (`DELETE …/webhook_endpoints/{id}`): nothing more is
 * sent to it. Audited as `webhook_endpoint.deleted`.
 */
export async function deleteWebhookEndpoint(
  domain: Domain,
  input: { readonly actor: Actor; readonly endpoint: string },
): Promise<{ id: string; object: 'webhook_endpoint'; deleted: true }> {
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadEndpoint(flow.tx, input.actor, input.endpoint);
    await flow.tx.deleteWebhookEndpoint(row.id);
    await flow.audit({
      action: 'webhook_endpoint.deleted',
      target: { type: 'webhook_endpoint', id: row.id },
      before: toEndpoint(row),
    });
    return { id: row.id, object: 'webhook_endpoint', deleted: true };
  });
}

/** One endpoint (never its secret). */
export async function getWebhookEndpoint(
  domain: Domain,
  input: { readonly actor: Actor; readonly endpoint: string },
): Promise<WebhookEndpoint> {
  return readFlow(domain, async (tx) => toEndpoint(await loadEndpoint(tx, input.actor, input.endpoint)));
}

/** An account's endpoints in the actor's mode, newest first (operators name the account and mode). */
export async function listWebhookEndpoints(
  domain: Domain,
  input: { readonly actor: Actor; readonly account?: string; readonly mode?: Mode },
): Promise<WebhookEndpoint[]> {
  const account = accountFor(input.actor, input.account, () => notFound('account', input.account ?? ''));
  const mode = modeFor(input.actor, input.mode);
  return readFlow(domain, async (tx) =>
    (await tx.listWebhookEndpoints(account, mode)).map((row) => toEndpoint(row)),
  );
}

/** Input of {@link listWebhookDeliveries}. */
export interface ListWebhookDeliveriesInput {
  readonly actor: Actor;
  readonly endpoint: string;
  /** 1–100, default 10. */
  readonly limit?: number;
  /** A delivery id: return deliveries older than it. */
  readonly startingAfter?: string;
}

/**
 * An endpoint's deliveries, newest first, each with its status, attempts (time, HTTP status,
 * duration, error, the start of the response) and next retry.
 */
export async function listWebhookDeliveries(
  domain: Domain,
  input: ListWebhookDeliveriesInput,
): Promise<{ data: WebhookDelivery[]; has_more: boolean }> {
  const limit = input.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidParameter('limit', '`limit` must be an integer from 1 to 100');
  }
  return readFlow(domain, async (tx) => {
    const endpoint = await loadEndpoint(tx, input.actor, input.endpoint);
    let before: { created: number; id: string } | undefined;
    if (input.startingAfter !== undefined) {
      const cursor = await tx.getWebhookDelivery(input.startingAfter);
      if (cursor === undefined || cursor.endpoint_id !== endpoint.id) {
        throw notFound('webhook delivery', input.startingAfter, 'starting_after');
      }
      before = { created: cursor.created, id: cursor.id };
    }
    const rows = await tx.listWebhookDeliveries({
      endpointId: endpoint.id,
      limit: limit + 1,
      ...(before === undefined ? {} : { before }),
    });
    const page = rows.slice(0, limit);
    return { data: await toDeliveries(tx, page), has_more: rows.length > limit };
  });
}

async function toDeliveries(
  tx: StoreTransaction,
  rows: readonly WebhookDeliveryRow[],
): Promise<WebhookDelivery[]> {
  const attempts = await tx.listWebhookAttempts(rows.map((row) => row.id));
  const types = new Map<string, string>();
  for (const row of rows) {
    if (types.has(row.event_id)) continue;
    types.set(row.event_id, (await tx.getEvent(row.event_id))?.type ?? '');
  }
  return rows.map((row) => ({
    id: row.id,
    object: 'webhook_delivery',
    endpoint: row.endpoint_id,
    event: row.event_id,
    event_type: types.get(row.event_id) ?? '',
    status: row.status,
    attempt_count: row.attempts,
    next_attempt_at: row.next_attempt_at,
    created: row.created,
    attempts: attempts
      .filter((attempt) => attempt.delivery_id === row.id)
      .map((attempt) => ({
        attempt: attempt.attempt,
        at: attempt.at,
        http_status: attempt.http_status,
        duration_ms: attempt.duration_ms,
        error: attempt.error,
        response: attempt.response,
      })),
  }));
}

/**
 * Sends a delivery again now (`POST …/deliveries/{id}/retry`): a failed or pending delivery
 * becomes pending and due at once (should that attempt fail past the delivery's three days, it
 * is failed again). Audited as `webhook_delivery.retried`.
 */
export async function retryWebhookDelivery(
  domain: Domain,
  input: { readonly actor: Actor; readonly endpoint: string; readonly delivery: string },
): Promise<WebhookDelivery> {
  return writeFlow(domain, input.actor, async (flow) => {
    const endpoint = await loadEndpoint(flow.tx, input.actor, input.endpoint);
    const row = await flow.tx.getWebhookDelivery(input.delivery);
    if (row === undefined || row.endpoint_id !== endpoint.id) {
      throw notFound('webhook delivery', input.delivery, 'delivery');
    }
    if (row.status === 'succeeded') {
      throw new DomainError(
        'ERR_PARAMETER_INVALID',
        `webhook delivery \`${row.id}\` already succeeded: the receiver has the event`,
        { param: 'delivery' },
      );
    }
    const patch = { status: 'pending' as const, next_attempt_at: flow.now };
    await flow.tx.updateWebhookDelivery(row.id, {
      status: patch.status,
      next_attempt_at: patch.next_attempt_at,
    });
    const after = { ...row, status: patch.status, next_attempt_at: patch.next_attempt_at };
    await flow.audit({
      action: 'webhook_delivery.retried',
      target: { type: 'webhook_delivery', id: row.id },
      before: { status: row.status, attempts: row.attempts, next_attempt_at: row.next_attempt_at },
      after: { status: after.status, attempts: after.attempts, next_attempt_at: after.next_attempt_at },
    });
    return (await toDeliveries(flow.tx, [after]))[0]!;
  });
}

/**
 * Re-encrypts every webhook signing secret under `target` (part of a data key rotation, after
 * the Secret Store's values). A secret that cannot be decrypted is left as it is and counted:
 * its endpoint cannot sign until it is deleted and added again. Audited once, as
 * `webhook_endpoint.secrets_reencrypted`, when anything moved.
 */
export async function reencryptWebhookSecrets(
  domain: Domain,
  keys: DataKeyring,
  target: DataKey,
  actor: Actor,
): Promise<{ reencrypted: number; unreadable: number }> {
  let reencrypted = 0;
  let unreadable = 0;
  let after: string | undefined;
  for (;;) {
    const page = await writeFlow(domain, actor, async (flow) => {
      const rows = await flow.tx.listWebhookEndpointsNotUnderKey(target.id, 100, after);
      for (const row of rows) {
        const secret = keys.get(row.key_id)?.open(row, secretAad(row));
        if (secret === undefined) {
          unreadable++;
          continue;
        }
        await flow.tx.updateWebhookEndpoint(row.id, {
          key_id: target.id,
          ...target.seal(secret, secretAad(row)),
        });
        reencrypted++;
      }
      return rows;
    });
    if (page.length === 0) break;
    after = page.at(-1)!.id;
  }
  if (reencrypted > 0) {
    await writeFlow(domain, actor, (flow) =>
      flow.audit({
        action: 'webhook_endpoint.secrets_reencrypted',
        target: { type: 'data_key', id: target.id },
        after: { to: target.id, reencrypted, unreadable },
      }),
    );
  }
  return { reencrypted, unreadable };
}

/**
 * Deletes finished deliveries (succeeded or failed) older than {@link WEBHOOK_DELIVERY_RETENTION_MS},
 * with their attempts, in short transactions (housekeeping; `serve` runs it hourly).
 */
export async function pruneWebhookDeliveries(domain: Domain): Promise<number> {
  const before = domain.clock() - WEBHOOK_DELIVERY_RETENTION_MS;
  let total = 0;
  for (;;) {
    const deleted = await domain.store.transaction((tx) => tx.pruneWebhookDeliveries(before, 500));
    total += deleted;
    if (deleted < 500) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

// ---- the delivery worker's side (src/webhooks/worker.ts sends; these read and record)

/**
 * The delay before retry number `failures` (after that many failed attempts), in ms:
 * `base × 2^(failures − 1)`, at most `cap`, times a jitter factor in [0.75, 1.25) from
 * `random` (injectable for tests).
 * @example
 * retryDelay(1, 60_000, 6 * 3600_000, () => 0.5); // 60000
 */
export function retryDelay(failures: number, baseMs: number, capMs: number, random: () => number): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential * (0.75 + 0.5 * random()));
}

/**
 * Claims due deliveries for one worker in one short write transaction; each stays claimed
 * until `claimedUntil` (ms), after which another worker may take it (a crashed worker's claims
 * are not lost). Bookkeeping of the delivery system, not an actor's change: not audited (the
 * attempts table is its record).
 */
export async function claimWebhookDeliveries(
  domain: Domain,
  claim: { worker: string; now: number; claimedUntil: number; limit: number; perEndpoint?: number },
): Promise<ClaimedWebhookDelivery[]> {
  // Idle polling takes no write lock: a read first, the claiming write only when something is due.
  const due = await domain.store.transaction((tx) => tx.hasDueWebhookDeliveries(claim.now), {
    readOnly: true,
  });
  if (!due) return [];
  return domain.store.transaction((tx) => tx.claimWebhookDeliveries(claim));
}

/** What one attempt came to. */
export interface AttemptOutcome {
  readonly ok: boolean;
  readonly httpStatus: number | null;
  readonly durationMs: number;
  readonly error: string | null;
  readonly response: string | null;
}

/** How retries are scheduled. */
export interface RetrySchedule {
  readonly baseMs: number;
  readonly capMs: number;
  /** From the delivery's creation; no retry is scheduled past it (default three days). */
  readonly windowMs: number;
  readonly random: () => number;
}

/**
 * Records an attempt and moves the delivery on: succeeded, pending with the next retry, or
 * failed once the next retry would fall past its window. Marks the endpoint failing (or not).
 * Returns false, recording nothing, when the worker no longer holds the claim (its lease ran
 * out and another worker took the delivery) or the endpoint was deleted.
 */
export async function recordWebhookAttempt(
  domain: Domain,
  input: { worker: string; delivery: string; at: number; outcome: AttemptOutcome; schedule: RetrySchedule },
): Promise<{ recorded: boolean; status?: WebhookDeliveryStatus; nextAttemptAt?: number | null }> {
  const { worker, at, outcome, schedule } = input;
  return domain.store.transaction(async (tx) => {
    const row = await tx.getWebhookDelivery(input.delivery);
    if (row === undefined || row.claimed_by !== worker) return { recorded: false };
    const attempt = row.attempts + 1;
    const attemptRow: WebhookAttemptRow = {
      delivery_id: row.id,
      attempt,
      at,
      worker,
      http_status: outcome.httpStatus,
      duration_ms: Math.max(0, Math.round(outcome.durationMs)),
      error: outcome.error === null ? null : outcome.error.slice(0, 500),
      response: outcome.response,
    };
    await tx.insertWebhookAttempt(attemptRow);
    let status: WebhookDeliveryStatus;
    let next: number | null;
    if (outcome.ok) {
      status = 'succeeded';
      next = null;
    } else {
      const due = at + retryDelay(attempt, schedule.baseMs, schedule.capMs, schedule.random);
      status = due > row.created + schedule.windowMs ? 'failed' : 'pending';
      next = status === 'pending' ? due : null;
    }
    await tx.updateWebhookDelivery(row.id, {
      status,
      attempts: attempt,
      next_attempt_at: next,
      last_attempt_at: at,
      claimed_by: null,
      claimed_until: null,
    });
    const endpoint = await tx.getWebhookEndpoint(row.endpoint_id);
    if (endpoint !== undefined) {
      if (outcome.ok && endpoint.failing_since !== null) {
        await tx.updateWebhookEndpoint(endpoint.id, { failing_since: null });
      } else if (!outcome.ok && endpoint.failing_since === null) {
        await tx.updateWebhookEndpoint(endpoint.id, { failing_since: at });
      }
    }
    return { recorded: true, status, nextAttemptAt: next };
  });
}

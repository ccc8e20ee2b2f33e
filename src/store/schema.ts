import type { ColumnType, Generated } from 'kysely';
import type {
  AccountRow,
  AppRow,
  AppSecretRow,
  AppVersionRow,
  AuditRow,
  DecisionDropRow,
  EventRow,
  IdempotencyRow,
  InstallRow,
  KeyRow,
  OAuthCodeRow,
  OAuthGrantRow,
  OAuthTokenRow,
  SessionRow,
  UnauthenticatedCountRow,
  UserLinkRow,
  UserRow,
  WebhookAttemptRow,
  WebhookDeliveryRow,
  WebhookEndpointRow,
} from './store.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The tables as kysely sees them (one query code for SQLite and PostgreSQL). */
export interface Database {
  accounts: Mutable<AccountRow>;
  apps: Mutable<AppRow>;
  app_versions: Mutable<AppVersionRow>;
  /** `shadow_mode` is a boolean in PostgreSQL and 0/1 in SQLite; the store reads it as a boolean. */
  installs: Mutable<Omit<InstallRow, 'shadow_mode'>> & {
    shadow_mode: ColumnType<boolean | number, number | undefined, number>;
  };
  api_keys: Mutable<KeyRow>;
  events: Mutable<Omit<EventRow, 'seq'>> & { seq: Generated<number> };
  audit_log: Mutable<AuditRow>;
  audit_head: { id: number; seq: number; hash: string };
  change_counter: { id: number; seq: number };
  idempotency_keys: Mutable<IdempotencyRow>;
  /** One decision: what differs from decision to decision; the rest is its context's (migration 8). */
  decisions: {
    seq: Generated<number>;
    time: number;
    context_id: number;
    request_id: string;
    /** Null when the path is the route template itself. */
    path: string | null;
    status: number | null;
    latency_us: number;
  };
  decision_contexts: {
    id: Generated<number>;
    account_id: string | null;
    install_id: string | null;
    app_id: string | null;
    key_hint: string | null;
    livemode: number;
    method: string;
    route: string | null;
    requirement: string;
    outcome: 'allowed' | 'denied' | 'shadow_denied';
    missing: string;
  };
  unauthenticated_requests: Mutable<UnauthenticatedCountRow>;
  /** Decisions per context and bucket (migration 12); `span` is the bucket's size in ms. */
  decision_rollups: { span: number; context_id: number; bucket: number; count: number };
  decision_drops: Mutable<DecisionDropRow> & { seq: Generated<number> };
  users: Mutable<UserRow>;
  sessions: Mutable<SessionRow>;
  app_secrets: Mutable<AppSecretRow>;
  app_secret_state: { id: number; current_key_id: string };
  user_links: Mutable<UserLinkRow>;
  webhook_endpoints: Mutable<WebhookEndpointRow>;
  webhook_deliveries: Mutable<WebhookDeliveryRow>;
  webhook_attempts: Mutable<WebhookAttemptRow>;
  oauth_codes: Mutable<OAuthCodeRow>;
  oauth_grants: Mutable<OAuthGrantRow>;
  oauth_tokens: Mutable<OAuthTokenRow>;
  appscope_migrations: { version: number; name: string; applied_at: string };
}

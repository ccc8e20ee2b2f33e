import type { Generated } from 'kysely';
import type {
  AccountRow,
  AppRow,
  AppVersionRow,
  AuditRow,
  EventRow,
  IdempotencyRow,
  InstallRow,
  KeyRow,
} from './store.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The tables as kysely sees them (one query code for SQLite and PostgreSQL). */
export interface Database {
  accounts: Mutable<AccountRow>;
  apps: Mutable<AppRow>;
  app_versions: Mutable<AppVersionRow>;
  installs: Mutable<InstallRow>;
  api_keys: Mutable<KeyRow>;
  events: Mutable<Omit<EventRow, 'seq'>> & { seq: Generated<number> };
  audit_log: Mutable<AuditRow>;
  audit_head: { id: number; seq: number; hash: string };
  idempotency_keys: Mutable<IdempotencyRow>;
  appscope_migrations: { version: number; name: string; applied_at: string };
}

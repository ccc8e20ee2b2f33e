import type { ColumnType, Generated } from 'kysely';
import type {
  AccountRow,
  AppRow,
  AppVersionRow,
  AuditRow,
  DecisionDropRow,
  DecisionRow,
  EventRow,
  IdempotencyRow,
  InstallRow,
  KeyRow,
  SessionRow,
  UserRow,
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
  decisions: Mutable<Omit<DecisionRow, 'seq'>> & { seq: Generated<number> };
  decision_drops: Mutable<DecisionDropRow> & { seq: Generated<number> };
  users: Mutable<UserRow>;
  sessions: Mutable<SessionRow>;
  appscope_migrations: { version: number; name: string; applied_at: string };
}

import type { StoreDialect } from '../store.js';
import { initial } from './0001-initial.js';
import { idempotencyKeys } from './0002-idempotency-keys.js';
import { installShadowMode } from './0003-install-shadow-mode.js';
import { decisions } from './0004-decisions.js';
import { usersSessions } from './0005-users-sessions.js';
import { changeCounter } from './0006-change-counter.js';
import { secretsAtRest } from './0007-secrets-at-rest.js';
import { slimDecisions } from './0008-slim-decisions.js';
import { appSecrets } from './0009-app-secrets.js';
import { webhooks } from './0010-webhooks.js';
import { userInvites } from './0011-user-invites.js';
import { decisionRollups } from './0012-decision-rollups.js';
import { oauth } from './0013-oauth.js';

/**
 * One versioned schema change. `up` returns the SQL statements for a dialect; the runner
 * applies every pending migration in one transaction and records it in `appscope_migrations`.
 * Migrations are append-only: never edit one that has shipped, add the next number.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(dialect: StoreDialect): string[];
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  idempotencyKeys,
  installShadowMode,
  decisions,
  usersSessions,
  changeCounter,
  secretsAtRest,
  slimDecisions,
  appSecrets,
  webhooks,
  userInvites,
  decisionRollups,
  oauth,
];

/** The schema version this code expects. */
export const SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;

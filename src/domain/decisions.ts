import type {
  DecisionFilter,
  DecisionOutcome,
  DecisionRow,
  Mode,
  StoreTransaction,
  UnauthenticatedCountRow,
} from '../store/store.js';
import { type Actor, accountFor, administers, checkMode, modeFor, requireSameMode } from './actor.js';
import type { Domain } from './context.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import { readFlow } from './flow.js';

/**
 * Reading the decision log: every gateway decision as the `DecisionLog` wrote it, newest
 * first, filtered the way an admin asks ("what did this install get denied in the last hour?").
 * An account key sees its own account's decisions in its own mode; operators see everything.
 */

/** Every outcome, for validating filters. */
export const DECISION_OUTCOMES: readonly DecisionOutcome[] = ['allowed', 'denied', 'shadow_denied'];

/** One logged decision (`GET /v1/apps/decisions` shape). Never holds a secret. */
export interface LoggedDecision {
  /** `dec_…`: the decision's place in the log (the cursor for `starting_after`). */
  readonly id: string;
  readonly object: 'apps.decision';
  /** The request id (`req_…`) the caller got in the `Request-Id` header. */
  readonly request_id: string;
  /** Unix seconds. */
  readonly created: number;
  /** ISO-8601 time with milliseconds. */
  readonly time: string;
  readonly account: string | null;
  readonly install: string | null;
  readonly app: string | null;
  /** The masked key, e.g. `rk_test_***…abcd`. */
  readonly key: string | null;
  readonly livemode: boolean;
  readonly method: string;
  /** The matched route template, e.g. `/v1/customers/{customer}`, or null. */
  readonly route: string | null;
  readonly path: string;
  /** All groups must hold; each lists its alternatives. */
  readonly requirement: readonly (readonly string[])[];
  readonly outcome: DecisionOutcome;
  /** The unmet groups' alternatives (empty when allowed). */
  readonly missing: readonly (readonly string[])[];
  readonly status: number | null;
  readonly latency_ms: number;
}

/** Input of {@link listDecisions}; every filter is optional and they combine with AND. */
export interface ListDecisionsInput {
  readonly actor: Actor;
  /** Operators may name an account; an account key always reads its own (naming another: not found). */
  readonly account?: string;
  readonly install?: string;
  readonly app?: string;
  /** Operators only (an account key reads its own mode). */
  readonly mode?: Mode;
  readonly outcome?: DecisionOutcome;
  /** A route template, e.g. `/v1/customers/{customer}`. */
  readonly route?: string;
  /** Decisions whose requirement names this permission. */
  readonly permission?: string;
  /** The decision of one request (`req_…`, from its `Request-Id` header). */
  readonly requestId?: string;
  /** Milliseconds since the epoch, inclusive. */
  readonly since?: number;
  /** Milliseconds since the epoch, exclusive. */
  readonly until?: number;
  /** 1–1000, default 10 (the HTTP API allows at most 100). */
  readonly limit?: number;
  /** A decision id (`dec_…`): return older decisions. */
  readonly startingAfter?: string;
}

/**
 * Logged decisions newest first. A `requestId` filter finds one request's decision; give it
 * with an account or install (there is no index on request ids alone).
 * @example
 * const { data } = await listDecisions(domain, { actor, install: 'appinst_…', outcome: 'denied', since: Date.now() - 3_600_000 });
 * data[0]?.missing; // [['charge_read', 'charge_write']]
 */
export async function listDecisions(
  domain: Domain,
  input: ListDecisionsInput,
): Promise<{ data: LoggedDecision[]; has_more: boolean }> {
  const limit = input.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw invalidParameter('limit', '`limit` must be an integer from 1 to 1000');
  }
  return readFlow(domain, async (tx) => {
    const filter = await scopedDecisionFilter(tx, input);
    let before: DecisionFilter['before'];
    if (input.startingAfter !== undefined) {
      const seq = seqOf(input.startingAfter);
      const [cursor] =
        seq === undefined ? [] : await tx.listDecisions({ ...scopeOnly(filter), seq, limit: 1 });
      if (cursor === undefined) throw notFound('decision', input.startingAfter, 'starting_after');
      before = { time: cursor.time, seq: cursor.seq };
    }
    const rows = await tx.listDecisions({ ...filter, ...(before ? { before } : {}), limit: limit + 1 });
    return { data: rows.slice(0, limit).map(toLoggedDecision), has_more: rows.length > limit };
  });
}

/** Counts over a time range, for `appscope logs --stats`. */
export interface DecisionStats {
  readonly object: 'apps.decision_stats';
  readonly total: number;
  readonly outcomes: Readonly<Record<DecisionOutcome, number>>;
  /** Decisions the log dropped (queue full) in the range; drops belong to no account. */
  readonly dropped: number;
  /** When the last drop in the range was recorded (ISO-8601), or null. */
  readonly last_drop: string | null;
}

/**
 * Decision counts by outcome and the number of dropped decisions (operators only: drops are
 * not attributable to one account).
 * @example
 * const stats = await decisionStats(domain, { actor: OPERATOR, since: Date.now() - 86_400_000 });
 * stats.outcomes.denied; stats.dropped;
 */
export async function decisionStats(
  domain: Domain,
  input: Omit<ListDecisionsInput, 'limit' | 'startingAfter'>,
): Promise<DecisionStats> {
  if (input.actor.type !== 'operator') {
    throw new DomainError('ERR_FORBIDDEN', 'only an operator can read decision log statistics');
  }
  return readFlow(domain, async (tx) => {
    const counts = await tx.countDecisions(await scopedDecisionFilter(tx, input));
    const outcomes = counts.outcomes;
    return {
      object: 'apps.decision_stats',
      total: outcomes.allowed + outcomes.denied + outcomes.shadow_denied,
      outcomes,
      dropped: counts.dropped,
      last_drop: counts.lastDrop === null ? null : new Date(counts.lastDrop).toISOString(),
    };
  });
}

/** The store filter for an input, scoped to what the actor may read (validating it). */
export async function scopedDecisionFilter(
  tx: StoreTransaction,
  input: ListDecisionsInput,
): Promise<DecisionFilter> {
  const actor = input.actor;
  const account =
    actor.type !== 'operator'
      ? accountFor(actor, input.account, () => notFound('account', input.account ?? '', 'account'))
      : input.account;
  if (input.mode !== undefined) checkMode(input.mode);
  const mode = actor.type !== 'operator' ? modeFor(actor, input.mode) : input.mode;
  if (input.outcome !== undefined && !DECISION_OUTCOMES.includes(input.outcome)) {
    throw invalidParameter(
      'outcome',
      `\`${String(input.outcome)}\` is not an outcome: use ${DECISION_OUTCOMES.map((o) => `\`${o}\``).join(', ')}`,
    );
  }
  for (const [param, value] of [
    ['since', input.since],
    ['until', input.until],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw invalidParameter(param, `\`${param}\` must be a time in milliseconds since the epoch`);
    }
  }
  if (input.install !== undefined) {
    const install = await tx.getInstall(input.install);
    if (install === undefined || !administers(actor, install.account_id)) {
      throw notFound('install', input.install, 'install');
    }
    requireSameMode(actor, install.mode, 'install', install.id);
  }
  return {
    ...(account === undefined ? {} : { accountId: account }),
    ...(mode === undefined ? {} : { livemode: mode === 'live' }),
    ...(input.install === undefined ? {} : { installId: input.install }),
    ...(input.app === undefined ? {} : { appId: input.app }),
    ...(input.outcome === undefined ? {} : { outcome: input.outcome }),
    ...(input.route === undefined ? {} : { route: input.route }),
    ...(input.permission === undefined ? {} : { permission: input.permission }),
    ...(input.requestId === undefined ? {} : { requestId: input.requestId }),
    ...(input.since === undefined ? {} : { since: input.since }),
    ...(input.until === undefined ? {} : { until: input.until }),
  };
}

/** The `seq` in a decision id (`dec_123` → 123), or undefined for anything else. */
function seqOf(id: string): number | undefined {
  const match = /^dec_([1-9]\d{0,15})$/.exec(id);
  const seq = match === null ? Number.NaN : Number(match[1]);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/** The part of a filter that decides who may see a row (a cursor must be visible, not matching). */
function scopeOnly(filter: DecisionFilter): DecisionFilter {
  return {
    ...(filter.accountId === undefined ? {} : { accountId: filter.accountId }),
    ...(filter.livemode === undefined ? {} : { livemode: filter.livemode }),
  };
}

/**
 * A stored row as the public object.
 * @example
 * const decision = toLoggedDecision(row); // { id: 'req_…', object: 'apps.decision', outcome: 'denied', … }
 */
export function toLoggedDecision(row: DecisionRow): LoggedDecision {
  return {
    id: `dec_${row.seq}`,
    object: 'apps.decision',
    request_id: row.request_id,
    created: Math.floor(row.time / 1000),
    time: new Date(row.time).toISOString(),
    account: row.account_id,
    install: row.install_id,
    app: row.app_id,
    key: row.key_hint,
    livemode: row.livemode === 1,
    method: row.method,
    route: row.route,
    path: row.path,
    requirement: JSON.parse(row.requirement) as string[][],
    outcome: row.outcome,
    missing: JSON.parse(row.missing) as string[][],
    status: row.status,
    latency_ms: row.latency_ms,
  };
}

/** Requests refused before authentication in one minute, for one reason, from one address. */
export interface UnauthenticatedCount {
  readonly object: 'apps.unauthenticated_count';
  /** The minute's start (ISO-8601). */
  readonly minute: string;
  /** `missing_key`, `malformed_authorization`, `invalid_key`, `rate_limited` or `malformed_request`. */
  readonly reason: string;
  /** The client's address (`other` when too many distinct addresses arrived at once). */
  readonly address: string;
  readonly count: number;
}

/** Input of {@link listUnauthenticatedCounts}. */
export interface ListUnauthenticatedInput {
  readonly actor: Actor;
  readonly reason?: string;
  readonly address?: string;
  /** Milliseconds since the epoch: minutes starting at or after it. */
  readonly since?: number;
  /** Milliseconds since the epoch: minutes starting before it. */
  readonly until?: number;
  /** 1–1000, default 50. */
  readonly limit?: number;
}

/**
 * Counts of requests refused before authentication, newest minute first (operators only: they
 * belong to no account).
 * @example
 * const counts = await listUnauthenticatedCounts(domain, { actor: OPERATOR, reason: 'invalid_key' });
 * counts[0]; // { object: 'apps.unauthenticated_count', minute: '2026-01-01T12:00:00.000Z', reason: 'invalid_key', address: '203.0.113.9', count: 1180 }
 */
export async function listUnauthenticatedCounts(
  domain: Domain,
  input: ListUnauthenticatedInput,
): Promise<UnauthenticatedCount[]> {
  if (input.actor.type !== 'operator') {
    throw new DomainError('ERR_FORBIDDEN', 'only an operator can read unauthenticated request counts');
  }
  const limit = input.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw invalidParameter('limit', '`limit` must be an integer from 1 to 1000');
  }
  const rows = await readFlow(domain, (tx) =>
    tx.listUnauthenticatedCounts({
      limit,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
      ...(input.address === undefined ? {} : { address: input.address }),
      ...(input.since === undefined ? {} : { since: input.since }),
      ...(input.until === undefined ? {} : { until: input.until }),
    }),
  );
  return rows.map(toUnauthenticatedCount);
}

function toUnauthenticatedCount(row: UnauthenticatedCountRow): UnauthenticatedCount {
  return {
    object: 'apps.unauthenticated_count',
    minute: new Date(row.minute).toISOString(),
    reason: row.reason,
    address: row.address,
    count: row.count,
  };
}

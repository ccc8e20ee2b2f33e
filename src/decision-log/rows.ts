import type { LoggedDecision } from '../domain/decisions.js';
import type { DecisionRecord } from '../gateway/decision-record.js';
import type { NewDecisionRow } from '../store/store.js';

/** The gateway shares one frozen requirement per route: its JSON text is made once. */
const texts = new WeakMap<object, string>();

function groupsJson(groups: readonly (readonly string[])[]): string {
  if (groups.length === 0) return '[]';
  let text = texts.get(groups);
  if (text === undefined) {
    text = JSON.stringify(groups);
    if (Object.isFrozen(groups)) texts.set(groups, text);
  }
  return text;
}

/**
 * A decision as the store keeps it: JSON text for the requirement and the missing groups,
 * 0/1 for the mode.
 * @example
 * await store.transaction((tx) => tx.insertDecisions(batch.map(toDecisionRow)));
 */
export function toDecisionRow(entry: DecisionRecord): NewDecisionRow {
  return {
    time: Math.round(entry.time),
    request_id: entry.requestId,
    account_id: entry.account,
    install_id: entry.install,
    app_id: entry.app,
    key_hint: entry.keyHint,
    livemode: entry.livemode ? 1 : 0,
    method: entry.method,
    route: entry.route,
    path: entry.path,
    requirement: groupsJson(entry.requirement),
    outcome: entry.outcome,
    missing: groupsJson(entry.missing),
    status: entry.status,
    latency_ms: Number.isFinite(entry.latencyMs) ? entry.latencyMs : 0,
  };
}

/** A decision as a JSON line: the API's shape without `id` (assigned when the store writes it). */
export type DecisionJsonLine = Omit<LoggedDecision, 'id'>;

/**
 * A decision as one JSON line: the shape `GET /v1/apps/decisions` returns, without the `id`
 * the store assigns.
 * @example
 * stream.write(`${JSON.stringify(toDecisionJson(entry))}\n`);
 */
export function toDecisionJson(entry: DecisionRecord): DecisionJsonLine {
  return {
    object: 'apps.decision',
    request_id: entry.requestId,
    created: Math.floor(entry.time / 1000),
    time: new Date(entry.time).toISOString(),
    account: entry.account,
    install: entry.install,
    app: entry.app,
    key: entry.keyHint,
    livemode: entry.livemode,
    method: entry.method,
    route: entry.route,
    path: entry.path,
    requirement: entry.requirement,
    outcome: entry.outcome,
    missing: entry.missing,
    status: entry.status,
    latency_ms: entry.latencyMs,
  };
}

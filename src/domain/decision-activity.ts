import type { ObservedDecision } from '../core/least-privilege/analyze-usage.js';
import type { DecisionContextRow, DecisionOutcome, StoreTransaction, TimeWindow } from '../store/store.js';
import type { Domain } from './context.js';
import { type ListDecisionsInput, scopedDecisionFilter } from './decisions.js';
import { invalidParameter } from './domain-error.js';
import { readFlow } from './flow.js';

/**
 * What the dashboard's Activity screen shows about a time window, over every decision in it
 * (not a sample): counts by outcome, the same per chart range, the denied calls grouped by what
 * they lacked, and per install the calls it made (for "granted but not used"). Read from the
 * decision rollups (migration 12): whole minutes, hours and days from the rollups, the partial
 * minutes at the window's and each range's edges from the decisions themselves, so the numbers
 * are exactly those of a full scan, at a cost that grows with the number of contexts and
 * buckets rather than of decisions (except calls that matched no route: those are grouped by
 * path, read from their rows).
 */

/** Input of {@link decisionActivity}: the filters of `listDecisions` over a window. */
export interface DecisionActivityInput
  extends Omit<ListDecisionsInput, 'limit' | 'startingAfter' | 'requestId' | 'since' | 'until'> {
  /**
   * The window's edges and the chart's: `since` first, `until` last (after `since`), in
   * ascending order (ms). The ranges between them tile the window (a repeated time makes an
   * empty range).
   */
  readonly boundaries: readonly number[];
  /** Most denied groups to return, newest first (default 100). */
  readonly deniedLimit?: number;
}

/** Counts by outcome. */
export type OutcomeCounts = Record<DecisionOutcome, number>;

/** Calls denied (or shadow denied) alike: same install, outcome, method, route (or path) and lack. */
export interface DeniedGroup {
  readonly install: string | null;
  readonly outcome: DecisionOutcome;
  readonly method: string;
  /** The route template, or null when no route matched (then `path` is what was called). */
  readonly route: string | null;
  readonly path: string;
  readonly missing: readonly (readonly string[])[];
  readonly count: number;
  /** The newest such call: its time (ms) and, when known, its decision id (`dec_…`). */
  readonly latest: { readonly time: number; readonly id: string | undefined };
}

/** One install's calls in the window, whatever their outcome, route or permission. */
export interface InstallUsage {
  readonly install: string;
  /** Allowed calls. */
  readonly allowed: number;
  /** Each distinct call (one per method, route, requirement and outcome), for `analyzeUsage`. */
  readonly calls: readonly ObservedDecision[];
}

/** What {@link decisionActivity} returns. */
export interface DecisionActivity {
  readonly outcomes: OutcomeCounts;
  /** Counts per range between consecutive boundaries. */
  readonly ranges: readonly OutcomeCounts[];
  /** Every route called in the window (with the filters), sorted. */
  readonly routes: readonly string[];
  readonly denied: readonly DeniedGroup[];
  /** How many denied groups there are in all (`denied` holds the newest `deniedLimit`). */
  readonly deniedGroups: number;
  /** Per install in scope (or the one filtered on), ignoring the outcome, route and permission filters. */
  readonly usage: readonly InstallUsage[];
}

/**
 * The Activity screen's numbers over a whole window.
 * @example
 * const activity = await decisionActivity(domain, { actor, account, mode: 'test', boundaries: [since, mid, until] });
 * activity.outcomes.denied; activity.ranges[0]?.allowed; activity.denied[0]?.missing;
 */
export async function decisionActivity(
  domain: Domain,
  input: DecisionActivityInput,
): Promise<DecisionActivity> {
  const boundaries = input.boundaries;
  if (
    boundaries.length < 2 ||
    boundaries.some((b, i) => !Number.isSafeInteger(b) || b < 0 || (i > 0 && b < boundaries[i - 1]!)) ||
    boundaries[0]! >= boundaries.at(-1)!
  ) {
    throw invalidParameter('boundaries', '`boundaries` must be two or more ascending times in milliseconds');
  }
  const since = boundaries[0]!;
  const until = boundaries.at(-1)!;
  const window: TimeWindow = { since, until };
  const ranges = boundaries.slice(1).map((end, i) => ({ since: boundaries[i]!, until: end }));
  const deniedLimit = input.deniedLimit ?? 100;
  return readFlow(domain, async (tx) => {
    const filter = await scopedDecisionFilter(tx, input);
    const counts = await tx.countDecisionsByContext(filter, ranges);
    const { outcome: _o, route: _r, permission: _p, ...unfiltered } = filter;
    const usageCounts = await tx.countDecisionsByContext(unfiltered, [window]);
    const contexts = new Map(
      (await tx.getDecisionContexts([...counts, ...usageCounts].map((c) => c.contextId))).map((c) => [
        c.id,
        c,
      ]),
    );
    const context = (id: number): DecisionContextRow => contexts.get(id)!;

    const outcomes = zero();
    const perRange = ranges.map(zero);
    const perContext = new Map<number, number>();
    for (const { range, contextId, count } of counts) {
      const outcome = context(contextId).outcome;
      perRange[range]![outcome] += count;
      outcomes[outcome] += count;
      perContext.set(contextId, (perContext.get(contextId) ?? 0) + count);
    }
    const routes = [
      ...new Set(
        [...perContext.keys()].map((id) => context(id).route).filter((r): r is string => r !== null),
      ),
    ].sort();

    const denied = await deniedGroups(tx, perContext, context, window);
    denied.sort((a, b) => b.latest.time - a.latest.time);
    const shown = denied.slice(0, deniedLimit);

    const usage = new Map<string, { allowed: number; calls: Map<string, ObservedDecision> }>();
    for (const { contextId, count } of usageCounts) {
      const c = context(contextId);
      if (c.install_id === null) continue;
      let entry = usage.get(c.install_id);
      if (entry === undefined) {
        entry = { allowed: 0, calls: new Map() };
        usage.set(c.install_id, entry);
      }
      if (c.outcome === 'allowed') entry.allowed += count;
      const key = JSON.stringify([c.method, c.route, c.requirement, c.outcome]);
      if (!entry.calls.has(key)) {
        entry.calls.set(key, {
          method: c.method,
          route: c.route,
          requirement: JSON.parse(c.requirement) as string[][],
          outcome: c.outcome,
        });
      }
    }

    return {
      outcomes,
      ranges: perRange,
      routes,
      denied: shown.map(({ contextIds: _ids, ...group }) => group),
      deniedGroups: denied.length,
      usage: [...usage].map(([install, { allowed, calls }]) => ({
        install,
        allowed,
        calls: [...calls.values()],
      })),
    };
  });
}

function zero(): OutcomeCounts {
  return { allowed: 0, denied: 0, shadow_denied: 0 };
}

type Group = DeniedGroup & { contextIds: number[] };

/**
 * Denied contexts grouped by install, outcome, method, route and lack, with their counts and
 * newest time; calls that matched no route are grouped by path, read from the decisions.
 */
async function deniedGroups(
  tx: StoreTransaction,
  perContext: ReadonlyMap<number, number>,
  context: (id: number) => DecisionContextRow,
  window: TimeWindow,
): Promise<Group[]> {
  const groups = new Map<string, Group>();
  type Latest = DeniedGroup['latest'];
  const newer = (a: Latest, b: Latest): boolean =>
    a.time > b.time || (a.time === b.time && Number(a.id?.slice(4) ?? 0) > Number(b.id?.slice(4) ?? 0));
  const add = (c: DecisionContextRow, path: string, count: number, latest: Latest) => {
    const key = JSON.stringify([c.install_id, c.outcome, c.method, c.route ?? path, c.missing]);
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, {
        install: c.install_id,
        outcome: c.outcome,
        method: c.method,
        route: c.route,
        path,
        missing: JSON.parse(c.missing) as string[][],
        count,
        latest,
        contextIds: [c.id],
      });
      return;
    }
    group.contextIds.push(c.id);
    groups.set(key, {
      ...group,
      count: group.count + count,
      latest: newer(latest, group.latest) ? latest : group.latest,
    });
  };
  const routed: number[] = [];
  const unrouted: number[] = [];
  for (const id of perContext.keys()) {
    const c = context(id);
    if (c.outcome === 'allowed') continue;
    (c.route === null ? unrouted : routed).push(id);
  }
  // an index lookup per context: its newest decision in the window
  const latest = new Map((await tx.latestDecisions(routed, window)).map((l) => [l.contextId, l]));
  for (const id of routed) {
    const c = context(id);
    const newest = latest.get(id);
    add(c, c.route!, perContext.get(id)!, {
      time: newest?.time ?? window.since,
      id: newest === undefined ? undefined : `dec_${newest.seq}`,
    });
  }
  for (const row of await tx.countDecisionPaths(unrouted, window)) {
    add(context(row.contextId), row.path, row.count, { time: row.latest, id: undefined });
  }
  return [...groups.values()];
}

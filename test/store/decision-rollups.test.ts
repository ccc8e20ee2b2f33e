import { afterEach, describe, expect, it } from 'vitest';
import { prng } from '../../bench/prng.js';
import { ROLLUP_SPANS, splitRange } from '../../src/store/decision-rollups.js';
import { rollupBackfillSql } from '../../src/store/migrations/0012-decision-rollups.js';
import { openSqliteDecisionWriter } from '../../src/store/sqlite-decision-writer.js';
import type {
  DecisionContextRow,
  DecisionFilter,
  NewDecisionRow,
  Store,
  TimeWindow,
} from '../../src/store/store.js';
import { DECISION_T0, decisionRow } from '../support/decision-rows.js';
import { DIALECTS, freshDatabases, suiteTitle } from './dialects.js';

/**
 * Decision rollups (migration 12) against a brute-force count over the rows themselves: seeded
 * random decisions, written in random batches (and, on SQLite, through the worker-thread writer
 * too), counted over random windows that start and end anywhere (mid-minute, on a bucket's
 * edge, before and after everything) with random filters; then again after pruning; and the
 * migration's backfill rebuilds exactly the rollups the writers kept.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The context values of a row, as a key. */
function contextKey(row: Omit<DecisionContextRow, 'id'> | NewDecisionRow): string {
  return JSON.stringify([
    row.account_id,
    row.install_id,
    row.app_id,
    row.key_hint,
    row.livemode,
    row.method,
    row.route,
    row.requirement,
    row.outcome,
    row.missing,
  ]);
}

function matches(row: NewDecisionRow, filter: DecisionFilter): boolean {
  return (
    (filter.accountId === undefined || row.account_id === filter.accountId) &&
    (filter.installId === undefined || row.install_id === filter.installId) &&
    (filter.appId === undefined || row.app_id === filter.appId) &&
    (filter.livemode === undefined || row.livemode === (filter.livemode ? 1 : 0)) &&
    (filter.outcome === undefined || row.outcome === filter.outcome) &&
    (filter.route === undefined || row.route === filter.route) &&
    (filter.permission === undefined ||
      (JSON.parse(row.requirement) as string[][]).some((group) => group.includes(filter.permission!)))
  );
}

/** What a full scan gives: count per context key in each window. */
function bruteForce(
  rows: readonly NewDecisionRow[],
  filter: DecisionFilter,
  windows: readonly TimeWindow[],
): Map<string, number> {
  const out = new Map<string, number>();
  windows.forEach((window, range) => {
    for (const row of rows) {
      if (row.time < window.since || row.time >= window.until || !matches(row, filter)) continue;
      const key = `${range} ${contextKey(row)}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  });
  return out;
}

async function fromRollups(
  store: Store,
  filter: DecisionFilter,
  windows: readonly TimeWindow[],
): Promise<Map<string, number>> {
  return store.transaction(
    async (tx) => {
      const counts = await tx.countDecisionsByContext(filter, windows);
      const contexts = new Map(
        (await tx.getDecisionContexts(counts.map((c) => c.contextId))).map((c) => [c.id, c]),
      );
      const out = new Map<string, number>();
      for (const { range, contextId, count } of counts) {
        const key = `${range} ${contextKey(contexts.get(contextId)!)}`;
        out.set(key, (out.get(key) ?? 0) + count);
      }
      return out;
    },
    { readOnly: true },
  );
}

/** Seeded random decisions over three days, from small pools of values. */
function randomRows(random: () => number, count: number, start: number): NewDecisionRow[] {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const rows: NewDecisionRow[] = [];
  for (let n = 0; n < count; n++) {
    // a tenth land exactly on a minute, hour or day edge
    const span = 3 * DAY;
    let time = start + Math.floor(random() * span);
    if (random() < 0.1) time = Math.floor(time / pick(ROLLUP_SPANS)) * pick(ROLLUP_SPANS) || time;
    const outcome = pick(['allowed', 'allowed', 'denied', 'shadow_denied'] as const);
    const route = pick(['/v1/customers', '/v1/charges', null]);
    rows.push(
      decisionRow(n, {
        time,
        request_id: `req_rollup_${n}_${Math.floor(random() * 1e9)}`,
        account_id: pick(['acct_a', 'acct_b']),
        install_id: pick(['appinst_1', 'appinst_2', null]),
        app_id: pick(['com.example.one', 'com.example.two']),
        livemode: pick([0, 1]),
        method: pick(['GET', 'POST']),
        route,
        path: route ?? `/v1/unknown_${Math.floor(random() * 3)}`,
        requirement: pick([
          JSON.stringify([['customer_read', 'customer_write']]),
          JSON.stringify([['charge_read']]),
          '[]',
        ]),
        outcome,
        missing: outcome === 'allowed' ? '[]' : JSON.stringify([['charge_read']]),
      }),
    );
  }
  return rows;
}

function randomWindow(random: () => number, start: number): TimeWindow {
  const edge = (): number => {
    const t = start - HOUR + Math.floor(random() * (3 * DAY + 2 * HOUR));
    const r = random();
    // on a bucket edge, one ms either side of it, or anywhere
    if (r < 0.3) return Math.floor(t / ROLLUP_SPANS[Math.floor(random() * 3)]!) * ROLLUP_SPANS[2];
    if (r < 0.5) return Math.floor(t / HOUR) * HOUR + (random() < 0.5 ? 1 : -1);
    if (r < 0.6) return Math.floor(t / 60_000) * 60_000;
    return t;
  };
  if (random() < 0.1) return { since: 0, until: Number.MAX_SAFE_INTEGER };
  const a = edge();
  const b = edge();
  return a <= b ? { since: a, until: b + 1 } : { since: b, until: a };
}

function randomFilter(random: () => number): DecisionFilter {
  const maybe = <T>(values: readonly T[]): T | undefined =>
    random() < 0.5 ? undefined : values[Math.floor(random() * values.length)];
  const accountId = maybe(['acct_a', 'acct_b']);
  const installId = maybe(['appinst_1', 'appinst_2']);
  const livemode = maybe([true, false]);
  const outcome = maybe(['allowed', 'denied', 'shadow_denied'] as const);
  const route = random() < 0.8 ? undefined : maybe(['/v1/customers', '/v1/charges']);
  const permission = random() < 0.8 ? undefined : maybe(['customer_read', 'charge_read', 'customer_write']);
  return {
    ...(accountId === undefined ? {} : { accountId }),
    ...(installId === undefined ? {} : { installId }),
    ...(livemode === undefined ? {} : { livemode }),
    ...(outcome === undefined ? {} : { outcome }),
    ...(route === undefined ? {} : { route }),
    ...(permission === undefined ? {} : { permission }),
  };
}

async function compareMany(
  store: Store,
  rows: readonly NewDecisionRow[],
  random: () => number,
): Promise<void> {
  for (let round = 0; round < 25; round++) {
    const filter = randomFilter(random);
    const windows = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
      randomWindow(random, DECISION_T0),
    );
    const expected = bruteForce(rows, filter, windows);
    const actual = await fromRollups(store, filter, windows);
    expect({ filter, windows, counts: Object.fromEntries(actual) }).toEqual({
      filter,
      windows,
      counts: Object.fromEntries(expected),
    });
    // countDecisions (logs --stats) agrees with the same brute force, by outcome
    const window = windows[0]!;
    const counts = await store.transaction((tx) => tx.countDecisions({ ...filter, ...window }), {
      readOnly: true,
    });
    const outcomes = { allowed: 0, denied: 0, shadow_denied: 0 };
    for (const row of rows) {
      if (row.time >= window.since && row.time < window.until && matches(row, filter))
        outcomes[row.outcome]++;
    }
    expect(counts.outcomes).toEqual(outcomes);
    // listDecisions (newest first, a page then the next from its cursor) agrees too, whether it
    // reads context by context (few match) or by time
    const newest = rows
      .map((row, index) => ({ row, index }))
      .filter(({ row }) => row.time >= window.since && row.time < window.until && matches(row, filter))
      .sort((a, b) => b.row.time - a.row.time || b.index - a.index)
      .map(({ row }) => row.request_id);
    const page = await store.transaction((tx) => tx.listDecisions({ ...filter, ...window, limit: 7 }), {
      readOnly: true,
    });
    expect(page.map((row) => row.request_id)).toEqual(newest.slice(0, 7));
    const last = page.at(-1);
    if (last !== undefined) {
      const next = await store.transaction(
        (tx) =>
          tx.listDecisions({ ...filter, ...window, before: { time: last.time, seq: last.seq }, limit: 7 }),
        { readOnly: true },
      );
      expect(next.map((row) => row.request_id)).toEqual(newest.slice(7, 14));
    }
  }
}

async function rollupTable(db: {
  exec(text: string): Promise<Record<string, unknown>[]>;
}): Promise<string[]> {
  const rows = await db.exec('select span, context_id, bucket, count from decision_rollups');
  return rows
    .map((row) => [row['span'], row['context_id'], row['bucket'], row['count']].map(Number).join(' '))
    .sort();
}

describe('splitRange', () => {
  it('covers a range exactly with whole buckets and at most two partial minutes', () => {
    const random = prng(12);
    for (let i = 0; i < 2000; i++) {
      const since = Math.floor(random() * 10 * DAY);
      const until = since + Math.floor(random() * (random() < 0.5 ? HOUR : 5 * DAY));
      const pieces = splitRange(since, until);
      let at = since;
      for (const piece of pieces) {
        expect(piece.from).toBe(at);
        expect(piece.to).toBeGreaterThan(piece.from);
        if (piece.span !== 0) expect([piece.from % piece.span, piece.to % piece.span]).toEqual([0, 0]);
        at = piece.to;
      }
      expect(at).toBe(pieces.length === 0 ? since : until);
      // what is counted row by row: at most the two partial minutes at the edges
      const raw = pieces.filter((p) => p.span === 0);
      expect(raw.length).toBeLessThanOrEqual(2);
      expect(raw.reduce((sum, p) => sum + p.to - p.from, 0)).toBeLessThan(120_000);
    }
  });
});

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'decision rollups (migration 12)'), () => {
    const fresh = freshDatabases(dialect);
    const closers: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const close of closers.splice(0)) await close();
    });

    it('counts and listings per context, window and filter equal a full scan, before and after pruning', async () => {
      const db = await fresh();
      const store = await db.open();
      const random = prng(dialect.name === 'sqlite' ? 1501 : 1502);
      const rows = randomRows(random, 3000, DECISION_T0);
      // the worker-thread writer (SQLite) takes a third of the batches
      const worker = dialect.name === 'sqlite' ? openSqliteDecisionWriter(db.files[0]!) : undefined;
      if (worker !== undefined) closers.push(() => worker.close());
      for (let i = 0; i < rows.length; ) {
        const batch = rows.slice(i, i + 1 + Math.floor(random() * 300));
        i += batch.length;
        if (worker !== undefined && random() < 0.33) await worker.write(batch);
        else await store.transaction((tx) => tx.insertDecisions(batch));
      }
      await compareMany(store, rows, random);

      // prune a chunk at a time up to a cutoff mid-minute, as retention does
      const cutoff = DECISION_T0 + DAY + 12_345;
      let pruned = 0;
      for (;;) {
        const deleted = await store.transaction((tx) => tx.pruneDecisions(cutoff, 97));
        pruned += deleted;
        if (deleted < 97) break;
      }
      const left = rows.filter((row) => row.time >= cutoff);
      expect(pruned).toBe(rows.length - left.length);
      await compareMany(store, left, random);

      // no bucket is left holding nothing
      const [empty] = await db.exec('select count(*) as n from decision_rollups where count <= 0');
      expect(Number(empty?.['n'])).toBe(0);
    });

    it("the migration's backfill builds the same rollups the writers keep", async () => {
      const db = await fresh();
      const store = await db.open();
      const random = prng(77);
      const rows = randomRows(random, 1500, DECISION_T0);
      for (let i = 0; i < rows.length; i += 100) {
        await store.transaction((tx) => tx.insertDecisions(rows.slice(i, i + 100)));
      }
      const kept = await rollupTable(db);
      expect(kept.length).toBeGreaterThan(0);
      await db.exec('delete from decision_rollups');
      for (const statement of rollupBackfillSql()) await db.exec(statement);
      expect(await rollupTable(db)).toEqual(kept);
    });

    it('finds the newest decision of contexts in a window, and counts calls by path', async () => {
      const db = await fresh();
      const store = await db.open();
      const rows = [
        decisionRow(1, { route: null, path: '/v1/nowhere', outcome: 'denied' }),
        decisionRow(2, { route: null, path: '/v1/nowhere', outcome: 'denied' }),
        decisionRow(3, { route: null, path: '/v1/elsewhere', outcome: 'denied' }),
        decisionRow(4),
      ];
      await store.transaction((tx) => tx.insertDecisions(rows));
      const window = { since: DECISION_T0, until: DECISION_T0 + 3000 };
      await store.transaction(
        async (tx) => {
          const counts = await tx.countDecisionsByContext({ outcome: 'denied' }, [window]);
          expect(counts).toHaveLength(1);
          const ids = counts.map((c) => c.contextId);
          const [latest, ...others] = await tx.latestDecisions(ids, window);
          expect(others).toEqual([]);
          expect((await tx.listDecisions({ seq: latest!.seq }))[0]?.request_id).toBe('req_0002');
          expect(latest!.time).toBe(DECISION_T0 + 2000);
          expect(
            (await tx.countDecisionPaths(ids, window)).map(({ path, count, latest }) => [
              path,
              count,
              latest,
            ]),
          ).toEqual([['/v1/nowhere', 2, DECISION_T0 + 2000]]);
          expect(await tx.latestDecisions(ids, { since: 0, until: DECISION_T0 })).toEqual([]);
        },
        { readOnly: true },
      );
    });
  });
}

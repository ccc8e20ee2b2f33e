import { describe, expect, it } from 'vitest';
import { DecisionLogRetention } from '../../src/decision-log/retention.js';
import type { NewDecisionRow, Store, UnauthenticatedCountRow } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { DECISION_T0, decisionRow } from '../support/decision-rows.js';

const MINUTE = 60_000;

/** `n` decisions a second apart, in batches of 1000, with paths of their own (as retrieves have). */
async function fill(store: Store, n: number): Promise<void> {
  for (let first = 1; first <= n; first += 1000) {
    const rows: NewDecisionRow[] = [];
    for (let i = first; i < Math.min(first + 1000, n + 1); i++) {
      rows.push(decisionRow(i, { route: '/v1/customers/{customer}', path: `/v1/customers/cus_${i}` }));
    }
    await store.transaction((tx) => tx.insertDecisions(rows));
  }
}

async function seqs(store: Store): Promise<{ oldest: number | null; newest: number | null; count: number }> {
  return store.transaction(
    async (tx) => {
      const size = await tx.decisionLogSize();
      const counts = await tx.countDecisions({});
      return {
        oldest: size.oldestSeq,
        newest: size.newestSeq,
        count: counts.outcomes.allowed + counts.outcomes.denied + counts.outcomes.shadow_denied,
      };
    },
    { readOnly: true },
  );
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'decision log retention'), () => {
    const fresh = freshDatabases(dialect);

    it('deletes decisions past their age, oldest first, in chunks', async () => {
      const db = await fresh();
      const store = await db.open();
      await fill(store, 2500);
      const retention = new DecisionLogRetention(store, { maxAgeMs: 1000 * 1000, chunk: 300 });
      // now = decision 3000's time: decisions 1 … 1999 are older than 1000 s
      const result = await retention.prune(DECISION_T0 + 3000 * 1000);
      expect(result.byAge).toBe(1999);
      expect(result.bySize).toBe(0);
      expect(await seqs(store)).toEqual({ oldest: 2000, newest: 2500, count: 501 });
    });

    it('with a small size limit, deletes the oldest decisions and keeps the newest', async () => {
      const db = await fresh();
      const store = await db.open();
      const empty = (await store.transaction((tx) => tx.decisionLogSize(), { readOnly: true })).bytes;
      await fill(store, 20_000);
      const full = (await store.transaction((tx) => tx.decisionLogSize(), { readOnly: true })).bytes;
      expect(full).toBeGreaterThan(empty);
      const maxBytes = Math.round(empty + (full - empty) / 2);
      const retention = new DecisionLogRetention(store, { maxBytes });
      const result = await retention.prune(DECISION_T0 + 20_001 * 1000);
      expect(result.byAge).toBe(0);
      expect(result.bySize).toBeGreaterThan(0);
      expect(result.bySize).toBeLessThan(20_000);
      const left = await seqs(store);
      // what is left is the newest decisions, with no gap
      expect(left.newest).toBe(20_000);
      expect(left.oldest).toBe(20_000 - left.count + 1);
      expect(left.count).toBe(20_000 - result.bySize);
      if (dialect.name === 'sqlite') expect(result.bytes).toBeLessThanOrEqual(maxBytes);
      // nothing new: a second check deletes nothing (PostgreSQL: the space waits for reuse)
      expect((await retention.prune(DECISION_T0 + 20_002 * 1000)).bySize).toBe(0);
      // the decisions kept stay listed newest first
      const [newest] = await store.transaction((tx) => tx.listDecisions({ limit: 1 }), { readOnly: true });
      expect(newest?.path).toBe('/v1/customers/cus_20000');
    });

    it('with only unauthenticated counts over the limit, deletes the oldest minutes first', async () => {
      const db = await fresh();
      const store = await db.open();
      const empty = (await store.transaction((tx) => tx.decisionLogSize(), { readOnly: true })).bytes;
      const rows: UnauthenticatedCountRow[] = [];
      for (let minute = 0; minute < 100; minute++) {
        for (let a = 0; a < 100; a++) {
          rows.push({
            minute: DECISION_T0 + minute * MINUTE,
            reason: 'invalid_key',
            address: `10.0.${a}.1`,
            count: 3,
          });
        }
      }
      await store.transaction((tx) => tx.addUnauthenticatedCounts(rows));
      const full = (await store.transaction((tx) => tx.decisionLogSize(), { readOnly: true })).bytes;
      const retention = new DecisionLogRetention(store, { maxBytes: Math.round(empty + (full - empty) / 2) });
      await retention.prune(DECISION_T0 + 100 * MINUTE);
      const minutes = new Set(
        (
          await store.transaction((tx) => tx.listUnauthenticatedCounts({ limit: 1000 }), { readOnly: true })
        ).map((row) => (row.minute - DECISION_T0) / MINUTE),
      );
      expect(minutes.has(99)).toBe(true);
      expect(minutes.has(0)).toBe(false);
      // oldest first: the minutes left are the newest ones
      const kept = [...minutes].sort((a, b) => a - b);
      expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 100 - kept.length + i));
    });

    it('refuses nonsense limits', async () => {
      const db = await fresh();
      const store = await db.open();
      expect(() => new DecisionLogRetention(store, { maxBytes: 0 })).toThrow(
        'maxBytes must be a positive integer',
      );
      expect(() => new DecisionLogRetention(store, { maxAgeMs: -1 })).toThrow(
        'maxAgeMs must be a positive number of milliseconds',
      );
    });
  });
}

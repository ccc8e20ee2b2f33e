import { describe, expect, it } from 'vitest';
import type { UnauthenticatedCountRow } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { decisionRow } from '../support/decision-rows.js';

const MINUTE = 60_000;
const M0 = Date.UTC(2026, 0, 1);

function count(minute: number, reason: string, address: string, n: number): UnauthenticatedCountRow {
  return { minute: M0 + minute * MINUTE, reason, address, count: n };
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'unauthenticated counts store'), () => {
    const fresh = freshDatabases(dialect);

    it('adds counts to the row of the same minute, reason and address, within and across writes', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.transaction((tx) =>
        tx.addUnauthenticatedCounts([
          count(0, 'invalid_key', '127.0.0.1', 5),
          count(0, 'invalid_key', '127.0.0.1', 2), // same row twice in one write
          count(0, 'missing_key', '127.0.0.1', 1),
          count(1, 'invalid_key', '::1', 3),
        ]),
      );
      await store.transaction((tx) =>
        tx.addUnauthenticatedCounts([
          count(0, 'invalid_key', '127.0.0.1', 10),
          count(2, 'rate_limited', '::1', 1),
        ]),
      );
      const list = (filter = {}) =>
        store.transaction((tx) => tx.listUnauthenticatedCounts(filter), { readOnly: true });
      expect(await list()).toEqual([
        count(2, 'rate_limited', '::1', 1),
        count(1, 'invalid_key', '::1', 3),
        count(0, 'invalid_key', '127.0.0.1', 17),
        count(0, 'missing_key', '127.0.0.1', 1),
      ]);
      expect(await list({ reason: 'invalid_key' })).toEqual([
        count(1, 'invalid_key', '::1', 3),
        count(0, 'invalid_key', '127.0.0.1', 17),
      ]);
      expect(await list({ address: '::1', since: M0 + MINUTE, until: M0 + 2 * MINUTE })).toEqual([
        count(1, 'invalid_key', '::1', 3),
      ]);
      expect(await list({ limit: 1 })).toEqual([count(2, 'rate_limited', '::1', 1)]);
    });

    it('prunes counts of minutes that ended by the retention cutoff, with the decisions', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.transaction(async (tx) => {
        await tx.addUnauthenticatedCounts([
          count(0, 'invalid_key', 'a', 1),
          count(1, 'invalid_key', 'a', 1),
          count(2, 'invalid_key', 'a', 1),
        ]);
        await tx.insertDecisions([decisionRow(1)]);
      });
      // minute 1 ends at M0 + 2 min: kept when the cutoff is inside it, gone at its end
      await store.transaction((tx) => tx.pruneDecisions(M0 + MINUTE + 30_000));
      expect(
        (await store.transaction((tx) => tx.listUnauthenticatedCounts({}), { readOnly: true })).map(
          (row) => (row.minute - M0) / MINUTE,
        ),
      ).toEqual([2, 1]);
      await store.transaction((tx) => tx.pruneDecisions(M0 + 2 * MINUTE));
      expect(
        (await store.transaction((tx) => tx.listUnauthenticatedCounts({}), { readOnly: true })).map(
          (row) => (row.minute - M0) / MINUTE,
        ),
      ).toEqual([2]);
    });
  });
}

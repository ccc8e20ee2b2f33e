import { describe, expect, it } from 'vitest';
import type { DecisionFilter } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { DECISION_T0, decisionRow } from '../support/decision-rows.js';

const T0 = DECISION_T0;
const row = decisionRow;

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'decision log store'), () => {
    const fresh = freshDatabases(dialect);

    it('stores batches and lists newest first with every filter', async () => {
      const db = await fresh();
      const store = await db.open();
      const rows = [
        row(1),
        row(2, { outcome: 'denied', missing: JSON.stringify([['charge_read']]), status: 403 }),
        row(3, {
          route: '/v1/charges',
          path: '/v1/charges',
          requirement: JSON.stringify([['charge_read', 'charge_write']]),
          outcome: 'denied',
          missing: JSON.stringify([['charge_read', 'charge_write']]),
          status: 403,
        }),
        row(4, { account_id: 'acct_b', install_id: 'appinst_2' }),
        row(5, { livemode: 1 }),
        row(6, { outcome: 'shadow_denied', status: 200 }),
      ];
      await store.transaction((tx) => tx.insertDecisions(rows));
      const list = (filter: DecisionFilter) =>
        store.transaction(async (t) => (await t.listDecisions(filter)).map((r) => r.request_id), {
          readOnly: true,
        });
      expect(await list({})).toEqual([
        'req_0006',
        'req_0005',
        'req_0004',
        'req_0003',
        'req_0002',
        'req_0001',
      ]);
      expect(await list({ accountId: 'acct_b' })).toEqual(['req_0004']);
      expect(await list({ installId: 'appinst_1', livemode: false })).toEqual([
        'req_0006',
        'req_0003',
        'req_0002',
        'req_0001',
      ]);
      expect(await list({ outcome: 'denied' })).toEqual(['req_0003', 'req_0002']);
      expect(await list({ route: '/v1/charges' })).toEqual(['req_0003']);
      expect(await list({ permission: 'charge_read' })).toEqual(['req_0003']);
      expect(await list({ since: T0 + 2000, until: T0 + 4000 })).toEqual(['req_0003', 'req_0002']);
      const [third] = await store.transaction((t) => t.listDecisions({ requestId: 'req_0003' }), {
        readOnly: true,
      });
      expect(await list({ before: { time: third!.time, seq: third!.seq }, limit: 2 })).toEqual([
        'req_0002',
        'req_0001',
      ]);
      expect(await list({ requestId: 'req_0005' })).toEqual(['req_0005']);

      const [stored] = await store.transaction((t) => t.listDecisions({ requestId: 'req_0002' }), {
        readOnly: true,
      });
      expect(stored).toMatchObject({
        ...rows[1],
        seq: expect.any(Number),
      });
      expect(stored?.latency_ms).toBeCloseTo(0.25);
    });

    it('treats `_` and `%` in a permission filter literally', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.transaction((tx) =>
        tx.insertDecisions([
          row(1, { requirement: JSON.stringify([['customerXread']]) }),
          row(2, { requirement: JSON.stringify([['customer_read']]) }),
        ]),
      );
      const found = await store.transaction((tx) => tx.listDecisions({ permission: 'customer_read' }), {
        readOnly: true,
      });
      expect(found.map((r) => r.request_id)).toEqual(['req_0002']);
      const none = await store.transaction((tx) => tx.listDecisions({ permission: '%' }), { readOnly: true });
      expect(none).toEqual([]);
    });

    it('writes a large batch in one call and counts by outcome with drops', async () => {
      const db = await fresh();
      const store = await db.open();
      const many = Array.from({ length: 1234 }, (_, i) =>
        row(i, { outcome: i % 3 === 0 ? 'denied' : 'allowed' }),
      );
      await store.transaction(async (tx) => {
        await tx.insertDecisions(many);
        await tx.insertDecisionDrop({ time: T0 + 5000, dropped: 7, first_time: T0, last_time: T0 + 4000 });
        await tx.insertDecisionDrop({ time: T0 + 9000, dropped: 3, first_time: T0, last_time: T0 + 9000 });
      });
      const counts = await store.transaction((tx) => tx.countDecisions({}), { readOnly: true });
      expect(counts).toEqual({
        outcomes: { allowed: 822, denied: 412, shadow_denied: 0 },
        dropped: 10,
        lastDrop: T0 + 9000,
      });
      const recent = await store.transaction((tx) => tx.countDecisions({ since: T0 + 6000 }), {
        readOnly: true,
      });
      expect(recent.dropped).toBe(3);
      expect(recent.outcomes.allowed + recent.outcomes.denied).toBe(1234 - 6);
      const empty = await store.transaction(
        (tx) => tx.countDecisions({ accountId: 'acct_none', until: T0 }),
        {
          readOnly: true,
        },
      );
      expect(empty).toEqual({
        outcomes: { allowed: 0, denied: 0, shadow_denied: 0 },
        dropped: 0,
        lastDrop: null,
      });
    });

    it('writes nothing of a batch with a row the schema refuses, whatever statement it falls in', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.transaction((tx) => tx.insertDecisions([row(0)]));
      // 450 rows: three SQLite statements; the bad one is in the last
      const batch = Array.from({ length: 450 }, (_, i) =>
        row(i + 1, i === 420 ? { outcome: 'maybe' as 'allowed' } : {}),
      );
      await expect(store.transaction((tx) => tx.insertDecisions(batch))).rejects.toThrow();
      const left = await store.transaction((tx) => tx.listDecisions({ limit: 500 }), { readOnly: true });
      expect(left.map((r) => r.request_id)).toEqual(['req_0000']);
    });

    it('prunes decisions and drop records older than a time', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.transaction(async (tx) => {
        await tx.insertDecisions([row(1), row(2), row(3)]);
        await tx.insertDecisionDrop({ time: T0 + 1500, dropped: 2, first_time: T0, last_time: T0 + 1500 });
      });
      expect(await store.transaction((tx) => tx.pruneDecisions(T0 + 2500, 1))).toBe(1);
      const pruned = await store.transaction((tx) => tx.pruneDecisions(T0 + 2500));
      expect(pruned).toBe(1);
      const left = await store.transaction((tx) => tx.listDecisions({}), { readOnly: true });
      expect(left.map((r) => r.request_id)).toEqual(['req_0003']);
      const counts = await store.transaction((tx) => tx.countDecisions({}), { readOnly: true });
      expect(counts.dropped).toBe(0);
    });
  });
}

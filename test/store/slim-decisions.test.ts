import { describe, expect, it } from 'vitest';
import { DECISION_T0, decisionRow } from '../support/decision-rows.js';
import { DIALECTS, freshDatabases, schemaBefore, suiteTitle } from './dialects.js';

/** Migration 8 keeps every decision stored before it, with its id, in the slimmer schema. */
for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'slim decisions (migration 8)'), () => {
    const fresh = freshDatabases(dialect);

    it('moves decisions stored before it over, ids and values kept, and numbering continues', async () => {
      const db = await fresh();
      await schemaBefore(db, dialect, 7);
      const old = [
        decisionRow(1),
        decisionRow(2, {
          route: '/v1/customers/{customer}',
          path: '/v1/customers/cus_1',
          outcome: 'denied',
          missing: JSON.stringify([['customer_read']]),
          status: 403,
          latency_ms: 1.2344,
        }),
        decisionRow(3, { account_id: null, install_id: null, app_id: null, key_hint: null, route: null }),
        decisionRow(4),
      ];
      for (const row of old) {
        const values = [
          row.time,
          row.request_id,
          row.account_id,
          row.install_id,
          row.app_id,
          row.key_hint,
          row.livemode,
          row.method,
          row.route,
          row.path,
          row.requirement,
          row.outcome,
          row.missing,
          row.status,
          row.latency_ms,
        ].map((value) =>
          value === null ? 'null' : typeof value === 'number' ? String(value) : `'${value}'`,
        );
        await db.exec(
          `insert into decisions ("time", request_id, account_id, install_id, app_id, key_hint, livemode, method, route, path, requirement, outcome, missing, status, latency_ms) values (${values.join(', ')})`,
        );
      }
      await db.exec(`delete from decisions where request_id = 'req_0004'`); // a gap in the numbering

      const store = await db.open();
      const listed = await store.transaction((tx) => tx.listDecisions({}), { readOnly: true });
      expect(listed.map((row) => row.seq)).toEqual([3, 2, 1]);
      for (const row of listed) {
        const { latency_ms, ...rest } = old[row.seq - 1]!;
        expect(row).toMatchObject(rest);
        expect(row.latency_ms).toBeCloseTo(latency_ms, 3);
      }
      // three distinct contexts: rows 1 and 4 shared theirs
      expect(await db.exec('select count(*) as n from decision_contexts')).toEqual([
        { n: dialect.name === 'postgres' ? '3' : 3 },
      ]);
      await store.transaction((tx) => tx.insertDecisions([decisionRow(5)]));
      const [newest] = await store.transaction((tx) => tx.listDecisions({ limit: 1 }), { readOnly: true });
      expect(newest).toMatchObject({ seq: 5, request_id: 'req_0005', time: DECISION_T0 + 5000 });
    });

    it('keeps a path equal to its route once, and any other path as it is', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.transaction((tx) =>
        tx.insertDecisions([
          decisionRow(1),
          decisionRow(2, { route: '/v1/customers/{customer}', path: '/v1/customers/cus_9' }),
          decisionRow(3, { route: null, path: '/v1/nowhere' }),
        ]),
      );
      expect(await db.exec('select path from decisions order by seq')).toEqual([
        { path: null },
        { path: '/v1/customers/cus_9' },
        { path: '/v1/nowhere' },
      ]);
      const listed = await store.transaction((tx) => tx.listDecisions({}), { readOnly: true });
      expect(listed.map((row) => row.path)).toEqual(['/v1/nowhere', '/v1/customers/cus_9', '/v1/customers']);
    });
  });
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EmulatorScope, EmulatorStorage, StripeObject } from '../../src/emulator/storage.js';

/**
 * The contract every `EmulatorStorage` must keep, run against each implementation
 * (`storageContract('memory', createMemoryStorage)`), so a SQL-backed store can prove
 * it behaves the same.
 */
export function storageContract(name: string, make: () => EmulatorStorage): void {
  const scope: EmulatorScope = { account: 'acct_1', livemode: false };
  const obj = (id: string, extra: Record<string, unknown> = {}): StripeObject => ({
    id,
    object: 'customer',
    ...extra,
  });

  describe(`EmulatorStorage contract: ${name}`, () => {
    it('gets, replaces and deletes by scope, type and id', async () => {
      const storage = make();
      await storage.put(scope, {
        type: 'customer',
        id: 'cus_1',
        created: 10,
        object: obj('cus_1', { n: 1 }),
      });
      expect(await storage.get(scope, 'customer', 'cus_1')).toEqual(obj('cus_1', { n: 1 }));
      expect(await storage.get(scope, 'product', 'cus_1')).toBeUndefined();
      expect(await storage.get({ ...scope, livemode: true }, 'customer', 'cus_1')).toBeUndefined();
      expect(await storage.get({ ...scope, account: 'acct_2' }, 'customer', 'cus_1')).toBeUndefined();
      await storage.put(scope, {
        type: 'customer',
        id: 'cus_1',
        created: 10,
        object: obj('cus_1', { n: 2 }),
      });
      expect(await storage.get(scope, 'customer', 'cus_1')).toEqual(obj('cus_1', { n: 2 }));
      expect((await storage.list(scope, 'customer', { limit: 10 })).data).toHaveLength(1);
      expect(await storage.delete(scope, 'customer', 'cus_1')).toBe(true);
      expect(await storage.delete(scope, 'customer', 'cus_1')).toBe(false);
      expect(await storage.get(scope, 'customer', 'cus_1')).toBeUndefined();
    });

    it('returns values that later writes do not change', async () => {
      const storage = make();
      await storage.put(scope, {
        type: 'customer',
        id: 'cus_1',
        created: 1,
        object: obj('cus_1', { meta: { a: '1' } }),
      });
      const before = await storage.get(scope, 'customer', 'cus_1');
      await storage.put(scope, {
        type: 'customer',
        id: 'cus_1',
        created: 1,
        object: obj('cus_1', { meta: { a: '2' } }),
      });
      expect(before).toEqual(obj('cus_1', { meta: { a: '1' } }));
    });

    it('filters on top-level fields and created ranges', async () => {
      const storage = make();
      const rows = [
        ['c1', 1, { email: 'a', status: 'open', type: 'customer.created' }],
        ['c2', 2, { email: 'b', status: 'paid', type: 'customer.updated' }],
        ['c3', 3, { email: 'a', status: null, type: 'charge.succeeded' }],
      ] as const;
      for (const [id, created, extra] of rows) {
        await storage.put(scope, { type: 'customer', id, created, object: obj(id, extra) });
      }
      const ids = async (query: Parameters<EmulatorStorage['list']>[2]) =>
        (await storage.list(scope, 'customer', query)).data.map((o) => o.id);
      expect(await ids({ limit: 10, where: { email: { op: 'eq', value: 'a' } } })).toEqual(['c3', 'c1']);
      expect(await ids({ limit: 10, where: { status: { op: 'eq', value: null } } })).toEqual(['c3']);
      expect(await ids({ limit: 10, where: { status: { op: 'ne', value: null } } })).toEqual(['c2', 'c1']);
      expect(await ids({ limit: 10, where: { status: { op: 'in', values: ['open', 'paid'] } } })).toEqual([
        'c2',
        'c1',
      ]);
      expect(await ids({ limit: 10, where: { type: { op: 'prefix', value: 'customer.' } } })).toEqual([
        'c2',
        'c1',
      ]);
      expect(await ids({ limit: 10, where: { missing: { op: 'eq', value: null } } })).toEqual([
        'c3',
        'c2',
        'c1',
      ]);
      expect(await ids({ limit: 10, created: { gte: 2 } })).toEqual(['c3', 'c2']);
      expect(await ids({ limit: 10, created: { gt: 1, lt: 3 } })).toEqual(['c2']);
      expect(await ids({ limit: 10, created: { lte: 1 } })).toEqual(['c1']);
    });

    it('pages newest first by (created, id) in both directions, covering every object exactly once', async () => {
      const record = fc.record({
        created: fc.integer({ min: 0, max: 4 }),
        id: fc.stringMatching(/^[0-9A-Za-z]{1,4}$/),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(record, { selector: (r) => r.id, maxLength: 30 }),
          fc.integer({ min: 1, max: 7 }),
          async (records, limit) => {
            const storage = make();
            for (const r of records) {
              await storage.put(scope, { type: 'customer', id: r.id, created: r.created, object: obj(r.id) });
            }
            const expected = [...records]
              .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
              .map((r) => r.id);

            const forward: string[] = [];
            let cursor: string | undefined;
            for (;;) {
              const page = await storage.list(scope, 'customer', {
                limit,
                ...(cursor === undefined ? {} : { startingAfter: cursor }),
              });
              expect(page.data.length).toBeLessThanOrEqual(limit);
              forward.push(...page.data.map((o) => o.id));
              if (!page.hasMore) break;
              cursor = page.data[page.data.length - 1]!.id;
            }
            expect(forward).toEqual(expected);

            const backward: string[] = [];
            let before = expected[expected.length - 1];
            if (before !== undefined) backward.push(before);
            while (before !== undefined) {
              const page = await storage.list(scope, 'customer', { limit, endingBefore: before });
              backward.unshift(...page.data.map((o) => o.id));
              if (!page.hasMore) break;
              before = page.data[0]!.id;
            }
            expect(backward).toEqual(expected);
          },
        ),
        { numRuns: 150 },
      );
    });
  });
}

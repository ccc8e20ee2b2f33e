import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryStorage,
  DEFAULT_MAX_OBJECTS_PER_SCOPE,
  type EvictionInfo,
} from '../../src/emulator/memory-storage.js';
import type { EmulatorScope, EmulatorStorage } from '../../src/emulator/storage.js';
import { storageContract } from './storage-contract.js';

storageContract('memory', createMemoryStorage);

const scope: EmulatorScope = { account: 'acct_1', livemode: false };

async function put(
  storage: EmulatorStorage,
  type: string,
  id: string,
  created = 1,
  on: EmulatorScope = scope,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await storage.put(on, { type, id, created, object: { id, object: type, ...extra } });
}

async function held(storage: EmulatorStorage, type: string, on: EmulatorScope = scope): Promise<string[]> {
  return (await storage.list(on, type, { limit: 100 })).data.map((o) => o.id);
}

describe('createMemoryStorage', () => {
  it('freezes what it stores, so a handler that mutates a read object fails loudly', async () => {
    const storage = createMemoryStorage();
    await storage.put(scope, {
      type: 'customer',
      id: 'cus_1',
      created: 1,
      object: { id: 'cus_1', object: 'customer', metadata: { a: '1' } },
    });
    const stored = (await storage.get(scope, 'customer', 'cus_1')) as unknown as {
      metadata: Record<string, string>;
    };
    expect(() => {
      stored.metadata['a'] = '2';
    }).toThrow(TypeError);
  });
});

describe('createMemoryStorage: the cap on objects per account and mode', () => {
  it('holds 50,000 objects per scope by default', () => {
    expect(DEFAULT_MAX_OBJECTS_PER_SCOPE).toBe(50_000);
  });

  it('evicts the oldest object of the scope, all types together, in the order they were first stored', async () => {
    const evicted: EvictionInfo[] = [];
    const storage = createMemoryStorage({ maxObjectsPerScope: 3, onEvict: (info) => evicted.push(info) });
    // first-stored order differs from `created` order: eviction follows the former
    await put(storage, 'customer', 'cus_a', 5);
    await put(storage, 'product', 'prod_b', 1);
    await put(storage, 'customer', 'cus_c', 3);
    expect(evicted).toEqual([]);
    await put(storage, 'event', 'evt_d', 9);
    expect(await storage.get(scope, 'customer', 'cus_a')).toBeUndefined();
    expect(await held(storage, 'customer')).toEqual(['cus_c']);
    await put(storage, 'event', 'evt_e', 9);
    expect(await storage.get(scope, 'product', 'prod_b')).toBeUndefined();
    expect(await held(storage, 'product')).toEqual([]);
    expect(await held(storage, 'event')).toEqual(['evt_e', 'evt_d']);
    expect(evicted.map((e) => e.id)).toEqual(['cus_a', 'prod_b']);
  });

  it('counts a replaced object once, and a replacement keeps its place (even with a new `created`)', async () => {
    const evicted: string[] = [];
    const storage = createMemoryStorage({ maxObjectsPerScope: 2, onEvict: ({ id }) => evicted.push(id) });
    await put(storage, 'customer', 'cus_a', 1);
    await put(storage, 'customer', 'cus_b', 2);
    await put(storage, 'customer', 'cus_a', 1, scope, { name: 'again' });
    await put(storage, 'customer', 'cus_a', 7, scope, { name: 'later' });
    expect(evicted).toEqual([]);
    expect(await held(storage, 'customer')).toEqual(['cus_a', 'cus_b']);
    await put(storage, 'customer', 'cus_c', 3);
    // cus_a was stored first: replacing it did not make it younger
    expect(evicted).toEqual(['cus_a']);
    expect(await held(storage, 'customer')).toEqual(['cus_c', 'cus_b']);
  });

  it('makes room when an object is deleted; a deleted and re-created object counts as new', async () => {
    const evicted: string[] = [];
    const storage = createMemoryStorage({ maxObjectsPerScope: 2, onEvict: ({ id }) => evicted.push(id) });
    await put(storage, 'customer', 'cus_a');
    await put(storage, 'customer', 'cus_b');
    expect(await storage.delete(scope, 'customer', 'cus_a')).toBe(true);
    await put(storage, 'customer', 'cus_c');
    expect(evicted).toEqual([]);
    expect(await storage.delete(scope, 'customer', 'cus_b')).toBe(true);
    await put(storage, 'customer', 'cus_b');
    await put(storage, 'customer', 'cus_d');
    expect(evicted).toEqual(['cus_c']);
    expect((await held(storage, 'customer')).sort()).toEqual(['cus_b', 'cus_d']);
  });

  it('leaves other accounts and the other mode alone', async () => {
    const evicted: EvictionInfo[] = [];
    const storage = createMemoryStorage({ maxObjectsPerScope: 2, onEvict: (info) => evicted.push(info) });
    const live = { ...scope, livemode: true };
    const other = { account: 'acct_2', livemode: false };
    for (const on of [scope, live, other]) {
      await put(storage, 'customer', 'cus_a', 1, on);
      await put(storage, 'customer', 'cus_b', 2, on);
    }
    await put(storage, 'customer', 'cus_c', 3, scope);
    expect(evicted.map((e) => [e.account, e.livemode, e.id])).toEqual([['acct_1', false, 'cus_a']]);
    expect(await held(storage, 'customer', live)).toEqual(['cus_b', 'cus_a']);
    expect(await held(storage, 'customer', other)).toEqual(['cus_b', 'cus_a']);
    expect(await held(storage, 'customer', scope)).toEqual(['cus_c', 'cus_b']);
  });

  it('tells onEvict the scope, type and id, and how many this scope has lost so far', async () => {
    const evicted: EvictionInfo[] = [];
    const storage = createMemoryStorage({ maxObjectsPerScope: 1, onEvict: (info) => evicted.push(info) });
    const live = { account: 'acct_9', livemode: true };
    await put(storage, 'customer', 'cus_a', 1, live);
    await put(storage, 'product', 'prod_b', 1, live);
    await put(storage, 'price', 'price_c', 1, live);
    await put(storage, 'customer', 'cus_x', 1, scope);
    await put(storage, 'customer', 'cus_y', 1, scope);
    expect(evicted).toEqual([
      { account: 'acct_9', livemode: true, type: 'customer', id: 'cus_a', count: 1 },
      { account: 'acct_9', livemode: true, type: 'product', id: 'prod_b', count: 2 },
      { account: 'acct_1', livemode: false, type: 'customer', id: 'cus_x', count: 1 },
    ]);
    // called once the put is complete: the new object is there, the evicted one gone
    const seen: unknown[] = [];
    const checked: EmulatorStorage = createMemoryStorage({
      maxObjectsPerScope: 1,
      onEvict: ({ id }) => {
        seen.push(checked.get(scope, 'customer', id), checked.get(scope, 'customer', 'cus_2'));
      },
    });
    await put(checked, 'customer', 'cus_1');
    await put(checked, 'customer', 'cus_2');
    expect(seen).toEqual([undefined, { id: 'cus_2', object: 'customer' }]);
  });

  it('refuses a cap that is not a positive integer (Infinity: no cap)', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createMemoryStorage({ maxObjectsPerScope: bad })).toThrow(
        new RangeError(
          `memory storage: \`maxObjectsPerScope\` must be a positive integer or Infinity, not \`${String(bad)}\``,
        ),
      );
    }
    expect(() => createMemoryStorage({ maxObjectsPerScope: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('keeps many evictions consistent with lists and pages (thousands past the cap)', async () => {
    const storage = createMemoryStorage({ maxObjectsPerScope: 1500 });
    for (let i = 0; i < 6000; i++) await put(storage, 'customer', `cus_${String(i).padStart(5, '0')}`, i);
    const page = await storage.list(scope, 'customer', { limit: 100, startingAfter: 'cus_04600' });
    expect(page.data[0]!.id).toBe('cus_04599');
    expect(page.data.at(-1)!.id).toBe('cus_04500');
    const first = await storage.list(scope, 'customer', { limit: 3, endingBefore: 'cus_04502' });
    expect(first.data.map((o) => o.id)).toEqual(['cus_04505', 'cus_04504', 'cus_04503']);
    const oldest = await storage.list(scope, 'customer', { limit: 2, startingAfter: 'cus_04501' });
    expect(oldest).toEqual({ data: [{ id: 'cus_04500', object: 'customer' }], hasMore: false });
    expect(await storage.get(scope, 'customer', 'cus_04499')).toBeUndefined();
  });

  it('behaves as a reference model: the newest `cap` objects by first store survive', async () => {
    type Op =
      | { kind: 'put'; type: 'customer' | 'product'; id: number; created: number }
      | { kind: 'delete'; type: 'customer' | 'product'; id: number };
    const type = fc.constantFrom('customer' as const, 'product' as const);
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('put' as const),
        type,
        id: fc.integer({ min: 0, max: 12 }),
        created: fc.integer({ min: 0, max: 5 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), type, id: fc.integer({ min: 0, max: 12 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 6 }), async (ops, cap) => {
        const evicted: string[] = [];
        const storage = createMemoryStorage({
          maxObjectsPerScope: cap,
          onEvict: (info) => evicted.push(`${info.type} ${info.id}`),
        });
        // the model: keys in first-stored order, and each one's `created`
        const order: string[] = [];
        const created = new Map<string, number>();
        const expectedEvicted: string[] = [];
        for (const o of ops) {
          const key = `${o.type} x${o.id}`;
          if (o.kind === 'delete') {
            const existed = created.delete(key);
            if (existed) order.splice(order.indexOf(key), 1);
            expect(await storage.delete(scope, o.type, `x${o.id}`)).toBe(existed);
            continue;
          }
          if (!created.has(key)) {
            order.push(key);
            if (order.length > cap) {
              const gone = order.shift()!;
              created.delete(gone);
              expectedEvicted.push(gone);
            }
          }
          created.set(key, o.created);
          await put(storage, o.type, `x${o.id}`, o.created);
        }
        expect(evicted).toEqual(expectedEvicted);
        for (const t of ['customer', 'product'] as const) {
          const want = [...created]
            .filter(([key]) => key.startsWith(`${t} `))
            .map(([key, c]) => ({ id: key.slice(t.length + 1), c }))
            .sort((a, b) => b.c - a.c || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
            .map((e) => e.id);
          expect(await held(storage, t)).toEqual(want);
        }
      }),
      { numRuns: 300 },
    );
  });
});

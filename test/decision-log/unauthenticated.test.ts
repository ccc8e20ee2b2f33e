import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DecisionLog, minuteOf, OTHER_ADDRESSES } from '../../src/decision-log/decision-log.js';
import type { UnauthenticatedReason, UnauthenticatedRequest } from '../../src/gateway/decision-record.js';
import { createMetrics } from '../../src/server/metrics.js';
import { openStore } from '../../src/store/open.js';
import { openSqliteDecisionWriter } from '../../src/store/sqlite-decision-writer.js';
import type { Store, StoreTransaction, UnauthenticatedCountRow } from '../../src/store/store.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function refused(
  second: number,
  reason: UnauthenticatedReason = 'invalid_key',
  address = '127.0.0.1',
): UnauthenticatedRequest {
  return { time: T0 + second * 1000, reason, address, status: reason === 'rate_limited' ? 429 : 401 };
}

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

function stored(store: Store): Promise<UnauthenticatedCountRow[]> {
  return store.transaction((tx) => tx.listUnauthenticatedCounts({}), { readOnly: true });
}

async function counter(metrics: ReturnType<typeof createMetrics>): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric('appscope_unauthenticated_requests_total')?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels['reason']), v.value]));
}

describe('DecisionLog: requests refused before authentication', () => {
  it('counts them by reason and stores one row per minute, reason and address, added to across writes', async () => {
    const store = await openStore('sqlite::memory:');
    const metrics = createMetrics({ defaultMetrics: false });
    const log = new DecisionLog({ store, metrics });
    open.push(store, log);
    for (let i = 0; i < 500; i++) log.recordUnauthenticated(refused(i % 50)); // minute 0
    for (let i = 0; i < 30; i++) log.recordUnauthenticated(refused(61, 'invalid_key')); // minute 1
    log.recordUnauthenticated(refused(5, 'missing_key', '::1'));
    await log.flush();
    expect(await stored(store)).toEqual([
      { minute: minuteOf(T0 + 60_000), reason: 'invalid_key', address: '127.0.0.1', count: 30 },
      { minute: minuteOf(T0), reason: 'invalid_key', address: '127.0.0.1', count: 500 },
      { minute: minuteOf(T0), reason: 'missing_key', address: '::1', count: 1 },
    ]);
    // the same minute, reason and address later: the row grows, no second row
    for (let i = 0; i < 7; i++) log.recordUnauthenticated(refused(59));
    await log.flush();
    const rows = await stored(store);
    expect(rows).toHaveLength(3);
    expect(rows[1]).toEqual({
      minute: minuteOf(T0),
      reason: 'invalid_key',
      address: '127.0.0.1',
      count: 507,
    });
    expect(await counter(metrics)).toEqual({ invalid_key: 537, missing_key: 1 });
    expect(log.stats()).toMatchObject({ unauthenticated: 538, written: 0, queued: 0 });
    // no decision row was written for any of them
    expect(await store.transaction((tx) => tx.listDecisions({}), { readOnly: true })).toEqual([]);
  });

  it('writes them through the SQLite writer thread, in the same transaction as a batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-unauth-'));
    const store = await openStore({ dataDir: dir });
    const writer = openSqliteDecisionWriter(join(dir, 'appscope.db'));
    const log = new DecisionLog({ store, writer });
    try {
      for (let i = 0; i < 100; i++) log.recordUnauthenticated(refused(1, 'invalid_key', `10.0.0.${i % 4}`));
      await log.flush();
      for (let i = 0; i < 100; i++) log.recordUnauthenticated(refused(2, 'invalid_key', `10.0.0.${i % 4}`));
      log.recordUnauthenticated(refused(3, 'rate_limited', '10.0.0.9'));
      await log.flush();
      expect(await stored(store)).toEqual([
        ...[0, 1, 2, 3].map((i) => ({
          minute: minuteOf(T0),
          reason: 'invalid_key',
          address: `10.0.0.${i}`,
          count: 50,
        })),
        { minute: minuteOf(T0), reason: 'rate_limited', address: '10.0.0.9', count: 1 },
      ]);
    } finally {
      await log.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the counts of a failed write for the next one', async () => {
    const inner = await openStore('sqlite::memory:');
    let fail = 1;
    const store: Store = {
      dialect: inner.dialect,
      location: inner.location,
      onChange: (listener) => inner.onChange(listener),
      close: () => inner.close(),
      async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: { readOnly?: boolean }) {
        if (options?.readOnly !== true && fail > 0) {
          fail -= 1;
          throw new Error('database is gone');
        }
        return inner.transaction(fn, options);
      },
    };
    const errors: unknown[] = [];
    const log = new DecisionLog({ store, onError: (error) => errors.push(error) });
    open.push(inner, log);
    for (let i = 0; i < 3; i++) log.recordUnauthenticated(refused(1));
    await log.flush();
    expect(errors).toHaveLength(1);
    log.recordUnauthenticated(refused(2));
    await log.flush();
    expect(await stored(inner)).toEqual([
      { minute: minuteOf(T0), reason: 'invalid_key', address: '127.0.0.1', count: 4 },
    ]);
  });

  it('counts addresses past maxUnauthenticatedKeys under `other`, so memory and rows stay bounded', async () => {
    const store = await openStore('sqlite::memory:');
    const log = new DecisionLog({ store, maxUnauthenticatedKeys: 3 });
    open.push(store, log);
    for (let i = 0; i < 10; i++) log.recordUnauthenticated(refused(1, 'invalid_key', `192.0.2.${i}`));
    await log.flush();
    const rows = await stored(store);
    expect(rows.map((row) => [row.address, row.count])).toEqual([
      ['192.0.2.0', 1],
      ['192.0.2.1', 1],
      ['192.0.2.2', 1],
      [OTHER_ADDRESSES, 7],
    ]);
  });

  it('counts them after close in the metrics only', async () => {
    const store = await openStore('sqlite::memory:');
    const metrics = createMetrics({ defaultMetrics: false });
    const log = new DecisionLog({ store, metrics });
    open.push(store);
    log.recordUnauthenticated(refused(1));
    await log.close();
    log.recordUnauthenticated(refused(2));
    expect(await counter(metrics)).toEqual({ invalid_key: 2 });
    expect(await stored(store)).toHaveLength(1);
  });
});

import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import type { JsonLinesOutput } from '../../src/decision-log/json-lines.js';
import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import { createMetrics } from '../../src/server/metrics.js';
import { openStore } from '../../src/store/open.js';
import { type DecisionWriter, openSqliteDecisionWriter } from '../../src/store/sqlite-decision-writer.js';
import type { NewDecisionRow, Store, StoreTransaction } from '../../src/store/store.js';
import { DECISION_T0, decisionRow } from '../support/decision-rows.js';

const T0 = Date.UTC(2026, 0, 1);

function decision(n: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    time: T0 + n,
    requestId: `req_${String(n).padStart(6, '0')}`,
    account: 'acct_a',
    install: 'appinst_1',
    app: 'com.example.app',
    keyHint: 'rk_test_***…abcd',
    livemode: false,
    method: 'GET',
    route: '/v1/customers',
    path: '/v1/customers',
    requirement: [['customer_read', 'customer_write']],
    outcome: 'allowed',
    missing: [],
    status: 200,
    latencyMs: 0.2,
    ...overrides,
  };
}

/** A store whose transactions can be held back or made to fail. */
function controllable(inner: Store) {
  let gate: Promise<void> | undefined;
  let release = (): void => {};
  let failures = 0;
  let calls = 0;
  const store: Store = {
    dialect: inner.dialect,
    location: inner.location,
    onChange: (listener) => inner.onChange(listener),
    close: () => inner.close(),
    async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: { readOnly?: boolean }) {
      if (options?.readOnly !== true) {
        calls += 1;
        if (gate !== undefined) await gate;
        if (failures > 0) {
          failures -= 1;
          throw new Error('database is gone');
        }
      }
      return inner.transaction(fn, options);
    },
  };
  return {
    store,
    hold() {
      gate = new Promise((resolve) => {
        release = () => {
          gate = undefined;
          resolve();
        };
      });
    },
    release: () => release(),
    failNext(n: number) {
      failures = n;
    },
    writes: () => calls,
  };
}

function memoryOutput(): JsonLinesOutput & { text: () => string; closed: () => boolean } {
  let text = '';
  let closed = false;
  return {
    async write(chunk) {
      text += chunk;
    },
    async close() {
      closed = true;
    },
    text: () => text,
    closed: () => closed,
  };
}

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

async function setup(options: ConstructorParameters<typeof DecisionLog>[0] = {}) {
  const inner = await openStore('sqlite::memory:');
  const control = controllable(inner);
  const metrics = createMetrics({ defaultMetrics: false });
  const errors: unknown[] = [];
  const log = new DecisionLog({
    store: control.store,
    metrics,
    onError: (error) => errors.push(error),
    ...options,
  });
  open.push(inner, log);
  const stored = async () =>
    (await inner.transaction((tx) => tx.listDecisions({}), { readOnly: true })).map((r) => r.request_id);
  const counts = () => inner.transaction((tx) => tx.countDecisions({}), { readOnly: true });
  return { log, control, metrics, errors, stored, counts };
}

async function metricValue(metrics: ReturnType<typeof createMetrics>, name: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? Number.NaN;
}

/** Runs `body` with a store in a fresh directory and a SQLite decision writer on its file. */
async function withWriter(body: (store: Store, writer: DecisionWriter) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'appscope-writer-'));
  const store = await openStore({ dataDir: dir });
  const writer = openSqliteDecisionWriter(join(dir, 'appscope.db'));
  try {
    await body(store, writer);
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `body` with a store in a fresh directory and a SQLite decision writer that writes request
 * lines to a file there (`readLines` returns them); removes it all afterwards.
 */
async function withLineWriter(
  body: (store: Store, writer: DecisionWriter, readLines: () => string[]) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'appscope-writer-'));
  const store = await openStore({ dataDir: dir });
  const logFile = join(dir, 'requests.log');
  const fd = openSync(logFile, 'w');
  try {
    const writer = openSqliteDecisionWriter(join(dir, 'appscope.db'), {
      requestLines: { fd, service: 'appscope', pid: 4242 },
    });
    await body(store, writer, () => readFileSync(logFile, 'utf8').trimEnd().split('\n'));
  } finally {
    closeSync(fd);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('DecisionLog', () => {
  it('returns from record() at once and writes on flush', async () => {
    const { log, control, stored } = await setup({ flushIntervalMs: 60_000 });
    log.record(decision(1));
    log.record(decision(2));
    expect(control.writes()).toBe(0);
    expect(log.stats()).toMatchObject({ queued: 2, written: 0 });
    await log.flush();
    expect(await stored()).toEqual(['req_000002', 'req_000001']);
    expect(log.stats()).toEqual({ queued: 0, written: 2, dropped: 0, writeErrors: 0, unauthenticated: 0 });
  });

  it('writes a full batch without waiting for the timer, and a partial one on the timer', async () => {
    const { log, stored } = await setup({ batchSize: 3, flushIntervalMs: 50 });
    for (let i = 1; i <= 3; i++) log.record(decision(i));
    await sleep(10);
    expect(await stored()).toHaveLength(3);
    log.record(decision(4));
    await sleep(150);
    expect(await stored()).toHaveLength(4);
  });

  it('between timer ticks, writes only full batches: a busy gateway makes one write per batch', async () => {
    const { log, control, stored } = await setup({ batchSize: 3, flushIntervalMs: 60_000 });
    control.hold();
    for (let i = 1; i <= 3; i++) log.record(decision(i));
    await sleep(10); // the full batch left the queue and waits for the store
    expect(control.writes()).toBe(1);
    log.record(decision(4)); // arrives while the batch is written
    log.record(decision(5));
    control.release();
    await sleep(20);
    expect(await stored()).toHaveLength(3); // the two stay queued: no write for a partial batch
    expect(control.writes()).toBe(1);
    log.record(decision(6)); // a full batch again
    await sleep(20);
    expect(await stored()).toHaveLength(6);
    expect(control.writes()).toBe(2);
    log.record(decision(7));
    await log.flush(); // flush (the timer, shutdown) writes partial batches too
    expect(await stored()).toHaveLength(7);
  });

  it('under sustained load, a timer tick writes what was queued, then only full batches again', async () => {
    // A writer that takes 3 ms a write while a decision arrives every millisecond: the drain a
    // tick starts always finds new decisions when its write returns.
    const sizes: number[] = [];
    const writer: DecisionWriter = {
      async write(rows) {
        sizes.push(rows.length);
        await sleep(3);
      },
      async close() {},
    };
    const log = new DecisionLog({ writer, batchSize: 10, maxBatchSize: 10, flushIntervalMs: 25 });
    open.push(log);
    const started = performance.now();
    for (let i = 1; i <= 300; i++) {
      log.record(decision(i));
      await sleep(1);
    }
    const ticks = Math.ceil((performance.now() - started) / 25);
    await log.flush();
    expect(sizes.reduce((sum, n) => sum + n, 0)).toBe(300);
    // partial batches come from ticks (and the final flush) only, not from every write
    const partial = sizes.filter((n) => n < 10).length;
    expect(partial).toBeLessThanOrEqual(ticks + 1);
    expect(sizes.filter((n) => n === 10).length).toBeGreaterThan(partial);
  });

  it('when the writer falls behind, writes what queued up in one write, up to maxBatchSize', async () => {
    const { log, control, stored, metrics } = await setup({
      batchSize: 3,
      maxBatchSize: 6,
      flushIntervalMs: 60_000,
    });
    control.hold();
    for (let i = 1; i <= 3; i++) log.record(decision(i));
    await sleep(10);
    expect(control.writes()).toBe(1); // the first full batch waits for the store
    for (let i = 4; i <= 11; i++) log.record(decision(i)); // 8 queue up meanwhile
    control.release();
    await sleep(20);
    // one write of 6 (not two of 3); the 2 left are less than a batch and wait for the timer
    expect(control.writes()).toBe(2);
    expect(await stored()).toHaveLength(9);
    expect(log.stats()).toMatchObject({ queued: 2, written: 9 });
    // the batch-size histogram saw the two writes: 3 and 6 decisions
    const sizes = await metrics.registry.getSingleMetricAsString('appscope_decision_log_batch_size');
    expect(sizes).toContain('appscope_decision_log_batch_size_count 2');
    expect(sizes).toContain('appscope_decision_log_batch_size_sum 9');
    expect(sizes).toContain('appscope_decision_log_batch_size_bucket{le="1"} 0');
    expect(sizes).toContain('appscope_decision_log_batch_size_bucket{le="10"} 2');
    expect(await metricValue(metrics, 'appscope_decision_log_write_duration_seconds')).toBeGreaterThan(0);
  });

  it('refuses a maxBatchSize below batchSize', () => {
    expect(() => new DecisionLog({ batchSize: 10, maxBatchSize: 5 })).toThrow(
      'maxBatchSize (5) must be at least batchSize (10)',
    );
  });

  it('counts drops when the queue is full, and records them with the next batch', async () => {
    const { log, control, metrics, stored, counts } = await setup({
      maxQueue: 5,
      batchSize: 100,
      flushIntervalMs: 60_000,
    });
    for (let i = 1; i <= 8; i++) log.record(decision(i));
    expect(log.stats()).toMatchObject({ queued: 5, dropped: 3 });
    expect(await metricValue(metrics, 'appscope_decision_log_dropped_total')).toBe(3);
    expect(await metricValue(metrics, 'appscope_decision_log_queue_depth')).toBe(5);
    // every decision is counted in the request metrics, dropped or not
    expect(await metricValue(metrics, 'appscope_gateway_requests_total')).toBe(8);
    control.hold();
    const flushing = log.flush();
    await sleep(5); // the batch has left the queue and waits for the store
    log.record(decision(9)); // the queue has room again while the batch is being written
    control.release();
    await flushing;
    await log.flush();
    expect(await stored()).toHaveLength(6);
    expect(await counts()).toMatchObject({ dropped: 3, lastDrop: expect.any(Number) });
    expect(await metricValue(metrics, 'appscope_decision_log_written_total')).toBe(6);
  });

  it('keeps a batch the store refused and writes it on the next flush, JSON lines once', async () => {
    const jsonl = memoryOutput();
    const { log, control, errors, stored, metrics } = await setup({ jsonl, flushIntervalMs: 60_000 });
    log.record(decision(1));
    log.record(decision(2));
    control.failNext(1);
    await log.flush();
    expect(errors).toHaveLength(1);
    expect(log.stats()).toMatchObject({ queued: 2, written: 0, writeErrors: 1 });
    expect(await metricValue(metrics, 'appscope_decision_log_write_errors_total')).toBe(1);
    await log.flush();
    expect(await stored()).toEqual(['req_000002', 'req_000001']);
    expect(jsonl.text().trim().split('\n')).toHaveLength(2);
  });

  it('flushes on close, closes the JSON lines output, and counts later decisions as dropped', async () => {
    const jsonl = memoryOutput();
    const { log, stored } = await setup({ jsonl, flushIntervalMs: 60_000 });
    log.record(decision(1));
    const stats = await log.close();
    expect(stats).toEqual({ queued: 0, written: 1, dropped: 0, writeErrors: 0, unauthenticated: 0 });
    expect(await stored()).toEqual(['req_000001']);
    expect(jsonl.closed()).toBe(true);
    log.record(decision(2));
    expect(log.stats().dropped).toBe(1);
  });

  it('counts what the store still refuses at close as dropped, never silently', async () => {
    const { log, control } = await setup({ flushIntervalMs: 60_000 });
    log.record(decision(1));
    log.record(decision(2));
    control.failNext(10);
    const stats = await log.close();
    expect(stats).toMatchObject({ queued: 0, written: 0, dropped: 2 });
  });

  it('writes JSON lines in the API shape, with the key hint only', async () => {
    const jsonl = memoryOutput();
    const log = new DecisionLog({ jsonl, flushIntervalMs: 60_000 });
    open.push(log);
    log.record(
      decision(1, {
        outcome: 'denied',
        status: 403,
        missing: [['charge_read', 'charge_write']],
        requirement: [['charge_read', 'charge_write']],
      }),
    );
    await log.flush();
    const line = JSON.parse(jsonl.text()) as Record<string, unknown>;
    expect(line).toEqual({
      object: 'apps.decision',
      request_id: 'req_000001',
      created: Math.floor((T0 + 1) / 1000),
      time: new Date(T0 + 1).toISOString(),
      account: 'acct_a',
      install: 'appinst_1',
      app: 'com.example.app',
      key: 'rk_test_***…abcd',
      livemode: false,
      method: 'GET',
      route: '/v1/customers',
      path: '/v1/customers',
      requirement: [['charge_read', 'charge_write']],
      outcome: 'denied',
      missing: [['charge_read', 'charge_write']],
      status: 403,
      latency_ms: 0.2,
    });
    expect(log.stats().written).toBe(1);
  });

  it('holds 100 000 decisions by default while its writes wait, and drops past that', async () => {
    const { log, control } = await setup({ batchSize: 200_000, flushIntervalMs: 60_000 });
    control.hold();
    for (let i = 0; i < 100_003; i++) log.record(decision(i));
    expect(log.stats()).toMatchObject({ queued: 100_000, dropped: 3 });
    control.release();
    await log.close();
    expect(log.stats()).toMatchObject({ queued: 0, written: 100_000, dropped: 3 });
  });

  it('takes a burst without touching the store on the request path', async () => {
    const { log, control } = await setup({ maxQueue: 100_000, batchSize: 100_000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 20_000; i++) log.record(decision(i));
    expect(control.writes()).toBe(0);
    expect(log.stats().queued).toBe(20_000);
    await log.flush();
    expect(log.stats().written).toBe(20_000);
  });

  it('the worker writes every column exactly as the store itself does: nulls, unicode, repeats', async () => {
    const records: DecisionRecord[] = [
      decision(1),
      decision(2, { account: null, install: null, app: null, keyHint: null, route: null, status: 401 }),
      decision(3, { livemode: true, path: '/v1/customers/cus_Zoë✓', latencyMs: 12.625 }),
      decision(4, { outcome: 'denied', missing: [['charge_read', 'charge_write']], status: 403 }),
      decision(5, {
        outcome: 'shadow_denied',
        requirement: [],
        missing: [],
        route: '/v1/customers/{customer}',
      }),
      decision(6, { status: null as unknown as number, latencyMs: Number.NaN }),
      decision(7), // the same texts as the first again
    ];
    const dirs = [
      mkdtempSync(join(tmpdir(), 'appscope-writer-')),
      mkdtempSync(join(tmpdir(), 'appscope-writer-')),
    ];
    const stores = await Promise.all(dirs.map((dataDir) => openStore({ dataDir })));
    try {
      const viaWorker = new DecisionLog({
        store: stores[0]!,
        writer: openSqliteDecisionWriter(join(dirs[0]!, 'appscope.db')),
      });
      const viaStore = new DecisionLog({ store: stores[1]! });
      for (const record of records) {
        viaWorker.record(record);
        viaStore.record(record);
      }
      await viaWorker.close();
      await viaStore.close();
      const [fromWorker, fromStore] = await Promise.all(
        stores.map((store) => store.transaction((tx) => tx.listDecisions({}), { readOnly: true })),
      );
      expect(fromWorker).toHaveLength(records.length);
      expect(fromWorker).toEqual(fromStore);
      expect(fromWorker!.find((row) => row.request_id === 'req_000003')).toMatchObject({
        livemode: 1,
        path: '/v1/customers/cus_Zoë✓',
        latency_ms: 12.625,
      });
      expect(fromWorker!.find((row) => row.request_id === 'req_000002')).toMatchObject({
        account_id: null,
        route: null,
        status: 401,
      });
    } finally {
      for (const store of stores) await store.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(process.platform === 'linux')(
    'runs its writer thread at the lowest priority (nice 19), below requests',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'appscope-writer-'));
      const store = await openStore({ dataDir: dir });
      const niceOfThreads = (): number[] =>
        readdirSync('/proc/self/task').map((task) => {
          const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19: nice
        });
      try {
        expect(niceOfThreads()).not.toContain(19);
        const writer = openSqliteDecisionWriter(join(dir, 'appscope.db'));
        await writer.write([]); // the worker has started and answered
        expect(niceOfThreads()).toContain(19);
        expect(niceOfThreads()).toContain(0); // and only that thread
        await writer.close();
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('can also write each stored decision’s request log line, off the request thread', async () => {
    await withLineWriter(async (store, writer, readLines) => {
      expect(writer.writesRequestLines).toBe(true);
      const log = new DecisionLog({ store, writer, flushIntervalMs: 60_000 });
      log.record(decision(1));
      log.record(
        decision(2, {
          outcome: 'denied',
          status: 403,
          route: '/v1/charges',
          path: '/v1/cha"rges\\x',
          missing: [['charge_read', 'charge_write'], ['customer_read']],
          latencyMs: 1.23456,
        }),
      );
      log.record(decision(3, { account: null, install: null, keyHint: null, route: null, status: 401 }));
      await log.close();
      const lines = readLines().map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual([
        {
          level: 'info',
          time: T0 + 1,
          service: 'appscope',
          pid: 4242,
          reqId: 'req_000001',
          method: 'GET',
          path: '/v1/customers',
          route: '/v1/customers',
          status: 200,
          ms: 0.2,
          decision: 'allowed',
          account: 'acct_a',
          install: 'appinst_1',
          key: 'rk_test_***…abcd',
          msg: 'request',
        },
        expect.objectContaining({
          reqId: 'req_000002',
          path: '/v1/cha"rges\\x',
          status: 403,
          ms: 1.235,
          decision: 'denied',
          missing: 'charge_read,charge_write;customer_read',
        }),
        expect.objectContaining({ reqId: 'req_000003', route: null, status: 401, account: null, key: null }),
      ]);
      expect(lines[2]).not.toHaveProperty('missing');
    });
  });

  it('writes the same request line for a value however many decisions of a batch share it', async () => {
    // The writer escapes each distinct text of a batch once and reuses it: lines that share an
    // account, path or unmet groups must each still carry their own decision's values.
    const missing = [['charge_read', 'charge_write'], ['customer_read']];
    await withLineWriter(async (store, writer, readLines) => {
      const log = new DecisionLog({ store, writer, batchSize: 100, flushIntervalMs: 60_000 });
      for (let i = 1; i <= 6; i++) {
        log.record(
          decision(i, {
            account: i % 2 === 0 ? 'acct_"even"' : 'acct_odd\\',
            path: i <= 3 ? '/v1/charges/ch_é"1' : '/v1/customers',
            route: i === 5 ? null : '/v1/charges/{charge}',
            outcome: i % 3 === 0 ? 'allowed' : 'denied',
            missing: i % 3 === 0 ? [] : missing,
          }),
        );
      }
      await log.close();
      const lines = readLines().map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(
        lines.map((line) => [line['reqId'], line['account'], line['path'], line['route'], line['missing']]),
      ).toEqual(
        Array.from({ length: 6 }, (_, k) => {
          const i = k + 1;
          return [
            `req_${String(i).padStart(6, '0')}`,
            i % 2 === 0 ? 'acct_"even"' : 'acct_odd\\',
            i <= 3 ? '/v1/charges/ch_é"1' : '/v1/customers',
            i === 5 ? null : '/v1/charges/{charge}',
            i % 3 === 0 ? undefined : 'charge_read,charge_write;customer_read',
          ];
        }),
      );
    });
  });

  it('writes many request lines whole and in order, multi-byte and over-long ones included', async () => {
    // a 5000-byte path makes a line longer than one write's buffer; é and 😀 are 2 and 4 bytes
    const pathOf = (i: number): string =>
      i === 77 ? `/v1/${'x'.repeat(5000)}` : `/v1/customers/${i % 3 === 0 ? 'é😀'.repeat(i) : 'c'}`;
    await withLineWriter(async (store, writer, readLines) => {
      const log = new DecisionLog({ store, writer, batchSize: 500, flushIntervalMs: 60_000 });
      for (let i = 1; i <= 300; i++) log.record(decision(i, { path: pathOf(i) }));
      await log.close();
      const lines = readLines();
      expect(lines).toHaveLength(300);
      const parsed = lines.map((line) => JSON.parse(line) as { reqId: string; path: string });
      expect(parsed.map((line) => line.path)).toEqual(Array.from({ length: 300 }, (_, i) => pathOf(i + 1)));
      expect(parsed[76]!.reqId).toBe('req_000077');
    });
  });

  it('writes from a worker thread to an embedded SQLite file, drops included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-writer-'));
    const store = await openStore({ dataDir: dir });
    try {
      const writer = openSqliteDecisionWriter(join(dir, 'appscope.db'));
      const log = new DecisionLog({ store, writer, maxQueue: 3, flushIntervalMs: 60_000 });
      for (let i = 1; i <= 5; i++) log.record(decision(i, { outcome: i === 2 ? 'denied' : 'allowed' }));
      expect(await log.close()).toEqual({
        queued: 0,
        written: 3,
        dropped: 2,
        writeErrors: 0,
        unauthenticated: 0,
      });
      const rows = await store.transaction((tx) => tx.listDecisions({}), { readOnly: true });
      expect(rows.map((r) => [r.request_id, r.outcome])).toEqual([
        ['req_000003', 'allowed'],
        ['req_000002', 'denied'],
        ['req_000001', 'allowed'],
      ]);
      expect(rows[1]).toMatchObject({
        account_id: 'acct_a',
        key_hint: 'rk_test_***…abcd',
        livemode: 0,
        requirement: '[["customer_read","customer_write"]]',
        missing: '[]',
        status: 200,
      });
      const counts = await store.transaction((tx) => tx.countDecisions({}), { readOnly: true });
      expect(counts.dropped).toBe(2);
      await expect(writer.write([])).rejects.toThrow('the decision writer is closed');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes each row of a batch with its own values, in the batch’s order, from its worker thread', async () => {
    await withWriter(async (store, writer) => {
      // one time for all (the order comes from seq alone), three kinds of row taking turns
      const kinds: Partial<NewDecisionRow>[] = [
        {},
        { account_id: 'acct_b', install_id: null, app_id: null, key_hint: 'sk_test_***…wxyz', livemode: 1 },
        { outcome: 'denied', status: 403, route: null, missing: '[["charge_read"]]', method: 'POST' },
      ];
      const batch = Array.from({ length: 120 }, (_, i) => ({
        ...decisionRow(i + 1, kinds[i % 3]),
        time: DECISION_T0,
        path: `/v1/customers/cus_${i + 1}`,
        latency_ms: i / 8,
      }));
      await writer.write(batch.slice(0, 70));
      await writer.write(batch.slice(70));
      const rows = await store.transaction((tx) => tx.listDecisions({ limit: 500 }), { readOnly: true });
      expect(rows.map(({ seq: _, ...row }) => row)).toEqual(batch.reverse());
    });
  });

  it('keeps writing rows right past the ten thousand kinds of row its worker thread remembers', async () => {
    await withWriter(async (store, writer) => {
      const row = (n: number, kind: number): NewDecisionRow => decisionRow(n, { route: `/v1/r${kind}` });
      for (let b = 0; b < 11; b++) {
        await writer.write(Array.from({ length: 1000 }, (_, i) => row(b * 1000 + i, b * 1000 + i)));
      }
      await writer.write([row(20_000, 5), row(20_001, 10_999), row(20_002, 12_345)]);
      const rows = await store.transaction((tx) => tx.listDecisions({ limit: 4 }), { readOnly: true });
      expect(rows.map((r) => [r.request_id, r.route])).toEqual([
        ['req_20002', '/v1/r12345'],
        ['req_20001', '/v1/r10999'],
        ['req_20000', '/v1/r5'],
        ['req_10999', '/v1/r10999'],
      ]);
      const counts = await store.transaction((tx) => tx.countDecisions({}), { readOnly: true });
      expect(counts.outcomes.allowed).toBe(11_003);
    });
  });

  it('writes what a failed batch brought after it failed, from its worker thread', async () => {
    await withWriter(async (store, writer) => {
      await writer.write([decisionRow(1)]);
      // rows of a new kind, then one the schema refuses: the batch is rolled back
      const fresh = (n: number): NewDecisionRow =>
        decisionRow(n, { account_id: 'acct_new', route: '/v1/charges' });
      await expect(
        writer.write([fresh(2), fresh(3), decisionRow(4, { livemode: 7 as 0 })]),
      ).rejects.toMatchObject({ code: 'ERR_STORE' });
      await writer.write([fresh(5), decisionRow(6)]);
      const rows = await store.transaction((tx) => tx.listDecisions({ limit: 500 }), { readOnly: true });
      expect(rows.map((row) => [row.request_id, row.account_id, row.route])).toEqual([
        ['req_0006', 'acct_a', '/v1/customers'],
        ['req_0005', 'acct_new', '/v1/charges'],
        ['req_0001', 'acct_a', '/v1/customers'],
      ]);
    });
  });

  it('writes a batch from its worker thread all or nothing, across its INSERT statements', async () => {
    await withWriter(async (store, writer) => {
      await writer.write([decisionRow(1)]);
      // 120 rows go in three INSERTs; row 110 breaks a CHECK constraint
      const batch = Array.from({ length: 120 }, (_, i) =>
        decisionRow(i + 2, i === 108 ? { outcome: 'maybe' as 'allowed' } : {}),
      );
      await expect(writer.write(batch)).rejects.toMatchObject({ code: 'ERR_STORE' });
      await expect(
        writer.write(batch.slice(0, 2), { time: DECISION_T0, dropped: 4, first_time: 1, last_time: 2 }),
      ).resolves.toBeUndefined();
      const rows = await store.transaction((tx) => tx.listDecisions({ limit: 500 }), { readOnly: true });
      expect(rows.map((row) => row.request_id)).toEqual(['req_0003', 'req_0002', 'req_0001']);
      const counts = await store.transaction((tx) => tx.countDecisions({}), { readOnly: true });
      expect(counts.dropped).toBe(4);
    });
  });
});

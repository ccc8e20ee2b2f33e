import {
  type AddressInfo,
  connect,
  createServer as createTcpServer,
  type Server,
  type Socket,
} from 'node:net';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createDomain } from '../../src/domain/context.js';
import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import { createServer } from '../../src/server/app.js';
import type { HealthOptions } from '../../src/server/health.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import type { DecisionWriter } from '../../src/store/sqlite-decision-writer.js';
import type { Store } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serverOn(store: Store, health: HealthOptions = {}): Promise<FastifyInstance> {
  const app = await createServer({
    domain: createDomain({ store, catalog: defaultCatalog() }),
    routes: defaultRouteTable(),
    // no cached answers: each probe looks again (the cache is tested on its own)
    health: { cacheMs: 0, storeTimeoutMs: 500, ...health },
  });
  cleanup.push(() => app.close());
  return app;
}

/** The JSON bodies of the probes (`/readyz`: status, checks and problems). */
interface Body {
  readonly status: string;
  readonly problems: string[];
  readonly checks: Record<string, Record<string, unknown>>;
}

async function probe(app: FastifyInstance, url: '/healthz' | '/readyz') {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as Body };
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'health endpoints'), () => {
    const fresh = freshDatabases(dialect);

    it('answer 200 on a healthy server, without credentials', async () => {
      const store = await (await fresh()).open();
      const app = await serverOn(store);
      expect(await probe(app, '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      const ready = await probe(app, '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ready',
        problems: [],
        checks: {
          store: { ok: true },
          migrations: { ok: true, version: SCHEMA_VERSION, expected: SCHEMA_VERSION },
          decision_log: { ok: true },
        },
      });
    });

    it('readyz answers 503 and healthz 200 once the store is closed', async () => {
      const store = await (await fresh()).open();
      const app = await serverOn(store);
      await store.close();
      expect((await probe(app, '/healthz')).status).toBe(200);
      const ready = await probe(app, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('unavailable');
      expect(ready.body.checks.store).toMatchObject({
        ok: false,
        error: expect.stringContaining('closed'),
      });
      expect(ready.body.problems.join('\n')).toMatch(/store is unreachable/);
    });

    it('readyz answers 503 while migrations are behind the schema this code expects', async () => {
      const db = await fresh();
      const store = await db.open();
      const app = await serverOn(store);
      expect((await probe(app, '/readyz')).status).toBe(200);
      await db.exec(`delete from appscope_migrations where version = ${SCHEMA_VERSION}`);
      const ready = await probe(app, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.migrations).toEqual({
        ok: false,
        version: MIGRATIONS.at(-2)?.version,
        expected: SCHEMA_VERSION,
      });
      expect(ready.body.problems[0]).toContain('migrations are pending');
      expect((await probe(app, '/healthz')).status).toBe(200);
    });
  });
}

const postgres = DIALECTS.find((d) => d.name === 'postgres')!;

/**
 * A TCP relay in front of PostgreSQL that can stop relaying while keeping every connection
 * open: to the store, the server simply stops answering (as a hung or partitioned one does).
 */
async function freezableRelay(target: URL): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    for (const socket of [client, upstream]) {
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk) => {
      if (!frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!frozen) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(target);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as AddressInfo).port);
  return {
    url: relayed.toString(),
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(postgres.skip !== undefined)(
  suiteTitle(postgres, 'readyz with a PostgreSQL server that stops answering'),
  () => {
    it('answers 503 within the probe timeout, and healthz still 200', async () => {
      const url = process.env['APPSCOPE_TEST_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/test';
      const relay = await freezableRelay(new URL(url));
      cleanup.push(() => relay.close());
      const schema = `appscope_health_${process.pid}_${Date.now().toString(36)}`;
      const store = await openStore(relay.url, { schema, channel: schema });
      cleanup.push(async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      });
      cleanup.push(() => Promise.race([store.close(), new Promise((resolve) => setTimeout(resolve, 2000))]));
      const app = await serverOn(store, { storeTimeoutMs: 300 });
      expect((await probe(app, '/readyz')).status).toBe(200);
      relay.freeze();
      const ready = await probe(app, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.store).toMatchObject({
        ok: false,
        error: expect.stringContaining('no answer within'),
      });
      expect((await probe(app, '/healthz')).status).toBe(200);
    });
  },
);

function decision(n: number): DecisionRecord {
  return {
    time: Date.now(),
    requestId: `req_health_${String(n).padStart(6, '0')}`,
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
  };
}

describe('readyz and the decision log', () => {
  it('answers 503 while the decision log is backed up, and 200 once it has drained', async () => {
    const store = await openStore('sqlite::memory:');
    cleanup.push(() => store.close());
    // a writer held back, as a slow or locked database would
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const writer: DecisionWriter = { write: () => held, close: async () => {} };
    const log = new DecisionLog({ writer, maxQueue: 20, batchSize: 5 });
    cleanup.push(async () => {
      release();
      await log.close();
    });
    const app = await serverOn(store, { decisionLog: log, dropWindowMs: 60_000 });
    expect((await probe(app, '/readyz')).status).toBe(200);
    for (let n = 0; n < 12; n++) log.record(decision(n)); // 12 of 20: past half the capacity
    const ready = await probe(app, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks['decision_log']).toMatchObject({ ok: false, capacity: 20, dropped: 0 });
    expect(ready.body.checks['decision_log']?.['queued']).toBeGreaterThanOrEqual(12 - 5); // one batch may be in the writer
    expect(ready.body.problems[0]).toContain('decision log is backed up');
    expect((await probe(app, '/healthz')).status).toBe(200);
    release();
    await log.flush();
    expect((await probe(app, '/readyz')).status).toBe(200);
  });

  it('answers 503 for a while after the decision log dropped decisions', async () => {
    const store = await openStore('sqlite::memory:');
    cleanup.push(() => store.close());
    let now = 1_000_000;
    const log = new DecisionLog({ store, maxQueue: 1000 });
    cleanup.push(() => log.close().then(() => undefined));
    const app = await serverOn(store, { decisionLog: log, dropWindowMs: 30_000, clock: () => now });
    expect((await probe(app, '/readyz')).status).toBe(200);
    await log.close(); // a closed log drops what it is given
    log.record(decision(1));
    expect(log.stats().dropped).toBe(1);
    expect((await probe(app, '/readyz')).body.checks['decision_log']).toMatchObject({
      ok: false,
      dropped: 1,
    });
    now += 30_000;
    expect((await probe(app, '/readyz')).status).toBe(200);
  });
});

describe('the probes', () => {
  it('reuse one readiness answer for cacheMs, and / redirects to the dashboard', async () => {
    const inner = await openStore('sqlite::memory:');
    cleanup.push(() => inner.close());
    let probes = 0;
    const store: Store = {
      dialect: inner.dialect,
      location: inner.location,
      onChange: (listener) => inner.onChange(listener),
      close: () => inner.close(),
      transaction: (fn, options) => {
        if (options?.readOnly === true) probes += 1;
        return inner.transaction(fn, options);
      },
    };
    const app = await serverOn(store, { cacheMs: 60_000 });
    for (let i = 0; i < 5; i++) expect((await probe(app, '/readyz')).status).toBe(200);
    expect(probes).toBe(1);
    const root = await app.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/dashboard');
  });

  it('never holds more than one store query: a hung one is waited on again, not doubled', async () => {
    const inner = await openStore('sqlite::memory:');
    cleanup.push(() => inner.close());
    let started = 0;
    let answer = (): void => {};
    const store: Store = {
      dialect: inner.dialect,
      location: inner.location,
      onChange: (listener) => inner.onChange(listener),
      close: () => inner.close(),
      transaction: (fn, options) => {
        if (options?.readOnly !== true) return inner.transaction(fn, options);
        started += 1;
        // a server that does not answer until told to
        return new Promise<void>((resolve) => {
          answer = resolve;
        }).then(() => inner.transaction(fn, options));
      },
    };
    const app = await serverOn(store, { storeTimeoutMs: 50 });
    for (let i = 0; i < 3; i++) {
      const ready = await probe(app, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks['store']).toMatchObject({ ok: false, error: 'no answer within 50 ms' });
    }
    expect(started).toBe(1);
    answer();
    const deadline = Date.now() + 10_000;
    while ((await probe(app, '/readyz')).status !== 200) {
      if (Date.now() > deadline) throw new Error('readyz never recovered');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(started).toBe(1); // the probe after the answer waited on that same query
  });
});

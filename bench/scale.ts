/**
 * npm run bench:scale — does appscope stay fast as it grows? Three measurements in one run,
 * each printed beside its goal (met / NOT MET):
 *
 *   (a) key lookups: `authenticateKey` (the uncached path: one read transaction finding the key
 *       by its secret's hash) on a store holding 1,000 keys and on one holding `--keys`
 *       (default 1,000,000), on SQLite and PostgreSQL. Goal: with a million keys, a lookup's
 *       median is at most 1.25× that with a thousand.
 *   (b) revocation propagation: three `serve`-like instances (each its own store connections,
 *       its own principal cache listening for changes) and an admin on one PostgreSQL; a key
 *       warm in every cache is revoked; the time from the revoke's commit until every instance
 *       refuses the key, over `--rounds` revocations. Goals (the figures measured when the
 *       issue was filed): p50 ≤ 4 ms, worst ≤ 27 ms.
 *   (c) the decision log read path at `--decisions` (default 10,000,000) decisions over 30
 *       days, on SQLite and PostgreSQL: the Activity screen's reads (counts, chart, denied
 *       calls, unused grants and the latest rows, `decisionActivity` + `listDecisions`) for
 *       several windows and filters, and `appscope logs --stats` (`decisionStats`) with
 *       filters, each over its whole window. Goal: each under 500 ms (the median of
 *       `--repeat` runs). With `--baseline`, one full scan (what `logs --stats --account`
 *       did before the rollups) is timed too, for the ratio.
 *
 * The decisions are generated straight into the tables (SQLite: prepared multi-row inserts in
 * one transaction; PostgreSQL: `generate_series`), then rolled up with the migration's own
 * backfill. Both databases are kept for the next run, keyed by size: SQLite files under
 * `--cache-dir` (default `$TMPDIR/appscope-bench-scale`), PostgreSQL schemas
 * `bench_scale_<n>`; `--fresh` regenerates them, `--discard` builds private ones and drops them
 * at the end (the smoke test does).
 *
 * Options: --keys N, --decisions N, --rounds N (default 50), --lookups N (default 5000),
 * --repeat N (default 5), --cache-dir DIR, --fresh, --discard, --baseline, --only a,b,c, --seed N.
 * PostgreSQL: APPSCOPE_BENCH_POSTGRES_URL, else APPSCOPE_TEST_POSTGRES_URL, else
 * postgres://postgres@127.0.0.1:5432/test; when none answers, its parts say so and are skipped.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { defaultCatalog } from '../src/core/catalog/load.js';
import { chartBoundaries } from '../src/dashboard/screens/activity.js';
import { createAccount } from '../src/domain/accounts.js';
import { OPERATOR } from '../src/domain/actor.js';
import { createDomain, type Domain } from '../src/domain/context.js';
import { decisionActivity } from '../src/domain/decision-activity.js';
import { decisionStats, listDecisions } from '../src/domain/decisions.js';
import { authenticateKey, createAccountSecretKey, revokeKey } from '../src/domain/keys.js';
import { generateSecret, hashSecret, secretHint } from '../src/domain/secrets.js';
import { createPrincipalCache } from '../src/gateway/principal-cache.js';
import { DECISION_CONTEXT_COLUMNS } from '../src/store/decision-columns.js';
import { rollupBackfillSql } from '../src/store/migrations/0012-decision-rollups.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { prng } from './prng.js';

const { values: flags } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000000' },
    decisions: { type: 'string', default: '10000000' },
    rounds: { type: 'string', default: '50' },
    lookups: { type: 'string', default: '5000' },
    repeat: { type: 'string', default: '5' },
    'cache-dir': { type: 'string', default: join(tmpdir(), 'appscope-bench-scale') },
    fresh: { type: 'boolean', default: false },
    discard: { type: 'boolean', default: false },
    baseline: { type: 'boolean', default: false },
    only: { type: 'string', default: 'a,b,c' },
    seed: { type: 'string', default: '1' },
  },
  strict: true,
});

function integer(name: string, text: string, min: number, max: number): number {
  const n = Number(text.replace(/_/g, ''));
  if (!(Number.isInteger(n) && n >= min && n <= max)) throw new Error(`--${name}: from ${min} to ${max}`);
  return n;
}
const KEYS = integer('keys', flags.keys, 1000, 10_000_000);
const DECISIONS = integer('decisions', flags.decisions, 1000, 100_000_000);
const ROUNDS = integer('rounds', flags.rounds, 1, 10_000);
const LOOKUPS = integer('lookups', flags.lookups, 10, 1_000_000);
const REPEAT = integer('repeat', flags.repeat, 1, 100);
const SEED = integer('seed', flags.seed, 0, 2 ** 31);
const ONLY = new Set(flags.only.split(','));
const CACHE_DIR = flags['cache-dir'];

const POSTGRES_URL =
  process.env['APPSCOPE_BENCH_POSTGRES_URL'] ||
  process.env['APPSCOPE_TEST_POSTGRES_URL'] ||
  'postgres://postgres@127.0.0.1:5432/test';

const KEY_GOAL_RATIO = 1.25;
const REVOKE_P50_GOAL_MS = 4;
const REVOKE_WORST_GOAL_MS = 27;
const READ_GOAL_MS = 500;

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT MET');
const log = (line: string): void => console.log(line);
const progress = (line: string): void => {
  process.stderr.write(`  … ${line}\n`);
};

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function postgresAnswers(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `no PostgreSQL answers at ${POSTGRES_URL.replace(/\/\/[^@]*@/, '//…@')} (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function postgresQuery(text: string, values: unknown[] = [], schema?: string): Promise<pg.QueryResult> {
  const client = new pg.Client({
    connectionString: POSTGRES_URL,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  await postgresQuery(`drop schema if exists ${schema} cascade`);
}

// ---------------------------------------------------------------------------------------------
// (a) key lookups

/**
 * Adds `count` account keys straight to the table (the hashes of real-shaped secrets, in bulk:
 * SQLite through its own connection, PostgreSQL through `unnest`); returns a sample of secrets.
 */
async function addKeys(
  target: { sqlite: string } | { schema: string },
  account: string,
  count: number,
  sample: number,
): Promise<string[]> {
  const secrets: string[] = [];
  const every = Math.max(1, Math.floor(count / sample));
  const chunk = 10_000;
  const sqlite = 'sqlite' in target ? new BetterSqlite3(target.sqlite) : undefined;
  const client =
    'schema' in target
      ? new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${target.schema}` })
      : undefined;
  await client?.connect();
  const insert = sqlite?.prepare(
    `insert into api_keys (id, kind, mode, account_id, secret_hash, hint, created, created_by)
     values (?, 'account', 'test', ?, ?, ?, 1700000000, 'bench')`,
  );
  try {
    for (let first = 0; first < count; first += chunk) {
      const n = Math.min(chunk, count - first);
      const ids: string[] = [];
      const hashes: string[] = [];
      const hints: string[] = [];
      for (let i = first; i < first + n; i++) {
        const secret = generateSecret('sk', 'test');
        if (i % every === 0 && secrets.length < sample) secrets.push(secret);
        ids.push(`key_bench${i.toString(36).padStart(8, '0')}`);
        hashes.push(hashSecret(secret));
        hints.push(secretHint(secret));
      }
      if (sqlite !== undefined && insert !== undefined) {
        sqlite.transaction(() => {
          for (let k = 0; k < n; k++) insert.run(ids[k], account, hashes[k], hints[k]);
        })();
      } else {
        await client?.query(
          `insert into api_keys (id, kind, mode, account_id, secret_hash, hint, created, created_by)
           select id, 'account', 'test', $2, h, hint, 1700000000, 'bench'
           from unnest($1::text[], $3::text[], $4::text[]) as u(id, h, hint)`,
          [ids, account, hashes, hints],
        );
      }
      if (count >= 100_000 && (first / chunk) % 20 === 19)
        progress(`${fmt(first + n)} of ${fmt(count)} keys`);
    }
  } finally {
    sqlite?.close();
    await client?.end();
  }
  return secrets;
}

/**
 * Median and p99 of `authenticateKey` on each store, in microseconds: lookups alternate between
 * the stores (random keys of each), so both see the same machine at the same moments.
 */
async function timeLookups(
  stores: readonly { domain: Domain; secrets: readonly string[] }[],
): Promise<{ p50: number; p99: number }[]> {
  const random = prng(SEED);
  const times = stores.map((): number[] => []);
  for (let i = 0; i < LOOKUPS + 200; i++) {
    for (let k = 0; k < stores.length; k++) {
      const { domain, secrets } = stores[(i + k) % stores.length]!;
      const secret = secrets[Math.floor(random() * secrets.length)]!;
      const t0 = performance.now();
      const result = await authenticateKey(domain, secret);
      const elapsed = (performance.now() - t0) * 1000;
      if (!result.ok) throw new Error('a stored key was not found');
      if (i >= 200) times[(i + k) % stores.length]!.push(elapsed); // the first 200 warm up
    }
  }
  return times.map((t) => ({ p50: quantile(t, 0.5), p99: quantile(t, 0.99) }));
}

async function keyLookups(pgSkip: string | undefined): Promise<void> {
  log(
    `(a) key lookups: authenticateKey, uncached (a store read by the secret's hash), ${fmt(LOOKUPS)} random keys on each store, alternating`,
  );
  for (const dialect of ['sqlite', 'postgres'] as const) {
    if (dialect === 'postgres' && pgSkip !== undefined) {
      log(`    postgres: skipped: ${pgSkip}`);
      continue;
    }
    const opened: {
      store: Store;
      dir: string;
      schema: string;
      keys: number;
      domain: Domain;
      secrets: string[];
    }[] = [];
    try {
      for (const keys of [1000, KEYS]) {
        const schema = `bench_scale_keys_${keys}_${process.pid}`;
        const dir = join(CACHE_DIR, `keys-${keys}-${process.pid}`);
        mkdirSync(dir, { recursive: true });
        const store =
          dialect === 'sqlite'
            ? await openStore({ dataDir: dir })
            : await openStore(POSTGRES_URL, { schema, channel: schema });
        const domain = createDomain({ store, catalog: defaultCatalog() });
        opened.push({ store, dir, schema, keys, domain, secrets: [] });
        const account = (await createAccount(domain, { actor: OPERATOR, name: 'Bench' })).account.id;
        progress(`${dialect}: adding ${fmt(keys)} keys`);
        const secrets = await addKeys(
          dialect === 'sqlite' ? { sqlite: join(dir, 'appscope.db') } : { schema },
          account,
          keys,
          10_000,
        );
        if (dialect === 'postgres') await postgresQuery('analyze api_keys', [], schema);
        opened.at(-1)!.secrets = secrets;
      }
      const [small, large] = (await timeLookups(opened)) as [
        { p50: number; p99: number },
        { p50: number; p99: number },
      ];
      const ratio = large.p50 / small.p50;
      log(
        `    ${dialect.padEnd(8)} ${fmt(1000).padStart(9)} keys: p50 ${fmt(small.p50)} µs  p99 ${fmt(small.p99)} µs   ${fmt(KEYS).padStart(9)} keys: p50 ${fmt(large.p50)} µs  p99 ${fmt(large.p99)} µs   ratio ${fmt(ratio, 2)}× (goal ≤ ${KEY_GOAL_RATIO}×): ${verdict(ratio <= KEY_GOAL_RATIO)}`,
      );
    } finally {
      for (const { store, dir, schema } of opened) {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
        if (dialect === 'postgres') await dropSchema(schema);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (b) revocation propagation

async function revocation(pgSkip: string | undefined): Promise<void> {
  log(
    `(b) revocation propagation: 3 serve-like instances (own connections, own principal cache) + an admin on one PostgreSQL, ${fmt(ROUNDS)} revocations`,
  );
  if (pgSkip !== undefined) {
    log(`    skipped: ${pgSkip}`);
    return;
  }
  const schema = `bench_scale_revoke_${process.pid}`;
  const admin = await openStore(POSTGRES_URL, { schema, channel: schema });
  const instances = await Promise.all(
    [0, 1, 2].map(() => openStore(POSTGRES_URL, { schema, channel: schema })),
  );
  try {
    const adminDomain = createDomain({ store: admin, catalog: defaultCatalog() });
    const account = (await createAccount(adminDomain, { actor: OPERATOR, name: 'Bench' })).account.id;
    const servers = instances.map((store) => {
      const domain = createDomain({ store, catalog: defaultCatalog() });
      return { domain, cache: createPrincipalCache(domain) };
    });
    const latencies: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const key = await createAccountSecretKey(adminDomain, { actor: OPERATOR, account, mode: 'test' });
      // warm every cache with the key (after the key's own change notice has gone by)
      for (const server of servers) {
        const deadline = performance.now() + 5000;
        for (;;) {
          const result = await server.cache.authenticate(key.secret);
          if (result.ok && server.cache.cached(key.secret) !== undefined) break;
          if (performance.now() > deadline) throw new Error('a new key never became valid');
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Each instance asks again whenever a change reaches it (after its principal cache, which
      // subscribed first, has dropped what it held) until it refuses the key: no busy polling
      // competing with the notifications for the CPU.
      const changed = servers.map((server) => {
        let wake = (): void => {};
        const stop = server.domain.store.onChange(() => wake());
        return {
          stop,
          next: () =>
            new Promise<void>((resolve) => {
              wake = resolve;
            }),
        };
      });
      const waits = changed.map((c) => c.next());
      await revokeKey(adminDomain, { actor: OPERATOR, key: key.id });
      const committed = performance.now();
      const refused = await Promise.all(
        servers.map(async (server, i) => {
          let wait = waits[i]!;
          for (;;) {
            const result = await server.cache.authenticate(key.secret);
            if (!result.ok) return performance.now();
            const timeout = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 5000).unref());
            if ((await Promise.race([wait, timeout])) === 'late') {
              throw new Error('a revoked key was still accepted after 5 s');
            }
            wait = changed[i]!.next();
          }
        }),
      );
      for (const c of changed) c.stop();
      latencies.push(Math.max(...refused) - committed);
    }
    for (const server of servers) server.cache.close();
    const p50 = quantile(latencies, 0.5);
    const worst = Math.max(...latencies);
    log(
      `    from the revoke's commit until all 3 refuse the key: p50 ${fmt(p50, 1)} ms (goal ≤ ${REVOKE_P50_GOAL_MS} ms): ${verdict(p50 <= REVOKE_P50_GOAL_MS)}; worst ${fmt(worst, 1)} ms (goal ≤ ${REVOKE_WORST_GOAL_MS} ms): ${verdict(worst <= REVOKE_WORST_GOAL_MS)}`,
    );
  } finally {
    for (const store of [admin, ...instances]) await store.close();
    await dropSchema(schema);
  }
}

// ---------------------------------------------------------------------------------------------
// (c) the decision log read path

/** The decisions span 30 days ending at END (not on a minute's edge). */
const SPAN = 30 * 86_400_000;
const END = Date.UTC(2026, 10, 30, 12, 34, 56, 789);
const START = END - SPAN;
const ACCOUNTS = 20;
const INSTALLS_PER_ACCOUNT = 5;
const CALLS = [
  ['GET', '/v1/customers', [['customer_read', 'customer_write']]],
  ['GET', '/v1/customers/{customer}', [['customer_read', 'customer_write']]],
  ['POST', '/v1/customers', [['customer_write']]],
  ['GET', '/v1/charges', [['charge_read', 'charge_write']]],
  ['GET', '/v1/invoices', [['invoice_read', 'invoice_write']]],
  ['GET', '/v1/products/{id}', [['product_read', 'product_write']]],
  ['POST', '/v1/refunds', [['refund_write']]],
  ['GET', '/v1/payouts', [['payout_read', 'payout_write']]],
] as const;

interface Context {
  readonly account_id: string;
  readonly install_id: string;
  readonly app_id: string;
  readonly key_hint: string;
  readonly livemode: number;
  readonly method: string;
  readonly route: string | null;
  readonly requirement: string;
  readonly outcome: 'allowed' | 'denied' | 'shadow_denied';
  readonly missing: string;
}

const account = (a: number): string => `acct_bench${String(a).padStart(2, '0')}`;
const installOf = (i: number): string => `appinst_bench${String(i).padStart(3, '0')}`;

/** Every context (the first is id 1), and a table of context ids to draw decisions from. */
function workload(): { contexts: Context[]; draw: number[] } {
  const contexts: Context[] = [];
  const ids = new Map<string, number>();
  const idOf = (context: Context): number => {
    const key = JSON.stringify(context);
    let id = ids.get(key);
    if (id === undefined) {
      contexts.push(context);
      id = contexts.length;
      ids.set(key, id);
    }
    return id;
  };
  const random = prng(SEED);
  const installs = ACCOUNTS * INSTALLS_PER_ACCOUNT;
  // Traffic is skewed, as on a real gateway: install i gets a share ∝ 1/(i+1), call c ∝ 1/(c+1).
  const zipf = (n: number): number[] => {
    const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    let sum = 0;
    return weights.map((w) => (sum += w / total));
  };
  const installCdf = zipf(installs);
  const callCdf = zipf(CALLS.length);
  const pick = (cdf: readonly number[]): number => {
    const r = random();
    const i = cdf.findIndex((c) => r < c);
    return i < 0 ? cdf.length - 1 : i;
  };
  const draw: number[] = [];
  for (let slot = 0; slot < 100_003; slot++) {
    const i = pick(installCdf);
    const a = Math.floor(i / INSTALLS_PER_ACCOUNT);
    const base = {
      account_id: account(a),
      install_id: installOf(i),
      app_id: `com.example.bench${i % INSTALLS_PER_ACCOUNT}`,
      key_hint: `rk_test_***…b${String(i).padStart(3, '0')}`,
      livemode: 0,
    };
    const r = random();
    if (r < 0.005) {
      // a call no route matches: denied, grouped by its path
      draw.push(
        idOf({ ...base, method: 'GET', route: null, requirement: '[]', outcome: 'denied', missing: '[]' }),
      );
      continue;
    }
    const [method, route, requirement] = CALLS[pick(callCdf)]!;
    const outcome = r < 0.9 ? 'allowed' : r < 0.98 ? 'denied' : 'shadow_denied';
    const text = JSON.stringify(requirement);
    draw.push(
      idOf({
        ...base,
        method,
        route,
        requirement: text,
        outcome,
        missing: outcome === 'allowed' ? '[]' : text,
      }),
    );
  }
  return { contexts, draw };
}

/** Decision `i`: its time, its context id (from `draw`) and its path (null: the route itself). */
const timeOf = (i: number, n: number): number => START + Math.floor((i * SPAN) / n);
const STRIDE = 7919;
const slotOf = (i: number, slots: number): number => (i * STRIDE) % slots;

const CONTEXT_COLUMNS = DECISION_CONTEXT_COLUMNS;

/** A SQLite database of `n` decisions (cached by size); returns its path. */
async function sqliteDecisions(n: number): Promise<string> {
  const dir = join(CACHE_DIR, `sqlite-${n}-v1${flags.discard ? `-${process.pid}` : ''}`);
  const path = join(dir, 'appscope.db');
  if (!flags.fresh && existsSync(path)) return path;
  rmSync(dir, { recursive: true, force: true });
  const building = `${dir}.partial`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const store = await openStore({ dataDir: building });
  await store.close();
  const db = new BetterSqlite3(join(building, 'appscope.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const { contexts, draw } = workload();
  const t0 = performance.now();
  db.transaction(() => {
    const add = db.prepare(
      `insert into decision_contexts (id, ${CONTEXT_COLUMNS.join(', ')}) values (?, ${CONTEXT_COLUMNS.map(() => '?').join(', ')})`,
    );
    contexts.forEach((c, i) => {
      add.run(i + 1, ...CONTEXT_COLUMNS.map((column) => c[column]));
    });
    db.exec('drop index decisions_context_time; drop index decisions_time');
    const ROWS = 100;
    const insert = db.prepare(
      `insert into decisions (seq, "time", context_id, request_id, path, status, latency_us) values ${new Array(ROWS).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
    const values = new Array<unknown>(ROWS * 7);
    for (let first = 0; first + ROWS <= n; first += ROWS) {
      let v = 0;
      for (let i = first; i < first + ROWS; i++) {
        const context = draw[slotOf(i, draw.length)]!;
        values[v++] = i + 1;
        values[v++] = timeOf(i, n);
        values[v++] = context;
        values[v++] = `req_${i.toString(36).padStart(14, '0')}`;
        values[v++] = contexts[context - 1]!.route === null ? `/v1/unknown_${i % 7}` : null;
        values[v++] = contexts[context - 1]!.outcome === 'denied' ? 403 : 200;
        values[v++] = 250 + (i % 1000);
      }
      insert.run(values);
      if (first % 1_000_000 === 0 && first > 0) progress(`sqlite: ${fmt(first)} of ${fmt(n)} decisions`);
    }
    const tail = db.prepare(
      'insert into decisions (seq, "time", context_id, request_id, path, status, latency_us) values (?, ?, ?, ?, ?, ?, ?)',
    );
    for (let i = n - (n % ROWS); i < n; i++) {
      const context = draw[slotOf(i, draw.length)]!;
      tail.run(i + 1, timeOf(i, n), context, `req_${i.toString(36).padStart(14, '0')}`, null, 200, 250);
    }
    progress('sqlite: indexing');
    db.exec('create index decisions_context_time on decisions (context_id, "time")');
    db.exec('create index decisions_time on decisions ("time")');
    progress('sqlite: rolling up (the migration backfill)');
    for (const statement of rollupBackfillSql()) db.exec(statement);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  progress(`sqlite: ${fmt(n)} decisions generated in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  renameSync(building, dir);
  return path;
}

/** A PostgreSQL schema of `n` decisions (cached by size); returns its name. */
async function postgresDecisions(n: number): Promise<string> {
  const schema = `bench_scale_${n}_v1${flags.discard ? `_${process.pid}` : ''}`;
  if (!flags.fresh) {
    const done = await postgresQuery(
      `select 1 from information_schema.tables where table_schema = $1 and table_name = 'bench_scale_done'`,
      [schema],
    );
    if (done.rowCount === 1) return schema;
  }
  await dropSchema(schema);
  const store = await openStore(POSTGRES_URL, { schema, channel: schema });
  await store.close();
  const { contexts, draw } = workload();
  const t0 = performance.now();
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('begin');
    for (const [i, c] of contexts.entries()) {
      await client.query(
        `insert into decision_contexts (id, ${CONTEXT_COLUMNS.join(', ')}) overriding system value values ($1, ${CONTEXT_COLUMNS.map((_, k) => `$${k + 2}`).join(', ')})`,
        [i + 1, ...CONTEXT_COLUMNS.map((column) => c[column])],
      );
    }
    await client.query('drop index decisions_context_time');
    await client.query('drop index decisions_time');
    await client.query(
      'create temporary table bench_draw (slot integer primary key, context_id bigint not null)',
    );
    await client.query(
      'insert into bench_draw select s - 1, ($1::bigint[])[s] from generate_subscripts($1::bigint[], 1) s',
      [draw],
    );
    await client.query(
      'create temporary table bench_routes (context_id bigint primary key, unrouted boolean not null, denied boolean not null)',
    );
    await client.query(
      `insert into bench_routes select id, route is null, outcome = 'denied' from decision_contexts`,
    );
    const chunk = 1_000_000;
    for (let first = 0; first < n; first += chunk) {
      const last = Math.min(n, first + chunk) - 1;
      await client.query(
        `insert into decisions (seq, "time", context_id, request_id, path, status, latency_us) overriding system value
         select i + 1, $1::bigint + (i * $2::bigint) / $3::bigint, d.context_id,
           'req_' || lpad(to_hex(i), 14, '0'),
           case when r.unrouted then '/v1/unknown_' || (i % 7) end,
           case when r.denied then 403 else 200 end, 250 + i % 1000
         from generate_series($4::bigint, $5::bigint) as i
         join bench_draw d on d.slot = (i * ${STRIDE}) % ${draw.length}
         join bench_routes r on r.context_id = d.context_id`,
        [START, SPAN, n, first, last],
      );
      progress(`postgres: ${fmt(last + 1)} of ${fmt(n)} decisions`);
    }
    progress('postgres: indexing');
    await client.query('create index decisions_context_time on decisions (context_id, "time")');
    await client.query('create index decisions_time on decisions ("time")');
    await client.query(`select setval(pg_get_serial_sequence('decisions', 'seq'), $1)`, [n]);
    await client.query(`select setval(pg_get_serial_sequence('decision_contexts', 'id'), $1)`, [
      contexts.length,
    ]);
    progress('postgres: rolling up (the migration backfill)');
    for (const statement of rollupBackfillSql()) await client.query(statement);
    await client.query('create table bench_scale_done (n bigint not null)');
    await client.query('insert into bench_scale_done values ($1)', [n]);
    await client.query('commit');
    progress('postgres: analyze');
    await client.query('analyze');
  } finally {
    await client.end();
  }
  progress(`postgres: ${fmt(n)} decisions generated in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  return schema;
}

/** Median and worst of `REPEAT` runs, in ms (after one warm-up run). */
async function timed(run: () => Promise<unknown>): Promise<{ p50: number; worst: number }> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return { p50: quantile(times, 0.5), worst: Math.max(...times) };
}

async function readPath(pgSkip: string | undefined): Promise<void> {
  log(
    `(c) the decision log read path at ${fmt(DECISIONS)} decisions over 30 days (${ACCOUNTS} accounts × ${INSTALLS_PER_ACCOUNT} installs, skewed traffic): each answer over its whole window, median of ${REPEAT} runs (goal < ${READ_GOAL_MS} ms)`,
  );
  const HOUR = 3_600_000;
  const DAY = 86_400_000;
  const now = END + 1;
  const heavy = account(0); // about 45% of the traffic
  const light = account(ACCOUNTS - 1);
  const activity =
    (domain: Domain, acct: string, ms: number, buckets: number, extra: object = {}) =>
    async () => {
      const since = now - ms;
      const boundaries = chartBoundaries(since, now, buckets); // the screen's own bars
      const scope = { actor: OPERATOR, account: acct, mode: 'test' as const, ...extra };
      await decisionActivity(domain, { ...scope, boundaries, deniedLimit: 100 });
      await listDecisions(domain, { ...scope, since, until: now, limit: 50 });
    };
  const cases: [string, (domain: Domain) => () => Promise<unknown>][] = [
    ['Activity, last hour (5-minute bars), busiest account', (d) => activity(d, heavy, HOUR, 12)],
    ['Activity, last 24 hours (hourly bars), busiest account', (d) => activity(d, heavy, DAY, 24)],
    ['Activity, last 7 days (6-hour bars), busiest account', (d) => activity(d, heavy, 7 * DAY, 28)],
    ['Activity, last 30 days (daily bars), busiest account', (d) => activity(d, heavy, 30 * DAY, 30)],
    [
      'Activity, last 30 days, denied only, busiest account',
      (d) => activity(d, heavy, 30 * DAY, 30, { outcome: 'denied' }),
    ],
    [
      'Activity, last 30 days, permission refund_write, quietest account',
      (d) => activity(d, light, 30 * DAY, 30, { permission: 'refund_write' }),
    ],
    [
      'Activity, last 30 days, shadow denied on /v1/payouts, quietest account',
      (d) => activity(d, light, 30 * DAY, 30, { outcome: 'shadow_denied', route: '/v1/payouts' }),
    ],
    ['logs --stats (everything)', (d) => () => decisionStats(d, { actor: OPERATOR })],
    ['logs --stats --account (busiest)', (d) => () => decisionStats(d, { actor: OPERATOR, account: heavy })],
    [
      'logs --stats --account --outcome denied --since 7d',
      (d) => () =>
        decisionStats(d, { actor: OPERATOR, account: heavy, outcome: 'denied', since: now - 7 * DAY }),
    ],
    [
      'logs --stats --app --since 29d --until 1d (mid-minute edges)',
      (d) => () =>
        decisionStats(d, {
          actor: OPERATOR,
          app: 'com.example.bench1',
          since: now - 29 * DAY - 1234,
          until: now - DAY + 777,
        }),
    ],
    [
      'logs --stats --permission charge_read --route /v1/charges',
      (d) => () => decisionStats(d, { actor: OPERATOR, permission: 'charge_read', route: '/v1/charges' }),
    ],
  ];
  for (const dialect of ['sqlite', 'postgres'] as const) {
    if (dialect === 'postgres' && pgSkip !== undefined) {
      log(`    postgres: skipped: ${pgSkip}`);
      continue;
    }
    let store: Store;
    if (dialect === 'sqlite') {
      const path = await sqliteDecisions(DECISIONS);
      store = await openStore({ dataDir: join(path, '..') });
    } else {
      const schema = await postgresDecisions(DECISIONS);
      store = await openStore(POSTGRES_URL, { schema, channel: schema });
    }
    try {
      const domain = createDomain({ store, catalog: defaultCatalog(), clock: () => now });
      const total = (await decisionStats(domain, { actor: OPERATOR })).total;
      if (total !== DECISIONS)
        throw new Error(`${dialect}: ${total} decisions stored, ${DECISIONS} expected`);
      log(`    ${dialect}:`);
      let slowest = 0;
      for (const [name, make] of cases) {
        const { p50, worst } = await timed(make(domain));
        slowest = Math.max(slowest, p50);
        log(
          `      ${name.padEnd(72)} ${fmt(p50, 1).padStart(8)} ms (worst ${fmt(worst, 1)} ms): ${verdict(p50 < READ_GOAL_MS)}`,
        );
      }
      log(
        `      slowest median ${fmt(slowest, 1)} ms (goal < ${READ_GOAL_MS} ms): ${verdict(slowest < READ_GOAL_MS)}`,
      );
      if (flags.baseline) {
        // what `logs --stats --account` did before the rollups: every decision of the account, counted
        const t0 = performance.now();
        const text = `select c.outcome, count(*) as n from decisions d join decision_contexts c on c.id = d.context_id
          where c.account_id = '${heavy}' and d."time" >= 0 group by c.outcome`;
        if (dialect === 'sqlite') {
          const db = new BetterSqlite3(await sqliteDecisions(DECISIONS), { readonly: true });
          db.prepare(text).all();
          db.close();
        } else {
          await postgresQuery(text, [], await postgresDecisions(DECISIONS));
        }
        const scan = performance.now() - t0;
        const rolled = await timed(() => decisionStats(domain, { actor: OPERATOR, account: heavy }));
        log(
          `      baseline: a full scan for logs --stats --account took ${fmt(scan, 0)} ms; the rollups answer in ${fmt(rolled.p50, 1)} ms (${fmt(scan / rolled.p50, 0)}× faster)`,
        );
      }
    } finally {
      await store.close();
      if (flags.discard) {
        if (dialect === 'sqlite')
          rmSync(join(await sqliteDecisions(DECISIONS), '..'), { recursive: true, force: true });
        else await dropSchema(await postgresDecisions(DECISIONS));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

log('npm run bench:scale');
log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; keys ${fmt(KEYS)}, decisions ${fmt(DECISIONS)}`,
);
mkdirSync(CACHE_DIR, { recursive: true });
const pgSkip = await postgresAnswers();
if (ONLY.has('a')) await keyLookups(pgSkip);
if (ONLY.has('b')) await revocation(pgSkip);
if (ONLY.has('c')) await readPath(pgSkip);

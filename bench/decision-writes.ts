/**
 * npx tsx bench/decision-writes.ts — how fast decisions are written, in batches of 500 as the
 * decision log writes them: through the SQLite writer thread (what `serve` uses on SQLite) and
 * through the store's own transactions on PostgreSQL. Two workloads: a few busy contexts (three
 * installs, four routes, a tenth denied, as `bench:flood` writes) and many quiet ones (100
 * installs with skewed traffic over eight routes and three outcomes, about 2,500 contexts).
 *
 * It uses only what the decision log used before the rollups (issue 15), so the same script
 * run on an older checkout measures the cost the rollups add to each write (docs/operations.md
 * has the figures).
 *
 * Options: --decisions N (default 200000 per workload and store), --only sqlite|postgres.
 * PostgreSQL: APPSCOPE_BENCH_POSTGRES_URL, else APPSCOPE_TEST_POSTGRES_URL, else
 * postgres://postgres@127.0.0.1:5432/test (skipped, saying so, when none answers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openStore } from '../src/store/open.js';
import { openSqliteDecisionWriter } from '../src/store/sqlite-decision-writer.js';
import type { NewDecisionRow } from '../src/store/store.js';
import { prng } from './prng.js';

const { values: flags } = parseArgs({
  options: {
    decisions: { type: 'string', default: '200000' },
    only: { type: 'string', default: 'sqlite,postgres' },
  },
  strict: true,
});
const DECISIONS = Number(flags.decisions);
if (!(Number.isInteger(DECISIONS) && DECISIONS >= 1000)) throw new Error('--decisions: at least 1000');
const ONLY = new Set(flags.only.split(','));
const BATCH = 500;
const POSTGRES_URL =
  process.env['APPSCOPE_BENCH_POSTGRES_URL'] ||
  process.env['APPSCOPE_TEST_POSTGRES_URL'] ||
  'postgres://postgres@127.0.0.1:5432/test';
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const ROUTES = [
  '/v1/customers',
  '/v1/products',
  '/v1/invoices',
  '/v1/charges',
  '/v1/payouts',
  '/v1/refunds',
  '/v1/prices',
  '/v1/plans',
];

/** Decisions one millisecond apart (a gateway answering 1,000 calls a second). */
function workload(kind: 'few' | 'many', n: number): NewDecisionRow[] {
  const random = prng(kind === 'few' ? 1 : 2);
  const installs = kind === 'few' ? 3 : 100;
  const routes = kind === 'few' ? 4 : 8;
  const zipf = (count: number): number => {
    // share ∝ 1/(i+1)
    const total = Array.from({ length: count }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b, 0);
    let r = random() * total;
    for (let i = 0; i < count; i++) {
      r -= 1 / (i + 1);
      if (r < 0) return i;
    }
    return count - 1;
  };
  const t0 = Date.UTC(2026, 0, 1);
  const rows: NewDecisionRow[] = [];
  for (let i = 0; i < n; i++) {
    const install = kind === 'few' ? Math.floor(random() * installs) : zipf(installs);
    const route = ROUTES[kind === 'few' ? Math.floor(random() * routes) : zipf(routes)]!;
    const r = random();
    const outcome =
      kind === 'few'
        ? r < 0.9
          ? 'allowed'
          : 'denied'
        : r < 0.9
          ? 'allowed'
          : r < 0.98
            ? 'denied'
            : 'shadow_denied';
    const requirement = JSON.stringify([[`${route.slice(4, -1)}_read`]]);
    rows.push({
      time: t0 + i,
      request_id: `req_${i.toString(36).padStart(14, '0')}`,
      account_id: `acct_writes${String(Math.floor(install / 5)).padStart(2, '0')}`,
      install_id: `appinst_writes${String(install).padStart(3, '0')}`,
      app_id: `com.example.writes${install % 5}`,
      key_hint: `rk_test_***…w${String(install).padStart(3, '0')}`,
      livemode: 0,
      method: 'GET',
      route,
      path: route,
      requirement,
      outcome,
      missing: outcome === 'allowed' ? '[]' : requirement,
      status: outcome === 'denied' ? 403 : 200,
      latency_ms: 0.25,
    });
  }
  return rows;
}

async function sqlite(rows: readonly NewDecisionRow[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'appscope-writes-'));
  try {
    const store = await openStore({ dataDir: dir });
    const writer = openSqliteDecisionWriter(join(dir, 'appscope.db'));
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) await writer.write(rows.slice(i, i + BATCH));
    const seconds = (performance.now() - t0) / 1000;
    await writer.close();
    await store.close();
    return rows.length / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(rows: readonly NewDecisionRow[]): Promise<number> {
  const schema = `bench_writes_${process.pid}`;
  const store = await openStore(POSTGRES_URL, { schema, channel: schema });
  try {
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      await store.transaction((tx) => tx.insertDecisions(batch));
    }
    return rows.length / ((performance.now() - t0) / 1000);
  } finally {
    await store.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

console.log(`decision writes, batches of ${BATCH}, ${fmt(DECISIONS)} decisions per run`);
const pgUp = await postgresAnswers();
for (const kind of ['few', 'many'] as const) {
  const rows = workload(kind, DECISIONS);
  const label = kind === 'few' ? 'few busy contexts' : 'many quiet contexts';
  if (ONLY.has('sqlite'))
    console.log(
      `  sqlite (writer thread)   ${label.padEnd(20)} ${fmt(await sqlite(rows)).padStart(9)} decisions/s`,
    );
  if (ONLY.has('postgres')) {
    console.log(
      pgUp
        ? `  postgres (transactions)  ${label.padEnd(20)} ${fmt(await postgres(rows)).padStart(9)} decisions/s`
        : `  postgres: skipped: no PostgreSQL answers at ${POSTGRES_URL}`,
    );
  }
}

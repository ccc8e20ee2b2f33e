/**
 * npm run bench:flood — is the decision log bounded? Two measurements, each against its goal:
 *
 *   (a) a flood of bad-key requests: `appscope serve` (the compiled build, its own process, an
 *       embedded SQLite database in a temporary directory, the real decision log) is sent
 *       `GET /v1/customers` with random, well-formed but unknown restricted keys over loopback
 *       for `--duration` (default 5 minutes). The database file's growth across the flood
 *       (measured after the server's graceful stop has checkpointed its WAL) must stay under
 *       5 MB: requests refused before authentication are counted per minute, reason and
 *       address, never stored one row each. (a′) hands the same number of refused requests
 *       straight to the decision log's `recordUnauthenticated`: what the log keeps of them
 *       whatever the gateway in front does.
 *   (b) the on-disk cost of a stored decision: `--decisions` (default 100 000) typical decisions
 *       (four routes of three installs, half of them retrieves with an object id in the path, a
 *       tenth denied, real request ids) go through the real DecisionLog and SQLite writer thread
 *       into a fresh database; the file's growth after a checkpoint and VACUUM, divided by the
 *       count, must be at most 120 bytes.
 *
 * Options: --duration D (`300s`, `5m`, `2s`; default 5m), --connections N (default 10),
 * --decisions N (default 100000), --seed N (default 1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { DecisionLog } from '../src/decision-log/decision-log.js';
import type { DecisionRecord } from '../src/gateway/decision-record.js';
import { newRequestId } from '../src/http/request-id.js';
import { openStore } from '../src/store/open.js';
import { openSqliteDecisionWriter } from '../src/store/sqlite-decision-writer.js';
import { prng } from './prng.js';

// ---- autocannon (no bundled types): the slice used here
interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly errors: number;
  readonly statusCodeStats: Readonly<Record<string, { readonly count: number }>>;
}
type Autocannon = (
  options: Record<string, unknown>,
  done: (error: Error | null, result: AutocannonResult) => void,
) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = fileURLToPath(new URL('../', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '5m' },
    connections: { type: 'string', default: '10' },
    decisions: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
  },
  strict: true,
});

const FLOOD_GOAL_MB = 5;
const ROW_GOAL_BYTES = 120;
const MB = 1_000_000;

function seconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m)?$/.exec(text.trim());
  if (match === null) throw new Error(`--duration: \`${text}\` is not a duration like 300s, 5m or 2s`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}
const DURATION = seconds(flags.duration);
const CONNECTIONS = Number(flags.connections);
const DECISIONS = Number(flags.decisions);
if (!(DURATION > 0 && DURATION <= 3600)) throw new Error('--duration: from 1s to 60m');
if (!(Number.isInteger(CONNECTIONS) && CONNECTIONS >= 1 && CONNECTIONS <= 100)) {
  throw new Error('--connections: from 1 to 100');
}
if (!(Number.isInteger(DECISIONS) && DECISIONS >= 1000 && DECISIONS <= 10_000_000)) {
  throw new Error('--decisions: from 1000 to 10000000');
}

const random = prng(Number(flags.seed));
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = (n: number): string => {
  let out = '';
  for (let i = 0; i < n; i++) out += BASE62[Math.floor(random() * 62)];
  return out;
};

/** The database file's size after its WAL is checkpointed (and, with `vacuum`, after VACUUM). */
function databaseBytes(path: string, vacuum: boolean): number {
  const db = new BetterSqlite3(path);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    if (vacuum) db.exec('vacuum');
  } finally {
    db.close();
  }
  return statSync(path).size;
}

function count(path: string, sql: string): number {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return Number(db.prepare(sql).pluck().get());
  } finally {
    db.close();
  }
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const verdict = (met: boolean): string => (met ? 'met' : 'NOT MET');

async function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [join(root, 'bin/appscope.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /appscope listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`appscope serve exited (${code}): ${stderr}`)));
  });
  return { child, url };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/** (a): the flood; returns the growth of the database file in bytes, and what was answered. */
async function flood(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'appscope-flood-'));
  let child: ChildProcess | undefined;
  try {
    // a first start creates the schema; the growth is measured from its checkpointed size
    const first = await startServer(dataDir);
    await stopServer(first.child);
    const path = join(dataDir, 'appscope.db');
    const before = databaseBytes(path, false);
    const decisionsBefore = count(path, 'select count(*) from decisions');
    const server = await startServer(dataDir);
    child = server.child;
    const result = await new Promise<AutocannonResult>((resolve, reject) => {
      autocannon(
        {
          url: `${server.url}/v1/customers`,
          connections: CONNECTIONS,
          duration: DURATION,
          requests: [
            {
              method: 'GET',
              path: '/v1/customers',
              // a new unknown key, well-formed, for every request
              setupRequest: (request: Record<string, unknown>) => ({
                ...request,
                headers: { authorization: `Bearer rk_test_${base62(24)}` },
              }),
            },
          ],
        },
        (error, done) => (error === null ? resolve(done) : reject(error)),
      );
    });
    await stopServer(child);
    child = undefined;
    const after = databaseBytes(path, false);
    const growth = after - before;
    const stored = count(path, 'select count(*) from decisions') - decisionsBefore;
    const counted = count(path, 'select coalesce(sum(count), 0) from unauthenticated_requests');
    const rows = count(path, 'select count(*) from unauthenticated_requests');
    const statuses = Object.entries(result.statusCodeStats)
      .map(([status, stat]) => `${status} × ${fmt(stat.count)}`)
      .join(', ');
    console.log(
      `(a) flood: ${fmt(result.requests.total)} bad-key requests in ${fmt(DURATION)} s over ${CONNECTIONS} connections (${statuses}${result.errors > 0 ? `, ${fmt(result.errors)} errors` : ''})`,
    );
    console.log(
      `    stored: ${fmt(stored)} decision rows, ${fmt(rows)} unauthenticated count rows holding ${fmt(counted)} requests`,
    );
    console.log(
      `    database grew ${fmt(growth / MB, 2)} MB during the flood (goal < ${FLOOD_GOAL_MB} MB): ${verdict(growth < FLOOD_GOAL_MB * MB)}`,
    );
    if (stored > 0) {
      console.log(
        '    (the gateway stored refused requests as decisions: it does not call recordUnauthenticated yet)',
      );
    }
    await sinkFlood(result.requests.total);
  } finally {
    if (child !== undefined) await stopServer(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * (a′) The same number of refused requests handed straight to the decision log's
 * `recordUnauthenticated` (as the gateway does for each), spread over the flood's duration from
 * three addresses, into a fresh database through the SQLite writer thread: what the log itself
 * keeps of a flood, whatever the gateway in front does.
 */
async function sinkFlood(requests: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'appscope-sink-'));
  try {
    const path = join(dataDir, 'appscope.db');
    const store = await openStore({ dataDir });
    const before = databaseBytes(path, false);
    const log = new DecisionLog({ store, writer: openSqliteDecisionWriter(path) });
    const t0 = Date.UTC(2026, 0, 1);
    const step = (DURATION * 1000) / Math.max(1, requests);
    for (let i = 0; i < requests; i++) {
      log.recordUnauthenticated({
        time: t0 + i * step,
        reason: i % 20 === 0 ? 'invalid_key' : 'rate_limited',
        address: `127.0.0.${1 + (i % 3)}`,
        status: i % 20 === 0 ? 401 : 429,
      });
      if (i % 100_000 === 99_999) await log.flush();
    }
    await log.close();
    await store.close();
    const growth = databaseBytes(path, false) - before;
    const rows = count(path, 'select count(*) from unauthenticated_requests');
    console.log(
      `(a′) the same ${fmt(requests)} refused requests through DecisionLog.recordUnauthenticated: ${fmt(rows)} count rows; database grew ${fmt(growth / MB, 2)} MB (goal < ${FLOOD_GOAL_MB} MB): ${verdict(growth < FLOOD_GOAL_MB * MB)}`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const ROUTES = [
  { route: '/v1/customers', retrieve: '/v1/customers/{customer}', prefix: 'cus_', need: 'customer_read' },
  { route: '/v1/products', retrieve: '/v1/products/{id}', prefix: 'prod_', need: 'product_read' },
  { route: '/v1/invoices', retrieve: '/v1/invoices/{invoice}', prefix: 'in_', need: 'invoice_read' },
  { route: '/v1/charges', retrieve: '/v1/charges/{charge}', prefix: 'ch_', need: 'charge_read' },
] as const;

/** A typical decision of one of three installs. */
function typicalDecision(time: number): DecisionRecord {
  const install = Math.floor(random() * 3);
  const at = ROUTES[Math.floor(random() * ROUTES.length)]!;
  const retrieve = random() < 0.5;
  const denied = random() < 0.1;
  const requirement = [[at.need, at.need.replace('_read', '_write')]];
  return {
    time,
    requestId: newRequestId(),
    account: `acct_${'Merchant0000000000000000'.slice(0, 24)}`,
    install: `appinst_Install${install}00000000000000000`.slice(0, 32),
    app: ['com.example.customer-insights', 'com.example.order-sync', 'com.example.reports'][install]!,
    keyHint: `rk_test_***…k${install}PD`,
    livemode: false,
    method: 'GET',
    route: retrieve ? at.retrieve : at.route,
    path: retrieve ? `${at.route}/${at.prefix}${base62(14)}` : at.route,
    requirement,
    outcome: denied ? 'denied' : 'allowed',
    missing: denied ? requirement : [],
    status: denied ? 403 : 200,
    latencyMs: 0.2 + random() * 3,
  };
}

/** (b): bytes on disk per stored decision. */
async function rowSize(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'appscope-rows-'));
  try {
    const path = join(dataDir, 'appscope.db');
    const store = await openStore({ dataDir });
    const before = databaseBytes(path, true);
    const log = new DecisionLog({ store, writer: openSqliteDecisionWriter(path), batchSize: 50 });
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < DECISIONS; i++) {
      log.record(typicalDecision(t0 + i * 7));
      if (i % 5000 === 4999) await log.flush(); // as a busy gateway would: the queue never overflows
    }
    const stats = await log.close();
    await store.close();
    const after = databaseBytes(path, true);
    const perRow = (after - before) / DECISIONS;
    console.log(
      `(b) stored decisions: ${fmt(stats.written)} typical decisions written (${fmt(stats.dropped)} dropped) through the real decision log and SQLite writer thread`,
    );
    console.log(
      `    ${fmt(perRow, 1)} bytes on disk per stored decision, after checkpoint and VACUUM (goal ≤ ${ROW_GOAL_BYTES} bytes): ${verdict(perRow <= ROW_GOAL_BYTES && stats.dropped === 0)}`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log('npm run bench:flood');
console.log(
  `flood: ${fmt(DURATION)} s of GET /v1/customers with unknown rk_test_ keys, ${CONNECTIONS} connections, loopback; rows: ${fmt(DECISIONS)} typical decisions; seed ${flags.seed}\n`,
);
await flood();
await rowSize();

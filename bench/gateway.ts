/**
 * npm run bench:gateway — what the gateway costs on top of the API it protects, side by side in
 * one run (autocannon, a warm-up, then N rounds; each goal is judged per round on two runs made
 * back to back, and the median over the rounds is reported):
 *
 *   (a) the emulator called directly over HTTP (the standalone emulator server)
 *   (b) the same call through `appscope serve` with the in-process emulator
 *   (c) the same call through `appscope serve --upstream` to the emulator of (a), a separate process
 *   (d) the same call through a plain reverse proxy on the same HTTP stack to that emulator
 *   (e) a denied call through (b)'s gateway
 *   (f) a call the emulator's generic engine serves (`GET /v1/tax_rates`) through (b)'s gateway,
 *       next to (b)'s call to a hand-written resource (`GET /v1/customers`)
 *
 * Every server is the compiled build (`npm run build` runs first) in its own process, with its
 * default settings (request logs at `info`, the decision log batching into SQLite). The load
 * generator runs in this process; latency percentiles come from each response's own timing
 * (autocannon's histograms round to whole milliseconds).
 *
 * Options: --quick (6 rounds of 1 s runs), --runs N (rounds, default 16, at least 3),
 * --duration S (default 1.5), --connections N (default 10), --only a,b,… (a subset; the goals
 * need all six),
 * --profile DIR (each server writes a V8 CPU profile into DIR when it stops; open it in Chrome's
 * DevTools or summarize it with `npx tsx bench/profile-summary.ts DIR/file.cpuprofile`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, freemem, loadavg, type as osType, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createAccount } from '../src/domain/accounts.js';
import { OPERATOR } from '../src/domain/actor.js';
import { uploadAppVersion } from '../src/domain/app-versions.js';
import { createDomain } from '../src/domain/context.js';
import { installApp } from '../src/domain/installs.js';
import { openStore } from '../src/store/open.js';
import { type MedianInterval, median, medianInterval } from './stats.js';

// ---- autocannon (no bundled types): the slice used here
interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly duration: number;
  readonly '2xx': number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  options: Record<string, unknown>,
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = fileURLToPath(new URL('../', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string' },
    'serve-args': { type: 'string', default: '' },
    profile: { type: 'string' },
  },
  strict: true,
});
const RUNS = Math.max(3, Number(flags.runs ?? (flags.quick ? 6 : 16)));
const DURATION = Number(flags.duration ?? (flags.quick ? 1 : 1.5));
const WARMUP = flags.quick ? 1 : 2;
const CONNECTIONS = Number(flags.connections);
/** `--only a,b,e`: measure only these configurations (the goals need all five). */
const ONLY = new Set((flags.only ?? 'a,b,c,d,e,f').split(',').map((s) => s.trim()));
/** `--serve-args="--log-level warn"`: extra options for both gateways (to see what a setting costs). */
const SERVE_ARGS = (flags['serve-args'] ?? '').split(/\s+/).filter((arg) => arg !== '');

const UPSTREAM_KEY = 'sk_test_benchUpstreamKey0123456789';
const ALLOWED_PATH = '/v1/customers?limit=3';
const DENIED_PATH = '/v1/charges?limit=3';
/** Served by the emulator's generic engine (no hand-written module), three objects like ALLOWED_PATH. */
const GENERIC_PATH = '/v1/tax_rates?limit=3';

// ---- processes
const children: ChildProcess[] = [];

/** Starts a server process and resolves with the first `http://…` URL it prints. */
function start(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess }> {
  const profile = flags.profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', flags.profile];
  const child = spawn(process.execPath, [...profile, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${out}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it started:\n${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child });
      }
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function cleanup(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
process.once('exit', cleanup);
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});

// ---- load
interface Run {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly statuses: string;
  /** CPU time per answered request, in µs, of each process involved (and of the load generator). */
  readonly cpu: ReadonlyMap<string, number>;
}

/** A server process whose CPU time is counted per request. */
interface Measuredprocess {
  readonly name: string;
  readonly pid: number;
  /** The server the load is sent to (its main thread's share is shown too). */
  readonly front?: boolean;
}

/**
 * CPU time a process has used so far, in ns: all its threads together, and its main thread
 * alone (the one that answers requests: the ceiling on a Node server's throughput). Read from
 * Linux's `schedstat`; undefined where /proc has no such file.
 */
function cpuNs(pid: number): { all: number; main: number } | undefined {
  try {
    let all = 0;
    let main = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const ns = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
        all += ns;
        if (task === String(pid)) main = ns;
      } catch {
        // a thread that ended between the listing and the read
      }
    }
    return { all, main };
  } catch {
    return undefined;
  }
}

function ownCpuNs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  expected: number,
  processes: readonly Measuredprocess[] = [],
): Promise<Run> {
  return new Promise((resolve, reject) => {
    let times = new Float64Array(1 << 18);
    let count = 0;
    const cpuBefore = processes.map((p) => cpuNs(p.pid));
    const ownBefore = ownCpuNs();
    const statuses = new Map<number, number>();
    const instance = autocannon(
      { url, headers, connections: CONNECTIONS, duration: seconds, pipelining: 1 },
      (error, result) => {
        if (error !== null) return reject(error);
        const ownAfter = ownCpuNs();
        const cpu = new Map<string, number>();
        processes.forEach((p, i) => {
          const before = cpuBefore[i];
          const after = cpuNs(p.pid);
          if (before !== undefined && after !== undefined && count > 0) {
            cpu.set(p.name, (after.all - before.all) / 1000 / count);
            if (p.front === true) cpu.set(`${p.name} main thread`, (after.main - before.main) / 1000 / count);
          }
        });
        if (count > 0) cpu.set('load generator', (ownAfter - ownBefore) / 1000 / count);
        const sorted = times.slice(0, count).sort();
        const unexpected = [...statuses].filter(([status]) => status !== expected);
        if (result.errors > 0 || result.timeouts > 0 || unexpected.length > 0) {
          return reject(
            new Error(
              `${url}: ${result.errors} errors, ${result.timeouts} timeouts, statuses ${JSON.stringify([...statuses])}`,
            ),
          );
        }
        resolve({
          rps: result.requests.total / result.duration,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          statuses: [...statuses].map(([s, n]) => `${s}×${n}`).join(' '),
          cpu,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (count === times.length) {
        const bigger = new Float64Array(times.length * 2);
        bigger.set(times);
        times = bigger;
      }
      times[count++] = ms;
    });
  });
}

interface Measured {
  readonly label: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Median CPU µs per request, by process. */
  readonly cpu: ReadonlyMap<string, number>;
  readonly runs: readonly Run[];
}

/**
 * The order of one round's runs. The configurations a goal compares run back to back — (a),
 * (b) and (e) in one block, (c) and (d) in the other — because a shared machine's speed drifts
 * from one few-second window to the next (the same server's CPU per request can double), so
 * runs far apart in time compare the machine, not the servers. The blocks swap places every
 * round and run backwards every other pair of rounds, so no configuration always comes first
 * or always follows the same one.
 */
function roundOrder<T extends { readonly key: Config }>(targets: readonly T[], round: number): T[] {
  const blocks = [
    ['a', 'b', 'e', 'f'],
    ['c', 'd'],
  ].map((keys) =>
    keys.map((key) => targets.find((t) => t.key === key)).filter((t): t is T => t !== undefined),
  );
  const r = round - 1;
  if (r % 2 === 1) blocks.reverse();
  if (Math.floor(r / 2) % 2 === 1) for (const block of blocks) block.reverse();
  return blocks.flat();
}

/**
 * A comparison measured pair by pair: `of(x, y)` for every round from the two runs of that
 * round (run back to back), then the median over rounds, with its 95% confidence interval
 * (see `medianInterval`: how far one run's median can be trusted on a noisy machine).
 */
function paired(
  x: Measured,
  y: Measured,
  of: (x: Run, y: Run) => number,
): { median: number; interval: MedianInterval; each: number[] } {
  const each = x.runs.map((run, i) => of(run, y.runs[i]!));
  return { median: median(each), interval: medianInterval(each), each };
}

/** `(95% interval 89.1% to 97.3%)`, or `(75% interval …)`: the interval's real coverage when rounds are too few for 95%. */
function within(interval: MedianInterval, format: (n: number) => string): string {
  const level = interval.coverage >= 0.95 ? '95%' : `${(interval.coverage * 100).toFixed(0)}%`;
  return `(${level} interval ${format(interval.low)} to ${format(interval.high)})`;
}

/** One configuration under test: where to send the load and what answer to expect. */
interface Target {
  readonly key: Config;
  readonly label: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly expected: number;
  /** The server processes that answer this configuration's requests. */
  readonly processes: readonly Measuredprocess[];
}

type Config = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';

function summarize(target: Target, runs: readonly Run[]): Measured {
  return {
    label: target.label,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpu: new Map(
      [...(runs[0]?.cpu.keys() ?? [])].map((name) => [name, median(runs.map((r) => r.cpu.get(name) ?? 0))]),
    ),
    runs,
  };
}

function fmt(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
function ms(n: number): string {
  return `${n.toFixed(3)} ms`;
}

// ---- setup
async function seedDatabase(dataDir: string) {
  const store = await openStore({ dataDir });
  try {
    const domain = createDomain({ store });
    const developer = await createAccount(domain, { actor: OPERATOR, name: 'Bench developer' });
    const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Bench merchant' });
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer.account.id,
      manifest: {
        id: 'com.example.bench',
        version: '1.0.0',
        name: 'Bench',
        icon: '',
        distribution_type: 'public',
        stripe_api_access_type: 'restricted_api_key',
        permissions: ['customer_read', 'invoice_read', 'product_read', 'tax_rate_read'].map((permission) => ({
          permission,
          purpose: `reads ${permission}`,
        })),
      },
    });
    const { key } = await installApp(domain, {
      actor: OPERATOR,
      app: 'com.example.bench',
      account: merchant.account.id,
    });
    return {
      account: merchant.account.id,
      accountKey: merchant.secretKeys.test.secret,
      installKey: key!.secret,
    };
  } finally {
    await store.close();
  }
}

async function seedCustomers(url: string, headers: Record<string, string>): Promise<void> {
  for (const name of ['Ada Lovelace', 'Grace Hopper', 'Alan Turing']) {
    const response = await fetch(`${url}/v1/customers`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: `name=${encodeURIComponent(name)}&email=${encodeURIComponent(`${name.split(' ')[0]!.toLowerCase()}@example.com`)}`,
    });
    if (response.status !== 200)
      throw new Error(`seeding ${url}: ${response.status} ${await response.text()}`);
  }
}

async function seedTaxRates(url: string, headers: Record<string, string>): Promise<void> {
  for (const [name, percentage] of [
    ['VAT', '20'],
    ['GST', '10'],
    ['Sales tax', '7.25'],
  ] as const) {
    const response = await fetch(`${url}/v1/tax_rates`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: `display_name=${encodeURIComponent(name)}&inclusive=false&percentage=${percentage}`,
    });
    if (response.status !== 200)
      throw new Error(`seeding ${url}: ${response.status} ${await response.text()}`);
  }
}

async function main(): Promise<void> {
  const emulatorMain = join(root, 'dist/emulator/main.js');
  const appscope = join(root, 'bin/appscope.js');
  const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  const dataDir = mkdtempSync(join(tmpdir(), 'appscope-bench-'));
  const cleanupDirs: string[] = [dataDir];
  /** Each gateway's /metrics, to report what its decision log wrote and dropped. */
  const gateways: { label: string; url: string }[] = [];
  const cpu = cpus();
  console.log('npm run bench:gateway');
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM (${fmt(freemem() / 2 ** 30, 1)} free), ${osType()} ${release()}, Node ${process.version}`,
  );
  console.log(
    `load: autocannon in this process (main thread), ${CONNECTIONS} connections; warm-up ${WARMUP} s each, then ${RUNS} rounds × ${DURATION} s round-robin`,
  );
  console.log(
    `      (compared configurations back to back: a b e | c d, order varied by round; ${SETTLE_MS / 1000} s pause before every run);`,
  );
  console.log(
    '      every server in its own process (compiled dist/), default settings; latency from per-response timings',
  );
  console.log(`call: GET ${ALLOWED_PATH} (3 customers) allowed; denied: GET ${DENIED_PATH} (no charge_read)`);
  console.log(`generic-engine call (f): GET ${GENERIC_PATH} (3 tax rates) allowed`);
  if (SERVE_ARGS.length > 0) console.log(`gateways run with: ${SERVE_ARGS.join(' ')}`);
  console.log(
    `load average before: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}\n`,
  );

  try {
    const seeded = await seedDatabase(dataDir);
    // Each gateway gets its own copy of the database (no cross-process cache resets).
    const dataDirC = mkdtempSync(join(tmpdir(), 'appscope-bench-'));
    cpSync(join(dataDir, 'appscope.db'), join(dataDirC, 'appscope.db'));
    cleanupDirs.push(dataDir, dataDirC);

    const upstream = await start('emulator', [emulatorMain, '--port', '0']);
    const direct = { authorization: `Bearer ${UPSTREAM_KEY}`, 'stripe-account': seeded.account };
    await seedCustomers(upstream.url, direct);
    const rk = { authorization: `Bearer ${seeded.installKey}` };
    const targets: Target[] = [];
    if (ONLY.has('a')) {
      targets.push({
        key: 'a',
        label: '(a) emulator, direct',
        url: `${upstream.url}${ALLOWED_PATH}`,
        headers: direct,
        expected: 200,
        processes: [{ name: 'emulator', front: true, pid: upstream.child.pid! }],
      });
    }
    if (ONLY.has('d')) {
      const proxy = await start('plain proxy', [
        '--import',
        tsxLoader,
        join(root, 'bench/plain-proxy.ts'),
        '--upstream',
        upstream.url,
      ]);
      targets.push({
        key: 'd',
        label: '(d) plain reverse proxy → emulator process',
        url: `${proxy.url}${ALLOWED_PATH}`,
        headers: direct,
        expected: 200,
        processes: [
          { name: 'proxy', front: true, pid: proxy.child.pid! },
          { name: 'emulator', pid: upstream.child.pid! },
        ],
      });
    }
    if (ONLY.has('b') || ONLY.has('e') || ONLY.has('f')) {
      const inProcess = await start('gateway (in-process emulator)', [
        appscope,
        'serve',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        ...SERVE_ARGS,
      ]);
      await seedCustomers(inProcess.url, { authorization: `Bearer ${seeded.accountKey}` });
      await seedTaxRates(inProcess.url, { authorization: `Bearer ${seeded.accountKey}` });
      gateways.push({ label: '(b)/(e) gateway', url: inProcess.url });
      if (ONLY.has('b')) {
        targets.push({
          key: 'b',
          label: '(b) gateway, in-process emulator',
          url: `${inProcess.url}${ALLOWED_PATH}`,
          headers: rk,
          expected: 200,
          processes: [{ name: 'gateway', front: true, pid: inProcess.child.pid! }],
        });
      }
      if (ONLY.has('f')) {
        targets.push({
          key: 'f',
          label: '(f) gateway, generic-engine call',
          url: `${inProcess.url}${GENERIC_PATH}`,
          headers: rk,
          expected: 200,
          processes: [{ name: 'gateway', front: true, pid: inProcess.child.pid! }],
        });
      }
      if (ONLY.has('e')) {
        targets.push({
          key: 'e',
          label: '(e) gateway, denied call (403)',
          url: `${inProcess.url}${DENIED_PATH}`,
          headers: rk,
          expected: 403,
          processes: [{ name: 'gateway', front: true, pid: inProcess.child.pid! }],
        });
      }
    }
    if (ONLY.has('c')) {
      const forwarding = await start(
        'gateway (upstream process)',
        [
          appscope,
          'serve',
          '--port',
          '0',
          '--data-dir',
          dataDirC,
          '--upstream',
          upstream.url,
          '--upstream-multi-account',
          ...SERVE_ARGS,
        ],
        { APPSCOPE_UPSTREAM_KEY: UPSTREAM_KEY },
      );
      gateways.push({ label: '(c) gateway', url: forwarding.url });
      targets.push({
        key: 'c',
        label: '(c) gateway → emulator process',
        url: `${forwarding.url}${ALLOWED_PATH}`,
        headers: rk,
        expected: 200,
        processes: [
          { name: 'gateway', front: true, pid: forwarding.child.pid! },
          { name: 'emulator', pid: upstream.child.pid! },
        ],
      });
    }

    // Warm every server up, then run the configurations round-robin, so that whatever else the
    // machine is doing falls on all of them alike; report the median of each one's runs.
    process.stdout.write('  warming up…');
    for (const target of targets) await load(target.url, target.headers, WARMUP, target.expected);
    const runs = new Map<Config, Run[]>(targets.map((t) => [t.key, []]));
    for (let round = 1; round <= RUNS; round++) {
      process.stdout.write(` round ${round}/${RUNS}…`);
      // Configurations compared with each other run back to back (see `roundOrder`), and each
      // run starts on a settled machine: a gateway keeps writing its decision log for a moment
      // after its load stops, which would otherwise fall on the next run.
      for (const target of roundOrder(targets, round)) {
        await settle();
        runs
          .get(target.key)!
          .push(await load(target.url, target.headers, DURATION, target.expected, target.processes));
      }
    }
    process.stdout.write('\n\n');
    const results = new Map<Config, Measured>();
    for (const target of targets) {
      const result = summarize(target, runs.get(target.key)!);
      results.set(target.key, result);
      console.log(
        `  ${result.label.padEnd(46)}${fmt(result.rps, 0).padStart(7)} req/s  p50 ${ms(result.p50)}  p99 ${ms(result.p99)}   runs: ${result.runs
          .map((r) => fmt(r.rps, 0))
          .join(', ')}`,
      );
    }
    console.log('\nCPU time per request (median of the rounds, all threads of each process)');
    for (const target of targets) {
      const result = results.get(target.key)!;
      if (result.cpu.size === 0) continue;
      const parts = [...result.cpu]
        .filter(([name]) => !name.endsWith(' main thread'))
        .map(([name, us]) => {
          const main = result.cpu.get(`${name} main thread`);
          return `${name} ${fmt(us, 1)} µs${main === undefined ? '' : ` (main thread ${fmt(main, 1)})`}`;
        });
      const total = [...result.cpu]
        .filter(([name]) => !name.endsWith(' main thread'))
        .reduce((sum, [, us]) => sum + us, 0);
      console.log(`  ${result.label.padEnd(46)}${parts.join(', ')}; total ${fmt(total, 1)} µs`);
    }

    console.log('\nfront server, main thread: CPU µs per request in each round (in the order run)');
    for (const target of targets) {
      const front = target.processes.find((process) => process.front === true);
      if (front === undefined) continue;
      const perRound = results
        .get(target.key)!
        .runs.map((run) => run.cpu.get(`${front.name} main thread`))
        .filter((us): us is number => us !== undefined);
      if (perRound.length > 0)
        console.log(`  ${target.label.padEnd(46)}${perRound.map((us) => fmt(us, 1)).join(', ')}`);
    }

    const { a, b, c, d, e, f } = Object.fromEntries(results) as Partial<Record<Config, Measured>>;
    // Goals are judged on paired figures: per round, from the two runs compared (back to back),
    // then the median over rounds. The ratio of the medians above is printed too.
    const goals: Array<[string, string, boolean]> = [];
    type Paired = ReturnType<typeof paired>;
    /** A goal's line: `name value (interval)[ after]   rounds: …`, judged by `ok` on the median. */
    const goal = (
      name: string,
      r: Paired,
      format: (n: number) => string,
      ok: boolean,
      label = '',
      after = '',
    ): void => {
      const each = r.each.map(format).join(', ');
      goals.push([
        name,
        `${label}${format(r.median)} ${within(r.interval, format)}${after}   rounds: ${each}`,
        ok,
      ]);
    };
    const ratio = (x: Measured, y: Measured) => paired(x, y, (rx, ry) => rx.rps / ry.rps);
    const addedP99 = (x: Measured, y: Measured) => paired(x, y, (rx, ry) => rx.p99 - ry.p99);
    if (a && b) {
      const r = ratio(b, a);
      goal('(b) ≥ 80% of (a)', r, pct, r.median >= 0.8, 'b/a = ');
    }
    if (c && d) {
      const r = ratio(c, d);
      goal('(c) ≥ 90% of (d)', r, pct, r.median >= 0.9, 'c/d = ');
    }
    if (a && b) {
      const r = addedP99(b, a);
      goal('added p99 ≤ 1 ms (b − a)', r, ms, r.median <= 1);
    }
    if (c && d) {
      const r = addedP99(c, d);
      goal('added p99 ≤ 1 ms (c − d)', r, ms, r.median <= 1);
    }
    if (b && e) {
      const r = ratio(e, b);
      const p50 = paired(e, b, (re, rb) => re.p50 - rb.p50);
      goal(
        '(e) cheaper than an allowed call (b)',
        r,
        pct,
        r.median > 1 && p50.median <= 0,
        'e/b = ',
        ` req/s, p50 ${ms(p50.median)} vs (b)`,
      );
    }
    if (b && f) {
      const r = ratio(f, b);
      goal('(f) within 20% of (b): f ≥ 80% of b', r, pct, r.median >= 0.8, 'f/b = ');
    }
    console.log('\nratios and goals (per round, (x) and (y) back to back; median of the rounds)');
    for (const [goal, value, ok] of goals)
      console.log(`  ${ok ? 'met    ' : 'NOT MET'}  ${goal.padEnd(40)} ${value}`);
    const extra: string[] = [];
    if (a && b) extra.push(`b/a ${pct(b.rps / a.rps)}`);
    if (c && d) extra.push(`c/d ${pct(c.rps / d.rps)}`);
    if (b && e) extra.push(`e/b ${pct(e.rps / b.rps)}`);
    if (b && f) extra.push(`f/b ${pct(f.rps / b.rps)}`);
    if (a && b) extra.push(`added p99 b − a ${ms(b.p99 - a.p99)}`);
    if (c && d) extra.push(`added p99 c − d ${ms(c.p99 - d.p99)}`);
    if (extra.length > 0) console.log(`\n  from the medians of the runs: ${extra.join('; ')}`);
    const p50s: string[] = [];
    if (a && b) p50s.push(`added p50 b − a = ${ms(b.p50 - a.p50)}`);
    if (c && d) p50s.push(`added p50 c − d = ${ms(c.p50 - d.p50)}`);
    if (a && c) p50s.push(`(c) vs (a): ${pct(c.rps / a.rps)}`);
    if (p50s.length > 0) console.log(`  ${p50s.join('; ')}`);
    for (const gateway of gateways) {
      const log = await decisionLogCounts(gateway.url);
      console.log(
        `  ${gateway.label} decision log: ${fmt(log.written, 0)} decisions written, ${fmt(log.dropped, 0)} dropped, ${fmt(log.writes, 0)} writes (${fmt(log.written / Math.max(1, log.writes), 1)} per write)`,
      );
    }
    console.log(
      `\nload average now: ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')} (other work on the machine skews every number)`,
    );
  } finally {
    for (const child of children) await stop(child);
    for (const dir of cleanupDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** What a gateway's decision log has written and dropped so far, from its /metrics. */
async function decisionLogCounts(url: string): Promise<{ written: number; dropped: number; writes: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
  };
  return {
    written: value('appscope_decision_log_written_total'),
    dropped: value('appscope_decision_log_dropped_total'),
    writes: value('appscope_decision_log_batch_size_count'),
  };
}

/** A pause between runs: long enough for the decision log's timer (500 ms) to flush. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}
const SETTLE_MS = 1000;

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

await main();

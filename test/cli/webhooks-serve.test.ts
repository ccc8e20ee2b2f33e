import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabases, suiteTitle, type TestDatabase } from '../store/dialects.js';
import { appscopeCommand } from '../support/appscope-command.js';
import { runCli } from '../support/run-cli.js';
import { type Receiver, startReceiver, waitFor } from '../webhooks/support.js';

// Deliveries are durable: `appscope serve` processes are killed with SIGKILL and started again,
// and several share one PostgreSQL database; each event reaches the receiver exactly once.

const { args: command, label: commandLabel } = appscopeCommand();
const children: ChildProcess[] = [];
const dirs: string[] = [];
const receivers: Receiver[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const receiver of receivers) await receiver.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stdout: () => string;
  readonly exited: Promise<unknown>;
}

/** Starts `appscope serve --demo` on the database and waits for its banner. */
async function serve(dataDir: string, database: TestDatabase, secretKey: string): Promise<Served> {
  const env: Record<string, string | undefined> = { ...process.env, APPSCOPE_SECRET_KEY: secretKey };
  delete env['APPSCOPE_UPSTREAM_KEY'];
  if (database.files.length === 0) env['APPSCOPE_DATABASE_URL'] = database.url;
  else delete env['APPSCOPE_DATABASE_URL'];
  const args = [
    ...command,
    ...(database.files.length === 0 ? [] : ['--data-dir', dataDir]),
    'serve',
    '--demo',
    '--port',
    '0',
    '--log-level',
    'warn',
    '--webhook-allow-host',
    '127.0.0.1',
    '--webhook-allow-private',
    '--webhook-first-retry',
    '1s',
    '--webhook-timeout',
    '5s',
  ];
  const child = spawn(process.execPath, args, { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await waitFor(
    `the serve banner\nstdout:\n${stdout}\nstderr:\n${stderr}`,
    () => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}:\n${stderr}`);
      return /appscope listening on (http:\/\/\S+)/.exec(stdout)?.[1];
    },
    60_000,
  );
  await waitFor(
    'the demo banner',
    () => (stdout.includes('With the official SDK') ? true : undefined),
    60_000,
  );
  return { child, url, stdout: () => stdout, exited };
}

async function api(served: Served, key: string, method: string, path: string, body?: string) {
  const response = await fetch(`${served.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(body === undefined ? {} : { body }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** The demo's merchant secret key and its install of the restricted-key demo app. */
function demoKeys(out: string): { sk: string; install: string } {
  const sk = /SK=(sk_test_\w+)/.exec(out)?.[1];
  const install = /com\.example\.customer-insights {2}installed as (appinst_\w+)/.exec(out)?.[1];
  if (sk === undefined || install === undefined) throw new Error(`no demo keys in:\n${out}`);
  return { sk, install };
}

type Delivery = { id: string; event: string; status: string; attempt_count: number };

async function deliveries(served: Served, sk: string, endpoint: string): Promise<Delivery[]> {
  const all: Delivery[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await api(
      served,
      sk,
      'GET',
      `/v1/apps/webhook_endpoints/${endpoint}/deliveries?limit=100${after === undefined ? '' : `&starting_after=${after}`}`,
    );
    const data = page['data'] as Delivery[];
    all.push(...data);
    if (page['has_more'] !== true) return all;
    after = data.at(-1)!.id;
  }
}

/** Event ids the receiver answered 2xx, with how often. */
function deliveredCounts(receiver: Receiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of receiver.received) {
    if (request.status === undefined || request.status >= 300) continue;
    const id = (JSON.parse(request.body) as { id: string }).id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(
    suiteTitle(dialect, `webhooks across serve processes (${commandLabel})`),
    () => {
      const fresh = freshDatabases(dialect);

      it('kill -9 loses no delivery: after a restart each event arrives exactly once', {
        timeout: 180_000,
      }, async () => {
        const database = await fresh();
        if (dialect.name === 'postgres') await (await database.open()).close(); // creates the schema
        const dataDir = mkdtempSync(join(tmpdir(), 'appscope-webhooks-'));
        dirs.push(dataDir);
        const secretKey = randomBytes(32).toString('base64');
        // the receiver is down: its port is reserved, then closed
        const probe = await startReceiver();
        const port = probe.port;
        await probe.close();
        const hookUrl = `http://127.0.0.1:${port}/hooks`;

        const first = await serve(dataDir, database, secretKey);
        const { sk, install } = demoKeys(first.stdout());
        const endpoint = (await api(
          first,
          sk,
          'POST',
          '/v1/apps/webhook_endpoints',
          `url=${encodeURIComponent(hookUrl)}&enabled_events[]=*`,
        )) as { id: string; secret: string };
        expect(endpoint.secret).toMatch(/^whsec_/);
        // three events (install keys created), then SIGKILL at once: no graceful anything
        for (let i = 0; i < 3; i++) await api(first, sk, 'POST', `/v1/apps/installs/${install}/keys`, '');
        first.child.kill('SIGKILL');
        await first.exited;

        const receiver = await startReceiver(undefined, port);
        receivers.push(receiver);
        const second = await serve(dataDir, database, secretKey);
        const queued = await deliveries(second, sk, endpoint.id);
        expect(queued.length).toBe(3);
        const done = await waitFor('every delivery to succeed', async () => {
          const now = await deliveries(second, sk, endpoint.id);
          return now.every((d) => d.status === 'succeeded') ? now : undefined;
        });
        const counts = deliveredCounts(receiver);
        expect([...counts.keys()].sort()).toEqual(done.map((d) => d.event).sort());
        expect([...counts.values()]).toEqual([1, 1, 1]);
        second.child.kill('SIGTERM');
        await second.exited;
      });

      // several processes share one database only on PostgreSQL (an embedded SQLite file has one server)
      if (dialect.name === 'postgres')
        it('two serve processes on one database share the deliveries of many events without duplicates', {
          timeout: 180_000,
        }, async () => {
          const database = await fresh();
          await (await database.open()).close();
          const dataDir = mkdtempSync(join(tmpdir(), 'appscope-webhooks-'));
          dirs.push(dataDir);
          const secretKey = randomBytes(32).toString('base64');
          const receiver = await startReceiver();
          receivers.push(receiver);
          const a = await serve(dataDir, database, secretKey);
          const b = await serve(dataDir, database, secretKey);
          const { sk, install } = demoKeys(a.stdout());
          const endpoint = (await api(
            a,
            sk,
            'POST',
            '/v1/apps/webhook_endpoints',
            `url=${encodeURIComponent(receiver.url)}&enabled_events[]=apps.install.key.created`,
          )) as { id: string };
          const events = 60;
          await Promise.all(
            Array.from({ length: events }, (_, i) =>
              api(i % 2 === 0 ? a : b, sk, 'POST', `/v1/apps/installs/${install}/keys`, ''),
            ),
          );
          const done = await waitFor('every delivery to succeed', async () => {
            const now = await deliveries(b, sk, endpoint.id);
            return now.length === events && now.every((d) => d.status === 'succeeded') ? now : undefined;
          });
          const counts = deliveredCounts(receiver);
          expect(counts.size).toBe(events);
          expect([...counts.keys()].sort()).toEqual(done.map((d) => d.event).sort());
          expect([...counts.values()].every((n) => n === 1)).toBe(true);
          expect(receiver.received.length).toBe(events);
          const workers = await database.exec(
            'select worker, count(*) as n from webhook_attempts group by worker',
          );
          expect(workers.reduce((sum, row) => sum + Number(row['n']), 0)).toBe(events);
          for (const served of [a, b]) served.child.kill('SIGTERM');
          await Promise.all([a.exited, b.exited]);
        });
    },
  );
}

describe('serve webhook flags', () => {
  it('refuses a webhook timeout or first retry under a second, before starting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-webhooks-'));
    dirs.push(dir);
    for (const [flag, value] of [
      ['--webhook-timeout', '0s'],
      ['--webhook-first-retry', '0'],
      ['--webhook-timeout', 'soon'],
    ] as const) {
      const run = await runCli(['serve', '--port', '0', '--data-dir', dir, flag, value], { cwd: dir });
      expect(run.code, `${flag} ${value}`).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^appscope: ${flag}: \`${value}\` `));
    }
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { listCatalog } from '../../src/domain/apps.js';
import { createDomain } from '../../src/domain/context.js';
import { listDecisions } from '../../src/domain/decisions.js';
import { listInstalls } from '../../src/domain/installs.js';
import { checkUserPassword } from '../../src/domain/users.js';
import { startEmulatorServer } from '../../src/emulator/server.js';
import { openStore } from '../../src/store/open.js';
import { appscopeCommand } from '../support/appscope-command.js';
import { runCli } from '../support/run-cli.js';

const { args: command, label: commandLabel } = appscopeCommand();

interface Served {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

function serve(
  dataDir: string,
  extra: { readonly env?: Record<string, string>; readonly args?: readonly string[] } = {},
): Served {
  const env = { ...process.env };
  delete env['APPSCOPE_DATABASE_URL'];
  delete env['APPSCOPE_UPSTREAM_KEY'];
  const args = [...command, 'serve', '--demo', '--port', '0', '--data-dir', dataDir, ...(extra.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: dataDir,
    env: { ...env, ...extra.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  detail?: () => string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(served: Served): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  served.child.kill('SIGTERM');
  return Promise.race([
    served.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no exit 15 s after SIGTERM')), 15_000),
    ),
  ]);
}

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'appscope-serve-'));
});
afterAll(() => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGKILL');
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`appscope serve --demo (npm start; ${commandLabel})`, () => {
  let url: string;
  let rk: string;
  let rk2: string;
  let sk: string;
  let insightsInstall: string;

  it('starts on a port the OS picked, seeds the demo data and prints its keys once', {
    timeout: 60_000,
  }, async () => {
    const served = serve(dataDir);
    const out = await waitFor(
      'the demo banner',
      () => (served.stdout().includes('With the official SDK') ? served.stdout() : undefined),
      () => `stdout:\n${served.stdout()}\nstderr:\n${served.stderr()}`,
    );
    url = /^appscope listening on (http:\/\/127\.0\.0\.1:(\d+))$/m.exec(out)![1]!;
    expect(Number(new URL(url).port)).toBeGreaterThan(0);
    const exports = /export APPSCOPE_URL=(\S+) RK=(rk_test_\w+) RK2=(rk_test_\w+) SK=(sk_test_\w+)/.exec(
      out,
    )!;
    expect(exports[1]).toBe(url);
    [rk, rk2, sk] = [exports[2]!, exports[3]!, exports[4]!];
    insightsInstall = /com\.example\.customer-insights {2}installed as (appinst_\w+)/.exec(out)![1]!;
    expect(out).toContain('pending      charge_read');
    expect(out).toContain(`port: ${new URL(url).port}, protocol: 'http'`);

    // an allowed call and a denied one, as the banner suggests
    const allowed = await fetch(`${url}/v1/customers?limit=3`, {
      headers: { authorization: `Bearer ${rk}` },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('request-id')).toMatch(/^req_/);
    expect(((await allowed.json()) as { data: unknown[] }).data).toHaveLength(3);
    const denied = await fetch(`${url}/v1/charges`, { headers: { authorization: `Bearer ${rk}` } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe(
      'more_permissions_required',
    );
    const pending = await fetch(`${url}/v1/charges`, {
      headers: { authorization: `Basic ${btoa(`${rk2}:`)}` },
    });
    expect(((await pending.json()) as { error: { code: string } }).error.code).toBe(
      'permission_pending_approval',
    );

    // the decisions reach the log (batched, within about a second) and the Install API lists them
    const logged = await waitFor('the decisions in the Install API', async () => {
      const response = await fetch(`${url}/v1/apps/installs/${insightsInstall}/decisions`, {
        headers: { authorization: `Bearer ${sk}` },
      });
      const body = (await response.json()) as { data: Array<{ request_id: string; outcome: string }> };
      return body.data.length >= 2 ? body.data : undefined;
    });
    expect(logged.map((d) => d.outcome)).toEqual(['denied', 'allowed']);
    expect(logged[1]!.request_id).toBe(allowed.headers.get('request-id'));

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(
      'appscope_gateway_requests_total{outcome="allowed",route="/v1/customers",method="GET"} 1',
    );
    expect(metrics).toContain(
      'appscope_gateway_requests_total{outcome="denied",route="/v1/charges",method="GET"} 2',
    );

    // a path with a quote and a backslash, sent raw: its log line must still be JSON
    const odd = await new Promise<string>((resolve, reject) => {
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.end(
          `GET /v1/cus"to\\mers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${rk}\r\nConnection: close\r\n\r\n`,
        ),
      );
      let answer = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
    expect(odd).toMatch(/^HTTP\/1\.1 (400|404) /);

    // one more decision just before SIGTERM: the shutdown must flush it
    const last = await fetch(`${url}/v1/products`, { headers: { authorization: `Bearer ${rk}` } });
    expect(last.status).toBe(200);
    const lastId = last.headers.get('request-id')!;
    expect(await stop(served)).toEqual({ code: 0, signal: null });

    // the README promises a dashboard admin whose password is printed once
    const admin = /sign in as (\S+) with password (\S+)/.exec(served.stdout());
    expect(admin?.[1]).toBe('admin@demo.example');

    const store = await openStore({ dataDir });
    try {
      const page = await listDecisions(createDomain({ store }), { actor: OPERATOR, limit: 100 });
      expect(page.data.map((d) => d.request_id)).toContain(lastId);
      expect(page.data).toHaveLength(5); // the odd path is a decision too (refused)
      const user = await checkUserPassword(createDomain({ store }), {
        email: admin![1]!,
        password: admin![2]!,
      });
      expect(user).toMatchObject({ email: 'admin@demo.example', role: 'admin' });
      // the README promises a public app that is not installed yet, for the dashboard's catalogue
      expect(served.stdout()).toContain('com.example.dispute-desk  not installed: install it from');
      const catalog = await listCatalog(createDomain({ store }), { actor: OPERATOR, limit: 100 });
      expect(catalog.data.map((entry) => entry.app.id)).toContain('com.example.dispute-desk');
      const installs = await listInstalls(createDomain({ store }), {
        actor: OPERATOR,
        app: 'com.example.dispute-desk',
        limit: 10,
      });
      expect(installs.data).toEqual([]);
      // and an OAuth app for examples/oauth-app, with its install link
      expect(served.stdout()).toContain(
        `install link ${url}/oauth/v2/test/authorize?client_id=com.example.oauth-sync&response_type=code`,
      );
      const oauthApp = catalog.data.find((entry) => entry.app.id === 'com.example.oauth-sync');
      expect(oauthApp?.app.stripe_api_access_type).toBe('oauth');
      expect(oauthApp?.version.manifest.allowed_redirect_uris?.[0]).toBe('http://127.0.0.1:4243/callback');
    } finally {
      await store.close();
    }

    // structured logs on stderr: JSON lines, one per request, never a secret
    const logLines = served
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = logLines.filter((line) => line['msg'] === 'request');
    expect(requests.find((line) => line['reqId'] === lastId)).toMatchObject({
      level: 'info',
      time: expect.any(Number),
      service: 'appscope',
      pid: expect.any(Number),
      method: 'GET',
      path: '/v1/products',
      route: '/v1/products',
      status: 200,
      decision: 'allowed',
      key: expect.stringMatching(/^rk_test_\*\*\*…\w{4}$/),
    });
    expect(requests.find((line) => line['path'] === '/v1/cus"to\\mers')).toMatchObject({
      status: Number(odd.slice(9, 12)),
    });
    expect(requests.find((line) => line['decision'] === 'denied')).toMatchObject({
      route: '/v1/charges',
      status: 403,
      missing: expect.stringContaining('charge_read'),
    });
    expect(logLines.some((line) => line['msg'] === 'stopped')).toBe(true);
    for (const secret of [rk, rk2, sk]) expect(served.stderr()).not.toContain(secret);
    expect(served.stderr().toLowerCase()).not.toContain('bearer');
  });

  it('reuses the demo data on the next start and says how to get new keys', { timeout: 60_000 }, async () => {
    const served = serve(dataDir);
    const out = await waitFor(
      'the demo banner',
      () => (served.stdout().includes('With the official SDK') ? served.stdout() : undefined),
      () => `stdout:\n${served.stdout()}\nstderr:\n${served.stderr()}`,
    );
    expect(out).toContain('Demo data from the first start');
    expect(out).toContain(`keys create --install ${insightsInstall}`);
    expect(out).not.toMatch(/rk_test_\w{20,}/);
    expect(out).not.toMatch(/sk_test_\w{20,}/);
    const again = /^appscope listening on (http:\S+)$/m.exec(out)![1]!;
    const response = await fetch(`${again}/v1/customers`, { headers: { authorization: `Bearer ${rk}` } });
    expect(response.status).toBe(200);
    expect(await stop(served)).toEqual({ code: 0, signal: null });
  });

  it('forwards to --upstream with the key from the environment, never logged; JSON lines too', {
    timeout: 60_000,
  }, async () => {
    const upstream = await startEmulatorServer({ port: 0 });
    const upstreamKey = 'sk_test_upstream0123456789abcdefSECRET';
    const jsonl = join(dataDir, 'logs', 'decisions.jsonl');
    try {
      const served = serve(dataDir, {
        env: { APPSCOPE_UPSTREAM_KEY: upstreamKey },
        args: ['--upstream', upstream.url, '--upstream-multi-account', '--decision-log-jsonl', jsonl],
      });
      const out = await waitFor(
        'the banner',
        () => (served.stdout().includes('With the official SDK') ? served.stdout() : undefined),
        () => `stdout:\n${served.stdout()}\nstderr:\n${served.stderr()}`,
      );
      expect(out).toContain(`upstream: ${upstream.url}`);
      const at = /^appscope listening on (http:\S+)$/m.exec(out)![1]!;
      const created = await fetch(`${at}/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sk}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=Upstream%20Customer',
      });
      expect(created.status).toBe(200);
      const listed = await fetch(`${at}/v1/customers`, { headers: { authorization: `Bearer ${rk}` } });
      const body = (await listed.json()) as { data: Array<{ name: string }> };
      expect(body.data.map((c) => c.name)).toEqual(['Upstream Customer']);
      const requestId = listed.headers.get('request-id');
      expect(await stop(served)).toEqual({ code: 0, signal: null });
      expect(served.stderr()).not.toContain(upstreamKey);
      expect(served.stdout()).not.toContain(upstreamKey);
      const lines = readFileSync(jsonl, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.find((line) => line['request_id'] === requestId)).toMatchObject({
        object: 'apps.decision',
        outcome: 'allowed',
        route: '/v1/customers',
        status: 200,
      });
      expect(readFileSync(jsonl, 'utf8')).not.toContain(rk);
    } finally {
      await upstream.close();
    }
  });

  it('refuses --upstream without APPSCOPE_UPSTREAM_KEY', async () => {
    const env = { ...process.env };
    delete env['APPSCOPE_UPSTREAM_KEY'];
    const child = spawn(
      process.execPath,
      [...command, 'serve', '--port', '0', '--data-dir', dataDir, '--upstream', 'http://127.0.0.1:9'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toContain(
      "appscope: --upstream needs the upstream's secret key in the environment: set APPSCOPE_UPSTREAM_KEY (it is never logged)",
    );
  });

  it('refuses a port in use with a usage error, leaving nothing running', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = await runCli(['serve', '--port', String(port), '--data-dir', dataDir], { cwd: dataDir });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `appscope: cannot listen on 127.0.0.1:${port} (EADDRINUSE): pick another --port (0 picks a free one) or --host\n`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses a --decision-log-max-bytes that is not a size, before opening anything', async () => {
    const run = await runCli(
      ['serve', '--port', '0', '--data-dir', dataDir, '--decision-log-max-bytes', '12 parsecs'],
      {
        cwd: dataDir,
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'appscope: --decision-log-max-bytes: `12 parsecs` is not a size; use bytes or e.g. `512KiB`, `64MiB`, `1GiB`, `500MB`\n',
    );
  });
});

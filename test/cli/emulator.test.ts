import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { evictionWarnings, startStandaloneEmulator } from '../../src/cli/emulator.js';
import type { CliIo } from '../../src/cli/io.js';
import { startServe } from '../../src/cli/serve.js';
import { createEmulator } from '../../src/emulator/emulator.js';
import type { EvictionInfo } from '../../src/emulator/memory-storage.js';
import { appscopeCommand } from '../support/appscope-command.js';
import { runCli } from '../support/run-cli.js';

// Every emulator the commands create goes through the real createEmulator; the spy shows its options.
vi.mock(import('../../src/emulator/emulator.js'), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, createEmulator: vi.fn(actual.createEmulator) };
});

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    cwd: process.cwd(),
    env: {},
    out: () => out,
    err: () => err,
  };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const isEviction = (line: Record<string, unknown>): boolean =>
  typeof line['msg'] === 'string' && line['msg'].startsWith('emulator: evicted the oldest objects');

async function createCustomer(url: string, key: string, name: string): Promise<string> {
  const response = await fetch(`${url}/v1/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: `name=${encodeURIComponent(name)}`,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-emulator-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
  vi.mocked(createEmulator).mockClear();
});

describe('evictionWarnings', () => {
  const evict = (account: string, count: number, livemode = false): EvictionInfo => ({
    account,
    livemode,
    type: 'customer',
    id: `cus_${count}`,
    count,
  });

  it('warns at the first eviction, then at most once a minute per account and mode with the count since', () => {
    vi.useFakeTimers();
    const warned: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const warnings = evictionWarnings((fields, message) => warned.push({ fields, message }), {
      maxObjects: 5,
      flag: '--max-objects',
    });
    for (let n = 1; n <= 4; n++) warnings.onEvict(evict('acct_a', n));
    warnings.onEvict(evict('acct_a', 1, true)); // the other mode is another scope
    warnings.onEvict(evict('acct_b', 1));
    expect(warned).toEqual([
      {
        fields: { account: 'acct_a', livemode: false, evicted: 1, evictedTotal: 1, maxObjects: 5 },
        message:
          'emulator: evicted the oldest objects of an account and mode, over the limit of 5 objects (--max-objects)',
      },
      {
        fields: { account: 'acct_a', livemode: true, evicted: 1, evictedTotal: 1, maxObjects: 5 },
        message: warned[0]!.message,
      },
      {
        fields: { account: 'acct_b', livemode: false, evicted: 1, evictedTotal: 1, maxObjects: 5 },
        message: warned[0]!.message,
      },
    ]);
    vi.advanceTimersByTime(59_999);
    expect(warned).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(warned.slice(3).map((w) => w.fields)).toEqual([
      { account: 'acct_a', livemode: false, evicted: 3, evictedTotal: 4, maxObjects: 5 },
    ]);
    warnings.onEvict(evict('acct_a', 5));
    vi.advanceTimersByTime(30_000);
    expect(warned).toHaveLength(4); // the next minute has not ended
    vi.advanceTimersByTime(30_000);
    expect(warned.slice(4).map((w) => w.fields)).toEqual([
      { account: 'acct_a', livemode: false, evicted: 1, evictedTotal: 5, maxObjects: 5 },
    ]);
    // a quiet minute: the next eviction is reported at once again
    vi.advanceTimersByTime(120_000);
    expect(warned).toHaveLength(5);
    warnings.onEvict(evict('acct_a', 6));
    expect(warned.slice(5).map((w) => w.fields)).toEqual([
      { account: 'acct_a', livemode: false, evicted: 1, evictedTotal: 6, maxObjects: 5 },
    ]);
    warnings.close();
  });

  it('reports what is still unreported on close, and stops its timers', () => {
    vi.useFakeTimers();
    const warned: Record<string, unknown>[] = [];
    const warnings = evictionWarnings((fields) => warned.push(fields), {
      maxObjects: 1,
      flag: '--max-objects',
    });
    for (let n = 1; n <= 3; n++) warnings.onEvict(evict('acct_a', n));
    warnings.close();
    expect(warned.map((w) => [w['evicted'], w['evictedTotal']])).toEqual([
      [1, 1],
      [2, 3],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('startStandaloneEmulator (appscope emulator, in process)', () => {
  it('prints its URL alone on the first line, serves, and logs JSON warnings when objects are evicted', async () => {
    const io = captureIo();
    const running = await startStandaloneEmulator(io, { port: 0, maxObjects: 2 });
    try {
      expect(io.out()).toBe(`${running.url}\n`);
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ids: string[] = [];
      for (const name of ['Ada', 'Grace', 'Alan'])
        ids.push(await createCustomer(running.url, 'sk_test_cap', name));
      const oldest = await fetch(`${running.url}/v1/customers/${ids[0]}`, {
        headers: { authorization: 'Bearer sk_test_cap' },
      });
      expect(oldest.status).toBe(404);
      const newest = await fetch(`${running.url}/v1/customers/${ids[2]}`, {
        headers: { authorization: 'Bearer sk_test_cap' },
      });
      expect(newest.status).toBe(200);
      const first = jsonLines(io.err()).filter(isEviction);
      expect(first).toHaveLength(1); // later evictions wait for the minute (or the stop)
      expect(first[0]).toMatchObject({
        level: 'warn',
        service: 'appscope',
        livemode: false,
        evicted: 1,
        evictedTotal: 1,
        maxObjects: 2,
        msg: 'emulator: evicted the oldest objects of an account and mode, over the limit of 2 objects (--max-objects)',
      });
      expect(first[0]!['account']).toMatch(/^acct_/);
    } finally {
      await running.close();
    }
    const lines = jsonLines(io.err());
    const evictions = lines.filter(isEviction);
    expect(evictions.length).toBe(2);
    const total = evictions.reduce((sum, line) => sum + (line['evicted'] as number), 0);
    expect(evictions.at(-1)!['evictedTotal']).toBe(total);
    expect(lines.find((line) => line['msg'] === 'emulator listening')).toMatchObject({
      level: 'info',
      url: expect.stringMatching(/^http:/),
      maxObjectsPerScope: 2,
      stripeMock: false,
    });
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'emulator stopped' });
    expect(io.out().split('\n')).toHaveLength(2); // the URL, and nothing else
  });

  it('passes --stripe-mock and the cap to the emulator it creates', async () => {
    const io = captureIo();
    const running = await startStandaloneEmulator(io, { port: 0, stripeMock: true });
    await running.close();
    expect(vi.mocked(createEmulator)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(createEmulator).mock.calls[0]![0]).toMatchObject({ stripeMock: true });
    const plain = await startStandaloneEmulator(captureIo(), { port: 0 });
    await plain.close();
    expect(vi.mocked(createEmulator).mock.calls[1]![0]).not.toHaveProperty('stripeMock');
    expect(jsonLines(io.err()).find((l) => l['msg'] === 'emulator listening')).toMatchObject({
      maxObjectsPerScope: 50_000,
      stripeMock: true,
    });
  });
});

describe('appscope emulator: usage errors', () => {
  it.each([
    [['--max-objects', '0'], 'appscope: --max-objects: `0` is not a positive integer\n'],
    [['--max-objects', 'ten'], 'appscope: --max-objects: `ten` is not a positive integer\n'],
    [['--max-objects', '1.5'], 'appscope: --max-objects: `1.5` is not a positive integer\n'],
    [['--port', 'x'], 'appscope: --port: `x` is not a port from 0 to 65535\n'],
    [['--port', '70000'], 'appscope: --port: `70000` is not a port from 0 to 65535\n'],
  ])('refuses %j with exit code 2', async (args, message) => {
    const run = await runCli(['emulator', ...args]);
    expect(run).toMatchObject({ code: 2, stdout: '', stderr: message });
  });

  it('refuses a port in use with a usage error', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = await runCli(['emulator', '--port', String(port)]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `appscope: cannot listen on 127.0.0.1:${port} (EADDRINUSE): pick another --port (0 picks a free one) or --host\n`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("listens on stripe-mock's port, 12111, unless told otherwise", async () => {
    const run = await runCli(['emulator', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(default: "12111")');
    expect(run.stdout).toContain('--max-objects <n>');
    expect(run.stdout).toContain('--stripe-mock');
  });
});

const { args: command, label: commandLabel } = appscopeCommand();

describe(`appscope emulator as a process (${commandLabel})`, () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints its URL alone on the first line of stdout, serves, and exits 0 on %s',
    { timeout: 30_000 },
    async (signal) => {
      const child: ChildProcess = spawn(process.execPath, [...command, 'emulator', '--port', '0'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 20_000;
        while (!stdout.includes('\n')) {
          if (Date.now() > deadline) throw new Error(`no URL on stdout\nstderr:\n${stderr}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const url = stdout.split('\n')[0]!;
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        await createCustomer(url, 'sk_test_process', 'Ada');
        child.kill(signal);
        expect(await exited).toBe(0);
        expect(stdout).toBe(`${url}\n`);
        const lines = jsonLines(stderr);
        expect(lines.map((l) => l['msg'])).toEqual(['emulator listening', 'emulator stopped']);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
  );
});

describe('appscope serve: the built-in emulator flags', () => {
  it('refuses them with --upstream, which is not the built-in emulator', async () => {
    const env = { APPSCOPE_UPSTREAM_KEY: 'sk_test_x' };
    const base = ['serve', '--port', '0', '--data-dir', dir, '--upstream', 'http://127.0.0.1:12111'];
    const capped = await runCli([...base, '--emulator-max-objects', '5'], { cwd: dir, env });
    expect(capped).toMatchObject({
      code: 2,
      stderr:
        'appscope: --emulator-max-objects applies to the built-in emulator, not to --upstream (give `appscope emulator` --max-objects instead)\n',
    });
    const mock = await runCli([...base, '--emulator-stripe-mock'], { cwd: dir, env });
    expect(mock).toMatchObject({
      code: 2,
      stderr:
        'appscope: --emulator-stripe-mock applies to the built-in emulator, not to --upstream (give `appscope emulator` --stripe-mock instead)\n',
    });
  });

  it('refuses an --emulator-max-objects that is not a positive integer', async () => {
    const run = await runCli(['serve', '--port', '0', '--data-dir', dir, '--emulator-max-objects', '0'], {
      cwd: dir,
    });
    expect(run).toMatchObject({
      code: 2,
      stderr: 'appscope: --emulator-max-objects: `0` is not a positive integer\n',
    });
  });

  it('caps the in-process emulator and warns in its log when objects are evicted', {
    timeout: 30_000,
  }, async () => {
    const dataDir = mkdtempSync(join(dir, 'serve-'));
    const logPath = join(dataDir, 'serve.log');
    const fd = openSync(logPath, 'a');
    const io = captureIo();
    try {
      // the demo seeds 3 customers and 2 products (with their events) into the emulator: past 3
      const running = await startServe(io, {
        port: 0,
        dataDir,
        demo: true,
        emulatorMaxObjects: 3,
        emulatorStripeMock: true,
        logFd: fd,
      });
      await running.close();
    } finally {
      closeSync(fd);
    }
    expect(vi.mocked(createEmulator).mock.calls[0]![0]).toMatchObject({ stripeMock: true });
    const account = /account {6}(acct_\w+)/.exec(io.out())![1];
    const evictions = jsonLines(readFileSync(logPath, 'utf8')).filter(isEviction);
    expect(evictions.length).toBeGreaterThanOrEqual(1);
    expect(evictions[0]).toMatchObject({
      level: 'warn',
      account,
      livemode: false,
      evicted: 1,
      evictedTotal: 1,
      maxObjects: 3,
      msg: 'emulator: evicted the oldest objects of an account and mode, over the limit of 3 objects (--emulator-max-objects)',
    });
    const total = evictions.reduce((sum, line) => sum + (line['evicted'] as number), 0);
    expect(evictions.at(-1)!['evictedTotal']).toBe(total);
    expect(total).toBeGreaterThanOrEqual(2); // 5 objects at least, 3 kept
  });
});

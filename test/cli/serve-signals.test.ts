import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appscopeCommand } from '../support/appscope-command.js';

const { args: command } = appscopeCommand();

/**
 * `serve` must answer SIGTERM/SIGINT whatever became of its standard streams: a reader that has
 * gone (`appscope serve | head`, EPIPE) or one that stopped reading (a full pipe, EAGAIN). Once a
 * process blocked on its log pipe and ignored SIGTERM until SIGKILL.
 */

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly key: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly exitedYet: () => boolean;
}

/** Starts `serve --demo` and reads its banner (URL and the demo's restricted key). */
async function start(
  args: readonly string[] = [],
  bannerOn: 'stdout' | 'stderr' = 'stdout',
): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'appscope-signals-'));
  dirs.push(dataDir);
  const env = { ...process.env };
  delete env['APPSCOPE_DATABASE_URL'];
  delete env['APPSCOPE_UPSTREAM_KEY'];
  const child = spawn(
    process.execPath,
    [...command, 'serve', '--demo', '--port', '0', '--data-dir', dataDir, ...args],
    {
      cwd: dataDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  let stdout = '';
  const banner = new Promise<{ url: string; key: string }>((resolve, reject) => {
    child[bannerOn]!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      const key = /\b(rk_test_\w+)/.exec(stdout)?.[1];
      if (url !== undefined && key !== undefined) resolve({ url, key });
    });
    exited.then(({ code }) => reject(new Error(`serve exited (${code}) before its banner:\n${stdout}`)));
  });
  const { url, key } = await withDeadline(banner, 30_000, 'the banner');
  return { child, url, key, exited, exitedYet: () => done };
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Gateway calls that each write a request log line (about 400 bytes). */
async function traffic(started: Started, calls: number): Promise<number> {
  let answered = 0;
  for (let i = 0; i < calls; i++) {
    const response = await fetch(`${started.url}/v1/customers?limit=1`, {
      headers: { authorization: `Bearer ${started.key}` },
      signal: AbortSignal.timeout(10_000),
    });
    await response.arrayBuffer();
    answered++;
  }
  return answered;
}

describe('serve and its standard streams', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits 0 on %s after its stdout and stderr pipes were closed, with requests logged meanwhile',
    async (signal) => {
      const started = await start();
      started.child.stdout!.destroy();
      started.child.stderr!.destroy();
      // the banner's and the request log's writes now meet a pipe with no reader (EPIPE)
      expect(await traffic(started, 200)).toBe(200);
      expect(started.exitedYet()).toBe(false); // still serving
      started.child.kill(signal);
      const { code } = await withDeadline(started.exited, 20_000, `exit after ${signal}`);
      expect(code).toBe(0);
    },
    60_000,
  );

  it('exits 0 on SIGTERM when nobody reads its stderr any more (a full pipe)', async () => {
    const started = await start();
    started.child.stderr!.pause(); // the reader stays, but reads nothing: the pipe fills up
    started.child.stdout!.pause();
    // far more log lines than a pipe holds (64 KiB): without a bound on the wait, the log
    // write blocks the process, requests hang and SIGTERM is never handled
    expect(await traffic(started, 600)).toBe(600);
    started.child.kill('SIGTERM');
    const { code } = await withDeadline(started.exited, 20_000, 'exit after SIGTERM');
    expect(code).toBe(0);
  }, 60_000);

  it('exits 0 on SIGTERM when decisions go to a standard output nobody reads (--decision-log-jsonl -)', async () => {
    // the banner goes to stderr then; stdout is the decision stream
    const started = await start(['--decision-log-jsonl', '-', '--shutdown-timeout', '2s'], 'stderr');
    started.child.stdout!.pause();
    started.child.stderr!.pause();
    // far more JSON lines than a pipe holds: the decision log waits for a drain that never comes
    expect(await traffic(started, 1000)).toBe(1000);
    started.child.kill('SIGTERM');
    const { code } = await withDeadline(started.exited, 30_000, 'exit after SIGTERM');
    expect(code).toBe(0);
  }, 90_000);
});

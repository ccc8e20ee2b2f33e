import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { type RunningServer, type ServeOptions, startServe } from '../../src/cli/serve.js';
import { type EmulatorServer, startEmulatorServer } from '../../src/emulator/server.js';
import { DIALECTS, suiteTitle } from '../store/dialects.js';
import { seedInstall } from '../support/seed-install.js';

// Several `appscope serve` processes on one PostgreSQL database: with the in-process emulator each
// has its own Stripe objects (and says so at start-up); sharing one standalone emulator, they agree.

const postgres = DIALECTS.find((d) => d.name === 'postgres')!;
// The URL test/store/dialects.ts probes (it sets `skip` when nothing answers there).
const fromEnv = process.env['APPSCOPE_TEST_POSTGRES_URL'];
const postgresUrl =
  fromEnv === undefined || fromEnv === '' ? 'postgres://postgres@127.0.0.1:5432/test' : fromEnv;

const IN_PROCESS_WARNING =
  'the built-in emulator keeps its objects in this process: several serve processes on one PostgreSQL database would each see different Stripe objects; let them share one standalone emulator (`appscope emulator --port 12111`, then `appscope serve --upstream http://127.0.0.1:12111 --upstream-multi-account` with APPSCOPE_UPSTREAM_KEY=sk_test_…)';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-emulator-shared-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Things to stop after each test, newest first. */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh PostgreSQL schema, and the `APPSCOPE_DATABASE_URL` that puts a process in it. */
async function freshSchema(): Promise<string> {
  const schema = `appscope_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  });
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** `startServe` in process, its JSON logs in a file; `logs()` reads them once it is closed. */
async function serve(
  env: Record<string, string>,
  options: ServeOptions = {},
): Promise<{ server: RunningServer; logs: () => Promise<Record<string, unknown>[]> }> {
  const logPath = join(dir, `serve-${randomBytes(4).toString('hex')}.log`);
  const fd = openSync(logPath, 'a');
  const io: CliIo = { stdout: () => {}, stderr: () => {}, cwd: dir, env };
  let server: RunningServer;
  try {
    server = await startServe(io, { port: 0, logFd: fd, ...options });
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await server.close();
    closeSync(fd);
  };
  cleanups.push(close);
  return {
    server,
    async logs() {
      await close();
      return readFileSync(logPath, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

async function standaloneEmulator(): Promise<EmulatorServer> {
  const emulator = await startEmulatorServer({ port: 0 });
  cleanups.push(() => emulator.close());
  return emulator;
}

function call(url: string, key: string, path: string, body?: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(body === undefined ? {} : { body }),
  });
}

const warnings = (lines: readonly Record<string, unknown>[]): Record<string, unknown>[] =>
  lines.filter((line) => line['msg'] === IN_PROCESS_WARNING);

describe.skipIf(postgres.skip !== undefined)(
  suiteTitle(postgres, 'several appscope serve processes on one PostgreSQL database'),
  () => {
    it('share one standalone emulator: a customer created through one is read through the other', {
      timeout: 60_000,
    }, async () => {
      const databaseUrl = await freshSchema();
      const { account, key } = await seedInstall(databaseUrl, 'com.example.crm', ['customer_write']);
      const emulator = await standaloneEmulator();
      const env = { APPSCOPE_DATABASE_URL: databaseUrl, APPSCOPE_UPSTREAM_KEY: 'sk_test_shared_upstream' };
      const upstream = { upstream: emulator.url, upstreamMultiAccount: true };
      const a = await serve(env, upstream);
      const b = await serve(env, upstream);

      const created = await call(a.server.url, key, '/v1/customers', 'name=Ada%20Lovelace');
      expect(created.status).toBe(200);
      const customer = (await created.json()) as { id: string; name: string };
      const read = await call(b.server.url, key, `/v1/customers/${customer.id}`);
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ id: customer.id, object: 'customer', name: 'Ada Lovelace' });
      const listed = (await (await call(b.server.url, key, '/v1/customers')).json()) as {
        data: Array<{ id: string }>;
      };
      expect(listed.data.map((c) => c.id)).toEqual([customer.id]);
      // held by the emulator under the install's account (sent as Stripe-Account)
      expect(
        await emulator.emulator.storage.get({ account, livemode: false }, 'customer', customer.id),
      ).toEqual(expect.objectContaining({ name: 'Ada Lovelace' }));

      // the standalone emulator is the upstream: no warning about the in-process one
      expect(warnings(await a.logs())).toEqual([]);
      expect(warnings(await b.logs())).toEqual([]);
    });

    it('with the in-process emulator, each process has its own objects, and says so at start-up', {
      timeout: 60_000,
    }, async () => {
      const databaseUrl = await freshSchema();
      const { key } = await seedInstall(databaseUrl, 'com.example.crm', ['customer_write']);
      const env = { APPSCOPE_DATABASE_URL: databaseUrl };
      const a = await serve(env);
      const b = await serve(env);

      const created = await call(a.server.url, key, '/v1/customers', 'name=Grace%20Hopper');
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      expect((await call(a.server.url, key, `/v1/customers/${id}`)).status).toBe(200);
      expect((await call(b.server.url, key, `/v1/customers/${id}`)).status).toBe(404);

      for (const logs of [await a.logs(), await b.logs()]) {
        expect(warnings(logs)).toEqual([
          expect.objectContaining({ level: 'warn', service: 'appscope', msg: IN_PROCESS_WARNING }),
        ]);
      }
    });
  },
);

describe('appscope serve with the in-process emulator on SQLite', () => {
  it('does not warn about several processes (one SQLite file serves one process)', {
    timeout: 30_000,
  }, async () => {
    const dataDir = mkdtempSync(join(dir, 'sqlite-'));
    const served = await serve({}, { dataDir });
    const logs = await served.logs();
    expect(logs.find((line) => line['msg'] === 'listening')).toMatchObject({
      upstream: 'built-in emulator (in process)',
    });
    expect(warnings(logs)).toEqual([]);
  });
});

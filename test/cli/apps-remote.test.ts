import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { installApp } from '../../src/domain/installs.js';
import { createServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { runCli } from '../support/run-cli.js';

// The CLI's `--url` mode against a real appscope server listening on a port (in this process),
// compared line for line with the same commands on the server's own database (local mode).

let dir: string;
let store: Store;
let domain: Domain;
let server: FastifyInstance;
let url: string;
let developer: { id: string; key: string };
let merchant: { id: string; key: string };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-apps-remote-'));
  store = await openStore(`sqlite:${join(dir, 'appscope.db')}`);
  domain = createDomain({ store, catalog: defaultCatalog() });
  server = await createServer({ domain, routes: defaultRouteTable() });
  await server.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  const dev = await createAccount(domain, { actor: OPERATOR, name: 'Example Developer Ltd' });
  developer = { id: dev.account.id, key: dev.secretKeys.test.secret };
  const m = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
  merchant = { id: m.account.id, key: m.secretKeys.test.secret };
});

afterEach(async () => {
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeManifest(file: string, version: string, permissions: string[], overrides: object = {}): void {
  writeFileSync(
    join(dir, file),
    JSON.stringify({
      id: 'com.example.orders',
      version,
      name: 'Orders',
      icon: '',
      distribution_type: 'public',
      stripe_api_access_type: 'restricted_api_key',
      permissions: permissions.map((permission) => ({ permission, purpose: `reads ${permission}` })),
      ...overrides,
    }),
  );
}

/** The CLI over HTTP with the developer's key (from APPSCOPE_API_KEY unless `--api-key` is given). */
function remote(...args: string[]) {
  return runCli([...args, '--url', url], { cwd: dir, env: { APPSCOPE_API_KEY: developer.key } });
}

/** The CLI on the server's own database, as the operator. */
function local(...args: string[]) {
  return runCli(args, { cwd: dir, env: { APPSCOPE_DATABASE_URL: `sqlite:${join(dir, 'appscope.db')}` } });
}

describe('appscope apps … --url --api-key', () => {
  it('uploads, releases and lists over HTTP, printing what the local store prints', async () => {
    writeManifest('v1.json', '1.0.0', ['customer_read']);
    const up = await remote('apps', 'upload', 'v1.json');
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toBe('uploaded com.example.orders 1.0.0 and released it\n');

    await installApp(domain, {
      actor: { type: 'account_key', account: merchant.id, key: 'key_x', livemode: false },
      app: 'com.example.orders',
    });
    writeManifest('v2.json', '2.0.0', ['customer_read', 'invoice_read']);
    const staged = await remote('apps', 'upload', 'v2.json', '--no-release', '--json');
    expect(staged.code).toBe(0);
    expect(staged.json()).toEqual({
      app: 'com.example.orders',
      version: '2.0.0',
      released: false,
      installs_updated_count: 0,
      warnings: [],
    });

    const released = await remote('apps', 'release', 'com.example.orders', '2.0.0');
    expect(released.code).toBe(0);
    expect(released.stdout).toBe('released com.example.orders 2.0.0; 1 install(s) updated\n');
    const again = await remote('apps', 'release', 'com.example.orders', '2.0.0', '--json');
    expect(again.json()).toEqual({ app: 'com.example.orders', version: '2.0.0', installs_updated_count: 0 });

    writeManifest('v3.json', '3.0.0', ['customer_read', 'invoice_read', 'charge_read']);
    const v3 = await remote('apps', 'upload', 'v3.json');
    expect(v3.stdout).toBe('uploaded com.example.orders 3.0.0 and released it\n  1 install(s) updated\n');

    // the same listings, over HTTP and on the database
    for (const args of [
      ['apps', 'versions', 'com.example.orders'],
      ['apps', 'versions', 'com.example.orders', '--json'],
      ['apps', 'catalog'],
      ['apps', 'catalog', '--json'],
    ]) {
      const over = await remote(...args);
      const here = await local(...args);
      expect(over.code).toBe(0);
      expect({ args, stdout: over.stdout }).toEqual({ args, stdout: here.stdout });
    }
    for (const json of [[], ['--json']]) {
      const over = await remote('apps', 'list', ...json);
      const here = await local('apps', 'list', '--account', developer.id, ...json);
      expect(over.stdout).toBe(here.stdout);
    }
    const versions = (await remote('apps', 'versions', 'com.example.orders')).stdout;
    expect(versions.split('\n').map((line) => line.split(' ')[0])).toEqual([
      'VERSION',
      '1.0.0',
      '2.0.0',
      '3.0.0',
      '',
    ]);
    const catalog = (await remote('apps', 'catalog')).stdout;
    expect(catalog).toBe(
      `com.example.orders 3.0.0  Orders — by Example Developer Ltd (${developer.id})\n` +
        '  customer_read  reads customer_read\n' +
        '  invoice_read   reads invoice_read\n' +
        '  charge_read    reads charge_read\n',
    );
  });

  it('lists apps and versions past one page of 100', async () => {
    for (let n = 0; n < 103; n++) {
      writeManifest('m.json', '1.0.0', ['customer_read'], {
        id: `com.example.app${String(n).padStart(3, '0')}`,
      });
      expect((await local('apps', 'upload', 'm.json', '--account', developer.id)).code).toBe(0);
    }
    for (let n = 1; n < 103; n++) {
      writeManifest('m.json', `1.0.${n}`, ['customer_read'], { id: 'com.example.app000' });
      expect((await local('apps', 'upload', 'm.json', '--account', developer.id, '--no-release')).code).toBe(
        0,
      );
    }
    const list = (await remote('apps', 'list', '--json')).json() as { data: { id: string }[] };
    expect(list.data.length).toBe(103);
    expect(list.data.at(-1)?.id).toBe('com.example.app102');
    const catalog = (await remote('apps', 'catalog', '--json')).json() as { data: unknown[] };
    expect(catalog.data.length).toBe(103);
    const versions = (await remote('apps', 'versions', 'com.example.app000', '--json')).json() as {
      data: { version: string }[];
    };
    expect(versions.data.length).toBe(103);
    expect(versions.data.map((v) => v.version).slice(0, 3)).toEqual(['1.0.0', '1.0.1', '1.0.2']);
  }, 60_000);

  it('an invalid manifest fails with one line per problem, as on the local store, and exit 1', async () => {
    writeManifest('bad.json', '', ['customers_read', 'invoice_reed']);
    const over = await remote('apps', 'upload', 'bad.json');
    const here = await local('apps', 'upload', 'bad.json', '--account', developer.id);
    expect(over.code).toBe(1);
    expect(over.stdout).toBe('');
    expect(over.stderr).toBe(here.stderr);
    const lines = over.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('appscope: the manifest is invalid (3 problems):');
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/).slice(0, 3))).toEqual([
      ['error', 'invalid_version', 'version:'],
      ['error', 'unknown_permission', 'permissions[0].permission:'],
      ['error', 'unknown_permission', 'permissions[1].permission:'],
    ]);
    expect(over.stderr).toContain('did you mean `customer_read`?');
    expect(over.stderr).toContain('did you mean `invoice_read`?');

    const json = await remote('apps', 'upload', 'bad.json', '--json');
    expect(json.code).toBe(1);
    const body = json.json() as { error: { code: string; issues: { code: string }[] } };
    expect(body.error.code).toBe('ERR_MANIFEST_INVALID');
    expect(body.error.issues.map((i) => i.code)).toEqual([
      'invalid_version',
      'unknown_permission',
      'unknown_permission',
    ]);
    expect((await remote('apps', 'list', '--json')).json()).toEqual({ data: [] });
  });

  it('the domain refusals read as on the local store', async () => {
    writeManifest('v1.json', '1.0.0', ['customer_read']);
    await remote('apps', 'upload', 'v1.json');
    const over = await remote('apps', 'upload', 'v1.json', '--json');
    const here = await local('apps', 'upload', 'v1.json', '--account', developer.id, '--json');
    expect(over.code).toBe(1);
    expect(over.stdout).toBe(here.stdout);
    expect((over.json() as { error: { code: string } }).error.code).toBe('ERR_VERSION_EXISTS');

    const taken = await runCli(['apps', 'upload', 'v1.json', '--url', url, '--api-key', merchant.key], {
      cwd: dir,
      env: {},
    });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe(
      'appscope: app id `com.example.orders` belongs to another developer: choose another `id`\n',
    );

    const missing = await remote('apps', 'versions', 'com.example.nothing-here');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`${(await local('apps', 'versions', 'com.example.nothing-here')).stderr}`);
    const notReleasable = await remote('apps', 'release', 'com.example.orders', '0.0.1');
    expect(notReleasable.code).toBe(1);
    expect(notReleasable.stderr).toMatch(/^appscope: no such version of app `com\.example\.orders`/);
  });

  it('refuses an rk_ key, and usage errors exit 2 before any request', async () => {
    writeManifest('v1.json', '1.0.0', ['customer_read']);
    await remote('apps', 'upload', 'v1.json');
    const { key } = await installApp(domain, {
      actor: { type: 'account_key', account: merchant.id, key: 'key_x', livemode: false },
      app: 'com.example.orders',
    });
    const restricted = await runCli(['apps', 'list', '--url', url, '--json'], {
      cwd: dir,
      env: { APPSCOPE_API_KEY: key!.secret },
    });
    expect(restricted.code).toBe(1);
    expect(restricted.json()).toMatchObject({ error: { code: 'ERR_FORBIDDEN' } });
    expect(restricted.stderr).toContain(
      "a restricted key (`rk_…`) cannot manage apps, installs or keys: use the account's secret key (`sk_…`)",
    );
    expect(restricted.stderr).not.toContain(key!.secret);

    const wrong = await runCli(['apps', 'list', '--url', url, '--api-key', 'sk_test_not-a-real-key-at-all'], {
      cwd: dir,
      env: {},
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^appscope: invalid API key provided/i);

    const usage: [string[], Record<string, string>, string][] = [
      [['apps', 'list', '--url', url], {}, '--api-key'],
      [
        ['apps', 'list', '--url', url, '--account', developer.id],
        { APPSCOPE_API_KEY: developer.key },
        '--account is for the local store',
      ],
      [['apps', 'list', '--api-key', developer.key], {}, '--api-key needs --url'],
      [
        ['apps', 'list', '--url', 'ftp://example.com'],
        { APPSCOPE_API_KEY: developer.key },
        'not an http(s) URL',
      ],
      [['apps', 'list', '--url', 'not a url'], { APPSCOPE_API_KEY: developer.key }, 'is not a URL'],
    ];
    for (const [args, env, says] of usage) {
      const run = await runCli(args, { cwd: dir, env });
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain(says);
    }
    // the local store still needs --account for an upload
    const noAccount = await runCli(['apps', 'upload', 'v1.json'], { cwd: dir, env: {} });
    expect(noAccount.code).toBe(2);
    expect(noAccount.stderr).toContain('--account is required');
    expect(existsSync(join(dir, '.appscope'))).toBe(false); // refused before opening a store
  });

  it('says when the server cannot be reached or is not appscope', async () => {
    const closed = createHttpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) =>
      closed.close((error) => (error ? reject(error) : resolve())),
    );
    const unreachable = await runCli(['apps', 'list', '--url', `http://127.0.0.1:${port}`], {
      cwd: dir,
      env: { APPSCOPE_API_KEY: developer.key },
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(`appscope: cannot reach \`http://127.0.0.1:${port}\`: ECONNREFUSED\n`);

    const other = createHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const html = await runCli(['apps', 'list', '--url', base, '--json'], {
        cwd: dir,
        env: { APPSCOPE_API_KEY: developer.key },
      });
      expect(html.code).toBe(1);
      expect(html.json()).toMatchObject({ error: { code: 'ERR_REMOTE' } });
      expect(html.stderr).toContain(`is \`${base}\` an appscope server?`);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

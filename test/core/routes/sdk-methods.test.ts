import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { defaultRouteTable } from '../../../src/core/routes/load.js';
import {
  compileSdkMethods,
  DEFAULT_SDK_METHODS_PATH,
  defaultSdkMethods,
  parseSdkMethods,
  type SdkEndpointMethod,
  serializeSdkMethods,
} from '../../../src/core/routes/sdk-methods.js';
import { AppscopeError } from '../../../src/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const methods = defaultSdkMethods();
const endpoints = methods.methods.filter((m): m is SdkEndpointMethod => !('raw' in m));

/** `npm run generate:sdk-methods -- …args` */
async function generate(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/generate-sdk-methods.ts', ...args],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    return { out: stdout, err: stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    return { out: failed.stdout ?? '', err: failed.stderr ?? '', code: failed.code ?? -1 };
  }
}

function errorOf(run: () => unknown): AppscopeError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppscopeError) return error;
    throw error;
  }
  throw new Error('expected an AppscopeError');
}

/** A concrete path for a template: every `{param}` replaced by a value no static segment has. */
function concrete(path: string): string {
  return path.replace(/\{[^{}/]*\}/g, 'x_appscope_1');
}

describe('SDK method table: generated from the installed stripe SDK', () => {
  it('catalogs/stripe-sdk-methods.json is what the generator produces (run `npm run generate:sdk-methods`)', async () => {
    const result = await generate('--check');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/is up to date \(stripe \S+: \d+ methods, \d+ in the route table/);
  }, 60_000);

  it('--check exits 1 and says why when the table is stale', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-sdk-methods-'));
    const out = join(dir, 'stripe-sdk-methods.json');
    const text = readFileSync(DEFAULT_SDK_METHODS_PATH, 'utf8');
    writeFileSync(out, text.replace(/"version": "[^"]*"/, '"version": "0.0.1"'));
    const stale = await generate('--check', '--out', out);
    expect(stale.code).toBe(1);
    expect(stale.err).toBe(
      `${out} is out of date: it was generated from stripe 0.0.1, and stripe ${methods.version} is installed; run \`npm run generate:sdk-methods\`\n`,
    );
    expect(readFileSync(out, 'utf8')).toContain('"version": "0.0.1"'); // --check writes nothing

    writeFileSync(out, text.replace(/\n.*"call":"customers\.create".*\n/, '\n'));
    const edited = await generate('--check', '--out', out);
    expect(edited.code).toBe(1);
    expect(edited.err).toContain(`it differs from what stripe ${methods.version} (installed) generates`);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('is versioned by the installed SDK', () => {
    expect(methods.sdk).toBe('stripe');
    expect(methods.version).toBe(new Stripe('sk_test_x').VERSION);
    expect(JSON.parse(readFileSync(DEFAULT_SDK_METHODS_PATH, 'utf8')).generatedBy).toBe(
      'scripts/generate-sdk-methods.ts',
    );
  });
});

describe('SDK method table: well-known methods', () => {
  it.each([
    ['customers.create', 'POST', '/v1/customers', '/v1/customers'],
    ['invoices.retrieve', 'GET', '/v1/invoices/{id}', '/v1/invoices/{invoice}'],
    ['checkout.sessions.create', 'POST', '/v1/checkout/sessions', '/v1/checkout/sessions'],
    ['billingPortal.sessions.create', 'POST', '/v1/billing_portal/sessions', '/v1/billing_portal/sessions'],
    [
      'testHelpers.testClocks.advance',
      'POST',
      '/v1/test_helpers/test_clocks/{id}/advance',
      '/v1/test_helpers/test_clocks/{test_clock}/advance',
    ],
  ])('%s → %s %s', (call, method, path, route) => {
    expect(methods.find(call)).toEqual({ call, method, path, route });
  });

  it('lists and searches auto-paginate', () => {
    expect(methods.find('reporting.reportRuns.list')).toEqual({
      call: 'reporting.reportRuns.list',
      method: 'GET',
      path: '/v1/reporting/report_runs',
      type: 'list',
      paginates: true,
      route: '/v1/reporting/report_runs',
    });
    expect(methods.find('subscriptions.list')).toMatchObject({ type: 'list', paginates: true });
    expect(methods.find('customers.search')).toEqual({
      call: 'customers.search',
      method: 'GET',
      path: '/v1/customers/search',
      type: 'search',
      paginates: true,
      route: '/v1/customers/search',
    });
    expect(methods.find('customers.retrieve')).not.toHaveProperty('paginates');
  });

  it('path parameters keep the SDK’s names, in order', () => {
    expect(methods.find('customers.retrieveSource')).toMatchObject({
      path: '/v1/customers/{customerId}/sources/{id}',
      route: '/v1/customers/{customer}/sources/{id}',
    });
  });

  it('files go to the files host, OAuth to connect; neither is in doubt', () => {
    expect(methods.find('files.create')).toMatchObject({ apiBase: 'files', route: '/v1/files' });
    expect(methods.find('oauth.token')).toMatchObject({
      path: '/oauth/token',
      apiBase: 'connect',
      route: null,
    });
  });

  it('rawRequest is there, marked raw: what it sends depends on its arguments', () => {
    expect(methods.find('rawRequest')).toEqual({ call: 'rawRequest', raw: true, route: null });
  });

  it('v2 methods are marked and have no route (the route table is v1)', () => {
    const v2 = endpoints.filter((m) => m.path.startsWith('/v2/'));
    expect(v2.length).toBeGreaterThan(0);
    expect(v2.every((m) => m.v2 === true && m.call.startsWith('v2.') && m.route === null)).toBe(true);
    expect(endpoints.filter((m) => m.v2 === true).length).toBe(v2.length);
  });

  it('an alias finds its resource’s methods', () => {
    expect(methods.find('account.retrieve')).toBe(methods.find('accounts.retrieve'));
    expect(methods.find('account.nope')).toBeUndefined();
    expect(methods.find('customers.nope')).toBeUndefined();
    expect(methods.find('customers')).toBeUndefined();
    expect(methods.find('')).toBeUndefined();
  });
});

describe('SDK method table: invariants', () => {
  const table = defaultRouteTable();

  it(`has every method of the SDK (${methods.methods.length} in stripe ${methods.version})`, () => {
    expect(methods.methods.length).toBeGreaterThan(300);
    const calls = methods.methods.map((m) => m.call);
    expect(calls).toEqual([...calls].sort());
    expect(new Set(calls).size).toBe(calls.length);
  });

  it('every path is a template under /v1/, /v2/ or (OAuth) /oauth/', () => {
    for (const m of endpoints) {
      expect(m.path, m.call).toMatch(/^\/(v1|v2|oauth)\/[^\s?#]*$/);
      if (m.apiBase !== 'connect') expect(m.path, m.call).toMatch(/^\/v[12]\//);
    }
  });

  it('only lists and searches paginate, and all of them do', () => {
    for (const m of endpoints) {
      expect(m.paginates === true, m.call).toBe(m.type === 'list' || m.type === 'search');
    }
  });

  const routed = endpoints.filter((m) => m.route !== null);
  it(`every method with a route really matches it (${routed.length} of ${endpoints.length})`, () => {
    expect(routed.length).toBeGreaterThan(300);
    for (const m of routed) {
      const route = table.match(m.method, concrete(m.path));
      expect(route?.path, m.call).toBe(m.route);
      expect(route?.path.replace(/\{[^}]*\}/g, '{}'), m.call).toBe(m.path.replace(/\{[^}]*\}/g, '{}'));
    }
  });

  it('every v1 method without a route has no route of the same shape in the table', () => {
    const shapes = new Set(table.routes.map((r) => `${r.method} ${r.path.replace(/\{[^}]*\}/g, '{}')}`));
    for (const m of endpoints.filter((e) => e.route === null)) {
      expect(shapes.has(`${m.method} ${m.path.replace(/\{[^}]*\}/g, '{}')}`), m.call).toBe(false);
    }
  });
});

describe('SDK method table: loading', () => {
  const file = JSON.parse(readFileSync(DEFAULT_SDK_METHODS_PATH, 'utf8'));

  it('serializes the committed file back to the same text', () => {
    expect(serializeSdkMethods(file)).toBe(readFileSync(DEFAULT_SDK_METHODS_PATH, 'utf8'));
  });

  it('reports every structural problem with a code and a path', () => {
    const error = errorOf(() =>
      compileSdkMethods({
        sdk: 'stripe',
        version: '1.0.0',
        generatedBy: 'x',
        aliases: {},
        methods: [
          { call: 'a.create', method: 'FETCH', path: '/v1/a', route: null },
          { call: 'b.list', method: 'GET', path: 'v1/b', route: null, extra: 1 },
        ],
      }),
    );
    expect(error.code).toBe('ERR_ROUTE_TABLE_INVALID');
    expect(error.issues.length).toBeGreaterThanOrEqual(2);
    expect(error.issues.every((i) => i.path.startsWith('methods['))).toBe(true);
  });

  it('refuses duplicate and unsorted calls and aliases of nothing', () => {
    const entry = (call: string) => ({ call, method: 'GET', path: '/v1/x', route: null });
    const error = errorOf(() =>
      compileSdkMethods(
        {
          sdk: 'stripe',
          version: '1.0.0',
          generatedBy: 'x',
          aliases: { c: 'nothing' },
          methods: [entry('b.list'), entry('a.list'), entry('a.list')],
        },
        'test.json',
      ),
    );
    expect(error.issues.map((i) => [i.code, i.path])).toEqual([
      ['unsorted_methods', 'methods[1].call'],
      ['duplicate_method', 'methods[2].call'],
      ['unknown_alias_target', 'aliases["c"]'],
    ]);
    expect(error.message).toMatch(/^SDK method table `test.json` is invalid \(3 problems\):\n/);
  });

  it('reports text that is not JSON', () => {
    const error = errorOf(() => parseSdkMethods('{', 'x.json'));
    expect(error.code).toBe('ERR_ROUTE_TABLE_INVALID');
    expect(error.issues[0]?.code).toBe('invalid_json');
  });
});

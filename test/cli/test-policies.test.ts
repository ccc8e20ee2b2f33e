import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];

/** A temporary directory holding `files` (objects are written as JSON, strings as they are). */
function project(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'appscope-policy-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(
      join(dir, name),
      typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`,
    );
  }
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const test = (cwd: string, ...args: string[]) => runCli(['test', ...args], { cwd });

const READER = {
  grants: ['customer_read', 'invoice_read'],
  cases: [
    { request: 'GET /v1/customers', expect: 'allow' },
    { request: 'GET /v1/customers?expand[]=data.default_source', expect: 'allow' },
    { request: 'GET /v1/credit_notes', expect: 'allow' },
    { request: 'GET /v1/charges', expect: 'deny' },
    { request: 'POST /v1/customers', data: 'name=Jenny', expect: 'deny', missing: [['customer_write']] },
  ],
};

describe('appscope test', () => {
  it('passes when every case is decided as expected (exit 0)', async () => {
    const dir = project({ 'reader.appscope-test.json': READER });
    const run = await test(dir);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('5 passed, 0 failed\n');
    expect(run.code).toBe(0);
  });

  it('lists each failing case with the evidence of its decision (exit 1)', async () => {
    const dir = project({
      'writer.appscope-test.json': {
        grants: ['customer_write'],
        cases: [
          { request: 'GET /v1/customers', expect: 'deny' },
          { request: 'GET /v1/invoices/in_1?expand[]=charge', expect: 'allow' },
          { request: 'POST /v1/customers', expect: 'allow' },
        ],
      },
    });
    const run = await test(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        'FAIL  writer.appscope-test.json cases[0]: GET /v1/customers',
        '  expected deny, got allow',
        '    1. customer_read  — GET /v1/customers reads customer  ✓ via customer_write → customer_read',
        'FAIL  writer.appscope-test.json cases[1]: GET /v1/invoices/in_1?expand[]=charge',
        '  expected allow, got deny (403 more_permissions_required)',
        '    1. invoice_read  — GET /v1/invoices/{invoice} reads invoice  ✗ missing',
        '    2. charge_read  — expand `charge`  ✗ missing',
        '1 passed, 2 failed',
        '',
      ].join('\n'),
    );
  });

  it('gates expand, in the query string and in a POST body', async () => {
    const dir = project({
      'expand.appscope-test.json': {
        grants: ['invoice_write'],
        cases: [
          {
            request: 'GET /v1/invoices/in_1?expand[]=customer',
            expect: 'deny',
            missing: [['customer_read']],
          },
          { request: 'POST /v1/invoices/in_1', data: 'expand[]=customer', expect: 'deny' },
          { request: 'POST /v1/invoices/in_1', data: 'description=x', expect: 'allow' },
          { request: 'GET /v1/invoices/in_1?expand[]=charge', expect: 'deny', missing: [['charge_read']] },
        ],
      },
    });
    const run = await test(dir, '--json');
    expect(run.json()).toMatchObject({ passed: 4, failed: 0, errors: [] });
    expect(run.code).toBe(0);
  });

  it('compares `missing` as a set of groups, each a set of permissions', async () => {
    const dir = project({
      'missing.appscope-test.json': {
        grants: ['invoice_read'],
        cases: [
          {
            request: 'GET /v1/customers/cus_1?expand[]=default_source',
            expect: 'deny',
            missing: [['source_read', 'customer_read'], ['customer_read']],
          },
          {
            request: 'GET /v1/customers/cus_1?expand[]=default_source',
            expect: 'deny',
            missing: [['customer_read']],
          },
        ],
      },
    });
    const run = await test(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        'FAIL  missing.appscope-test.json cases[1]: GET /v1/customers/cus_1?expand[]=default_source',
        '  expected deny (missing: customer_read), got deny (403 more_permissions_required; missing: customer_read; any of customer_read, source_read)',
        '    1. customer_read  — GET /v1/customers/{customer} reads customer  ✗ missing',
        '    2. any of customer_read, source_read  — expand `default_source`  ✗ missing',
        '1 passed, 1 failed',
        '',
      ].join('\n'),
    );
    const json = (await test(dir, '--json')).json() as { results: unknown[] };
    expect(json.results[1]).toEqual({
      file: 'missing.appscope-test.json',
      case: 1,
      request: 'GET /v1/customers/cus_1?expand[]=default_source',
      expect: 'deny',
      actual: 'deny',
      ok: false,
      expectedMissing: [['customer_read']],
      missing: [['customer_read'], ['customer_read', 'source_read']],
    });
  });

  it('prints the --json contract: passed, failed, results and errors', async () => {
    const dir = project({
      'a.appscope-test.json': {
        grants: ['customer_read'],
        cases: [
          { request: 'GET /v1/customers', expect: 'allow' },
          { request: 'GET /v1/charges', expect: 'allow' },
        ],
      },
    });
    const run = await test(dir, '--json');
    expect(run.code).toBe(1);
    expect(run.json()).toEqual({
      passed: 1,
      failed: 1,
      results: [
        {
          file: 'a.appscope-test.json',
          case: 0,
          request: 'GET /v1/customers',
          expect: 'allow',
          actual: 'allow',
          ok: true,
        },
        {
          file: 'a.appscope-test.json',
          case: 1,
          request: 'GET /v1/charges',
          expect: 'allow',
          actual: 'deny',
          ok: false,
          missing: [['charge_read']],
        },
      ],
      errors: [],
    });
  });

  it('grants what a manifest requests, the manifest found relative to the test file', async () => {
    const dir = project({
      'app/stripe-app.json': {
        id: 'com.example.reports',
        version: '2.0.0',
        name: 'Reports',
        icon: '',
        stripe_api_access_type: 'platform',
        permissions: [
          { permission: 'charge_read', purpose: 'totals' },
          { permission: 'customer_read', purpose: 'names' },
        ],
      },
      'app/policies/reports.appscope-test.json': {
        manifest: '../stripe-app.json',
        cases: [
          { request: 'GET /v1/charges?expand[]=data.customer', expect: 'allow' },
          { request: 'POST /v1/refunds', data: 'charge=ch_1', expect: 'deny', missing: [['charge_write']] },
        ],
      },
    });
    const run = await test(dir, 'app/policies/reports.appscope-test.json');
    expect(run.stdout).toBe('2 passed, 0 failed\n');
    expect(run.code).toBe(0);
  });

  it('finds test files recursively, in name order, skipping node_modules and hidden directories', async () => {
    const one = { grants: ['customer_read'], cases: [{ request: 'GET /v1/customers', expect: 'allow' }] };
    const dir = project({
      'b/two.appscope-test.json': one,
      'a/deep/one.appscope-test.json': one,
      'node_modules/dep/broken.appscope-test.json': '{',
      '.appscope/broken.appscope-test.json': '{',
      'not-a-test.json': '{',
    });
    const run = await test(dir, '--json');
    expect(run.code).toBe(0);
    const files = (run.json() as { results: { file: string }[] }).results.map((r) => r.file);
    expect(files).toEqual(['a/deep/one.appscope-test.json', 'b/two.appscope-test.json']);
    // a directory argument is searched the same way
    const only = await test(dir, 'b', '--json');
    expect((only.json() as { passed: number }).passed).toBe(1);
  });

  it('reports a request refused before any decision as a deny, with the gateway answer as evidence', async () => {
    const dir = project({
      'refused.appscope-test.json': {
        grants: ['customer_read'],
        cases: [{ request: 'GET /v1/customers?a=1&a[b]=2', expect: 'allow' }],
      },
    });
    const run = await test(dir, '--json');
    expect(run.code).toBe(1);
    expect((run.json() as { results: unknown[] }).results[0]).toEqual({
      file: 'refused.appscope-test.json',
      case: 0,
      request: 'GET /v1/customers?a=1&a[b]=2',
      expect: 'allow',
      actual: 'deny',
      ok: false,
      refused: {
        status: 400,
        code: 'parameter_mixed_types',
        message: 'Invalid parameter `a[b]`: `a` is given as more than one of a value, a list and a hash.',
      },
    });
    const text = await test(dir);
    expect(text.stdout).toContain(
      '  expected allow, got deny: refused (400 parameter_mixed_types): Invalid parameter `a[b]`',
    );
  });

  it('reports an unknown endpoint as an error of the file, not a failed case, and runs the other cases', async () => {
    const dir = project({
      'typo.appscope-test.json': {
        grants: ['customer_read'],
        cases: [
          { request: 'GET /v1/custmers', expect: 'deny' },
          { request: 'GET /v1/customers', expect: 'allow' },
        ],
      },
    });
    const run = await test(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [
        'ERROR typo.appscope-test.json: 1 problem',
        '  error   unknown_endpoint             cases[0].request: unknown endpoint `GET /v1/custmers`; did you mean `GET /v1/customers`?',
        '1 passed, 0 failed; 1 error in 1 file',
        '',
      ].join('\n'),
    );
    expect((await test(dir, '--json')).json()).toEqual({
      passed: 1,
      failed: 0,
      results: [expect.objectContaining({ case: 1, ok: true })],
      errors: [
        {
          file: 'typo.appscope-test.json',
          issues: [
            {
              severity: 'error',
              code: 'unknown_endpoint',
              path: 'cases[0].request',
              message: 'unknown endpoint `GET /v1/custmers`; did you mean `GET /v1/customers`?',
            },
          ],
        },
      ],
    });
  });

  describe('invalid test files (every problem, with its path; exit 1)', () => {
    it('names the line and column of a JSON syntax error', async () => {
      const dir = project({
        'bad.appscope-test.json': '{\n  "grants": ["customer_read",],\n  "cases": []\n}\n',
      });
      const run = await test(dir, '--json');
      expect(run.code).toBe(1);
      expect(run.json()).toEqual({
        passed: 0,
        failed: 0,
        results: [],
        errors: [
          {
            file: 'bad.appscope-test.json',
            issues: [
              {
                severity: 'error',
                code: 'invalid_json',
                path: '',
                message: 'not valid JSON at line 2, column 30: trailing comma before `]`',
              },
            ],
          },
        ],
      });
    });

    it('lists every problem: unknown permissions and fields with did-you-mean, grants and manifest, bad cases', async () => {
      const dir = project({
        'many.appscope-test.json': {
          grants: ['customer_raed'],
          manifest: 'stripe-app.json',
          cases: [
            { request: 'GET', expect: 'allowed' },
            { request: 'GET /v1/charges', expect: 'deny', missing: [['chrge_read']] },
            { request: 'GET /v1/customers', expect: 'allow', missing: [['customer_read']] },
            { request: 'GET /v1/customers', data: 'limit=3', expect: 'allow' },
            { request: 'GET /v1/customers', expected: 'allow' },
          ],
        },
      });
      const run = await test(dir, '--json');
      expect(run.code).toBe(1);
      const { errors } = run.json() as {
        errors: { issues: { code: string; path: string; message: string }[] }[];
      };
      expect(errors).toHaveLength(1);
      expect(
        errors[0]!.issues.map(({ code, path, message }) => `${code} ${path}: ${message}`).sort(),
      ).toEqual(
        [
          'invalid_value cases[0].expect: unknown outcome `allowed`; did you mean `allow`?',
          'unknown_field cases[4].expected: unknown field `expected`; did you mean `expect`?',
          'missing_field cases[4].expect: missing required field `expect`',
          'grants_and_manifest manifest: give either `grants` or `manifest`, not both',
          'unknown_permission grants[0]: unknown permission `customer_raed`; did you mean `customer_read`?',
          'invalid_request_line cases[0].request: invalid request line `GET`: expected `METHOD /path`, e.g. `GET /v1/customers`',
          'unknown_permission cases[1].missing[0][0]: unknown permission `chrge_read`; did you mean `charge_read`?',
          'missing_with_allow cases[2].missing: `missing` lists what a denial lacks: give it only with `"expect": "deny"`',
          "data_without_body cases[3].data: `data` is a request body: `GET` requests have none (put parameters in the request line's query string)",
          'unreadable manifest: no manifest at `stripe-app.json` (relative to the test file)',
        ].sort(),
      );
      const text = await test(dir);
      expect(text.stdout).toContain('ERROR many.appscope-test.json: 10 problems\n');
      expect(text.stdout).toContain(
        'unknown_permission           grants[0]: unknown permission `customer_raed`; did you mean `customer_read`?',
      );
      expect(text.stdout).toMatch(/0 passed, 0 failed; 10 errors in 1 file\n$/);
    });

    it('needs one of grants and manifest, and at least one case', async () => {
      const dir = project({ 'empty.appscope-test.json': { cases: [] } });
      const run = await test(dir, '--json');
      expect(run.code).toBe(1);
      const { errors } = run.json() as { errors: { issues: { code: string; path: string }[] }[] };
      expect(errors[0]!.issues.map((i) => `${i.code} ${i.path}`)).toEqual([
        'missing_grants ',
        'too_few_items cases',
      ]);
    });

    it("reports a manifest's errors under `manifest`, naming the manifest", async () => {
      const dir = project({
        'stripe-app.json': {
          id: 'com.example.x',
          version: '1.0.0',
          name: 'X',
          icon: '',
          permissions: [{ permission: 'customer_reed', purpose: 'p' }],
        },
        'x.appscope-test.json': {
          manifest: 'stripe-app.json',
          cases: [{ request: 'GET /v1/customers', expect: 'allow' }],
        },
      });
      const run = await test(dir, '--json');
      expect(run.code).toBe(1);
      expect((run.json() as { errors: unknown[] }).errors).toEqual([
        {
          file: 'x.appscope-test.json',
          issues: [
            {
              severity: 'error',
              code: 'unknown_permission',
              path: 'manifest',
              message:
                '`stripe-app.json` permissions[0].permission: unknown permission `customer_reed`; did you mean `customer_read`?',
              suggestion: 'customer_read',
            },
          ],
        },
      ]);
    });
  });

  it("decides with the file's own catalog and route table (platform mode)", async () => {
    const catalog = {
      formatVersion: 1,
      name: 'notes',
      resources: [
        { resource: 'Note', description: 'Grants access to notes', permissions: ['note_read', 'note_write'] },
        { resource: 'User', description: 'Grants access to users', permissions: ['user_read'] },
      ],
    };
    const routes = {
      formatVersion: 1,
      name: 'notes',
      routes: [
        {
          method: 'GET',
          path: '/v1/notes/{note}',
          operation: 'GetNote',
          resource: 'note',
          response: ['note'],
          anyOf: ['note_read'],
        },
        {
          method: 'POST',
          path: '/v1/notes',
          operation: 'PostNotes',
          resource: 'note',
          response: ['note'],
          anyOf: ['note_write'],
        },
      ],
      types: { note: { read: ['note_read'], expand: { author: ['user'] } }, user: { read: ['user_read'] } },
    };
    const dir = project({
      'api/catalog.json': catalog,
      'api/routes.json': routes,
      'tests/notes.appscope-test.json': {
        catalog: '../api/catalog.json',
        routes: '../api/routes.json',
        grants: ['note_write'],
        cases: [
          { request: 'GET /v1/notes/n_1', expect: 'allow' },
          { request: 'POST /v1/notes', data: 'text=hi', expect: 'allow' },
          { request: 'GET /v1/notes/n_1?expand[]=author', expect: 'deny', missing: [['user_read']] },
        ],
      },
      'tests/typo.appscope-test.json': {
        catalog: '../api/catalog.json',
        routes: '../api/routes.json',
        grants: ['note_raed'],
        cases: [{ request: 'GET /v1/notes/n_1', expect: 'allow' }],
      },
      'tests/no-routes.appscope-test.json': {
        catalog: '../api/missing.json',
        grants: ['note_read'],
        cases: [{ request: 'GET /v1/notes/n_1', expect: 'allow' }],
      },
    });
    const run = await test(dir, '--json');
    expect(run.json()).toEqual({
      passed: 3,
      failed: 0,
      results: [
        expect.objectContaining({ file: 'tests/notes.appscope-test.json', ok: true }),
        expect.objectContaining({ ok: true }),
        expect.objectContaining({ ok: true }),
      ],
      errors: [
        {
          file: 'tests/no-routes.appscope-test.json',
          issues: [
            {
              severity: 'error',
              code: 'unreadable',
              path: 'catalog',
              message: 'no catalog at `../api/missing.json` (relative to the test file)',
            },
          ],
        },
        {
          file: 'tests/typo.appscope-test.json',
          issues: [
            {
              severity: 'error',
              code: 'unknown_permission',
              path: 'grants[0]',
              message: 'unknown permission `note_raed`; did you mean `note_read`?',
              suggestion: 'note_read',
            },
          ],
        },
      ],
    });
    expect(run.code).toBe(1);
  });

  describe('usage errors (exit 2)', () => {
    it('refuses a file that does not exist', async () => {
      const dir = project({});
      const run = await test(dir, 'nope.appscope-test.json');
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('appscope: no test file or directory at `nope.appscope-test.json`\n');
    });

    it('refuses to run nothing: no test files found', async () => {
      const dir = project({ 'node_modules/x/a.appscope-test.json': READER });
      const run = await test(dir, '--json');
      expect(run.code).toBe(2);
      expect(run.json()).toEqual({
        error: {
          code: 'ERR_USAGE',
          message: 'no `*.appscope-test.json` files under `.` (pass files or directories to run)',
        },
      });
    });
  });

  it('runs the example: examples/policies/customer-insights.appscope-test.json', async () => {
    const run = await runCli(['test', 'examples/policies'], { cwd: repo });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('9 passed, 0 failed\n');
    expect(run.code).toBe(0);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

/** `appscope scan` on a small app: the report, the manifest comparison, --fix, --format rak, exit codes. */

let dir: string;

const CODE = `import Stripe from 'stripe';
const stripe = new Stripe(process.env.STRIPE_API_KEY!);

export async function invoice(id: string) {
  return stripe.invoices.retrieve(id, { expand: ['subscription'] });
}

export async function customers() {
  for await (const customer of stripe.customers.list()) console.log(customer.id);
}

export async function anything(name: string) {
  return (stripe as any)[name].list();
}
`;

function manifest(permissions: [string, string][]): string {
  return `${JSON.stringify(
    {
      id: 'com.example.scan',
      version: '1.0.0',
      name: 'Scan example',
      icon: '',
      permissions: permissions.map(([permission, purpose]) => ({ permission, purpose })),
    },
    null,
    2,
  )}\n`;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-scan-'));
  writeFileSync(join(dir, 'app.ts'), CODE);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const scan = (...args: string[]) => runCli(['scan', ...args], { cwd: dir });

describe('appscope scan', () => {
  it('reports each call with its operation and requirement, and the minimal set (no manifest: exit 0)', async () => {
    const run = await scan('--json');
    expect(run.code).toBe(0);
    const report = run.json() as Record<string, unknown>;
    expect(report['calls']).toEqual([
      {
        file: 'app.ts',
        line: 5,
        column: 10,
        via: 'stripe.invoices.retrieve',
        operation: 'GET /v1/invoices/{invoice}',
        expand: ['subscription'],
        requires: [['invoice_read'], ['subscription_read']],
      },
      {
        file: 'app.ts',
        line: 9,
        column: 32,
        via: 'stripe.customers.list',
        operation: 'GET /v1/customers',
        expand: [],
        requires: [['customer_read']],
      },
    ]);
    expect(report['unresolved']).toMatchObject([{ file: 'app.ts', line: 13, code: 'computed_member' }]);
    expect(report['permissions']).toEqual(['customer_read', 'invoice_read', 'subscription_read']);
    expect(report['manifest']).toBeUndefined();
  });

  it('groups the text report by permission, with the call sites under each', async () => {
    const run = await scan();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 calls found, 1 unresolved');
    expect(run.stdout).toContain(
      '  subscription_read\n    app.ts:5:10  stripe.invoices.retrieve  GET /v1/invoices/{invoice}  expand subscription\n',
    );
    expect(run.stdout).toContain(
      '  customer_read\n    app.ts:9:32  stripe.customers.list  GET /v1/customers\n',
    );
    expect(run.stdout).toContain('unresolved (not counted above):');
  });

  it('compares with the manifest in the folder: missing is exit 1, unused and redundant only with --strict', async () => {
    writeFileSync(
      join(dir, 'stripe-app.json'),
      manifest([
        ['invoice_read', 'Show invoices'],
        ['customer_write', 'Customers'],
        ['customer_read', 'Read customers'],
        ['payout_read', 'Payouts'],
      ]),
    );
    const run = await scan('--json');
    expect(run.code).toBe(1);
    expect((run.json() as { manifest: unknown }).manifest).toEqual({
      path: 'stripe-app.json',
      requested: ['customer_read', 'customer_write', 'invoice_read', 'payout_read'],
      missing: ['subscription_read'],
      unused: ['payout_read'],
      redundant: ['customer_read'],
      wider: [{ permission: 'customer_write', narrower: ['customer_read'] }],
    });
    writeFileSync(
      join(dir, 'stripe-app.json'),
      manifest([
        ['invoice_read', 'Show invoices'],
        ['customer_read', 'Read customers'],
        ['subscription_read', 'Subscriptions'],
        ['payout_read', 'Payouts'],
      ]),
    );
    expect((await scan()).code).toBe(0);
    const strict = await scan('--strict');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('  unused:    payout_read');
  });

  it('--fix adds what is missing (purpose naming the calls), removes unused and redundant, keeps the rest', async () => {
    const path = join(dir, 'stripe-app.json');
    writeFileSync(
      path,
      manifest([
        ['invoice_read', 'Show the invoices of an order'],
        ['customer_write', 'Customers'],
        ['customer_read', 'Read customers'],
        ['payout_read', 'Payouts'],
      ]),
    );
    const run = await scan('--fix', '--json');
    expect(run.code).toBe(0);
    const fixed = JSON.parse(readFileSync(path, 'utf8')) as {
      permissions: { permission: string; purpose: string }[];
    };
    const byName = Object.fromEntries(fixed.permissions.map((p) => [p.permission, p.purpose]));
    expect(Object.keys(byName).sort()).toEqual(['customer_write', 'invoice_read', 'subscription_read']);
    expect(byName['invoice_read']).toBe('Show the invoices of an order');
    expect(byName['subscription_read']).toContain('GET /v1/invoices/{invoice} (app.ts:5)');
    // the report printed is the one after the fix
    expect((run.json() as { manifest: { missing: string[]; unused: string[] } }).manifest).toMatchObject({
      missing: [],
      unused: [],
      redundant: [],
    });
    expect((await runCli(['manifest', 'validate'], { cwd: dir })).code).toBe(0);
  });

  it('prints the restricted-key form with --format rak', async () => {
    const run = await scan('--format', 'rak');
    expect(run.code).toBe(0);
    // one row per resource, the chosen level filled in (●): the form's radio buttons
    const row = (resource: string) =>
      run.stdout.split('\n').find((line) => new RegExp(`^${resource}\\s{2,}`).test(line));
    expect(row('Customer')).toMatch(/^Customer\s+○\s+●\s+○$/);
    expect(row('Invoice')).toMatch(/^Invoice\s+○\s+●\s+○$/);
    expect(row('Charge')).toMatch(/^Charge\s+●\s+○\s+○$/);
  });

  it('refuses usage errors with exit 2', async () => {
    expect((await scan('--format', 'yaml')).code).toBe(2);
    expect((await scan('nowhere')).code).toBe(2);
    expect((await scan('--fix')).code).toBe(2); // no manifest to fix
    expect((await scan('--manifest', 'missing.json')).code).toBe(2);
  });
});

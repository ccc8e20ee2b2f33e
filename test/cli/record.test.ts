import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

/**
 * `appscope record -- COMMAND`: a real child process using the official `stripe` SDK, pointed
 * at the recording gateway by the environment it is given, and the report of its calls.
 */

const stripeModule = createRequire(import.meta.url).resolve('stripe');
let dir: string;

const APP = `const Stripe = require(${JSON.stringify(stripeModule)});
const stripe = new Stripe(process.env.STRIPE_API_KEY, {
  host: process.env.STRIPE_HOST,
  port: Number(process.env.STRIPE_PORT),
  protocol: process.env.STRIPE_PROTOCOL,
  maxNetworkRetries: 0,
  telemetry: false,
});
(async () => {
  const customer = await stripe.customers.create({ email: 'a@example.com' });
  await stripe.customers.retrieve(customer.id, { expand: ['default_source'] });
  await stripe.customers.retrieve(customer.id);
  for await (const c of stripe.customers.list({ limit: 1 })) void c;
  await stripe.invoices.list({ expand: ['data.subscription'] });
  console.log('app done');
  process.exit(Number(process.argv[2] ?? 0));
})().catch((error) => {
  console.error(error);
  process.exit(9);
});
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-record-'));
  writeFileSync(join(dir, 'app.cjs'), APP);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (...args: string[]) =>
  runCli(['record', ...args], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' } });

describe('appscope record', () => {
  it('runs the command against a recording gateway and reports the calls it made', async () => {
    const run = await record('--json', '--', process.execPath, 'app.cjs');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('app done'); // the command's output, kept off the report
    const report = run.json() as {
      exitCode: number;
      calls: { operation: string; requires: string[][]; count: number }[];
      permissions: string[];
    };
    expect(report.exitCode).toBe(0);
    expect(report.calls).toEqual([
      { via: 'recorded', operation: 'POST /v1/customers', requires: [['customer_write']], count: 1 },
      {
        via: 'recorded',
        operation: 'GET /v1/customers/{customer}',
        requires: [['customer_read'], ['customer_read', 'source_read']],
        count: 1,
      },
      { via: 'recorded', operation: 'GET /v1/customers/{customer}', requires: [['customer_read']], count: 1 },
      { via: 'recorded', operation: 'GET /v1/customers', requires: [['customer_read']], count: 1 },
      {
        via: 'recorded',
        operation: 'GET /v1/invoices',
        requires: [['invoice_read'], ['subscription_read']],
        count: 1,
      },
    ]);
    expect(report.permissions).toEqual(['customer_write', 'invoice_read', 'subscription_read']);
  });

  it("keeps the command's exit code, and with --strict fails when the manifest lacks a permission", async () => {
    expect((await record('--', process.execPath, 'app.cjs', '3')).code).toBe(3);
    writeFileSync(
      join(dir, 'stripe-app.json'),
      JSON.stringify({
        id: 'com.example.recorded',
        version: '1.0.0',
        name: 'Recorded',
        icon: '',
        permissions: [{ permission: 'customer_write', purpose: 'Customers' }],
      }),
    );
    try {
      const plain = await record('--', process.execPath, 'app.cjs');
      expect(plain.code).toBe(0);
      expect(plain.stdout).toContain('  missing:   invoice_read, subscription_read');
      expect((await record('--strict', '--', process.execPath, 'app.cjs')).code).toBe(1);
    } finally {
      rmSync(join(dir, 'stripe-app.json'));
    }
  });

  it('refuses a command that cannot run', async () => {
    const run = await record('--', join(dir, 'no-such-program'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot run');
  });
});

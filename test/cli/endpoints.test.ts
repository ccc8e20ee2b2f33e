import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

describe('appscope endpoints resolve', () => {
  it('prints the documented JSON shape', async () => {
    const run = await runCli([
      'endpoints',
      'resolve',
      'GET /v1/customers/cus_123?expand[]=default_source',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const body = run.json() as Record<string, unknown>;
    expect(body).toMatchObject({
      method: 'GET',
      path: '/v1/customers/cus_123',
      operation: 'GetCustomersCustomer',
    });
    expect(body['requires']).toEqual([
      { anyOf: ['customer_read'], reason: expect.any(String) },
      { anyOf: expect.arrayContaining(['source_read']), reason: 'expand `default_source`' },
    ]);
  });

  it('decides against a grant with --grant, naming the implication used', async () => {
    const run = await runCli([
      'endpoints',
      'resolve',
      'GET /v1/balance_transactions/txn_1?expand[]=source',
      '--grant',
      'balance_transaction_source_read',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('via balance_transaction_source_read → balance_read');
    expect(run.stdout).toContain('decision:  allowed');
    const denied = await runCli([
      'endpoints',
      'resolve',
      'POST /v1/refunds',
      '--grant',
      'charge_read',
      '--json',
    ]);
    expect((denied.json() as { decision: { allowed: boolean; missing: string[][] } }).decision).toMatchObject(
      {
        allowed: false,
        missing: [['charge_write']],
      },
    );
  });

  it('fails with exit 1 on an unknown endpoint', async () => {
    const run = await runCli(['endpoints', 'resolve', 'GET /v1/nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown endpoint `GET /v1/nope`');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

describe('appscope permissions explain', () => {
  it('prints the documented JSON shape', async () => {
    const run = await runCli(['permissions', 'explain', 'invoice_write', '--json']);
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({
      permission: 'invoice_write',
      resource: 'Invoice',
      access: 'write',
      description: 'Grants access to Invoices',
      implies: ['credit_note_read', 'invoice_read'],
      directlyImplies: ['credit_note_read', 'invoice_read'],
      impliedBy: [],
      companions: [],
    });
  });

  it('lists what implies a permission and its companions', async () => {
    const run = await runCli(['permissions', 'explain', 'payment_intent_read', '--json']);
    expect(run.json()).toMatchObject({
      impliedBy: ['checkout_session_read', 'checkout_session_write', 'payment_intent_write'],
      companions: [{ permission: 'elements_write', note: expect.stringContaining('Stripe.js Elements') }],
    });
  });

  it('explains for people, with the implication chain', async () => {
    const run = await runCli(['permissions', 'explain', 'balance_transaction_source_read']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('payout_read (via transfer_read)');
    expect(run.stdout).toContain('Grants access to expand the source attribute');
  });

  it('fails with did-you-mean on an unknown permission', async () => {
    const run = await runCli(['permissions', 'explain', 'customr_read']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'appscope: unknown permission `customr_read` in catalog `stripe-apps`; did you mean `customer_read`?\n',
    );
    const json = await runCli(['permissions', 'explain', 'customr_read', '--json']);
    expect(json.json()).toEqual({
      error: {
        code: 'ERR_UNKNOWN_PERMISSION',
        message: 'unknown permission `customr_read` in catalog `stripe-apps`; did you mean `customer_read`?',
      },
    });
  });
});

describe('appscope permissions list', () => {
  it('lists all 90 permissions of the built-in catalog as JSON', async () => {
    const run = await runCli(['permissions', 'list', '--json']);
    const body = run.json() as { catalog: string; permissions: { permission: string; implies: string[] }[] };
    expect(body.catalog).toBe('stripe-apps');
    expect(body.permissions).toHaveLength(90);
    expect(body.permissions.find((p) => p.permission === 'transfer_write')!.implies).toEqual([
      'payout_read',
      'transfer_read',
    ]);
  });

  it('prints a table for people', async () => {
    const run = await runCli(['permissions', 'list', '--resource', 'customer']);
    expect(run.stdout.split('\n')[0]).toMatch(/^RESOURCE\s+PERMISSION\s+ACCESS\s+ALSO GRANTS$/);
    expect(run.stdout).toMatch(/Customer portal\s+customer_portal_write\s+write\s+customer_portal_read/);
    expect(run.stdout).toContain('4 permissions in 2 resources');
  });

  it('uses a custom catalog with --catalog, and rejects a broken one listing every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-cli-'));
    writeFileSync(
      join(dir, 'ok.json'),
      JSON.stringify({
        formatVersion: 1,
        name: 'widgets',
        resources: [{ resource: 'Widget', description: 'W', permissions: ['widget_read'] }],
      }),
    );
    const ok = await runCli(['--catalog', 'ok.json', 'permissions', 'list', '--json'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({ catalog: 'widgets', permissions: [{ permission: 'widget_read' }] });

    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        formatVersion: 1,
        name: 'widgets',
        resources: [
          {
            resource: 'Widget',
            description: 'W',
            permissions: ['widget_read', 'widget_read'],
            implies: ['widget_reed'],
          },
        ],
      }),
    );
    const bad = await runCli(['--catalog', 'bad.json', 'permissions', 'list'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is invalid (2 problems)');
    expect(bad.stderr).toContain('duplicate_permission');
    expect(bad.stderr).toContain('did you mean `widget_read`?');
  });

  it('exits 2 on a usage error', async () => {
    const run = await runCli(['permissions', 'lst']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'lst'");
  });
});

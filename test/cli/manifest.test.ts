import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const V1 = `{
  "id": "com.example.orders",
  "version": "1.0.0",
  "name": "Orders",
  "icon": "./icon.png",
  "permissions": [
    { "permission": "customer_write", "purpose": "Tag customers with their orders" }
  ]
}
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-manifest-'));
  writeFileSync(join(dir, 'stripe-app.json'), V1);
});
const manifestText = () => readFileSync(join(dir, 'stripe-app.json'), 'utf8');

describe('appscope manifest validate', () => {
  it('defaults to ./stripe-app.json and exits 0 when valid', async () => {
    const run = await runCli(['manifest', 'validate', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({ valid: true, issues: [] });
  });

  it('exits 1 and lists every issue when invalid', async () => {
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        id: 'has spaces',
        version: '1',
        name: 'x',
        icon: './icon.png',
        permissions: [{ permission: 'customers_read', purpose: '' }, { permission: 'customer_write' }],
      }),
    );
    const run = await runCli(['manifest', 'validate', 'bad.json', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const body = run.json() as {
      valid: boolean;
      issues: { code: string; path: string; suggestion?: string }[];
    };
    expect(body.valid).toBe(false);
    expect(body.issues.map((i) => [i.code, i.path])).toEqual([
      ['invalid_id', 'id'],
      ['unknown_permission', 'permissions[0].permission'],
      ['empty_purpose', 'permissions[0].purpose'],
      ['missing_purpose', 'permissions[1].purpose'],
    ]);
    expect(body.issues[1]!.suggestion).toBe('customer_read');
    const human = await runCli(['manifest', 'validate', 'bad.json'], { cwd: dir });
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('bad.json: invalid (4 errors)');
  });

  it('exits 0 with warnings, and 2 when the file is missing', async () => {
    writeFileSync(
      join(dir, 'warn.json'),
      V1.replace(
        '"Tag customers with their orders" }',
        '"Tag customers" },\n    { "permission": "customer_read", "purpose": "Read them" }',
      ),
    );
    const warn = await runCli(['manifest', 'validate', 'warn.json'], { cwd: dir });
    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain('redundant_permission');
    expect(warn.stdout).toContain('warn.json: valid (1 warning)');
    const missing = await runCli(['manifest', 'validate', 'nope.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no manifest at `nope.json`');
  });
});

describe('appscope grant / revoke', () => {
  it('grants and revokes a permission keeping the formatting', async () => {
    const grant = await runCli(['grant', 'permission', 'invoice_read', 'Show invoices'], { cwd: dir });
    expect(grant.code).toBe(0);
    expect(manifestText()).toBe(
      V1.replace(
        '"Tag customers with their orders" }',
        '"Tag customers with their orders" },\n    { "permission": "invoice_read", "purpose": "Show invoices" }',
      ),
    );
    const revoke = await runCli(['revoke', 'permission', 'invoice_read'], { cwd: dir });
    expect(revoke.code).toBe(0);
    expect(manifestText()).toBe(V1);
  });

  it('refuses an unknown permission with did-you-mean and leaves the file untouched', async () => {
    const run = await runCli(['grant', 'permission', 'invoice_wrte', 'x'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('did you mean `invoice_write`?');
    expect(manifestText()).toBe(V1);
  });

  it('grants and revokes a connect-src URL', async () => {
    const grant = await runCli(['grant', 'url', 'https://api.example.com/orders/', 'Sync orders'], {
      cwd: dir,
    });
    expect(grant.code).toBe(0);
    expect(JSON.parse(manifestText()).ui_extension.content_security_policy).toEqual({
      'connect-src': ['https://api.example.com/orders/'],
      purpose: 'Sync orders',
    });
    const bad = await runCli(['grant', 'url', 'http://api.example.com', 'x'], { cwd: dir });
    expect(bad.code).toBe(1);
    const revoke = await runCli(['revoke', 'connect-src', 'https://api.example.com/orders/', '--json'], {
      cwd: dir,
    });
    expect(revoke.code).toBe(0);
    expect(JSON.parse(manifestText()).ui_extension.content_security_policy['connect-src']).toEqual([]);
  });

  it('takes --manifest', async () => {
    writeFileSync(join(dir, 'other.json'), V1);
    const run = await runCli(
      ['grant', 'permission', 'coupon_read', 'Discounts', '--manifest', 'other.json'],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, 'other.json'), 'utf8')).toContain('coupon_read');
    expect(manifestText()).toBe(V1);
  });
});

describe('appscope manifest diff', () => {
  it('reports requested and effective changes and whether they elevate', async () => {
    writeFileSync(join(dir, 'v2.json'), V1.replace('customer_write', 'invoice_write'));
    const run = await runCli(['manifest', 'diff', 'stripe-app.json', 'v2.json', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({
      added: ['invoice_write'],
      removed: ['customer_write'],
      effectiveAdded: ['credit_note_read', 'invoice_read', 'invoice_write'],
      effectiveRemoved: ['billing_clock_read', 'customer_read', 'customer_write'],
      elevates: true,
    });
  });

  it('does not elevate when the new request is covered by the old closure', async () => {
    writeFileSync(join(dir, 'v2.json'), V1.replace('customer_write', 'customer_read'));
    const run = await runCli(['manifest', 'diff', 'stripe-app.json', 'v2.json'], { cwd: dir });
    expect(run.stdout).toContain('does not elevate access');
  });

  it('refuses an invalid manifest', async () => {
    writeFileSync(join(dir, 'v2.json'), '{"id": 1}');
    const run = await runCli(['manifest', 'diff', 'stripe-app.json', 'v2.json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('manifest `v2.json` is invalid');
  });
});

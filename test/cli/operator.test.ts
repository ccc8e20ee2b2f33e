import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

let dir: string;
const cli = (...argv: string[]) => runCli(['--data-dir', join(dir, 'data'), ...argv], { cwd: dir });

function writeManifest(name: string, version: string, permissions: string[], access = 'restricted_api_key') {
  writeFileSync(
    join(dir, name),
    JSON.stringify({
      id: 'com.example.orders',
      version,
      name: 'Orders',
      icon: '',
      distribution_type: 'public',
      stripe_api_access_type: access,
      permissions: permissions.map((permission) => ({ permission, purpose: `needs ${permission}` })),
    }),
  );
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-operator-'));
});

describe('operator commands on the local database', () => {
  it('runs the install lifecycle from the CLI', async () => {
    const created = await cli('accounts', 'create', '--name', 'Developer', '--json');
    expect(created.code).toBe(0);
    const developer = created.json() as { id: string; secret_keys: { test: string; live: string } };
    expect(developer.id).toMatch(/^acct_/);
    expect(developer.secret_keys.test).toMatch(/^sk_test_/);
    expect(developer.secret_keys.live).toMatch(/^sk_live_/);
    const merchant = (await cli('accounts', 'create', '--name', 'Merchant', '--json')).json() as {
      id: string;
    };

    writeManifest('v1.json', '1.0.0', ['customer_read']);
    const upload = await cli('apps', 'upload', 'v1.json', '--account', developer.id, '--json');
    expect(upload.code).toBe(0);
    expect(upload.json()).toMatchObject({ app: 'com.example.orders', version: '1.0.0', released: true });

    const install = await cli('installs', 'create', 'com.example.orders', '--account', merchant.id, '--json');
    const installed = install.json() as { id: string; key: { id: string; secret: string } };
    expect(installed.key.secret).toMatch(/^rk_test_/);

    writeManifest('v2.json', '2.0.0', ['customer_read', 'invoice_read']);
    const v2 = await cli('apps', 'upload', 'v2.json', '--account', developer.id);
    expect(v2.stdout).toContain(`${installed.id}: pending approval: invoice_read`);
    const pending = await cli('installs', 'list', '--pending');
    expect(pending.stdout).toContain(installed.id);
    expect(pending.stdout).toContain('invoice_read');

    const approve = await cli('installs', 'approve', installed.id);
    expect(approve.stdout).toBe(`${installed.id}: approved invoice_read\n`);
    const show = await cli('installs', 'show', installed.id, '--json');
    expect(show.json()).toMatchObject({
      permissions_granted: ['customer_read', 'invoice_read'],
      approval_required: false,
    });

    const rolled = await cli('keys', 'roll', installed.key.id, '--grace', '1h', '--json');
    expect(rolled.json()).toMatchObject({ previous: { id: installed.key.id, status: 'active' } });
    const newKey = (rolled.json() as { id: string }).id;
    const narrowed = await cli(
      'keys',
      'create',
      '--install',
      installed.id,
      '--permissions',
      'invoice_read',
      '--expires-in',
      '7d',
      '--json',
    );
    expect(narrowed.json()).toMatchObject({ permissions: ['invoice_read'] });
    expect((await cli('keys', 'revoke', newKey)).stdout).toContain(`revoked ${newKey}`);
    const keys = await cli('keys', 'list', '--install', installed.id);
    expect(keys.stdout).toMatch(/rk_test_\*\*\*…/);
    expect(keys.stdout).not.toContain(installed.key.secret);

    expect((await cli('installs', 'uninstall', installed.id)).code).toBe(0);
    const after = await cli('keys', 'list', '--install', installed.id, '--json');
    expect((after.json() as { data: { status: string }[] }).data.every((k) => k.status === 'revoked')).toBe(
      true,
    );

    const verify = await cli('audit', 'verify', '--json');
    expect(verify.code).toBe(0);
    expect(verify.json()).toMatchObject({ ok: true });
  });

  it('refuses an invalid manifest listing every issue, storing nothing', async () => {
    const developer = (await cli('accounts', 'create', '--name', 'Dev', '--json')).json() as { id: string };
    writeManifest('bad.json', '1.0.0', ['customers_read', 'invoice_reed']);
    const upload = await cli('apps', 'upload', 'bad.json', '--account', developer.id, '--json');
    expect(upload.code).toBe(1);
    const body = upload.json() as {
      error: { code: string; issues: { code: string; suggestion?: string }[] };
    };
    expect(body.error.code).toBe('ERR_MANIFEST_INVALID');
    expect(body.error.issues.map((i) => [i.code, i.suggestion])).toEqual([
      ['unknown_permission', 'customer_read'],
      ['unknown_permission', 'invoice_read'],
    ]);
    const versions = await cli('apps', 'versions', 'com.example.orders');
    expect(versions.code).toBe(1);
  });

  it('creates a platform app secret key', async () => {
    const developer = (await cli('accounts', 'create', '--name', 'Dev', '--json')).json() as { id: string };
    writeManifest('p.json', '1.0.0', ['customer_read'], 'platform');
    await cli('apps', 'upload', 'p.json', '--account', developer.id);
    const key = await cli('apps', 'keys', 'create', 'com.example.orders', '--mode', 'live', '--json');
    expect(key.code).toBe(0);
    expect((key.json() as { secret: string }).secret).toMatch(/^sk_live_/);
  });

  it('audit verify names the first altered row and exits 1', async () => {
    await cli('accounts', 'create', '--name', 'One');
    await cli('accounts', 'create', '--name', 'Two');
    const db = new Database(join(dir, 'data', 'appscope.db'));
    const [first] = db.prepare('SELECT seq FROM audit_log ORDER BY seq LIMIT 1 OFFSET 1').all() as {
      seq: number;
    }[];
    // The table refuses updates (a trigger); someone with the file can drop it, and the chain still tells.
    expect(() =>
      db.prepare("UPDATE audit_log SET action = 'tampered' WHERE seq = ?").run(first!.seq),
    ).toThrow(/append-only/);
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET action = 'tampered' WHERE seq = ?").run(first!.seq);
    db.close();
    const verify = await cli('audit', 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`audit log BROKEN at row ${first!.seq}`);
  });
});

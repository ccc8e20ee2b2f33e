import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain } from '../../src/domain/context.js';
import { installApp } from '../../src/domain/installs.js';
import { openStore } from '../../src/store/open.js';
import { manifest } from '../gateway/support.js';
import { runCli } from '../support/run-cli.js';

/**
 * The Secret Store's routes are in the route table like every other: `endpoints resolve`,
 * `explain-request`, `scan` and policy tests (`appscope test`) know what they require.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temporary(): string {
  const dir = mkdtempSync(join(tmpdir(), 'appscope-secret-routes-'));
  dirs.push(dir);
  return dir;
}

describe('the Secret Store routes on the command line', () => {
  it('`endpoints resolve` knows each of them and what it requires', async () => {
    for (const line of [
      'POST /v1/apps/secrets',
      'GET /v1/apps/secrets?scope[type]=account',
      'GET /v1/apps/secrets/find?name=k&scope[type]=account',
      'POST /v1/apps/secrets/delete',
    ]) {
      const run = await runCli(['endpoints', 'resolve', line, '--json']);
      expect(run.code, line).toBe(0);
      expect((run.json() as { requires: { anyOf: string[] }[] }).requires.map((g) => g.anyOf)).toEqual([
        ['secret_write'],
      ]);
    }
    const payload = await runCli([
      'endpoints',
      'resolve',
      'GET /v1/apps/secrets/find?name=k&scope[type]=account&expand[]=payload',
      '--grant',
      'customer_read',
    ]);
    expect(payload.stdout).toContain('expand `payload`: the payload of a secret is included only on request');
    expect(payload.stdout).toContain('decision:  denied');
    const listed = await runCli(['endpoints', 'resolve', 'GET /v1/apps/secrets?expand[]=data.payload']);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain('`GET /v1/apps/secrets` has no expandable fields');
  });

  it('`explain-request` gives the gateway’s verdict: an install without `secret_write` is refused, naming it', async () => {
    const dir = temporary();
    const store = await openStore({ dataDir: dir });
    let key: string;
    try {
      const domain = createDomain({ store, catalog: defaultCatalog() });
      const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
      const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account.id,
        manifest: manifest('com.example.reader', '1.0.0', ['customer_read']),
      });
      key = (
        await installApp(domain, { actor: OPERATOR, account: merchant.account.id, app: 'com.example.reader' })
      ).key!.secret;
    } finally {
      await store.close();
    }
    const run = await runCli([
      'explain-request',
      '--data-dir',
      dir,
      '--key',
      key,
      '--data',
      'name=k&payload=v&scope[type]=account',
      '--json',
      'POST /v1/apps/secrets',
    ]);
    expect(run.json()).toMatchObject({
      decision: { allowed: false, code: 'more_permissions_required', missing: [['secret_write']] },
    });
  });

  it('`scan` maps stripe.apps.secrets.* to secret_write', async () => {
    const dir = temporary();
    writeFileSync(
      join(dir, 'vault.ts'),
      `import Stripe from 'stripe';
const stripe = new Stripe(process.env.STRIPE_API_KEY!);
export async function save(token: string) {
  await stripe.apps.secrets.create({ name: 'token', payload: token, scope: { type: 'account' } });
  return stripe.apps.secrets.find({ name: 'token', scope: { type: 'account' }, expand: ['payload'] });
}
`,
    );
    const run = await runCli(['scan', '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const report = run.json() as {
      calls: { via: string; operation: string; requires: string[][] }[];
      permissions: string[];
    };
    expect(report.calls.map((c) => [c.via, c.operation, c.requires])).toEqual([
      ['stripe.apps.secrets.create', 'POST /v1/apps/secrets', [['secret_write']]],
      ['stripe.apps.secrets.find', 'GET /v1/apps/secrets/find', [['secret_write'], ['secret_write']]],
    ]);
    expect(report.permissions).toEqual(['secret_write']);
  });

  it('policy tests decide them', async () => {
    const dir = temporary();
    writeFileSync(
      join(dir, 'vault.appscope-test.json'),
      JSON.stringify({
        grants: ['customer_read'],
        cases: [
          { request: 'GET /v1/customers', expect: 'allow' },
          {
            request: 'POST /v1/apps/secrets',
            data: 'name=k&payload=v&scope[type]=account',
            expect: 'deny',
            missing: [['secret_write']],
          },
          {
            request: 'GET /v1/apps/secrets/find?name=k&scope[type]=account&expand[]=payload',
            expect: 'deny',
          },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'writer.appscope-test.json'),
      JSON.stringify({
        grants: ['secret_write'],
        cases: [
          { request: 'POST /v1/apps/secrets/delete', data: 'name=k&scope[type]=account', expect: 'allow' },
          { request: 'GET /v1/apps/secrets?scope[type]=account', expect: 'allow' },
        ],
      }),
    );
    const run = await runCli(['test'], { cwd: dir });
    expect(run.stdout).toBe('5 passed, 0 failed\n');
    expect(run.code).toBe(0);
  });
});

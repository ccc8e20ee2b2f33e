import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoData, seedDemo } from '../../src/cli/demo.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain } from '../../src/domain/context.js';
import { installApp } from '../../src/domain/installs.js';
import { revokeKey } from '../../src/domain/keys.js';
import { openStore } from '../../src/store/open.js';
import { manifest } from '../domain/helpers.js';
import { runCli } from '../support/run-cli.js';

let dir: string;
let demo: DemoData;
let writerKey: string;
let revokedKey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-explain-'));
  const store = await openStore({ dataDir: dir });
  const domain = createDomain({ store });
  demo = await seedDemo(domain);
  // An install granted customer_write, to show an implication chain.
  const dev = await createAccount(domain, { actor: OPERATOR, name: 'Writer developer' });
  await uploadAppVersion(domain, {
    actor: OPERATOR,
    account: dev.account.id,
    manifest: manifest('com.example.writer', '1.0.0', ['customer_write', 'invoice_read']),
  });
  const writer = await installApp(domain, {
    actor: OPERATOR,
    app: 'com.example.writer',
    account: demo.account,
  });
  writerKey = writer.key!.secret;
  await uploadAppVersion(domain, {
    actor: OPERATOR,
    account: dev.account.id,
    manifest: manifest('com.example.gone', '1.0.0', ['customer_read']),
  });
  const gone = await installApp(domain, { actor: OPERATOR, app: 'com.example.gone', account: demo.account });
  revokedKey = gone.key!.secret;
  await revokeKey(domain, { actor: OPERATOR, key: gone.key!.id });
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const explain = (key: string, line: string, ...more: string[]) =>
  runCli(['explain-request', '--data-dir', dir, '--key', key, line, ...more]);

describe('appscope explain-request', () => {
  it('explains an allowed call: the granted permission behind each group', async () => {
    const run = await explain(demo.insights.key!, 'GET /v1/customers?expand[]=data.default_source', '--json');
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({
      request: {
        method: 'GET',
        path: '/v1/customers',
        route: '/v1/customers',
        operation: 'GetCustomers',
        available: true,
        expand: ['data.default_source'],
      },
      key: {
        redacted: expect.stringMatching(/^rk_test_\*\*\*…\w{4}$/),
        type: 'install',
        id: expect.stringMatching(/^key_/),
        account: demo.account,
        install: demo.insights.install,
        app: 'com.example.customer-insights',
        livemode: false,
        granted: ['customer_read', 'invoice_read', 'product_read'],
        pending: [],
        narrowedTo: null,
        shadowMode: false,
      },
      decision: {
        allowed: true,
        outcome: 'allowed',
        groups: [
          {
            reason: 'GET /v1/customers reads customer',
            anyOf: ['customer_read'],
            satisfied: true,
            satisfiedBy: 'customer_read',
            via: ['customer_read'],
          },
          {
            reason: 'expand `data.default_source`',
            anyOf: ['customer_read', 'source_read'],
            satisfied: true,
            satisfiedBy: 'customer_read',
            via: ['customer_read'],
          },
        ],
        missing: [],
        accepted: [],
      },
    });
    expect(run.stdout).not.toContain(demo.insights.key!);
  });

  it('names the implication chain', async () => {
    const run = await explain(writerKey, 'GET /v1/invoices?expand[]=data.customer');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '2. customer_read  — expand `data.customer`  ✓ via customer_write → customer_read',
    );
    expect(run.stdout).toContain('decision:  allowed');
  });

  it('says what is missing and that it is pending approval', async () => {
    const run = await explain(demo.sync.key!, 'GET /v1/charges', '--json');
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      key: { pending: ['charge_read'] },
      decision: {
        allowed: false,
        outcome: 'denied',
        code: 'permission_pending_approval',
        groups: [{ anyOf: ['charge_read'], satisfied: false, pending: ['charge_read'] }],
        missing: [['charge_read']],
        accepted: [['charge_read', 'charge_write']],
      },
    });
    const text = await explain(demo.sync.key!, 'GET /v1/charges');
    expect(text.stdout).toContain('✗ missing — charge_read is pending approval');
    expect(text.stdout).toContain(`appscope installs approve ${demo.sync.install}`);
  });

  it('says what is missing when nothing is pending', async () => {
    const run = await explain(demo.insights.key!, 'POST /v1/customers');
    expect(run.stdout).toContain('denied (403 more_permissions_required); not forwarded');
    expect(run.stdout).toContain('the app needs customer_write');
  });

  it('reports a refused key masked, exit 1', async () => {
    const run = await explain(revokedKey, 'GET /v1/customers');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /decision: {2}refused \(401\): The API key `rk_test_\*\*\*…\w{4}` has been revoked/,
    );
    expect(run.stdout + run.stderr).not.toContain(revokedKey);
  });

  it('treats an account secret key as full access, and refuses usage errors', async () => {
    const account = await explain(demo.accountKey!, 'GET /v1/charges', '--json');
    expect(account.code).toBe(0);
    expect(account.json()).toMatchObject({
      key: { type: 'account', account: demo.account },
      decision: { allowed: true, outcome: 'allowed' },
    });
    const run = await explain(writerKey, 'GET /v1/nope');
    expect(run.code).toBe(1);
    // the gateway's own answer: a 404 naming the unknown endpoint
    expect(run.stdout).toContain(
      'decision:  refused (404): Unrecognized request URL (GET: /v1/nope). Unknown endpoint `GET /v1/nope`.',
    );
    const missing = await runCli(['explain-request', '--data-dir', dir, 'GET /v1/customers']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('pass the key the app sends with --key');
  });
});

import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { verifyAudit } from '../../src/domain/audit.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { listEvents } from '../../src/domain/events.js';
import { createServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { apiCall } from '../support/api-call.js';

const APP = 'com.example.crm-sync';

function manifest(version: string, permissions: string[], access = 'restricted_api_key') {
  return {
    id: APP,
    version,
    name: 'CRM Sync',
    icon: '',
    distribution_type: 'public',
    stripe_api_access_type: access,
    permissions: permissions.map((permission) => ({ permission, purpose: `needs ${permission}` })),
  };
}

let store: Store;
let domain: Domain;
let app: FastifyInstance;
let merchantKey: string;
let merchantAccount: string;
let developerAccount: string;
let strangerKey: string;

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  domain = createDomain({ store, catalog: defaultCatalog() });
  app = await createServer({ domain, routes: defaultRouteTable() });
  const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
  developerAccount = developer.account.id;
  const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
  merchantAccount = merchant.account.id;
  merchantKey = merchant.secretKeys.test.secret;
  strangerKey = (await createAccount(domain, { actor: OPERATOR, name: 'Stranger' })).secretKeys.test.secret;
  await uploadAppVersion(domain, {
    actor: OPERATOR,
    account: developerAccount,
    manifest: manifest('1.0.0', ['customer_write', 'invoice_read']),
  });
});

afterEach(async () => {
  await app.close();
  await store.close();
});

type Json = Record<string, unknown> & {
  error?: { type: string; code?: string; message: string; param?: string };
};

function call(
  method: 'GET' | 'POST',
  url: string,
  key: string | undefined,
  body?: string,
  headers: Record<string, string> = {},
) {
  return apiCall<Json>(app, method, url, key, body, headers);
}

async function eventTypes(): Promise<string[]> {
  const { data } = await listEvents(domain, { actor: OPERATOR, account: merchantAccount, limit: 100 });
  return data.map((e) => e.type).reverse();
}

describe('the Install API lifecycle over HTTP', () => {
  it('install → key → upgrade (pending) → reauthorize → roll → uninstall', async () => {
    // install: all or nothing, the first key returned once
    const installed = await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`);
    expect(installed.status).toBe(200);
    expect(installed.body).toMatchObject({
      object: 'apps.install',
      app: APP,
      account: merchantAccount,
      status: 'installed',
      livemode: false,
      permissions_granted: ['customer_write', 'invoice_read'],
      permissions_pending: [],
      approval_required: false,
    });
    expect(installed.headers['request-id']).toMatch(/^req_/);
    const installId = installed.body['id'] as string;
    const firstKey = installed.body['key'] as { id: string; secret: string; redacted: string };
    expect(firstKey.secret).toMatch(/^rk_test_/);
    expect(firstKey.redacted).toMatch(/^rk_test_\*\*\*…/);
    expect(await eventTypes()).toEqual([
      'apps.install.created',
      'account.application.authorized',
      'apps.install.key.created',
    ]);

    // retrieving never shows the secret again
    const fetched = await call('GET', `/v1/apps/installs/${installId}`, merchantKey);
    expect(fetched.body['key']).toBeUndefined();
    const keys = await call('GET', `/v1/apps/installs/${installId}/keys`, merchantKey);
    expect(JSON.stringify(keys.body)).not.toContain(firstKey.secret);

    // a release that asks for more: customer_read is covered by customer_write; charge_read is pending
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developerAccount,
      manifest: manifest('2.0.0', ['customer_read', 'customer_write', 'invoice_read', 'charge_read']),
    });
    const upgraded = await call('GET', `/v1/apps/installs/${installId}`, merchantKey);
    expect(upgraded.body).toMatchObject({
      permissions_granted: ['customer_read', 'customer_write', 'invoice_read'],
      permissions_pending: ['charge_read'],
      approval_required: true,
    });
    const pendingList = await call('GET', '/v1/apps/installs?approval_required=true', merchantKey);
    expect((pendingList.body['data'] as { id: string }[]).map((i) => i.id)).toEqual([installId]);
    expect((await eventTypes()).slice(-2)).toEqual([
      'apps.install.updated',
      'apps.install.approval_required',
    ]);

    // reauthorize approves the whole pending set
    const approved = await call(
      'POST',
      `/v1/apps/installs/${installId}`,
      merchantKey,
      'expected_pending[]=charge_read',
    );
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      permissions_granted: ['charge_read', 'customer_read', 'customer_write', 'invoice_read'],
      permissions_pending: [],
      approval_required: false,
    });
    expect((await eventTypes()).slice(-3)).toEqual([
      'apps.install.updated',
      'apps.install.approved',
      'account.application.authorized',
    ]);

    // roll the key with a grace period: the old one keeps working until then
    const later = Math.floor(Date.now() / 1000) + 3600;
    const rolled = await call(
      'POST',
      `/v1/apps/installs/${installId}/keys/${firstKey.id}/roll`,
      merchantKey,
      `expires_at=${later}`,
    );
    expect(rolled.status).toBe(200);
    expect(rolled.body['secret']).toMatch(/^rk_test_/);
    expect(rolled.body['previous']).toMatchObject({ id: firstKey.id, expires_at: later, status: 'active' });

    // uninstall: grant gone, keys dead
    const removed = await call('POST', `/v1/apps/installs/${installId}/uninstall`, merchantKey, '');
    expect(removed.body).toMatchObject({
      status: 'uninstalled',
      permissions_granted: [],
      permissions_pending: [],
    });
    const keysAfter = await call('GET', `/v1/apps/installs/${installId}/keys`, merchantKey);
    expect((keysAfter.body['data'] as { status: string }[]).map((k) => k.status)).toEqual([
      'revoked',
      'revoked',
    ]);
    expect((await eventTypes()).slice(-2)).toEqual([
      'apps.install.deleted',
      'account.application.deauthorized',
    ]);
    expect((await verifyAudit(domain)).ok).toBe(true);
  });

  it('creates narrowed keys, sets expiry and revokes', async () => {
    const installId = (await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`)).body[
      'id'
    ] as string;
    const narrowed = await call(
      'POST',
      `/v1/apps/installs/${installId}/keys`,
      merchantKey,
      'permissions[]=invoice_read',
    );
    expect(narrowed.status).toBe(200);
    expect(narrowed.body).toMatchObject({ permissions: ['invoice_read'], status: 'active' });
    const keyId = narrowed.body['id'] as string;
    const tooWide = await call(
      'POST',
      `/v1/apps/installs/${installId}/keys`,
      merchantKey,
      'permissions[]=charge_write',
    );
    expect(tooWide.status).toBe(400);
    expect(tooWide.body.error?.param).toBe('permissions');
    const expiry = Math.floor(Date.now() / 1000) + 600;
    const updated = await call(
      'POST',
      `/v1/apps/installs/${installId}/keys/${keyId}`,
      merchantKey,
      `expires_at=${expiry}`,
    );
    expect(updated.body).toMatchObject({ expires_at: expiry });
    const revoked = await call(
      'POST',
      `/v1/apps/installs/${installId}/keys/${keyId}/revoke`,
      merchantKey,
      '',
    );
    expect(revoked.body).toMatchObject({ status: 'revoked' });
  });
});

describe('bad input changes nothing', () => {
  async function snapshot() {
    const rows = await store.transaction(
      async (tx) => ({
        installs: await tx.listInstalls({ limit: 1000 }),
        audit: (await tx.getAuditHead()).seq,
      }),
      { readOnly: true },
    );
    return rows;
  }

  it('refuses an unknown parameter, naming it', async () => {
    const before = await snapshot();
    const response = await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}&colour=blue`);
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      message: 'Received unknown parameter: colour',
      param: 'colour',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a missing parameter and a malformed body', async () => {
    const before = await snapshot();
    const missing = await call('POST', '/v1/apps/installs', merchantKey, '');
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'app' });
    const broken = await call('POST', '/v1/apps/installs', merchantKey, 'app=%E0%A4%A');
    expect(broken.status).toBe(400);
    expect(broken.body.error?.message).toContain('percent-encoding');
    const json = await call('POST', '/v1/apps/installs', merchantKey, JSON.stringify({ app: APP }), {
      'content-type': 'application/json',
    });
    expect(json.status).toBe(400);
    expect(json.body.error?.code).toBe('content_type_unsupported');
    const nested = await call('POST', '/v1/apps/installs', merchantKey, 'app[a][b][c][d][e][f][g][h][i]=x');
    expect(nested.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it('never drops a parameter: prototype names and unknown sub-keys on key creation are 400s', async () => {
    const installId = (await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`)).body[
      'id'
    ] as string;
    const keysUrl = `/v1/apps/installs/${installId}/keys`;
    const countKeys = async () =>
      ((await call('GET', keysUrl, merchantKey)).body['data'] as unknown[]).length;
    const before = await countKeys();
    const cases: [string, string][] = [
      ['permissions[hasOwnProperty]=invoice_read', 'permissions[hasOwnProperty]'],
      ['permissions[toString]=invoice_read', 'permissions[toString]'],
      ['permissions[__proto__][0]=invoice_read', 'permissions[__proto__][0]'],
      ['permissions[constructor][prototype]=x', 'permissions[constructor][prototype]'],
      ['expires_at[toString]=1', 'expires_at[toString]'],
      ['expires_at[valueOf]=1', 'expires_at[valueOf]'],
      ['permissions[foo]=invoice_read', 'permissions[foo]'],
      ['expires_at[foo]=1', 'expires_at[foo]'],
      ['toString=1', 'toString'],
    ];
    for (const [body, param] of cases) {
      const response = await call('POST', keysUrl, merchantKey, body);
      expect(response.status, body).toBe(400);
      expect(response.body.error, body).toMatchObject({ code: 'parameter_unknown', param });
    }
    // the same parameters, well-formed, narrow the key and set its expiry
    const expiry = Math.floor(Date.now() / 1000) + 600;
    const ok = await call('POST', keysUrl, merchantKey, `permissions[0]=invoice_read&expires_at=${expiry}`);
    expect(ok.body).toMatchObject({ permissions: ['invoice_read'], expires_at: expiry });
    expect(await countKeys()).toBe(before + 1);
  });

  it('refuses an oversized body before reading it all', async () => {
    const before = await snapshot();
    const response = await call(
      'POST',
      '/v1/apps/installs',
      merchantKey,
      `app=${APP}&x=${'a'.repeat(2 * 1024 * 1024)}`,
    );
    expect(response.status).toBe(413);
    expect(response.body.error?.code).toBe('request_too_large');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a restricted key: it cannot install apps', async () => {
    const rk = (
      (await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`)).body['key'] as { secret: string }
    ).secret;
    const before = await snapshot();
    const response = await call('POST', '/v1/apps/installs', rk, `app=${APP}`);
    expect(response.status).toBe(403);
    expect(response.body.error?.message).toContain('restricted key');
    expect(await snapshot()).toEqual(before);
  });

  it("answers 404 for another account's install, revealing nothing", async () => {
    const installId = (await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`)).body[
      'id'
    ] as string;
    const stranger = await call('GET', `/v1/apps/installs/${installId}`, strangerKey);
    const nonexistent = await call('GET', '/v1/apps/installs/appinst_doesnotexist', strangerKey);
    expect(stranger.status).toBe(404);
    expect(stranger.body.error?.code).toBe('resource_missing');
    expect(stranger.body.error?.message).toBe(`No such install: \`${installId}\``);
    expect(nonexistent.body.error?.message).toBe('No such install: `appinst_doesnotexist`');
    const uninstall = await call('POST', `/v1/apps/installs/${installId}/uninstall`, strangerKey, '');
    expect(uninstall.status).toBe(404);
    expect((await call('GET', `/v1/apps/installs/${installId}`, merchantKey)).body['status']).toBe(
      'installed',
    );
  });

  it('answers 401 without a key or with a bad one, masking it', async () => {
    const none = await call('GET', '/v1/apps/installs', undefined);
    expect(none.status).toBe(401);
    expect(none.body.error?.type).toBe('authentication_error');
    const bad = await call('GET', '/v1/apps/installs', 'sk_test_thisisnotarealkeyatall1234');
    expect(bad.status).toBe(401);
    expect(bad.body.error?.message).not.toContain('thisisnotarealkeyatall1234');
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same request and refuses a different one', async () => {
    const first = await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`, {
      'idempotency-key': 'install-1',
    });
    const again = await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`, {
      'idempotency-key': 'install-1',
    });
    expect(again.status).toBe(200);
    expect(again.body['id']).toBe(first.body['id']);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const installs = await call('GET', '/v1/apps/installs', merchantKey);
    expect((installs.body['data'] as unknown[]).length).toBe(1);
    const conflict = await call(
      'POST',
      '/v1/apps/installs',
      merchantKey,
      `app=${APP}&expected_permissions[]=x`,
      {
        'idempotency-key': 'install-1',
      },
    );
    expect(conflict.status).toBe(400);
    expect(conflict.body.error?.type).toBe('idempotency_error');
  });

  it('replays a created key without its secret, and stores no secret (install, key, roll)', async () => {
    const idempotent = { 'idempotency-key': 'k-install' };
    const installed = await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`, idempotent);
    const installAgain = await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`, idempotent);
    const installId = installed.body['id'] as string;
    const firstKey = installed.body['key'] as Record<string, unknown>;
    expect(firstKey['secret']).toMatch(/^rk_test_[0-9A-Za-z]{42}$/);
    expect(firstKey['secret_redacted']).toBeUndefined();
    expect(installAgain.headers['idempotent-replayed']).toBe('true');
    expect(installAgain.body).toEqual({
      ...installed.body,
      key: { ...firstKey, secret: null, secret_redacted: true },
    });

    const keyUrl = `/v1/apps/installs/${installId}/keys`;
    const created = await call('POST', keyUrl, merchantKey, 'permissions[]=customer_write', {
      'idempotency-key': 'k-create',
    });
    const createdAgain = await call('POST', keyUrl, merchantKey, 'permissions[]=customer_write', {
      'idempotency-key': 'k-create',
    });
    expect(created.status).toBe(200);
    expect(created.body['secret']).toMatch(/^rk_test_/);
    expect(createdAgain.status).toBe(200);
    expect(createdAgain.headers['idempotent-replayed']).toBe('true');
    expect(createdAgain.body).toEqual({ ...created.body, secret: null, secret_redacted: true });

    const rollUrl = `${keyUrl}/${created.body['id'] as string}/roll`;
    const rolled = await call('POST', rollUrl, merchantKey, '', { 'idempotency-key': 'k-roll' });
    const rolledAgain = await call('POST', rollUrl, merchantKey, '', { 'idempotency-key': 'k-roll' });
    expect(rolled.body['secret']).toMatch(/^rk_test_/);
    expect(rolledAgain.headers['idempotent-replayed']).toBe('true');
    expect(rolledAgain.body).toEqual({ ...rolled.body, secret: null, secret_redacted: true });

    // the replay is still the same request: no second key was made
    const keys = await call('GET', keyUrl, merchantKey);
    expect((keys.body['data'] as unknown[]).length).toBe(3);

    const secrets = [firstKey['secret'], created.body['secret'], rolled.body['secret']] as string[];
    const rows = await store.transaction(
      async (tx) =>
        Promise.all(
          ['k-install', 'k-create', 'k-roll'].map((key) =>
            tx.getIdempotencyRecord(`${merchantAccount}:test`, key, 0),
          ),
        ),
      { readOnly: true },
    );
    for (const row of rows) {
      expect(row?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      for (const secret of secrets) expect(JSON.stringify(row)).not.toContain(secret.slice(-16));
    }
  });

  it('keeps only a hash of the request, never its body', async () => {
    const marker = 'expected_permissions[]=do-not-store-this-value-4f1c';
    const first = await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}&${marker}`, {
      'idempotency-key': 'k-body',
    });
    expect(first.status).toBe(400); // consent_stale: a stored 4xx answer
    const row = await store.transaction(
      (tx) => tx.getIdempotencyRecord(`${merchantAccount}:test`, 'k-body', 0),
      { readOnly: true },
    );
    expect(row?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain('do-not-store-this-value');
  });

  it('runs concurrent requests with one key once', async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`, { 'idempotency-key': 'same' }),
      ),
    );
    expect(new Set(results.map((r) => r.body['id'])).size).toBe(1);
    expect(results.every((r) => r.status === 200)).toBe(true);
  });
});

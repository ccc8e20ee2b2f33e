import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { listAppVersions, uploadAppVersion } from '../../src/domain/app-versions.js';
import { verifyAudit } from '../../src/domain/audit.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { installApp } from '../../src/domain/installs.js';
import { createAppSecretKey } from '../../src/domain/keys.js';
import { createServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { apiCall } from '../support/api-call.js';

const APP = 'com.example.crm-sync';

function manifest(
  version: string,
  permissions: string[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: APP,
    version,
    name: 'CRM Sync',
    icon: './icon.png',
    distribution_type: 'public',
    stripe_api_access_type: 'restricted_api_key',
    permissions: permissions.map((permission) => ({ permission, purpose: `needs ${permission}` })),
    ...overrides,
  };
}

/** A form body with the manifest's JSON text in `manifest`. */
function uploadBody(document: unknown, extra = ''): string {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  return `manifest=${encodeURIComponent(text)}${extra}`;
}

let store: Store;
let domain: Domain;
let server: FastifyInstance;
let developer: { account: string; key: string; liveKey: string };
let other: { account: string; key: string };

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  domain = createDomain({ store, catalog: defaultCatalog() });
  server = await createServer({ domain, routes: defaultRouteTable() });
  const dev = await createAccount(domain, { actor: OPERATOR, name: 'Example Developer Ltd' });
  developer = {
    account: dev.account.id,
    key: dev.secretKeys.test.secret,
    liveKey: dev.secretKeys.live.secret,
  };
  const stranger = await createAccount(domain, { actor: OPERATOR, name: 'Other Developer' });
  other = { account: stranger.account.id, key: stranger.secretKeys.test.secret };
});

afterEach(async () => {
  await server.close();
  await store.close();
});

type ErrorBody = {
  type: string;
  code?: string;
  message: string;
  param?: string;
  issues?: { code: string; path: string; message: string; severity: string }[];
};
type Json = Record<string, unknown> & { error?: ErrorBody };

function call(
  method: 'GET' | 'POST',
  url: string,
  key: string | undefined,
  body?: string,
  headers: Record<string, string> = {},
) {
  return apiCall<Json>(server, method, url, key, body, headers);
}

describe('POST /v1/apps/versions (upload)', () => {
  it('registers the app, stores the version and releases it by default', async () => {
    const uploaded = await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest('1.0.0', ['customer_read'])),
    );
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({
      object: 'app_version',
      app: APP,
      version: '1.0.0',
      permissions: [{ permission: 'customer_read', purpose: 'needs customer_read' }],
      installs_updated: 0,
      warnings: [],
    });
    expect(uploaded.body['released']).toEqual(expect.any(Number));
    expect((uploaded.body['manifest'] as { id: string }).id).toBe(APP);

    const app = await call('GET', `/v1/apps/apps/${APP}`, developer.key);
    expect(app.body).toMatchObject({
      id: APP,
      object: 'app',
      owner: developer.account,
      current_version: '1.0.0',
    });
    expect((await verifyAudit(domain)).ok).toBe(true);
  });

  it('with release=false stores the version without releasing it; a live key uploads too', async () => {
    await call('POST', '/v1/apps/versions', developer.key, uploadBody(manifest('1.0.0', ['customer_read'])));
    const staged = await call(
      'POST',
      '/v1/apps/versions',
      developer.liveKey,
      uploadBody(manifest('1.1.0', ['customer_read', 'invoice_read']), '&release=false'),
    );
    expect(staged.status).toBe(200);
    expect(staged.body).toMatchObject({ version: '1.1.0', released: null });
    const app = await call('GET', `/v1/apps/apps/${APP}`, developer.key);
    expect(app.body['current_version']).toBe('1.0.0');
  });

  it('a release that changes installs says how many, not which (they are other accounts)', async () => {
    await call('POST', '/v1/apps/versions', developer.key, uploadBody(manifest('1.0.0', ['customer_read'])));
    await installApp(domain, {
      actor: { type: 'account_key', account: other.account, key: 'key_x', livemode: false },
      app: APP,
    });
    const upgraded = await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest('2.0.0', ['customer_read', 'charge_read'])),
    );
    expect(upgraded.status).toBe(200);
    expect(upgraded.body['installs_updated']).toBe(1);
    expect(JSON.stringify(upgraded.body)).not.toContain('appinst_');
  });

  it('an invalid manifest is a 400 naming every problem, and nothing is stored', async () => {
    const bad = {
      id: APP,
      version: '',
      name: 'CRM Sync',
      icon: '',
      permissions: [
        { permission: 'customer_raed', purpose: 'reads customers' },
        { permission: 'invoice_read', purpose: '' },
      ],
    };
    const answer = await call('POST', '/v1/apps/versions', developer.key, uploadBody(bad));
    expect(answer.status).toBe(400);
    const error = answer.body.error!;
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      code: 'manifest_invalid',
      param: 'manifest',
    });
    expect(error.message).toMatch(/^The manifest is invalid \(3 problems\):/);
    expect(error.issues?.map((i) => [i.code, i.path])).toEqual([
      ['invalid_version', 'version'],
      ['unknown_permission', 'permissions[0].permission'],
      ['empty_purpose', 'permissions[1].purpose'],
    ]);
    for (const issue of error.issues ?? []) expect(error.message).toContain(issue.message);
    expect(error.message).toContain('did you mean `customer_read`?');
    const apps = await call('GET', '/v1/apps/apps', developer.key);
    expect(apps.body['data']).toEqual([]);
  });

  it('a manifest that is not JSON names where it stops parsing', async () => {
    const answer = await call('POST', '/v1/apps/versions', developer.key, uploadBody('{not json'));
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('manifest_invalid');
    expect(answer.body.error?.issues).toEqual([
      expect.objectContaining({ code: 'invalid_json', message: expect.stringContaining('line 1, column 2') }),
    ]);
  });

  it('refuses a missing manifest, unknown parameters, a bad release value and query parameters', async () => {
    const missing = await call('POST', '/v1/apps/versions', developer.key, '');
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'manifest' });

    const unknown = await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest('1.0.0', ['customer_read']), `&account=${other.account}`),
    );
    expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'account' });

    const release = await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest('1.0.0', ['customer_read']), '&release=later'),
    );
    expect(release.body.error).toMatchObject({ code: 'parameter_invalid', param: 'release' });

    const misplaced = await call('POST', '/v1/apps/versions?release=false', developer.key, '');
    expect(misplaced.body.error?.code).toBe('parameter_misplaced');
    expect((await call('GET', '/v1/apps/apps', developer.key)).body['data']).toEqual([]);
  });

  it('refuses a version uploaded before, an app id another developer owns, and a changed access type', async () => {
    await call('POST', '/v1/apps/versions', developer.key, uploadBody(manifest('1.0.0', ['customer_read'])));

    const again = await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest('1.0.0', ['customer_read', 'invoice_read'])),
    );
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'resource_already_exists',
      param: 'manifest.version',
      message: `App \`${APP}\` already has version \`1.0.0\`: versions are immutable, upload a new version`,
    });

    const taken = await call(
      'POST',
      '/v1/apps/versions',
      other.key,
      uploadBody(manifest('9.0.0', ['customer_read'])),
    );
    expect(taken.status).toBe(400);
    expect(taken.body.error).toMatchObject({ code: 'resource_already_exists', param: 'manifest.id' });
    expect(taken.body.error?.message).toContain('belongs to another developer');

    const platform = await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest('2.0.0', ['customer_read'], { stripe_api_access_type: 'platform' })),
    );
    expect(platform.body.error).toMatchObject({
      code: 'parameter_invalid',
      param: 'manifest.stripe_api_access_type',
    });
    const versions = await listAppVersions(domain, { actor: OPERATOR, app: APP });
    expect(versions.map((v) => v.version)).toEqual(['1.0.0']);
  });
});

describe('authentication: an account secret key only', () => {
  const routes: [string, 'GET' | 'POST', string | undefined][] = [
    ['upload', 'POST', '/v1/apps/versions'],
    ['list apps', 'GET', '/v1/apps/apps'],
    ['retrieve an app', 'GET', `/v1/apps/apps/${APP}`],
    ['list versions', 'GET', `/v1/apps/apps/${APP}/versions`],
    ['retrieve a version', 'GET', `/v1/apps/apps/${APP}/versions/1.0.0`],
    ['release', 'POST', `/v1/apps/apps/${APP}/versions/1.0.0/release`],
    ['catalogue', 'GET', '/v1/apps/catalog'],
  ].map(([name, method, url]) => [`${name}: ${method} ${url}`, method as 'GET' | 'POST', url]);

  it.each(routes)(
    '%s refuses no key, an unknown key, an rk_ key and an app key',
    async (_name, method, url) => {
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account,
        manifest: manifest('1.0.0', ['customer_read']),
      });
      const body = method === 'POST' ? uploadBody(manifest('1.1.0', ['customer_read'])) : undefined;
      const path = url!;
      const body0 = method === 'POST' && path.endsWith('/release') ? '' : body;

      const none = await call(method, path, undefined, body0);
      expect(none.status).toBe(401);
      expect(none.body.error).toMatchObject({ type: 'authentication_error' });
      expect(none.body.error?.message).toContain('You did not provide an API key');

      const unknown = await call(method, path, 'sk_test_0000000000000000000000000000notreal', body0);
      expect(unknown.status).toBe(401);

      const { key } = await installApp(domain, {
        actor: { type: 'account_key', account: other.account, key: 'key_x', livemode: false },
        app: APP,
      });
      const restricted = await call(method, path, key!.secret, body0);
      expect(restricted.status).toBe(403);
      expect(restricted.body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'secret_key_required',
      });
      expect(restricted.body.error?.message).toContain('restricted key (`rk_…`)');
      expect(restricted.body.error?.message).toContain('(`sk_…`)');

      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account,
        manifest: {
          ...manifest('1.0.0', []),
          id: 'com.example.platform',
          stripe_api_access_type: 'platform',
        },
      });
      const appKey = await createAppSecretKey(domain, { actor: OPERATOR, app: 'com.example.platform' });
      const byApp = await call(method, path, appKey.secret, body0);
      expect(byApp.status).toBe(403);
      expect(byApp.body.error?.message).toContain('app secret key');

      // nothing was uploaded or released by the refused calls
      const versions = await listAppVersions(domain, { actor: OPERATOR, app: APP });
      expect(versions.map((v) => v.version)).toEqual(['1.0.0']);
    },
  );
});

describe("an account's own apps and versions", () => {
  beforeEach(async () => {
    for (const id of ['com.example.b', 'com.example.a', 'com.example.c']) {
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account,
        manifest: { ...manifest('1.0.0', ['customer_read']), id },
        release: id !== 'com.example.c',
      });
    }
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: other.account,
      manifest: { ...manifest('1.0.0', ['customer_read']), id: 'com.example.others' },
    });
  });

  it('lists only its own apps, released or not, in id order, page by page', async () => {
    const all = await call('GET', '/v1/apps/apps', developer.key);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ object: 'list', has_more: false, url: '/v1/apps/apps' });
    const data = all.body['data'] as { id: string; current_version: string | null }[];
    expect(data.map((a) => a.id)).toEqual(['com.example.a', 'com.example.b', 'com.example.c']);
    expect(data.map((a) => a.current_version)).toEqual(['1.0.0', '1.0.0', null]);

    const first = await call('GET', '/v1/apps/apps?limit=2', developer.key);
    expect((first.body['data'] as { id: string }[]).map((a) => a.id)).toEqual([
      'com.example.a',
      'com.example.b',
    ]);
    expect(first.body['has_more']).toBe(true);
    const second = await call('GET', '/v1/apps/apps?limit=2&starting_after=com.example.b', developer.key);
    expect((second.body['data'] as { id: string }[]).map((a) => a.id)).toEqual(['com.example.c']);
    expect(second.body['has_more']).toBe(false);

    const others = await call('GET', '/v1/apps/apps', other.key);
    expect((others.body['data'] as { id: string }[]).map((a) => a.id)).toEqual(['com.example.others']);
  });

  it('refuses a bad limit and unknown list parameters', async () => {
    for (const limit of ['0', '101', 'ten']) {
      const answer = await call('GET', `/v1/apps/apps?limit=${limit}`, developer.key);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.param).toBe('limit');
    }
    const owner = await call('GET', `/v1/apps/apps?owner=${other.account}`, developer.key);
    expect(owner.body.error).toMatchObject({ code: 'parameter_unknown', param: 'owner' });
  });

  it("another account's unreleased or private app is a 404 like a missing one", async () => {
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: other.account,
      manifest: {
        ...manifest('1.0.0', ['customer_read']),
        id: 'com.example.private',
        distribution_type: 'private',
      },
    });
    for (const id of ['com.example.c', 'com.example.private', 'com.example.missing']) {
      const owner = id === 'com.example.c' ? other.key : developer.key;
      const answer = await call('GET', `/v1/apps/apps/${id}`, owner);
      expect(answer.status).toBe(404);
      expect(answer.body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such app: \`${id}\``,
      });
    }
    // a public released app is readable by any account (as in the catalogue)…
    const seen = await call('GET', '/v1/apps/apps/com.example.others', developer.key);
    expect(seen.body).toMatchObject({ id: 'com.example.others', owner: other.account });
    // …but its versions and its release are its developer's only
    const versions = await call('GET', '/v1/apps/apps/com.example.others/versions', developer.key);
    expect(versions.status).toBe(404);
    expect(versions.body.error?.message).toBe('No such app: `com.example.others`');
    const release = await call(
      'POST',
      '/v1/apps/apps/com.example.others/versions/1.0.0/release',
      developer.key,
    );
    expect(release.status).toBe(404);
    const old = await call('GET', '/v1/apps/apps/com.example.others/versions/1.0.0', developer.key);
    expect(old.status).toBe(200); // the current version of a public app: what an install would grant
  });

  it('lists versions newest first, page by page, and retrieves one', async () => {
    for (const version of ['1.1.0', '1.2.0', '2.0.0']) {
      await call(
        'POST',
        '/v1/apps/versions',
        developer.key,
        uploadBody({ ...manifest(version, ['customer_read']), id: 'com.example.a' }, '&release=false'),
      );
    }
    const url = '/v1/apps/apps/com.example.a/versions';
    const all = await call('GET', url, developer.key);
    expect(all.body).toMatchObject({ object: 'list', has_more: false, url });
    const versions = (all.body['data'] as { version: string }[]).map((v) => v.version);
    expect(versions).toEqual(['2.0.0', '1.2.0', '1.1.0', '1.0.0']);

    const pages: string[] = [];
    let after: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = await call(
        'GET',
        `${url}?limit=3${after === undefined ? '' : `&starting_after=${after}`}`,
        developer.key,
      );
      const data = (page.body['data'] as { version: string }[]).map((v) => v.version);
      pages.push(...data);
      after = data.at(-1);
      if (page.body['has_more'] !== true) break;
    }
    expect(pages).toEqual(versions);

    const missing = await call('GET', `${url}?starting_after=9.9.9`, developer.key);
    expect(missing.body.error).toMatchObject({ code: 'resource_missing', param: 'starting_after' });

    const one = await call('GET', `${url}/1.2.0`, developer.key);
    expect(one.body).toMatchObject({
      object: 'app_version',
      app: 'com.example.a',
      version: '1.2.0',
      released: null,
    });
    const none = await call('GET', `${url}/7.0.0`, developer.key);
    expect(none.status).toBe(404);
  });

  it('releases a version: current for every install, forward only, again is a no-op', async () => {
    await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(
        { ...manifest('1.1.0', ['customer_read', 'invoice_read']), id: 'com.example.a' },
        '&release=false',
      ),
    );
    await installApp(domain, {
      actor: { type: 'account_key', account: other.account, key: 'key_x', livemode: false },
      app: 'com.example.a',
    });
    const released = await call('POST', '/v1/apps/apps/com.example.a/versions/1.1.0/release', developer.key);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ object: 'app_version', version: '1.1.0', installs_updated: 1 });
    expect(released.body['released']).toEqual(expect.any(Number));
    const app = await call('GET', '/v1/apps/apps/com.example.a', developer.key);
    expect(app.body['current_version']).toBe('1.1.0');

    const again = await call('POST', '/v1/apps/apps/com.example.a/versions/1.1.0/release', developer.key);
    expect(again.body).toMatchObject({ version: '1.1.0', installs_updated: 0 });

    const back = await call('POST', '/v1/apps/apps/com.example.a/versions/1.0.0/release', developer.key);
    expect(back.status).toBe(400);
    expect(back.body.error).toMatchObject({ code: 'version_not_releasable', param: 'version' });

    const unknown = await call('POST', '/v1/apps/apps/com.example.a/versions/3.0.0/release', developer.key);
    expect(unknown.status).toBe(404);
    const params = await call(
      'POST',
      '/v1/apps/apps/com.example.a/versions/1.1.0/release',
      developer.key,
      'force=true',
    );
    expect(params.body.error).toMatchObject({ code: 'parameter_unknown', param: 'force' });
  });
});

describe('path segments', () => {
  it('a version string with a slash and a space is one URL-encoded path segment', async () => {
    const version = '2026/01 beta';
    await call('POST', '/v1/apps/versions', developer.key, uploadBody(manifest('1.0.0', ['customer_read'])));
    await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest(version, ['customer_read']), '&release=false'),
    );
    const base = `/v1/apps/apps/${APP}/versions/${encodeURIComponent(version)}`;
    const one = await call('GET', base, developer.key);
    expect(one.body).toMatchObject({ version, released: null });
    const released = await call('POST', `${base}/release`, developer.key);
    expect(released.body).toMatchObject({ version, installs_updated: 0 });
    const page = await call(
      'GET',
      `/v1/apps/apps/${APP}/versions?starting_after=${encodeURIComponent(version)}`,
      developer.key,
    );
    expect((page.body['data'] as { version: string }[]).map((v) => v.version)).toEqual(['1.0.0']);
  });
});

describe('idempotency', () => {
  it('replays an upload with the same key and refuses the key with another manifest', async () => {
    const body = uploadBody(manifest('1.0.0', ['customer_read']));
    const headers = { 'idempotency-key': 'upload-crm-sync-1.0.0' };
    const first = await call('POST', '/v1/apps/versions', developer.key, body, headers);
    expect(first.status).toBe(200);
    const replay = await call('POST', '/v1/apps/versions', developer.key, body, headers);
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect((await listAppVersions(domain, { actor: OPERATOR, app: APP })).length).toBe(1);

    const conflicting = await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest('1.0.1', ['customer_read'])),
      headers,
    );
    expect(conflicting.status).toBe(400);
    expect(conflicting.body.error?.type).toBe('idempotency_error');
    expect((await listAppVersions(domain, { actor: OPERATOR, app: APP })).map((v) => v.version)).toEqual([
      '1.0.0',
    ]);

    // the key is the account's: another account's identical request runs (and is refused on its own merits)
    const elsewhere = await call('POST', '/v1/apps/versions', other.key, body, headers);
    expect(elsewhere.headers['idempotent-replayed']).toBeUndefined();
    expect(elsewhere.body.error?.param).toBe('manifest.id');
  });

  it('replays a refused upload as the same error and a release once', async () => {
    const bad = uploadBody({ ...manifest('1.0.0', ['customer_raed']) });
    const headers = { 'idempotency-key': 'upload-bad-manifest' };
    const first = await call('POST', '/v1/apps/versions', developer.key, bad, headers);
    const replay = await call('POST', '/v1/apps/versions', developer.key, bad, headers);
    expect(first.status).toBe(400);
    expect(replay.status).toBe(400);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);

    await call('POST', '/v1/apps/versions', developer.key, uploadBody(manifest('1.0.0', ['customer_read'])));
    await call(
      'POST',
      '/v1/apps/versions',
      developer.key,
      uploadBody(manifest('1.1.0', ['customer_read']), '&release=false'),
    );
    const releaseHeaders = { 'idempotency-key': 'release-crm-sync-1.1.0' };
    const url = `/v1/apps/apps/${APP}/versions/1.1.0/release`;
    const released = await call('POST', url, developer.key, '', releaseHeaders);
    const replayed = await call('POST', url, developer.key, '', releaseHeaders);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(released.body);
    const other = await call(
      'POST',
      `/v1/apps/apps/${APP}/versions/1.0.0/release`,
      developer.key,
      '',
      releaseHeaders,
    );
    expect(other.body.error?.type).toBe('idempotency_error');
  });
});

describe('GET /v1/apps/catalog', () => {
  it('lists public released apps to any account, with developer name, icon and purposes', async () => {
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer.account,
      manifest: manifest('1.0.0', ['customer_read', 'invoice_read']),
    });
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer.account,
      manifest: manifest('2.0.0', ['customer_read', 'invoice_read', 'charge_read']),
      release: false,
    });
    const hidden: [string, Record<string, unknown>, boolean][] = [
      ['com.example.private-app', { distribution_type: 'private' }, true],
      ['com.example.unreleased', {}, false],
    ];
    for (const [id, overrides, release] of hidden) {
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account,
        manifest: { ...manifest('1.0.0', ['customer_read'], overrides), id },
        release,
      });
    }
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: other.account,
      manifest: {
        ...manifest('0.1.0', ['product_read'], { icon: '' }),
        id: 'com.acme.inventory',
        name: 'Inventory',
      },
    });

    for (const key of [other.key, developer.key]) {
      const catalog = await call('GET', '/v1/apps/catalog', key);
      expect(catalog.status).toBe(200);
      expect(catalog.body).toMatchObject({ object: 'list', has_more: false, url: '/v1/apps/catalog' });
      expect(catalog.body['data']).toEqual([
        {
          id: 'com.acme.inventory',
          object: 'apps.catalog_entry',
          name: 'Inventory',
          developer: { id: other.account, name: 'Other Developer' },
          icon: { url: '/dashboard/apps/com.acme.inventory/icon.svg', manifest: null },
          stripe_api_access_type: 'restricted_api_key',
          distribution_type: 'public',
          version: '0.1.0',
          released: expect.any(Number),
          permissions: [{ permission: 'product_read', purpose: 'needs product_read' }],
        },
        {
          id: APP,
          object: 'apps.catalog_entry',
          name: 'CRM Sync',
          developer: { id: developer.account, name: 'Example Developer Ltd' },
          icon: { url: `/dashboard/apps/${APP}/icon.svg`, manifest: './icon.png' },
          stripe_api_access_type: 'restricted_api_key',
          distribution_type: 'public',
          version: '1.0.0',
          released: expect.any(Number),
          permissions: [
            { permission: 'customer_read', purpose: 'needs customer_read' },
            { permission: 'invoice_read', purpose: 'needs invoice_read' },
          ],
        },
      ]);
    }
  });

  it('pages by app id', async () => {
    const ids = ['com.example.p1', 'com.example.p2', 'com.example.p3', 'com.example.p4', 'com.example.p5'];
    for (const id of ids) {
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account,
        manifest: { ...manifest('1.0.0', ['customer_read']), id },
      });
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = await call(
        'GET',
        `/v1/apps/catalog?limit=2${after === undefined ? '' : `&starting_after=${after}`}`,
        other.key,
      );
      const data = (page.body['data'] as { id: string }[]).map((e) => e.id);
      seen.push(...data);
      after = data.at(-1);
      if (page.body['has_more'] !== true) break;
    }
    expect(seen).toEqual(ids);
  });
});

import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { listAudit, verifyAudit } from '../../src/domain/audit.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { DataKeyring, generateDataKey } from '../../src/domain/data-keys.js';
import type { WebhookUrlPolicy } from '../../src/domain/webhook-urls.js';
import { createServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { startWebhookWorker } from '../../src/webhooks/worker.js';
import { apiCall } from '../support/api-call.js';
import { APP, type Receiver, seedAccounts, startReceiver } from './support.js';

const POLICY: WebhookUrlPolicy = {
  allowHosts: ['127.0.0.1', 'hooks.example.com', '*.example.org'],
  allowPrivate: true,
};

let store: Store;
let domain: Domain;
let app: FastifyInstance;
let keys: DataKeyring;
let receiver: Receiver;
let merchantKey: string;
let merchantLiveKey: string;
let merchantAccount: string;
let developerKey: string;
let strangerKey: string;

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  // a clock a second ahead at every reading: creation order is the listing order
  let now = Date.now();
  domain = createDomain({ store, clock: () => (now += 1000) });
  keys = new DataKeyring([generateDataKey()]);
  app = await createServer({ domain, routes: defaultRouteTable(), secretKeys: keys, webhookPolicy: POLICY });
  const seeded = await seedAccounts(domain);
  merchantAccount = seeded.merchant.account.id;
  merchantKey = seeded.merchant.secretKeys.test.secret;
  merchantLiveKey = seeded.merchant.secretKeys.live.secret;
  developerKey = seeded.developer.secretKeys.test.secret;
  strangerKey = seeded.stranger.secretKeys.test.secret;
  receiver = await startReceiver();
});

afterEach(async () => {
  await app.close();
  await receiver.close();
  await store.close();
});

type Json = Record<string, unknown> & {
  error?: { type: string; code?: string; message: string; param?: string };
};

function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  key: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  return apiCall<Json>(app, method, url, key, body, headers);
}

function form(params: Record<string, string | string[] | boolean>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) for (const v of value) parts.push(`${name}[]=${encodeURIComponent(v)}`);
    else parts.push(`${name}=${encodeURIComponent(String(value))}`);
  }
  return parts.join('&');
}

async function createEndpoint(key: string, params: Record<string, string | string[] | boolean>) {
  const created = await call('POST', '/v1/apps/webhook_endpoints', key, form(params));
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body as Json & { id: string; secret: string };
}

describe('webhook endpoints over HTTP', () => {
  it('creates (secret once), lists, retrieves, updates, disables and deletes, every change audited', async () => {
    const created = await createEndpoint(merchantKey, {
      url: receiver.url,
      enabled_events: ['apps.install.created', 'apps.install.deleted'],
      description: 'CRM hooks',
    });
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      account: merchantAccount,
      url: receiver.url,
      description: 'CRM hooks',
      enabled_events: ['apps.install.created', 'apps.install.deleted'],
      connect: false,
      status: 'enabled',
      failing_since: null,
      livemode: false,
    });
    expect(created.id).toMatch(/^we_[0-9A-Za-z]{24}$/);
    expect(created.secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);

    const got = await call('GET', `/v1/apps/webhook_endpoints/${created.id}`, merchantKey);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    expect(got.body['url']).toBe(receiver.url);

    const second = await createEndpoint(merchantKey, {
      url: 'https://hooks.example.com/in',
      'enabled_events[]': '*',
    });
    const list = await call('GET', '/v1/apps/webhook_endpoints?limit=1', merchantKey);
    expect(list.body).toMatchObject({ object: 'list', has_more: true, url: '/v1/apps/webhook_endpoints' });
    expect((list.body['data'] as Json[]).map((e) => e['id'])).toEqual([second.id]);
    const rest = await call('GET', `/v1/apps/webhook_endpoints?starting_after=${second.id}`, merchantKey);
    expect((rest.body['data'] as Json[]).map((e) => e['id'])).toEqual([created.id]);
    expect(rest.body['has_more']).toBe(false);
    expect((rest.body['data'] as Json[])[0]).not.toHaveProperty('secret');

    const disabled = await call(
      'POST',
      `/v1/apps/webhook_endpoints/${created.id}`,
      merchantKey,
      form({ disabled: true, enabled_events: ['*'], url: 'https://sub.example.org/x' }),
    );
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({
      status: 'disabled',
      enabled_events: ['*'],
      url: 'https://sub.example.org/x',
    });
    const enabled = await call(
      'POST',
      `/v1/apps/webhook_endpoints/${created.id}`,
      merchantKey,
      form({ disabled: false }),
    );
    expect(enabled.body['status']).toBe('enabled');

    const deleted = await call('DELETE', `/v1/apps/webhook_endpoints/${created.id}`, merchantKey);
    expect(deleted.body).toEqual({ id: created.id, object: 'webhook_endpoint', deleted: true });
    expect((await call('GET', `/v1/apps/webhook_endpoints/${created.id}`, merchantKey)).status).toBe(404);

    const audit = await listAudit(domain, { limit: 1000 });
    const actions = audit
      .filter((entry) => entry.target.type === 'webhook_endpoint')
      .map((entry) => `${entry.action} ${entry.target.id}`);
    expect(actions).toEqual([
      `webhook_endpoint.created ${created.id}`,
      `webhook_endpoint.created ${second.id}`,
      `webhook_endpoint.updated ${created.id}`,
      `webhook_endpoint.updated ${created.id}`,
      `webhook_endpoint.deleted ${created.id}`,
    ]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
    expect(await verifyAudit(domain)).toMatchObject({ ok: true });
  });

  it('another account, or the other mode, sees no endpoint', async () => {
    const created = await createEndpoint(merchantKey, { url: receiver.url, 'enabled_events[]': '*' });
    for (const key of [strangerKey, merchantLiveKey]) {
      const got = await call('GET', `/v1/apps/webhook_endpoints/${created.id}`, key);
      expect(got.status).toBeGreaterThanOrEqual(400);
      expect((await call('GET', '/v1/apps/webhook_endpoints', key)).body['data']).toEqual([]);
      expect(
        (await call('DELETE', `/v1/apps/webhook_endpoints/${created.id}`, key)).status,
      ).toBeGreaterThanOrEqual(400);
    }
    expect(
      (await call('GET', `/v1/apps/webhook_endpoints/${created.id}`, strangerKey)).body.error,
    ).toMatchObject({
      code: 'resource_missing',
      message: `No such webhook endpoint: \`${created.id}\``,
    });
  });

  it('an idempotent create replays the answer without the secret', async () => {
    const headers = { 'idempotency-key': 'create-endpoint-once' };
    const body = form({ url: receiver.url, enabled_events: ['*'] });
    const first = await call('POST', '/v1/apps/webhook_endpoints', merchantKey, body, headers);
    const again = await call('POST', '/v1/apps/webhook_endpoints', merchantKey, body, headers);
    expect(again.body['id']).toBe(first.body['id']);
    expect(first.body['secret']).toMatch(/^whsec_/);
    expect(again.body).toMatchObject({ secret: null, secret_redacted: true });
    expect(
      ((await call('GET', '/v1/apps/webhook_endpoints', merchantKey)).body['data'] as unknown[]).length,
    ).toBe(1);
  });

  it('refuses bad input with Stripe-shaped errors, writing nothing', async () => {
    const cases: [Record<string, string | string[] | boolean>, string, RegExp][] = [
      [{ enabled_events: ['*'] }, 'url', /url/],
      [{ url: receiver.url }, 'enabled_events', /enabled_events/],
      [{ url: 'ftp://hooks.example.com/x', enabled_events: ['*'] }, 'url', /must use https/],
      [{ url: 'https://evil.example.net/x', enabled_events: ['*'] }, 'url', /has not allowed this host/],
      [{ url: 'https://user:pw@hooks.example.com/x', enabled_events: ['*'] }, 'url', /credentials/],
      [
        { url: receiver.url, enabled_events: ['apps.install.creatd'] },
        'enabled_events[0]',
        /is not an event type/,
      ],
      [
        { url: receiver.url, enabled_events: ['*'], connect: 'maybe' as unknown as boolean },
        'connect',
        /Invalid boolean/,
      ],
      [{ url: receiver.url, enabled_events: ['*'], secret: 'x' }, 'secret', /unknown parameter/],
    ];
    for (const [params, param, message] of cases) {
      const answer = await call('POST', '/v1/apps/webhook_endpoints', merchantKey, form(params));
      expect(answer.status, JSON.stringify(params)).toBe(400);
      expect(answer.body.error?.param, JSON.stringify(params)).toBe(param);
      expect(answer.body.error?.message, JSON.stringify(params)).toMatch(message);
    }
    // live mode: https only, unless the host is allowed exactly
    const live = await call(
      'POST',
      '/v1/apps/webhook_endpoints',
      merchantLiveKey,
      form({ url: 'http://a.example.org/x', enabled_events: ['*'] }),
    );
    expect(live.body.error?.message).toMatch(/live-mode webhook URL must use https/);
    const liveExact = await call(
      'POST',
      '/v1/apps/webhook_endpoints',
      merchantLiveKey,
      form({ url: 'http://hooks.example.com/x', enabled_events: ['*'] }),
    );
    expect(liveExact.status).toBe(200);
    expect(
      ((await call('GET', '/v1/apps/webhook_endpoints', merchantKey)).body['data'] as unknown[]).length,
    ).toBe(0);
    // authentication like the Install API
    const anonymous = await app.inject({ method: 'GET', url: '/v1/apps/webhook_endpoints' });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('deliveries', () => {
  it('queues each event for the endpoints that receive it, and delivers it signed so the Stripe SDK verifies it', async () => {
    const merchantHook = await createEndpoint(merchantKey, { url: receiver.url, enabled_events: ['*'] });
    const onlyDeleted = await createEndpoint(merchantKey, {
      url: receiver.url,
      enabled_events: ['apps.install.deleted'],
    });
    const developerHook = await createEndpoint(developerKey, {
      url: receiver.url,
      enabled_events: ['*'],
      connect: true,
    });
    const developerOwn = await createEndpoint(developerKey, { url: receiver.url, enabled_events: ['*'] });
    const strangerHook = await createEndpoint(strangerKey, {
      url: receiver.url,
      enabled_events: ['*'],
      connect: true,
    });
    const liveHook = await createEndpoint(merchantLiveKey, {
      url: 'https://hooks.example.com/live',
      enabled_events: ['*'],
    });

    const installed = await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`);
    expect(installed.status).toBe(200);

    const deliveries = async (endpoint: string, key: string) =>
      ((await call('GET', `/v1/apps/webhook_endpoints/${endpoint}/deliveries?limit=100`, key)).body[
        'data'
      ] as Json[]) ?? [];
    const expected = ['apps.install.created', 'apps.install.key.created', 'account.application.authorized'];
    const merchantQueued = await deliveries(merchantHook.id, merchantKey);
    expect(merchantQueued.map((d) => d['event_type']).sort()).toEqual([...expected].sort());
    expect(merchantQueued.every((d) => d['status'] === 'pending' && d['attempt_count'] === 0)).toBe(true);
    expect((await deliveries(developerHook.id, developerKey)).map((d) => d['event_type']).sort()).toEqual(
      [...expected].sort(),
    );
    expect(await deliveries(onlyDeleted.id, merchantKey)).toEqual([]);
    expect(await deliveries(developerOwn.id, developerKey)).toEqual([]); // not the developer's own account's events
    expect(await deliveries(strangerHook.id, strangerKey)).toEqual([]); // not the stranger's app
    expect(await deliveries(liveHook.id, merchantLiveKey)).toEqual([]); // another mode

    const worker = startWebhookWorker({ domain, keys, policy: POLICY, poll: false });
    expect(await worker.runOnce()).toBe(6);
    await worker.stop();
    expect(receiver.received.length).toBe(6);

    const stripe = new Stripe('sk_test_unused');
    const stored = await store.transaction(
      async (tx) => Promise.all(merchantQueued.map((d) => tx.getEvent(d['event'] as string))),
      { readOnly: true },
    );
    const bodies = new Set(stored.map((row) => row!.body));
    const forMerchant = receiver.received.filter((r) => bodies.has(r.body));
    expect(forMerchant.length).toBe(6); // each event went to both endpoints, body unchanged
    const secrets = [merchantHook.secret, developerHook.secret];
    for (const request of receiver.received) {
      const header = request.headers['stripe-signature'] as string;
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(request.headers['content-type']).toMatch(/^application\/json/);
      const verified = secrets.flatMap((secret) => {
        try {
          return [stripe.webhooks.constructEvent(request.body, header, secret)];
        } catch {
          return [];
        }
      });
      expect(verified.length).toBe(1); // exactly one endpoint's secret signed it
      expect(JSON.stringify(verified[0])).toBe(request.body);
      // a tampered body or a wrong secret fails
      const tampered = request.body.replace('"livemode":false', '"livemode":true');
      expect(tampered).not.toBe(request.body);
      for (const secret of secrets) {
        expect(() => stripe.webhooks.constructEvent(tampered, header, secret)).toThrow(/signature/i);
      }
      expect(() =>
        stripe.webhooks.constructEvent(request.body, header, 'whsec_not_the_right_secret_at_all'),
      ).toThrow(/signature/i);
    }
    const done = await deliveries(merchantHook.id, merchantKey);
    expect(
      done.every(
        (d) => d['status'] === 'succeeded' && d['attempt_count'] === 1 && d['next_attempt_at'] === null,
      ),
    ).toBe(true);
    expect((done[0]!['attempts'] as Json[])[0]).toMatchObject({
      attempt: 1,
      http_status: 200,
      error: null,
      response: '{"received":true}',
    });
  });

  it('a disabled endpoint gets no new deliveries, and its pending ones wait until it is enabled', async () => {
    const hook = await createEndpoint(merchantKey, { url: receiver.url, enabled_events: ['*'] });
    await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`);
    await call('POST', `/v1/apps/webhook_endpoints/${hook.id}`, merchantKey, form({ disabled: true }));
    const worker = startWebhookWorker({ domain, keys, policy: POLICY, poll: false });
    expect(await worker.runOnce()).toBe(0);
    const installs = await call('GET', '/v1/apps/installs', merchantKey);
    const install = (installs.body['data'] as Json[])[0]!['id'] as string;
    await call('POST', `/v1/apps/installs/${install}/uninstall`, merchantKey, '');
    const list = await call('GET', `/v1/apps/webhook_endpoints/${hook.id}/deliveries?limit=100`, merchantKey);
    expect((list.body['data'] as unknown[]).length).toBe(3); // the uninstall's events were not queued
    await call('POST', `/v1/apps/webhook_endpoints/${hook.id}`, merchantKey, form({ disabled: false }));
    expect(await worker.runOnce()).toBe(3);
    await worker.stop();
  });

  it('retries one delivery by hand, and pages deliveries', async () => {
    const hook = await createEndpoint(merchantKey, { url: receiver.url, enabled_events: ['*'] });
    receiver.answer = () => ({ status: 500, body: 'down for maintenance' });
    await call('POST', '/v1/apps/installs', merchantKey, `app=${APP}`);
    const worker = startWebhookWorker({ domain, keys, policy: POLICY, poll: false });
    await worker.runOnce();
    const first = await call('GET', `/v1/apps/webhook_endpoints/${hook.id}/deliveries?limit=2`, merchantKey);
    expect(first.body['has_more']).toBe(true);
    const page = first.body['data'] as Json[];
    const next = await call(
      'GET',
      `/v1/apps/webhook_endpoints/${hook.id}/deliveries?limit=2&starting_after=${page[1]!['id'] as string}`,
      merchantKey,
    );
    expect((next.body['data'] as Json[]).length).toBe(1);
    const failed = page[0]!;
    expect(failed).toMatchObject({ status: 'pending', attempt_count: 1 });
    expect((failed['attempts'] as Json[])[0]).toMatchObject({
      http_status: 500,
      response: 'down for maintenance',
      error: 'the receiver answered 500',
    });
    expect(failed['next_attempt_at'] as number).toBeGreaterThan(Date.now());
    const endpoint = await call('GET', `/v1/apps/webhook_endpoints/${hook.id}`, merchantKey);
    expect(endpoint.body['failing_since']).toEqual(expect.any(Number));

    receiver.answer = () => ({ status: 204 });
    const retried = await call(
      'POST',
      `/v1/apps/webhook_endpoints/${hook.id}/deliveries/${failed['id'] as string}/retry`,
      merchantKey,
      '',
    );
    expect(retried.status).toBe(200);
    expect(retried.body['status']).toBe('pending');
    expect(await worker.runOnce()).toBe(1);
    await worker.stop();
    const after = await call(
      'GET',
      `/v1/apps/webhook_endpoints/${hook.id}/deliveries?limit=100`,
      merchantKey,
    );
    const again = (after.body['data'] as Json[]).find((d) => d['id'] === failed['id'])!;
    expect(again).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    expect(
      (await call('GET', `/v1/apps/webhook_endpoints/${hook.id}`, merchantKey)).body['failing_since'],
    ).toBeNull();
    const twice = await call(
      'POST',
      `/v1/apps/webhook_endpoints/${hook.id}/deliveries/${failed['id'] as string}/retry`,
      merchantKey,
      '',
    );
    expect(twice.body.error?.message).toMatch(/already succeeded/);
    const audit = await listAudit(domain, { limit: 1000 });
    expect(audit.filter((e) => e.action === 'webhook_delivery.retried').map((e) => e.target.id)).toEqual([
      failed['id'],
    ]);
  });
});

describe('the OpenAPI fragment', () => {
  it('documents every webhooks route, and every documented operation answers', async () => {
    const { paths } = await import('../../src/server/openapi/webhooks.js');
    const documented: string[] = [];
    for (const [path, item] of Object.entries(paths)) {
      for (const method of Object.keys(item as object)) {
        documented.push(`${method.toUpperCase()} ${path}`);
        const url = path.replace('{endpoint}', 'we_missing').replace('{delivery}', 'whdel_missing');
        const answer = await call(
          method.toUpperCase() as 'GET',
          url,
          merchantKey,
          method === 'post' ? '' : undefined,
        );
        expect(answer.body.error?.message ?? '', `${method} ${path}`).not.toMatch(/Unrecognized request URL/);
        expect(
          app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }),
        ).toBe(true);
      }
    }
    expect(documented.sort()).toEqual([
      'DELETE /v1/apps/webhook_endpoints/{endpoint}',
      'GET /v1/apps/webhook_endpoints',
      'GET /v1/apps/webhook_endpoints/{endpoint}',
      'GET /v1/apps/webhook_endpoints/{endpoint}/deliveries',
      'POST /v1/apps/webhook_endpoints',
      'POST /v1/apps/webhook_endpoints/{endpoint}',
      'POST /v1/apps/webhook_endpoints/{endpoint}/deliveries/{delivery}/retry',
    ]);
    // every schema referenced is defined in the whole document (the fragment's own, and the shared `Error`)
    const { buildOpenApiDocument } = await import('../../src/server/openapi/index.js');
    const documentSchemas = (buildOpenApiDocument() as { components: { schemas: object } }).components
      .schemas;
    const refs = [...JSON.stringify(paths).matchAll(/#\/components\/schemas\/(\w+)/g)].map((m) => m[1]!);
    for (const name of refs) expect(Object.keys(documentSchemas)).toContain(name);
  });
});

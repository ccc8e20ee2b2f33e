import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { installApp } from '../../src/domain/installs.js';
import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import { createServer } from '../../src/server/app.js';
import { createMetrics, type GatewayMetrics } from '../../src/server/metrics.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { manifest } from '../domain/helpers.js';

let store: Store;
let domain: Domain;
let app: FastifyInstance;
let log: DecisionLog;
let metrics: GatewayMetrics;
let merchantKey: string;
let merchantAccount: string;
let strangerKey: string;
let install: string;
let strangerInstall: string;

function decision(n: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    time: Date.now() - 60_000 + n,
    requestId: `req_test${n}`,
    account: merchantAccount,
    install,
    app: 'com.example.crm',
    keyHint: 'rk_test_***…abcd',
    livemode: false,
    method: 'GET',
    route: '/v1/customers',
    path: '/v1/customers',
    requirement: [['customer_read', 'customer_write']],
    outcome: 'allowed',
    missing: [],
    status: 200,
    latencyMs: 0.4,
    ...overrides,
  };
}

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  domain = createDomain({ store });
  metrics = createMetrics();
  log = new DecisionLog({ store, metrics, flushIntervalMs: 60_000 });
  app = await createServer({ domain, routes: defaultRouteTable(), decisions: log, metrics });
  const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
  const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
  const stranger = await createAccount(domain, { actor: OPERATOR, name: 'Stranger' });
  merchantAccount = merchant.account.id;
  merchantKey = merchant.secretKeys.test.secret;
  strangerKey = stranger.secretKeys.test.secret;
  await uploadAppVersion(domain, {
    actor: OPERATOR,
    account: developer.account.id,
    manifest: { ...manifest('com.example.crm', '1.0.0', ['customer_read']), distribution_type: 'public' },
  });
  install = (await installApp(domain, { actor: OPERATOR, app: 'com.example.crm', account: merchantAccount }))
    .install.id;
  strangerInstall = (
    await installApp(domain, { actor: OPERATOR, app: 'com.example.crm', account: stranger.account.id })
  ).install.id;
  log.record(decision(1));
  log.record(
    decision(2, {
      route: '/v1/charges',
      path: '/v1/charges',
      requirement: [['charge_read', 'charge_write']],
      outcome: 'denied',
      missing: [['charge_read', 'charge_write']],
      status: 403,
    }),
  );
  log.record(decision(3, { account: stranger.account.id, install: strangerInstall }));
  await log.flush();
});

afterEach(async () => {
  await app.close();
  await log.close();
  await store.close();
});

function requestIds(body: Record<string, unknown>): string[] {
  return (body['data'] as Array<{ request_id: string }>).map((d) => d.request_id);
}

async function get(url: string, key: string) {
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

describe('GET /v1/apps/decisions and /v1/apps/installs/:id/decisions', () => {
  it('lists the account’s decisions newest first, Stripe list shape', async () => {
    const { status, body } = await get('/v1/apps/decisions', merchantKey);
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: 'list', has_more: false, url: '/v1/apps/decisions' });
    const data = body['data'] as Array<Record<string, unknown>>;
    expect(data.map((d) => d['request_id'])).toEqual(['req_test2', 'req_test1']);
    expect(data[0]!['id']).toMatch(/^dec_\d+$/);
    expect(data[0]).toMatchObject({
      object: 'apps.decision',
      outcome: 'denied',
      missing: [['charge_read', 'charge_write']],
      key: 'rk_test_***…abcd',
    });
  });

  it('filters by outcome, permission and created, and pages', async () => {
    const denied = await get('/v1/apps/decisions?outcome=denied', merchantKey);
    expect((denied.body['data'] as unknown[]).length).toBe(1);
    const byPermission = await get('/v1/apps/decisions?permission=customer_read', merchantKey);
    expect(requestIds(byPermission.body)).toEqual(['req_test1']);
    const byRequest = await get('/v1/apps/decisions?request_id=req_test2', merchantKey);
    expect(requestIds(byRequest.body)).toEqual(['req_test2']);
    const future = Math.floor(Date.now() / 1000) + 10;
    const none = await get(`/v1/apps/decisions?created[gte]=${future}`, merchantKey);
    expect(none.body['data']).toEqual([]);
    const page = await get('/v1/apps/decisions?limit=1', merchantKey);
    expect(page.body['has_more']).toBe(true);
    const cursor = (page.body['data'] as Array<{ id: string }>)[0]!.id;
    const next = await get(`/v1/apps/decisions?limit=1&starting_after=${cursor}`, merchantKey);
    expect(requestIds(next.body)).toEqual(['req_test1']);
  });

  it('lists one install’s decisions, and 404s another account’s install', async () => {
    const own = await get(`/v1/apps/installs/${install}/decisions?outcome=allowed`, merchantKey);
    expect(own.status).toBe(200);
    expect(own.body['url']).toBe(`/v1/apps/installs/${install}/decisions`);
    expect(requestIds(own.body)).toEqual(['req_test1']);
    const theirs = await get(`/v1/apps/installs/${strangerInstall}/decisions`, merchantKey);
    expect(theirs.status).toBe(404);
    const mine = await get(`/v1/apps/installs/${strangerInstall}/decisions`, strangerKey);
    expect(requestIds(mine.body)).toEqual(['req_test3']);
  });

  it('refuses bad parameters precisely', async () => {
    const outcome = await get('/v1/apps/decisions?outcome=maybe', merchantKey);
    expect(outcome.status).toBe(400);
    expect(outcome.body['error']).toMatchObject({ param: 'outcome', code: 'parameter_invalid' });
    const limit = await get('/v1/apps/decisions?limit=500', merchantKey);
    expect(limit.status).toBe(400);
    expect(limit.body['error']).toMatchObject({ param: 'limit' });
    const unknown = await get(`/v1/apps/installs/${install}/decisions?install=x`, merchantKey);
    expect(unknown.status).toBe(400);
    const noKey = await app.inject({ method: 'GET', url: '/v1/apps/decisions' });
    expect(noKey.statusCode).toBe(401);
  });
});

describe('GET /metrics', () => {
  it('serves the text format with the gateway and decision log metrics', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(text).toContain(
      'appscope_gateway_requests_total{outcome="denied",route="/v1/charges",method="GET"} 1',
    );
    expect(text).toContain(
      'appscope_gateway_requests_total{outcome="allowed",route="/v1/customers",method="GET"} 2',
    );
    expect(text).toContain(
      'appscope_gateway_decision_latency_seconds_bucket{le="0.0005",outcome="allowed"} 2',
    );
    expect(text).toContain('appscope_decision_log_written_total 3');
    expect(text).toContain('appscope_decision_log_dropped_total 0');
    expect(text).toContain('appscope_decision_log_queue_depth 0');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('rk_test');
    expect(text).not.toContain(merchantAccount);
  });

  it('keeps a registry per server (no shared counters)', async () => {
    const other = await createServer({ domain, routes: defaultRouteTable() });
    const text = (await other.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toContain('appscope_gateway_requests_total{');
    await other.close();
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstallKey } from '../../src/domain/keys.js';
import { setShadowMode } from '../../src/domain/shadow-mode.js';
import { type EmulatorServer, startEmulatorServer } from '../../src/emulator/server.js';
import { type RecordingUpstream, startRecordingUpstream } from './recording-upstream.js';
import { type GatewayWorld, rejection, startGateway } from './support.js';

const UPSTREAM_KEY = 'sk_test_upstream_secret_never_shown_0001';

/** A customers list through `w` ends in 504 `upstream_timeout`, well within 2 s. */
async function expectTimeout(w: GatewayWorld): Promise<void> {
  const started = Date.now();
  const error = await rejection<InstanceType<typeof Stripe.errors.StripeAPIError>>(
    w.stripe(w.merchant.sk.test).customers.list(),
  );
  expect(error.statusCode).toBe(504);
  expect(error.code).toBe('upstream_timeout');
  expect(Date.now() - started).toBeLessThan(2000);
}

/** A gateway in front of a plain node:http upstream that answers with `handler`. */
async function withUpstream(
  handler: http.RequestListener,
  timeoutMs: number,
  check: (w: GatewayWorld) => Promise<void>,
): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const w = await startGateway({
    gateway: { kind: 'http', url: `http://127.0.0.1:${port}`, secretKey: UPSTREAM_KEY, timeoutMs },
  });
  try {
    await check(w);
  } finally {
    await w.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('HTTP upstream: what is forwarded and what is stripped', () => {
  let upstream: RecordingUpstream;
  let w: GatewayWorld;
  let key: string;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    w = await startGateway({
      gateway: {
        kind: 'http',
        url: upstream.url,
        secretKey: UPSTREAM_KEY,
        multiAccount: true,
        timeoutMs: 2000,
      },
    });
    await w.publish('com.example.http', '1.0.0', ['customer_write']);
    key = (await w.install('com.example.http')).key!.secret;
  });

  afterAll(async () => {
    await w.close();
    await upstream.close();
  });

  it('forwards the canonical request with whitelisted headers and the upstream key', async () => {
    const response = await fetch(`${w.url}/v1/customers/cus_123?expand[0]=default_source`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': 'idem-1',
        'stripe-version': '2026-10-28.endive',
        'user-agent': 'Stripe/v1 NodeBindings/23.1.0',
        'x-stripe-client-user-agent': '{"lang":"node"}',
        'stripe-account': w.merchant.id,
        'stripe-context': 'acct_other',
        cookie: 'session=1',
        'x-forwarded-for': '10.0.0.1',
        'proxy-authorization': 'Basic abc',
        'x-custom': 'nope',
      },
      body: 'email=a%40example.com&metadata[k]=v',
    });
    expect(response.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    expect(seen.method).toBe('POST');
    // canonical forwarding (issue 11): a POST's query parameters arrive in its body
    expect(seen.url).toBe('/v1/customers/cus_123');
    expect(seen.body.toString('latin1')).toBe('email=a%40example.com&metadata[k]=v&expand[0]=default_source');
    const { host, connection, ...forwarded } = seen.headers;
    expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(connection).toBe('keep-alive');
    expect(forwarded).toEqual({
      authorization: `Bearer ${UPSTREAM_KEY}`,
      'stripe-account': w.merchant.id,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': '60',
      'idempotency-key': 'idem-1',
      'stripe-version': '2026-10-28.endive',
      'user-agent': 'Stripe/v1 NodeBindings/23.1.0',
      'x-stripe-client-user-agent': '{"lang":"node"}',
      accept: '*/*',
      'accept-language': '*',
    });
    // answers come back with our request id; the upstream's is kept; hop-by-hop headers are dropped
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('request-id')).not.toBe('req_upstream123');
    expect(response.headers.get('upstream-request-id')).toBe('req_upstream123');
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.get('keep-alive')).not.toBe('timeout=5');
    expect(await response.json()).toEqual({ object: 'list', data: [], has_more: false, url: '/v1/x' });
  });

  it('drops the headers an answer’s Connection header names, whole or streamed', async () => {
    const { defaultAnswer } = await import('./recording-upstream.js');
    for (const size of [10, 200 * 1024]) {
      upstream.answer = (_request, response) => {
        const body = JSON.stringify({ object: 'list', data: [], has_more: false, url: 'x'.repeat(size) });
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          connection: 'keep-alive, X-Hop-Only',
          'x-hop-only': 'secret-routing-detail',
          'x-kept': 'yes',
        });
        response.end(body);
      };
      try {
        const response = await fetch(`${w.url}/v1/customers`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('x-hop-only')).toBeNull();
        expect(response.headers.get('x-kept')).toBe('yes');
        expect(((await response.json()) as { url: string }).url).toHaveLength(size);
      } finally {
        upstream.answer = defaultAnswer;
      }
    }
  });

  it('says so in headers when an install in shadow mode makes a would-be denial', async () => {
    await w.publish('com.example.http-shadow', '1.0.0', ['customer_read']);
    const { install, key: shadowKey } = await w.install('com.example.http-shadow');
    await setShadowMode(w.domain, { actor: w.merchant.actor.test, install: install.id, enabled: true });
    const response = await fetch(`${w.url}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${shadowKey!.secret}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'email=a%40example.com',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('appscope-shadow-decision')).toBe('more_permissions_required');
    expect(response.headers.get('appscope-accepted-permissions')).toBe('customer_write');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('upstream-request-id')).toBe('req_upstream123');
    expect(upstream.seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/customers' });
    expect(w.decisions.at(-1)).toMatchObject({ outcome: 'shadow_denied', status: 200, install: install.id });
  });

  it('forwards HEAD as GET and sends no body on GET or DELETE', async () => {
    const head = await fetch(`${w.url}/v1/customers?limit=1`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(head.status).toBe(200);
    expect(upstream.seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/customers?limit=1' });
    const del = await fetch(`${w.url}/v1/customers/cus_1`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(del.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'DELETE', url: '/v1/customers/cus_1' });
    expect(seen.body.length).toBe(0);
    expect(seen.headers['content-length']).toBeUndefined();
  });

  it('streams large answers back', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    upstream.answer = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"object":"list","data":[],"has_more":false,"url":"');
      response.write(big);
      response.end('"}');
    };
    try {
      const response = await fetch(`${w.url}/v1/customers`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await response.json()) as { url: string };
      expect(body.url).toHaveLength(big.length);
    } finally {
      const { defaultAnswer } = await import('./recording-upstream.js');
      upstream.answer = defaultAnswer;
    }
  });

  it('the upstream key never appears in answers or decision records', async () => {
    const stripe = w.stripe(key);
    await stripe.customers.list();
    await rejection(stripe.products.list());
    expect(JSON.stringify(w.decisions)).not.toContain(UPSTREAM_KEY);
  });

  it('refuses requests in a mode the upstream key does not serve', async () => {
    await w.publish('com.example.live-only', '1.0.0', ['customer_read']);
    const live = (await w.install('com.example.live-only', 'live')).key!.secret;
    const error = await rejection<Error>(w.stripe(live).customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((error as unknown as { code: string }).code).toBe('mode_not_served');
  });
});

describe('HTTP upstream: the standalone emulator as a multi-account upstream', () => {
  let emulator: EmulatorServer;
  let w: GatewayWorld;

  beforeAll(async () => {
    emulator = await startEmulatorServer({ port: 0 });
    w = await startGateway({
      gateway: {
        kind: 'http',
        url: emulator.url,
        secretKey: 'sk_test_gateway',
        multiAccount: true,
        timeoutMs: 5000,
      },
    });
  });

  afterAll(async () => {
    await w.close();
    await emulator.close();
  });

  it('keeps each account and mode apart and enforces grants end to end', async () => {
    await w.publish('com.example.remote', '1.0.0', ['customer_read']);
    const { install } = await w.install('com.example.remote');
    const merchant = w.stripe(w.merchant.sk.test);
    const customer = await merchant.customers.create({ email: 'remote@example.com' });
    const second = await createInstallKey(w.domain, {
      actor: w.merchant.actor.test,
      install: install.id,
    });
    const app = w.stripe(second.secret);
    expect(((await app.customers.retrieve(customer.id)) as Stripe.Customer).email).toBe('remote@example.com');
    expect(await rejection<Error>(app.customers.create({}))).toBeInstanceOf(
      Stripe.errors.StripePermissionError,
    );
    const stranger = w.stripe(w.stranger.sk.test);
    expect(await rejection<Error>(stranger.customers.retrieve(customer.id))).toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
  });
});

describe('HTTP upstream: down or slow', () => {
  it('answers 502 when the upstream refuses connections', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const w = await startGateway({
      gateway: { kind: 'http', url: `http://127.0.0.1:${port}`, secretKey: UPSTREAM_KEY, timeoutMs: 1000 },
    });
    try {
      const started = Date.now();
      const error = await rejection<InstanceType<typeof Stripe.errors.StripeAPIError>>(
        w.stripe(w.merchant.sk.test).customers.list(),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error.statusCode).toBe(502);
      expect(error.code).toBe('upstream_unavailable');
      expect(error.requestId).toMatch(/^req_/);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(w.decisions.at(-1)).toMatchObject({ outcome: 'allowed', status: 502 });
    } finally {
      await w.close();
    }
  });

  it('answers 504 within the time limit when the upstream is silent', async () => {
    await withUpstream(
      () => {
        // never answers
      },
      200,
      expectTimeout,
    );
  });
});

describe('HTTP upstream: an answer cut short', () => {
  it('answers 502 when the upstream closes before the body it announced', async () => {
    await withUpstream(
      (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        response.write('{"object":"li');
        setTimeout(() => response.socket?.destroy(), 20);
      },
      2000,
      async (w) => {
        const error = await rejection<InstanceType<typeof Stripe.errors.StripeAPIError>>(
          w.stripe(w.merchant.sk.test).customers.list(),
        );
        expect(error.statusCode).toBe(502);
        expect(error.code).toBe('upstream_unavailable');
        expect(w.decisions.at(-1)).toMatchObject({ outcome: 'allowed', status: 502 });
      },
    );
  });

  it('answers 504 within the time limit when the body stalls', async () => {
    await withUpstream(
      (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        response.write('{"object":"li'); // and nothing more
      },
      200,
      expectTimeout,
    );
  });
});

describe('HTTP upstream: a caller that hangs up', () => {
  it('gives up the upstream call at once instead of waiting for the time limit', async () => {
    let upstreamClosed!: () => void;
    const closedUpstream = new Promise<void>((resolve) => (upstreamClosed = resolve));
    let arrived!: () => void;
    const arrivedUpstream = new Promise<void>((resolve) => (arrived = resolve));
    const silent: http.RequestListener = (request) => {
      request.socket.once('close', upstreamClosed);
      arrived();
    };
    await withUpstream(silent, 60_000, async (w) => {
      // node:http, not fetch: destroying the request closes its socket at once
      const call = http.get(`${w.url}/v1/customers`, {
        headers: { authorization: `Bearer ${w.merchant.sk.test}` },
      });
      const failed = new Promise<Error>((resolve) => call.once('error', resolve));
      await arrivedUpstream;
      const hungUp = Date.now();
      call.destroy();
      expect((await failed).message).toBe('socket hang up');
      await closedUpstream;
      // far inside the 60 s limit: the gateway closed its upstream connection when the caller left
      expect(Date.now() - hungUp).toBeLessThan(5000);
      await expect.poll(() => w.decisions.at(-1)).toMatchObject({ outcome: 'allowed', status: 502 });
    });
  });
});

describe('gateway options', () => {
  it('are validated once, at registration', async () => {
    await expect(
      startGateway({ gateway: { kind: 'http', url: 'ftp://x', secretKey: UPSTREAM_KEY, timeoutMs: 10 } }),
    ).rejects.toThrow(/must be http or https/);
    await expect(
      startGateway({
        gateway: { kind: 'http', url: 'http://127.0.0.1:1', secretKey: 'bad key', timeoutMs: 10 },
      }),
    ).rejects.toThrow(/without spaces/);
    await expect(
      startGateway({
        gateway: { kind: 'http', url: 'http://127.0.0.1:1', secretKey: UPSTREAM_KEY, timeoutMs: 0 },
      }),
    ).rejects.toThrow(/timeoutMs/);
  });
});

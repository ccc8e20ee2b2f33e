import { afterEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { createDomain } from '../../src/domain/context.js';
import { generateSecret } from '../../src/domain/secrets.js';
import { AppscopeError } from '../../src/errors.js';
import { createServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

/**
 * The OAuth endpoints when things go wrong around them: an address that keeps failing client
 * authentication is throttled, and a failing store is an RFC-shaped 500 or 503 — never a
 * Stripe-shaped body, never a leak.
 */

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * A server on an in-memory store; `fail()` makes every store call throw `error` from then on. */
async function server(options: { throttle?: { failures: number } | false; error?: Error } = {}) {
  const store = await openStore('sqlite::memory:');
  let failing = false;
  const failingStore = new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== 'function' || name === 'close') return value;
      return (...args: unknown[]) => {
        if (failing)
          throw options.error ?? new AppscopeError('ERR_STORE', 'the store failed: disk I/O error');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Store;
  const domain = createDomain({ store: failingStore, catalog: defaultCatalog() });
  const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
  const app = await createServer({
    domain,
    routes: defaultRouteTable(),
    gateway: { kind: 'emulator' },
    oauth: { throttle: options.throttle ?? false },
  });
  closers.push(async () => {
    await app.close();
    await store.close();
  });
  return {
    app,
    sk: developer.secretKeys.test.secret,
    fail: () => {
      failing = true;
    },
  };
}

describe('the OAuth endpoints under failure', () => {
  it('throttle an address that keeps failing client authentication: 429, Retry-After, no-store, RFC-shaped', async () => {
    const { app, sk } = await server({ throttle: { failures: 2 } });
    const attempt = (authorization: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/oauth/token',
        headers: { ...FORM, authorization },
        payload: 'grant_type=authorization_code&code=ac_test_x',
        remoteAddress: '198.51.100.7',
      });
    for (let i = 0; i < 3; i++) expect((await attempt('Digest nope')).statusCode).toBe(401);
    const refused = await attempt(`Bearer ${sk}`); // even good credentials, until the block ends
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: expect.stringMatching(/^too many failed client authentications from this address/),
    });
    // another address is not concerned
    const other = await app.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
      remoteAddress: '198.51.100.8',
    });
    expect(other.statusCode).toBe(200);
  });

  it('answer an unexpected failure with an RFC-shaped 500 server_error naming the request id', async () => {
    const { app, sk, fail } = await server({ error: new Error('disk I/O went wrong in an unexpected way') });
    fail();
    for (const url of ['/v1/oauth/token', '/v1/oauth/revoke', '/v1/oauth/deauthorize']) {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { ...FORM, authorization: `Bearer ${sk}` },
        payload:
          url === '/v1/oauth/token'
            ? `grant_type=refresh_token&refresh_token=${generateSecret('rt', 'test')}`
            : url === '/v1/oauth/revoke'
              ? `token=${generateSecret('at', 'test')}`
              : 'client_id=com.example.x&stripe_user_id=acct_x',
      });
      expect(response.statusCode, url).toBe(500);
      expect(response.headers['cache-control']).toBe('no-store');
      const body = response.json() as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
      expect(body['error']).toBe('server_error');
      expect(body['error_description']).toContain(String(response.headers['request-id']));
      expect(response.body).not.toContain('disk I/O');
    }
  });

  it('answer a busy or unreachable store with an RFC-shaped 503 temporarily_unavailable (fail closed)', async () => {
    for (const error of [
      new AppscopeError('ERR_STORE_BUSY', 'the store is busy, try again: SQLITE_BUSY'),
      new AppscopeError('ERR_STORE', 'the store failed: disk I/O error'),
    ]) {
      const { app, sk, fail } = await server({ error });
      fail();
      const response = await app.inject({
        method: 'POST',
        url: '/v1/oauth/token',
        headers: { ...FORM, authorization: `Bearer ${sk}` },
        payload: `grant_type=refresh_token&refresh_token=${generateSecret('rt', 'test')}`,
      });
      expect(response.statusCode, error.code).toBe(503);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.json()).toMatchObject({ error: 'temporarily_unavailable' });
      expect(response.body).not.toContain('disk I/O');
    }
  });
});

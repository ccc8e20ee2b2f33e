import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { createInstallKey, revokeKey } from '../../src/domain/keys.js';
import { createPrincipalCache } from '../../src/gateway/principal-cache.js';
import type { Store } from '../../src/store/store.js';
import { type GatewayWorld, rejection, startGateway } from './support.js';

describe('the principal cache', () => {
  let w: GatewayWorld;
  let secret: string;
  let keyId: string;

  beforeEach(async () => {
    w = await startGateway();
    await w.publish('com.example.cache', '1.0.0', ['customer_read']);
    const { key } = await w.install('com.example.cache');
    secret = key!.secret;
    keyId = key!.id;
  });

  afterEach(async () => {
    await w.close();
  });

  /** A store that counts transactions and can run something right after one (a racing change). */
  function instrumented(store: Store): {
    store: Store;
    count: () => number;
    after: (fn: () => Promise<void>) => void;
  } {
    let transactions = 0;
    let hook: (() => Promise<void>) | undefined;
    const wrapper: Store = {
      dialect: store.dialect,
      location: store.location,
      async transaction(fn, options) {
        transactions++;
        const result = await store.transaction(fn, options);
        const run = hook;
        hook = undefined;
        if (run !== undefined) await run();
        return result;
      },
      onChange: (listener) => store.onChange(listener),
      close: () => store.close(),
    };
    return { store: wrapper, count: () => transactions, after: (fn) => (hook = fn) };
  }

  it('serves repeated lookups without the store, and forgets everything on a change', async () => {
    const probe = instrumented(w.store);
    const domain: Domain = createDomain({ store: probe.store, catalog: defaultCatalog() });
    const cache = createPrincipalCache(domain);
    try {
      expect((await cache.authenticate(secret)).ok).toBe(true);
      expect((await cache.authenticate(secret)).ok).toBe(true);
      expect(probe.count()).toBe(1);
      expect(cache.size).toBe(1);
      await revokeKey(w.domain, { actor: w.merchant.actor.test, key: keyId });
      expect(cache.size).toBe(0);
      const after = await cache.authenticate(secret);
      expect(after.ok).toBe(false);
      expect(after.ok ? undefined : after.reason).toBe('revoked');
    } finally {
      cache.close();
    }
  });

  it('does not keep an answer that raced with a change', async () => {
    const probe = instrumented(w.store);
    const domain: Domain = createDomain({ store: probe.store, catalog: defaultCatalog() });
    const cache = createPrincipalCache(domain);
    try {
      probe.after(async () => {
        await revokeKey(w.domain, { actor: w.merchant.actor.test, key: keyId });
      });
      expect((await cache.authenticate(secret)).ok).toBe(true); // read before the revocation committed
      expect(cache.size).toBe(0);
      expect((await cache.authenticate(secret)).ok).toBe(false);
    } finally {
      cache.close();
    }
  });

  it('makes one store read for concurrent misses, never shared across a change', async () => {
    let transactions = 0;
    let gate: Promise<void> | undefined;
    const store: Store = {
      dialect: w.store.dialect,
      location: w.store.location,
      async transaction(fn, options) {
        transactions++;
        if (gate !== undefined) await gate;
        return w.store.transaction(fn, options);
      },
      onChange: (listener) => w.store.onChange(listener),
      close: () => w.store.close(),
    };
    const cache = createPrincipalCache(createDomain({ store, catalog: defaultCatalog() }));
    try {
      const together = await Promise.all(Array.from({ length: 5 }, () => cache.authenticate(secret)));
      expect(together.every((result) => result.ok)).toBe(true);
      expect(transactions).toBe(1);

      await revokeKey(w.domain, { actor: w.merchant.actor.test, key: keyId }); // empties the cache
      let open!: () => void;
      gate = new Promise<void>((resolve) => (open = resolve));
      const before = cache.authenticate(secret); // held before its read
      const joined = cache.authenticate(secret); // shares it
      expect(transactions).toBe(2);
      // a change while the read is held: later requests must not join a read from before it
      await w.store.transaction(async (tx) => tx.notify({ kind: 'key', id: keyId }));
      const after = cache.authenticate(secret);
      expect(transactions).toBe(3);
      open();
      gate = undefined;
      for (const result of await Promise.all([before, joined, after])) {
        expect(result).toMatchObject({ ok: false, reason: 'revoked' });
      }
    } finally {
      cache.close();
    }
  });

  it('does not cache malformed keys', async () => {
    const cache = createPrincipalCache(w.domain);
    try {
      expect((await cache.authenticate('rk_test_nope')).ok).toBe(false);
      expect((await cache.authenticate('x'.repeat(500))).ok).toBe(false);
      expect(cache.size).toBe(0);
    } finally {
      cache.close();
    }
  });
});

describe('fail closed', () => {
  it('answers 503 api_error, never an allow, when the store fails', async () => {
    const w = await startGateway();
    try {
      await w.publish('com.example.closed', '1.0.0', ['customer_read']);
      const { install } = await w.install('com.example.closed');
      const fresh = await createInstallKey(w.domain, { actor: w.merchant.actor.test, install: install.id });
      const before = w.upstreamSeen.length;
      await w.store.close();
      const error = await rejection<InstanceType<typeof Stripe.errors.StripeAPIError>>(
        w.stripe(fresh.secret).customers.list(),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error.statusCode).toBe(503);
      expect(error.type).toBe('StripeAPIError');
      expect(error.code).toBe('store_unavailable');
      expect(error.requestId).toMatch(/^req_/);
      expect(w.upstreamSeen.length).toBe(before);
      expect(w.decisions.at(-1)).toMatchObject({ outcome: 'denied', status: 503 });
    } finally {
      await w.close();
    }
  });
});

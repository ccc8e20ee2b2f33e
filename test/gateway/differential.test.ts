import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { decide } from '../../src/core/decide.js';
import { ParamError, parseParams, serializeParams } from '../../src/core/params/params.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { type ResolvedRequest, resolveRequest } from '../../src/core/routes/resolve.js';
import { isAppscopeError } from '../../src/errors.js';
import { type GatewayWorld, startGateway } from './support.js';

/**
 * A differential property test: random requests from the route table (with and without
 * `expand`, in every accepted spelling, in the query or a POST body) under random grants. The
 * gateway's allow or deny must equal `decide()` on the resolved requirement; an allowed request
 * must be forwarded canonically (a GET's or DELETE's parameters as `serializeParams` of the query,
 * a POST's in its body); an unknown route is a 404, an invalid expand or a parameter given twice
 * (`expand=a&expand=b`) a 400, never forwarded.
 */

const catalog = defaultCatalog();
const table = defaultRouteTable();
const GRANT_COUNT = 16;
const EXPANDS = [
  'customer',
  'data.customer',
  'default_source',
  'data.default_source',
  'invoice',
  'payment_intent',
  'latest_invoice',
  'source',
  'data.source',
  'balance_transaction',
  'data.balance_transaction',
  'product',
  'data.product',
  'price',
  'subscription',
  'charge',
  'review',
  'destination',
  'invoice_settings.default_payment_method',
  'test_clock',
  'on_behalf_of',
  'transfer',
  'customer.default_source',
  'data.customer.invoice_settings.default_payment_method',
];
// `expand%5B%5D` (percent-encoded brackets) is refused since issue 11: see bypass.test.ts
const SPELLINGS = ['expand[]', 'expand[0]', 'expand'] as const;

const ALL_PERMISSIONS = catalog.permissions.map((p) => p.name);
/** Narrow and wide grants, so that both answers are common. */
const grantsArbitrary = fc.oneof(
  fc.uniqueArray(fc.constantFrom(...ALL_PERMISSIONS), { minLength: 1, maxLength: 6 }),
  fc.uniqueArray(fc.constantFrom(...ALL_PERMISSIONS), { minLength: 30, maxLength: ALL_PERMISSIONS.length }),
);

const requestArbitrary = fc.record({
  route: fc.constantFrom(...table.routes),
  expand: fc.uniqueArray(fc.constantFrom(...EXPANDS), { maxLength: 2 }),
  spelling: fc.constantFrom(...SPELLINGS),
  inBody: fc.boolean(),
  grant: fc.nat(GRANT_COUNT - 1),
});

describe('gateway vs decide()', () => {
  let w: GatewayWorld;
  const grants: string[][] = [];
  const keys: string[] = [];

  beforeAll(async () => {
    w = await startGateway();
    const sampled = [
      ALL_PERMISSIONS,
      ...fc.sample(grantsArbitrary, { numRuns: GRANT_COUNT - 1, seed: 20261126 }),
    ];
    for (const [i, grant] of sampled.entries()) {
      await w.publish(`com.example.random${i}`, '1.0.0', grant);
      keys.push((await w.install(`com.example.random${i}`)).key!.secret);
      grants.push(grant);
    }
  });

  afterAll(async () => {
    await w.close();
  });

  it('allows and denies exactly as decide() on the resolved requirement', async () => {
    let allowedSeen = 0;
    let deniedSeen = 0;
    let refusedSeen = 0;
    await fc.assert(
      fc.asyncProperty(requestArbitrary, async ({ route, expand, spelling, inBody, grant }) => {
        const path = route.path.replace(/\{[^}]+\}/g, 'x_1');
        const pairs = expand.map(
          (field, i) => `${spelling === 'expand[0]' ? `expand[${i}]` : spelling}=${field}`,
        );
        const bodyAllowed = route.method === 'POST';
        const body = bodyAllowed && inBody ? pairs.join('&') : '';
        const query = bodyAllowed && inBody ? '' : pairs.join('&');
        const target = query === '' ? path : `${path}?${query}`;

        let reference: ResolvedRequest | 'unknown' | 'invalid_expand' | 'invalid_params';
        try {
          reference = resolveRequest(table, {
            method: route.method,
            path: target,
            ...(body === '' ? {} : { body, contentType: 'application/x-www-form-urlencoded' }),
          });
        } catch (error) {
          if (isAppscopeError(error, 'ERR_INVALID_EXPAND')) reference = 'invalid_expand';
          else if (isAppscopeError(error, 'ERR_UNKNOWN_ENDPOINT')) reference = 'unknown';
          else if (error instanceof ParamError) reference = 'invalid_params';
          else throw error;
        }

        const before = w.upstreamSeen.length;
        const decisionsBefore = w.decisions.length;
        const response = await fetch(`${w.url}${target}`, {
          method: route.method,
          headers: {
            authorization: `Bearer ${keys[grant]!}`,
            ...(body === '' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          ...(body === '' ? {} : { body }),
        });
        await response.arrayBuffer();
        const record = w.decisions[decisionsBefore]!;
        expect(w.decisions.length).toBe(decisionsBefore + 1);

        if (reference === 'invalid_expand' || reference === 'unknown' || reference === 'invalid_params') {
          refusedSeen++;
          expect(response.status).toBe(reference === 'unknown' ? 404 : 400);
          expect(w.upstreamSeen.length).toBe(before);
          return;
        }
        const decision = decide(catalog.closure(grants[grant]!), reference.requirement);
        expect(record.route).toBe(reference.route);
        expect(record.requirement).toEqual(reference.requirement.map((g) => g.anyOf));
        if (decision.allowed) {
          allowedSeen++;
          expect(record.outcome).toBe('allowed');
          expect(response.status).not.toBe(403);
          expect(w.upstreamSeen.length).toBe(before + 1);
          const seen = w.upstreamSeen.at(-1)!;
          // canonical forwarding: `expand[]=x` arrives as `expand[0]=x`, a POST's query in its body
          const canonical = serializeParams(parseParams(bodyAllowed ? body || query : query, 'query'));
          expect([seen.method, seen.path, seen.query, seen.body]).toEqual([
            route.method,
            path,
            bodyAllowed ? '' : canonical,
            bodyAllowed ? canonical : '',
          ]);
        } else {
          deniedSeen++;
          expect(record.outcome).toBe('denied');
          expect(response.status).toBe(403);
          expect(w.upstreamSeen.length).toBe(before);
          expect(record.missing).toEqual(
            reference.requirement.filter((_, g) => decision.satisfiedBy[g]! < 0).map((g) => g.anyOf),
          );
        }
      }),
      { numRuns: 300, seed: 4242 },
    );
    // the generators reach both answers
    expect(allowedSeen).toBeGreaterThan(10);
    expect(deniedSeen).toBeGreaterThan(10);
    expect(refusedSeen).toBeGreaterThan(10);
  });
});

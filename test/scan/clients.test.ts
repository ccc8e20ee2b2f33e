import { describe, expect, it } from 'vitest';
import { ops, problems, scan } from './support.js';

// One source per way of getting a Stripe client: each must find `customers.retrieve`.
const RETRIEVE = 'stripe.customers.retrieve GET /v1/customers/{customer}';

describe('scanSource: clients however they were made', () => {
  it('new Stripe(k) with a default import (TypeScript)', () => {
    const result = scan(`
      import Stripe from 'stripe';
      const stripe = new Stripe(process.env.STRIPE_KEY!, { apiVersion: '2024-06-20' });
      export const get = (id: string) => stripe.customers.retrieve(id);
    `);
    expect(ops(result)).toEqual([RETRIEVE]);
    expect(result.unresolved).toEqual([]);
    expect(result.calls[0]).toEqual({
      file: 'app.ts',
      line: 4,
      column: 42,
      via: 'stripe.customers.retrieve',
      operation: 'GET /v1/customers/{customer}',
      expand: [],
      requires: [['customer_read']],
    });
  });

  it('Stripe(k) without new, from a named import', () => {
    const result = scan(`
      import { Stripe } from 'stripe';
      const client = Stripe('sk_test_1');
      client.customers.retrieve('cus_1');
    `);
    expect(ops(result)).toEqual([RETRIEVE]);
  });

  it('a namespace import: new S.Stripe(k) and new S.default(k)', () => {
    const result = scan(`
      import * as S from 'stripe';
      const a = new S.Stripe('k');
      const b = new S.default('k');
      a.customers.retrieve('cus_1');
      b.customers.retrieve('cus_2');
    `);
    expect(ops(result)).toEqual([RETRIEVE, RETRIEVE]);
  });

  it("require('stripe')(k) in CommonJS", () => {
    const result = scan(
      `
      const stripe = require('stripe')(process.env.STRIPE_KEY);
      module.exports.get = async (id) => stripe.customers.retrieve(id);
    `,
      'app.cjs',
    );
    expect(ops(result)).toEqual([RETRIEVE]);
    expect(result.calls[0]!.file).toBe('app.cjs');
  });

  it("const Stripe = require('stripe'); new Stripe(k), and require('stripe').Stripe", () => {
    const result = scan(
      `
      const Stripe = require('stripe');
      const { Stripe: Named } = require('stripe');
      const one = new Stripe('k');
      const two = new Named('k');
      const three = new (require('stripe').Stripe)('k');
      one.customers.retrieve('a'); two.customers.retrieve('b'); three.customers.retrieve('c');
    `,
      'app.js',
    );
    expect(ops(result)).toEqual([RETRIEVE, RETRIEVE, RETRIEVE]);
  });

  it("import Stripe = require('stripe') (TypeScript CommonJS)", () => {
    const result = scan(
      `
      import Stripe = require('stripe');
      const stripe = new Stripe('k');
      stripe.customers.retrieve('cus_1');
    `,
      'app.cts',
    );
    expect(ops(result)).toEqual([RETRIEVE]);
  });

  it('a class field initialized with new Stripe(k)', () => {
    const result = scan(`
      import Stripe from 'stripe';
      export class Billing {
        private readonly stripe = new Stripe('k');
        #secret = new Stripe('k');
        get(id: string) { return [this.stripe.customers.retrieve(id), this.#secret.customers.retrieve(id)]; }
      }
    `);
    expect(ops(result)).toEqual([RETRIEVE, RETRIEVE]);
  });

  it('this.stripe = new Stripe(k) in a constructor, read by a method above it (JavaScript)', () => {
    const result = scan(
      `
      const Stripe = require('stripe');
      class Billing {
        get(id) { return this.stripe.customers.retrieve(id); }
        constructor(key) { this.stripe = new Stripe(key); }
      }
      module.exports = { Billing };
    `,
      'billing.js',
    );
    expect(ops(result)).toEqual([RETRIEVE]);
  });

  it('this.stripe = stripe from a constructor parameter typed Stripe', () => {
    const result = scan(`
      import type Stripe from 'stripe';
      class Billing {
        private stripe;
        constructor(stripe: Stripe) { this.stripe = stripe; }
        get(id: string) { return this.stripe.customers.retrieve(id); }
      }
    `);
    expect(ops(result)).toEqual([RETRIEVE]);
  });

  it('parameters, parameter properties and fields typed Stripe, Stripe.Stripe or Stripe | undefined', () => {
    const result = scan(`
      import Stripe from 'stripe';
      export function a(stripe: Stripe) { return stripe.customers.retrieve('a'); }
      export const b = (s: Stripe.Stripe) => s.customers.retrieve('b');
      class C {
        constructor(private readonly client: Stripe) {}
        run() { return this.client.customers.retrieve('c'); }
      }
      class D {
        client!: Stripe | undefined;
        run() { return this.client!.customers.retrieve('d'); }
      }
      let lazy: Stripe | null = null;
      export function e() { return lazy?.customers.retrieve('e'); }
    `);
    expect(ops(result)).toEqual([RETRIEVE, RETRIEVE, RETRIEVE, RETRIEVE, RETRIEVE]);
  });

  it('a type from a named type import: import type { Stripe } from "stripe"', () => {
    const result = scan(`
      import type { Stripe } from 'stripe';
      export async function run(stripe: Stripe) { await stripe.customers.retrieve('a'); }
    `);
    expect(ops(result)).toEqual([RETRIEVE]);
  });

  it('aliases and parts of a client: const s = stripe, destructuring, a namespace in a variable', () => {
    const result = scan(`
      import Stripe from 'stripe';
      const stripe = new Stripe('k');
      const s = stripe;
      const { customers, checkout: { sessions } } = stripe;
      const portal = stripe.billingPortal.sessions;
      s.customers.retrieve('a');
      customers.retrieve('b');
      sessions.create({ mode: 'payment' });
      portal.create({ customer: 'cus_1' });
    `);
    expect(ops(result)).toEqual([
      RETRIEVE,
      RETRIEVE,
      'stripe.checkout.sessions.create POST /v1/checkout/sessions',
      'stripe.billingPortal.sessions.create POST /v1/billing_portal/sessions',
    ]);
  });

  it('functions that return a client: a return type Stripe, Promise<Stripe>, an arrow', () => {
    const result = scan(`
      import Stripe from 'stripe';
      function getStripe(): Stripe { return new Stripe('k'); }
      async function load(): Promise<Stripe> { return new Stripe('k'); }
      const make = () => new Stripe('k');
      getStripe().customers.retrieve('a');
      (await load()).customers.retrieve('b');
      make().customers.retrieve('c');
    `);
    expect(ops(result)).toEqual([RETRIEVE, RETRIEVE, RETRIEVE]);
  });

  it('a client declared below the function that uses it, and one assigned later (let stripe; stripe = …)', () => {
    const result = scan(
      `
      const Stripe = require('stripe');
      async function handler(id) { return stripe.customers.retrieve(id); }
      const stripe = new Stripe(process.env.KEY);
      let later;
      function init() { later = new Stripe('k'); }
      function use() { return later.customers.retrieve('x'); }
      module.exports = { handler, init, use };
    `,
      'app.js',
    );
    expect(ops(result)).toEqual([RETRIEVE, RETRIEVE]);
  });

  it('options.stripe ?? new Stripe(k) is a client', () => {
    const result = scan(`
      import Stripe from 'stripe';
      export function make(options: { stripe?: Stripe }) {
        const stripe = options.stripe ?? new Stripe('k');
        return stripe.customers.retrieve('a');
      }
    `);
    expect(ops(result)).toEqual([RETRIEVE]);
  });

  it('UI extensions: new Stripe(key, { httpClient: createHttpClient() }) and makeRequest', () => {
    const result = scan(
      `
      import Stripe from 'stripe';
      import { createHttpClient, STRIPE_API_KEY } from '@stripe/ui-extension-sdk/http_client';
      const stripe = new Stripe(STRIPE_API_KEY, { httpClient: createHttpClient(), apiVersion: '2023-08-16' });
      const http = createHttpClient();
      export const View = () => {
        stripe.customers.retrieve('cus_1');
        http.makeRequest('api.stripe.com', 443, '/v1/invoices', 'GET', {}, null, 'https');
        return null;
      };
    `,
      'view.tsx',
    );
    expect(ops(result)).toEqual([RETRIEVE, 'http.makeRequest GET /v1/invoices']);
  });

  it('a local name shadows an outer client: its calls are unresolved, not attributed', () => {
    const result = scan(`
      import Stripe from 'stripe';
      const stripe = new Stripe('k');
      export function f(stripe: unknown) { return (stripe as any).customers.retrieve('a'); }
      export function g() { const stripe = makeSomething(); return stripe.customers.retrieve('b'); }
    `);
    expect(result.calls).toEqual([]);
    expect(problems(result)).toEqual([
      'unknown_receiver ….customers.retrieve',
      'unknown_receiver stripe.customers.retrieve',
    ]);
  });

  it('members of a client that send no request are neither calls nor unresolved', () => {
    const result = scan(`
      import Stripe from 'stripe';
      const stripe = new Stripe('k');
      stripe.webhooks.constructEvent(body, sig, secret);
      stripe.on('request', () => {});
      stripe.setAppInfo({ name: 'x' });
      stripe.getApiField('host');
    `);
    expect(result).toEqual({ calls: [], unresolved: [] });
  });

  it('code that never touches Stripe yields nothing', () => {
    const result = scan(`
      const list = [1, 2, 3];
      list.map((x) => x * 2);
      db.users.create({ name: 'a' });
      export class Cache { items = new Map(); get(k: string) { return this.items.get(k); } }
    `);
    expect(result).toEqual({ calls: [], unresolved: [] });
  });
});

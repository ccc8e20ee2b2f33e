import { describe, expect, it } from 'vitest';
import { ops, problems, scan } from './support.js';

const CLIENT = `import Stripe from 'stripe';\nconst stripe = new Stripe('k');\n`;

describe('scanSource: SDK calls', () => {
  it('nested namespaces: checkout.sessions, billingPortal.sessions, reporting.reportRuns', () => {
    const result = scan(`${CLIENT}
      await stripe.checkout.sessions.create({ mode: 'subscription' });
      await stripe.billingPortal.sessions.create({ customer: 'cus_1' });
      await stripe.reporting.reportRuns.list({ limit: 3 });
    `);
    expect(result.calls.map(({ via, operation, requires }) => ({ via, operation, requires }))).toEqual([
      {
        via: 'stripe.checkout.sessions.create',
        operation: 'POST /v1/checkout/sessions',
        requires: [['checkout_session_write']],
      },
      {
        via: 'stripe.billingPortal.sessions.create',
        operation: 'POST /v1/billing_portal/sessions',
        requires: [['customer_portal_write']],
      },
      {
        via: 'stripe.reporting.reportRuns.list',
        operation: 'GET /v1/reporting/report_runs',
        requires: [['report_runs_and_report_types_read']],
      },
    ]);
  });

  it('literal expand: one group per expanded field, the route template as the operation', () => {
    const result = scan(`${CLIENT}
      await stripe.invoices.retrieve('in_1', { expand: ['subscription', 'customer'] });
      await stripe.subscriptions.retrieve('sub_1', { expand: 'customer' } as any);
    `);
    expect(result.calls.map(({ operation, expand, requires }) => ({ operation, expand, requires }))).toEqual([
      {
        operation: 'GET /v1/invoices/{invoice}',
        expand: ['subscription', 'customer'],
        requires: [['invoice_read'], ['subscription_read'], ['customer_read']],
      },
      {
        operation: 'GET /v1/subscriptions/{subscription_exposed_id}',
        expand: ['customer'],
        requires: [['subscription_read'], ['customer_read']],
      },
    ]);
    expect(result.unresolved).toEqual([]);
  });

  it('an expand the route cannot expand is unresolved with the route table’s reason; the call stays', () => {
    const result = scan(`${CLIENT}
      await stripe.invoices.retrieve('in_1', { expand: ['subscription', 'colour'] });
      await stripe.customers.list({ expand: ['default_source'] });
    `);
    expect(ops(result)).toEqual([
      'stripe.invoices.retrieve GET /v1/invoices/{invoice} [subscription]',
      'stripe.customers.list GET /v1/customers',
    ]);
    expect(result.unresolved.map(({ line, code, reason }) => ({ line, code, reason }))).toEqual([
      {
        line: 4,
        code: 'invalid_expand',
        reason:
          'cannot expand `colour` on `GET /v1/invoices/{invoice}`: `colour` is not a field of `invoice` that can be expanded',
      },
      {
        line: 5,
        code: 'invalid_expand',
        reason:
          'cannot expand `default_source` on `GET /v1/customers`: `default_source` is not a field of `list<customer>`; a list expands fields of its items, such as `data.default_source`',
      },
    ]);
  });

  it('an expand that is not literal is unresolved (dynamic_expand)', () => {
    const result = scan(`${CLIENT}
      export const f = (field: string) => stripe.invoices.retrieve('in_1', { expand: [field, 'customer'] });
    `);
    expect(ops(result)).toEqual(['stripe.invoices.retrieve GET /v1/invoices/{invoice} [customer]']);
    expect(result.unresolved).toEqual([
      expect.objectContaining({
        code: 'dynamic_expand',
        via: 'stripe.invoices.retrieve',
        reason: '`expand` item `field` is not a literal string',
      }),
    ]);
  });

  it('auto-pagination: for await … of stripe.x.list() with data. expands as written', async () => {
    const result = scan(`${CLIENT}
      export async function all() {
        for await (const invoice of stripe.invoices.list({ expand: ['data.customer', 'data.subscription'] })) {
          console.log(invoice.id);
        }
        await stripe.customers.list().autoPagingEach((c) => console.log(c.id));
      }
    `);
    expect(
      result.calls.map(({ via, operation, expand, requires }) => ({ via, operation, expand, requires })),
    ).toEqual([
      {
        via: 'stripe.invoices.list',
        operation: 'GET /v1/invoices',
        expand: ['data.customer', 'data.subscription'],
        requires: [['invoice_read'], ['customer_read'], ['subscription_read']],
      },
      {
        via: 'stripe.customers.list',
        operation: 'GET /v1/customers',
        expand: [],
        requires: [['customer_read']],
      },
    ]);
  });

  it('a client member that is not in the SDK method table is unresolved (unknown_method)', () => {
    const result = scan(`${CLIENT}stripe.customers.frobnicate('cus_1');\n`);
    expect(result.unresolved).toEqual([
      {
        file: 'app.ts',
        line: 3,
        column: 1,
        via: 'stripe.customers.frobnicate',
        code: 'unknown_method',
        reason: '`stripe.customers.frobnicate` is not a method in the SDK method table',
      },
    ]);
  });

  it('an SDK method the route table has no route for (v2, oauth) is unresolved (unknown_endpoint)', () => {
    const result = scan(`${CLIENT}
      await stripe.v2.core.accounts.create({});
      await stripe.oauth.token({ grant_type: 'authorization_code', code: 'ac_1' });
    `);
    expect(result.calls).toEqual([]);
    expect(problems(result)).toEqual([
      'unknown_endpoint stripe.v2.core.accounts.create',
      'unknown_endpoint stripe.oauth.token',
    ]);
    expect(result.unresolved[0]!.reason).toMatch(/^unknown endpoint `POST \/v2\/core\/accounts`/);
  });
});

describe('scanSource: unresolved calls are listed with their reason', () => {
  it('a computed member: stripe[name].list()', () => {
    const result = scan(`${CLIENT}
      export function listAny(name: 'customers' | 'invoices') { return stripe[name].list(); }
    `);
    expect(result.calls).toEqual([]);
    expect(result.unresolved).toEqual([
      {
        file: 'app.ts',
        line: 4,
        column: 72,
        via: 'stripe[…].list',
        code: 'computed_member',
        reason: 'computed member name in `stripe[name].list`: the SDK method cannot be read statically',
      },
    ]);
  });

  it('an unknown variable whose member chain is an SDK method: receiver not known to be a Stripe client', () => {
    const result = scan(`
      export async function run(client) {
        await client.invoices.retrieve('in_1');
        await this.api.checkout.sessions.create({});
        await undeclared.customers.list();
      }
    `);
    expect(result.calls).toEqual([]);
    expect(result.unresolved.map(({ via, code, reason }) => ({ via, code, reason }))).toEqual([
      {
        via: 'client.invoices.retrieve',
        code: 'unknown_receiver',
        reason: 'receiver not known to be a Stripe client',
      },
      {
        via: 'this.api.checkout.sessions.create',
        code: 'unknown_receiver',
        reason: 'receiver not known to be a Stripe client',
      },
      {
        via: 'undeclared.customers.list',
        code: 'unknown_receiver',
        reason: 'receiver not known to be a Stripe client',
      },
    ]);
  });

  it('chains that are not SDK methods on unknown receivers are not noise', () => {
    const result = scan(`
      items.list(); repo.users.create({}); cache.get('k').retrieve(); orders.create({});
    `);
    expect(result).toEqual({ calls: [], unresolved: [] });
  });
});

describe('scanSource: rawRequest and HTTP calls to api.stripe.com', () => {
  it('rawRequest with a literal and a template path (an interpolated id matches a path parameter)', () => {
    const result = scan(`${CLIENT}
      export async function f(id: string) {
        await stripe.rawRequest('POST', '/v1/refunds', { charge: id });
        await stripe.rawRequest('get', \`/v1/subscriptions/\${id}\`, { expand: ['customer'] });
      }
    `);
    expect(ops(result)).toEqual([
      'rawRequest POST /v1/refunds',
      'rawRequest GET /v1/subscriptions/{subscription_exposed_id} [customer]',
    ]);
    expect(result.calls[1]!.requires).toEqual([['subscription_read'], ['customer_read']]);
  });

  it('rawRequest with a non-literal path or method is unresolved', () => {
    const result = scan(`${CLIENT}
      export async function f(path: string, method: string) {
        await stripe.rawRequest('GET', path);
        await stripe.rawRequest(method, '/v1/customers');
        await stripe.rawRequest('GET', \`\${path}/customers\`);
      }
    `);
    expect(result.calls).toEqual([]);
    expect(result.unresolved.map(({ code, reason }) => ({ code, reason }))).toEqual([
      { code: 'dynamic_path', reason: '`rawRequest` path `path` is not a literal path' },
      { code: 'dynamic_method', reason: '`rawRequest` method `method` is not a literal HTTP method' },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the reason shows the template as written
      { code: 'dynamic_path', reason: '`rawRequest` path `` `${…}/customers` `` is not a literal path' },
    ]);
  });

  it('fetch with a template literal: an interpolated id matches a parameter, the method from the options, expand from the query', () => {
    const result = scan(`
      export async function charge(id: string, key: string) {
        await fetch(\`https://api.stripe.com/v1/charges/\${id}?expand[]=customer\`, { headers: { Authorization: key } });
        await fetch('https://api.stripe.com/v1/customers/' + id, { method: 'DELETE' });
        await fetch(\`https://api.stripe.com/v1/payment_intents/\${id}/confirm\`, { method: 'post' });
      }
    `);
    expect(ops(result)).toEqual([
      'fetch GET /v1/charges/{charge} [customer]',
      'fetch DELETE /v1/customers/{customer}',
      'fetch POST /v1/payment_intents/{intent}/confirm',
    ]);
    expect(result.calls[0]!.requires).toEqual([['charge_read'], ['customer_read']]);
  });

  it('axios-style calls: axios.post(url), axios({ url, method }), a base URL constant', () => {
    const result = scan(
      `
      const axios = require('axios');
      const BASE = 'https://api.stripe.com/v1';
      async function run(id) {
        await axios.post(\`\${BASE}/refunds\`, 'charge=' + id);
        await axios({ url: 'https://api.stripe.com/v1/balance', method: 'get' });
        await axios.get(\`\${BASE}/invoices/\${id}\`);
      }
      module.exports = run;
    `,
      'client.js',
    );
    expect(ops(result)).toEqual([
      'axios.post POST /v1/refunds',
      'axios GET /v1/balance',
      'axios.get GET /v1/invoices/{invoice}',
    ]);
  });

  it('a fetch to a path the route table does not have is unresolved with a suggestion', () => {
    const result = scan(`
      await fetch('https://api.stripe.com/v1/customerz', { method: 'POST' });
      await fetch('https://api.stripe.com/v1/customers', { method: someMethod });
    `);
    expect(result.calls).toEqual([]);
    expect(result.unresolved.map(({ via, code, reason }) => ({ via, code, reason }))).toEqual([
      {
        via: 'fetch',
        code: 'unknown_endpoint',
        reason: 'unknown endpoint `POST /v1/customerz`; did you mean `POST /v1/customers`?',
      },
      {
        via: 'fetch',
        code: 'dynamic_method',
        reason: '`fetch` method `someMethod` is not a literal HTTP method',
      },
    ]);
  });

  it('URLs on other hosts are not Stripe calls', () => {
    const result = scan(`
      await fetch('https://api.stripe.com.example.org/v1/customers');
      await fetch('https://example.com/v1/customers');
    `);
    expect(result).toEqual({ calls: [], unresolved: [] });
  });
});

describe('scanSource: sources that do not parse', () => {
  it('a syntax error is one unresolved entry at its position, not a crash', () => {
    const result = scan(`${CLIENT}stripe.customers.retrieve('a'\nconst = 1;\n`);
    expect(result.calls).toEqual([]);
    expect(result.unresolved).toHaveLength(1);
    expect(result.unresolved[0]).toMatchObject({ file: 'app.ts', line: 4, code: 'parse_error' });
    expect(result.unresolved[0]!.reason).toMatch(/^cannot parse: /);
  });

  it('the dialect follows the extension: JSX in .jsx, TypeScript in .ts, top-level await in .mjs', () => {
    const jsx = scan(
      `import Stripe from 'stripe';\nconst s = new Stripe('k');\nexport const A = () => <b onClick={() => s.customers.retrieve('a')} />;\n`,
      'a.jsx',
    );
    expect(ops(jsx)).toEqual(['stripe.customers.retrieve GET /v1/customers/{customer}']);
    const mjs = scan(`${CLIENT}for await (const c of stripe.customers.list()) {}\n`, 'a.mjs');
    expect(ops(mjs)).toEqual(['stripe.customers.list GET /v1/customers']);
    const typeInJs = scan(`${CLIENT}const x: number = 1;\n`, 'a.js');
    expect(problems(typeInJs)).toEqual(['parse_error']);
  });
});

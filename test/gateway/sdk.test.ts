import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { uninstallApp } from '../../src/domain/installs.js';
import { createInstallKey, revokeKey, setKeyExpiry } from '../../src/domain/keys.js';
import { type GatewayWorld, rejection, startGateway } from './support.js';

/**
 * End to end with the official `stripe` SDK against the real server: installs with different
 * grants call SDK methods through the gateway to the in-process emulator. Each allowed call
 * succeeds; each denied call is a `StripePermissionError` naming the permission to request.
 */

const catalog = defaultCatalog();

type Client = Stripe;
/** What the merchant made before the matrix runs (ids), for calls that name an object. */
interface Fixture {
  customer: string;
  product: string;
  price: string;
  charge: string;
  invoice: string;
  taxRate: string;
  creditNote: string;
  quote: string;
  paymentLink: string;
  paymentMethod: string;
  dispute: string;
  source: string;
  token: string;
  transfer: string;
  file: string;
  cardholder: string;
  location: string;
  reader: string;
  account: string;
}

interface Call {
  readonly name: string;
  /** The requirement: every group needs one of its permissions. */
  readonly needs: readonly (readonly string[])[];
  /**
   * Makes what the call uses up (an object to delete), with the merchant's own key, before the
   * call; its id is the call's `made`. Not part of what the app's call may send upstream.
   */
  readonly prepare?: (merchant: Client, fixture: Fixture) => Promise<string>;
  /** The call, made with the app's key. */
  readonly run: (stripe: Client, fixture: Fixture, made: string) => Promise<unknown>;
}

const CALLS: readonly Call[] = [
  { name: 'customers.list', needs: [['customer_read']], run: (s) => s.customers.list({ limit: 3 }) },
  {
    name: 'customers.create',
    needs: [['customer_write']],
    run: (s) => s.customers.create({ email: 'new@example.com' }),
  },
  { name: 'customers.retrieve', needs: [['customer_read']], run: (s, f) => s.customers.retrieve(f.customer) },
  {
    name: 'customers.retrieve expand default_source',
    needs: [['customer_read'], ['customer_read', 'source_read']],
    run: (s, f) => s.customers.retrieve(f.customer, { expand: ['default_source'] }),
  },
  {
    name: 'customers.retrieve expand invoice_settings.default_payment_method',
    needs: [['customer_read'], ['payment_method_read']],
    run: (s, f) => s.customers.retrieve(f.customer, { expand: ['invoice_settings.default_payment_method'] }),
  },
  {
    name: 'customers.update',
    needs: [['customer_write']],
    run: (s, f) => s.customers.update(f.customer, { metadata: { touched: 'yes' } }),
  },
  {
    name: 'customers.del',
    needs: [['customer_write']],
    prepare: async (merchant) => (await merchant.customers.create({})).id,
    run: (s, _f, made) => s.customers.del(made),
  },
  { name: 'products.list', needs: [['product_read']], run: (s) => s.products.list() },
  { name: 'products.create', needs: [['product_write']], run: (s) => s.products.create({ name: 'Widget' }) },
  {
    name: 'prices.retrieve expand product',
    needs: [['plan_read'], ['product_read']],
    run: (s, f) => s.prices.retrieve(f.price, { expand: ['product'] }),
  },
  {
    name: 'prices.list expand data.product',
    needs: [['plan_read'], ['product_read']],
    run: (s) => s.prices.list({ expand: ['data.product'] }),
  },
  {
    name: 'products.update',
    needs: [['product_write']],
    run: (s, f) => s.products.update(f.product, { description: 'updated' }),
  },
  { name: 'invoices.list', needs: [['invoice_read']], run: (s) => s.invoices.list() },
  {
    name: 'charges.list expand data.customer',
    needs: [['charge_read'], ['customer_read']],
    run: (s) => s.charges.list({ expand: ['data.customer'] }),
  },
  // Resources the emulator's generic engine serves (from the API description alone).
  ...genericEngineCalls(),
];

const GRANTS: Readonly<Record<string, readonly string[]>> = {
  reader: ['customer_read'],
  writer: ['customer_write'],
  catalog: ['product_write', 'plan_read'],
  payments: ['charge_read', 'payment_method_read'],
  billing: ['invoice_read', 'customer_read', 'product_read'],
  // for the generic engine's resources: each call is allowed by one of these and denied by others
  finance: ['tax_rate_write', 'credit_note_read', 'quote_read', 'subscription_read', 'billing_clock_read'],
  sales: ['quote_write', 'credit_note_write', 'payment_links_write', 'billing_clock_write', 'plan_write'],
  portal: ['customer_portal_write', 'customer_read', 'charge_read', 'tax_rate_read', 'payment_links_read'],
  wallet: [
    'setup_intent_write',
    'payment_method_write',
    'mandate_read',
    'source_write',
    'token_write',
    'customer_read',
  ],
  money: ['dispute_write', 'top_up_write', 'transfer_write', 'application_fee_write', 'subscription_write'],
  issuing: [
    'issuing_cardholder_write',
    'issuing_card_write',
    'issuing_authorization_write',
    'issuing_dispute_write',
    'issuing_transaction_read',
  ],
  terminal: ['terminal_location_write', 'terminal_reader_write', 'terminal_connection_token_write'],
  operations: [
    'file_write',
    'webhook_read',
    'apple_pay_domain_write',
    'report_runs_and_report_types_read',
    'connected_account_read',
    'account_link_write',
    'edit_link_write',
  ],
};

function allowed(grant: readonly string[], needs: Call['needs']): boolean {
  const effective = catalog.closure(grant);
  return needs.every((group) => group.some((name) => effective.has(catalog.indexOf(name))));
}

/** The first unmet group's permissions: what the denial must name. */
function firstMissing(grant: readonly string[], needs: Call['needs']): readonly string[] {
  const effective = catalog.closure(grant);
  return needs.find((group) => !group.some((name) => effective.has(catalog.indexOf(name))))!;
}

let w: GatewayWorld;
let merchant: Client;
let fixture: Fixture;
const keys: Record<string, string> = {};

beforeAll(async () => {
  w = await startGateway();
  merchant = w.stripe(w.merchant.sk.test);
  fixture = await makeFixture(merchant);
  for (const [name, grant] of Object.entries(GRANTS)) {
    await w.publish(`com.example.${name}`, '1.0.0', grant);
    const { key } = await w.install(`com.example.${name}`);
    keys[name] = key!.secret;
  }
});

afterAll(async () => {
  await w.close();
});

describe('a matrix of grants × SDK calls', () => {
  it('allows each call to some grant and refuses it to another', () => {
    for (const call of CALLS) {
      const verdicts = Object.values(GRANTS).map((grant) => allowed(grant, call.needs));
      expect(verdicts, call.name).toContain(true);
      expect(verdicts, call.name).toContain(false);
    }
  });

  for (const [grantName, grant] of Object.entries(GRANTS)) {
    for (const call of CALLS) {
      const expected = allowed(grant, call.needs);
      it(`${grantName} (${grant.join(', ')}) ${expected ? 'may' : 'may not'} ${call.name}`, async () => {
        const stripe = w.stripe(keys[grantName]!);
        const made = call.prepare === undefined ? '' : await call.prepare(merchant, fixture);
        const before = w.upstreamSeen.length;
        if (expected) {
          const result = (await call.run(stripe, fixture, made)) as { object?: string };
          expect(result.object).toBeDefined();
          return;
        }
        const error = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
          call.run(stripe, fixture, made),
        );
        expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
        expect(error.statusCode).toBe(403);
        expect(error.code).toBe('more_permissions_required');
        expect(error.requestId).toMatch(/^req_/);
        const missing = firstMissing(grant, call.needs);
        expect(error.message).toMatch(
          /^The provided key 'rk_test_\*\*\*…[0-9A-Za-z]{4}' does not have the required permissions for this endpoint on account 'acct_[0-9A-Za-z]+'\. Having /,
        );
        for (const name of missing) expect(error.message).toContain(`'${name}'`);
        expect(error.message).toMatch(/would allow this request to continue\.$/);
        const required = (error.raw as { required_permissions: { any_of: string[] }[] }).required_permissions;
        expect(required.some((r) => missing.every((name) => r.any_of.includes(name)))).toBe(true);
        expect(error.headers?.['appscope-accepted-permissions']).toContain(missing[0]!);
        // a denied call never reaches the upstream
        expect(w.upstreamSeen.slice(before)).toEqual([]);
      });
    }
  }
});

describe('denial format', () => {
  it('names every accepted alternative in the body and the header, including implying permissions', async () => {
    const error = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
      w.stripe(keys['catalog']!).customers.retrieve(fixture.customer),
    );
    expect(error.message).toBe(
      `The provided key '${maskOf(keys['catalog']!)}' does not have the required permissions for this endpoint on account '${w.merchant.id}'. Having the 'customer_read' permission would allow this request to continue.`,
    );
    expect(error.raw).toMatchObject({
      type: 'invalid_request_error',
      code: 'more_permissions_required',
      required_permissions: [
        {
          any_of: ['customer_read', 'customer_write'],
          reason: 'GET /v1/customers/{customer} reads customer',
        },
      ],
    });
    expect(error.headers?.['appscope-accepted-permissions']).toBe('customer_read, customer_write');
  });

  it('uses the multi-permission wording for several unmet groups', async () => {
    const error = await rejection<Error>(
      w.stripe(keys['writer']!).charges.list({ expand: ['data.invoice'] }),
    );
    expect(error.message).toMatch(/Having the 'charge_read', 'invoice_read' permissions would allow/);
    const header = (error as unknown as { headers: Record<string, string> }).headers[
      'appscope-accepted-permissions'
    ]!;
    expect(header.split('; ')).toHaveLength(2);
    expect(header.split('; ')[0]!.split(', ')).toContain('charge_write');
  });

  it('says when no permission can allow an endpoint', async () => {
    const error = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
      w.stripe(keys['reader']!).accounts.create({ type: 'custom' }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.code).toBe('not_available_to_apps');
    expect(error.message).toContain('POST /v1/accounts is not available to apps');
    expect(error.message).toMatch(/No permission an app can request would allow this request to continue\.$/);
    expect(error.headers?.['appscope-accepted-permissions']).toBeUndefined();
  });
});

describe('credentials', () => {
  it("an account's own sk_ has full access to its own data, no app involved", async () => {
    const customer = await merchant.customers.create({ email: 'full@example.com' });
    expect((await merchant.customers.retrieve(customer.id, { expand: ['default_source'] })).id).toBe(
      customer.id,
    );
    await merchant.customers.del(customer.id);
    expect((await merchant.invoices.list()).object).toBe('list');
  });

  it("another account's sk_ sees none of the merchant's data", async () => {
    const stranger = w.stripe(w.stranger.sk.test);
    const error = await rejection<Error>(stranger.customers.retrieve(fixture.customer));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((error as unknown as { statusCode: number }).statusCode).toBe(404);
    const naming = await rejection<Error>(
      w.stripe(w.stranger.sk.test, { stripeAccount: w.merchant.id }).customers.list(),
    );
    expect(naming).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((naming as unknown as { code: string }).code).toBe('account_invalid');
  });

  it('refuses unknown, malformed and missing keys with 401, the key masked', async () => {
    const unknown = await rejection<Error>(w.stripe(`rk_test_${'A'.repeat(42)}`).customers.list());
    expect(unknown).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(unknown.message).toMatch(/rk_test_\*\*\*…AAAA/);
    expect(unknown.message).not.toContain('A'.repeat(10));
    const response = await fetch(`${w.url}/v1/customers`);
    expect(response.status).toBe(401);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });

  it('accepts Basic auth with the key as the user name', async () => {
    const response = await fetch(`${w.url}/v1/customers?limit=1`, {
      headers: { authorization: `Basic ${Buffer.from(`${keys['reader']!}:`).toString('base64')}` },
    });
    expect(response.status).toBe(200);
  });

  it('a platform app acts on an installing account with Stripe-Account, within its grant', async () => {
    await w.publish('com.example.platform', '1.0.0', ['customer_read'], 'platform');
    await w.install('com.example.platform');
    const appKey = await w.appKey('com.example.platform');
    const platform = w.stripe(appKey, { stripeAccount: w.merchant.id });
    expect((await platform.customers.retrieve(fixture.customer)).id).toBe(fixture.customer);
    const denied = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
      platform.customers.create({ email: 'x@example.com' }),
    );
    expect(denied).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(denied.message).toBe(
      `This application does not have the required permissions for this endpoint on account '${w.merchant.id}'. Having the 'customer_write' permission would allow this request to continue.`,
    );
    expect(denied.message).not.toContain('read_only');

    const noHeader = await rejection<Error>(w.stripe(appKey).customers.list());
    expect(noHeader).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((noHeader as unknown as { code: string }).code).toBe('stripe_account_required');

    const notInstalled = await rejection<Error>(
      w.stripe(appKey, { stripeAccount: w.stranger.id }).customers.list(),
    );
    expect(notInstalled).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(notInstalled.message).toBe(
      `This application is not installed on account '${w.stranger.id}' in test mode (or that account does not exist).`,
    );
    const nowhere = await rejection<Error>(
      w.stripe(appKey, { stripeAccount: 'acct_doesnotexist000000000000' }).customers.list(),
    );
    expect(nowhere.message).toBe(
      "This application is not installed on account 'acct_doesnotexist000000000000' in test mode (or that account does not exist).",
    );
  });

  it('an rk_ key naming another account with Stripe-Account is refused', async () => {
    const error = await rejection<Error>(
      w.stripe(keys['reader']!, { stripeAccount: w.stranger.id }).customers.list(),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect((error as unknown as { code: string }).code).toBe('account_invalid');
    // naming its own account is harmless
    const own = await w.stripe(keys['reader']!, { stripeAccount: w.merchant.id }).customers.list();
    expect(own.object).toBe('list');
  });
});

describe('current state on the very next request', () => {
  it('a revoked key is refused on the next call', async () => {
    await w.publish('com.example.revoke', '1.0.0', ['customer_read']);
    const { key } = await w.install('com.example.revoke');
    const stripe = w.stripe(key!.secret);
    expect((await stripe.customers.list()).object).toBe('list');
    await revokeKey(w.domain, { actor: w.merchant.actor.test, key: key!.id });
    const error = await rejection<Error>(stripe.customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.message).toBe(`The API key \`${maskOf(key!.secret)}\` has been revoked`);
  });

  it('an uninstall ends every key at once', async () => {
    await w.publish('com.example.uninstall', '1.0.0', ['customer_read']);
    const { install, key } = await w.install('com.example.uninstall');
    const stripe = w.stripe(key!.secret);
    expect((await stripe.customers.list()).object).toBe('list');
    await uninstallApp(w.domain, { actor: w.merchant.actor.test, install: install.id });
    expect(await rejection<Error>(stripe.customers.list())).toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it('a narrowed key is held to its narrowing', async () => {
    const wide = await createInstallKey(w.domain, {
      actor: w.merchant.actor.test,
      install: (await installOf('com.example.billing')).id,
      permissions: ['invoice_read'],
    });
    const stripe = w.stripe(wide.secret);
    expect((await stripe.invoices.list()).object).toBe('list');
    const error = await rejection<Error>(stripe.customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(error.message).toContain("'customer_read'");
  });

  it('a pending permission is refused with its own wording until approved, then allowed', async () => {
    await w.publish('com.example.upgrade', '1.0.0', ['customer_read']);
    const { install, key } = await w.install('com.example.upgrade');
    const stripe = w.stripe(key!.secret);
    expect((await stripe.customers.list()).object).toBe('list');
    await w.publish('com.example.upgrade', '1.1.0', ['customer_read', 'customer_write']);

    const pending = await rejection<InstanceType<typeof Stripe.errors.StripePermissionError>>(
      stripe.customers.create({ email: 'p@example.com' }),
    );
    expect(pending).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(pending.code).toBe('permission_pending_approval');
    expect(pending.message).toBe(
      `The provided key '${maskOf(key!.secret)}' does not have the required permissions for this endpoint on account '${w.merchant.id}'. The 'customer_write' permission this request needs is pending the account admin's approval: the app requested it, and an admin of '${w.merchant.id}' must approve the app's new permissions (reauthorize install '${install.id}') before this request can continue.`,
    );
    expect(pending.raw).toMatchObject({
      required_permissions: [{ any_of: ['customer_write'], pending: ['customer_write'] }],
    });

    // the admin approves through the Install API; the very next call is allowed
    const approve = await fetch(`${w.url}/v1/apps/installs/${install.id}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${w.merchant.sk.test}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'expected_pending[0]=customer_write',
    });
    expect(approve.status).toBe(200);
    expect((await stripe.customers.create({ email: 'p@example.com' })).object).toBe('customer');
  });

  it('an expired key is refused as soon as it expires, even when cached', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clocked = await startGateway({ clock: () => now });
    try {
      await clocked.publish('com.example.expiry', '1.0.0', ['customer_read']);
      const { key } = await clocked.install('com.example.expiry');
      await setKeyExpiry(clocked.domain, {
        actor: clocked.merchant.actor.test,
        key: key!.id,
        expiresAt: Math.floor(now / 1000) + 60,
      });
      const stripe = clocked.stripe(key!.secret);
      expect((await stripe.customers.list()).object).toBe('list');
      now += 61_000;
      const error = await rejection<Error>(stripe.customers.list());
      expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      expect(error.message).toMatch(/has expired$/);
    } finally {
      await clocked.close();
    }
  });
});

describe('test and live modes', () => {
  it('test keys reach test data only, live keys live data only', async () => {
    await w.publish('com.example.modes', '1.0.0', ['customer_read']);
    const test = await w.install('com.example.modes', 'test');
    const live = await w.install('com.example.modes', 'live');
    const liveMerchant = w.stripe(w.merchant.sk.live);
    const liveCustomer = await liveMerchant.customers.create({ email: 'live@example.com' });
    expect(liveCustomer.livemode).toBe(true);
    const liveApp = w.stripe(live.key!.secret);
    const testApp = w.stripe(test.key!.secret);
    expect(((await liveApp.customers.retrieve(liveCustomer.id)) as Stripe.Customer).livemode).toBe(true);
    expect(await rejection<Error>(testApp.customers.retrieve(liveCustomer.id))).toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    expect(await rejection<Error>(liveApp.customers.retrieve(fixture.customer))).toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    expect((await liveApp.customers.list()).data.map((c) => c.livemode)).toEqual([true]);
    expect((await testApp.customers.list({ limit: 100 })).data.every((c) => !c.livemode)).toBe(true);
  });

  it('a platform app key reaches only installs of its own mode', async () => {
    await w.publish('com.example.live-platform', '1.0.0', ['customer_read'], 'platform');
    await w.install('com.example.live-platform', 'live');
    const testKey = await w.appKey('com.example.live-platform', 'test');
    const error = await rejection<Error>(
      w.stripe(testKey, { stripeAccount: w.merchant.id }).customers.list(),
    );
    expect(error.message).toContain('not installed on account');
    expect(error.message).toContain('in test mode');
    const liveKey = await w.appKey('com.example.live-platform', 'live');
    const list = await w.stripe(liveKey, { stripeAccount: w.merchant.id }).customers.list();
    expect(list.data.every((c) => c.livemode)).toBe(true);
  });
});

describe('decision records', () => {
  it('records every field of every decision, allowed and denied', async () => {
    const before = w.decisions.length;
    const stripe = w.stripe(keys['reader']!);
    await stripe.customers.list({ limit: 1 });
    await rejection(stripe.customers.create({}));
    const [allowedRecord, deniedRecord] = w.decisions.slice(before);
    const install = await installOf('com.example.reader');
    expect(allowedRecord).toMatchObject({
      account: w.merchant.id,
      install: install.id,
      app: 'com.example.reader',
      keyHint: maskOf(keys['reader']!),
      livemode: false,
      method: 'GET',
      route: '/v1/customers',
      path: '/v1/customers',
      requirement: [['customer_read']],
      outcome: 'allowed',
      missing: [],
      status: 200,
    });
    expect(deniedRecord).toMatchObject({
      method: 'POST',
      route: '/v1/customers',
      requirement: [['customer_write']],
      outcome: 'denied',
      missing: [['customer_write']],
      status: 403,
    });
    for (const record of [allowedRecord!, deniedRecord!]) {
      expect(record.requestId).toMatch(/^req_/);
      expect(record.latencyMs).toBeGreaterThanOrEqual(0);
      expect(record.time).toBeGreaterThan(Date.UTC(2025, 0, 1));
      expect(JSON.stringify(record)).not.toContain(keys['reader']!);
    }
  });
});

async function installOf(app: string) {
  const { listInstalls } = await import('../../src/domain/installs.js');
  const page = await listInstalls(w.domain, { actor: w.merchant.actor.test, app, status: 'installed' });
  return page.data[0]!;
}

/** The merchant's objects the calls name, made with its own key (full access) through the gateway. */
async function makeFixture(merchant: Client): Promise<Fixture> {
  const customer = await merchant.customers.create({ email: 'ada@example.com', source: 'tok_visa' });
  const product = await merchant.products.create({ name: 'Book' });
  const price = await merchant.prices.create({ product: product.id, unit_amount: 500, currency: 'usd' });
  const monthly = await merchant.prices.create({
    product: product.id,
    unit_amount: 900,
    currency: 'usd',
    recurring: { interval: 'month' },
  });
  const charge = await merchant.charges.create({ amount: 1000, currency: 'usd', customer: customer.id });
  const invoice = await merchant.invoices.create({ customer: customer.id });
  await merchant.invoiceItems.create({
    customer: customer.id,
    invoice: invoice.id,
    amount: 5000,
    currency: 'usd',
  });
  await merchant.invoices.finalizeInvoice(invoice.id);
  const card = { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' };
  const dispute = (await merchant.rawRequest(
    'POST',
    `/v1/charges/${charge.id}/dispute`,
    {},
  )) as Stripe.Dispute;
  const location = await merchant.terminal.locations.create({
    display_name: 'Shop',
    address: { line1: '1 Main St', city: 'San Francisco', postal_code: '94111', country: 'US' },
  });
  const account = await merchant.accounts.create({ type: 'custom', country: 'US' });
  return {
    customer: customer.id,
    product: product.id,
    price: price.id,
    charge: charge.id,
    invoice: invoice.id,
    taxRate: (await merchant.taxRates.create({ display_name: 'VAT', percentage: 20, inclusive: false })).id,
    creditNote: (await merchant.creditNotes.create({ invoice: invoice.id, amount: 500 })).id,
    quote: (
      await merchant.quotes.create({
        customer: customer.id,
        line_items: [{ price: monthly.id, quantity: 1 }],
      })
    ).id,
    paymentLink: (await merchant.paymentLinks.create({ line_items: [{ price: price.id, quantity: 1 }] })).id,
    paymentMethod: (await merchant.paymentMethods.create({ type: 'card', card })).id,
    dispute: dispute.id,
    source: (
      await merchant.sources.create({
        type: 'ach_credit_transfer',
        currency: 'usd',
        owner: { email: 'ada@example.com' },
      })
    ).id,
    token: (await merchant.tokens.create({ card: { ...card, exp_month: '12', exp_year: '2034' } })).id,
    transfer: (
      await merchant.transfers.create({ amount: 300, currency: 'usd', destination: 'acct_1Destination' })
    ).id,
    file: (
      await merchant.files.create({
        purpose: 'dispute_evidence',
        file: { data: Buffer.from('receipt'), name: 'receipt.txt', type: 'text/plain' },
      })
    ).id,
    cardholder: (
      await merchant.issuing.cardholders.create({
        name: 'Jane Doe',
        type: 'individual',
        billing: {
          address: { line1: '1 Main St', city: 'San Francisco', postal_code: '94111', country: 'US' },
        },
      })
    ).id,
    location: location.id,
    reader: (
      await merchant.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id })
    ).id,
    account: account.id,
  };
}

/**
 * Calls to resources the emulator's generic engine serves, one or more per resource the route
 * table makes available to apps, with the permission the table names for each route: 41
 * object types the generic engine serves, and customers' payment sources (cards, which the
 * customers module defines, served by generic operations). The 41: tax rates, credit notes,
 * quotes, plans, subscription schedules, test clocks, payment links, portal configurations and
 * sessions, customer tax ids and balance transactions, payment methods, setup intents and
 * attempts, mandates, sources, tokens, disputes, top-ups, transfer reversals, application fees
 * and their refunds, files, file links, issuing cardholders, cards, authorizations, disputes
 * and transactions, terminal locations, readers and connection tokens, report types and runs,
 * webhook endpoints, Apple Pay domains, connected accounts, their capabilities and persons,
 * account links and login links.
 */
function genericEngineCalls(): Call[] {
  const card = { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' };
  return [
    // tax rates
    { name: 'taxRates.list', needs: [['tax_rate_read']], run: (s) => s.taxRates.list() },
    {
      name: 'taxRates.create',
      needs: [['tax_rate_write']],
      run: (s) => s.taxRates.create({ display_name: 'GST', percentage: 10, inclusive: true }),
    },
    {
      name: 'taxRates.update',
      needs: [['tax_rate_write']],
      run: (s, f) => s.taxRates.update(f.taxRate, { metadata: { touched: 'yes' } }),
    },
    // credit notes
    {
      name: 'creditNotes.retrieve',
      needs: [['credit_note_read']],
      run: (s, f) => s.creditNotes.retrieve(f.creditNote),
    },
    {
      name: 'creditNotes.preview',
      needs: [['credit_note_read']],
      run: (s, f) => s.creditNotes.preview({ invoice: f.invoice, amount: 100 }),
    },
    {
      name: 'creditNotes.update',
      needs: [['credit_note_write']],
      run: (s, f) => s.creditNotes.update(f.creditNote, { memo: 'adjusted' }),
    },
    // quotes
    { name: 'quotes.list', needs: [['quote_read']], run: (s) => s.quotes.list() },
    { name: 'quotes.listLineItems', needs: [['quote_read']], run: (s, f) => s.quotes.listLineItems(f.quote) },
    {
      name: 'quotes.create',
      needs: [['quote_write']],
      run: (s, f) => s.quotes.create({ customer: f.customer, description: 'Proposal' }),
    },
    {
      name: 'quotes.finalizeQuote',
      needs: [['quote_write']],
      prepare: async (merchant, f) => (await merchant.quotes.create({ customer: f.customer })).id,
      run: (s, _f, made) => s.quotes.finalizeQuote(made),
    },
    // plans
    { name: 'plans.list', needs: [['plan_read']], run: (s) => s.plans.list() },
    {
      name: 'plans.create',
      needs: [['plan_write']],
      run: (s, f) => s.plans.create({ amount: 700, currency: 'usd', interval: 'month', product: f.product }),
    },
    {
      name: 'plans.del',
      needs: [['plan_write']],
      prepare: async (merchant, f) =>
        (await merchant.plans.create({ amount: 100, currency: 'usd', interval: 'year', product: f.product }))
          .id,
      run: (s, _f, made) => s.plans.del(made),
    },
    // subscription schedules
    {
      name: 'subscriptionSchedules.list',
      needs: [['subscription_read']],
      run: (s, f) => s.subscriptionSchedules.list({ customer: f.customer }),
    },
    {
      name: 'subscriptionSchedules.cancel',
      needs: [['subscription_write']],
      prepare: async (merchant, f) =>
        (await merchant.subscriptionSchedules.create({ customer: f.customer, start_date: 'now' })).id,
      run: (s, _f, made) => s.subscriptionSchedules.cancel(made),
    },
    // test clocks
    {
      name: 'testHelpers.testClocks.list',
      needs: [['billing_clock_read']],
      run: (s) => s.testHelpers.testClocks.list(),
    },
    {
      name: 'testHelpers.testClocks.create',
      needs: [['billing_clock_write']],
      run: (s) => s.testHelpers.testClocks.create({ frozen_time: 1_700_000_000 }),
    },
    // payment links
    { name: 'paymentLinks.list', needs: [['payment_links_read']], run: (s) => s.paymentLinks.list() },
    {
      name: 'paymentLinks.listLineItems',
      needs: [['payment_links_read']],
      run: (s, f) => s.paymentLinks.listLineItems(f.paymentLink),
    },
    {
      name: 'paymentLinks.update',
      needs: [['payment_links_write']],
      run: (s, f) => s.paymentLinks.update(f.paymentLink, { metadata: { touched: 'yes' } }),
    },
    // customer portal
    {
      name: 'billingPortal.configurations.list',
      needs: [['customer_portal_read']],
      run: (s) => s.billingPortal.configurations.list(),
    },
    {
      name: 'billingPortal.sessions.create',
      needs: [['customer_portal_write']],
      run: (s, f) =>
        s.billingPortal.sessions.create({ customer: f.customer, return_url: 'https://example.com' }),
    },
    // customers' nested collections
    {
      name: 'customers.createTaxId',
      needs: [['customer_write']],
      run: (s, f) => s.customers.createTaxId(f.customer, { type: 'eu_vat', value: 'DE123456789' }),
    },
    {
      name: 'customers.listTaxIds',
      needs: [['customer_read']],
      run: (s, f) => s.customers.listTaxIds(f.customer),
    },
    {
      name: 'customers.createBalanceTransaction',
      needs: [['customer_write']],
      run: (s, f) => s.customers.createBalanceTransaction(f.customer, { amount: -100, currency: 'usd' }),
    },
    {
      name: 'customers.listBalanceTransactions',
      needs: [['customer_read']],
      run: (s, f) => s.customers.listBalanceTransactions(f.customer),
    },
    {
      name: 'customers.listSources',
      needs: [['customer_read']],
      run: (s, f) => s.customers.listSources(f.customer),
    },
    {
      name: 'customers.createSource',
      needs: [['customer_write']],
      run: (s, f) => s.customers.createSource(f.customer, { source: 'tok_mastercard' }),
    },
    {
      name: 'customers.listPaymentMethods',
      needs: [['payment_method_read']],
      run: (s, f) => s.customers.listPaymentMethods(f.customer, { type: 'card' }),
    },
    // setup intents and payment methods
    { name: 'setupIntents.list', needs: [['setup_intent_read']], run: (s) => s.setupIntents.list() },
    {
      name: 'setupIntents.create',
      needs: [['setup_intent_write']],
      run: (s, f) => s.setupIntents.create({ customer: f.customer, usage: 'off_session' }),
    },
    {
      name: 'setupAttempts.list',
      needs: [['setup_intent_read']],
      run: (s) => s.setupAttempts.list({ setup_intent: 'seti_x' }),
    },
    {
      name: 'paymentMethods.retrieve',
      needs: [['payment_method_read']],
      run: (s, f) => s.paymentMethods.retrieve(f.paymentMethod),
    },
    {
      name: 'paymentMethods.create',
      needs: [['payment_method_write']],
      run: (s) => s.paymentMethods.create({ type: 'card', card }),
    },
    {
      name: 'paymentMethods.attach',
      needs: [['payment_method_write']],
      run: (s, f) => s.paymentMethods.attach(f.paymentMethod, { customer: f.customer }),
    },
    {
      name: 'mandates.retrieve',
      needs: [['mandate_read']],
      run: (s) => s.mandates.retrieve('mandate_1Matrix'),
    },
    // sources and tokens
    { name: 'sources.retrieve', needs: [['source_read']], run: (s, f) => s.sources.retrieve(f.source) },
    {
      name: 'sources.update',
      needs: [['source_write']],
      run: (s, f) => s.sources.update(f.source, { metadata: { touched: 'yes' } }),
    },
    { name: 'tokens.retrieve', needs: [['token_read']], run: (s, f) => s.tokens.retrieve(f.token) },
    {
      name: 'tokens.create',
      needs: [['token_write']],
      run: (s) => s.tokens.create({ card: { ...card, exp_month: '12', exp_year: '2034' } }),
    },
    // disputes
    { name: 'disputes.list', needs: [['dispute_read']], run: (s) => s.disputes.list() },
    { name: 'disputes.retrieve', needs: [['dispute_read']], run: (s, f) => s.disputes.retrieve(f.dispute) },
    {
      name: 'disputes.update',
      needs: [['dispute_write']],
      run: (s, f) => s.disputes.update(f.dispute, { metadata: { touched: 'yes' } }),
    },
    // top-ups, transfer reversals, application fees
    { name: 'topups.list', needs: [['top_up_read']], run: (s) => s.topups.list() },
    {
      name: 'topups.create',
      needs: [['top_up_write']],
      run: (s) => s.topups.create({ amount: 1000, currency: 'usd' }),
    },
    {
      name: 'transfers.listReversals',
      needs: [['transfer_read']],
      run: (s, f) => s.transfers.listReversals(f.transfer),
    },
    {
      name: 'transfers.createReversal',
      needs: [['transfer_write']],
      run: (s, f) => s.transfers.createReversal(f.transfer, { amount: 1 }),
    },
    { name: 'applicationFees.list', needs: [['application_fee_read']], run: (s) => s.applicationFees.list() },
    {
      name: 'applicationFees.createRefund',
      needs: [['application_fee_write']],
      run: (s) => s.applicationFees.createRefund('fee_1Matrix', { amount: 1 }),
    },
    // files
    { name: 'files.list', needs: [['file_read']], run: (s) => s.files.list() },
    {
      name: 'files.create (multipart)',
      needs: [['file_write']],
      run: (s) =>
        s.files.create({
          purpose: 'dispute_evidence',
          file: { data: Buffer.from('evidence'), name: 'evidence.txt', type: 'text/plain' },
        }),
    },
    { name: 'fileLinks.list', needs: [['file_read']], run: (s, f) => s.fileLinks.list({ file: f.file }) },
    {
      name: 'fileLinks.create',
      needs: [['file_write']],
      run: (s, f) => s.fileLinks.create({ file: f.file }),
    },
    // issuing
    {
      name: 'issuing.cardholders.list',
      needs: [['issuing_cardholder_read']],
      run: (s) => s.issuing.cardholders.list(),
    },
    {
      name: 'issuing.cardholders.update',
      needs: [['issuing_cardholder_write']],
      run: (s, f) => s.issuing.cardholders.update(f.cardholder, { metadata: { touched: 'yes' } }),
    },
    {
      name: 'issuing.cards.list',
      needs: [['issuing_card_read']],
      run: (s, f) => s.issuing.cards.list({ cardholder: f.cardholder }),
    },
    {
      name: 'issuing.cards.create',
      needs: [['issuing_card_write']],
      run: (s, f) => s.issuing.cards.create({ cardholder: f.cardholder, currency: 'usd', type: 'virtual' }),
    },
    {
      name: 'issuing.authorizations.retrieve',
      needs: [['issuing_authorization_read']],
      run: (s) => s.issuing.authorizations.retrieve('iauth_1Matrix'),
    },
    {
      name: 'issuing.authorizations.approve',
      needs: [['issuing_authorization_write']],
      run: (s) => s.issuing.authorizations.approve('iauth_1Matrix'),
    },
    {
      name: 'issuing.disputes.list',
      needs: [['issuing_dispute_read']],
      run: (s) => s.issuing.disputes.list(),
    },
    {
      name: 'issuing.disputes.create',
      needs: [['issuing_dispute_write']],
      run: (s) => s.issuing.disputes.create({ transaction: 'ipi_1Matrix' }),
    },
    {
      name: 'issuing.transactions.list',
      needs: [['issuing_transaction_read']],
      run: (s) => s.issuing.transactions.list(),
    },
    // terminal
    {
      name: 'terminal.locations.list',
      needs: [['terminal_location_read']],
      run: (s) => s.terminal.locations.list(),
    },
    {
      name: 'terminal.locations.update',
      needs: [['terminal_location_write']],
      run: (s, f) => s.terminal.locations.update(f.location, { display_name: 'Shop 2' }),
    },
    {
      name: 'terminal.readers.list',
      needs: [['terminal_reader_read']],
      run: (s, f) => s.terminal.readers.list({ location: f.location }),
    },
    {
      name: 'terminal.readers.cancelAction',
      needs: [['terminal_reader_write']],
      run: (s, f) => s.terminal.readers.cancelAction(f.reader),
    },
    {
      name: 'terminal.connectionTokens.create',
      needs: [['terminal_connection_token_write']],
      run: (s, f) => s.terminal.connectionTokens.create({ location: f.location }),
    },
    // reporting, webhooks, Apple Pay domains
    {
      name: 'reporting.reportTypes.list',
      needs: [['report_runs_and_report_types_read']],
      run: (s) => s.reporting.reportTypes.list(),
    },
    {
      name: 'reporting.reportRuns.create',
      needs: [['report_runs_and_report_types_read']],
      run: (s) =>
        s.reporting.reportRuns.create({
          report_type: 'balance.summary.1',
          parameters: { interval_start: 1_680_000_000, interval_end: 1_682_000_000 },
        }),
    },
    { name: 'webhookEndpoints.list', needs: [['webhook_read']], run: (s) => s.webhookEndpoints.list() },
    {
      name: 'applePayDomains.list',
      needs: [['apple_pay_domain_read']],
      run: (s) => s.applePayDomains.list(),
    },
    {
      name: 'applePayDomains.create',
      needs: [['apple_pay_domain_write']],
      run: (s) => s.applePayDomains.create({ domain_name: 'shop.example.com' }),
    },
    // connected accounts (read-only to apps), account and login links
    {
      name: 'accounts.retrieve',
      needs: [['connected_account_read']],
      run: (s, f) => s.accounts.retrieve(f.account),
    },
    {
      name: 'accounts.listCapabilities',
      needs: [['connected_account_read']],
      run: (s, f) => s.accounts.listCapabilities(f.account),
    },
    {
      name: 'accounts.listPersons',
      needs: [['connected_account_read']],
      run: (s, f) => s.accounts.listPersons(f.account),
    },
    {
      name: 'accountLinks.create',
      needs: [['account_link_write']],
      run: (s, f) =>
        s.accountLinks.create({
          account: f.account,
          refresh_url: 'https://example.com/reauth',
          return_url: 'https://example.com/return',
          type: 'account_onboarding',
        }),
    },
    {
      name: 'accounts.createLoginLink',
      needs: [['edit_link_write']],
      run: (s, f) => s.accounts.createLoginLink(f.account),
    },
  ];
}

function maskOf(secret: string): string {
  return `${secret.slice(0, 8)}***…${secret.slice(-4)}`;
}

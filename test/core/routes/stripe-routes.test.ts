import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import { decide } from '../../../src/core/decide.js';
import { defaultRouteTable } from '../../../src/core/routes/load.js';
import { type RequestInput, resolveRequest, resolveRequestLine } from '../../../src/core/routes/resolve.js';
import { AppscopeError } from '../../../src/errors.js';

const table = defaultRouteTable();
const catalog = defaultCatalog();

/** The anyOf of every group, in order. */
function groups(line: string): string[][] {
  return resolveRequestLine(table, line).requirement.map((g) => [...g.anyOf]);
}

function allowed(grants: string[], request: string | RequestInput): boolean {
  const resolved =
    typeof request === 'string' ? resolveRequestLine(table, request) : resolveRequest(table, request);
  return decide(catalog.closure(grants), resolved.requirement).allowed;
}

function errorOf(run: () => unknown): AppscopeError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppscopeError) return error;
    throw error;
  }
  throw new Error('expected an AppscopeError');
}

describe('stripe route table: endpoints', () => {
  it('customers: list and retrieve read, create and delete write', () => {
    const list = resolveRequestLine(table, 'GET /v1/customers');
    expect(list).toMatchObject({
      method: 'GET',
      path: '/v1/customers',
      route: '/v1/customers',
      operation: 'GetCustomers',
      resource: 'customer',
      available: true,
      expand: [],
    });
    expect(list.requirement).toEqual([
      {
        anyOf: ['customer_read'],
        indices: [catalog.indexOf('customer_read')],
        reason: 'GET /v1/customers reads customer',
      },
    ]);
    expect(resolveRequestLine(table, 'GET /v1/customers/cus_123')).toMatchObject({
      route: '/v1/customers/{customer}',
      operation: 'GetCustomersCustomer',
    });
    expect(groups('GET /v1/customers/cus_123')).toEqual([['customer_read']]);
    expect(groups('POST /v1/customers')).toEqual([['customer_write']]);
    expect(groups('POST /v1/customers/cus_123')).toEqual([['customer_write']]);
    expect(groups('DELETE /v1/customers/cus_123')).toEqual([['customer_write']]);
  });

  it('a write permission satisfies reads of its resource through the catalog closure', () => {
    expect(allowed(['customer_write'], 'GET /v1/customers/cus_123')).toBe(true);
    expect(allowed(['customer_read'], 'DELETE /v1/customers/cus_123')).toBe(false);
    expect(allowed(['charge_read'], 'GET /v1/customers')).toBe(false);
  });

  it('prices need plan_*, refunds need charge_*', () => {
    expect(groups('GET /v1/prices')).toEqual([['plan_read']]);
    expect(groups('GET /v1/prices/price_1')).toEqual([['plan_read']]);
    expect(groups('POST /v1/prices')).toEqual([['plan_write']]);
    expect(groups('GET /v1/prices/search?query=active:%27true%27')).toEqual([['plan_read']]);
    expect(groups('GET /v1/refunds/re_1')).toEqual([['charge_read']]);
    expect(groups('POST /v1/refunds')).toEqual([['charge_write']]);
    expect(groups('POST /v1/charges/ch_1/refunds')).toEqual([['charge_write']]);
  });

  it('test clocks need billing_clock_*', () => {
    expect(groups('GET /v1/test_helpers/test_clocks')).toEqual([['billing_clock_read']]);
    expect(groups('POST /v1/test_helpers/test_clocks/clock_1/advance')).toEqual([['billing_clock_write']]);
    expect(groups('DELETE /v1/test_helpers/test_clocks/clock_1')).toEqual([['billing_clock_write']]);
    // customer_read implies billing_clock_read in the catalog
    expect(allowed(['customer_read'], 'GET /v1/test_helpers/test_clocks/clock_1')).toBe(true);
  });

  it('billing portal, login links, account links, webhooks and report runs', () => {
    expect(groups('POST /v1/billing_portal/sessions')).toEqual([['customer_portal_write']]);
    expect(groups('GET /v1/billing_portal/configurations/bpc_1')).toEqual([['customer_portal_read']]);
    expect(groups('POST /v1/accounts/acct_1/login_links')).toEqual([['edit_link_write']]);
    expect(groups('POST /v1/account/login_links')).toEqual([['edit_link_write']]);
    expect(groups('POST /v1/account_links')).toEqual([['account_link_write']]);
    expect(groups('GET /v1/webhook_endpoints')).toEqual([['webhook_read']]);
    expect(resolveRequestLine(table, 'POST /v1/webhook_endpoints').available).toBe(false);
    expect(groups('POST /v1/reporting/report_runs')).toEqual([['report_runs_and_report_types_read']]);
    expect(groups('GET /v1/reporting/report_types')).toEqual([['report_runs_and_report_types_read']]);
  });

  it('sub-resources follow their parent: customer sources, line items, fee refunds, quote PDFs', () => {
    expect(groups('GET /v1/customers/cus_1/sources/card_1')).toEqual([['customer_read']]);
    expect(groups('DELETE /v1/customers/cus_1/tax_ids/txi_1')).toEqual([['customer_write']]);
    expect(groups('GET /v1/checkout/sessions/cs_1/line_items')).toEqual([['checkout_session_read']]);
    expect(groups('GET /v1/payment_links/plink_1/line_items')).toEqual([['payment_links_read']]);
    expect(groups('GET /v1/quotes/qt_1/pdf')).toEqual([['quote_read']]);
    expect(groups('POST /v1/application_fees/fee_1/refunds')).toEqual([['application_fee_write']]);
    expect(groups('GET /v1/subscription_items/si_1/usage_record_summaries')).toEqual([['usage_record_read']]);
    expect(groups('DELETE /v1/subscriptions/sub_1/discount')).toEqual([['subscription_write']]);
  });

  it('static segments win over parameters, and matching backtracks', () => {
    expect(resolveRequestLine(table, 'GET /v1/customers/search').route).toBe('/v1/customers/search');
    expect(resolveRequestLine(table, 'GET /v1/invoices/upcoming').route).toBe('/v1/invoices/upcoming');
    // no static `/v1/invoices/upcoming/finalize`: the parameter route takes it
    expect(resolveRequestLine(table, 'POST /v1/invoices/upcoming/finalize').route).toBe(
      '/v1/invoices/{invoice}/finalize',
    );
  });

  it('accepts HEAD as GET, any case, full URLs, an HTTP version and :id placeholders', () => {
    expect(resolveRequestLine(table, 'head /v1/customers')).toMatchObject({
      method: 'GET',
      route: '/v1/customers',
    });
    expect(resolveRequestLine(table, 'Post /v1/customers').method).toBe('POST');
    expect(resolveRequestLine(table, 'GET https://api.stripe.com/v1/charges/ch_1 HTTP/1.1').route).toBe(
      '/v1/charges/{charge}',
    );
    expect(resolveRequestLine(table, '  GET v1/charges/:id ').route).toBe('/v1/charges/{charge}');
    expect(resolveRequest(table, { method: 'get', path: '/v1/charges?limit=3' }).path).toBe('/v1/charges');
  });
});

describe('stripe route table: unavailable endpoints deny', () => {
  it('POST /v1/accounts is never allowed', () => {
    const resolved = resolveRequestLine(table, 'POST /v1/accounts');
    expect(resolved.available).toBe(false);
    expect(resolved.requirement).toEqual([
      {
        anyOf: [],
        indices: [],
        reason:
          'POST /v1/accounts is not available to apps: it creates a connected account, and the catalog grants accounts read-only (`connected_account_read`)',
      },
    ]);
    const everything = catalog.permissions.map((p) => p.name);
    expect(allowed(everything, 'POST /v1/accounts')).toBe(false);
  });

  it('Radar, Identity and promotion codes are unavailable, with a reason', () => {
    for (const line of ['GET /v1/radar/early_fraud_warnings', 'POST /v1/identity/verification_sessions']) {
      const resolved = resolveRequestLine(table, line);
      expect(resolved.available).toBe(false);
      expect(resolved.requirement[0]!.reason).toMatch(
        / is not available to apps: no permission in the catalog covers /,
      );
    }
    expect(resolveRequestLine(table, 'GET /v1/promotion_codes').requirement[0]!.reason).toBe(
      'GET /v1/promotion_codes is not available to apps: the catalog has no promotion code permission',
    );
  });

  it('ignores expand on unavailable endpoints (they are denied anyway)', () => {
    expect(resolveRequestLine(table, 'GET /v1/radar/value_lists?expand[]=nonsense').available).toBe(false);
  });
});

describe('stripe route table: expand', () => {
  it('balance transaction source needs balance_transaction_source_read (retrieve and list)', () => {
    expect(groups('GET /v1/balance_transactions/txn_1?expand[]=source')).toEqual([
      ['balance_read'],
      ['balance_transaction_source_read'],
    ]);
    expect(groups('GET /v1/balance_transactions?expand[]=data.source')).toEqual([
      ['balance_read'],
      ['balance_transaction_source_read'],
    ]);
    expect(allowed(['balance_read'], 'GET /v1/balance_transactions/txn_1?expand[]=source')).toBe(false);
    // balance_transaction_source_read implies balance_read
    expect(
      allowed(['balance_transaction_source_read'], 'GET /v1/balance_transactions/txn_1?expand[]=source'),
    ).toBe(true);
  });

  it('nested paths add one group per expanded segment', () => {
    const resolved = resolveRequestLine(table, 'GET /v1/charges?expand[]=data.customer.default_source');
    expect(resolved.expand).toEqual(['data.customer.default_source']);
    expect(resolved.requirement.map((g) => [g.anyOf, g.reason])).toEqual([
      [['charge_read'], 'GET /v1/charges reads charge'],
      [['customer_read'], 'expand `data.customer`'],
      [['customer_read', 'source_read'], 'expand `data.customer.default_source`'],
    ]);
    expect(allowed(['charge_read'], 'GET /v1/charges?expand[]=data.customer.default_source')).toBe(false);
    expect(
      allowed(['charge_read', 'customer_read'], 'GET /v1/charges?expand[]=data.customer.default_source'),
    ).toBe(true);
    expect(groups('GET /v1/charges/ch_1?expand[]=customer.default_source')).toEqual([
      ['charge_read'],
      ['customer_read'],
      ['customer_read', 'source_read'],
    ]);
  });

  it('walks through nested objects without a group of their own', () => {
    expect(groups('GET /v1/customers/cus_1?expand[]=invoice_settings.default_payment_method')).toEqual([
      ['customer_read'],
      ['payment_method_read'],
    ]);
  });

  it("accepts the official SDK's indexed form and curl's [] form, and refuses percent-encoded brackets", () => {
    const expected = [['customer_read'], ['customer_read', 'source_read']];
    expect(groups('GET /v1/customers?expand[0]=data.default_source')).toEqual(expected);
    expect(groups('GET /v1/customers?expand[]=data.default_source')).toEqual(expected);
    expect(groups('GET /v1/customers?expand[0]=data%2Edefault_source')).toEqual(expected);
    // brackets are written as they are: an encoded one could be read as a bracket or as text
    for (const line of [
      'GET /v1/customers?expand%5B%5D=data.default_source',
      'GET /v1/customers?expand%5b0%5d=data%2Edefault_source',
    ]) {
      expect(() => groups(line), line).toThrow(
        expect.objectContaining({ name: 'ParamError', code: 'parameter_invalid_name' }),
      );
    }
    expect(
      groups('GET /v1/customers?limit=3&expand[0]=data.default_source&expand[1]=data.test_clock'),
    ).toEqual([['customer_read'], ['customer_read', 'source_read'], ['billing_clock_read']]);
    // indices count up from 0 in order: `[1]` before `[0]` is refused, not reordered
    expect(() => groups('GET /v1/customers?expand[1]=data.test_clock&expand[0]=data.default_source')).toThrow(
      expect.objectContaining({ name: 'ParamError', code: 'parameter_invalid_index' }),
    );
  });

  it('reads expand from a form body on POST, but never from the body of a GET', () => {
    const post = resolveRequest(table, {
      method: 'POST',
      path: '/v1/customers',
      body: 'email=jo%40example.com&expand[0]=test_clock',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(post.requirement.map((g) => g.anyOf)).toEqual([['customer_write'], ['billing_clock_read']]);
    expect(post.expand).toEqual(['test_clock']);
    const get = resolveRequest(table, {
      method: 'GET',
      path: '/v1/customers',
      body: 'expand[]=data.test_clock',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(get.requirement.map((g) => g.anyOf)).toEqual([['customer_read']]);
    expect(get.expand).toEqual([]);
    const del = resolveRequest(table, {
      method: 'DELETE',
      path: '/v1/customers/cus_1',
      body: 'expand[]=nope',
    });
    expect(del.requirement.map((g) => g.anyOf)).toEqual([['customer_write']]);
  });

  it('reads expand from a multipart body only on POST /v1/files, refuses JSON bodies, and reads the query of a POST', () => {
    const boundary = 'XyZ';
    const multipart = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="purpose"',
      '',
      'dispute_evidence',
      `--${boundary}`,
      'Content-Disposition: form-data; name="expand[]"',
      '',
      'links',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const files = resolveRequest(table, {
      method: 'POST',
      path: '/v1/files',
      body: new TextEncoder().encode(multipart),
      contentType: `multipart/form-data; boundary=${boundary}`,
    });
    expect(files.requirement.map((g) => g.anyOf)).toEqual([['file_write'], ['file_read']]);
    // multipart where the route takes no upload
    expect(() =>
      resolveRequest(table, {
        method: 'POST',
        path: '/v1/customers',
        body: new TextEncoder().encode(multipart),
        contentType: `multipart/form-data; boundary=${boundary}`,
      }),
    ).toThrow(expect.objectContaining({ name: 'ParamError', code: 'content_type_unsupported' }));
    expect(() =>
      resolveRequest(table, {
        method: 'POST',
        path: '/v1/customers',
        body: '{"expand":["test_clock"]}',
        contentType: 'application/json',
      }),
    ).toThrow(expect.objectContaining({ name: 'ParamError', code: 'content_type_unsupported' }));
    const query = resolveRequest(table, { method: 'POST', path: '/v1/customers?expand[]=test_clock' });
    expect(query.expand).toEqual(['test_clock']);
  });

  it('an expandable field whose type has no permission adds a group nothing satisfies', () => {
    const resolved = resolveRequestLine(table, 'GET /v1/charges/ch_1?expand[]=review');
    expect(resolved.available).toBe(true);
    expect(resolved.requirement[1]).toEqual({
      anyOf: [],
      indices: [],
      reason: 'expand `review` is not available to apps: the catalog has no review permission (`review`)',
    });
    expect(allowed(['charge_write'], 'GET /v1/charges/ch_1?expand[]=review')).toBe(false);
  });

  it('deduplicates repeated expand paths and shared prefixes', () => {
    const resolved = resolveRequestLine(
      table,
      'GET /v1/charges?expand[]=data.customer&expand[]=data.customer.default_source&expand[]=data.customer',
    );
    expect(resolved.expand).toEqual(['data.customer', 'data.customer.default_source']);
    expect(resolved.requirement).toHaveLength(3);
  });

  it('an invalid expand path is refused with ERR_INVALID_EXPAND naming the field', () => {
    const typo = errorOf(() => resolveRequestLine(table, 'GET /v1/customers/cus_1?expand[]=default_sourc'));
    expect(typo.code).toBe('ERR_INVALID_EXPAND');
    expect(typo.message).toBe(
      'cannot expand `default_sourc` on `GET /v1/customers/{customer}`: `default_sourc` is not a field of `customer` or `deleted_customer` that can be expanded; did you mean `default_source`?',
    );
    expect(
      errorOf(() => resolveRequestLine(table, 'GET /v1/customers?expand[]=default_source')).message,
    ).toBe(
      'cannot expand `default_source` on `GET /v1/customers`: `default_source` is not a field of `list<customer>`; a list expands fields of its items, such as `data.default_source`',
    );
    expect(
      errorOf(() => resolveRequestLine(table, 'GET /v1/customers/cus_1?expand[]=invoice_settings')).message,
    ).toBe(
      'cannot expand `invoice_settings` on `GET /v1/customers/{customer}`: `invoice_settings` is not expandable itself; expand a field inside it, such as `invoice_settings.default_payment_method`',
    );
    expect(errorOf(() => resolveRequestLine(table, 'GET /v1/customers?expand[]=')).message).toBe(
      'cannot expand `` on `GET /v1/customers`: the path is empty',
    );
    expect(errorOf(() => resolveRequestLine(table, 'GET /v1/quotes/qt_1/pdf?expand[]=x')).message).toBe(
      'cannot expand `x` on `GET /v1/quotes/{quote}/pdf`: `GET /v1/quotes/{quote}/pdf` has no expandable fields',
    );
  });

  it('caches expansions per route without changing the answer', () => {
    const line = 'GET /v1/charges/ch_1?expand[]=customer&expand[]=invoice';
    const first = resolveRequestLine(table, line);
    const second = resolveRequestLine(table, line);
    expect(second.requirement).toBe(first.requirement);
    expect(() => resolveRequestLine(table, 'GET /v1/charges/ch_1?expand[]=customer&expand[]=nope')).toThrow(
      AppscopeError,
    );
  });
});

describe('stripe route table: unknown endpoints and bad request lines', () => {
  it('names the method and path and suggests the nearest route', () => {
    const error = errorOf(() => resolveRequestLine(table, 'GET /v1/customerz'));
    expect(error.code).toBe('ERR_UNKNOWN_ENDPOINT');
    expect(error.message).toBe('unknown endpoint `GET /v1/customerz`; did you mean `GET /v1/customers`?');
    expect(errorOf(() => resolveRequestLine(table, 'GET /v1/customers/cus_1/sourcez')).message).toBe(
      'unknown endpoint `GET /v1/customers/cus_1/sourcez`; did you mean `GET /v1/customers/{customer}/sources`?',
    );
    expect(errorOf(() => resolveRequestLine(table, 'GET /v1/nothing_like_it/at/all')).message).toBe(
      'unknown endpoint `GET /v1/nothing_like_it/at/all`',
    );
  });

  it('says which methods a known path accepts', () => {
    expect(errorOf(() => resolveRequestLine(table, 'PUT /v1/customers')).message).toBe(
      'unknown endpoint `PUT /v1/customers`: `/v1/customers` accepts GET, POST',
    );
  });

  it('never lets empty, `.` or `..` segments or encoded slashes match a parameter', () => {
    for (const line of [
      'GET /v1/customers/',
      'GET /v1/customers//sources',
      'GET /v1/customers/..',
      'GET /v1/customers/./sources',
      'GET /v1/customers/%2e%2e',
      'GET /v1/customers/a%2Fb',
    ]) {
      expect(errorOf(() => resolveRequestLine(table, line)).code).toBe('ERR_UNKNOWN_ENDPOINT');
    }
    // an encoded static segment matches the static route, as upstream would decode it
    expect(resolveRequestLine(table, 'GET /v1/customers/%73earch').route).toBe('/v1/customers/search');
  });

  it('refuses lines that are not `METHOD /path`', () => {
    for (const line of ['', 'GET', 'GET /a /b', 'G3T /v1/customers', 'GET /v1/customers HTTP/x']) {
      const error = errorOf(() => resolveRequestLine(table, line));
      expect(error.code).toBe('ERR_INVALID_REQUEST_LINE');
    }
    expect(errorOf(() => resolveRequestLine(table, 'nonsense')).message).toBe(
      'invalid request line `nonsense`: expected `METHOD /path`, e.g. `GET /v1/customers`',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { createEmulator, type EmulatorResponse } from '../../src/emulator/emulator.js';
import { createMemoryStorage } from '../../src/emulator/memory-storage.js';

/**
 * The generic engine's behaviour beyond the walk: expansion by the description's expandable
 * fields (nested, four levels, lists, missing objects), events for generic resources, the
 * description's parameter checks on generic and modelled operations alike, actions, search,
 * singletons, objects made on first read, and isolation between accounts.
 */

let clock = 1_800_000_000_000;
const emulator = createEmulator({ clock: () => clock, storage: createMemoryStorage() });
const ACCOUNT = 'acct_GenericEngine001';

type Answer = EmulatorResponse & { body: any };

function call(method: string, path: string, form = '', account = ACCOUNT): Promise<Answer> {
  return emulator.handle({
    method,
    path,
    query: method === 'POST' ? '' : form,
    body: method === 'POST' ? form : '',
    account,
    livemode: false,
  }) as Promise<Answer>;
}

async function ok(method: string, path: string, form = '', account = ACCOUNT): Promise<any> {
  const answer = await call(method, path, form, account);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

describe('parameters are checked against the description, on every operation', () => {
  it('refuses an unknown parameter, at any depth, naming it', async () => {
    const top = await call(
      'POST',
      '/v1/tax_rates',
      'display_name=VAT&inclusive=false&percentage=20&colour=red',
    );
    expect(top.status).toBe(400);
    expect(top.body.error).toMatchObject({
      code: 'parameter_unknown',
      param: 'colour',
      message: 'Received unknown parameter: colour',
    });
    const nested = await call(
      'POST',
      '/v1/shipping_rates',
      'display_name=Ground&type=fixed_amount&fixed_amount[amount]=5&fixed_amount[currency]=usd&fixed_amount[colour]=red',
    );
    expect(nested.body.error).toMatchObject({ code: 'parameter_unknown', param: 'fixed_amount[colour]' });
  });

  it('refuses a missing required parameter, a nested one too', async () => {
    const missing = await call('POST', '/v1/tax_rates', 'display_name=VAT&inclusive=false');
    expect(missing.body.error).toMatchObject({
      code: 'parameter_missing',
      param: 'percentage',
      message: 'Missing required param: percentage.',
    });
    const nested = await call(
      'POST',
      '/v1/shipping_rates',
      'display_name=Ground&type=fixed_amount&fixed_amount[amount]=5',
    );
    expect(nested.body.error).toMatchObject({ code: 'parameter_missing', param: 'fixed_amount[currency]' });
  });

  it('refuses wrong types and enum values with parameter_invalid_* naming the parameter', async () => {
    const cases: [string, string, string, string][] = [
      [
        '/v1/tax_rates',
        'display_name=VAT&inclusive=maybe&percentage=20',
        'inclusive',
        'parameter_invalid_boolean',
      ],
      [
        '/v1/tax_rates',
        'display_name=VAT&inclusive=false&percentage=lots',
        'percentage',
        'parameter_invalid_decimal',
      ],
      [
        '/v1/tax_rates',
        'display_name=VAT&inclusive=false&percentage=20&tax_type=tithe',
        'tax_type',
        'parameter_invalid_string',
      ],
      [
        '/v1/shipping_rates',
        'display_name=G&type=fixed_amount&fixed_amount[amount]=five&fixed_amount[currency]=usd',
        'fixed_amount[amount]',
        'parameter_invalid_integer',
      ],
      [
        '/v1/tax_rates',
        'display_name[x]=VAT&inclusive=false&percentage=20',
        'display_name',
        'parameter_invalid_string',
      ],
    ];
    for (const [path, form, param, code] of cases) {
      const answer = await call('POST', path, form);
      expect(answer.status, form).toBe(400);
      expect(answer.body.error, form).toMatchObject({ type: 'invalid_request_error', code, param });
    }
    const enumMessage = await call(
      'POST',
      '/v1/tax_rates',
      'display_name=VAT&inclusive=false&percentage=20&tax_type=tithe',
    );
    expect(enumMessage.body.error.message).toBe(
      'Invalid tax_type: must be one of gst, hst, jct, pst, qst, rst, sales_tax, or vat',
    );
  });

  it('checks modelled operations against the description too, and still accepts what they model', async () => {
    const unknown = await call('POST', '/v1/customers', 'email=a%40example.com&colour=red');
    expect(unknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
    const badEnum = await call('POST', '/v1/customers', 'tax_exempt=sometimes');
    expect(badEnum.body.error).toMatchObject({ code: 'parameter_invalid_string', param: 'tax_exempt' });
    // The description knows `tax_id_data`; the customers module does not model it: accepted, ignored.
    const known = await call(
      'POST',
      '/v1/customers',
      'tax_id_data[0][type]=eu_vat&tax_id_data[0][value]=DE123',
    );
    expect(known.status).toBe(200);
    // A list filter the description does not have is refused on a modelled list.
    const badFilter = await call('GET', '/v1/customers', 'colour=red');
    expect(badFilter.body.error).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
  });
});

describe('expansion follows the description', () => {
  it('expands references, nested paths and list items; a missing object stays an id', async () => {
    const clockObject = await ok('POST', '/v1/test_helpers/test_clocks', `frozen_time=${clock / 1000}`);
    const customer = await ok('POST', '/v1/customers', `test_clock=${clockObject.id}`);
    const taxId = await ok('POST', `/v1/customers/${customer.id}/tax_ids`, 'type=eu_vat&value=DE123456789');
    expect(taxId.customer).toBe(customer.id);

    const expanded = await ok('GET', `/v1/customers/${customer.id}/tax_ids/${taxId.id}`, 'expand[]=customer');
    expect(expanded.customer).toMatchObject({ id: customer.id, object: 'customer' });

    const listed = await ok('GET', `/v1/customers/${customer.id}/tax_ids`, 'expand[]=data.customer');
    expect(listed.data[0].customer.id).toBe(customer.id);

    // An id whose object is gone expands to the id, as in Stripe.
    await ok('DELETE', `/v1/customers/${customer.id}`);
    const orphan = await ok('GET', `/v1/customers/${customer.id}/tax_ids`, 'expand[]=data.customer');
    expect(orphan.data[0].customer).toBe(customer.id);

    // A field that holds the whole object (not an expandable id) gets the stored object.
    const card = await ok(
      'POST',
      '/v1/issuing/cardholders',
      'name=Ada&type=individual&billing[address][line1]=1%20Main&billing[address][city]=X&billing[address][postal_code]=1&billing[address][country]=US',
    );
    const issued = await ok('POST', '/v1/issuing/cards', `cardholder=${card.id}&currency=usd&type=virtual`);
    const again = await ok('GET', `/v1/issuing/cards/${issued.id}`, 'expand[]=cardholder');
    expect(again.cardholder).toMatchObject({ id: card.id, object: 'issuing.cardholder', name: 'Ada' });
  });

  it('expands through embedded objects (invoice_settings.default_payment_method) and four levels deep', async () => {
    const pm = await ok(
      'POST',
      '/v1/payment_methods',
      'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123',
    );
    expect(pm.id).toMatch(/^pm_/);
    const customer = await ok('POST', '/v1/customers', `invoice_settings[default_payment_method]=${pm.id}`);
    const expanded = await ok(
      'GET',
      `/v1/customers/${customer.id}`,
      'expand[]=invoice_settings.default_payment_method',
    );
    expect(expanded.invoice_settings.default_payment_method).toMatchObject({
      id: pm.id,
      object: 'payment_method',
    });

    const five = await call('GET', `/v1/customers/${customer.id}`, 'expand[]=a.b.c.d.e');
    expect(five.status).toBe(400);
    expect(five.body.error.message).toMatch(/more than 4 levels/);
    const notExpandable = await call('GET', `/v1/customers/${customer.id}`, 'expand[]=email');
    expect(notExpandable.body.error.message).toBe('This property cannot be expanded (email).');
  });

  it('includes fields Stripe leaves out unless expanded (customer.tax_ids), with what is stored', async () => {
    const customer = await ok('POST', '/v1/customers', '');
    expect(customer).not.toHaveProperty('tax_ids');
    expect(customer).not.toHaveProperty('sources');
    await ok('POST', `/v1/customers/${customer.id}/tax_ids`, 'type=eu_vat&value=DE999');
    const withIds = await ok('GET', `/v1/customers/${customer.id}`, 'expand[]=tax_ids');
    expect(withIds.tax_ids).toMatchObject({ object: 'list', url: `/v1/customers/${customer.id}/tax_ids` });
    expect(withIds.tax_ids.data.map((t: { value: string }) => t.value)).toEqual(['DE999']);
  });
});

describe('generic resources', () => {
  it('announce created, updated and deleted events with previous attributes', async () => {
    clock += 1000;
    const rate = await ok('POST', '/v1/tax_rates', 'display_name=VAT&inclusive=false&percentage=20');
    await ok('POST', `/v1/tax_rates/${rate.id}`, 'display_name=GST');
    const events = await ok('GET', '/v1/events', 'type=tax_rate.*');
    const types = events.data.map((e: { type: string }) => e.type);
    expect(types).toEqual(['tax_rate.updated', 'tax_rate.created']);
    expect(events.data[0].data.previous_attributes).toEqual({ display_name: 'VAT' });
    expect(events.data[0].data.object.display_name).toBe('GST');

    const hook = await ok(
      'POST',
      '/v1/webhook_endpoints',
      'url=https%3A%2F%2Fexample.com%2Fhook&enabled_events[]=*',
    );
    await ok('DELETE', `/v1/webhook_endpoints/${hook.id}`);
    const deleted = await ok('GET', '/v1/events', 'type=webhook_endpoint.deleted');
    expect(deleted.data[0].data.object.id).toBe(hook.id);
  });

  it('filter lists by plain field equality, page them, and filter created', async () => {
    clock += 1000;
    const made = [];
    for (const percentage of [5, 10, 15]) {
      made.push(
        await ok(
          'POST',
          '/v1/tax_rates',
          `display_name=R${percentage}&inclusive=true&percentage=${percentage}`,
        ),
      );
    }
    await ok('POST', `/v1/tax_rates/${made[0].id}`, 'active=false');
    const inactive = await ok('GET', '/v1/tax_rates', 'active=false');
    expect(inactive.data.map((r: { id: string }) => r.id)).toEqual([made[0].id]);
    const inclusive = await ok('GET', '/v1/tax_rates', 'inclusive=true&limit=2');
    expect(inclusive.data.map((r: { id: string }) => r.id)).toEqual([made[2].id, made[1].id]);
    expect(inclusive.has_more).toBe(true);
    const next = await ok('GET', '/v1/tax_rates', `inclusive=true&limit=2&starting_after=${made[1].id}`);
    expect(next.data.map((r: { id: string }) => r.id)).toEqual([made[0].id]);
    const recent = await ok('GET', '/v1/tax_rates', `created[gte]=${clock / 1000}`);
    expect(recent.data).toHaveLength(3);
    const missingCursor = await call('GET', '/v1/tax_rates', 'starting_after=txr_nothing');
    expect(missingCursor.status).toBe(404);
  });

  it('answer actions with the status their name implies, and say when the schema has none', async () => {
    const customer = await ok('POST', '/v1/customers', '');
    const quote = await ok('POST', '/v1/quotes', `customer=${customer.id}`);
    expect(quote.status).toBe('draft');
    expect((await ok('POST', `/v1/quotes/${quote.id}/finalize`)).status).toBe('open');
    expect((await ok('POST', `/v1/quotes/${quote.id}/accept`)).status).toBe('accepted');
    const intent = await ok('POST', '/v1/setup_intents', '');
    const canceled = await ok('POST', `/v1/setup_intents/${intent.id}/cancel`);
    expect(canceled.status).toBe('canceled');
    const pm = await ok(
      'POST',
      '/v1/payment_methods',
      'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030',
    );
    const attached = await ok('POST', `/v1/payment_methods/${pm.id}/attach`, `customer=${customer.id}`);
    expect(attached.customer).toBe(customer.id);
    const detached = await ok('POST', `/v1/payment_methods/${pm.id}/detach`);
    expect(detached.customer).toBeNull();
    const listed = await ok('GET', '/v1/payment_methods', `customer=${customer.id}&type=card`);
    expect(listed.data).toEqual([]);
  });

  it('read a raw card number into the brand and last 4 digits of a payment method or a token', async () => {
    const pm = await ok(
      'POST',
      '/v1/payment_methods',
      'type=card&card[number]=5555555555554444&card[exp_month]=1&card[exp_year]=2031',
    );
    expect(pm.card).toMatchObject({ brand: 'mastercard', last4: '4444', exp_month: 1, exp_year: 2031 });
    const token = await ok(
      'POST',
      '/v1/tokens',
      'card[number]=4242424242424242&card[exp_month]=1&card[exp_year]=2031&card[cvc]=123',
    );
    expect(token).toMatchObject({ object: 'token', type: 'card', card: { brand: 'visa', last4: '4242' } });
    expect(token).not.toHaveProperty('bank_account');
  });

  it('search with Stripe\u2019s query language', async () => {
    await ok('POST', '/v1/customers', 'email=search-me%40example.com&metadata[tier]=gold');
    await ok('POST', '/v1/customers', 'email=other%40example.com&metadata[tier]=silver');
    const byEmail = await ok(
      'GET',
      '/v1/customers/search',
      `query=${encodeURIComponent("email:'search-me@example.com'")}`,
    );
    expect(byEmail.object).toBe('search_result');
    expect(byEmail.data.map((c: { email: string }) => c.email)).toEqual(['search-me@example.com']);
    const byMetadata = await ok(
      'GET',
      '/v1/customers/search',
      `query=${encodeURIComponent("metadata['tier']:'silver'")}`,
    );
    expect(byMetadata.data.map((c: { email: string }) => c.email)).toEqual(['other@example.com']);
    const first = await ok('GET', '/v1/customers/search', `query=${encodeURIComponent('created>0')}&limit=1`);
    expect(first.has_more).toBe(true);
    const second = await ok(
      'GET',
      '/v1/customers/search',
      `query=${encodeURIComponent('created>0')}&limit=1&page=${first.next_page}`,
    );
    expect(second.data[0].id).not.toBe(first.data[0].id);
    const badPage = await call('GET', '/v1/customers/search', 'query=created%3E0&page=-5');
    expect(badPage.body.error).toMatchObject({ code: 'parameter_invalid_string', param: 'page' });
    const bad = await call(
      'GET',
      '/v1/customers/search',
      `query=${encodeURIComponent('email:a AND name:b OR x:y')}`,
    );
    expect(bad.status).toBe(400);
  });

  it('keep singletons per account, and make what the API never creates on first read', async () => {
    const mine = await ok('GET', '/v1/account');
    expect(mine.id).toBe(ACCOUNT);
    await ok('POST', '/v1/account', 'business_profile[name]=Mine');
    expect((await ok('GET', '/v1/account')).business_profile.name).toBe('Mine');
    expect((await ok('GET', `/v1/accounts/${ACCOUNT}`)).business_profile.name).toBe('Mine');
    const theirs = await ok('GET', '/v1/account', '', 'acct_SomeoneElse00001');
    expect(theirs.id).toBe('acct_SomeoneElse00001');
    expect(theirs.business_profile).toBeNull();

    const spec = await ok('GET', '/v1/country_specs/FR');
    expect(spec).toMatchObject({ id: 'FR', object: 'country_spec' });
    const listed = await ok('GET', '/v1/country_specs');
    expect(listed.data.map((s: { id: string }) => s.id)).toContain('FR');
  });

  it('keep objects of one account from another', async () => {
    const rate = await ok('POST', '/v1/tax_rates', 'display_name=Mine&inclusive=false&percentage=1');
    const elsewhere = await call('GET', `/v1/tax_rates/${rate.id}`, '', 'acct_SomeoneElse00001');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error).toMatchObject({
      code: 'resource_missing',
      message: `No such tax_rate: '${rate.id}'`,
    });
    const theirList = await ok('GET', '/v1/tax_rates', '', 'acct_SomeoneElse00001');
    expect(theirList.data.map((r: { id: string }) => r.id)).not.toContain(rate.id);
  });

  it('upload files as multipart, with their size and name', async () => {
    const boundary = 'generic0boundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\ndispute_evidence\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="receipt.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 hello\r\n--${boundary}--\r\n`;
    const answer = (await emulator.handle({
      method: 'POST',
      path: '/v1/files',
      query: '',
      body,
      contentType: `multipart/form-data; boundary=${boundary}`,
      account: ACCOUNT,
      livemode: false,
    })) as Answer;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      object: 'file',
      purpose: 'dispute_evidence',
      filename: 'receipt.pdf',
      size: 14,
      type: 'pdf',
    });
    expect(answer.body.id).toMatch(/^file_/);
    const form = await call('POST', '/v1/files', 'purpose=dispute_evidence&file=x');
    expect(form.status).toBe(400);
  });
});

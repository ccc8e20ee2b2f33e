import { invalidRequest } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import { deleteOperation, metadataOf, retrieveOperation } from '../crud.js';
import { ref } from '../expand.js';
import { randomString } from '../ids.js';
import { equalities, listOperation } from '../lists.js';
import { events, operation, type ResourceModule } from '../operation.js';
import { applyMetadata, type ParamSpec, type Parsed, p } from '../params.js';
import type { StripeObject } from '../storage.js';
import { type Card, cardFromToken, resolvePaymentMethod } from './cards.js';

/** The fields the emulator's logic reads from a customer. */
export interface Customer extends StripeObject {
  readonly object: 'customer';
  readonly created: number;
  readonly email: string | null;
  readonly name: string | null;
  readonly currency: string | null;
  readonly default_source: string | null;
  readonly invoice_prefix: string;
  readonly next_invoice_sequence: number;
  readonly invoice_settings: {
    readonly default_payment_method: string | null;
    readonly [k: string]: unknown;
  };
}

const ADDRESS_FIELDS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;

/** An address hash; the fields not given are `null`, as in Stripe's responses. */
const address = (): ParamSpec<Record<string, string | null> | null> => {
  const shape = p.nullableHash(
    Object.fromEntries(ADDRESS_FIELDS.map((field) => [field, p.nullableString()])),
  );
  return {
    read(value, name) {
      const given = shape.read(value, name);
      if (given === null) return null;
      return Object.fromEntries(
        ADDRESS_FIELDS.map((field) => [field, (given[field] as string | null) ?? null]),
      );
    },
  };
};

const shared = {
  address: address(),
  balance: p.integer({ min: -99_999_999_999 }),
  description: p.nullableString(),
  email: p.nullableString(),
  invoice_prefix: p.string({ maxLength: 12 }),
  invoice_settings: p.hash({
    custom_fields: p.ignored(),
    default_payment_method: p.nullableId(),
    footer: p.nullableString(),
    rendering_options: p.ignored(),
  }),
  metadata: p.metadata(),
  name: p.nullableString(),
  next_invoice_sequence: p.integer({ min: 1 }),
  phone: p.nullableString(),
  preferred_locales: p.list(p.string()),
  shipping: p.nullableHash({ address: address(), name: p.string(), phone: p.nullableString() }, [
    'address',
    'name',
  ]),
  source: p.id(),
  tax_exempt: p.enum(['none', 'exempt', 'reverse']),
};

const PATH = '/v1/customers';

/** A random 8-character invoice number prefix, as Stripe gives each customer. */
function invoicePrefix(): string {
  return randomString(8, '0123456789ABCDEF');
}

function checkInvoicePrefix(prefix: string | undefined): void {
  if (prefix !== undefined && !/^[0-9A-Z]{3,12}$/.test(prefix)) {
    throw invalidRequest('Invalid invoice_prefix: must be 3–12 uppercase letters or numbers.', {
      param: 'invoice_prefix',
    });
  }
}

async function checkDefaultPaymentMethod(
  ctx: EmulatorContext,
  customer: string,
  settings: Parsed<typeof shared>['invoice_settings'],
): Promise<void> {
  const pm = settings?.default_payment_method;
  if (pm !== undefined && pm !== null) {
    await resolvePaymentMethod(ctx, pm, customer, 'invoice_settings[default_payment_method]');
  }
}

function invoiceSettings(
  current: Customer['invoice_settings'] | undefined,
  update: Parsed<typeof shared>['invoice_settings'],
): Customer['invoice_settings'] {
  const base = current ?? {
    custom_fields: null,
    default_payment_method: null,
    footer: null,
    rendering_options: null,
  };
  if (update === undefined) return base;
  return {
    ...base,
    ...(update.default_payment_method === undefined
      ? {}
      : { default_payment_method: update.default_payment_method }),
    ...(update.footer === undefined ? {} : { footer: update.footer }),
  };
}

/** Customers, and the cards their test-token `source` creates. */
export const customers: ResourceModule = {
  objects: [
    {
      object: 'customer',
      idPrefix: 'cus',
      events: events('customer'),
      expand: { default_source: ref('card') },
    },
    { object: 'card', idPrefix: 'card', expand: { customer: ref('customer') } },
  ],
  operations: [
    listOperation({
      object: 'customer',
      path: PATH,
      params: { email: p.string(), test_clock: p.ignored() },
      where: (params) => equalities({ email: params.email }),
    }),
    operation({
      method: 'POST',
      path: PATH,
      returns: { object: 'customer' },
      params: shared,
      async run(ctx, params) {
        checkInvoicePrefix(params.invoice_prefix);
        const id = ctx.newId('cus', 14);
        await checkDefaultPaymentMethod(ctx, id, params.invoice_settings);
        const customer: Customer = {
          id,
          object: 'customer',
          address: params.address ?? null,
          balance: params.balance ?? 0,
          created: ctx.now,
          currency: null,
          default_source: null,
          delinquent: false,
          description: params.description ?? null,
          discount: null,
          email: params.email ?? null,
          invoice_prefix: params.invoice_prefix ?? invoicePrefix(),
          invoice_settings: invoiceSettings(undefined, params.invoice_settings),
          livemode: ctx.scope.livemode,
          metadata: applyMetadata(undefined, params.metadata),
          name: params.name ?? null,
          next_invoice_sequence: params.next_invoice_sequence ?? 1,
          phone: params.phone ?? null,
          preferred_locales: params.preferred_locales ?? [],
          shipping: params.shipping ?? null,
          tax_exempt: params.tax_exempt ?? 'none',
          test_clock: null,
        };
        const stored = await ctx.insert(customer);
        if (params.source === undefined) return stored;
        const card = await cardFromToken(ctx, params.source, id);
        return ctx.replace(stored, { ...stored, default_source: card.id });
      },
    }),
    retrieveOperation('customer', `${PATH}/:id`),
    operation({
      method: 'POST',
      path: `${PATH}/:id`,
      returns: { object: 'customer' },
      params: { ...shared, default_source: p.id() },
      async run(ctx, params, route) {
        const current = await ctx.load<Customer>('customer', route['id']!);
        checkInvoicePrefix(params.invoice_prefix);
        await checkDefaultPaymentMethod(ctx, current.id, params.invoice_settings);
        let defaultSource = current.default_source;
        if (params.source !== undefined)
          defaultSource = (await cardFromToken(ctx, params.source, current.id)).id;
        if (params.default_source !== undefined) {
          const card = await ctx.find<Card>('card', params.default_source);
          if (card === undefined || card.customer !== current.id) {
            throw invalidRequest(`No such source: '${params.default_source}'`, {
              code: 'resource_missing',
              param: 'default_source',
              status: 404,
            });
          }
          defaultSource = card.id;
        }
        const { metadata, invoice_settings, source: _source, default_source: _default, ...simple } = params;
        const next: Customer = {
          ...current,
          ...simple,
          default_source: defaultSource,
          invoice_settings: invoiceSettings(current.invoice_settings, invoice_settings),
          metadata: applyMetadata(metadataOf(current), metadata),
        };
        return ctx.replace(current, next);
      },
    }),
    deleteOperation('customer', `${PATH}/:id`),
  ],
};

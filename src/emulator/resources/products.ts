import { invalidRequest, parameterMissing } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import { deleteOperation, metadataOf, retrieveOperation } from '../crud.js';
import { ref } from '../expand.js';
import { equalities, listOperation, type Where } from '../lists.js';
import { events, operation, type ResourceModule } from '../operation.js';
import { applyMetadata, type Parsed, p } from '../params.js';
import type { StripeObject } from '../storage.js';

/** The fields the emulator's logic reads from a product. */
export interface Product extends StripeObject {
  readonly object: 'product';
  readonly created: number;
  readonly name: string;
  readonly active: boolean;
  readonly default_price: string | null;
}

/** A price's billing interval. */
export interface Recurring {
  readonly interval: 'day' | 'week' | 'month' | 'year';
  readonly interval_count: number;
  readonly usage_type: 'licensed' | 'metered';
  readonly [k: string]: unknown;
}

/** The fields the emulator's logic reads from a price. */
export interface Price extends StripeObject {
  readonly object: 'price';
  readonly created: number;
  readonly active: boolean;
  readonly currency: string;
  readonly product: string;
  readonly type: 'one_time' | 'recurring';
  readonly recurring: Recurring | null;
  readonly unit_amount: number | null;
  readonly unit_amount_decimal: string;
  readonly lookup_key: string | null;
  readonly nickname: string | null;
}

const PRODUCTS = '/v1/products';
const PRICES = '/v1/prices';

const recurringShape = p.hash(
  {
    aggregate_usage: p.ignored(),
    interval: p.enum(['day', 'week', 'month', 'year']),
    interval_count: p.integer({ min: 1 }),
    trial_period_days: p.integer({ min: 0 }),
    usage_type: p.enum(['licensed', 'metered']),
  },
  ['interval'],
);

const unitAmounts = {
  unit_amount: p.integer(),
  unit_amount_decimal: p.string(),
};

const priceData = {
  currency: p.currency(),
  recurring: recurringShape,
  tax_behavior: p.enum(['inclusive', 'exclusive', 'unspecified']),
  ...unitAmounts,
};

const productFields = {
  active: p.boolean(),
  description: p.nullableString(),
  images: p.list(p.string(), { max: 8 }),
  metadata: p.metadata(),
  package_dimensions: p.ignored(),
  shippable: p.boolean(),
  statement_descriptor: p.nullableString(),
  tax_code: p.nullableString(),
  unit_label: p.nullableString(),
  url: p.nullableString(),
};

type PriceInput = Parsed<typeof priceData> & {
  active?: boolean;
  nickname?: string | null;
  lookup_key?: string | null;
  metadata?: Parsed<typeof productFields>['metadata'];
};

const MAX_INTERVAL: Readonly<Record<Recurring['interval'], number>> = {
  day: 365,
  week: 52,
  month: 12,
  year: 1,
};

/** Builds a price object (not stored) after checking amounts and the recurring interval. */
export function buildPrice(ctx: EmulatorContext, product: string, input: PriceInput, parent?: string): Price {
  const name = (field: string): string => (parent === undefined ? field : `${parent}[${field}]`);
  let unitAmount: number | null;
  let decimal: string;
  if (input.unit_amount !== undefined && input.unit_amount_decimal !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: unit_amount, unit_amount_decimal.', {
      code: 'parameters_exclusive',
      param: name('unit_amount'),
    });
  }
  if (input.unit_amount !== undefined) {
    unitAmount = input.unit_amount;
    decimal = String(input.unit_amount);
  } else if (input.unit_amount_decimal !== undefined) {
    if (!/^\d{1,12}(\.\d{1,12})?$/.test(input.unit_amount_decimal)) {
      throw invalidRequest(`Invalid decimal: ${input.unit_amount_decimal}`, {
        param: name('unit_amount_decimal'),
      });
    }
    decimal = input.unit_amount_decimal.replace(/\.0+$/, '');
    unitAmount = decimal.includes('.') ? null : Number(decimal);
  } else {
    throw parameterMissing(name('unit_amount'));
  }
  let recurring: Recurring | null = null;
  if (input.recurring !== undefined) {
    const interval = input.recurring.interval!;
    const count = input.recurring.interval_count ?? 1;
    if (count > MAX_INTERVAL[interval]) {
      throw invalidRequest(
        'The maximum billing interval is one year (1 year, 12 months, 52 weeks or 365 days).',
        { param: `${name('recurring')}[interval_count]` },
      );
    }
    recurring = {
      aggregate_usage: null,
      interval,
      interval_count: count,
      trial_period_days: input.recurring.trial_period_days ?? null,
      usage_type: input.recurring.usage_type ?? 'licensed',
    };
  }
  return {
    id: ctx.newId('price', 24),
    object: 'price',
    active: input.active ?? true,
    billing_scheme: 'per_unit',
    created: ctx.now,
    currency: input.currency!,
    custom_unit_amount: null,
    livemode: ctx.scope.livemode,
    lookup_key: input.lookup_key ?? null,
    metadata: applyMetadata(undefined, input.metadata),
    nickname: input.nickname ?? null,
    product,
    recurring,
    tax_behavior: input.tax_behavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: recurring === null ? 'one_time' : 'recurring',
    unit_amount: unitAmount,
    unit_amount_decimal: decimal,
  };
}

/** Builds a product object (not stored). */
export function buildProduct(
  ctx: EmulatorContext,
  id: string,
  input: Parsed<typeof productFields> & { name?: string },
  defaultPrice: string | null,
): Product {
  return {
    id,
    object: 'product',
    active: input.active ?? true,
    created: ctx.now,
    default_price: defaultPrice,
    description: input.description ?? null,
    images: input.images ?? [],
    livemode: ctx.scope.livemode,
    marketing_features: [],
    metadata: applyMetadata(undefined, input.metadata),
    name: input.name!,
    package_dimensions: null,
    shippable: input.shippable ?? null,
    statement_descriptor: input.statement_descriptor ?? null,
    tax_code: input.tax_code ?? null,
    type: 'service',
    unit_label: input.unit_label ?? null,
    updated: ctx.now,
    url: input.url ?? null,
  };
}

/** Enforces one price per lookup key, moving it when `transfer_lookup_key` is set. */
async function claimLookupKey(
  ctx: EmulatorContext,
  key: string | null | undefined,
  transfer: boolean | undefined,
  self: string,
): Promise<void> {
  if (key === undefined || key === null) return;
  const holders = await ctx.all<Price>('price', { lookup_key: { op: 'eq', value: key } });
  for (const holder of holders) {
    if (holder.id === self) continue;
    if (!transfer) {
      throw invalidRequest(
        `A price (\`${holder.id}\`) already uses that lookup key. Pass transfer_lookup_key=true to move it to this price.`,
        { param: 'lookup_key' },
      );
    }
    await ctx.replace(holder, { ...holder, lookup_key: null });
  }
}

async function checkDefaultPrice(
  ctx: EmulatorContext,
  product: string,
  price: string | null | undefined,
): Promise<void> {
  if (price === undefined || price === null) return;
  const found = await ctx.load<Price>('price', price, 'default_price');
  if (found.product !== product) {
    throw invalidRequest(`The price \`${price}\` does not belong to product \`${product}\`.`, {
      param: 'default_price',
    });
  }
  if (!found.active) {
    throw invalidRequest(`The price \`${price}\` is inactive and cannot be a product's default price.`, {
      param: 'default_price',
    });
  }
}

/** The product catalog: products and their prices (prices cannot be deleted, as in Stripe). */
export const products: ResourceModule = {
  objects: [
    {
      object: 'product',
      idPrefix: 'prod',
      events: events('product'),
      expand: { default_price: ref('price') },
    },
    { object: 'price', idPrefix: 'price', events: events('price'), expand: { product: ref('product') } },
  ],
  operations: [
    listOperation({
      object: 'product',
      path: PRODUCTS,
      params: {
        active: p.boolean(),
        ids: p.list(p.id(), { max: 100 }),
        shippable: p.boolean(),
        url: p.string(),
      },
      where(params): Where {
        const where = equalities({ active: params.active, shippable: params.shippable, url: params.url });
        if (params.ids !== undefined) where['id'] = { op: 'in', values: params.ids };
        return where;
      },
    }),
    operation({
      method: 'POST',
      path: PRODUCTS,
      returns: { object: 'product' },
      params: {
        ...productFields,
        name: p.string(),
        id: p.string(),
        default_price_data: p.hash(priceData, ['currency']),
      },
      required: ['name'],
      async run(ctx, params) {
        const id = params.id ?? ctx.newId('prod', 14);
        if (params.id !== undefined && (await ctx.find('product', id)) !== undefined) {
          throw invalidRequest('Product already exists.', { code: 'resource_already_exists', param: 'id' });
        }
        const price =
          params.default_price_data === undefined
            ? undefined
            : buildPrice(ctx, id, params.default_price_data, 'default_price_data');
        const product = await ctx.insert(buildProduct(ctx, id, params, price?.id ?? null));
        if (price !== undefined) await ctx.insert(price);
        return product;
      },
    }),
    retrieveOperation('product', `${PRODUCTS}/:id`),
    operation({
      method: 'POST',
      path: `${PRODUCTS}/:id`,
      returns: { object: 'product' },
      params: { ...productFields, name: p.string(), default_price: p.nullableId() },
      async run(ctx, params, route) {
        const current = await ctx.load<Product>('product', route['id']!);
        await checkDefaultPrice(ctx, current.id, params.default_price);
        const { metadata, ...simple } = params;
        return ctx.replace(current, {
          ...current,
          ...simple,
          metadata: applyMetadata(metadataOf(current), metadata),
          updated: ctx.now,
        });
      },
    }),
    deleteOperation('product', `${PRODUCTS}/:id`, async (ctx, product) => {
      const page = await ctx.list('price', { limit: 1, where: { product: { op: 'eq', value: product.id } } });
      if (page.data.length > 0) {
        throw invalidRequest(
          'This product cannot be deleted because it has one or more user-created prices.',
          {
            code: 'product_has_prices',
          },
        );
      }
    }),

    listOperation({
      object: 'price',
      path: PRICES,
      params: {
        active: p.boolean(),
        currency: p.currency(),
        lookup_keys: p.list(p.string(), { max: 10 }),
        product: p.id(),
        type: p.enum(['one_time', 'recurring']),
      },
      where(params): Where {
        const where = equalities({
          active: params.active,
          currency: params.currency,
          product: params.product,
          type: params.type,
        });
        if (params.lookup_keys !== undefined) where['lookup_key'] = { op: 'in', values: params.lookup_keys };
        return where;
      },
    }),
    operation({
      method: 'POST',
      path: PRICES,
      returns: { object: 'price' },
      params: {
        ...priceData,
        active: p.boolean(),
        billing_scheme: p.enum(['per_unit']),
        lookup_key: p.string({ maxLength: 200 }),
        metadata: p.metadata(),
        nickname: p.string(),
        product: p.id(),
        product_data: p.hash(
          {
            active: p.boolean(),
            id: p.string(),
            metadata: p.metadata(),
            name: p.string(),
            statement_descriptor: p.nullableString(),
            tax_code: p.nullableString(),
            unit_label: p.nullableString(),
          },
          ['name'],
        ),
        transfer_lookup_key: p.boolean(),
      },
      required: ['currency'],
      async run(ctx, params) {
        if ((params.product === undefined) === (params.product_data === undefined)) {
          throw invalidRequest('You must specify either `product` or `product_data` when creating a price.', {
            param: 'product',
          });
        }
        let product: Product | undefined;
        if (params.product !== undefined) {
          await ctx.load('product', params.product, 'product');
        } else {
          const { id, ...data } = params.product_data!;
          const productId = id ?? ctx.newId('prod', 14);
          if (id !== undefined && (await ctx.find('product', id)) !== undefined) {
            throw invalidRequest('Product already exists.', {
              code: 'resource_already_exists',
              param: 'product_data[id]',
            });
          }
          product = buildProduct(ctx, productId, data, null);
        }
        const price = buildPrice(ctx, params.product ?? product!.id, params);
        await claimLookupKey(ctx, params.lookup_key, params.transfer_lookup_key, price.id);
        if (product !== undefined) await ctx.insert(product);
        return ctx.insert(price);
      },
    }),
    retrieveOperation('price', `${PRICES}/:id`),
    operation({
      method: 'POST',
      path: `${PRICES}/:id`,
      returns: { object: 'price' },
      params: {
        active: p.boolean(),
        lookup_key: p.nullableString(),
        metadata: p.metadata(),
        nickname: p.nullableString(),
        tax_behavior: p.enum(['inclusive', 'exclusive', 'unspecified']),
        transfer_lookup_key: p.boolean(),
      },
      async run(ctx, params, route) {
        const current = await ctx.load<Price>('price', route['id']!);
        await claimLookupKey(ctx, params.lookup_key, params.transfer_lookup_key, current.id);
        const { metadata, transfer_lookup_key: _transfer, ...simple } = params;
        return ctx.replace(current, {
          ...current,
          ...simple,
          metadata: applyMetadata(metadataOf(current), metadata),
        });
      },
    }),
  ],
};

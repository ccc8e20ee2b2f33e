import type { EmulatorContext } from '../context.js';
import type { StripeObject } from '../storage.js';
import type { ParamJson } from './validate.js';

/**
 * The type under which an object's line items are stored beside it (`quote.line_items`): Stripe
 * shows them only when asked (`GET /v1/quotes/{quote}/line_items`, `expand[]=line_items`).
 */
export function lineItemsType(type: string): string {
  return `${type}.line_items`;
}

/** An object's line items as stored beside it. */
export interface StoredLineItems extends StripeObject {
  readonly data: readonly StripeObject[];
}

/**
 * The `item`s a create's `line_items` parameter lists (`[{ price, quantity }]`, as for quotes
 * and payment links), each with its price and amounts; `make` answers a blank `item` of the
 * description's shape. A price that does not exist is a 404 naming `line_items[i][price]`;
 * a line without a price (`price_data`) gets no price and amounts of 0.
 * @example
 * await lineItemsFrom(ctx, [{ price: 'price_123', quantity: 2 }], make);
 * // [{ object: 'item', price: { id: 'price_123', … }, quantity: 2, amount_total: 2000, … }]
 */
export async function lineItemsFrom(
  ctx: EmulatorContext,
  lines: ParamJson | undefined,
  make: () => Record<string, unknown>,
): Promise<StripeObject[]> {
  if (!Array.isArray(lines)) return [];
  const items: StripeObject[] = [];
  for (const [i, line] of lines.entries()) {
    const entry = (typeof line === 'object' && !Array.isArray(line) ? line : {}) as Record<string, ParamJson>;
    const quantity = typeof entry['quantity'] === 'number' ? entry['quantity'] : 1;
    const item = { ...make(), quantity } as Record<string, unknown>;
    const priceId = entry['price'];
    if (typeof priceId === 'string') {
      const price = await ctx.load('price', priceId, `line_items[${i}][price]`);
      const unit =
        typeof price['unit_amount'] === 'number'
          ? price['unit_amount']
          : Math.round(Number(price['unit_amount_decimal'] ?? 0));
      const product =
        typeof price['product'] === 'string' ? await ctx.find('product', price['product']) : undefined;
      Object.assign(item, {
        price,
        currency: price['currency'],
        amount_subtotal: unit * quantity,
        amount_total: unit * quantity,
        description: product?.['name'] ?? item['description'],
      });
    }
    items.push(item as StripeObject);
  }
  return items;
}

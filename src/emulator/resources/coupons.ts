import { invalidRequest, parameterMissing } from '../../http/stripe-error.js';
import { deleteOperation, metadataOf, retrieveOperation } from '../crud.js';
import { randomString } from '../ids.js';
import { listOperation } from '../lists.js';
import { events, operation, type ResourceModule } from '../operation.js';
import { applyMetadata, p } from '../params.js';
import type { StripeObject } from '../storage.js';

/** A coupon (ids are 8 characters unless given). */
export interface Coupon extends StripeObject {
  readonly object: 'coupon';
  readonly created: number;
}

const PATH = '/v1/coupons';
const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Coupons: created, read, renamed, deleted. They are stored and listed but not applied:
 * no invoice, subscription or checkout session in the emulator takes a discount.
 */
export const coupons: ResourceModule = {
  objects: [{ object: 'coupon', events: events('coupon') }],
  operations: [
    listOperation({ object: 'coupon', path: PATH }),
    operation({
      method: 'POST',
      path: PATH,
      returns: { object: 'coupon' },
      params: {
        amount_off: p.integer({ min: 1 }),
        applies_to: p.hash({ products: p.list(p.id(), { max: 100 }) }),
        currency: p.currency(),
        duration: p.enum(['forever', 'once', 'repeating']),
        duration_in_months: p.integer({ min: 1, max: 120 }),
        id: p.string({ maxLength: 200 }),
        max_redemptions: p.integer({ min: 1 }),
        metadata: p.metadata(),
        name: p.string({ maxLength: 40 }),
        percent_off: p.string(),
        redeem_by: p.timestamp(),
      },
      async run(ctx, params) {
        if ((params.amount_off === undefined) === (params.percent_off === undefined)) {
          throw invalidRequest('Must provide either `percent_off` or `amount_off` (but not both).', {
            param: params.amount_off === undefined ? 'percent_off' : 'amount_off',
          });
        }
        let percentOff: number | null = null;
        if (params.percent_off !== undefined) {
          percentOff = Number(params.percent_off);
          if (!/^\d{1,3}(\.\d{1,2})?$/.test(params.percent_off) || percentOff <= 0 || percentOff > 100) {
            throw invalidRequest('Invalid percent_off: must be a number greater than 0 and at most 100.', {
              param: 'percent_off',
            });
          }
        }
        if (params.amount_off !== undefined && params.currency === undefined)
          throw parameterMissing('currency');
        const duration = params.duration ?? 'once';
        if (duration === 'repeating' && params.duration_in_months === undefined) {
          throw parameterMissing('duration_in_months');
        }
        if (duration !== 'repeating' && params.duration_in_months !== undefined) {
          throw invalidRequest('duration_in_months can only be set when duration is `repeating`.', {
            param: 'duration_in_months',
          });
        }
        if (params.redeem_by !== undefined && params.redeem_by <= ctx.now) {
          throw invalidRequest('Invalid redeem_by: must be in the future.', { param: 'redeem_by' });
        }
        for (const [i, product] of (params.applies_to?.products ?? []).entries()) {
          await ctx.load('product', product, `applies_to[products][${i}]`);
        }
        const id = params.id ?? randomString(8, ID_ALPHABET);
        if ((await ctx.find('coupon', id)) !== undefined) {
          throw invalidRequest('Coupon already exists.', { code: 'resource_already_exists', param: 'id' });
        }
        const coupon: Coupon = {
          id,
          object: 'coupon',
          amount_off: params.amount_off ?? null,
          ...(params.applies_to === undefined
            ? {}
            : { applies_to: { products: params.applies_to.products ?? [] } }),
          created: ctx.now,
          currency: params.amount_off === undefined ? null : params.currency!,
          duration,
          duration_in_months: params.duration_in_months ?? null,
          livemode: ctx.scope.livemode,
          max_redemptions: params.max_redemptions ?? null,
          metadata: applyMetadata(undefined, params.metadata),
          name: params.name ?? null,
          percent_off: percentOff,
          redeem_by: params.redeem_by ?? null,
          times_redeemed: 0,
          valid: true,
        };
        return ctx.insert(coupon);
      },
    }),
    retrieveOperation('coupon', `${PATH}/:id`),
    operation({
      method: 'POST',
      path: `${PATH}/:id`,
      returns: { object: 'coupon' },
      params: { metadata: p.metadata(), name: p.nullableString() },
      async run(ctx, params, route) {
        const current = await ctx.load<Coupon>('coupon', route['id']!);
        return ctx.replace(current, {
          ...current,
          ...(params.name === undefined ? {} : { name: params.name }),
          metadata: applyMetadata(metadataOf(current), params.metadata),
        });
      },
    }),
    deleteOperation('coupon', `${PATH}/:id`),
  ],
};

import type { Catalog } from '../catalog/catalog.js';

/**
 * The names in a permission string that holds more than one, such as `coupon_read, coupon_write`
 * (Stripe rejects these at upload: one permission per entry), or `undefined` for a single name.
 * Commas, semicolons and bars always separate; whitespace separates only when at least two of
 * the parts are catalog names, so a typo like `customer read` stays one (unknown) name.
 *
 * @example
 * multiplePermissionNames('coupon_read, coupon_write', catalog); // ['coupon_read', 'coupon_write']
 * multiplePermissionNames('customer read', catalog); // undefined
 */
export function multiplePermissionNames(name: string, catalog: Catalog): string[] | undefined {
  const parts = name.split(/[\s,;|]+/).filter((part) => part !== '');
  if (parts.length < 2) return undefined;
  const separated = /[,;|]/.test(name) || parts.filter((part) => catalog.has(part)).length > 1;
  return separated ? parts : undefined;
}

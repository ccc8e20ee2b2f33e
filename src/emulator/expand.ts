import { invalidRequest } from '../http/stripe-error.js';
import type { EmulatorContext } from './context.js';
import { cannotExpand } from './errors.js';
import type { StripeObject } from './storage.js';

/** What an operation returns, for checking `expand` paths before it runs. */
export type ValueType = { readonly object: string } | { readonly list: string };

/**
 * One expandable field of an object type:
 * - `ref`: an id of one of `types` (picked by id prefix), replaced by the object;
 * - `embedded`: already an object or list of `value` (expanding it is allowed and lets
 *   paths continue into it, e.g. `items.data.price`);
 * - `computed`: absent unless expanded; `load` produces it (e.g. a session's `line_items`).
 */
export type ExpandTarget =
  | { readonly kind: 'ref'; readonly types: readonly string[] }
  | { readonly kind: 'embedded'; readonly value: ValueType }
  | {
      readonly kind: 'computed';
      readonly value: ValueType;
      readonly load: (ctx: EmulatorContext, owner: StripeObject) => Promise<unknown>;
    };

/** Object type → field → how it expands. Anything not listed cannot be expanded. */
export type ExpandRules = ReadonlyMap<string, Readonly<Record<string, ExpandTarget>>>;

/** Stripe's limit on expansion depth. */
export const MAX_EXPAND_DEPTH = 4;

/** A reference to an object of one of `types` (several: chosen by the id's prefix). */
export const ref = (...types: string[]): ExpandTarget => ({ kind: 'ref', types });
/** A list of `item` objects held inside the owner (`subscription.items`). */
export const embeddedList = (item: string): ExpandTarget => ({ kind: 'embedded', value: { list: item } });
/** An object held inside the owner. */
export const embeddedObject = (object: string): ExpandTarget => ({ kind: 'embedded', value: { object } });

/**
 * Checks every `expand` path against the rules before the operation runs (so a bad path
 * never leaves a half-done write), and returns them split into segments.
 * @example
 * validateExpand(rules, { list: 'customer' }, ['data.default_source']);
 */
export function validateExpand(rules: ExpandRules, root: ValueType, paths: readonly string[]): string[][] {
  return paths.map((path) => {
    const segments = path.split('.');
    const depth = segments.filter((s) => s !== 'data').length;
    if (depth > MAX_EXPAND_DEPTH) {
      throw invalidRequest(
        `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`,
        { param: 'expand' },
      );
    }
    if (!valid(rules, [root], segments, 0)) throw cannotExpand(path);
    return segments;
  });
}

function valid(
  rules: ExpandRules,
  types: readonly ValueType[],
  segments: readonly string[],
  i: number,
): boolean {
  if (i === segments.length) return true;
  const segment = segments[i]!;
  return types.some((type) => {
    if ('list' in type) return segment === 'data' && valid(rules, [{ object: type.list }], segments, i + 1);
    const target = rules.get(type.object)?.[segment];
    if (target === undefined) return false;
    const next = target.kind === 'ref' ? target.types.map((object) => ({ object })) : [target.value];
    return valid(rules, next, segments, i + 1);
  });
}

/** Finds the object an id names among `types` (the caller knows the id prefixes and the storage). */
export type ResolveRef = (types: readonly string[], id: string) => Promise<StripeObject | undefined>;

/**
 * Applies validated expansions to a response value without touching stored objects
 * (every object on an expanded path is copied). The walk follows the response's type, so
 * embedded objects without an `object` field (a customer's `invoice_settings`) expand too, and
 * lists of ids (`discounts`) expand item by item. Ids that do not resolve stay ids.
 */
export async function applyExpand(
  ctx: EmulatorContext,
  rules: ExpandRules,
  resolve: ResolveRef,
  root: ValueType,
  value: unknown,
  paths: readonly (readonly string[])[],
): Promise<unknown> {
  let out = value;
  for (const segments of paths) out = await expandPath(ctx, rules, resolve, out, root, segments, 0);
  return out;
}

async function expandPath(
  ctx: EmulatorContext,
  rules: ExpandRules,
  resolve: ResolveRef,
  value: unknown,
  type: ValueType,
  segments: readonly string[],
  i: number,
): Promise<unknown> {
  if (i === segments.length || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = [];
    for (const item of value) items.push(await expandPath(ctx, rules, resolve, item, type, segments, i));
    return items;
  }
  const object = value as StripeObject;
  const segment = segments[i]!;
  if ('list' in type || object.object === 'list' || object.object === 'search_result') {
    if (segment !== 'data' || !Array.isArray(object['data'])) return value;
    const item: ValueType = { object: 'list' in type ? type.list : String(object.object) };
    const data = [];
    for (const entry of object['data'] as unknown[]) {
      data.push(await expandPath(ctx, rules, resolve, entry, item, segments, i + 1));
    }
    return { ...object, data };
  }
  const key =
    typeof object.object === 'string' && rules.get(object.object)?.[segment] ? object.object : type.object;
  const target = rules.get(key)?.[segment];
  if (target === undefined || !(segment in object || target.kind === 'computed')) return value;
  let child = object[segment];
  let next: ValueType;
  if (target.kind === 'ref') {
    next = { object: target.types[0]! };
    child = await resolveChild(resolve, target.types, child);
  } else if (target.kind === 'computed') {
    next = target.value;
    if (child === undefined || child === null) child = await target.load(ctx, object);
  } else {
    next = target.value;
  }
  child = await expandPath(ctx, rules, resolve, child, next, segments, i + 1);
  return { ...object, [segment]: child };
}

async function resolveChild(resolve: ResolveRef, types: readonly string[], child: unknown): Promise<unknown> {
  if (typeof child === 'string') return (await resolve(types, child)) ?? child;
  if (Array.isArray(child)) {
    const out = [];
    for (const item of child) out.push(await resolveChild(resolve, types, item));
    return out;
  }
  return child;
}

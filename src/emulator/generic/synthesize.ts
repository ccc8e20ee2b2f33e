import { type ApiModel, type ModelSchema, resolveSchema } from './model.js';
import type { ParamJson } from './validate.js';

/** What a made-up object needs: the request's time, mode and a way to make ids. */
export interface SynthesisContext {
  readonly model: ApiModel;
  /** Unix seconds. */
  readonly now: number;
  readonly livemode: boolean;
  /** A new id for an object of `type`. */
  readonly newId: (type: string) => string;
  /** The URL a list envelope reports. */
  readonly url?: string;
}

/** Initial states, most likely first, picked from a `status` enum when present. */
const INITIAL_STATUS = [
  'draft',
  'pending',
  'requires_payment_method',
  'requires_input',
  'incomplete',
  'open',
  'active',
  'enabled',
  'created',
  'available',
  'online',
  'succeeded',
  'ready',
  'needs_response',
  'unsubmitted',
];

/** The initial state of types whose `status` the description leaves a plain string. */
const STRING_STATUS: Readonly<Record<string, string>> = {
  bank_account: 'new',
  order: 'created',
  'reporting.report_run': 'pending',
  scheduled_query_run: 'completed',
  source: 'pending',
  webhook_endpoint: 'enabled',
};

const MAX_DEPTH = 6;

/**
 * Fields Stripe leaves out of an object unless they are expanded ("not included by default"):
 * `expand[]=sources` includes them. The description does not say which; this table does.
 */
export const INCLUDABLE: Readonly<Record<string, readonly string[]>> = {
  customer: ['sources', 'subscriptions', 'tax_ids', 'tax', 'cash_balance'],
  'checkout.session': ['line_items'],
  quote: ['line_items'],
  payment_link: ['line_items'],
  'issuing.card': ['number', 'cvc'],
  price: ['tiers', 'currency_options'],
  plan: ['tiers'],
};

function includable(type: string | undefined, field: string): boolean {
  return type !== undefined && (INCLUDABLE[type]?.includes(field) ?? false);
}

/**
 * Makes a value that the schema accepts, with every property present: `null` where the
 * schema allows it, otherwise the zero of its type (an empty string, 0, false, an empty list
 * or hash, an empty list envelope), the schema's first enum value (for `status`, the most
 * likely initial state), and for the usual fields the obvious value: `object` its type,
 * `id` a new id, `created` the time, `livemode` the mode, `currency` `usd`.
 * @example
 * synthesize(ctx, { $ref: 'tax_rate' }); // { id: 'txr_…', object: 'tax_rate', active: true, … }
 */
export function synthesize(ctx: SynthesisContext, schema: ModelSchema, name = '', depth = 0): unknown {
  const s = resolveSchema(ctx.model, schema);
  if (depth > 0 && s.nullable === true) return null;
  if (s.anyOf !== undefined) return synthesizeAnyOf(ctx, s.anyOf, name, depth);
  if (s.enum !== undefined && s.enum.length > 0) return pickEnum(s.enum, name);
  switch (s.type) {
    case 'string':
      if (name === 'currency' || name === 'default_currency') return 'usd';
      if (name === 'country') return 'US';
      return '';
    case 'integer':
      return s.format === 'unix-time' ? ctx.now : 0;
    case 'number':
      return 0;
    case 'boolean':
      return name === 'active';
    case 'array':
      return [];
    default:
      break;
  }
  if (s.properties === undefined) return {};
  if (depth > MAX_DEPTH) return {};
  const out: Record<string, unknown> = {};
  const type = objectOf(s);
  for (const [field, property] of Object.entries(s.properties)) {
    if (includable(type, field) || onlyOnFailure(ctx, s, field, property)) continue;
    out[field] = synthesizeField(ctx, s, type, field, property, depth);
  }
  return withoutOtherVariants(ctx, s, out);
}

/**
 * An optional `error` that cannot be null (a failed Sigma query run's) is there only when the
 * thing failed; made up, it would also make every SDK read the answer as an error.
 */
function onlyOnFailure(ctx: SynthesisContext, s: ModelSchema, field: string, property: ModelSchema): boolean {
  return (
    field === 'error' && !s.required?.includes(field) && resolveSchema(ctx.model, property).nullable !== true
  );
}

/**
 * Drops the variants a discriminated object does not use, as Stripe leaves them out: a
 * `payment_method` of `type: 'card'` has `card` and no `sepa_debit`. A variant is an optional,
 * non-nullable property named after a value of the object's `type` enum. Edits the object given
 * and answers it.
 */
function withoutOtherVariants(
  ctx: SynthesisContext,
  s: ModelSchema,
  object: Record<string, unknown>,
): Record<string, unknown> {
  const chosen = object['type'];
  const values = resolveSchema(ctx.model, s.properties?.['type'] ?? {}).enum;
  if (typeof chosen !== 'string' || values === undefined) return object;
  for (const value of values) {
    if (typeof value !== 'string' || value === chosen || s.required?.includes(value)) continue;
    const property = s.properties?.[value];
    if (property !== undefined && resolveSchema(ctx.model, property).nullable !== true) delete object[value];
  }
  return object;
}

/**
 * An optional `error` field (a scheduled query run's, present only when the run failed) is
 * left out: SDKs read any answer with a top-level `error` as a failed request.
 */

function synthesizeField(
  ctx: SynthesisContext,
  owner: ModelSchema,
  type: string | undefined,
  field: string,
  property: ModelSchema,
  depth: number,
): unknown {
  const p = resolveSchema(ctx.model, property);
  if (field === 'object' && p.enum?.length === 1) return p.enum[0];
  if (field === 'id' && type !== undefined && p.type === 'string') return ctx.newId(type);
  if (field === 'livemode' && p.type === 'boolean') return ctx.livemode;
  if (field === 'created' && p.type === 'integer') return ctx.now;
  if (field === 'metadata' && p.type === 'object') return {};
  if (field === 'status' && p.type === 'string' && p.enum === undefined && type !== undefined) {
    const status = STRING_STATUS[type];
    if (status !== undefined) return status;
  }
  if (type === 'list' || type === 'search_result') {
    if (field === 'url') return ctx.url ?? '';
    if (field === 'has_more') return false;
    if (field === 'data') return [];
  }
  if (p.type === 'object' && isListSchema(p) && p.nullable !== true) return emptyList(ctx, p);
  void owner;
  return synthesize(ctx, property, field, depth + 1);
}

function synthesizeAnyOf(
  ctx: SynthesisContext,
  alternatives: readonly ModelSchema[],
  name: string,
  depth: number,
): unknown {
  // An expandable field (an id or the object): the id. Nobody asked for one, so make one up.
  const idAlternative = alternatives.find((a) => resolveSchema(ctx.model, a).type === 'string');
  const objectAlternative = alternatives.find((a) => objectOf(resolveSchema(ctx.model, a)) !== undefined);
  if (idAlternative !== undefined && objectAlternative !== undefined) {
    return ctx.newId(objectOf(resolveSchema(ctx.model, objectAlternative))!);
  }
  return synthesize(ctx, alternatives[0]!, name, depth);
}

function pickEnum(values: readonly (string | number | boolean)[], name: string): string | number | boolean {
  if (name === 'status') {
    for (const candidate of INITIAL_STATUS) if (values.includes(candidate)) return candidate;
  }
  return values.find((v) => v !== '') ?? values[0]!;
}

function objectOf(s: ModelSchema): string | undefined {
  const values = s.properties?.['object']?.enum;
  return values?.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

function isListSchema(s: ModelSchema): boolean {
  return s.properties?.['object']?.enum?.[0] === 'list' && s.properties['data'] !== undefined;
}

function emptyList(ctx: SynthesisContext, s: ModelSchema): Record<string, unknown> {
  // The URL the description's pattern fixes (`^/v1/subscription_items`), when it is a plain path.
  const pattern = resolveSchema(ctx.model, s.properties?.['url'] ?? {}).pattern;
  const url = pattern === undefined ? '' : (/^\^(\/v1\/[a-z_/]+)$/.exec(pattern)?.[1] ?? '');
  const out: Record<string, unknown> = { object: 'list', data: [], has_more: false, url };
  if (s.properties?.['total_count'] !== undefined) out['total_count'] = 0;
  void ctx;
  return out;
}

/**
 * Sets an object's fields from request parameters of the same name, where the value fits the
 * field's schema (anything else keeps its made-up value): scalars, ids, nested hashes (merged
 * into the field's current value) and lists. `''` unsets a nullable field; `metadata` merges
 * key by key, `''` for a key removes it and `''` for the whole hash clears it, as in Stripe.
 * Variants the resulting `type` does not use are dropped (a card payment method has no
 * `sepa_debit`). Answers a new object; `object` is not changed.
 */
export function applyParams(
  ctx: SynthesisContext,
  schema: ModelSchema,
  object: Readonly<Record<string, unknown>>,
  params: Readonly<Record<string, ParamJson>>,
): Record<string, unknown> {
  const s = resolveSchema(ctx.model, schema);
  const out: Record<string, unknown> = { ...object };
  for (const [name, value] of Object.entries(params)) {
    if (name === 'id' || name === 'object' || name === 'expand') continue;
    const property = s.properties?.[name];
    if (property === undefined) continue;
    if (name === 'metadata') {
      out[name] = mergeMetadata(object[name], value);
      continue;
    }
    const fitted = fitValue(ctx, property, value, object[name], name);
    if (fitted !== NO_FIT) out[name] = fitted;
  }
  return withoutOtherVariants(ctx, s, out);
}

function mergeMetadata(current: unknown, value: ParamJson): Record<string, string> {
  if (value === '' || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = { ...((current as Record<string, string> | null | undefined) ?? {}) };
  for (const [key, item] of Object.entries(value)) {
    if (item === '') delete out[key];
    else if (typeof item === 'string') out[key] = item;
  }
  return out;
}

const NO_FIT = Symbol('no fit');

/** The value as the schema would hold it, or NO_FIT. */
function fitValue(
  ctx: SynthesisContext,
  schema: ModelSchema,
  value: unknown,
  current: unknown,
  name: string,
): unknown {
  const s = resolveSchema(ctx.model, schema);
  if (value === '' && s.nullable === true) return null;
  if (s.anyOf !== undefined) {
    for (const alternative of s.anyOf) {
      const fitted = fitValue(ctx, alternative, value, current, name);
      if (fitted !== NO_FIT) return fitted;
    }
    return NO_FIT;
  }
  if (s.enum !== undefined && !s.enum.includes(value as string)) return NO_FIT;
  switch (s.type) {
    case 'string':
      return typeof value === 'string' ? value : NO_FIT;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : NO_FIT;
    case 'number':
      return typeof value === 'number' ? value : NO_FIT;
    case 'boolean':
      return typeof value === 'boolean' ? value : NO_FIT;
    case 'array': {
      if (!Array.isArray(value)) return NO_FIT;
      const items = s.items;
      if (items === undefined) return value;
      const out: unknown[] = [];
      for (const item of value) {
        const fitted = fitValue(ctx, items, item, undefined, name);
        if (fitted === NO_FIT) return NO_FIT;
        out.push(fitted);
      }
      return out;
    }
    default:
      break;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return NO_FIT;
  if (isListSchema(s)) return NO_FIT;
  if (s.properties === undefined) {
    // A free-form hash (`metadata`-like): string values only.
    const extra = s.additionalProperties;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof extra === 'object') {
        const fitted = fitValue(ctx, extra, item, undefined, key);
        if (fitted === NO_FIT) return NO_FIT;
        out[key] = fitted;
      } else out[key] = item;
    }
    return out;
  }
  const base =
    current !== null && typeof current === 'object' && !Array.isArray(current)
      ? { ...(current as Record<string, unknown>) }
      : (synthesize(ctx, { ...s, nullable: false }, name, 1) as Record<string, unknown>);
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const property = s.properties[key];
    if (property === undefined) continue;
    const fitted = fitValue(ctx, property, item, base[key], key);
    if (fitted !== NO_FIT) base[key] = fitted;
  }
  return withoutOtherVariants(ctx, s, base);
}

/**
 * Brings an object written by a hand-written module to its schema: a field the schema has and
 * the object lacks gets its made-up value (`null` where allowed), a `null` where the schema
 * allows none is dropped (or made up, if the field is required), at every depth. Fields the
 * schema does not know (later API versions') stay. Answers a new object.
 */
export function conform(ctx: SynthesisContext, schema: ModelSchema, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  const s = resolveSchema(ctx.model, schema);
  if (Array.isArray(value))
    return s.items === undefined ? value : value.map((item) => conform(ctx, s.items!, item, depth + 1));
  if (s.anyOf !== undefined) {
    const type = (value as { object?: unknown }).object;
    const match =
      s.anyOf.find((a) => typeof type === 'string' && objectOf(resolveSchema(ctx.model, a)) === type) ??
      s.anyOf.find((a) => resolveSchema(ctx.model, a).properties !== undefined);
    return match === undefined ? value : conform(ctx, match, value, depth);
  }
  if (s.properties === undefined) return value;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...object };
  const required = new Set(s.required ?? []);
  const type = objectOf(s);
  for (const [field, property] of Object.entries(s.properties)) {
    const current = object[field];
    const p = resolveSchema(ctx.model, property);
    if (current === undefined) {
      if (includable(type, field) || onlyOnFailure(ctx, s, field, property)) continue;
      out[field] = synthesizeField(ctx, s, type, field, property, depth);
    } else if (current === null) {
      if (p.nullable === true) continue;
      if (required.has(field))
        out[field] = synthesizeField(ctx, s, type, field, { ...p, nullable: false }, depth);
      else delete out[field];
    } else if (typeof current === 'object') {
      out[field] = conform(ctx, property, current, depth + 1);
    }
  }
  return out;
}

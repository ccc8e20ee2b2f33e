import { type ParamValue, serializeParams } from '../../src/core/params/params.js';
import type { GenericPlan } from '../../src/emulator/generic/engine.js';
import { loadApiModel, type ModelSchema, resolveSchema } from '../../src/emulator/generic/model.js';

/** A mutable parameter hash (the parser's `ParamObject` is read-only). */
type ParamObject = { [name: string]: ParamValue };

/**
 * Builds a valid request for any operation of the API model: its path with ids of objects made
 * earlier in the walk, and its required parameters (recursively) with values of the right type.
 * Used by the all-operations walk and the generated round trips.
 */

/** What the walk has made so far: object type → the id of one. */
export interface WalkState {
  readonly ids: Map<string, string>;
  /** Unix seconds. */
  readonly now: number;
}

export interface WalkRequest {
  /** The path with its parameters filled in. */
  readonly path: string;
  /** The parameters, form-encoded (query for GET and DELETE, body for POST). */
  readonly form: string;
  /** For an upload: the multipart body and its content type. */
  readonly body?: Buffer;
  readonly contentType?: string;
}

const NAMESPACES = new Set([
  'issuing',
  'terminal',
  'radar',
  'reporting',
  'identity',
  'checkout',
  'billing_portal',
  'test_helpers',
  'sigma',
  'financial_connections',
  'treasury',
  'apps',
]);

/** Ids for types nobody creates through the API, which the emulator makes on first read. */
const FIXED_IDS: Readonly<Record<string, string>> = {
  country_spec: 'US',
  exchange_rate: 'usd',
  'reporting.report_type': 'balance.summary.1',
  capability: 'card_payments',
  tax_code: 'txcd_10000000',
};

/**
 * Parameters the description does not require but a modelled (hand-written) operation does,
 * as Stripe does: a refund names what it refunds, a charge its source, and so on.
 */
const EXTRA: Readonly<Record<string, (state: WalkState) => ParamObject>> = {
  'POST /v1/refunds': (s) => ({ charge: s.ids.get('charge') ?? '', amount: '100' }),
  'POST /v1/charges': () => ({ amount: '100000', currency: 'usd', source: 'tok_visa' }),
  'POST /v1/payment_intents': () => ({ amount: '500', currency: 'usd', capture_method: 'manual' }),
  'POST /v1/payment_intents/{intent}/confirm': () => ({ payment_method: 'pm_card_visa' }),
  'POST /v1/prices': (s) => ({
    currency: 'usd',
    unit_amount: '500',
    product: s.ids.get('product') ?? '',
    recurring: { interval: 'month' },
  }),
  'POST /v1/products': () => ({ name: 'Widget' }),
  'POST /v1/invoiceitems': (s) => ({ customer: s.ids.get('customer') ?? '', amount: '500', currency: 'usd' }),
  'POST /v1/invoices': (s) => ({ customer: s.ids.get('customer') ?? '' }),
  'POST /v1/subscriptions': (s) => ({
    customer: s.ids.get('customer') ?? '',
    items: [{ price: s.ids.get('price') ?? '' }],
  }),
  'POST /v1/subscription_items': (s) => ({
    subscription: s.ids.get('subscription') ?? '',
    price: s.ids.get('price') ?? '',
  }),
  'POST /v1/checkout/sessions': (s) => ({
    mode: 'subscription',
    line_items: [{ price: s.ids.get('price') ?? '', quantity: '1' }],
  }),
  'POST /v1/payouts': () => ({ amount: '100', currency: 'usd' }),
  'POST /v1/transfers': () => ({ amount: '100', currency: 'usd', destination: 'acct_1Destination0000' }),
  'POST /v1/coupons': () => ({ percent_off: '10' }),
  'POST /v1/customers': () => ({ source: 'tok_visa' }),
};

/** A request for the operation a plan serves. */
export function operationRequest(plan: GenericPlan, state: WalkState): WalkRequest {
  const model = loadApiModel();
  const { op } = plan;
  const segments = op.path.split('/');
  const filled = segments.map((segment, i) => {
    if (!segment.startsWith('{')) return segment;
    const name = segment.slice(1, -1);
    const type =
      name === plan.idParam ? plan.types[0] : name === plan.parent?.param ? plan.parent.type : undefined;
    return encodeURIComponent(idFor(state, type, segments.slice(0, i), name));
  });
  const params: ParamObject = {};
  const schema = resolveSchema(model, op.params);
  for (const name of schema.required ?? []) {
    params[name] = value(model, schema.properties![name]!, name, state, 0);
  }
  Object.assign(params, EXTRA[`${op.method} ${op.path}`]?.(state) ?? {});
  if (op.multipart === true) return multipart(filled.join('/'), params);
  return { path: filled.join('/'), form: serializeParams(params) };
}

function idFor(state: WalkState, type: string | undefined, before: readonly string[], name: string): string {
  const candidates: string[] = [];
  if (type !== undefined) candidates.push(type);
  const collection = before[before.length - 1] ?? '';
  const singular = collection.replace(/ies$/, 'y').replace(/s$/, '');
  const namespace = before[before.length - 2];
  if (namespace !== undefined && NAMESPACES.has(namespace)) candidates.push(`${namespace}.${singular}`);
  candidates.push(singular, name, `${name}`.replace(/_exposed_id$/, ''));
  for (const candidate of candidates) {
    const id = state.ids.get(candidate) ?? FIXED_IDS[candidate];
    if (id !== undefined) return id;
  }
  // A type nobody made: one made-up id per type, so every path naming it names the same one.
  return `walk_${(type ?? name).replace(/\W/g, '_')}`;
}

function value(
  model: ReturnType<typeof loadApiModel>,
  schema: ModelSchema,
  name: string,
  state: WalkState,
  depth: number,
): ParamValue {
  const s = resolveSchema(model, schema);
  if (s.anyOf !== undefined) {
    const usable = s.anyOf.find(
      (a) => !(resolveSchema(model, a).enum?.length === 1 && resolveSchema(model, a).enum![0] === ''),
    );
    return value(model, usable ?? s.anyOf[0]!, name, state, depth);
  }
  if (s.enum !== undefined) return String(s.enum.find((v) => v !== '') ?? s.enum[0]);
  switch (s.type) {
    case 'integer':
      return s.format === 'unix-time' ? String(state.now + 3600) : '100';
    case 'number':
      return '1';
    case 'boolean':
      return 'false';
    case 'array':
      return s.items === undefined ? ['x'] : [value(model, s.items, name, state, depth + 1)];
    case 'string':
      return stringFor(name, state);
    default:
      break;
  }
  const out: ParamObject = {};
  const required = s.required ?? [];
  const names = required.length > 0 ? required : Object.keys(s.properties ?? {}).slice(0, 1);
  for (const key of names) out[key] = value(model, s.properties![key]!, key, state, depth + 1);
  if (names.length === 0) out['key'] = 'value';
  return out;
}

function stringFor(name: string, state: WalkState): string {
  const id = state.ids.get(name) ?? state.ids.get(name.replace(/_id$/, ''));
  if (id !== undefined) return id;
  if (name === 'currency') return 'usd';
  if (name === 'country') return 'US';
  if (name.includes('email')) return 'walk@example.com';
  if (name.includes('url')) return 'https://example.com/walk';
  if (name === 'query') return 'created>0';
  return 'walk';
}

function multipart(path: string, params: ParamObject): WalkRequest {
  const boundary = 'walkboundary0123456789';
  const parts: string[] = [];
  for (const [name, item] of Object.entries(params)) {
    if (name === 'file') continue;
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${String(item)}\r\n`);
  }
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="walk.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n`,
  );
  const body = Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'latin1');
  return {
    path,
    form: body.toString('latin1'),
    body,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

import { invalidRequest, resourceMissing } from '../../http/stripe-error.js';
import type { EmulatorContext } from '../context.js';
import type { ExpandTarget, ValueType } from '../expand.js';
import type { EventDefaults, Operation } from '../operation.js';
import type { CreatedRange, FieldCondition, StripeObject } from '../storage.js';
import { idFormat } from './id-prefixes.js';
import { lineItemsFrom, lineItemsType, type StoredLineItems } from './line-items.js';
import { type ApiModel, type ModelOperation, type ModelSchema, resolveSchema } from './model.js';
import { cardFromNumber, tokenSource } from './payment-sources.js';
import { applyParams, conform, INCLUDABLE, type SynthesisContext, synthesize } from './synthesize.js';
import { type ParamJson, validateParams } from './validate.js';

/**
 * The generic engine: serves every operation of the API model that no hand-written resource
 * module serves, from the description alone. Each operation is classified by its method, path
 * and response (see {@link GenericKind}) and stores objects per account and mode through the
 * same context as the modelled resources, so the two see each other's objects.
 */

/** How an operation is served. */
export type GenericKind =
  | 'list'
  | 'search'
  | 'create'
  | 'retrieve'
  | 'update'
  | 'delete'
  | 'action'
  | 'singleton'
  | 'computed';

/** One classified operation (also what the coverage table is generated from). */
export interface GenericPlan {
  readonly op: ModelOperation;
  readonly kind: GenericKind;
  /** The stored object types it reads or writes (several for polymorphic lists). */
  readonly types: readonly string[];
  /** The path parameter naming the object (`{id}`), for retrieve, update, delete and actions. */
  readonly idParam?: string;
  /** A nested collection: the path parameter naming the parent and the child's field holding it. */
  readonly parent?: {
    readonly param: string;
    readonly type: string;
    readonly field?: string;
    readonly list?: string;
  };
  /** For actions: the status the verb sets, when the verb implies one the schema has. */
  readonly status?: string;
}

/** What the engine adds to the registry. */
export interface GenericApi {
  readonly plans: readonly GenericPlan[];
  /** `METHOD /v1/x/{id}` → the model operation (for validating modelled operations too). */
  readonly byRoute: ReadonlyMap<string, ModelOperation>;
  /** Expansion rules for every type and embedded schema of the description. */
  readonly expandRules: Map<string, Record<string, ExpandTarget>>;
  /** Events for every stored type (`tax_rate` → `tax_rate.created/updated/deleted`). */
  readonly events: Map<string, EventDefaults>;
  /** Types the API never creates (made on first retrieval: country specs, report types, …). */
  readonly madeOnRead: ReadonlySet<string>;
  /** Builds the operation that serves a plan (see {@link GenericOptions}). */
  operation(plan: GenericPlan, options: GenericOptions): Operation;
  /** The value type an operation answers, for checking `expand`. */
  returns(op: ModelOperation): ValueType;
  /**
   * A fixture-like object of `type` with `id` (stripe-mock's answer for ids it does not hold),
   * or with a new id when none is given (the one item stripe-mock lists when nothing matches).
   */
  fixture(ctx: EmulatorContext, type: string, id?: string): StripeObject | undefined;
  /** The object brought to its type's schema (see {@link conform}); unknown types as they are. */
  complete(ctx: EmulatorContext, object: StripeObject): StripeObject;
}

/**
 * How a generic operation treats ids it does not hold.
 * - `stripeMock`: answers them with a fixture-like object carrying the id (nothing is stored
 *   for it), lists and searches that find nothing answer one fixture, and a create naming an
 *   id it holds answers without storing; objects it holds are created, changed and deleted
 *   as usual, so a suite can read back what it made.
 * - `stateless` (with `stripeMock`): stores nothing at all. The answer stripe-mock mode gives
 *   in place of a hand-written operation's refusal (an unknown id, a business rule stripe-mock
 *   does not apply), so that answer never changes the objects it holds.
 */
export interface GenericOptions {
  readonly stripeMock: boolean;
  readonly stateless?: boolean;
  /**
   * Whether the object at a path exists, by whoever serves its `GET` (a parent held inside
   * another object, such as a subscription item, is not in storage under its own type).
   */
  readonly exists?: (ctx: EmulatorContext, path: string) => Promise<boolean>;
}

const PAGE_PARAMS = new Set(['limit', 'starting_after', 'ending_before', 'created', 'expand', 'page']);

/** Verbs whose meaning is a status, with the statuses they may set (the first the schema has wins). */
const VERB_STATUS: Readonly<Record<string, readonly string[]>> = {
  cancel: ['canceled', 'cancelled'],
  void: ['void', 'voided'],
  finalize: ['open', 'finalized'],
  finalize_quote: ['open'],
  accept: ['accepted'],
  // A dispute closed by the merchant is conceded: `lost`.
  close: ['closed', 'lost'],
  expire: ['expired'],
  reject: ['rejected'],
  decline: ['declined', 'closed'],
  approve: ['approved'],
  verify: ['verified'],
  release: ['released'],
  reverse: ['reversed'],
  submit: ['submitted'],
  pay: ['paid'],
  mark_uncollectible: ['uncollectible'],
  confirm: ['succeeded', 'processing'],
  capture: ['succeeded', 'closed'],
  fail: ['failed'],
  return: ['returned'],
  deliver: ['delivered'],
  ship: ['shipped'],
  advance: ['ready'],
  reopen: ['open'],
  activate: ['active'],
  deactivate: ['inactive'],
};

/** Fields a created object takes from an object it names (a credit note from its invoice). */
const INHERITED = ['customer', 'currency'] as const;

/** Fields a verb sets besides the status, where the object has them. */
const VERB_FIELDS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  approve: { approved: true, open: false, closed_reason: 'approved' },
  decline: { approved: false },
};

/** The type key of a schema: its `object` value, or `#name` for a component schema without one. */
function keyOf(model: ApiModel, name: string): string {
  return objectOf(model.schemas[name]) ?? `#${name}`;
}

function objectOf(schema: ModelSchema | undefined): string | undefined {
  const values = schema?.properties?.['object']?.enum;
  return values?.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

function isList(s: ModelSchema): boolean {
  const value = s.properties?.['object']?.enum;
  return (
    value?.length === 1 &&
    (value[0] === 'list' || value[0] === 'search_result') &&
    s.properties?.['data'] !== undefined
  );
}

/** Builds the generic engine from the model. */
export function createGenericApi(model: ApiModel): GenericApi {
  let api = built.get(model);
  if (api === undefined) {
    api = buildGenericApi(model);
    built.set(model, api);
  }
  return api;
}

/**
 * What {@link createGenericApi} built for a model: it depends on the model alone (every emulator
 * makes its operations from it; the maps it holds are copied, never changed, by the registry), so
 * it is built once per model rather than once per emulator.
 */
const built = new WeakMap<ApiModel, GenericApi>();

function buildGenericApi(model: ApiModel): GenericApi {
  const byRoute = new Map<string, ModelOperation>();
  const byShape = new Map<string, ModelOperation>();
  for (const op of model.operations) {
    byRoute.set(`${op.method} ${op.path}`, op);
    byShape.set(`${op.method} ${shapeOf(op.path)}`, op);
  }

  // Types with an `id` and an `object`: what the engine stores.
  const storable = new Set<string>();
  for (const schema of Object.values(model.schemas)) {
    const object = objectOf(schema);
    if (
      object !== undefined &&
      schema.properties?.['id'] !== undefined &&
      schema.properties['deleted'] === undefined
    ) {
      storable.add(object);
    }
  }
  // The schema of each stored type (the one with `x-resourceId` when several share an `object`).
  const schemaOf = new Map<string, ModelSchema>();
  for (const [name, schema] of Object.entries(model.schemas)) {
    const object = objectOf(schema);
    if (object === undefined || schema.properties?.['deleted'] !== undefined) continue;
    if (!schemaOf.has(object) || schema.resourceId !== undefined) schemaOf.set(object, { $ref: name });
  }

  /** The types a response or item schema holds: one, or several for `anyOf`. */
  function typesOf(schema: ModelSchema): string[] {
    if (schema.$ref !== undefined) {
      const target = model.schemas[schema.$ref];
      const object = objectOf(target);
      if (object !== undefined) return [object];
      // A named union (`payment_source`, `external_account`): its members.
      return target?.anyOf === undefined ? [] : [...new Set(target.anyOf.flatMap(typesOf))];
    }
    if (schema.anyOf !== undefined) return [...new Set(schema.anyOf.flatMap(typesOf))];
    const object = objectOf(schema);
    return object === undefined ? [] : [object];
  }

  const plans: GenericPlan[] = [];
  for (const op of model.operations) plans.push(classify(op));

  const creatable = new Set(plans.filter((p) => p.kind === 'create').flatMap((p) => p.types));
  const madeOnRead = new Set([...storable].filter((type) => !creatable.has(type)));

  function classify(op: ModelOperation): GenericPlan {
    const segments = op.path.split('/');
    const last = segments[segments.length - 1]!;
    const params = segments.filter((s) => s.startsWith('{')).map((s) => s.slice(1, -1));
    const lastIsParam = last.startsWith('{');
    const response = resolveSchema(model, op.response);
    if (op.responseType !== undefined) return { op, kind: 'computed', types: [] };
    if (isList(response)) {
      const types = typesOf(response.properties!['data']!.items!);
      const search = response.properties!['object']!.enum![0] === 'search_result';
      if (search) return { op, kind: 'search', types };
      const parent = lastIsParam ? undefined : parentOf(segments, types);
      return { op, kind: 'list', types, ...(parent === undefined ? {} : { parent }) };
    }
    // A polymorphic payment source is most often a card: it goes first.
    const types = typesOf(op.response).sort((a, b) => Number(b === 'card') - Number(a === 'card'));
    const type = types[0];
    const stored = type !== undefined && storable.has(type);
    const deleted =
      response.properties?.['deleted'] !== undefined ||
      ((response.anyOf?.length ?? 0) > 1 && op.method === 'DELETE');
    if (!stored) return { op, kind: 'computed', types };
    if (lastIsParam) {
      const idParam = last.slice(1, -1);
      const parent = segments.length > 4 ? parentOf(segments.slice(0, -1), types) : undefined;
      const base = { op, types, idParam, ...(parent === undefined ? {} : { parent }) };
      if (op.method === 'GET') return { ...base, kind: 'retrieve' };
      if (op.method === 'POST') return { ...base, kind: 'update' };
      return { ...base, kind: deleted ? 'delete' : 'computed' };
    }
    if (params.length === 0) {
      const get = byRoute.get(`GET ${op.path}`);
      const listed = get !== undefined && isList(resolveSchema(model, get.response));
      if (op.method === 'POST' && listed) return { op, kind: 'create', types: [type] };
      if (get !== undefined && !listed && op.path.split('/').length === 3)
        return { op, kind: 'singleton', types: [type] };
      if (op.method === 'POST') return { op, kind: 'create', types: [type] };
      return { op, kind: 'computed', types };
    }
    // A path ending in a word after an id: a nested collection, or an action on the object.
    const get = byRoute.get(`GET ${op.path}`);
    const listed = get !== undefined && isList(resolveSchema(model, get.response));
    const instance = segments.slice(0, -1).join('/');
    const instanceTypes = typesOf(byShape.get(`GET ${shapeOf(instance)}`)?.response ?? {});
    const idParam = params[params.length - 1]!;
    if (
      op.method === 'POST' &&
      (listed || (!instanceTypes.includes(type) && instanceTypes.length > 0 && !deleted))
    ) {
      const parent = parentOf(segments, [type]);
      return { op, kind: 'create', types: [type], ...(parent === undefined ? {} : { parent }) };
    }
    if (op.method === 'POST' && (instanceTypes.length === 0 || instanceTypes.includes(type))) {
      const schema = resolveSchema(model, schemaOf.get(type) ?? {});
      const allowed = schema.properties?.['status']?.enum ?? [];
      const status = (VERB_STATUS[last] ?? []).find((s) => allowed.includes(s));
      return { op, kind: 'action', types: [type], idParam, ...(status === undefined ? {} : { status }) };
    }
    return { op, kind: 'computed', types };
  }

  /** For `/v1/customers/{customer}/tax_ids`: the parent `customer` and the child field that holds it. */
  function parentOf(segments: readonly string[], childTypes: readonly string[]): GenericPlan['parent'] {
    let at = -1;
    for (let i = segments.length - 1; i >= 0; i--) {
      if (segments[i]!.startsWith('{')) {
        at = i;
        break;
      }
    }
    if (at < 0) return undefined;
    const param = segments[at]!.slice(1, -1);
    const parentPath = segments.slice(0, at + 1).join('/');
    const parentTypes = typesOf(byShape.get(`GET ${shapeOf(parentPath)}`)?.response ?? {});
    const parentType = parentTypes[0] ?? param;
    const childSchema = resolveSchema(model, schemaOf.get(childTypes[0] ?? '') ?? {});
    const properties = childSchema.properties ?? {};
    const collection = segments[at + 1];
    // The child field whose reference names the parent's type, else one named like the parameter.
    let field = Object.keys(properties).find((name) => {
      const property = properties[name]!;
      return property.anyOf !== undefined && typesOf(property).includes(parentType) && name !== 'id';
    });
    if (field === undefined && properties[param] !== undefined && param !== 'id') field = param;
    const last = parentType.slice(parentType.lastIndexOf('.') + 1);
    if (field === undefined && properties[last] !== undefined) field = last;
    // Else a list the parent holds (`quote.line_items`).
    const parentSchema = resolveSchema(model, schemaOf.get(parentType) ?? {});
    const list =
      field === undefined && collection !== undefined && parentSchema.properties?.[collection] !== undefined
        ? collection
        : undefined;
    return {
      param,
      type: parentType,
      ...(field === undefined ? {} : { field }),
      ...(list === undefined ? {} : { list }),
    };
  }

  const expandRules = buildExpandRules(model);
  // Fields left out unless expanded: expanding them includes them (a nested list, or made up).
  for (const [type, fields] of Object.entries(INCLUDABLE)) {
    const schema = resolveSchema(model, schemaOf.get(type) ?? {});
    const rules = expandRules.get(type) ?? {};
    expandRules.set(type, rules);
    for (const field of fields) {
      const property = schema.properties?.[field];
      if (property === undefined) continue;
      const resolved = resolveSchema(model, property);
      const items = isList(resolved) ? resolved.properties!['data']!.items! : undefined;
      const value: ValueType =
        items !== undefined
          ? { list: items.$ref !== undefined ? keyOf(model, items.$ref) : (typesOf(items)[0] ?? '#') }
          : { object: property.$ref !== undefined ? keyOf(model, property.$ref) : `#${type}.${field}` };
      const nested = plans.find(
        (p) => p.kind === 'list' && p.parent?.type === type && p.op.path.endsWith(`}/${field}`),
      );
      rules[field] = {
        kind: 'computed',
        value,
        async load(ctx, owner) {
          const url = `${collectionPath(nested?.op.path ?? '')}`.replace('{}', encodeURIComponent(owner.id));
          if (nested?.parent !== undefined) {
            return list(ctx, nested, {}, { [nested.parent.param]: owner.id }, url, undefined);
          }
          return synthesize(synthesisContext(ctx, url), { ...property, nullable: false }, field, 1);
        },
      };
    }
  }
  const events = new Map<string, EventDefaults>();
  for (const type of storable) events.set(type, { prefix: eventPrefix(type) });

  function returns(op: ModelOperation): ValueType {
    const response = resolveSchema(model, op.response);
    if (isList(response)) {
      const items = response.properties!['data']!.items!;
      return { list: items.$ref !== undefined ? keyOf(model, items.$ref) : (typesOf(items)[0] ?? '#') };
    }
    if (op.response.$ref !== undefined) return { object: keyOf(model, op.response.$ref) };
    return { object: typesOf(op.response)[0] ?? '#' };
  }

  function synthesisContext(ctx: EmulatorContext, url: string): SynthesisContext {
    return {
      model,
      now: ctx.now,
      livemode: ctx.scope.livemode,
      url,
      newId: (type) => {
        const [prefix, length] = idFormat(type);
        return length === 0 ? prefix : ctx.newId(prefix, length);
      },
    };
  }

  function fresh(ctx: EmulatorContext, type: string, url: string): Record<string, unknown> {
    return synthesize(synthesisContext(ctx, url), schemaOf.get(type) ?? {}) as Record<string, unknown>;
  }

  /** Objects made up in stripe-mock mode for ids it does not hold: answered, never stored. */
  const madeUp = new WeakSet<object>();

  function fixture(ctx: EmulatorContext, type: string, id?: string): StripeObject | undefined {
    if (!schemaOf.has(type)) return undefined;
    const made = {
      ...fresh(ctx, type, ''),
      ...(id === undefined ? {} : { id }),
      object: type,
    } as StripeObject;
    madeUp.add(made);
    return made;
  }

  function operation(plan: GenericPlan, options: GenericOptions): Operation {
    const { op } = plan;
    const path = op.path.replace(/\{([^}]+)\}/g, ':$1');
    const type = plan.types[0] ?? '';
    const schema = schemaOf.get(type) ?? op.response;
    const mock = options.stripeMock;
    const stateless = mock && options.stateless === true;
    // What a create may make instead (a payment source from a token: a card or a bank account).
    const alternatives = typesOf(op.response);
    const verb = op.path.slice(op.path.lastIndexOf('/') + 1);
    const filterKind = (name: string) => filterKindOf(plan.types, name);
    // A list whose `url` the description fixes elsewhere (`/v1/balance/history` → `/v1/balance_transactions`).
    const urlPattern = resolveSchema(model, op.response).properties?.['url']?.pattern;
    const fixedUrl = urlPattern === undefined ? undefined : /^\^(\/v1\/[a-z_/]+)$/.exec(urlPattern)?.[1];
    const listUrl = fixedUrl !== undefined && !op.path.startsWith(fixedUrl) ? fixedUrl : undefined;

    /**
     * The object the path names: stored (and, when nested, under the parent the path names), or
     * made up for a type the API never creates (stored from then on) and in stripe-mock mode.
     */
    async function obtain(
      ctx: EmulatorContext,
      route: Readonly<Record<string, string>>,
    ): Promise<StripeObject> {
      const param = plan.idParam!;
      const id = route[param]!;
      if (type === 'account' && id === ctx.scope.account) return ownAccount(ctx, '');
      for (const candidate of plan.types) {
        const found = await ctx.find(candidate, id);
        if (found === undefined) continue;
        // Under another parent: not found (stripe-mock mode answers a fixture and leaves it be).
        if (!belongs(plan, found, route)) {
          if (!mock) break;
          continue;
        }
        return found;
      }
      if (madeOnRead.has(type) || mock) {
        const made = { ...fresh(ctx, type, ''), id, object: type } as Record<string, unknown>;
        const parent = plan.parent;
        const held = parent?.field === undefined ? undefined : made[parent.field];
        if (parent?.field !== undefined && (held === null || typeof held !== 'object'))
          made[parent.field] = route[parent.param];
        if (!mock) return ctx.store(made as StripeObject);
        madeUp.add(made);
        return made as StripeObject;
      }
      throw resourceMissing(type, id, param);
    }

    /** Stores a change, except to an object made up for an id it does not hold or when stateless. */
    const keep = (
      ctx: EmulatorContext,
      current: StripeObject,
      next: StripeObject,
    ): Promise<StripeObject> | StripeObject =>
      stateless || madeUp.has(current) ? next : ctx.replace(current, next);

    async function checkParent(ctx: EmulatorContext, route: Readonly<Record<string, string>>): Promise<void> {
      const parent = plan.parent;
      if (parent === undefined || mock || !creatable.has(parent.type)) return;
      const id = route[parent.param]!;
      if (parent.type === 'account' && id === ctx.scope.account) return; // the caller's own account
      if ((await ctx.find(parent.type, id)) !== undefined) return;
      const at = op.path.indexOf(`{${parent.param}}`) + parent.param.length + 2;
      const parentPath = fill(op.path.slice(0, at), route);
      if (options.exists !== undefined && (await options.exists(ctx, parentPath))) return;
      throw resourceMissing(parent.type, id, parent.param);
    }

    /** The caller's own account (`/v1/account`, and `/v1/accounts/{its id}`): made on first use. */
    async function ownAccount(ctx: EmulatorContext, url: string): Promise<StripeObject> {
      const id = ctx.scope.account;
      const found = await ctx.find('account', id);
      if (found !== undefined) return found;
      const made = { ...fresh(ctx, 'account', url), id, object: 'account' } as StripeObject;
      return stateless ? made : ctx.store(made);
    }

    const run = async (
      ctx: EmulatorContext,
      parsed: unknown,
      route: Readonly<Record<string, string>>,
      url: string,
    ): Promise<unknown> => {
      const params = parsed as Record<string, ParamJson>;
      const synth = synthesisContext(ctx, url);
      switch (plan.kind) {
        case 'list':
          return list(ctx, plan, params, route, url, mock ? fresh : undefined, filterKind);
        case 'search':
          return search(ctx, plan, params, url, mock ? fresh : undefined);
        case 'create': {
          await checkParent(ctx, route);
          const source = tokenSource(alternatives, params, ctx.now);
          const made = source?.type ?? type;
          const base = { ...fresh(ctx, made, url), ...source?.fields };
          let object = applyParams(synth, schemaOf.get(made) ?? schema, base, params);
          let taken = false;
          if (!mock) await embedStored(ctx, schemaOf.get(made) ?? schema, object, params, true);
          const items =
            !mock && INCLUDABLE[made]?.includes('line_items')
              ? await lineItemsFrom(ctx, params['line_items'], () => fresh(ctx, 'item', ''))
              : [];
          if (items.length > 0) withTotals(object, items);
          object = withCard(made, object, params);
          if (typeof params['id'] === 'string' && 'id' in object) {
            taken = (await ctx.find(type, params['id'])) !== undefined;
            if (taken && !mock) {
              throw invalidRequest(`A ${type} with this id already exists.`, {
                code: 'resource_already_exists',
                param: 'id',
              });
            }
            object['id'] = params['id'];
          }
          if (plan.parent?.field !== undefined) object[plan.parent.field] = route[plan.parent.param];
          object = withFile(object, params);
          // stripe-mock mode answers a create naming an id it holds as stripe-mock does (no
          // `resource_already_exists`), without storing it a second time.
          if (typeof object['id'] !== 'string' || stateless || taken) return object;
          const created = await ctx.insert(object as StripeObject);
          if (items.length > 0) {
            const held: StoredLineItems = { id: created.id, object: lineItemsType(made), data: items };
            await ctx.store(held);
          }
          return created;
        }
        case 'retrieve': {
          await checkParent(ctx, route);
          return obtain(ctx, route);
        }
        case 'update': {
          const current = await obtain(ctx, route);
          const next = applyParams(synth, schema, current, params) as StripeObject;
          if (!mock) await embedStored(ctx, schema, next, params);
          return keep(ctx, current, next);
        }
        case 'delete': {
          const id = route[plan.idParam!]!;
          let current: StripeObject | undefined;
          for (const candidate of plan.types) current ??= await ctx.find(candidate, id);
          if (current === undefined || !belongs(plan, current, route)) {
            if (!mock) throw resourceMissing(type, id, plan.idParam);
            return { id, object: type, deleted: true };
          }
          if (!stateless) await ctx.remove(current);
          return { id, object: current.object, deleted: true };
        }
        case 'action': {
          const current = await obtain(ctx, route);
          let next = applyParams(synth, schema, current, params);
          if (plan.status !== undefined) {
            next['status'] = plan.status;
            const stamp = `${plan.status}_at`;
            if (stamp in next && next[stamp] === null) next[stamp] = ctx.now;
          }
          for (const [field, value] of Object.entries(VERB_FIELDS[verb] ?? {})) {
            if (field in next) next[field] = value;
          }
          if (op.path.endsWith('/detach') && 'customer' in next) next['customer'] = null;
          next = { ...next, id: current.id, object: current.object };
          return keep(ctx, current, next as StripeObject);
        }
        case 'singleton': {
          const id =
            type === 'account' ? ctx.scope.account : `${idFormat(type)[0]}_${ctx.scope.account.slice(5)}`;
          let current = type === 'account' ? await ownAccount(ctx, url) : await ctx.find(type, id);
          if (current === undefined) {
            current = { ...fresh(ctx, type, url), id, object: type } as StripeObject;
            if (!stateless) await ctx.store(current);
          }
          if (op.method === 'GET') return current;
          if (op.method === 'DELETE') {
            if (!stateless) await ctx.remove(current);
            return { id, object: type, deleted: true };
          }
          const next = applyParams(synth, schema, current, params) as StripeObject;
          return stateless ? next : ctx.replace(current, next);
        }
        case 'computed': {
          if (op.responseType !== undefined)
            return new RawBody(op.responseType, placeholderBody(op.responseType));
          const made = synthesize(synth, op.response) as Record<string, unknown>;
          const filled = applyParams(synth, op.response, made, { ...route, ...params });
          if (op.method === 'DELETE' && 'deleted' in filled) filled['deleted'] = true;
          return filled;
        }
      }
    };

    return {
      method: op.method,
      path,
      returns: returns(op),
      ...(op.multipart === true ? { multipart: true } : {}),
      parse: (form) => {
        const params = validateParams(model, op.params, form, ['expand']);
        // An upload's file comes as a multipart part, never as a form value.
        if (op.multipart === true && typeof params['file'] === 'string') {
          throw invalidRequest('Invalid file: upload it as the `file` part of a multipart/form-data body.', {
            code: 'parameter_invalid_file',
            param: 'file',
          });
        }
        return params;
      },
      run: (ctx, parsed, route) => run(ctx, parsed, route, listUrl ?? fill(op.path, route)),
    };
  }

  /**
   * Ids given for fields that hold a whole object (`promotion_code.coupon`, `issuing.card.cardholder`,
   * `subscription_item.price`): the stored object, as Stripe embeds it; an unknown id is a 404.
   * On create, a stored object a field refers to (`credit_note.invoice`) lends the new one its
   * `customer` and `currency` when the request sets neither.
   */
  async function embedStored(
    ctx: EmulatorContext,
    schema: ModelSchema,
    object: Record<string, unknown>,
    params: Readonly<Record<string, ParamJson>>,
    creating = false,
  ): Promise<void> {
    const properties = resolveSchema(model, schema).properties ?? {};
    for (const [name, value] of Object.entries(params)) {
      const property = properties[name];
      if (typeof value !== 'string' || property === undefined) continue;
      const held = property.$ref === undefined ? undefined : objectOf(model.schemas[property.$ref]);
      if (held !== undefined && storable.has(held)) {
        const found = await ctx.find(held, value);
        if (found === undefined) throw resourceMissing(held, value, name);
        object[name] = found;
        continue;
      }
      const referred = creating && property.anyOf !== undefined ? typesOf(property) : [];
      for (const type of referred) {
        const found = await ctx.find(type, value);
        if (found === undefined) continue;
        for (const field of INHERITED) {
          const lent = found[field];
          const id = typeof lent === 'object' && lent !== null ? (lent as { id?: unknown }).id : lent;
          if (
            field in object &&
            params[field] === undefined &&
            (typeof id === 'string' || typeof id === 'number')
          )
            object[field] = id;
        }
        break;
      }
    }
  }

  /** How a list compares a parameter with the field of that name of the listed types. */
  function filterKindOf(types: readonly string[], name: string): FilterKind | undefined {
    for (const type of types) {
      const property = resolveSchema(model, schemaOf.get(type) ?? {}).properties?.[name];
      if (property === undefined) continue;
      const held = property.$ref === undefined ? undefined : objectOf(model.schemas[property.$ref]);
      return held !== undefined && storable.has(held) ? 'id' : 'value';
    }
    return undefined;
  }

  function complete(ctx: EmulatorContext, object: StripeObject): StripeObject {
    const schema = schemaOf.get(object.object);
    if (schema === undefined) return object;
    return conform(synthesisContext(ctx, ''), schema, object) as StripeObject;
  }

  return { plans, byRoute, expandRules, events, madeOnRead, operation, returns, fixture, complete };
}

/** `/v1/customers/{customer}/sources` → `/v1/customers/{}/sources`. */
function collectionPath(path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}');
}

/** A path with its parameter names dropped: `/v1/x/{id}` → `/v1/x/{}`. */
function shapeOf(path: string): string {
  return path.replace(/\{[^}]+\}/g, '{}');
}

/**
 * How a list parameter filters: by equality with the field (`value`), by the id of the object the
 * field holds (`id`: `cardholder` on issuing cards); a parameter naming no field does not filter.
 */
type FilterKind = 'value' | 'id';

/** A non-JSON answer (a quote's PDF). */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly data: Buffer,
  ) {}
}

function placeholderBody(contentType: string): Buffer {
  if (contentType === 'application/pdf') {
    return Buffer.from(
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    );
  }
  return Buffer.alloc(0);
}

/** Whether a nested object belongs to the parent the path names. */
function belongs(plan: GenericPlan, object: StripeObject, route: Readonly<Record<string, string>>): boolean {
  const parent = plan.parent;
  if (parent?.field === undefined) return true;
  const value = object[parent.field];
  const id = typeof value === 'string' ? value : (value as { id?: unknown } | null)?.id;
  return id === undefined || id === null || id === route[parent.param];
}

/** The path with its parameters filled in (a list's `url`). */
function fill(template: string, route: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(route[name] ?? ''));
}

/** A file upload's metadata becomes the file object's `size`, `filename` and `type`. */
function withFile(
  object: Record<string, unknown>,
  params: Readonly<Record<string, ParamJson>>,
): Record<string, unknown> {
  const file = params['file'];
  if (
    typeof file !== 'object' ||
    file === null ||
    Array.isArray(file) ||
    (file as { kind?: unknown }).kind !== 'file'
  ) {
    return object;
  }
  const upload = file as unknown as { filename: string; contentType: string; size: number };
  const dot = upload.filename.lastIndexOf('.');
  return {
    ...object,
    filename: upload.filename,
    size: upload.size,
    ...('type' in object ? { type: dot < 0 ? null : upload.filename.slice(dot + 1).toLowerCase() } : {}),
    ...('title' in object ? { title: upload.filename } : {}),
  };
}

/** A created object's amounts and currency from its line items (a quote's `amount_total`). */
function withTotals(object: Record<string, unknown>, items: readonly StripeObject[]): void {
  for (const field of ['amount_subtotal', 'amount_total'] as const) {
    if (typeof object[field] === 'number')
      object[field] = items.reduce((sum, item) => sum + Number(item[field] ?? 0), 0);
  }
  if ('currency' in object && typeof items[0]?.['currency'] === 'string')
    object['currency'] = items[0]['currency'];
}

/**
 * A payment method or token made from a raw card (`card[number]=…`) gets the card's brand and
 * last 4 digits; a token says which kind it is (`type: card` or `bank_account`) and holds only it.
 */
function withCard(
  type: string,
  object: Record<string, unknown>,
  params: Readonly<Record<string, ParamJson>>,
): Record<string, unknown> {
  if (type !== 'payment_method' && type !== 'token') return object;
  const card = params['card'];
  const number =
    typeof card === 'object' && card !== null && !Array.isArray(card)
      ? (card as Record<string, unknown>)['number']
      : undefined;
  const fields = typeof number === 'string' ? cardFromNumber(number) : undefined;
  const out = { ...object };
  if (fields !== undefined && typeof out['card'] === 'object' && out['card'] !== null) {
    out['card'] = { ...(out['card'] as Record<string, unknown>), ...fields };
  }
  if (type === 'token') {
    const kind =
      card !== undefined ? 'card' : params['bank_account'] !== undefined ? 'bank_account' : undefined;
    if (kind !== undefined) {
      out['type'] = kind;
      delete out[kind === 'card' ? 'bank_account' : 'card'];
    }
  }
  return out;
}

/** Stripe's event prefix for a type: `issuing.card` → `issuing_card`, others as they are. */
export function eventPrefix(type: string): string {
  return type.startsWith('issuing.') ? type.replace('.', '_') : type;
}

async function list(
  ctx: EmulatorContext,
  plan: GenericPlan,
  params: Readonly<Record<string, ParamJson>>,
  route: Readonly<Record<string, string>>,
  url: string,
  fixture: ((ctx: EmulatorContext, type: string, url: string) => Record<string, unknown>) | undefined,
  filterKind?: (name: string) => FilterKind | undefined,
): Promise<unknown> {
  const limit = readLimit(params);
  const startingAfter = typeof params['starting_after'] === 'string' ? params['starting_after'] : undefined;
  const endingBefore = typeof params['ending_before'] === 'string' ? params['ending_before'] : undefined;
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      code: 'parameters_exclusive',
      param: 'ending_before',
    });
  }
  const parent = plan.parent;
  if (parent?.list !== undefined) {
    // Items the parent holds: page through its list.
    const owner = await ctx.find(parent.type, route[parent.param]!);
    const beside =
      parent.list === 'line_items'
        ? await ctx.find<StoredLineItems>(lineItemsType(parent.type), route[parent.param]!)
        : undefined;
    const held =
      beside?.data ?? (owner?.[parent.list] as { data?: StripeObject[] } | null | undefined)?.data ?? [];
    return { object: 'list', data: held.slice(0, limit), has_more: held.length > limit, url };
  }
  const where: Record<string, FieldCondition> = {};
  const holding: [field: string, id: string][] = [];
  for (const [name, value] of Object.entries(params)) {
    if (PAGE_PARAMS.has(name)) continue;
    const kind = filterKind === undefined ? 'value' : filterKind(name);
    // A parameter that is no field of the listed objects (`contains`, `scheduled`) is not compared.
    if (kind === undefined) continue;
    if (kind === 'id' && typeof value === 'string') holding.push([name, value]);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      where[name] = { op: 'eq', value };
    }
  }
  if (parent?.field !== undefined) where[parent.field] = { op: 'eq', value: route[parent.param]! };
  const created = readCreated(params['created']);
  const cursor = startingAfter ?? endingBefore;
  if (cursor !== undefined && fixture === undefined) {
    let found = false;
    for (const type of plan.types) found ||= (await ctx.find(type, cursor)) !== undefined;
    if (!found) {
      throw resourceMissing(
        plan.types[0] ?? 'object',
        cursor,
        startingAfter !== undefined ? 'starting_after' : 'ending_before',
      );
    }
  }
  if (holding.length > 0) {
    // A field holding a whole object (`issuing.card.cardholder`) compares by its id, here.
    const all: StripeObject[] = [];
    for (const type of plan.types) all.push(...(await ctx.all(type, where)));
    const matching = all
      .filter((o) => holding.every(([field, id]) => (o[field] as { id?: unknown } | null)?.id === id))
      .filter((o) => created === undefined || inRange(Number(o['created'] ?? 0), created))
      .sort((a, b) => Number(b['created'] ?? 0) - Number(a['created'] ?? 0) || (a.id < b.id ? 1 : -1));
    const at = matching.findIndex((o) => o.id === cursor);
    if (cursor !== undefined && at < 0) return { object: 'list', data: [], has_more: false, url };
    if (endingBefore !== undefined) {
      const from = Math.max(0, at - limit);
      return { object: 'list', data: matching.slice(from, at), has_more: from > 0, url };
    }
    const rest = startingAfter === undefined ? matching : matching.slice(at + 1);
    return { object: 'list', data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  const pages = [];
  for (const type of plan.types) {
    const filters = Object.fromEntries(
      Object.entries(where).filter(([field]) => field !== 'type' || type !== 'event'),
    );
    pages.push(
      await ctx.list(type, {
        limit,
        where: filters,
        ...(created === undefined ? {} : { created }),
        ...(startingAfter === undefined || !(await ctx.find(type, startingAfter)) ? {} : { startingAfter }),
        ...(endingBefore === undefined || !(await ctx.find(type, endingBefore)) ? {} : { endingBefore }),
      }),
    );
  }
  let data = pages.flatMap((page) => page.data);
  if (pages.length > 1) {
    data = data.sort(
      (a, b) => Number(b['created'] ?? 0) - Number(a['created'] ?? 0) || (a.id < b.id ? 1 : -1),
    );
  }
  const hasMore = pages.some((page) => page.hasMore) || data.length > limit;
  data = data.slice(0, limit);
  if (fixture !== undefined && data.length === 0 && plan.types[0] !== undefined && cursor === undefined) {
    data = [fixture(ctx, plan.types[0], url) as StripeObject];
  }
  return { object: 'list', data, has_more: hasMore, url };
}

function inRange(created: number, range: CreatedRange): boolean {
  return (
    (range.gt === undefined || created > range.gt) &&
    (range.gte === undefined || created >= range.gte) &&
    (range.lt === undefined || created < range.lt) &&
    (range.lte === undefined || created <= range.lte)
  );
}

function readLimit(params: Readonly<Record<string, ParamJson>>): number {
  const limit = params['limit'];
  if (limit === undefined) return 10;
  if (typeof limit !== 'number' || limit < 1 || limit > 100) {
    throw invalidRequest('This value must be greater than or equal to 1 and less than or equal to 100.', {
      code: 'parameter_invalid_integer',
      param: 'limit',
    });
  }
  return limit;
}

function readCreated(value: ParamJson | undefined): CreatedRange | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return { gte: value, lte: value };
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const range = value as Record<string, unknown>;
  const out: { gt?: number; gte?: number; lt?: number; lte?: number } = {};
  for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
    if (typeof range[bound] === 'number') out[bound] = range[bound];
  }
  return out;
}

/**
 * `GET /v1/<things>/search?query=…`: Stripe's search language, for the clauses a test writes:
 * `field:"value"` (also `'value'` and bare words), `metadata["key"]:"value"`, `-field:value`
 * (not), `field>N`, `field<N`, `>=`, `<=`, `field~"sub"` (substring), joined by `AND` or by
 * `OR` (not both, as in Stripe). Newest first; `page` is the token from `next_page`.
 */
async function search(
  ctx: EmulatorContext,
  plan: GenericPlan,
  params: Readonly<Record<string, ParamJson>>,
  url: string,
  fixture: ((ctx: EmulatorContext, type: string, url: string) => Record<string, unknown>) | undefined,
): Promise<unknown> {
  const query = typeof params['query'] === 'string' ? params['query'] : '';
  const test = compileQuery(query);
  const limit = readLimit(params);
  const token = params['page'];
  // `page` is the token a previous answer's `next_page` gave: anything else is refused, as Stripe does.
  if (token !== undefined && (typeof token !== 'string' || !/^\d{1,9}$/.test(token))) {
    throw invalidRequest('Invalid page: use the `next_page` of the previous search result.', {
      code: 'parameter_invalid_string',
      param: 'page',
    });
  }
  const offset = token === undefined ? 0 : Number(token);
  const matches: StripeObject[] = [];
  for (const type of plan.types) matches.push(...(await ctx.all(type)).filter(test));
  const page = matches.slice(offset, offset + limit);
  const more = matches.length > offset + limit;
  // stripe-mock mode: one made-up match when nothing matches, and always a total_count.
  if (fixture !== undefined && matches.length === 0 && offset === 0 && plan.types[0] !== undefined) {
    page.push(fixture(ctx, plan.types[0], url) as StripeObject);
  }
  return {
    object: 'search_result',
    data: page,
    has_more: more,
    next_page: more ? String(offset + limit) : null,
    url,
    ...(fixture === undefined ? {} : { total_count: Math.max(matches.length, page.length) }),
  };
}

type Predicate = (object: StripeObject) => boolean;

function compileQuery(query: string): Predicate {
  const text = query.trim();
  if (text === '')
    throw invalidRequest('Missing required param: query.', { code: 'parameter_missing', param: 'query' });
  const hasAnd = /\sAND\s/.test(text);
  const hasOr = /\sOR\s/.test(text);
  if (hasAnd && hasOr) {
    throw invalidRequest('You cannot combine AND and OR in a search query.', {
      code: 'search_query_invalid',
      param: 'query',
    });
  }
  const clauses = text.split(hasOr ? /\s+OR\s+/ : /\s+AND\s+/).map(compileClause);
  return hasOr ? (o) => clauses.some((c) => c(o)) : (o) => clauses.every((c) => c(o));
}

function compileClause(clause: string): Predicate {
  const match =
    /^(-?)([a-z_][a-z0-9_.]*)(?:\[["']([^"']+)["']\])?\s*(:|~|>=|<=|>|<)\s*(?:"([^"]*)"|'([^']*)'|(\S+))$/.exec(
      clause.trim(),
    );
  if (match === null) {
    throw invalidRequest(`Invalid search query: could not read \`${clause.trim()}\`.`, {
      code: 'search_query_invalid',
      param: 'query',
    });
  }
  const [, not, field, key, op, dq, sq, bare] = match;
  const wanted = dq ?? sq ?? bare ?? '';
  const read = (o: StripeObject): unknown => {
    let value: unknown = o;
    for (const part of field!.split('.')) value = (value as Record<string, unknown> | null)?.[part];
    if (key !== undefined) value = (value as Record<string, unknown> | null)?.[key];
    return value;
  };
  const test: Predicate = (o) => {
    const value = read(o);
    switch (op) {
      case ':':
        return value === null || value === undefined ? wanted === 'null' : String(value) === wanted;
      case '~':
        return typeof value === 'string' && value.includes(wanted);
      default: {
        const a = Number(value);
        const b = Number(wanted);
        if (op === '>') return a > b;
        if (op === '<') return a < b;
        if (op === '>=') return a >= b;
        return a <= b;
      }
    }
  };
  return not === '-' ? (o) => !test(o) : test;
}

/** Expansion rules for every schema with `x-expandableFields`. */
function buildExpandRules(model: ApiModel): Map<string, Record<string, ExpandTarget>> {
  const rules = new Map<string, Record<string, ExpandTarget>>();
  const typesOfAlternatives = (alternatives: readonly ModelSchema[]): string[] => [
    ...new Set(alternatives.filter((a) => a.$ref !== undefined).map((a) => keyOf(model, a.$ref!))),
  ];
  const targetFor = (property: ModelSchema, key: string): ExpandTarget | undefined => {
    if (property.$ref !== undefined) {
      const resolved = resolveSchema(model, property);
      if (isList(resolved)) return listTarget(resolved, key);
      return { kind: 'embedded', value: { object: keyOf(model, property.$ref) } };
    }
    if (property.anyOf !== undefined) {
      const types = typesOfAlternatives(property.anyOf);
      if (types.length === 0) return undefined;
      if (property.anyOf.some((a) => a.type === 'string')) return { kind: 'ref', types };
      return { kind: 'embedded', value: { object: types[0]! } };
    }
    if (property.type === 'array' && property.items !== undefined) return targetFor(property.items, key);
    if (isList(property)) return listTarget(property, key);
    if (property.properties !== undefined) {
      add(property, key);
      return { kind: 'embedded', value: { object: key } };
    }
    return undefined;
  };
  const listTarget = (list: ModelSchema, key: string): ExpandTarget => {
    const items = list.properties!['data']!.items!;
    if (items.$ref !== undefined) return { kind: 'embedded', value: { list: keyOf(model, items.$ref) } };
    const types = typesOfAlternatives(items.anyOf ?? []);
    if (types.length > 0) return { kind: 'embedded', value: { list: types[0]! } };
    add(items, `${key}.data`);
    return { kind: 'embedded', value: { list: `${key}.data` } };
  };
  function add(schema: ModelSchema, key: string): void {
    const fields = rules.get(key) ?? {};
    rules.set(key, fields);
    for (const field of schema.expandable ?? []) {
      const property = schema.properties?.[field];
      if (property === undefined || fields[field] !== undefined) continue;
      const target = targetFor(property, `#${key}.${field}`);
      if (target !== undefined) fields[field] = target;
    }
  }
  for (const [name, schema] of Object.entries(model.schemas)) {
    if (schema.expandable !== undefined) add(schema, keyOf(model, name));
  }
  return rules;
}

export type { ParamJson };

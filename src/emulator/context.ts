import { resourceMissing } from '../http/stripe-error.js';
import type { IdGenerator } from './ids.js';
import type { EventDefaults, StandardEvent } from './operation.js';
import type {
  EmulatorScope,
  EmulatorStorage,
  FieldCondition,
  ListPage,
  ListQuery,
  StripeObject,
} from './storage.js';

/** The API version stamped on events (the shapes follow this version, plus a few later fields). */
export const EMULATOR_API_VERSION = '2022-04-12';

/** Options for writes that emit an event: a type to override the default, or `false` for none. */
export interface EmitOptions {
  readonly event?: string | false;
}

/**
 * What an operation works with: the caller's scope, the request's identity, time and ids,
 * and the reads and writes that keep events in step with data. One per request.
 */
export interface EmulatorContext {
  readonly scope: EmulatorScope;
  readonly requestId: string;
  readonly idempotencyKey: string | undefined;
  /** The request's time in unix seconds (one value for the whole request). */
  readonly now: number;
  newId(prefix: string, length: number): string;
  find<T extends StripeObject>(type: string, id: string): Promise<T | undefined>;
  /** Like `find`, but a missing object is a 404 `resource_missing` naming `param`. */
  load<T extends StripeObject>(type: string, id: string, param?: string): Promise<T>;
  list(type: string, query: ListQuery): Promise<ListPage>;
  /** Every object of a type that matches, newest first (for small, internal scans). */
  all<T extends StripeObject>(type: string, where?: Readonly<Record<string, FieldCondition>>): Promise<T[]>;
  /** Stores a new object and emits `<prefix>.created` where Stripe has it (or `options.event`). */
  insert<T extends StripeObject>(object: T, options?: EmitOptions): Promise<T>;
  /** Stores a changed object and, if anything changed, emits `<prefix>.updated` with `previous_attributes`. */
  replace<T extends StripeObject>(before: T, after: T, options?: EmitOptions): Promise<T>;
  /** Stores an object without an event (for bookkeeping Stripe does not announce). */
  store<T extends StripeObject>(object: T): Promise<T>;
  /** Deletes an object and emits `<prefix>.deleted` with its last state. */
  remove(object: StripeObject, options?: EmitOptions): Promise<void>;
  emit(type: string, object: StripeObject, previous?: Record<string, unknown>): Promise<void>;
}

/** What every request's context shares: the storage, the id generator and the event table. */
export interface ContextDependencies {
  readonly storage: EmulatorStorage;
  readonly ids: IdGenerator;
  /** Object type → its event prefix and default events (`subscription` → `customer.subscription`). */
  readonly events: ReadonlyMap<string, EventDefaults>;
  /** Brings an object to its type's schema before it is stored (hand-written modules' objects). */
  readonly complete?: (ctx: EmulatorContext, object: StripeObject) => StripeObject;
}

/** Creates the context for one request. */
export function createContext(
  deps: ContextDependencies,
  request: { scope: EmulatorScope; requestId: string; idempotencyKey: string | undefined; now: number },
): EmulatorContext {
  const { storage, ids, events } = deps;
  const { scope, now } = request;

  const put = async (given: StripeObject): Promise<StripeObject> => {
    const object = deps.complete === undefined ? given : deps.complete(ctx, given);
    await storage.put(scope, { type: object.object, id: object.id, created: sortTime(object, now), object });
    return object;
  };
  const eventType = (
    object: StripeObject,
    suffix: StandardEvent,
    options: EmitOptions | undefined,
  ): string | undefined => {
    if (options?.event === false) return undefined;
    if (options?.event !== undefined) return options.event;
    const defaults = events.get(object.object);
    if (defaults === undefined || (defaults.standard !== undefined && !defaults.standard.includes(suffix))) {
      return undefined;
    }
    return `${defaults.prefix}.${suffix}`;
  };

  const ctx: EmulatorContext = {
    scope,
    requestId: request.requestId,
    idempotencyKey: request.idempotencyKey,
    now,
    newId: ids,
    async find<T extends StripeObject>(type: string, id: string) {
      return (await storage.get(scope, type, id)) as T | undefined;
    },
    async load<T extends StripeObject>(type: string, id: string, param = 'id') {
      const found = (await storage.get(scope, type, id)) as T | undefined;
      if (found === undefined) throw resourceMissing(type, id, param);
      return found;
    },
    async list(type, query) {
      return storage.list(scope, type, query);
    },
    async all<T extends StripeObject>(type: string, where?: Readonly<Record<string, FieldCondition>>) {
      const out: T[] = [];
      let startingAfter: string | undefined;
      for (;;) {
        const page = await storage.list(scope, type, {
          limit: 100,
          ...(where === undefined ? {} : { where }),
          ...(startingAfter === undefined ? {} : { startingAfter }),
        });
        out.push(...(page.data as T[]));
        const last = page.data[page.data.length - 1];
        if (!page.hasMore || last === undefined) return out;
        startingAfter = last.id;
      }
    },
    async insert(given, options) {
      const object = (await put(given)) as typeof given;
      const type = eventType(object, 'created', options);
      if (type !== undefined) await ctx.emit(type, object);
      return object;
    },
    async replace(given, next, options) {
      // Diffed as stored: both sides brought to the schema, so no field looks changed that is not.
      const before = deps.complete === undefined ? given : deps.complete(ctx, given);
      const after = (await put(next)) as typeof next;
      const previous = previousAttributes(before, after);
      const type = eventType(after, 'updated', options);
      if (type !== undefined && (Object.keys(previous).length > 0 || options?.event !== undefined)) {
        await ctx.emit(type, after, previous);
      }
      return after;
    },
    async store(given) {
      return (await put(given)) as typeof given;
    },
    async remove(object, options) {
      await storage.delete(scope, object.object, object.id);
      const type = eventType(object, 'deleted', options);
      if (type !== undefined) await ctx.emit(type, object);
    },
    async emit(type, object, previous) {
      const event: StripeObject = {
        id: ids('evt', 24),
        object: 'event',
        account: scope.account,
        api_version: EMULATOR_API_VERSION,
        created: now,
        data: previous === undefined ? { object } : { object, previous_attributes: previous },
        livemode: scope.livemode,
        pending_webhooks: 0,
        request: { id: request.requestId, idempotency_key: request.idempotencyKey ?? null },
        type,
      };
      await storage.put(scope, { type: 'event', id: event.id, created: now, object: event });
    },
  };
  return ctx;
}

/** The time an object is ordered by: `created`, or `date` for the few objects without it. */
function sortTime(object: StripeObject, fallback: number): number {
  if (typeof object['created'] === 'number') return object['created'];
  if (typeof object['date'] === 'number') return object['date'];
  return fallback;
}

/** Top-level fields whose value changed, with their old values (Stripe's `previous_attributes`). */
export function previousAttributes(before: StripeObject, after: StripeObject): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === 'updated') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key] ?? null;
  }
  return previous;
}

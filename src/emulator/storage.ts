/**
 * The emulator's persistence seam. Objects are kept per scope (account and mode) and per
 * type, in Stripe's own JSON representation with references as ids. Every method may
 * return a promise, so a SQL-backed store can implement the same interface.
 */

/** A value or a promise of one: storage methods may answer synchronously or not. */
export type Awaitable<T> = T | Promise<T>;

/** Whose data a request sees: one account in one mode. Objects never cross scopes. */
export interface EmulatorScope {
  readonly account: string;
  readonly livemode: boolean;
}

/** A Stripe object as stored and returned: `id`, `object` and any other JSON fields. */
export interface StripeObject {
  readonly id: string;
  readonly object: string;
  readonly [field: string]: unknown;
}

/** What `put` stores: the object plus the `created` time (unix seconds) it is ordered by. */
export interface StoredRecord {
  readonly type: string;
  readonly id: string;
  readonly created: number;
  readonly object: StripeObject;
}

/** A scalar a list filter compares a top-level field with. */
export type FilterScalar = string | number | boolean | null;

/** A condition on one top-level field of the stored object. */
export type FieldCondition =
  | { readonly op: 'eq'; readonly value: FilterScalar }
  | { readonly op: 'ne'; readonly value: FilterScalar }
  | { readonly op: 'in'; readonly values: readonly FilterScalar[] }
  | { readonly op: 'prefix'; readonly value: string };

/** Bounds on `created` (unix seconds), as Stripe's `created[gte]=…` filters give them. */
export interface CreatedRange {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/**
 * One page of a list, newest first (by `created`, then `id`, both descending).
 * `startingAfter` returns objects older than that id; `endingBefore` the `limit` objects
 * just newer than it (still newest first). The cursor object is known to exist in the
 * same scope and type: the emulator checks before it asks.
 */
export interface ListQuery {
  readonly limit: number;
  readonly where?: Readonly<Record<string, FieldCondition>>;
  readonly created?: CreatedRange;
  readonly startingAfter?: string;
  readonly endingBefore?: string;
}

/** What `list` answers. */
export interface ListPage {
  readonly data: readonly StripeObject[];
  /** Whether more objects match past this page, in the direction of travel. */
  readonly hasMore: boolean;
}

/**
 * Where the emulator keeps its objects. Implementations must treat stored objects as
 * values: what `get`/`list` return must not change when a later `put` replaces them.
 * @example
 * const storage = createMemoryStorage();
 * await storage.put(scope, { type: 'customer', id: 'cus_1', created: 1, object: customer });
 */
export interface EmulatorStorage {
  get(scope: EmulatorScope, type: string, id: string): Awaitable<StripeObject | undefined>;
  /** Inserts or replaces by (scope, type, id). A replacement keeps its position if `created` is unchanged. */
  put(scope: EmulatorScope, record: StoredRecord): Awaitable<void>;
  /** Removes an object; answers whether it existed. */
  delete(scope: EmulatorScope, type: string, id: string): Awaitable<boolean>;
  list(scope: EmulatorScope, type: string, query: ListQuery): Awaitable<ListPage>;
}

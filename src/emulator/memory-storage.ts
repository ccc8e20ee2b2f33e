import type {
  EmulatorScope,
  EmulatorStorage,
  FieldCondition,
  ListPage,
  ListQuery,
  StoredRecord,
  StripeObject,
} from './storage.js';

/** Objects one account in one mode may hold in memory, all types together, unless configured. */
export const DEFAULT_MAX_OBJECTS_PER_SCOPE = 50_000;

/** What {@link MemoryStorageOptions.onEvict} is told about one evicted object. */
export interface EvictionInfo {
  readonly account: string;
  readonly livemode: boolean;
  readonly type: string;
  readonly id: string;
  /** Objects evicted from this account and mode so far, this one included. */
  readonly count: number;
}

/** Options for {@link createMemoryStorage}. */
export interface MemoryStorageOptions {
  /**
   * Most objects one scope (account and mode) holds, all types together (default
   * {@link DEFAULT_MAX_OBJECTS_PER_SCOPE}; `Infinity` for no cap). Storing one more new object
   * evicts the scope's oldest, by when it was first stored (replacing an object keeps its place).
   */
  readonly maxObjectsPerScope?: number;
  /**
   * Called after each eviction, once the put that caused it is complete (the storage is
   * consistent: the new object is stored, the evicted one gone).
   */
  readonly onEvict?: (info: EvictionInfo) => void;
}

interface Entry {
  readonly id: string;
  readonly created: number;
  readonly object: StripeObject;
}

interface Table {
  readonly byId: Map<string, Entry>;
  /**
   * Ascending by (created, id) from `head`; lists walk it from the end. Slots before `head`
   * are entries removed from the front (evictions), compacted away once they are half the
   * array, so evicting the oldest does not move the whole array each time.
   */
  readonly ordered: (Entry | undefined)[];
  head: number;
}

interface Scope {
  readonly account: string;
  readonly livemode: boolean;
  readonly types: Map<string, Table>;
  /** `type\0id` of every object, in the order each was first stored (a `Map` keeps it). */
  readonly order: Map<string, true>;
  /**
   * Walks `order` from the oldest: eviction takes its next key. Everything it has passed was
   * evicted, so it never skips a live object (a `Map` iterator sees later insertions and
   * skips deletions); a fresh `keys().next()` would step over every deleted slot each time.
   */
  oldest: Iterator<string> | undefined;
  evicted: number;
}

/**
 * An in-memory {@link EmulatorStorage}: one ordered table per scope and type. Stored
 * objects are deep-frozen, so a handler that mutates what it read fails loudly instead
 * of changing stored state behind the storage's back. Each scope (account and mode) holds
 * at most `maxObjectsPerScope` objects; past that, storing a new one evicts the oldest.
 * @example
 * const emulator = createEmulator({ storage: createMemoryStorage() });
 * const capped = createMemoryStorage({
 *   maxObjectsPerScope: 10_000,
 *   onEvict: ({ account, type, id }) => console.warn(`evicted ${type} ${id} of ${account}`),
 * });
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): EmulatorStorage {
  const cap = options.maxObjectsPerScope ?? DEFAULT_MAX_OBJECTS_PER_SCOPE;
  if (!(cap === Number.POSITIVE_INFINITY || (Number.isInteger(cap) && cap >= 1))) {
    throw new RangeError(
      `memory storage: \`maxObjectsPerScope\` must be a positive integer or Infinity, not \`${String(cap)}\``,
    );
  }
  const onEvict = options.onEvict;
  const scopes = new Map<string, Scope>();

  function scopeOf(scope: EmulatorScope, create: true): Scope;
  function scopeOf(scope: EmulatorScope, create: false): Scope | undefined;
  function scopeOf(scope: EmulatorScope, create: boolean): Scope | undefined {
    const key = `${scope.livemode ? 'live' : 'test'}:${scope.account}`;
    let s = scopes.get(key);
    if (s === undefined && create) {
      s = {
        account: scope.account,
        livemode: scope.livemode,
        types: new Map(),
        order: new Map(),
        oldest: undefined,
        evicted: 0,
      };
      scopes.set(key, s);
    }
    return s;
  }

  function table(scope: EmulatorScope, type: string): Table | undefined {
    return scopeOf(scope, false)?.types.get(type);
  }

  /** Removes the scope's oldest object; answers what it was. */
  function evictOldest(s: Scope): { type: string; id: string } | undefined {
    s.oldest ??= s.order.keys();
    let next = s.oldest.next();
    if (next.done === true) {
      // Not expected (the walk passes evicted objects only); start again from the front.
      s.oldest = s.order.keys();
      next = s.oldest.next();
      if (next.done === true) return undefined;
    }
    const key = next.value;
    s.order.delete(key);
    const split = key.indexOf('\0');
    const type = key.slice(0, split);
    const id = key.slice(split + 1);
    const t = s.types.get(type);
    const entry = t?.byId.get(id);
    if (t !== undefined && entry !== undefined) {
      t.byId.delete(id);
      remove(t, entry);
    }
    s.evicted += 1;
    return { type, id };
  }

  return {
    get(scope, type, id) {
      return table(scope, type)?.byId.get(id)?.object;
    },

    put(scope, record: StoredRecord) {
      const s = scopeOf(scope, true);
      let t = s.types.get(record.type);
      if (t === undefined) {
        t = { byId: new Map(), ordered: [], head: 0 };
        s.types.set(record.type, t);
      }
      const entry: Entry = { id: record.id, created: record.created, object: deepFreeze(record.object) };
      const previous = t.byId.get(record.id);
      t.byId.set(record.id, entry);
      if (previous !== undefined) {
        const at = position(t, previous);
        if (previous.created === entry.created) {
          t.ordered[at] = entry;
          return;
        }
        remove(t, previous, at);
      } else {
        s.order.set(`${record.type}\0${record.id}`, true);
      }
      const last = t.ordered[t.ordered.length - 1];
      if (t.ordered.length === t.head || compare(last!, entry) < 0) t.ordered.push(entry);
      else t.ordered.splice(insertionPoint(t, entry), 0, entry);
      if (previous === undefined && s.order.size > cap) {
        const gone = evictOldest(s);
        if (gone !== undefined && onEvict !== undefined) {
          onEvict({ account: s.account, livemode: s.livemode, ...gone, count: s.evicted });
        }
      }
    },

    delete(scope, type, id) {
      const s = scopeOf(scope, false);
      const t = s?.types.get(type);
      const entry = t?.byId.get(id);
      if (s === undefined || t === undefined || entry === undefined) return false;
      t.byId.delete(id);
      remove(t, entry);
      s.order.delete(`${type}\0${id}`);
      return true;
    },

    list(scope, type, query: ListQuery): ListPage {
      const t = table(scope, type);
      if (t === undefined) return { data: [], hasMore: false };
      const matches = (entry: Entry): boolean => matchesQuery(entry, query);
      const out: StripeObject[] = [];
      if (query.endingBefore !== undefined) {
        const cursor = t.byId.get(query.endingBefore);
        if (cursor === undefined) return { data: [], hasMore: false };
        for (let i = position(t, cursor) + 1; i < t.ordered.length; i++) {
          const entry = t.ordered[i]!;
          if (!matches(entry)) continue;
          out.push(entry.object);
          if (out.length > query.limit) break;
        }
        const hasMore = out.length > query.limit;
        return { data: out.slice(0, query.limit).reverse(), hasMore };
      }
      let start = t.ordered.length - 1;
      if (query.startingAfter !== undefined) {
        const cursor = t.byId.get(query.startingAfter);
        if (cursor === undefined) return { data: [], hasMore: false };
        start = position(t, cursor) - 1;
      }
      for (let i = start; i >= t.head; i--) {
        const entry = t.ordered[i]!;
        if (!matches(entry)) continue;
        out.push(entry.object);
        if (out.length > query.limit) break;
      }
      const hasMore = out.length > query.limit;
      if (hasMore) out.pop();
      return { data: out, hasMore };
    },
  };
}

/** Takes `entry` (at index `at`, when known) out of the table's order. */
function remove(t: Table, entry: Entry, at: number = position(t, entry)): void {
  if (at !== t.head) {
    t.ordered.splice(at, 1);
    return;
  }
  // The oldest (as evictions take them): advance the head instead of moving every entry down.
  t.ordered[at] = undefined;
  t.head += 1;
  if (t.head === t.ordered.length) {
    t.ordered.length = 0;
    t.head = 0;
  } else if (t.head >= 1024 && t.head * 2 >= t.ordered.length) {
    t.ordered.splice(0, t.head);
    t.head = 0;
  }
}

function compare(a: Entry, b: Entry): number {
  if (a.created !== b.created) return a.created - b.created;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Index of the first entry (from the head) not less than `entry`. */
function insertionPoint(t: Table, entry: Entry): number {
  let lo = t.head;
  let hi = t.ordered.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(t.ordered[mid]!, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function position(t: Table, entry: Entry): number {
  const at = insertionPoint(t, entry);
  if (t.ordered[at]?.id !== entry.id) throw new Error(`memory storage index is inconsistent for ${entry.id}`);
  return at;
}

function matchesQuery(entry: Entry, query: ListQuery): boolean {
  const c = query.created;
  if (c !== undefined) {
    if (c.gt !== undefined && !(entry.created > c.gt)) return false;
    if (c.gte !== undefined && !(entry.created >= c.gte)) return false;
    if (c.lt !== undefined && !(entry.created < c.lt)) return false;
    if (c.lte !== undefined && !(entry.created <= c.lte)) return false;
  }
  if (query.where !== undefined) {
    for (const field in query.where) {
      if (!matchesCondition(entry.object[field], query.where[field]!)) return false;
    }
  }
  return true;
}

function matchesCondition(value: unknown, condition: FieldCondition): boolean {
  const actual = value === undefined ? null : value;
  switch (condition.op) {
    case 'eq':
      return actual === condition.value;
    case 'ne':
      return actual !== condition.value;
    case 'in':
      return condition.values.includes(actual as never);
    case 'prefix':
      return typeof actual === 'string' && actual.startsWith(condition.value);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

import type {
  EmulatorScope,
  EmulatorStorage,
  FieldCondition,
  ListPage,
  ListQuery,
  StoredRecord,
  StripeObject,
} from './storage.js';

interface Entry {
  readonly id: string;
  readonly created: number;
  readonly object: StripeObject;
}

interface Table {
  readonly byId: Map<string, Entry>;
  /** Ascending by (created, id); lists walk it from the end. */
  readonly ordered: Entry[];
}

/**
 * An in-memory {@link EmulatorStorage}: one ordered table per scope and type. Stored
 * objects are deep-frozen, so a handler that mutates what it read fails loudly instead
 * of changing stored state behind the storage's back.
 * @example
 * const emulator = createEmulator({ storage: createMemoryStorage() });
 */
export function createMemoryStorage(): EmulatorStorage {
  const scopes = new Map<string, Map<string, Table>>();

  function table(scope: EmulatorScope, type: string, create: true): Table;
  function table(scope: EmulatorScope, type: string, create: false): Table | undefined;
  function table(scope: EmulatorScope, type: string, create: boolean): Table | undefined {
    const key = `${scope.livemode ? 'live' : 'test'}:${scope.account}`;
    let types = scopes.get(key);
    if (types === undefined) {
      if (!create) return undefined;
      types = new Map();
      scopes.set(key, types);
    }
    let t = types.get(type);
    if (t === undefined && create) {
      t = { byId: new Map(), ordered: [] };
      types.set(type, t);
    }
    return t;
  }

  return {
    get(scope, type, id) {
      return table(scope, type, false)?.byId.get(id)?.object;
    },

    put(scope, record: StoredRecord) {
      const t = table(scope, record.type, true);
      const entry: Entry = { id: record.id, created: record.created, object: deepFreeze(record.object) };
      const previous = t.byId.get(record.id);
      t.byId.set(record.id, entry);
      if (previous !== undefined) {
        const at = position(t.ordered, previous);
        if (previous.created === entry.created) {
          t.ordered[at] = entry;
          return;
        }
        t.ordered.splice(at, 1);
      }
      const last = t.ordered[t.ordered.length - 1];
      if (last === undefined || compare(last, entry) < 0) t.ordered.push(entry);
      else t.ordered.splice(insertionPoint(t.ordered, entry), 0, entry);
    },

    delete(scope, type, id) {
      const t = table(scope, type, false);
      const entry = t?.byId.get(id);
      if (t === undefined || entry === undefined) return false;
      t.byId.delete(id);
      t.ordered.splice(position(t.ordered, entry), 1);
      return true;
    },

    list(scope, type, query: ListQuery): ListPage {
      const t = table(scope, type, false);
      if (t === undefined) return { data: [], hasMore: false };
      const matches = (entry: Entry): boolean => matchesQuery(entry, query);
      const out: StripeObject[] = [];
      if (query.endingBefore !== undefined) {
        const cursor = t.byId.get(query.endingBefore);
        if (cursor === undefined) return { data: [], hasMore: false };
        for (let i = position(t.ordered, cursor) + 1; i < t.ordered.length; i++) {
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
        start = position(t.ordered, cursor) - 1;
      }
      for (let i = start; i >= 0; i--) {
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

function compare(a: Entry, b: Entry): number {
  if (a.created !== b.created) return a.created - b.created;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Index of the first entry not less than `entry`. */
function insertionPoint(ordered: readonly Entry[], entry: Entry): number {
  let lo = 0;
  let hi = ordered.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(ordered[mid]!, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function position(ordered: readonly Entry[], entry: Entry): number {
  const at = insertionPoint(ordered, entry);
  if (ordered[at]?.id !== entry.id) throw new Error(`memory storage index is inconsistent for ${entry.id}`);
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

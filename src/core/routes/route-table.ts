import { AppscopeError } from '../../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import { didYouMean } from '../did-you-mean.js';
import { formatIssues, type Issue } from '../issues.js';
import { type Requirement, type RequirementGroup, requirementGroup } from '../requirement.js';
import { fromZodIssues } from '../zod-issues.js';
import {
  type ExpansionRuleEntry,
  HTTP_METHODS,
  type HttpMethod,
  type RouteEntry,
  type RouteTableFile,
  routeTableFileSchema,
  type TypeEntry,
} from './format.js';

/** Expand paths with more segments than this are refused (Stripe itself expands at most four levels). */
export const MAX_EXPAND_SEGMENTS = 8;
/** Distinct expand combinations remembered per route; the cache is emptied when it fills. */
const EXPAND_CACHE_SIZE = 256;
/** Expand strings longer than this are resolved but not cached. */
const EXPAND_CACHE_KEY_LIMIT = 1024;

/** One endpoint of a compiled route table. */
export interface CompiledRoute {
  readonly method: HttpMethod;
  /** The path template, e.g. `/v1/customers/{customer}`. */
  readonly path: string;
  /** The OpenAPI operationId, e.g. `GetCustomersCustomer`. */
  readonly operation: string;
  /** The resource type whose permissions cover this route, when one does. */
  readonly resource: string | undefined;
  /** Type names of the response; `expand` paths start from these. */
  readonly response: readonly string[];
  /** False when no permission can allow this endpoint (the requirement is never satisfiable). */
  readonly available: boolean;
  /** The requirement of a request without `expand`. */
  readonly requirement: Requirement;
  /** Whether the body may be `multipart/form-data` (a file upload) as well as a form. */
  readonly multipart: boolean;
}

/** What expanding adds to a route's requirement, cached per route and expand string. */
export interface ExpandedRequirement {
  readonly requirement: Requirement;
  /** The distinct expand paths, decoded, in request order. */
  readonly expand: readonly string[];
}

interface MutableRoute extends CompiledRoute {
  /** the table that compiled this route, so that foreign routes are refused with a pointer compare */
  owner: RouteTable | undefined;
  readonly expandCache: Map<string, ExpandedRequirement>;
  /** the most recent expansion, checked before the map (one string compare, no hashing) */
  lastKey: string | undefined;
  lastExpansion: ExpandedRequirement | undefined;
}

interface TrieNode {
  statics: Map<string, TrieNode> | undefined;
  /** static children by first character code, for nodes without a parameter child */
  byFirst: (StaticChild[] | undefined)[] | undefined;
  /** static children by segment length, for nodes with a parameter child */
  byLength: (StaticChild[] | undefined)[] | undefined;
  param: TrieNode | undefined;
  route: MutableRoute | undefined;
}

interface StaticChild {
  readonly name: string;
  /** the name's first character code, checked before the name is compared whole */
  readonly first: number;
  readonly node: TrieNode;
}

interface CompiledField {
  /** types the field expands to (undefined: not expandable) */
  readonly expand: readonly string[] | undefined;
  readonly rule: ExpansionRuleEntry | undefined;
  /** types inside the field, for walking through it */
  readonly nested: readonly string[] | undefined;
}

interface CompiledType {
  readonly read: readonly string[] | undefined;
  readonly unavailable: string | undefined;
  readonly fields: ReadonlyMap<string, CompiledField>;
}

export type RouteTableValidation =
  | { readonly ok: true; readonly file: RouteTableFile; readonly issues: readonly Issue[] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/**
 * Validates a parsed route table against a catalog and reports every problem: structure,
 * duplicate or conflicting routes, malformed path templates, routes with neither or both of
 * `anyOf` and `unavailable`, permissions the catalog does not know (with did-you-mean), and
 * type references that lead nowhere.
 * @example
 * const result = validateRouteTable(JSON.parse(text), catalog);
 * if (!result.ok) console.error(formatIssues(result.issues));
 */
export function validateRouteTable(document: unknown, catalog: Catalog): RouteTableValidation {
  const parsed = routeTableFileSchema.safeParse(document, { reportInput: true });
  if (!parsed.success) {
    return {
      ok: false,
      issues: fromZodIssues(parsed.error.issues).map(({ severity, code, path, message }) => ({
        severity,
        code,
        path,
        message,
      })),
    };
  }
  const file = parsed.data;
  const issues: Issue[] = [];
  const checkPermissions = (names: readonly string[] | undefined, path: string): void => {
    (names ?? []).forEach((name, i) => {
      if (catalog.has(name)) return;
      const suggestion = catalog.suggest(name);
      issues.push({
        severity: 'error',
        code: 'unknown_permission',
        path: `${path}[${i}]`,
        message: `permission \`${name}\` is not in catalog \`${catalog.name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
        ...(suggestion ? { suggestion } : {}),
      });
    });
  };

  const seen = new Map<string, number>();
  const shapes = new Map<string, number>();
  file.routes.forEach((route, i) => {
    const where = `routes[${i}]`;
    const id = `${route.method} ${route.path}`;
    const previous = seen.get(id);
    if (previous !== undefined) {
      issues.push({
        severity: 'error',
        code: 'duplicate_route',
        path: where,
        message: `route \`${id}\` is already defined at routes[${previous}]`,
      });
    } else seen.set(id, i);
    const segments = route.path.split('/').slice(1);
    const badSegment = segments.find((s) => s === '' || (s.includes('{') && !/^\{[^{}/]+\}$/.test(s)));
    if (badSegment !== undefined) {
      issues.push({
        severity: 'error',
        code: 'invalid_path',
        path: `${where}.path`,
        message: `path \`${route.path}\` has ${badSegment === '' ? 'an empty segment' : `a malformed segment \`${badSegment}\``}; use \`/a/{param}/b\``,
      });
    }
    const shape = `${route.method} ${segments.map((s) => (s.startsWith('{') ? '{}' : s)).join('/')}`;
    const sameShape = shapes.get(shape);
    if (sameShape !== undefined && previous === undefined) {
      issues.push({
        severity: 'error',
        code: 'conflicting_route',
        path: `${where}.path`,
        message: `route \`${id}\` matches the same requests as routes[${sameShape}] (\`${file.routes[sameShape]!.path}\`)`,
      });
    } else shapes.set(shape, i);
    if ((route.anyOf === undefined) === (route.unavailable === undefined)) {
      issues.push({
        severity: 'error',
        code: 'invalid_route',
        path: where,
        message: `route \`${id}\` must have exactly one of \`anyOf\` and \`unavailable\``,
      });
    }
    checkPermissions(route.anyOf, `${where}.anyOf`);
  });

  for (const [name, entry] of Object.entries(file.types)) {
    const where = `types[${JSON.stringify(name)}]`;
    if (entry.read !== undefined && entry.unavailable !== undefined) {
      issues.push({
        severity: 'error',
        code: 'invalid_type',
        path: where,
        message: `type \`${name}\` has both \`read\` and \`unavailable\``,
      });
    }
    checkPermissions(entry.read, `${where}.read`);
    for (const [field, targets] of Object.entries(entry.expand ?? {})) {
      const rule = entry.expandRules?.[field];
      if (rule !== undefined) continue;
      if (targets.length === 0) {
        issues.push({
          severity: 'error',
          code: 'invalid_type',
          path: `${where}.expand.${field}`,
          message: `\`${name}.${field}\` expands to no type (a value included on request) and has no \`expandRules\` entry saying who may include it`,
        });
      }
      for (const target of targets) {
        const targetEntry = Object.hasOwn(file.types, target) ? file.types[target] : undefined;
        if (targetEntry?.read === undefined && targetEntry?.unavailable === undefined) {
          issues.push({
            severity: 'error',
            code: 'unknown_type',
            path: `${where}.expand.${field}`,
            message: `\`${name}.${field}\` expands to \`${target}\`, which has no \`read\` or \`unavailable\` entry in \`types\``,
          });
        }
      }
    }
    for (const [field, rule] of Object.entries(entry.expandRules ?? {})) {
      if (entry.expand?.[field] === undefined) {
        issues.push({
          severity: 'error',
          code: 'invalid_expand_rule',
          path: `${where}.expandRules.${field}`,
          message: `\`${name}.${field}\` has an expand rule but is not in \`expand\``,
        });
      }
      if ('anyOf' in rule) checkPermissions(rule.anyOf, `${where}.expandRules.${field}.anyOf`);
    }
    for (const [field, targets] of Object.entries(entry.nested ?? {})) {
      for (const target of targets) {
        if (!Object.hasOwn(file.types, target)) {
          issues.push({
            severity: 'error',
            code: 'unknown_type',
            path: `${where}.nested.${field}`,
            message: `\`${name}.${field}\` holds \`${target}\`, which is not in \`types\``,
          });
        }
      }
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, file, issues };
}

/**
 * A compiled route table: a segment trie per method (static children in a `Map`, indexed by
 * first character or by length for the hot path, and one parameter child; static segments
 * win, with backtracking), each route's requirement precomputed, and the expansion graph for
 * `expand[]`. Build one with
 * {@link RouteTable.compile} or use `defaultRouteTable()`.
 * @example
 * const table = RouteTable.compile(file, catalog);
 * table.match('GET', '/v1/customers/cus_123')?.path; // '/v1/customers/{customer}'
 */
export class RouteTable {
  readonly name: string;
  readonly source: string | undefined;
  readonly catalog: Catalog;
  readonly routes: readonly CompiledRoute[];
  readonly #roots = new Map<string, TrieNode>();
  // the common methods' roots in fields: a comparison of interned strings beats a map lookup
  #get: TrieNode | undefined;
  #post: TrieNode | undefined;
  #delete: TrieNode | undefined;
  readonly #types: ReadonlyMap<string, CompiledType>;
  readonly #byId: ReadonlyMap<string, MutableRoute>;

  private constructor(file: RouteTableFile, catalog: Catalog) {
    this.name = file.name;
    this.source = file.source;
    this.catalog = catalog;
    const routes = file.routes.map((entry) => compileRoute(entry, catalog));
    this.routes = Object.freeze(routes);
    this.#byId = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
    for (const route of routes) route.owner = this;
    for (const route of routes) this.#insert(route);
    for (const root of this.#roots.values()) finalizeNode(root);
    this.#get = this.#roots.get('GET');
    this.#post = this.#roots.get('POST');
    this.#delete = this.#roots.get('DELETE');
    const types = new Map<string, CompiledType>();
    for (const [name, entry] of Object.entries(file.types)) types.set(name, compileType(entry));
    this.#types = types;
  }

  /**
   * Validates and compiles a route table against a catalog. Throws `ERR_ROUTE_TABLE_INVALID`
   * listing every problem (see {@link validateRouteTable}).
   * @example
   * const table = RouteTable.compile(generateRouteTable(openapi, mapping), catalog, 'my-api');
   */
  static compile(document: unknown, catalog: Catalog, source = 'route table'): RouteTable {
    const result = validateRouteTable(document, catalog);
    if (!result.ok) {
      const n = result.issues.length;
      throw new AppscopeError(
        'ERR_ROUTE_TABLE_INVALID',
        `route table \`${source}\` is invalid (${n} problem${n === 1 ? '' : 's'}):\n${formatIssues(result.issues)}`,
        { issues: result.issues },
      );
    }
    return new RouteTable(result.file, catalog);
  }

  /** The route with this method and path template, e.g. `('GET', '/v1/customers/{customer}')`. */
  route(method: string, template: string): CompiledRoute | undefined {
    return this.#byId.get(`${method.toUpperCase()} ${template}`);
  }

  /**
   * The route a request path matches, or undefined. `method` must be upper case (`HEAD` is
   * not mapped here; see `resolveRequest`). Only `path[0, end)` is read, so a query string can
   * stay attached. Segments containing `%` are percent-decoded before matching; empty, `.` and
   * `..` segments never match a parameter.
   */
  match(method: string, path: string, end: number = path.length): CompiledRoute | undefined {
    const root =
      method === 'GET'
        ? this.#get
        : method === 'POST'
          ? this.#post
          : method === 'DELETE'
            ? this.#delete
            : this.#roots.get(method);
    if (root === undefined) return undefined;
    const percent = path.indexOf('%');
    if (percent < 0 || percent >= end) return matchNode(root, path, 0, end);
    return matchEscaped(root, path.slice(0, end));
  }

  /** Methods that have a route matching `path`, for "`/v1/customers` accepts GET, POST". */
  methodsFor(path: string): HttpMethod[] {
    return HTTP_METHODS.filter((method) => this.match(method, path) !== undefined);
  }

  /** The route template closest to a path that matched nothing, as `METHOD /template`. */
  suggest(method: string, path: string): string | undefined {
    const segments = path.split('/');
    const instantiate = (template: string): string => {
      const parts = template.split('/');
      if (parts.length !== segments.length) return template;
      return parts.map((p, i) => (p.startsWith('{') ? segments[i]! : p)).join('/');
    };
    for (const sameMethod of [true, false]) {
      const candidates = new Map<string, CompiledRoute>();
      for (const route of this.routes) {
        if ((route.method === method) !== sameMethod) continue;
        const key = instantiate(route.path);
        if (!candidates.has(key)) candidates.set(key, route);
      }
      const best = didYouMean(path, candidates.keys());
      if (best !== undefined) {
        const route = candidates.get(best)!;
        return `${route.method} ${route.path}`;
      }
    }
    return undefined;
  }

  /**
   * The requirement of a route with these (decoded) expand paths: the route's own group,
   * then one group per expanded segment (`data.customer.default_source` adds `customer` and
   * `default_source`). Throws `ERR_INVALID_EXPAND` for a path that cannot be expanded.
   * Results are cached per route and `cacheKey` when one is given.
   */
  expand(route: CompiledRoute, paths: readonly string[], cacheKey?: string): ExpandedRequirement {
    const own = route as MutableRoute;
    if (own.owner !== this) throw new RangeError('route is not from this table');
    if (cacheKey !== undefined) {
      const hit = this.cachedExpansion(route, cacheKey);
      if (hit !== undefined) return hit;
    }
    const groups: RequirementGroup[] = [...route.requirement];
    const expanded = new Set<string>(); // prefixes that already have their group
    const requested = new Set<string>();
    for (const path of paths) {
      if (requested.has(path)) continue;
      requested.add(path);
      this.#walk(route, path, groups, expanded);
    }
    const expand = [...requested];
    const result: ExpandedRequirement = Object.freeze({
      requirement: Object.freeze(groups),
      expand: Object.freeze(expand),
    });
    if (cacheKey !== undefined && cacheKey.length <= EXPAND_CACHE_KEY_LIMIT) {
      if (own.expandCache.size >= EXPAND_CACHE_SIZE) own.expandCache.clear();
      own.expandCache.set(cacheKey, result);
      own.lastKey = cacheKey;
      own.lastExpansion = result;
    }
    return result;
  }

  /** A result {@link RouteTable.expand} cached for this route and key, if any. */
  cachedExpansion(route: CompiledRoute, cacheKey: string): ExpandedRequirement | undefined {
    const own = route as MutableRoute;
    if (own.owner !== this) return undefined;
    if (own.lastKey === cacheKey) return own.lastExpansion;
    const hit = own.expandCache.get(cacheKey);
    if (hit !== undefined) {
      own.lastKey = cacheKey;
      own.lastExpansion = hit;
    }
    return hit;
  }

  #walk(route: CompiledRoute, path: string, groups: RequirementGroup[], seen: Set<string>): void {
    const fail = (why: string): never => {
      throw new AppscopeError(
        'ERR_INVALID_EXPAND',
        `cannot expand \`${path}\` on \`${route.method} ${route.path}\`: ${why}`,
      );
    };
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_SEGMENTS) fail(`more than ${MAX_EXPAND_SEGMENTS} levels`);
    let current: readonly string[] = route.response;
    let prefix = '';
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      prefix = i === 0 ? segment : `${prefix}.${segment}`;
      if (segment === '') fail(path === '' ? 'the path is empty' : 'it has an empty field name');
      const owners: [string, CompiledField][] = [];
      for (const type of current) {
        const field = this.#types.get(type)?.fields.get(segment);
        if (field !== undefined) owners.push([type, field]);
      }
      if (owners.length === 0) fail(this.#notAField(route, current, segment, i === 0 ? path : undefined));
      const expandable = owners.filter(([, f]) => f.expand !== undefined);
      if (expandable.length === 0 && i === segments.length - 1) {
        const inner = owners.flatMap(([, f]) => f.nested ?? []);
        const example = this.#firstExpandable(inner);
        fail(
          `\`${segment}\` is not expandable itself${example ? `; expand a field inside it, such as \`${prefix}.${example}\`` : ''}`,
        );
      }
      if (expandable.length > 0 && !seen.has(prefix)) {
        seen.add(prefix);
        groups.push(this.#expandGroup(prefix, expandable));
      }
      const next = new Set<string>();
      for (const [, field] of owners) for (const t of field.nested ?? field.expand ?? []) next.add(t);
      if (next.size === 0 && i < segments.length - 1) {
        fail(`\`${prefix}\` is a value, not an object: nothing inside it can be expanded`);
      }
      current = [...next];
    }
  }

  #expandGroup(prefix: string, owners: readonly [string, CompiledField][]): RequirementGroup {
    const anyOf = new Set<string>();
    const denied: string[] = [];
    const notes: string[] = [];
    for (const [type, field] of owners) {
      const rule = field.rule;
      if (rule !== undefined) {
        if ('anyOf' in rule) {
          for (const name of rule.anyOf) anyOf.add(name);
          if (rule.note !== undefined) notes.push(rule.note);
        } else denied.push(`${rule.unavailable} (\`${type}.${prefix.slice(prefix.lastIndexOf('.') + 1)}\`)`);
        continue;
      }
      for (const target of field.expand ?? []) {
        const entry = this.#types.get(target);
        if (entry?.read !== undefined) for (const name of entry.read) anyOf.add(name);
        else denied.push(`${entry?.unavailable ?? 'no permission covers it'} (\`${target}\`)`);
      }
    }
    if (anyOf.size === 0) {
      return requirementGroup(
        this.catalog,
        [],
        `expand \`${prefix}\` is not available to apps: ${[...new Set(denied)].join('; ')}`,
      );
    }
    const note = notes.length > 0 ? `: ${[...new Set(notes)].join('; ')}` : '';
    return requirementGroup(this.catalog, [...anyOf], `expand \`${prefix}\`${note}`);
  }

  #notAField(route: CompiledRoute, current: readonly string[], segment: string, whole?: string): string {
    const fields = new Set<string>();
    for (const type of current) for (const f of this.#types.get(type)?.fields.keys() ?? []) fields.add(f);
    const label = current.length === 0 ? 'the response' : current.map((t) => `\`${t}\``).join(' or ');
    if (fields.size === 0) {
      return current.length === 0 || current === route.response
        ? `\`${route.method} ${route.path}\` has no expandable fields`
        : `${label} has no expandable fields`;
    }
    if (whole !== undefined && fields.has('data') && current.every((t) => t.startsWith('list<'))) {
      return `\`${segment}\` is not a field of ${label}; a list expands fields of its items, such as \`data.${whole}\``;
    }
    const suggestion = didYouMean(segment, fields);
    return `\`${segment}\` is not a field of ${label} that can be expanded${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`;
  }

  #firstExpandable(types: readonly string[]): string | undefined {
    for (const type of types) {
      for (const [name, field] of this.#types.get(type)?.fields ?? [])
        if (field.expand !== undefined) return name;
    }
    return undefined;
  }

  #insert(route: MutableRoute): void {
    let node = this.#roots.get(route.method);
    if (node === undefined) {
      node = newNode();
      this.#roots.set(route.method, node);
    }
    for (const segment of route.path.split('/').slice(1)) {
      if (segment.startsWith('{')) {
        node.param ??= newNode();
        node = node.param;
      } else {
        node.statics ??= new Map();
        let child = node.statics.get(segment);
        if (child === undefined) {
          child = newNode();
          node.statics.set(segment, child);
        }
        node = child;
      }
    }
    node.route = route;
  }
}

function newNode(): TrieNode {
  return { statics: undefined, byFirst: undefined, byLength: undefined, param: undefined, route: undefined };
}

/**
 * Indexes every node's static children for {@link matchNode}: by first character when the node
 * has no parameter child (the segment's end need not be found), else by segment length.
 */
function finalizeNode(node: TrieNode): void {
  if (node.statics !== undefined) {
    const buckets: StaticChild[][] = [];
    for (const [name, child] of node.statics) {
      const key = node.param === undefined ? name.charCodeAt(0) : name.length;
      const bucket = buckets[key] ?? [];
      bucket.push({ name, first: name.charCodeAt(0), node: child });
      buckets[key] = bucket;
      finalizeNode(child);
    }
    if (node.param === undefined) node.byFirst = buckets;
    else node.byLength = buckets;
  }
  if (node.param !== undefined) finalizeNode(node.param);
}

/**
 * The hot path: no regexes, and a segment is cut out only to compare it whole (with `===`,
 * which beats a character loop) against a static child that starts with the same character.
 * Where there is no parameter child, candidates are found by first character and checked for a
 * `/` (or the end) right after them, so the segment's end is never searched for. Static
 * children win; when one leads nowhere the parameter child is tried (backtracking).
 */
function matchNode(node: TrieNode, path: string, pos: number, end: number): MutableRoute | undefined {
  for (;;) {
    if (pos >= end) return node.route;
    if (path.charCodeAt(pos) !== 47 /* / */) return undefined;
    const start = pos + 1;
    const byFirst = node.byFirst;
    if (byFirst !== undefined) {
      const candidates = start < end ? byFirst[path.charCodeAt(start)] : undefined;
      if (candidates === undefined) return undefined;
      let matched: StaticChild | undefined;
      for (let i = 0; i < candidates.length; i++) {
        const child = candidates[i]!;
        const stop = start + child.name.length;
        if (stop > end || (stop < end && path.charCodeAt(stop) !== 47)) continue;
        if (path.slice(start, stop) !== child.name) continue;
        matched = child;
        break;
      }
      if (matched === undefined) return undefined;
      node = matched.node;
      pos = start + matched.name.length;
      continue;
    }
    let next = path.indexOf('/', start);
    if (next < 0 || next > end) next = end;
    const length = next - start;
    const byLength = node.byLength;
    if (byLength !== undefined && length < byLength.length) {
      const bucket = byLength[length];
      if (bucket !== undefined) {
        const first = path.charCodeAt(start);
        let segment: string | undefined;
        for (let i = 0; i < bucket.length; i++) {
          const child = bucket[i]!;
          if (child.first !== first) continue;
          segment ??= path.slice(start, next);
          if (segment !== child.name) continue;
          const found = matchNode(child.node, path, next, end);
          if (found !== undefined) return found;
          break;
        }
      }
    }
    const param = node.param;
    if (param === undefined || length === 0) return undefined;
    if (length <= 2 && path.charCodeAt(start) === 46 && (length === 1 || path.charCodeAt(start + 1) === 46)) {
      return undefined; // `.` and `..` are never parameters
    }
    node = param;
    pos = next;
  }
}

/** Matching a path with `%` escapes: each segment is decoded first, then looked up by name. */
function matchDecoded(node: TrieNode, segments: readonly string[], index: number): MutableRoute | undefined {
  if (index === segments.length) return node.route;
  const segment = segments[index]!;
  const child = node.statics?.get(segment);
  if (child !== undefined) {
    const found = matchDecoded(child, segments, index + 1);
    if (found !== undefined) return found;
  }
  if (node.param === undefined || segment === '' || segment === '.' || segment === '..') return undefined;
  return matchDecoded(node.param, segments, index + 1);
}

/** A path segment percent-decoded; a malformed escape is left as it is (it then matches no id). */
function decodeSegment(segment: string): string {
  if (segment.indexOf('%') < 0) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchEscaped(root: TrieNode, path: string): MutableRoute | undefined {
  if (!path.startsWith('/')) return undefined;
  const segments = path.slice(1).split('/').map(decodeSegment);
  // an encoded slash: never guess which route upstream would see
  if (segments.some((segment) => segment.includes('/'))) return undefined;
  return matchDecoded(root, segments, 0);
}

function compileRoute(entry: RouteEntry, catalog: Catalog): MutableRoute {
  const id = `${entry.method} ${entry.path}`;
  let group: RequirementGroup;
  if (entry.unavailable !== undefined) {
    group = requirementGroup(catalog, [], `${id} is not available to apps: ${entry.unavailable}`);
  } else {
    const verb = entry.method === 'GET' ? 'reads' : 'writes';
    const what = entry.resource === undefined ? '' : ` ${verb} ${entry.resource}`;
    group = requirementGroup(catalog, entry.anyOf ?? [], entry.note ?? `${id}${what}`);
  }
  return {
    method: entry.method,
    path: entry.path,
    operation: entry.operation,
    resource: entry.resource,
    response: Object.freeze([...entry.response]),
    available: entry.unavailable === undefined,
    requirement: Object.freeze([group]),
    multipart: entry.body === 'multipart',
    owner: undefined,
    expandCache: new Map(),
    lastKey: undefined,
    lastExpansion: undefined,
  };
}

function compileType(entry: TypeEntry): CompiledType {
  const fields = new Map<string, CompiledField>();
  const names = new Set([...Object.keys(entry.expand ?? {}), ...Object.keys(entry.nested ?? {})]);
  for (const name of names) {
    fields.set(name, {
      expand: entry.expand?.[name],
      rule: entry.expandRules?.[name],
      nested: entry.nested?.[name],
    });
  }
  return { read: entry.read, unavailable: entry.unavailable, fields };
}

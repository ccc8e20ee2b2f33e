import { AppscopeError } from '../../errors.js';
import type { Access, Catalog } from '../catalog/catalog.js';
import { formatIssues, type Issue } from '../issues.js';
import type { ExpansionRuleEntry, HttpMethod, RouteEntry, RouteTableFile, TypeEntry } from './format.js';
import type { OpenApiSupplement, ResourceMapping, ResourcePermissions, RouteRule } from './mapping.js';

/** Options for {@link generateRouteTable}. */
export interface GenerateOptions {
  /**
   * What to do when an operation's or an expandable field's resource type has no mapping:
   * `error` (the default) throws `ERR_ROUTE_MAPPING_INVALID` listing every one, so that a
   * mapping is complete; `unavailable` makes them unavailable to apps (deny by default).
   */
  readonly unmapped?: 'error' | 'unavailable';
  /** When given, every permission the mapping names must exist in this catalog. */
  readonly catalog?: Catalog;
}

type Json = Record<string, unknown>;

const OPENAPI_METHODS: readonly [string, HttpMethod][] = [
  ['get', 'GET'],
  ['post', 'POST'],
  ['put', 'PUT'],
  ['patch', 'PATCH'],
  ['delete', 'DELETE'],
];
const METHOD_ORDER: Readonly<Record<HttpMethod, number>> = { GET: 0, POST: 1, PUT: 2, PATCH: 3, DELETE: 4 };
const REF_PREFIX = '#/components/schemas/';

/**
 * Derives a route table from an OpenAPI 3 document and a hand-written mapping of resource
 * types to permissions. Works for any OpenAPI 3 document that follows the conventions in
 * docs/routes.md (responses as `$ref`s to component schemas, lists as objects with a `data`
 * array, expandable fields as `x-expandableFields` / `x-expansionResources` or
 * `anyOf: [string id, $ref…]`). The result is deterministic: routes sorted by path then
 * method, types and fields by name. Throws `ERR_OPENAPI_INVALID` when the document is not
 * usable and `ERR_ROUTE_MAPPING_INVALID` listing every gap or stale rule in the mapping.
 * @example
 * const file = generateRouteTable(openapi, { name: 'notes-api', resources: { note: { read: 'note_read', write: 'note_write' } } });
 * const table = RouteTable.compile(file, catalog);
 */
export function generateRouteTable(
  openapi: unknown,
  mapping: ResourceMapping,
  options: GenerateOptions = {},
): RouteTableFile {
  return new Generator(openapi, mapping, options).run();
}

/**
 * Serializes a route table deterministically: two-space JSON with one line per route and per
 * type, so that a regenerated table diffs line by line.
 * @example
 * writeFileSync('catalogs/my-api-routes.json', serializeRouteTable(generateRouteTable(openapi, mapping)));
 */
export function serializeRouteTable(file: RouteTableFile): string {
  const head: Json = {};
  if (file.$schema !== undefined) head['$schema'] = file.$schema;
  head['formatVersion'] = file.formatVersion;
  head['name'] = file.name;
  if (file.source !== undefined) head['source'] = file.source;
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  const routes = file.routes.map((r) => `    ${JSON.stringify(r)}`);
  const typeNames = Object.keys(file.types).sort();
  const types = typeNames.map((t) => `    ${JSON.stringify(t)}: ${JSON.stringify(file.types[t])}`);
  return [
    '{',
    ...lines,
    '  "routes": [',
    routes.join(',\n'),
    '  ],',
    '  "types": {',
    types.join(',\n'),
    '  }',
    '}',
    '',
  ].join('\n');
}

interface NodeInfo {
  /** expandable field → the types it expands to (none for a value included only on request) */
  readonly expand: Map<string, string[]>;
  readonly nested: Map<string, string[]>;
  /** fields whose value is an inline list: expanding them includes the list */
  readonly includable: Set<string>;
}

class Generator {
  readonly #doc: Json;
  readonly #mapping: ResourceMapping;
  readonly #unmapped: 'error' | 'unavailable';
  readonly #catalog: Catalog | undefined;
  readonly #schemas: Record<string, Json>;
  /** synthetic (inline) schemas by their generated name */
  readonly #inline = new Map<string, Json>();
  /** list node → its item types */
  readonly #listItems = new Map<string, string[]>();
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #issues: Issue[] = [];
  readonly #usedRules = new Set<string>();

  constructor(openapi: unknown, mapping: ResourceMapping, options: GenerateOptions) {
    if (!isObject(openapi) || !isObject(openapi['paths'])) {
      throw new AppscopeError(
        'ERR_OPENAPI_INVALID',
        'not an OpenAPI 3 document: expected an object with `paths`',
      );
    }
    const version = openapi['openapi'];
    if (typeof version !== 'string' || !version.startsWith('3.')) {
      throw new AppscopeError(
        'ERR_OPENAPI_INVALID',
        `not an OpenAPI 3 document: \`openapi\` is ${typeof version === 'string' ? `\`${version}\`` : 'missing'}`,
      );
    }
    this.#doc = mapping.supplement === undefined ? openapi : this.#supplemented(openapi, mapping.supplement);
    this.#mapping = mapping;
    this.#unmapped = options.unmapped ?? 'error';
    this.#catalog = options.catalog;
    const components = this.#doc['components'];
    const schemas = isObject(components) ? components['schemas'] : undefined;
    this.#schemas = isObject(schemas) ? (schemas as Record<string, Json>) : {};
  }

  run(): RouteTableFile {
    this.#checkPermissions();
    const routes = this.#routes();
    const types = this.#types(routes);
    // synthetic names of inline responses mean nothing outside the table unless they lead somewhere
    for (const route of routes) {
      route.response = route.response.filter(
        (t) => Object.hasOwn(this.#schemas, t) || Object.hasOwn(types, t) || t.startsWith('list<'),
      );
    }
    this.#checkUnusedRules();
    const errors = this.#issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) {
      const n = errors.length;
      throw new AppscopeError(
        'ERR_ROUTE_MAPPING_INVALID',
        `mapping \`${this.#mapping.name}\` does not cover the OpenAPI document (${n} problem${n === 1 ? '' : 's'}):\n${formatIssues(errors)}`,
        { issues: errors },
      );
    }
    const file: RouteTableFile = { formatVersion: 1, name: this.#mapping.name, routes, types };
    const supplement = this.#mapping.supplement;
    const sources = [
      this.#mapping.source,
      supplement === undefined ? undefined : `supplement: ${supplement.source}`,
    ].filter(isString);
    if (sources.length > 0) file.source = sources.join('; ');
    return file;
  }

  /**
   * The document with the supplement's operations and schemas added (the input is not
   * changed). An operation or schema the document already has is a `supplement_conflict`.
   */
  #supplemented(doc: Json, supplement: OpenApiSupplement): Json {
    const paths: Json = { ...(doc['paths'] as Json) };
    for (const [path, item] of Object.entries(supplement.paths)) {
      const existing = paths[path];
      if (!isObject(item)) {
        this.#error(
          'supplement_invalid',
          `supplement.paths[${JSON.stringify(path)}]`,
          'not a path item object',
        );
        continue;
      }
      if (isObject(existing)) {
        for (const [key, method] of OPENAPI_METHODS) {
          if (item[key] !== undefined && existing[key] !== undefined) {
            this.#error(
              'supplement_conflict',
              `supplement.paths[${JSON.stringify(path)}].${key}`,
              `the OpenAPI document already describes \`${method} ${path}\`: remove it from the supplement`,
            );
          }
        }
      }
      // on a conflict the document's own operation stays
      paths[path] = isObject(existing) ? { ...item, ...existing } : item;
    }
    const components = isObject(doc['components']) ? doc['components'] : {};
    const schemas: Json = { ...(isObject(components['schemas']) ? components['schemas'] : {}) };
    for (const [name, schema] of Object.entries(supplement.schemas ?? {})) {
      if (Object.hasOwn(schemas, name)) {
        this.#error(
          'supplement_conflict',
          `supplement.schemas[${JSON.stringify(name)}]`,
          `the OpenAPI document already has a schema \`${name}\`: remove it from the supplement`,
        );
        continue;
      }
      schemas[name] = schema;
    }
    return { ...doc, paths, components: { ...components, schemas } };
  }

  // ---- routes ---------------------------------------------------------------------------

  #routes(): RouteEntry[] {
    const routes: RouteEntry[] = [];
    const paths = this.#doc['paths'] as Json;
    for (const path of Object.keys(paths).sort()) {
      const item = paths[path];
      if (!isObject(item)) continue;
      for (const [key, method] of OPENAPI_METHODS) {
        const operation = item[key];
        if (!isObject(operation)) continue;
        routes.push(this.#route(method, path, operation));
      }
    }
    routes.sort((a, b) =>
      a.path === b.path ? METHOD_ORDER[a.method] - METHOD_ORDER[b.method] : a.path < b.path ? -1 : 1,
    );
    return routes.map(orderRoute);
  }

  #route(method: HttpMethod, path: string, operation: Json): RouteEntry {
    const operationId =
      typeof operation['operationId'] === 'string' ? operation['operationId'] : `${method} ${path}`;
    const response = this.#responseTypes(operation, operationId);
    const base = {
      method,
      path,
      operation: operationId,
      response,
      ...(takesMultipart(operation) ? { body: 'multipart' as const } : {}),
    };
    const where = `paths[${JSON.stringify(path)}].${method.toLowerCase()}`;
    const access: Access = method === 'GET' ? 'read' : 'write';

    const found = this.#ruleFor(method, path);
    if (found !== undefined) {
      const { rule, key } = found;
      if (typeof rule !== 'string' && 'unavailable' in rule)
        return { ...base, unavailable: rule.unavailable };
      if (typeof rule !== 'string' && 'anyOf' in rule) {
        return { ...base, anyOf: sortedUnique(rule.anyOf), ...(rule.note ? { note: rule.note } : {}) };
      }
      const resource = typeof rule === 'string' ? rule : rule.resource;
      const permissions = own(this.#mapping.resources, resource);
      if (permissions === undefined) {
        this.#error(
          'unknown_resource',
          key,
          `rule names resource \`${resource}\`, which \`resources\` does not map`,
        );
        return { ...base, resource, unavailable: `no permission is mapped to resource type \`${resource}\`` };
      }
      const ruleAccess = typeof rule === 'string' ? access : (rule.access ?? access);
      const entry = this.#covered(base, resource, permissions, ruleAccess, `resources.${resource}`);
      const note = typeof rule === 'string' ? undefined : rule.note;
      return note ? { ...entry, note } : entry;
    }

    const candidates = new Set<string>();
    for (const type of response) for (const t of this.#listItems.get(type) ?? [type]) candidates.add(t);
    if (candidates.size === 0) {
      return this.#gap(
        base,
        'unknown_response_type',
        where,
        `cannot tell which resource \`${method} ${path}\` acts on: its response has no schema type; add an \`operations\` or \`paths\` rule`,
        `no permission is mapped to \`${method} ${path}\``,
      );
    }
    const keys = new Set<string>();
    for (const type of [...candidates].sort()) {
      const key = this.#resourceKey(type);
      if (key === undefined) {
        return this.#gap(
          base,
          'unmapped_resource',
          where,
          `resource type \`${type}\` (the response of \`${method} ${path}\`) is not in \`resources\`; map it or add an \`operations\` or \`paths\` rule`,
          `no permission is mapped to resource type \`${type}\``,
        );
      }
      keys.add(key);
    }
    const sorted = [...keys].sort();
    const first = sorted[0]!;
    const signature = permissionSignature(this.#mapping.resources[first]!);
    if (sorted.some((k) => permissionSignature(this.#mapping.resources[k]!) !== signature)) {
      return this.#gap(
        base,
        'ambiguous_resource',
        where,
        `\`${method} ${path}\` returns ${sorted.map((k) => `\`${k}\``).join(', ')}, which map to different permissions; add an \`operations\` or \`paths\` rule`,
        `\`${method} ${path}\` returns several resource types with different permissions`,
      );
    }
    return this.#covered(base, first, this.#mapping.resources[first]!, access, `resources.${first}`);
  }

  #covered(
    base: Pick<RouteEntry, 'method' | 'path' | 'operation' | 'response' | 'body'>,
    resource: string,
    permissions: ResourcePermissions,
    access: Access,
    where: string,
  ): RouteEntry {
    const names = access === 'read' ? (permissions.read ?? permissions.write) : permissions.write;
    if (names !== undefined && toList(names).length > 0)
      return { ...base, resource, anyOf: sortedUnique(toList(names)) };
    if (permissions.unavailable === undefined) {
      this.#error(
        'missing_unavailable_reason',
        where,
        `resource \`${resource}\` has no ${access} permission and no \`unavailable\` reason, which \`${base.method} ${base.path}\` needs`,
      );
    }
    return {
      ...base,
      resource,
      unavailable: permissions.unavailable ?? `no ${access} permission covers \`${resource}\``,
    };
  }

  /** Records an unmapped-type problem and returns the route as unavailable. */
  #gap(
    base: Pick<RouteEntry, 'method' | 'path' | 'operation' | 'response' | 'body'>,
    code: string,
    where: string,
    message: string,
    reason: string,
  ): RouteEntry {
    this.#issues.push({
      severity: this.#unmapped === 'error' ? 'error' : 'warning',
      code,
      path: where,
      message,
    });
    return { ...base, unavailable: reason };
  }

  #ruleFor(method: HttpMethod, path: string): { rule: RouteRule; key: string } | undefined {
    const operationKey = `${method} ${path}`;
    const operationRule = own(this.#mapping.operations ?? {}, operationKey);
    if (operationRule !== undefined) {
      this.#usedRules.add(`operations.${operationKey}`);
      return { rule: operationRule, key: `operations[${JSON.stringify(operationKey)}]` };
    }
    const segments = path.split('/');
    let best: { rule: RouteRule; key: string; length: number } | undefined;
    for (const [prefix, rule] of Object.entries(this.#mapping.paths ?? {})) {
      const prefixSegments = prefix.split('/');
      if (prefixSegments.length > segments.length) continue;
      if (!prefixSegments.every((s, i) => s === segments[i])) continue;
      if (best === undefined || prefixSegments.length > best.length) {
        best = { rule, key: prefix, length: prefixSegments.length };
      }
    }
    if (best === undefined) return undefined;
    this.#usedRules.add(`paths.${best.key}`);
    return { rule: best.rule, key: `paths[${JSON.stringify(best.key)}]` };
  }

  /** The mapping key for a schema type: its `x-resourceId`, its name, or that of `deleted_x`'s `x`. */
  #resourceKey(type: string): string | undefined {
    const resources = this.#mapping.resources;
    const schema = own(this.#schemas, type);
    const id =
      schema !== undefined && typeof schema['x-resourceId'] === 'string' ? schema['x-resourceId'] : type;
    for (const candidate of [id, type]) {
      if (Object.hasOwn(resources, candidate)) return candidate;
    }
    for (const candidate of [id, type]) {
      if (candidate.startsWith('deleted_') && Object.hasOwn(resources, candidate.slice('deleted_'.length))) {
        return candidate.slice('deleted_'.length);
      }
    }
    return undefined;
  }

  #responseTypes(operation: Json, operationId: string): string[] {
    const responses = operation['responses'];
    if (!isObject(responses)) return [];
    const codes = Object.keys(responses)
      .filter((code) => /^2\d\d$/.test(code))
      .sort();
    const response = responses[codes[0] ?? ''];
    if (!isObject(response) || !isObject(response['content'])) return [];
    const content = response['content'];
    const media = content['application/json'] ?? Object.values(content)[0];
    if (!isObject(media) || !isObject(media['schema'])) return [];
    return sortedUnique(this.#typeNames(media['schema'], `${operationId}#response`));
  }

  // ---- types ----------------------------------------------------------------------------

  /** Named (or synthetic, for inline objects) types a schema stands for. */
  #typeNames(schema: unknown, context: string): string[] {
    if (!isObject(schema)) return [];
    const ref = refName(schema);
    if (ref !== undefined) return own(this.#schemas, ref) === undefined ? [] : [ref];
    for (const key of ['anyOf', 'oneOf', 'allOf']) {
      const members = schema[key];
      if (Array.isArray(members)) return members.flatMap((m, i) => this.#typeNames(m, `${context}.${i}`));
    }
    if (schema['type'] === 'array') return this.#typeNames(schema['items'], context);
    const properties = schema['properties'];
    if (!isObject(properties)) return [];
    const data = properties['data'];
    if (isObject(data) && data['type'] === 'array') {
      const items = sortedUnique(this.#typeNames(data['items'], `${context}.data`));
      if (items.length > 0) {
        const name = `list<${items.join('|')}>`;
        if (!this.#inline.has(name)) {
          this.#inline.set(name, schema);
          this.#listItems.set(name, items);
        }
        return [name];
      }
    }
    if (!this.#inline.has(context)) this.#inline.set(context, schema);
    return [context];
  }

  #schemaOf(type: string): Json | undefined {
    return own(this.#schemas, type) ?? this.#inline.get(type);
  }

  #node(type: string): NodeInfo {
    const known = this.#nodes.get(type);
    if (known !== undefined) return known;
    const node: NodeInfo = { expand: new Map(), nested: new Map(), includable: new Set() };
    this.#nodes.set(type, node);
    const schema = this.#schemaOf(type);
    const properties = schema?.['properties'];
    if (schema === undefined || !isObject(properties)) return node;
    const listed = schema['x-expandableFields'];
    const fields = Array.isArray(listed)
      ? listed.filter((f): f is string => typeof f === 'string')
      : Object.keys(properties);
    for (const field of fields) {
      const property = properties[field];
      if (!isObject(property)) continue;
      const targets = this.#expansionTargets(property);
      if (targets !== undefined) {
        node.expand.set(field, targets);
        continue;
      }
      const inner = sortedUnique(this.#typeNames(property, `${type}#${field}`));
      if (inner.length === 0) {
        // a value (not an object) the schema lists as expandable: included only on request
        // (Stripe's `apps.secret.payload`); who may include it is the mapping's rule
        if (Array.isArray(listed) && isScalar(property)) node.expand.set(field, []);
        continue;
      }
      node.nested.set(field, inner);
      const only = inner.length === 1 ? inner[0]! : undefined;
      const items = only === undefined ? undefined : this.#listItems.get(only);
      if (items !== undefined && isObject(property['properties'])) {
        // an inline list field (Stripe's `customer.sources`): expanding it includes the list
        node.expand.set(field, items);
        node.includable.add(field);
      }
    }
    return node;
  }

  /** The types an expandable property expands to, or undefined when it is not expandable. */
  #expansionTargets(property: Json): string[] | undefined {
    const target = property['type'] === 'array' && isObject(property['items']) ? property['items'] : property;
    const resources = target['x-expansionResources'];
    if (isObject(resources)) {
      const members = resources['oneOf'] ?? resources['anyOf'];
      if (Array.isArray(members)) {
        const names = sortedUnique(
          members.map((m) => (isObject(m) ? refName(m) : undefined)).filter(isString),
        );
        if (names.length > 0) return names;
      }
    }
    const anyOf = target['anyOf'];
    if (Array.isArray(anyOf) && anyOf.some((m) => isObject(m) && m['type'] === 'string')) {
      const names = sortedUnique(anyOf.map((m) => (isObject(m) ? refName(m) : undefined)).filter(isString));
      if (names.length > 0) return names;
    }
    return undefined;
  }

  #types(routes: readonly RouteEntry[]): Record<string, TypeEntry> {
    // walk every type reachable from a response through expandable and nested fields
    const queue: string[] = [];
    const seen = new Set<string>();
    const visit = (type: string): void => {
      if (seen.has(type)) return;
      seen.add(type);
      queue.push(type);
    };
    for (const route of routes) for (const type of route.response) visit(type);
    while (queue.length > 0) {
      const node = this.#node(queue.shift()!);
      for (const targets of node.expand.values()) targets.forEach(visit);
      for (const targets of node.nested.values()) targets.forEach(visit);
    }

    // keep a type when it can lead to an expansion; inline lists that can be included stay
    const relevant = new Set<string>();
    for (const type of seen) {
      const node = this.#nodes.get(type)!;
      if (node.expand.size > 0) relevant.add(type);
      for (const field of node.includable) for (const t of node.nested.get(field)!) relevant.add(t);
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const type of seen) {
        if (relevant.has(type)) continue;
        const node = this.#nodes.get(type)!;
        if ([...node.nested.values()].some((targets) => targets.some((t) => relevant.has(t)))) {
          relevant.add(type);
          changed = true;
        }
      }
    }

    const rules = this.#mapping.expansions ?? {};
    const entries: Record<string, TypeEntry> = {};
    const needsPermission = new Map<string, string>(); // target type → first field that expands to it
    for (const type of [...relevant].sort()) {
      const node = this.#nodes.get(type)!;
      const entry: TypeEntry = {};
      const expand: Record<string, string[]> = {};
      const expandRules: Record<string, ExpansionRuleEntry> = {};
      for (const field of [...node.expand.keys()].sort()) {
        const targets = node.expand.get(field)!;
        expand[field] = targets;
        const ruleKey = `${type}.${field}`;
        const rule = Object.hasOwn(rules, ruleKey) ? rules[ruleKey] : undefined;
        if (rule !== undefined) {
          this.#usedRules.add(`expansions.${ruleKey}`);
          expandRules[field] =
            'anyOf' in rule
              ? { anyOf: sortedUnique(rule.anyOf), ...(rule.note ? { note: rule.note } : {}) }
              : { unavailable: rule.unavailable };
        } else if (targets.length === 0) {
          this.#issues.push({
            severity: this.#unmapped === 'error' ? 'error' : 'warning',
            code: 'unmapped_expansion',
            path: `expansions[${JSON.stringify(ruleKey)}]`,
            message: `\`${ruleKey}\` is a value included only on request (listed in \`x-expandableFields\`); add an \`expansions\` rule saying who may include it`,
          });
          expandRules[field] = { unavailable: `no permission is mapped to including \`${ruleKey}\`` };
        } else {
          for (const target of targets)
            if (!needsPermission.has(target)) needsPermission.set(target, ruleKey);
        }
      }
      const nested: Record<string, string[]> = {};
      for (const field of [...node.nested.keys()].sort()) {
        const kept = node.nested.get(field)!.filter((t) => relevant.has(t));
        if (kept.length > 0) nested[field] = kept;
      }
      if (Object.keys(expand).length > 0) entry.expand = expand;
      if (Object.keys(expandRules).length > 0) entry.expandRules = expandRules;
      if (Object.keys(nested).length > 0) entry.nested = nested;
      entries[type] = entry;
    }

    for (const [target, field] of [...needsPermission].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const entry = entries[target] ?? {};
      entries[target] = entry;
      const key = this.#resourceKey(target);
      if (key === undefined) {
        this.#issues.push({
          severity: this.#unmapped === 'error' ? 'error' : 'warning',
          code: 'unmapped_expansion',
          path: `expansions[${JSON.stringify(field)}]`,
          message: `\`${field}\` expands to \`${target}\`, which \`resources\` does not map; map it or add an \`expansions\` rule`,
        });
        entry.unavailable = `no permission is mapped to resource type \`${target}\``;
        continue;
      }
      const permissions = this.#mapping.resources[key]!;
      const read = permissions.read ?? permissions.write;
      if (read !== undefined && toList(read).length > 0) entry.read = sortedUnique(toList(read));
      else {
        if (permissions.unavailable === undefined) {
          this.#error(
            'missing_unavailable_reason',
            `resources.${key}`,
            `resource \`${key}\` has no read permission and no \`unavailable\` reason, which expanding \`${field}\` needs`,
          );
        }
        entry.unavailable = permissions.unavailable ?? `no read permission covers \`${key}\``;
      }
    }
    const ordered: Record<string, TypeEntry> = {};
    for (const name of Object.keys(entries).sort()) ordered[name] = orderEntry(entries[name]!);
    return ordered;
  }

  // ---- checks ---------------------------------------------------------------------------

  #checkUnusedRules(): void {
    const check = (kind: 'paths' | 'operations' | 'expansions', keys: readonly string[]): void => {
      for (const key of keys) {
        if (this.#usedRules.has(`${kind}.${key}`)) continue;
        this.#error(
          'unused_rule',
          `${kind}[${JSON.stringify(key)}]`,
          kind === 'expansions'
            ? `no expandable field \`${key}\` in the OpenAPI document`
            : kind === 'operations'
              ? `no operation \`${key}\` in the OpenAPI document (or a more specific rule covers it)`
              : `no operation under \`${key}\` in the OpenAPI document (or more specific rules cover them all)`,
        );
      }
    };
    check('operations', Object.keys(this.#mapping.operations ?? {}));
    check('paths', Object.keys(this.#mapping.paths ?? {}));
    check('expansions', Object.keys(this.#mapping.expansions ?? {}));
  }

  #checkPermissions(): void {
    const catalog = this.#catalog;
    if (catalog === undefined) return;
    const check = (names: string | readonly string[] | undefined, path: string): void => {
      for (const name of toList(names ?? [])) {
        if (catalog.has(name)) continue;
        const suggestion = catalog.suggest(name);
        this.#issues.push({
          severity: 'error',
          code: 'unknown_permission',
          path,
          message: `permission \`${name}\` is not in catalog \`${catalog.name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
          ...(suggestion ? { suggestion } : {}),
        });
      }
    };
    for (const [name, p] of Object.entries(this.#mapping.resources)) {
      check(p.read, `resources[${JSON.stringify(name)}].read`);
      check(p.write, `resources[${JSON.stringify(name)}].write`);
    }
    for (const kind of ['paths', 'operations'] as const) {
      for (const [key, rule] of Object.entries(this.#mapping[kind] ?? {})) {
        if (typeof rule !== 'string' && 'anyOf' in rule)
          check(rule.anyOf, `${kind}[${JSON.stringify(key)}].anyOf`);
      }
    }
    for (const [key, rule] of Object.entries(this.#mapping.expansions ?? {})) {
      if ('anyOf' in rule) check(rule.anyOf, `expansions[${JSON.stringify(key)}].anyOf`);
    }
  }

  #error(code: string, path: string, message: string): void {
    this.#issues.push({ severity: 'error', code, path, message });
  }
}

function orderRoute(route: RouteEntry): RouteEntry {
  return {
    method: route.method,
    path: route.path,
    operation: route.operation,
    ...(route.resource !== undefined ? { resource: route.resource } : {}),
    response: route.response,
    ...(route.anyOf !== undefined ? { anyOf: route.anyOf } : {}),
    ...(route.unavailable !== undefined ? { unavailable: route.unavailable } : {}),
    ...(route.note !== undefined ? { note: route.note } : {}),
    ...(route.body !== undefined ? { body: route.body } : {}),
  };
}

function orderEntry(entry: TypeEntry): TypeEntry {
  const out: TypeEntry = {};
  if (entry.read !== undefined) out.read = entry.read;
  if (entry.unavailable !== undefined) out.unavailable = entry.unavailable;
  if (entry.expand !== undefined) out.expand = entry.expand;
  if (entry.expandRules !== undefined) out.expandRules = entry.expandRules;
  if (entry.nested !== undefined) out.nested = entry.nested;
  return out;
}

function permissionSignature(p: ResourcePermissions): string {
  return JSON.stringify([
    sortedUnique(toList(p.read ?? p.write ?? [])),
    sortedUnique(toList(p.write ?? [])),
    p.unavailable ?? '',
  ]);
}

function refName(schema: Json): string | undefined {
  const ref = schema['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith(REF_PREFIX)) return undefined;
  return ref.slice(REF_PREFIX.length).replaceAll('~1', '/').replaceAll('~0', '~');
}

function toList(names: string | readonly string[]): readonly string[] {
  return typeof names === 'string' ? [names] : names;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** `record[key]` when `key` is the record's own property (never one of `Object.prototype`'s). */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** A property holding a value, not an object: a string, number, integer or boolean. */
function isScalar(property: Json): boolean {
  const type = property['type'];
  return type === 'string' || type === 'number' || type === 'integer' || type === 'boolean';
}

/** Whether an operation's request body may be `multipart/form-data` (a file upload). */
function takesMultipart(operation: Json): boolean {
  const body = operation['requestBody'];
  if (!isObject(body) || !isObject(body['content'])) return false;
  return Object.hasOwn(body['content'], 'multipart/form-data');
}

import { AppscopeError } from '../../errors.js';
import { type ParsedBody, parseBody } from '../params/body.js';
import { ParamError, type ParamObject, parseParams } from '../params/params.js';
import type { Requirement } from '../requirement.js';
import type { HttpMethod } from './format.js';
import type { CompiledRoute, RouteTable } from './route-table.js';

/** An API request as the gateway sees it. */
export interface RequestInput {
  /** HTTP method, any case; `HEAD` is treated as `GET`. */
  readonly method: string;
  /** The request path, optionally with its query string (`/v1/customers?expand[]=data.default_source`). */
  readonly path: string;
  /** The raw request body of a POST, PUT or PATCH (form-encoded unless `contentType` says otherwise). */
  readonly body?: string | Uint8Array;
  readonly contentType?: string;
}

/** What one request requires. */
export interface ResolvedRequest {
  readonly method: HttpMethod;
  /** The request path without its query string. */
  readonly path: string;
  /** The matched route template, e.g. `/v1/customers/{customer}`. */
  readonly route: string;
  /** The OpenAPI operationId, e.g. `GetCustomersCustomer`. */
  readonly operation: string;
  /** The resource type whose permissions cover the route, when one does. */
  readonly resource: string | undefined;
  /** All groups must be satisfied: the route's own, then one per expanded field. */
  readonly requirement: Requirement;
  /** False when the endpoint is not available to apps: the requirement can never be satisfied. */
  readonly available: boolean;
  /** The distinct expand paths of the request. */
  readonly expand: readonly string[];
}

const NO_EXPAND: readonly string[] = Object.freeze([]);

/**
 * Resolves a request to its requirement: the route's permission group plus one group per
 * expanded field. The query string and (for POST, PUT and PATCH) the body are read with the one
 * parameter parser ({@link parseParams}, {@link parseBody}), exactly as the gateway reads them.
 * Throws a `ParamError` for parameters that could be read two ways, `ERR_UNKNOWN_ENDPOINT` when
 * no route matches and `ERR_INVALID_EXPAND` for a field that cannot be expanded. An unavailable
 * endpoint resolves with `available: false` and a group no permission satisfies.
 * @example
 * const resolved = resolveRequest(defaultRouteTable(), { method: 'GET', path: '/v1/customers/cus_1?expand[]=default_source' });
 * decide(catalog.closure(['customer_read']), resolved.requirement).allowed; // true
 */
export function resolveRequest(table: RouteTable, request: RequestInput): ResolvedRequest {
  const method = normalizeMethod(request.method);
  const full = request.path;
  const question = full.indexOf('?');
  const path = question < 0 ? full : full.slice(0, question);
  const route = matchRoute(table, method, path);
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const { params } = readParams(
    method,
    question < 0 ? '' : full.slice(question + 1),
    body,
    request.contentType,
    route.multipart,
  );
  return resolveRoute(table, method, path, route, params);
}

/** A request's parameters, read once: all of them as one structure, and the body they came from. */
export interface RequestParams {
  readonly params: ParamObject;
  /** For POST, PUT and PATCH: the body holding every parameter (the query's merged in); else undefined. */
  readonly body: ParsedBody | undefined;
}

/**
 * Reads a request's parameters with the one parser: the query string, and for POST, PUT and
 * PATCH the body by its declared type (multipart only where the route takes uploads). A POST's
 * parameters may come in either place and are merged into its body (a name in both is refused);
 * a multipart upload takes no query string. The gateway forwards exactly this structure, and
 * {@link resolveRequest} decides on it.
 */
export function readParams(
  method: HttpMethod,
  query: string,
  body: Uint8Array | undefined,
  contentType: string | undefined,
  multipart: boolean,
): RequestParams {
  const fromQuery = query === '' ? EMPTY : parseParams(query, 'query');
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH')
    return { params: fromQuery, body: undefined };
  let parsed: ParsedBody =
    body === undefined || body.length === 0
      ? { kind: 'form', params: EMPTY }
      : parseBody(body, contentType, { multipart });
  if (parsed.kind === 'multipart' && query !== '') {
    throw new ParamError(
      'content_type_unsupported',
      'A `multipart/form-data` upload takes every parameter in its body: send no query string.',
    );
  }
  const params = mergeParams(fromQuery, parsed.params);
  if (params !== parsed.params) parsed = { ...parsed, params };
  return { params, body: parsed };
}

const EMPTY: ParamObject = Object.freeze(Object.create(null) as ParamObject);

/**
 * The route a canonical method and path (no query string) name. Throws `ERR_UNKNOWN_ENDPOINT`,
 * naming the methods the path accepts or suggesting a close route.
 */
export function matchRoute(table: RouteTable, method: HttpMethod, path: string): CompiledRoute {
  const route = table.match(method, path, path.length);
  if (route === undefined) throw unknownEndpoint(table, method, path);
  return route;
}

/**
 * The requirement of a matched route for a request's parsed parameters: the route's own group
 * and one group per path in `expand` (a string, or a list of strings). Throws
 * `ERR_INVALID_EXPAND` for an `expand` of another shape or a field that cannot be expanded.
 */
export function resolveRoute(
  table: RouteTable,
  method: HttpMethod,
  path: string,
  route: CompiledRoute,
  params: ParamObject,
): ResolvedRequest {
  if (!route.available) return result(method, path, route, route.requirement, NO_EXPAND);
  const expand = params['expand'];
  if (expand === undefined) return result(method, path, route, route.requirement, NO_EXPAND);
  let paths: readonly string[];
  if (typeof expand === 'string') paths = [expand];
  else if (Array.isArray(expand) && expand.every((item) => typeof item === 'string'))
    paths = expand as string[];
  else {
    throw new AppscopeError(
      'ERR_INVALID_EXPAND',
      '`expand` must be a list of strings (`expand[0]=customer`)',
    );
  }
  if (paths.length === 0) return result(method, path, route, route.requirement, NO_EXPAND);
  // values never hold NUL (the parser refuses it), so joining with it is an unambiguous cache key
  const key = paths.length === 1 ? paths[0]! : paths.join('\u0000');
  const expanded = table.cachedExpansion(route, key) ?? table.expand(route, paths, key);
  return result(method, path, route, expanded.requirement, expanded.expand);
}

/**
 * The parameters of a query string and a body as one structure: a POST's parameters may come
 * in either place, but a name given in both is refused (two readers could take either one).
 */
export function mergeParams(query: ParamObject, body: ParamObject): ParamObject {
  let merged: Record<string, ParamObject[string]> | undefined;
  for (const name in query) {
    if (name in body) {
      throw new ParamError(
        'parameter_duplicate',
        `Parameter \`${name}\` is given both in the query string and in the body: send it in one place.`,
        name,
      );
    }
    merged ??= Object.assign(Object.create(null) as Record<string, ParamObject[string]>, body);
    merged[name] = query[name]!;
  }
  return merged ?? body;
}

/**
 * Resolves a request line such as `GET /v1/customers/cus_123?expand[]=default_source`
 * (method any case, `HEAD` as `GET`, an optional trailing `HTTP/1.1`, a full URL or a path
 * without its leading `/`; `:id` placeholders match parameters). Throws
 * `ERR_INVALID_REQUEST_LINE` when the line is not `METHOD /path`.
 * @example
 * resolveRequestLine(defaultRouteTable(), 'POST /v1/refunds').requirement[0]?.anyOf; // ['charge_write']
 */
export function resolveRequestLine(table: RouteTable, line: string): ResolvedRequest {
  const { method, target } = parseRequestLine(line);
  return resolveRequest(table, { method, path: target });
}

/**
 * Reads a request line such as `GET /v1/customers?expand[]=x` into its method (as written)
 * and request target (a full URL's scheme and host dropped, a leading `/` added, a fragment
 * dropped). Throws `ERR_INVALID_REQUEST_LINE` when the line is not `METHOD /path`.
 * @example
 * parseRequestLine('get https://api.stripe.com/v1/charges HTTP/1.1'); // { method: 'get', target: '/v1/charges' }
 */
export function parseRequestLine(line: string): { readonly method: string; readonly target: string } {
  const parts = line.trim().split(/\s+/);
  const [method, target, version] = parts;
  if (
    method === undefined ||
    target === undefined ||
    parts.length > 3 ||
    !/^[A-Za-z]+$/.test(method) ||
    (version !== undefined && !/^HTTP\/\d(\.\d)?$/i.test(version))
  ) {
    throw new AppscopeError(
      'ERR_INVALID_REQUEST_LINE',
      `invalid request line \`${line}\`: expected \`METHOD /path\`, e.g. \`GET /v1/customers\``,
    );
  }
  let path = target;
  const scheme = /^https?:\/\/[^/?#]*/i.exec(path);
  if (scheme !== null) path = path.slice(scheme[0].length) || '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);
  return { method, target: path };
}

function result(
  method: HttpMethod,
  path: string,
  route: CompiledRoute,
  requirement: Requirement,
  expand: readonly string[],
): ResolvedRequest {
  return {
    method,
    path,
    route: route.path,
    operation: route.operation,
    resource: route.resource,
    requirement,
    available: route.available,
    expand,
  };
}

function normalizeMethod(method: string): HttpMethod {
  switch (method) {
    case 'GET':
    case 'POST':
    case 'DELETE':
    case 'PUT':
    case 'PATCH':
      return method;
    case 'HEAD':
      return 'GET';
  }
  const upper = method.toUpperCase();
  return (upper === 'HEAD' ? 'GET' : upper) as HttpMethod;
}

function unknownEndpoint(table: RouteTable, method: string, path: string): AppscopeError {
  const methods = table.methodsFor(path);
  if (methods.length > 0) {
    return new AppscopeError(
      'ERR_UNKNOWN_ENDPOINT',
      `unknown endpoint \`${method} ${path}\`: \`${path}\` accepts ${methods.join(', ')}`,
    );
  }
  const suggestion = table.suggest(method, path);
  return new AppscopeError(
    'ERR_UNKNOWN_ENDPOINT',
    `unknown endpoint \`${method} ${path}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
  );
}

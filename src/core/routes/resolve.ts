import { AppscopeError } from '../../errors.js';
import type { Requirement } from '../requirement.js';
import type { HttpMethod } from './format.js';
import { collectBodyExpand, collectExpand, decodeComponent } from './query.js';
import type { CompiledRoute, RouteTable } from './route-table.js';

/** An API request as the gateway sees it. */
export interface RequestInput {
  /** HTTP method, any case; `HEAD` is treated as `GET`. */
  readonly method: string;
  /** The request path, optionally with its query string (`/v1/customers?expand[]=data.default_source`). */
  readonly path: string;
  /** A query string (without `?`) to read as well as the one in `path`. */
  readonly query?: string;
  /** The raw request body; read for `expand` on POST, PUT and PATCH only. */
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
  /** The distinct expand paths read from the request, decoded. */
  readonly expand: readonly string[];
}

const NO_EXPAND: readonly string[] = Object.freeze([]);

/**
 * Resolves a request to its requirement: the route's permission group plus one group per
 * expanded field. `expand` is read from the query string for every method and, for POST, PUT
 * and PATCH, from the body as well (never from the body of a GET or DELETE: upstream does not
 * read it there). Throws `ERR_UNKNOWN_ENDPOINT` when no route matches and
 * `ERR_INVALID_EXPAND` for a field that cannot be expanded. An unavailable endpoint resolves
 * with `available: false` and a group no permission satisfies.
 * @example
 * const resolved = resolveRequest(defaultRouteTable(), { method: 'GET', path: '/v1/customers/cus_1?expand[]=default_source' });
 * decide(catalog.closure(['customer_read']), resolved.requirement).allowed; // true
 */
export function resolveRequest(table: RouteTable, request: RequestInput): ResolvedRequest {
  const method = normalizeMethod(request.method);
  const full = request.path;
  const question = full.indexOf('?');
  const end = question < 0 ? full.length : question;
  const route = table.match(method, full, end);
  if (route === undefined) throw unknownEndpoint(table, method, question < 0 ? full : full.slice(0, end));
  const path = question < 0 ? full : full.slice(0, end);
  if (!route.available) return result(method, path, route, route.requirement, NO_EXPAND);

  let raw: string[] | undefined;
  if (question >= 0) raw = collectExpand(full, question + 1, raw);
  if (request.query !== undefined) raw = collectExpand(request.query, 0, raw);
  if (request.body !== undefined && (method === 'POST' || method === 'PUT' || method === 'PATCH')) {
    raw = collectBodyExpand(request.body, request.contentType, raw);
  }
  if (raw === undefined) return result(method, path, route, route.requirement, NO_EXPAND);

  // raw values never contain `&`, so joining them is an unambiguous cache key
  const key = raw.length === 1 ? raw[0]! : raw.join('&');
  const expanded =
    table.cachedExpansion(route, key) ??
    table.expand(
      route,
      raw.map((value) => decodeComponent(value)),
      key,
    );
  return result(method, path, route, expanded.requirement, expanded.expand);
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
  return resolveRequest(table, { method, path });
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

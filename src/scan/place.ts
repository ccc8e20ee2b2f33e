import type { HttpMethod } from '../core/routes/format.js';
import { matchRoute, resolveRoute } from '../core/routes/resolve.js';
import type { CompiledRoute, RouteTable } from '../core/routes/route-table.js';
import { isAppscopeError } from '../errors.js';
import type { UnresolvedCode } from './types.js';

/** Where a call lands in the route table, and what it requires. */
export interface Placed {
  /** `GET /v1/invoices/{invoice}`: the route table's template. */
  readonly operation: string;
  /** The expand paths the route accepted, as written. */
  readonly expand: readonly string[];
  readonly requires: readonly (readonly string[])[];
  /** One problem per expand path the route cannot expand (the call is placed without it). */
  readonly problems: readonly Problem[];
}

export interface Problem {
  readonly code: UnresolvedCode;
  readonly reason: string;
}

/**
 * Places a method and path in the route table: {@link matchRoute}, then {@link resolveRoute}
 * with the literal `expand` paths. A path the table does not know is a problem
 * (`unknown_endpoint`); an expand path the route cannot expand is left out of the requirement
 * and reported on its own (`invalid_expand`), so one bad path does not hide the call.
 * @example
 * placeOperation(table, 'GET', '/v1/invoices/{invoice}', ['customer']).operation; // 'GET /v1/invoices/{invoice}'
 */
export function placeOperation(
  table: RouteTable,
  method: HttpMethod,
  path: string,
  expand: readonly string[],
): Placed | Problem {
  let route: CompiledRoute;
  try {
    route = matchRoute(table, method, path);
  } catch (error) {
    if (isAppscopeError(error, 'ERR_UNKNOWN_ENDPOINT')) {
      return { code: 'unknown_endpoint', reason: error.message };
    }
    throw error;
  }
  const problems: Problem[] = [];
  let accepted = [...new Set(expand)];
  if (accepted.length > 0) {
    try {
      resolveRoute(table, method, path, route, { expand: accepted });
    } catch (error) {
      if (!isAppscopeError(error, 'ERR_INVALID_EXPAND')) throw error;
      accepted = accepted.filter((one) => {
        try {
          resolveRoute(table, method, path, route, { expand: [one] });
          return true;
        } catch (inner) {
          if (!isAppscopeError(inner, 'ERR_INVALID_EXPAND')) throw inner;
          problems.push({ code: 'invalid_expand', reason: inner.message });
          return false;
        }
      });
    }
  }
  const resolved = resolveRoute(table, method, path, route, accepted.length > 0 ? { expand: accepted } : {});
  return {
    operation: `${route.method} ${route.path}`,
    expand: accepted,
    requires: resolved.requirement.map((group) => [...group.anyOf]),
    problems,
  };
}

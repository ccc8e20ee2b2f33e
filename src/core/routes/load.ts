import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppscopeError } from '../../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import { defaultCatalog } from '../catalog/load.js';
import { formatIssues } from '../issues.js';
import { parseJson } from '../json.js';
import { RouteTable } from './route-table.js';

/** Path of the built-in Stripe route table (`catalogs/stripe-routes.json` in the package). */
export const DEFAULT_ROUTE_TABLE_PATH = fileURLToPath(
  new URL('../../../catalogs/stripe-routes.json', import.meta.url),
);

/**
 * Parses, validates and compiles route table text against a catalog. Throws
 * `ERR_ROUTE_TABLE_INVALID` listing every problem.
 * @example
 * const table = parseRouteTable(text, catalog, 'my-api-routes.json');
 */
export function parseRouteTable(text: string, catalog: Catalog, source = 'route table'): RouteTable {
  const json = parseJson(text);
  if (!json.ok) {
    throw new AppscopeError(
      'ERR_ROUTE_TABLE_INVALID',
      `route table \`${source}\` is invalid (1 problem):\n${formatIssues([json.issue])}`,
      { issues: [json.issue] },
    );
  }
  return RouteTable.compile(json.value, catalog, source);
}

/**
 * Reads, validates and compiles a route table file against a catalog.
 * @example
 * const table = loadRouteTable('notes-routes.json', loadCatalog('notes-catalog.json'));
 */
export function loadRouteTable(path: string, catalog: Catalog): RouteTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppscopeError(
      'ERR_FILE_READ',
      `cannot read route table \`${path}\`: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseRouteTable(text, catalog, path);
}

let defaultTable: RouteTable | undefined;

/**
 * The built-in Stripe route table, compiled against `defaultCatalog()` once per process.
 * @example
 * defaultRouteTable().match('GET', '/v1/customers/cus_123')?.path; // '/v1/customers/{customer}'
 */
export function defaultRouteTable(): RouteTable {
  defaultTable ??= loadRouteTable(DEFAULT_ROUTE_TABLE_PATH, defaultCatalog());
  return defaultTable;
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppscopeError } from '../../errors.js';
import { formatIssues } from '../issues.js';
import { parseJson } from '../json.js';
import { type Catalog, compileCatalog } from './catalog.js';

/** Path of the built-in Stripe Apps catalog (`catalogs/stripe-apps.json` in the package). */
export const DEFAULT_CATALOG_PATH = fileURLToPath(
  new URL('../../../catalogs/stripe-apps.json', import.meta.url),
);

/**
 * Parses and compiles catalog text. Throws `ERR_CATALOG_INVALID` listing every problem.
 * @example
 * const catalog = parseCatalog(text, 'my-api.json');
 * catalog.implies('invoice_write'); // ['credit_note_read', 'invoice_read']
 */
export function parseCatalog(text: string, source = 'catalog'): Catalog {
  const json = parseJson(text);
  const result = json.ok ? compileCatalog(json.value) : { ok: false as const, issues: [json.issue] };
  if (!result.ok) {
    const n = result.issues.length;
    throw new AppscopeError(
      'ERR_CATALOG_INVALID',
      `catalog \`${source}\` is invalid (${n} problem${n === 1 ? '' : 's'}):\n${formatIssues(result.issues)}`,
      { issues: result.issues },
    );
  }
  return result.catalog;
}

/** Reads, validates and compiles a catalog file. */
export function loadCatalog(path: string): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppscopeError('ERR_FILE_READ', `cannot read catalog \`${path}\`: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseCatalog(text, path);
}

let defaultCatalogInstance: Catalog | undefined;

/** The built-in Stripe Apps catalog, compiled once per process. */
export function defaultCatalog(): Catalog {
  defaultCatalogInstance ??= loadCatalog(DEFAULT_CATALOG_PATH);
  return defaultCatalogInstance;
}

import { isAbsolute, resolve } from 'node:path';
import type { Catalog } from '../core/catalog/catalog.js';
import { defaultCatalog, loadCatalog } from '../core/catalog/load.js';
import type { CliIo } from './io.js';

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  readonly catalog?: string;
}

/** The catalog a command works with: `--catalog PATH`, `APPSCOPE_CATALOG`, or the built-in one. */
export function catalogFor(io: CliIo, options: GlobalOptions): Catalog {
  const path = catalogPath(io, options);
  return path === undefined ? defaultCatalog() : loadCatalog(path);
}

/** The custom catalog's file (`--catalog PATH`, else `APPSCOPE_CATALOG`), resolved; undefined for the built-in one. */
export function catalogPath(io: CliIo, options: GlobalOptions): string | undefined {
  const path = options.catalog ?? io.env['APPSCOPE_CATALOG'];
  return path === undefined || path === '' ? undefined : resolvePath(io, path);
}

export function resolvePath(io: CliIo, path: string): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}

import { join } from 'node:path';
import { AppscopeError } from '../errors.js';
import { maskUrl, openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** Where the embedded database lives unless configured: `./.appscope/`. */
export const DEFAULT_DATA_DIR = '.appscope';
/** The SQLite file name inside a data directory. */
export const DATABASE_FILE = 'appscope.db';

/**
 * Where a store lives: a URL (`postgres://…`, `postgresql://…`, `sqlite:PATH`,
 * `sqlite::memory:`) or a data directory holding `appscope.db`.
 */
export type StoreTarget = string | { readonly url: string } | { readonly dataDir: string };

/** Options for {@link openStore}; each applies to one backend only. */
export interface OpenStoreOptions {
  /** Writer wait for a busy database, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /** PostgreSQL: schema for the tables (created if missing). */
  readonly schema?: string;
  /** PostgreSQL: LISTEN/NOTIFY channel (default `appscope_changes`). */
  readonly channel?: string;
  /** PostgreSQL: pool size (default 10). */
  readonly poolSize?: number;
  /** SQLite file: how often to look for other processes' writes while listening (ms, default 500). */
  readonly pollIntervalMs?: number;
  /** PostgreSQL: errors on idle or LISTEN connections. */
  readonly onBackgroundError?: (error: Error) => void;
}

/** A parsed {@link StoreTarget}. */
export type ResolvedTarget =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly url: string };

/**
 * Parses a store target without opening anything.
 * @example
 * resolveStoreTarget('sqlite:./data/app.db'); // { dialect: 'sqlite', path: './data/app.db' }
 * resolveStoreTarget({ dataDir: '/var/lib/appscope' }); // { dialect: 'sqlite', path: '/var/lib/appscope/appscope.db' }
 */
export function resolveStoreTarget(target?: StoreTarget): ResolvedTarget {
  if (target === undefined) return { dialect: 'sqlite', path: join(DEFAULT_DATA_DIR, DATABASE_FILE) };
  if (typeof target !== 'string' && 'dataDir' in target) {
    if (target.dataDir.trim() === '')
      throw new AppscopeError('ERR_STORE_CONFIG', 'the data directory is empty');
    return { dialect: 'sqlite', path: join(target.dataDir, DATABASE_FILE) };
  }
  const url = typeof target === 'string' ? target : target.url;
  if (/^postgres(?:ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  if (url === ':memory:') return { dialect: 'sqlite', path: ':memory:' };
  if (/^sqlite:/i.test(url)) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://rel/path
    if (path === '') throw new AppscopeError('ERR_STORE_CONFIG', `database url \`${url}\` names no file`);
    return { dialect: 'sqlite', path };
  }
  throw new AppscopeError(
    'ERR_STORE_CONFIG',
    `unsupported database url \`${maskUrl(url)}\`: use \`postgres://…\`, \`sqlite:PATH\` or a data directory`,
  );
}

/**
 * How the CLI and server pick a store: `--data-dir` wins, then `APPSCOPE_DATABASE_URL`, then
 * `./.appscope/appscope.db`.
 * @example
 * const store = await openStore(storeTargetFrom({ dataDir: flags.dataDir, env: process.env }));
 */
export function storeTargetFrom(input: {
  readonly dataDir?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
}): StoreTarget | undefined {
  if (input.dataDir !== undefined) return { dataDir: input.dataDir };
  const url = input.env?.['APPSCOPE_DATABASE_URL'];
  return url === undefined || url === '' ? undefined : url;
}

/**
 * Opens a store and applies pending migrations: PostgreSQL for `postgres://` URLs, SQLite
 * otherwise (default `./.appscope/appscope.db`).
 * @example
 * const store = await openStore(process.env.APPSCOPE_DATABASE_URL ?? { dataDir: '.appscope' });
 * const memory = await openStore('sqlite::memory:'); // tests
 */
export async function openStore(target?: StoreTarget, options: OpenStoreOptions = {}): Promise<Store> {
  const resolved = resolveStoreTarget(target);
  if (resolved.dialect === 'postgres') {
    return openPostgresStore({
      url: resolved.url,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.channel === undefined ? {} : { channel: options.channel }),
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.onBackgroundError === undefined ? {} : { onBackgroundError: options.onBackgroundError }),
    });
  }
  return openSqliteStore({
    path: resolved.path,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
}

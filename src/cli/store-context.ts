import { createDomain, type Domain } from '../domain/context.js';
import { AppscopeError } from '../errors.js';
import { openStore, storeTargetFrom } from '../store/open.js';
import { catalogFor, type GlobalOptions, resolvePath } from './context.js';
import type { CliIo } from './io.js';

/** Global options of the commands that work on the local database. */
export interface StoreOptions extends GlobalOptions {
  readonly dataDir?: string;
}

/**
 * Opens the store (`--data-dir DIR`, else `APPSCOPE_DATABASE_URL`, else `./.appscope/`),
 * runs `fn` with a domain on it and closes the store, whatever happens.
 */
export async function withDomain<T>(
  io: CliIo,
  options: StoreOptions,
  fn: (domain: Domain) => Promise<T>,
): Promise<T> {
  const target = storeTargetFrom({
    ...(options.dataDir === undefined ? {} : { dataDir: resolvePath(io, options.dataDir) }),
    env: io.env,
  });
  const store = await openStore(target ?? { dataDir: resolvePath(io, '.appscope') });
  try {
    return await fn(createDomain({ store, catalog: catalogFor(io, options) }));
  } finally {
    await store.close();
  }
}

/**
 * Reads a duration such as `90s`, `15m`, `1h`, `7d` (or plain seconds) as seconds.
 * @example parseDuration('1h') // 3600
 */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (match === null) {
    throw new AppscopeError(
      'ERR_USAGE',
      `${option}: \`${text}\` is not a duration; use e.g. \`90s\`, \`15m\`, \`1h\` or \`7d\``,
    );
  }
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export function parseMode(value: string | undefined): 'test' | 'live' | undefined {
  if (value === undefined) return undefined;
  if (value === 'test' || value === 'live') return value;
  throw new AppscopeError('ERR_USAGE', `--mode: \`${value}\` is not a mode; use \`test\` or \`live\``);
}

export function splitList(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function formatTime(seconds: number | null): string {
  return seconds === null ? '-' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

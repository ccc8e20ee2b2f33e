import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { type DataKey, DataKeyring, generateDataKey, parseDataKey } from '../domain/data-keys.js';
import { AppscopeError } from '../errors.js';
import { DEFAULT_DATA_DIR, resolveStoreTarget } from '../store/open.js';
import { resolvePath } from './context.js';
import type { CliIo } from './io.js';

/**
 * Where the Secret Store's data keys come from, for `appscope serve` and `appscope secrets`:
 *
 * 1. `APPSCOPE_SECRET_KEY`: one key (32 bytes, base64 or hex), and optionally
 *    `APPSCOPE_SECRET_KEY_PREVIOUS`: older keys, comma-separated, for reading during a rotation;
 * 2. `APPSCOPE_SECRET_KEY_FILE`: a key file;
 * 3. otherwise `secret-store.key` in the data directory, which `serve` creates (mode 0600) when
 *    it is missing.
 *
 * A key file holds one key per line, the first one primary; blank lines and `#` comments are
 * ignored. It must not be readable by other users. Key text is never printed or logged.
 */

/** The key file's name in the data directory. */
export const SECRET_KEY_FILE = 'secret-store.key';

/** Data keys, and where they came from (for messages; never the keys). */
export interface LoadedDataKeys {
  readonly keyring: DataKeyring;
  /** `env`: `APPSCOPE_SECRET_KEY`; `file`: `APPSCOPE_SECRET_KEY_FILE`; `data-dir`: the data directory's file. */
  readonly source: 'env' | 'file' | 'data-dir';
  /** The key file, for `file` and `data-dir`. */
  readonly path: string | undefined;
  /** True when the data directory's key file was created just now. */
  readonly created: boolean;
}

/**
 * The data directory the key file lives in: `--data-dir`, else the directory of an
 * `APPSCOPE_DATABASE_URL` SQLite file, else `./.appscope` (also with PostgreSQL, whose
 * processes must then share one key: see docs/secrets.md).
 */
export function dataDirFor(io: CliIo, dataDir: string | undefined): string {
  if (dataDir !== undefined) return resolvePath(io, dataDir);
  const url = io.env['APPSCOPE_DATABASE_URL'];
  if (url !== undefined && url !== '') {
    const target = resolveStoreTarget(url);
    if (target.dialect === 'sqlite' && target.path !== ':memory:')
      return dirname(resolvePath(io, target.path));
  }
  return resolvePath(io, DEFAULT_DATA_DIR);
}

/**
 * Loads the data keys (see the module comment). With `create`, a missing data-directory key file
 * is generated (mode 0600); without it, no key anywhere is `undefined`. Throws `ERR_USAGE` for a
 * key that is not one, a key file others can read, or both variables set.
 * @example
 * const keys = loadDataKeys(io, { dataDir: flags.dataDir, create: true });
 */
export function loadDataKeys(
  io: CliIo,
  options: { readonly dataDir?: string | undefined; readonly create: boolean },
): LoadedDataKeys | undefined {
  const env = io.env['APPSCOPE_SECRET_KEY'];
  const file = io.env['APPSCOPE_SECRET_KEY_FILE'];
  const previous = io.env['APPSCOPE_SECRET_KEY_PREVIOUS'];
  if (env !== undefined && env !== '' && file !== undefined && file !== '') {
    throw new AppscopeError(
      'ERR_USAGE',
      'both APPSCOPE_SECRET_KEY and APPSCOPE_SECRET_KEY_FILE are set: give the Secret Store its data key one way',
    );
  }
  if (env !== undefined && env !== '') {
    const keys = [keyFrom(env, 'APPSCOPE_SECRET_KEY')];
    if (previous !== undefined && previous.trim() !== '') {
      previous.split(',').forEach((text, i) => {
        keys.push(keyFrom(text, `APPSCOPE_SECRET_KEY_PREVIOUS (key ${i + 1})`));
      });
    }
    return { keyring: new DataKeyring(keys), source: 'env', path: undefined, created: false };
  }
  if (previous !== undefined && previous.trim() !== '') {
    throw new AppscopeError(
      'ERR_USAGE',
      'APPSCOPE_SECRET_KEY_PREVIOUS is set without APPSCOPE_SECRET_KEY: the previous keys go with a new primary one',
    );
  }
  if (file !== undefined && file !== '') {
    const path = resolvePath(io, file);
    return { keyring: fileKeyring(path), source: 'file', path, created: false };
  }
  const path = join(dataDirFor(io, options.dataDir), SECRET_KEY_FILE);
  let created = false;
  if (!exists(path)) {
    if (!options.create) return undefined;
    created = createKeyFile(path, generateDataKey());
  }
  return { keyring: fileKeyring(path), source: 'data-dir', path, created };
}

/** A keyring on a key file that reads it again when asked for a key it lacks (a rotation elsewhere). */
function fileKeyring(path: string): DataKeyring {
  return new DataKeyring(readKeyFile(path), { reload: () => readKeyFile(path) });
}

function keyFrom(text: string, where: string): DataKey {
  const key = parseDataKey(text);
  if (key === undefined) {
    throw new AppscopeError(
      'ERR_USAGE',
      `${where} is not a data key: give 32 random bytes as base64 (\`openssl rand -base64 32\`) or as 64 hex digits`,
    );
  }
  return key;
}

/** The keys of a key file, primary first; refuses a file other users can read. */
export function readKeyFile(path: string): DataKey[] {
  let text: string;
  try {
    checkPrivate(path);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof AppscopeError) throw error;
    throw new AppscopeError(
      'ERR_USAGE',
      `cannot read the Secret Store's key file \`${path}\`: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const keys: DataKey[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    keys.push(keyFrom(trimmed, `line ${i + 1} of the key file \`${path}\``));
  });
  if (keys.length === 0) {
    throw new AppscopeError('ERR_USAGE', `the Secret Store's key file \`${path}\` holds no key`);
  }
  return keys;
}

/** Refuses a key file that users other than its owner may read or write (POSIX only). */
function checkPrivate(path: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new AppscopeError(
      'ERR_USAGE',
      `the Secret Store's key file \`${path}\` can be read or written by other users (mode ${mode.toString(8).padStart(4, '0')}): run \`chmod 600 ${path}\``,
    );
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

const HEADER = [
  "# appscope: the Secret Store's data keys (AES-256), one per line, base64; the first one is primary.",
  "# Keep this file secret (mode 0600) and back it up: without it the Secret Store's secrets cannot be read.",
  '# `appscope secrets rotate-key` replaces the key and re-encrypts every secret.',
];

/**
 * Creates the data directory's key file with one key, mode 0600 (and the directory 0700 when it
 * is new). Another process creating it at the same moment wins: its key is used. Returns whether
 * this call created it.
 */
function createKeyFile(path: string, key: DataKey): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AppscopeError(
      'ERR_USAGE',
      `cannot create the Secret Store's key file \`${path}\`: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    writeSync(fd, `${[...HEADER, key.export()].join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Replaces a key file's keys, atomically (a new file, mode 0600, renamed over the old one): a
 * reader sees the old keys or the new ones, never a part.
 */
export function writeKeyFile(path: string, keys: readonly DataKey[]): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, `${[...HEADER, ...keys.map((key) => key.export())].join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new AppscopeError(
      'ERR_FILE_WRITE',
      `cannot write the Secret Store's key file \`${path}\`: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** How messages name where the keys came from (never the keys). */
export function describeSource(keys: LoadedDataKeys): string {
  if (keys.source === 'env') return 'APPSCOPE_SECRET_KEY';
  return keys.path ?? '';
}

import { AppscopeError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * A size option's value in bytes: a whole number of bytes, or a number with a unit — `B`,
 * `KB`/`MB`/`GB` (powers of 1000) or `KiB`/`MiB`/`GiB` (powers of 1024), in any case.
 * @example
 * parseByteSize('64MiB', '--decision-log-max-bytes'); // 67108864
 * parseByteSize('1.5GB', '--decision-log-max-bytes'); // 1500000000
 */
export function parseByteSize(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(text.trim());
  const unit = match === null ? undefined : UNITS[(match[2] ?? 'b').toLowerCase()];
  const bytes = match === null || unit === undefined ? Number.NaN : Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new AppscopeError(
      'ERR_USAGE',
      `${option}: \`${text}\` is not a size; use bytes or e.g. \`512KiB\`, \`64MiB\`, \`1GiB\`, \`500MB\``,
    );
  }
  return bytes;
}

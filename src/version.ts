import { readFileSync } from 'node:fs';

let version: string | undefined;

/** The `version` of appscope's package.json (read once). */
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return version;
}

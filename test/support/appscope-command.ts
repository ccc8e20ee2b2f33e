import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Newest modification time under a directory (ms). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * How a test runs `appscope` as a process: `bin/appscope.js` when dist/ is built from the
 * current sources (as under `npm test`), otherwise the same `main()` on the sources through tsx.
 * `args` go to `node` before the command's own; `label` says which of the two it is.
 */
export function appscopeCommand(): { readonly args: string[]; readonly label: string } {
  const builtFresh =
    existsSync(join(root, 'dist/cli/main.js')) && newest(join(root, 'dist')) >= newest(join(root, 'src'));
  return builtFresh
    ? { args: [join(root, 'bin/appscope.js')], label: 'bin/appscope.js on dist/' }
    : {
        args: [
          '--import',
          pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href,
          join(root, 'test/cli/fixtures/appscope-from-source.ts'),
        ],
        label: 'main() on the sources',
      };
}

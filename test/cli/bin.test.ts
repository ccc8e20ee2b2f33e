import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm test` builds dist/ first (pretest), so the installed `appscope` command is what runs here.
const root = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(`${root}dist/cli/main.js`);

describe.skipIf(!built)(
  `the appscope command${built ? '' : ' (skipped: dist/ not built; run `npm test`, which builds first)'}`,
  () => {
    it('runs the README quick start: npx appscope permissions list', () => {
      const out = execFileSync('npx', ['--no-install', 'appscope', 'permissions', 'list'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(out).toContain('balance_transaction_source_read');
      expect(out).toContain('90 permissions in 51 resources');
    });
  },
);

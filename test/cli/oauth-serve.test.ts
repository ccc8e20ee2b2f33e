import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('serve OAuth lifetime flags', () => {
  it('refuses a lifetime under a second or not a duration, before starting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-oauth-'));
    dirs.push(dir);
    for (const [flag, value] of [
      ['--oauth-code-ttl', '0s'],
      ['--oauth-access-token-ttl', 'an hour'],
      ['--oauth-refresh-token-ttl', '0'],
    ] as const) {
      const run = await runCli(['serve', '--port', '0', '--data-dir', dir, flag, value], { cwd: dir });
      expect(run.code, `${flag} ${value}`).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^appscope: ${flag}: \`${value}\` `));
    }
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/scripts/${name}`, import.meta.url));

// The writer thread is a module of its own, loaded by URL: the compiled `.js` beside the
// writer in dist/, or the `.ts` beside it in src/ through tsx (vitest, benchmarks, scripts).
it('the SQLite decision writer writes request lines when run from the sources under tsx', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fixture('writer-request-line.ts')], {
    encoding: 'utf8',
  });
  expect(JSON.parse(out)).toMatchObject({ reqId: 'req_fromsources', decision: 'allowed', msg: 'request' });
}, 30_000);

it('the SQLite decision writer runs its compiled worker module from dist/ (npm test builds it)', () => {
  const run = spawnSync(process.execPath, [fixture('writer-dist.mjs')], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({
    reqId: 'req_fromdist',
    decision: 'allowed',
    msg: 'request',
  });
  expect(run.stderr.trim()).toBe('req_fromdist');
}, 30_000);

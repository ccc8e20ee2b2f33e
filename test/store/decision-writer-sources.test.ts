import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('../fixtures/scripts/writer-request-line.ts', import.meta.url));

// The writer thread runs an embedded copy of the request-line formatter. Compiled by esbuild
// (tsx, as the benchmarks and scripts run), that copy calls a helper of the module it came from.
it('the SQLite decision writer writes request lines when run from the sources under tsx', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
  expect(JSON.parse(out)).toMatchObject({ reqId: 'req_fromsources', decision: 'allowed', msg: 'request' });
}, 30_000);

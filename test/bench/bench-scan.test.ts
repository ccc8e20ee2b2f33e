import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm run bench:scan`, shortened: it must generate, scan and print its goal. Whether the goal
// is met depends on the machine, so it is printed, not asserted (docs: bench/scan.ts).
const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

describe('benchmark script (npm run bench:scan)', () => {
  it('scans a generated codebase with and without the prefilter and prints the goal', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/scan.ts', '--lines', '3000', '--runs', '1'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toMatch(
      /^bench:scan — [\d,]+ files, [\d,]+ lines generated \(seed 12\); median of 1 runs$/m,
    );
    expect(stdout).toMatch(
      /^scanPaths +[\d,]+ files\/s +[\d,]+ lines\/s {2}\([\d,]+ of [\d,]+ files parsed; [\d,]+ calls/m,
    );
    expect(stdout).toMatch(/^scanPaths, every file parsed +[\d,]+ files\/s +[\d,]+ lines\/s/m);
    expect(stdout).toMatch(/^goal ≥ 200,000 lines\/s: [\d,]+ lines\/s (met|NOT MET)$/m);
    const calls = /([\d,]+) calls/.exec(stdout);
    expect(Number(calls![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
  }, 60_000);

  it('solves the minimal set for 500 calls from the route table and prints its goal', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/minimal-set.ts', '--runs', '2'],
      {
        cwd: root,
      },
    );
    expect(stdout).toMatch(/^workload: 500 calls from the Stripe route table \(seed 1; \d+ with expand\)/m);
    expect(stdout).toMatch(/^route table +first run [\d.]+ ms .*median of 1 [\d.]+ ms: \d+ permissions/m);
    expect(stdout).toMatch(/^goal: minimal set for 500 calls ≤ 10 ms \(median [\d.]+ ms\): (met|NOT MET)$/m);
  }, 60_000);
});

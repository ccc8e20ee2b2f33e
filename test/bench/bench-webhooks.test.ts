import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm run bench:webhooks`, shortened: it must run to the end and print every line (the figures
// depend on the machine: docs/benchmarks.md has them).
const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

describe('benchmark script (npm run bench:webhooks)', () => {
  it('prints the flow cost with 0, 1 and 16 endpoints, and the delivery rate', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/webhooks.ts', '--quick'], {
      cwd: root,
    });
    expect(stdout).toMatch(/^ {2}\(a\) no endpoint +[\d.]+ ms\/flow$/m);
    expect(stdout).toMatch(/^ {2}\(a\) 1 endpoint +[\d.]+ ms\/flow +[\d.]+×$/m);
    expect(stdout).toMatch(/^ {2}\(a\) 16 endpoints +[\d.]+ ms\/flow +[\d.]+×$/m);
    // every queued delivery was sent: 60 flows plus the 23 events before them, once per endpoint
    expect(stdout).toMatch(/^ {2}\(b\) 1 endpoint +\d+ deliveries\/s \(83 sent\)$/m);
    expect(stdout).toMatch(/^ {2}\(b\) 16 endpoints +\d+ deliveries\/s \(1328 sent\)$/m);
  }, 120_000);
});

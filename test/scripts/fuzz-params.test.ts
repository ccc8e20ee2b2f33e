import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// `npm run fuzz` (scripts/fuzz-params.ts), shortened: it must run the cases it is asked for,
// print its counts, and give the same counts for the same seed with one worker or two.
const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

async function fuzz(...args: string[]): Promise<{ out: string; code: number }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/fuzz-params.ts', ...args], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { out: stdout, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; code?: number };
    return { out: failed.stdout ?? '', code: failed.code ?? -1 };
  }
}

interface Counts {
  readonly ran: number;
  readonly refused: number;
  readonly accepted: number;
  readonly counterexamples: number;
}

function counts(out: string): Counts {
  const read = (label: string): number => {
    const match = new RegExp(`^${label}: +([\\d,]+)$`, 'm').exec(out);
    if (match === null) throw new Error(`no "${label}" line in:\n${out}`);
    return Number(match[1]!.replace(/,/g, ''));
  };
  return {
    ran: read('cases run'),
    refused: read('refused'),
    accepted: read('accepted and checked'),
    counterexamples: read('counterexamples'),
  };
}

describe('fuzz script (npm run fuzz)', () => {
  it('runs --cases N from --seed S and prints what ran, was refused, accepted and failed', async () => {
    const one = await fuzz('--cases', '20000', '--seed', '7', '--workers', '1');
    expect(one.code, one.out).toBe(0);
    const tally = counts(one.out);
    expect(tally.ran).toBe(20_000);
    expect(tally.refused + tally.accepted + tally.counterexamples).toBe(20_000);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
    expect(one.out).toMatch(/^time: +[\d.]+ s \([\d,]+ cases\/s\)$/m);
    // the same seed in two workers (one batch of 10,000 each): the same cases, the same counts
    const two = await fuzz('--cases', '20000', '--seed', '7', '--workers', '2');
    expect(two.code, two.out).toBe(0);
    expect(counts(two.out)).toEqual(tally);
  }, 120_000);

  it('refuses an unknown option', async () => {
    const result = await fuzz('--case', '10');
    expect(result.code).toBe(2);
  }, 60_000);
});

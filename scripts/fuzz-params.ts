/**
 * `npm run fuzz [-- --cases N] [--seed S] [--workers W]`: the
 * parser-differential property of test/support/param-fuzz.ts on many cases (default 1,000,000).
 * Cases are drawn in batches of 10,000, batch k from seed `S + k`, and the batches are shared out
 * among worker threads; the counts do not depend on the number of workers. Prints how many cases
 * ran, were refused, and were accepted and checked, and every counterexample; exits 1 on a
 * counterexample.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { checkFuzzCase, describeCase, type FuzzCase, fuzzCaseArbitrary } from '../test/support/param-fuzz.js';

const BATCH = 10_000;
/** A worker runs this file too, through tsx's loader as the main thread does. */
const WORKER_BOOT = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
const SHOWN = 5;

interface Options {
  readonly cases: number;
  readonly seed: number;
  readonly workers: number;
}

interface Counterexample {
  readonly input: string;
  readonly why: string;
}

interface Tally {
  ran: number;
  refused: number;
  accepted: number;
  counterexamples: number;
  shown: Counterexample[];
}

interface Job {
  readonly seed: number;
  readonly cases: number;
  readonly batches: readonly number[];
}

function parseOptions(argv: readonly string[]): Options {
  let cases = 1_000_000;
  let seed = 20261204;
  let workers = Math.max(1, Math.min(2, availableParallelism()));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const number = (): number => {
      const value = Number(argv[++i]);
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${arg} takes a whole number`);
      return value;
    };
    if (arg === '--cases') cases = number();
    else if (arg === '--seed') seed = number();
    else if (arg === '--workers') workers = Math.max(1, number());
    else throw new Error(`unknown option ${arg} (options: --cases N, --seed S, --workers W)`);
  }
  return { cases, seed, workers };
}

/** Runs some batches of a job: batch k has min(BATCH, rest) cases drawn from seed + k. */
function runBatches(job: Job): Tally {
  const tally: Tally = { ran: 0, refused: 0, accepted: 0, counterexamples: 0, shown: [] };
  for (const k of job.batches) {
    const size = Math.min(BATCH, job.cases - k * BATCH);
    fc.check(
      fc.property(fuzzCaseArbitrary, (c: FuzzCase) => {
        tally.ran++;
        try {
          const outcome = checkFuzzCase(c);
          if (outcome.kind === 'refused') tally.refused++;
          else tally.accepted++;
        } catch (error) {
          tally.counterexamples++;
          if (tally.shown.length < SHOWN) {
            tally.shown.push({
              input: describeCase(c),
              why: (error as Error).message.split('\n')[0]!,
            });
          }
        }
        return true;
      }),
      { numRuns: size, seed: (job.seed + k) | 0 },
    );
  }
  return tally;
}

function merge(into: Tally, from: Tally): void {
  into.ran += from.ran;
  into.refused += from.refused;
  into.accepted += from.accepted;
  into.counterexamples += from.counterexamples;
  for (const shown of from.shown) if (into.shown.length < SHOWN) into.shown.push(shown);
}

const count = (n: number): string => n.toLocaleString('en-US');

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const batches = Math.ceil(options.cases / BATCH);
  const workers = Math.min(options.workers, Math.max(1, batches));
  const started = performance.now();
  const jobs: Job[] = Array.from({ length: workers }, (_, w) => ({
    seed: options.seed,
    cases: options.cases,
    batches: Array.from({ length: batches }, (_, k) => k).filter((k) => k % workers === w),
  }));
  const tallies =
    workers === 1
      ? [runBatches(jobs[0]!)]
      : await Promise.all(
          jobs.map(
            (job) =>
              new Promise<Tally>((resolve, reject) => {
                const worker = new Worker(WORKER_BOOT, { eval: true, workerData: job });
                worker.once('message', resolve);
                worker.once('error', reject);
              }),
          ),
        );
  const total: Tally = { ran: 0, refused: 0, accepted: 0, counterexamples: 0, shown: [] };
  for (const tally of tallies) merge(total, tally);
  const seconds = (performance.now() - started) / 1000;

  console.log(`parser-differential fuzz: seed ${options.seed}, ${workers} worker${workers === 1 ? '' : 's'}`);
  console.log(`cases run:               ${count(total.ran)}`);
  console.log(`refused:                 ${count(total.refused)}`);
  console.log(`accepted and checked:    ${count(total.accepted)}`);
  console.log(`counterexamples:         ${count(total.counterexamples)}`);
  console.log(
    `time:                    ${seconds.toFixed(1)} s (${count(Math.round(total.ran / seconds))} cases/s)`,
  );
  for (const shown of total.shown) {
    console.log(`\ncounterexample: ${shown.why}`);
    console.log(`  ${shown.input}`);
  }
  return total.counterexamples > 0 ? 1 : 0;
}

if (isMainThread) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
} else {
  parentPort!.postMessage(runBatches(workerData as Job));
}

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { AppscopeError } from '../errors.js';
import { type ObservedCall, startRecorder } from '../record/recorder.js';
import { catalogFor, type GlobalOptions, resolvePath } from './context.js';
import { routeTableFor } from './endpoints-resolve.js';
import { type CliIo, printJson } from './io.js';
import {
  buildReport,
  formatReport,
  type ReportCall,
  type ReportUnresolved,
  reportExitCode,
} from './least-privilege-report.js';
import { DEFAULT_MANIFEST } from './manifest-validate.js';
import { requestedBy } from './scan.js';
import { upstreamOptions } from './serve.js';

export interface RecordFlags {
  upstream?: string;
  upstreamMultiAccount?: boolean;
  routes?: string;
}

/**
 * The environment a recorded program gets: the recording gateway's address in the forms the
 * official SDKs and hand-written clients take, and its key under the usual names.
 */
export function recordingEnvironment(url: string, port: number, key: string): Record<string, string> {
  return {
    STRIPE_API_BASE: url,
    STRIPE_HOST: '127.0.0.1',
    STRIPE_PORT: String(port),
    STRIPE_PROTOCOL: 'http',
    STRIPE_API_KEY: key,
    STRIPE_SECRET_KEY: key,
  };
}

/** What one recorded run saw: the command's exit code and the calls, in order. */
export interface RecordedRun {
  readonly exitCode: number;
  readonly calls: readonly ObservedCall[];
}

/**
 * Runs `command` against a recording gateway (see `startRecorder`) and returns its exit code
 * and the calls it made. The command's own output goes to the CLI's standard error, so that the
 * report owns standard output.
 */
export async function recordRun(
  io: CliIo,
  globals: GlobalOptions,
  flags: RecordFlags,
  command: readonly string[],
): Promise<RecordedRun> {
  const [program, ...args] = command;
  if (program === undefined) {
    throw new AppscopeError(
      'ERR_USAGE',
      'name the command to record after `--`, e.g. `appscope record -- npm test`',
    );
  }
  const upstream = upstreamOptions(io, flags);
  const recorder = await startRecorder({
    catalog: catalogFor(io, globals),
    routes: routeTableFor(io, globals, flags.routes),
    ...(upstream === undefined ? {} : { upstream: { ...upstream, throttle: false } }),
  });
  try {
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn(program, args, {
        cwd: io.cwd,
        env: { ...io.env, ...recordingEnvironment(recorder.url, recorder.port, recorder.key) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk: Buffer) => io.stderr(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => io.stderr(chunk.toString('utf8')));
      child.once('error', (error) =>
        reject(new AppscopeError('ERR_USAGE', `cannot run \`${program}\`: ${error.message}`)),
      );
      child.once('close', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    });
    return { exitCode, calls: [...recorder.observed()] };
  } finally {
    await recorder.close();
  }
}

/** Observed calls as report calls: one per operation and requirement, with how often it was made. */
export function recordedCalls(observed: readonly ObservedCall[]): {
  calls: ReportCall[];
  unresolved: ReportUnresolved[];
} {
  const calls = new Map<string, ReportCall & { count: number }>();
  const unresolved = new Map<string, ReportUnresolved>();
  for (const call of observed) {
    if (call.route === null) {
      const via = `${call.method} ${call.path}`;
      if (!unresolved.has(via)) {
        unresolved.set(via, {
          via,
          reason: `refused by the gateway before any decision (${call.status ?? 'no status'}): no route, or parameters it cannot read one way only`,
        });
      }
      continue;
    }
    const operation = `${call.method} ${call.route}`;
    const key = `${operation} ${JSON.stringify(call.requirement)}`;
    const known = calls.get(key);
    if (known !== undefined) known.count++;
    else calls.set(key, { via: 'recorded', operation, requires: call.requirement, count: 1 });
  }
  return { calls: [...calls.values()], unresolved: [...unresolved.values()] };
}

interface RecordOptions extends RecordFlags {
  manifest?: string;
  json?: boolean;
  strict?: boolean;
}

/**
 * `appscope record [--upstream URL] [--manifest FILE] [--json] [--strict] -- COMMAND …`: runs the
 * command against a recording gateway and, when it exits, prints the same least-privilege report
 * as `scan` for the calls it made. The exit code is the command's, or 1 with `--strict` when the
 * manifest lacks a permission the calls needed.
 */
export function registerRecord(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('record')
    .description('run a command against a recording gateway and report the permissions its Stripe calls need')
    .argument('<command...>', 'the command to run, after `--` (e.g. `-- npm test`)')
    .option(
      '--upstream <url>',
      'forward to this Stripe-compatible API (key in APPSCOPE_UPSTREAM_KEY) instead of the built-in emulator',
    )
    .option('--upstream-multi-account', 'send Stripe-Account to the upstream')
    .option(
      '--manifest <path>',
      `the app manifest to compare with (default: ${DEFAULT_MANIFEST} here, if any)`,
    )
    .option('--json', 'print the report as JSON')
    .option('--strict', 'exit 1 when the manifest lacks a permission the calls needed')
    .option('--routes <path>', 'a route table generated for a custom catalog')
    .action(async (command: string[], options: RecordOptions) => {
      const globals = program.opts<GlobalOptions>();
      const catalog = catalogFor(io, globals);
      const manifest =
        options.manifest ?? (existsSync(resolvePath(io, DEFAULT_MANIFEST)) ? DEFAULT_MANIFEST : undefined);
      const requested = manifest === undefined ? undefined : requestedBy(io, catalog, manifest);
      const run = await recordRun(io, globals, options, command);
      const { calls, unresolved } = recordedCalls(run.calls);
      const report = buildReport(catalog, calls, unresolved, requested);
      if (options.json === true) printJson(io, { exitCode: run.exitCode, ...report });
      else io.stdout(formatReport(catalog, report));
      const missing = reportExitCode(report, false) !== 0;
      setExit(options.strict === true && missing && run.exitCode === 0 ? 1 : run.exitCode);
    });
}

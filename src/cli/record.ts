import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { AppscopeError } from '../errors.js';
import { type ObservedCall, startRecorder } from '../record/recorder.js';
import { catalogFor, type GlobalOptions } from './context.js';
import { routeTableFor } from './endpoints-resolve.js';
import type { CliIo } from './io.js';
import { upstreamOptions } from './serve.js';

interface RecordFlags {
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

/** Registers `appscope record` (its report is assembled in `registerRecord`). */
export type { RecordFlags };
export type RegisterRecord = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

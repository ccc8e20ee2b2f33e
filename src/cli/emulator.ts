import type { Command } from 'commander';
import pino from 'pino';
import { createEmulator } from '../emulator/emulator.js';
import {
  createMemoryStorage,
  DEFAULT_MAX_OBJECTS_PER_SCOPE,
  type EvictionInfo,
} from '../emulator/memory-storage.js';
import { type EmulatorServer, startEmulatorServer } from '../emulator/server.js';
import { AppscopeError } from '../errors.js';
import type { CliIo } from './io.js';
import { untilSignal } from './signals.js';

/** The port `appscope emulator` listens on unless told otherwise: stripe-mock's. */
export const DEFAULT_EMULATOR_PORT = 12111;

/** Options of `appscope emulator`. */
export interface EmulatorCommandOptions {
  /** Default {@link DEFAULT_EMULATOR_PORT}; 0 lets the OS choose. */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Objects kept per account and mode before the oldest are evicted (default 50,000). */
  readonly maxObjects?: number;
  /** stripe-mock compatibility: unknown ids answer a fixture-like object instead of a 404. */
  readonly stripeMock?: boolean;
}

/** A running `appscope emulator`. */
export interface RunningEmulator {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly server: EmulatorServer;
  /** Stops listening, logs evictions not yet reported, and says it stopped. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the standalone emulator as `appscope emulator` does: prints its URL alone on the first
 * line of standard output and logs JSON lines (as `serve` does) on standard error, among them a
 * warning when objects are evicted ({@link evictionWarnings}).
 * @example
 * const running = await startStandaloneEmulator(processIo, { port: 0 });
 * // APPSCOPE_UPSTREAM_KEY=sk_test_… appscope serve --upstream ${running.url} --upstream-multi-account
 * await running.close();
 */
export async function startStandaloneEmulator(
  io: CliIo,
  options: EmulatorCommandOptions = {},
): Promise<RunningEmulator> {
  const port = options.port ?? DEFAULT_EMULATOR_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new AppscopeError('ERR_USAGE', `--port: \`${String(options.port)}\` is not a port from 0 to 65535`);
  }
  const host = options.host ?? '127.0.0.1';
  const maxObjects = options.maxObjects ?? DEFAULT_MAX_OBJECTS_PER_SCOPE;
  checkMaxObjects(maxObjects, '--max-objects');

  const logger = pino(
    {
      level: 'info',
      base: { service: 'appscope', pid: process.pid },
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => io.stderr(line) },
  );
  const warnings = evictionWarnings((fields, message) => logger.warn(fields, message), {
    maxObjects,
    flag: '--max-objects',
  });
  const emulator = createEmulator({
    storage: createMemoryStorage({ maxObjectsPerScope: maxObjects, onEvict: warnings.onEvict }),
    onInternalError: (error) => logger.error({ err: error }, 'emulator: unexpected error'),
    ...(options.stripeMock === true ? { stripeMock: true } : {}),
  });
  let server: EmulatorServer;
  try {
    server = await startEmulatorServer({ port, host, emulator });
  } catch (error) {
    warnings.close();
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new AppscopeError(
        'ERR_USAGE',
        `cannot listen on ${host}:${port} (${String(code)}): pick another --port (0 picks a free one) or --host`,
      );
    }
    throw error;
  }
  io.stdout(`${server.url}\n`);
  logger.info(
    { url: server.url, maxObjectsPerScope: maxObjects, stripeMock: options.stripeMock === true },
    'emulator listening',
  );
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    host: server.host,
    port: server.port,
    server,
    close() {
      closing ??= (async () => {
        try {
          await server.close();
        } finally {
          warnings.close();
          logger.info('emulator stopped');
        }
      })();
      return closing;
    },
  };
}

/**
 * Throws the usage error for a `--max-objects`-like value that is not a positive integer
 * (for options given as numbers, from code).
 * @example
 * checkMaxObjects(options.emulatorMaxObjects, '--emulator-max-objects');
 */
export function checkMaxObjects(value: number, flag: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AppscopeError('ERR_USAGE', `${flag}: \`${String(value)}\` is not a positive integer`);
  }
}

/**
 * Reads a `--max-objects`-like flag: a positive integer in decimal digits, else a usage error.
 * @example
 * parseMaxObjects('10000', '--max-objects'); // 10000
 */
export function parseMaxObjects(text: string, flag: string): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AppscopeError('ERR_USAGE', `${flag}: \`${text}\` is not a positive integer`);
  }
  return value;
}

/** Options of {@link evictionWarnings}. */
export interface EvictionWarningsOptions {
  /** The cap in force, for the message. */
  readonly maxObjects: number;
  /** The flag that sets it (`--max-objects`, `--emulator-max-objects`), for the message. */
  readonly flag: string;
  /** At most one warning per account and mode this often, in ms (default one minute). */
  readonly intervalMs?: number;
}

/** What {@link evictionWarnings} returns. */
export interface EvictionWarnings {
  /** Give to `createMemoryStorage({ onEvict })`. */
  readonly onEvict: (info: EvictionInfo) => void;
  /** Logs the evictions not yet reported, and stops the timers. */
  close(): void;
}

interface ScopeWarnings {
  readonly account: string;
  readonly livemode: boolean;
  /** Evicted since the last warning. */
  pending: number;
  total: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Turns evictions into warnings, at most one per account and mode per interval: the first
 * eviction is reported at once, later ones are counted and reported together when the
 * interval ends (or at `close`), so a flood of evictions is a line a minute, and none is lost.
 * @example
 * const warnings = evictionWarnings((fields, msg) => logger.warn(fields, msg), { maxObjects, flag: '--max-objects' });
 * const storage = createMemoryStorage({ maxObjectsPerScope: maxObjects, onEvict: warnings.onEvict });
 */
export function evictionWarnings(
  warn: (fields: Record<string, unknown>, message: string) => void,
  options: EvictionWarningsOptions,
): EvictionWarnings {
  const intervalMs = options.intervalMs ?? 60_000;
  const message = `emulator: evicted the oldest objects of an account and mode, over the limit of ${options.maxObjects} objects (${options.flag})`;
  const scopes = new Map<string, ScopeWarnings>();

  function report(state: ScopeWarnings): void {
    warn(
      {
        account: state.account,
        livemode: state.livemode,
        evicted: state.pending,
        evictedTotal: state.total,
        maxObjects: options.maxObjects,
      },
      message,
    );
    state.pending = 0;
  }

  function schedule(key: string, state: ScopeWarnings): void {
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (state.pending === 0) {
        scopes.delete(key); // quiet for a whole interval: the next eviction is reported at once
        return;
      }
      report(state);
      schedule(key, state);
    }, intervalMs);
    state.timer.unref();
  }

  return {
    onEvict(info) {
      const key = `${info.livemode ? 'live' : 'test'}:${info.account}`;
      let state = scopes.get(key);
      if (state === undefined) {
        state = { account: info.account, livemode: info.livemode, pending: 0, total: 0, timer: undefined };
        scopes.set(key, state);
      }
      state.pending += 1;
      state.total = info.count;
      if (state.timer === undefined) {
        report(state);
        schedule(key, state);
      }
    },
    close() {
      for (const state of scopes.values()) {
        if (state.timer !== undefined) clearTimeout(state.timer);
        if (state.pending > 0) report(state);
      }
      scopes.clear();
    },
  };
}

interface EmulatorFlags {
  port: string;
  host: string;
  maxObjects?: string;
  stripeMock?: boolean;
}

/**
 * `appscope emulator [--port 12111] [--host 127.0.0.1] [--max-objects 50000] [--stripe-mock]`:
 * the standalone emulator, for several `serve` processes to share (`--upstream URL
 * --upstream-multi-account`) or for tests. Runs until SIGTERM or SIGINT, then exits 0.
 */
export function registerEmulator(program: Command, io: CliIo): void {
  program
    .command('emulator')
    .description('run the Stripe-like emulator as a standalone server (an upstream for serve)')
    .option('--port <port>', 'port to listen on; 0 picks a free one', String(DEFAULT_EMULATOR_PORT))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option(
      '--max-objects <n>',
      `objects kept per account and mode; past it the oldest are evicted (default ${DEFAULT_MAX_OBJECTS_PER_SCOPE})`,
    )
    .option('--stripe-mock', 'stripe-mock compatibility: unknown ids answer a fixture-like object, not 404')
    .action(async (flags: EmulatorFlags) => {
      const port = Number(flags.port);
      if (flags.port.trim() === '' || !Number.isInteger(port)) {
        throw new AppscopeError('ERR_USAGE', `--port: \`${flags.port}\` is not a port from 0 to 65535`);
      }
      const running = await startStandaloneEmulator(io, {
        port,
        host: flags.host,
        ...(flags.maxObjects === undefined
          ? {}
          : { maxObjects: parseMaxObjects(flags.maxObjects, '--max-objects') }),
        ...(flags.stripeMock ? { stripeMock: true } : {}),
      });
      await untilSignal();
      await running.close();
    });
}

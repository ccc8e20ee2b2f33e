import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { AppscopeError } from '../errors.js';

/** Where the decision log writes JSON lines (a file, standard output, or a test's buffer). */
export interface JsonLinesOutput {
  /** Writes complete lines; resolves once the output can take more (back-pressure). */
  write(text: string): Promise<void>;
  /** Flushes and releases the output (standard output is flushed, never closed). */
  close(): Promise<void>;
}

/**
 * Opens `--decision-log-jsonl PATH|-`: `-` is standard output; a path is opened for appending
 * (created with its directory if missing), so a restart adds to the same file.
 * @example
 * const output = await openJsonLines('/var/log/appscope/decisions.jsonl');
 * const log = new DecisionLog({ store, jsonl: output });
 */
export async function openJsonLines(target: string): Promise<JsonLinesOutput> {
  if (target === '-') return streamOutput(process.stdout, false);
  if (target.trim() === '') throw new AppscopeError('ERR_USAGE', '--decision-log-jsonl: the path is empty');
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (error) {
    throw new AppscopeError(
      'ERR_FILE_WRITE',
      `cannot create the directory of \`${target}\`: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const stream = createWriteStream(target, { flags: 'a', mode: 0o640 });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error) =>
      reject(
        new AppscopeError(
          'ERR_FILE_WRITE',
          `cannot open \`${target}\` for the decision log: ${error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
  });
  return streamOutput(stream, true);
}

/** A {@link JsonLinesOutput} over any writable stream. */
export function streamOutput(stream: Writable, owned: boolean): JsonLinesOutput {
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure = error;
  });
  return {
    async write(text) {
      if (failure !== undefined) throw failure;
      if (!stream.write(text)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            stream.off('drain', done);
            stream.off('error', done);
            stream.off('close', done);
            resolve();
          };
          stream.once('drain', done);
          stream.once('error', done);
          stream.once('close', done);
        });
      }
      if (failure !== undefined) throw failure;
    },
    async close() {
      if (!owned) return;
      await new Promise<void>((resolve) => stream.end(() => resolve()));
    },
  };
}

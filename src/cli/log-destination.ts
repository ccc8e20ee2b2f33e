import { writeSync } from 'node:fs';

/** Where `serve` writes its JSON log lines: pino's destination and the request lines alike. */
export interface LogDestination {
  /** Queues one or more whole lines (each ending in `\n`). */
  write(text: string): void;
  /** Writes everything queued, now (then calls `callback`, as pino's `logger.flush(cb)` expects). */
  flush(callback?: (error?: Error) => void): void;
  /** Same as `flush` (pino calls this one at shutdown). */
  flushSync(): void;
  /** Flushes and stops the timer; later lines are written at once. */
  end(): void;
}

/** Options of {@link createLogDestination}. */
export interface LogDestinationOptions {
  /** Queued characters that trigger a write (default 16 KiB). */
  readonly bufferSize?: number;
  /** Longest a line waits before it is written, in ms (default 1000). */
  readonly flushIntervalMs?: number;
  /** Stands in for `fs.writeSync` (tests). */
  readonly writeSync?: (fd: number, bytes: Buffer, offset: number) => number;
}

/**
 * A buffered, synchronous log destination on a file descriptor: lines are joined in memory and
 * written once `bufferSize` characters wait, at least every `flushIntervalMs`, and at exit, in
 * writes of whole lines of at most 4096 bytes (atomic on a pipe, so another thread's lines never
 * land inside one). A line costs a string append, less than a write through pino's own
 * `sonic-boom` destination. Writes are blocking, like pino's default; a
 * non-blocking pipe that is full (`EAGAIN`) is retried until it drains, so no line is lost.
 * @example
 * const destination = createLogDestination(2);
 * const logger = pino({ level: 'info' }, destination);
 */
export function createLogDestination(fd: number, options: LogDestinationOptions = {}): LogDestination {
  const bufferSize = options.bufferSize ?? 16 * 1024;
  const write =
    options.writeSync ??
    ((target: number, bytes: Buffer, offset: number) => writeSync(target, bytes, offset));
  let buffer = '';
  let ended = false;

  function flush(): void {
    if (buffer.length === 0) return;
    const bytes = Buffer.from(buffer, 'utf8');
    buffer = '';
    let offset = 0;
    while (offset < bytes.length) {
      // Whole lines, at most PIPE_BUF (4096) bytes a write: a write that size to a pipe is never
      // interleaved with another writer's (the decision writer thread writes request lines too).
      let end = Math.min(offset + ATOMIC_BYTES, bytes.length);
      if (end < bytes.length) {
        const newline = bytes.lastIndexOf(10, end - 1);
        if (newline >= offset) end = newline + 1;
      }
      while (offset < end) {
        try {
          offset += write(fd, bytes.subarray(0, end), offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
            Atomics.wait(SLEEP, 0, 0, 1); // a full non-blocking pipe: wait a millisecond for the reader
            continue;
          }
          return; // a closed descriptor (EPIPE, EBADF): the lines have nowhere to go
        }
      }
    }
  }

  const timer = setInterval(flush, options.flushIntervalMs ?? 1000);
  timer.unref();
  process.once('exit', flush);

  return {
    write(text) {
      buffer += text;
      if (ended || buffer.length >= bufferSize) flush();
    },
    flush(callback) {
      flush();
      callback?.();
    },
    flushSync: flush,
    end() {
      ended = true;
      clearInterval(timer);
      process.removeListener('exit', flush);
      flush();
    },
  };
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));
/** PIPE_BUF on Linux: writes up to this size to a pipe are atomic. */
const ATOMIC_BYTES = 4096;

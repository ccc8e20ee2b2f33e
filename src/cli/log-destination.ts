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
  /** Lines dropped because the reader was gone or stalled. */
  readonly dropped: number;
}

/** Options of {@link createLogDestination}. */
export interface LogDestinationOptions {
  /** Queued characters that trigger a write (default 16 KiB). */
  readonly bufferSize?: number;
  /** Longest a line waits before it is written, in ms (default 1000). */
  readonly flushIntervalMs?: number;
  /**
   * Longest a write waits for a full pipe, in ms (default 1000). Past it the reader is taken as
   * stalled: lines are dropped (and counted) instead of blocking the process, until a write
   * succeeds again. A process blocked on its log pipe could not even handle SIGTERM.
   */
  readonly stallMs?: number;
  /** Stands in for `fs.writeSync` (tests). */
  readonly writeSync?: (fd: number, bytes: Buffer, offset: number) => number;
}

/**
 * A buffered, synchronous log destination on a file descriptor: lines are joined in memory and
 * written once `bufferSize` characters wait, at least every `flushIntervalMs`, and at exit, in
 * writes of whole lines of at most 4096 bytes (atomic on a pipe, so another thread's lines never
 * land inside one). A line costs a string append, less than a write through pino's own
 * `sonic-boom` destination. Writes are blocking, like pino's default; a
 * non-blocking pipe that is full (`EAGAIN`) is retried for up to `stallMs`, so a slow reader
 * loses no line. A reader that has gone (`EPIPE`) or stopped reading for longer loses the lines
 * (they are counted, and a line saying how many were dropped is written once the pipe drains):
 * the process never blocks on its log, so it keeps serving and still answers SIGTERM.
 * @example
 * const destination = createLogDestination(2);
 * const logger = pino({ level: 'info' }, destination);
 */
export function createLogDestination(fd: number, options: LogDestinationOptions = {}): LogDestination {
  const bufferSize = options.bufferSize ?? 16 * 1024;
  const write =
    options.writeSync ??
    ((target: number, bytes: Buffer, offset: number) => writeSync(target, bytes, offset));
  const stallMs = options.stallMs ?? 1000;
  let buffer = '';
  let ended = false;
  /**
   * The last write failed (the reader is gone, or stopped reading for longer than `stallMs`):
   * writes are tried once, never waited on.
   */
  let failing = false;
  let dropped = 0;
  /** Dropped lines not yet reported in the log itself. */
  let unreported = 0;

  function flush(): void {
    if (buffer.length === 0) return;
    // After dropped lines, the first write that gets through says how many were lost.
    let noted = unreported;
    const note =
      noted > 0
        ? `${JSON.stringify({ level: 'warn', time: Date.now(), service: 'appscope', pid: process.pid, droppedLogLines: noted, msg: 'log lines were dropped: the log reader was gone or not reading' })}\n`
        : '';
    const noteBytes = Buffer.byteLength(note);
    const bytes = Buffer.from(note + buffer, 'utf8');
    buffer = '';
    const drop = (from: number): void => {
      let lines = 0;
      for (let i = bytes.indexOf(10, Math.max(from, noteBytes)); i !== -1; i = bytes.indexOf(10, i + 1))
        lines++;
      dropped += lines;
      unreported += lines;
    };
    let offset = 0;
    let waitingSince: number | undefined;
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
          if (noted > 0 && offset >= noteBytes) {
            unreported -= noted;
            noted = 0;
          }
          waitingSince = undefined;
          failing = false;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
            const now = Date.now();
            waitingSince ??= now;
            if (!failing && now - waitingSince < stallMs) {
              Atomics.wait(SLEEP, 0, 0, 1); // a full non-blocking pipe: wait a millisecond for the reader
              continue;
            }
          }
          // a closed descriptor (EPIPE, EBADF) or a reader that is not reading: the lines are
          // dropped rather than block the process
          failing = true;
          drop(offset);
          return;
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
    get dropped() {
      return dropped;
    },
  };
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4));
/** PIPE_BUF on Linux: writes up to this size to a pipe are atomic. */
const ATOMIC_BYTES = 4096;

/** Where a command writes, so commands run the same in a terminal and in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Standard streams whose reader went away (`appscope … | head`): later writes are skipped. */
const closed = new Set<NodeJS.WriteStream>();
/** Streams with our `error` listener (others may listen too: worker threads pipe into them). */
const guarded = new Set<NodeJS.WriteStream>();

/**
 * Writes to a standard stream, tolerating a reader that has gone: `EPIPE` ends the output
 * instead of killing the process — `appscope permissions list | head` stops quietly, and a
 * server whose banner went to a closed pipe keeps serving (its logs are on standard error).
 */
function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (closed.has(stream)) return;
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      closed.add(stream);
    });
  }
  stream.write(text);
}

export const processIo: CliIo = {
  stdout: (text) => writeTo(process.stdout, text),
  stderr: (text) => writeTo(process.stderr, text),
  cwd: process.cwd(),
  env: process.env,
};

/** Exit codes: 0 success, 1 the thing checked is invalid or the operation failed, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Renders rows as aligned columns with a header, for people. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `a, b and c` for messages. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

import { parseArgs } from 'node:util';
import { startEmulatorServer } from './server.js';

/**
 * `tsx src/emulator/main.ts --port 12111 --host 127.0.0.1` (or `node dist/emulator/main.js …`):
 * starts the standalone emulator and prints its URL alone on the first line of stdout,
 * so a benchmark or script can read it. `--port 0` (the default) lets the OS choose.
 * Stops on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(
      `appscope emulator: --port must be an integer from 0 to 65535, not \`${values.port}\`\n`,
    );
    process.exit(2);
  }
  const server = await startEmulatorServer({ port, host: values.host });
  process.stdout.write(`${server.url}\n`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`appscope emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const io = fileURLToPath(new URL('../../dist/cli/io.js', import.meta.url));

/**
 * Runs a script that writes a lot through `processIo` while its reader has gone away (the
 * parent closes its end of the pipe at once), as `appscope … | head` does to a command.
 */
function withClosedStdout(script: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.destroy();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('a standard output whose reader has gone', () => {
  it('ends the output quietly instead of crashing the process', async () => {
    const { code, stderr } = await withClosedStdout(`
      import { processIo } from ${JSON.stringify(io)};
      const line = 'x'.repeat(1000) + '\\n';
      for (let i = 0; i < 500; i++) processIo.stdout(line); // far more than a pipe holds
      await new Promise((resolve) => setTimeout(resolve, 200)); // the EPIPE arrives meanwhile
      for (let i = 0; i < 10; i++) processIo.stdout(line); // later writes are skipped
      processIo.stderr('still here\\n');
    `);
    expect(stderr).toBe('still here\n');
    expect(code).toBe(0);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('src/emulator/main.ts', () => {
  it('starts the standalone server on --port 0, prints its URL, serves, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/emulator/main.ts', '--port', '0', '--host', '127.0.0.1'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      const url = chunk.toString('utf8').split('\n')[0]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${url}/v1/balance`, {
        headers: { authorization: 'Bearer sk_test_main' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('request-id')).toMatch(/^req_/);
      expect(await response.json()).toMatchObject({ object: 'balance', livemode: false });
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { startServe } from '../../src/cli/serve.js';
import { runCli } from '../support/run-cli.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'appscope-ops-'));
  dirs.push(dir);
  return dir;
}

function capture(cwd: string, env: Record<string, string> = {}): CliIo & { out: () => string } {
  let out = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      out += text;
    },
    cwd,
    env,
    out: () => out,
  };
}

describe('appscope --version', () => {
  it.each(['--version', '-V'])('%s prints the version in package.json', async (flag) => {
    const run = await runCli([flag]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });
});

describe('serve with a custom catalog', () => {
  it('names the catalog and route table in its banner, from flags or from the environment', async () => {
    const cwd = scratch();
    const fromFlags = capture(cwd);
    const flags = await startServe(
      fromFlags,
      { port: 0, logLevel: 'silent', dataDir: join(cwd, 'a'), routes: join(fixtures, 'notes-routes.json') },
      { catalog: join(fixtures, 'notes-catalog.json') },
    );
    try {
      expect(flags.app.hasRoute({ method: 'GET', url: '/readyz' })).toBe(true);
      const ready = await fetch(`${flags.url}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await flags.close();
    }
    expect(fromFlags.out()).toContain(`  catalog:  ${join(fixtures, 'notes-catalog.json')}\n`);
    expect(fromFlags.out()).toContain(`  routes:   ${join(fixtures, 'notes-routes.json')}\n`);

    const fromEnv = capture(cwd, {
      APPSCOPE_CATALOG: join(fixtures, 'notes-catalog.json'),
      APPSCOPE_ROUTES: join(fixtures, 'notes-routes.json'),
    });
    const env = await startServe(fromEnv, { port: 0, logLevel: 'silent', dataDir: join(cwd, 'b') });
    await env.close();
    expect(fromEnv.out()).toContain(`  catalog:  ${join(fixtures, 'notes-catalog.json')}\n`);
    expect(fromEnv.out()).toContain(`  routes:   ${join(fixtures, 'notes-routes.json')}\n`);

    const builtIn = capture(cwd);
    const stripe = await startServe(builtIn, { port: 0, logLevel: 'silent', dataDir: join(cwd, 'c') });
    await stripe.close();
    expect(builtIn.out()).toContain('  catalog:  built-in Stripe Apps catalog\n');
    expect(builtIn.out()).toContain('  routes:   built-in Stripe route table\n');
  });

  it('fails with one line when the catalog has no matching route table', async () => {
    const cwd = scratch();
    const run = await runCli(
      ['--data-dir', join(cwd, 'data'), 'serve', '--port', '0', '--catalog', 'notes-catalog.json'],
      {
        cwd: fixtures,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^appscope: catalog `notes-catalog\.json` has no route table \(the built-in Stripe routes need \d+ permissions it lacks: .*\): pass --routes FILE \(or APPSCOPE_ROUTES\) generated with `appscope routes generate`$/,
      ),
    ]);
  });

  it('fails with one line when the route table was generated for another catalog', async () => {
    const run = await runCli(['endpoints', 'resolve', '--routes', 'notes-routes.json', 'GET /v1/notes'], {
      cwd: fixtures,
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^appscope: route table `.*notes-routes\.json` does not match catalog `stripe-apps` \(\d+ permissions? it lacks: note_read.*\): regenerate it for this catalog/,
    );
  });

  it('APPSCOPE_CATALOG alone, like --catalog alone, asks for a route table', async () => {
    const run = await runCli(['endpoints', 'resolve', 'GET /v1/notes'], {
      cwd: fixtures,
      env: { APPSCOPE_CATALOG: 'notes-catalog.json' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^appscope: catalog `notes-catalog\.json` has no route table .*\n$/);
  });
});

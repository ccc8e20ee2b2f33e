import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE } from '../../src/cli/data-keys.js';
import type { CliIo } from '../../src/cli/io.js';
import { type RunningServer, startServe } from '../../src/cli/serve.js';
import { generateDataKey } from '../../src/domain/data-keys.js';
import { runCli } from '../support/run-cli.js';
import { seedInstall } from '../support/seed-install.js';

/**
 * The Secret Store's data keys on the command line: `serve` generates one in the data directory
 * (mode 0600) or takes the operator's; `appscope secrets rotate-key` re-encrypts every secret,
 * also under a running server, and leaves every secret readable.
 */

const ACCOUNT = { type: 'account' } as const;
const dirs: string[] = [];
const servers: RunningServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function io(cwd: string, env: Record<string, string> = {}): CliIo & { out: () => string } {
  let out = '';
  return {
    stdout: (text) => {
      out += text;
    },
    stderr: () => {},
    cwd,
    env,
    out: () => out,
  };
}

async function serve(dir: string, env: Record<string, string> = {}) {
  const terminal = io(dir, env);
  const server = await startServe(terminal, { port: 0, dataDir: dir, logLevel: 'silent' });
  servers.push(server);
  return { server, banner: terminal.out() };
}

function sdk(server: RunningServer, key: string): Stripe {
  return new Stripe(key, {
    host: server.host,
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

async function stop(server: RunningServer): Promise<void> {
  servers.splice(servers.indexOf(server), 1);
  await server.close();
}

const payloadOf = async (stripe: Stripe, name: string) =>
  (await stripe.apps.secrets.find({ name, scope: ACCOUNT, expand: ['payload'] })).payload;

describe('the Secret Store’s data keys on the command line', () => {
  it('serve generates a key in the data directory (0600), says so, and uses it again after a restart', async () => {
    const { dir, key } = await dataDirWithInstall();
    const path = join(dir, SECRET_KEY_FILE);
    const first = await serve(dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const id =
      /secrets: {2}data key (dk_[0-9a-f]{16}) generated in secret-store\.key \(mode 0600\): back it up/.exec(
        first.banner,
      )?.[1];
    expect(id).toBeDefined();
    expect(first.banner).not.toContain(readFileSync(path, 'utf8').trim().split('\n').at(-1));
    await sdk(first.server, key).apps.secrets.create({
      name: 'api_key',
      payload: 'kept across restarts',
      scope: ACCOUNT,
    });
    await stop(first.server);

    const second = await serve(dir);
    expect(second.banner).toContain(`secrets:  data key ${id} from secret-store.key`);
    expect(await payloadOf(sdk(second.server, key), 'api_key')).toBe('kept across restarts');
  });

  it("takes the operator's key from APPSCOPE_SECRET_KEY or a key file, and refuses a bad or readable one", async () => {
    const { dir, key } = await dataDirWithInstall();
    const operatorKey = generateDataKey();
    const fromEnv = await serve(dir, { APPSCOPE_SECRET_KEY: operatorKey.export() });
    expect(fromEnv.banner).toContain(`secrets:  data key ${operatorKey.id} from APPSCOPE_SECRET_KEY`);
    expect(existsSync(join(dir, SECRET_KEY_FILE))).toBe(false);
    await sdk(fromEnv.server, key).apps.secrets.create({ name: 'k', payload: 'v', scope: ACCOUNT });
    await stop(fromEnv.server);

    const file = join(dir, 'operator.key');
    writeFileSync(file, `# mine\n${operatorKey.export()}\n`, { mode: 0o600 });
    const fromFile = await serve(dir, { APPSCOPE_SECRET_KEY_FILE: file });
    expect(fromFile.banner).toContain(`secrets:  data key ${operatorKey.id} from operator.key`);
    expect(await payloadOf(sdk(fromFile.server, key), 'k')).toBe('v');
    await stop(fromFile.server);

    chmodSync(file, 0o644);
    await expect(serve(dir, { APPSCOPE_SECRET_KEY_FILE: file })).rejects.toThrow(
      `the Secret Store's key file \`${file}\` can be read or written by other users (mode 0644): run \`chmod 600 ${file}\``,
    );
    await expect(serve(dir, { APPSCOPE_SECRET_KEY: 'not a key' })).rejects.toThrow(
      'APPSCOPE_SECRET_KEY is not a data key: give 32 random bytes as base64 (`openssl rand -base64 32`) or as 64 hex digits',
    );
    // a server whose key is not the one the secrets are under still starts, says so, and fails closed
    const stranger = await serve(dir, { APPSCOPE_SECRET_KEY: generateDataKey().export() });
    expect(stranger.banner).toContain(`warning:  stored secrets need data key ${operatorKey.id}`);
    const error = await sdk(stranger.server, key)
      .apps.secrets.find({ name: 'k', scope: ACCOUNT, expand: ['payload'] })
      .then(
        () => undefined,
        (e: { statusCode: number; code: string }) => e,
      );
    expect([error?.statusCode, error?.code]).toEqual([503, 'secret_store_unavailable']);
  });

  it('`secrets rotate-key` moves every secret to a new key in the data directory; every one stays readable', async () => {
    const { dir, key } = await dataDirWithInstall();
    const { server } = await serve(dir);
    const stripe = sdk(server, key);
    const payloads = new Map([
      ['one', 'first payload'],
      ['two', 'second\npayload'],
      ['three', '😀 third'],
    ]);
    for (const [name, payload] of payloads)
      await stripe.apps.secrets.create({ name, payload, scope: ACCOUNT });
    const before = readFileSync(join(dir, SECRET_KEY_FILE), 'utf8');

    // while the server runs: it reads the rotated key file when it meets the new key
    const rotated = await runCli(['secrets', 'rotate-key', '--data-dir', dir, '--json'], { cwd: dir });
    expect(rotated.code, rotated.stderr).toBe(0);
    const result = rotated.json() as { to: string; from: string[]; reencrypted: number; keyFile: string };
    expect(result).toMatchObject({ reencrypted: 3, discarded: 0, keyFile: join(dir, SECRET_KEY_FILE) });
    const after = readFileSync(join(dir, SECRET_KEY_FILE), 'utf8');
    expect(after).not.toBe(before);
    expect(after.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toHaveLength(1);
    expect(statSync(join(dir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);

    for (const [name, payload] of payloads) expect(await payloadOf(stripe, name)).toBe(payload);
    await stripe.apps.secrets.create({ name: 'four', payload: 'after the rotation', scope: ACCOUNT });
    await stop(server);

    const status = await runCli(['secrets', 'status', '--data-dir', dir, '--json'], { cwd: dir });
    expect(status.json()).toEqual({
      source: join(dir, SECRET_KEY_FILE),
      keys: [result.to],
      current: result.to,
      secrets: [{ keyId: result.to, count: 4, held: true }],
      webhookSecrets: [],
      missing: [],
    });
    const restarted = await serve(dir);
    expect(restarted.banner).toContain(`data key ${result.to} from secret-store.key`);
    for (const [name, payload] of [...payloads, ['four', 'after the rotation'] as const]) {
      expect(await payloadOf(sdk(restarted.server, key), name)).toBe(payload);
    }
    const text = await runCli(['secrets', 'rotate-key', '--data-dir', dir], { cwd: dir });
    expect(text.stdout).toMatch(
      new RegExp(
        `^rotated: 4 secrets re-encrypted under data key dk_[0-9a-f]{16} \\(from ${result.to}\\)\nthe key file .*secret-store\\.key now holds dk_[0-9a-f]{16} only: back it up again\n$`,
      ),
    );
  });

  it('with APPSCOPE_SECRET_KEY, rotates to it from APPSCOPE_SECRET_KEY_PREVIOUS', async () => {
    const { dir, key } = await dataDirWithInstall();
    const old = generateDataKey();
    const next = generateDataKey();
    const first = await serve(dir, { APPSCOPE_SECRET_KEY: old.export() });
    await sdk(first.server, key).apps.secrets.create({ name: 'k', payload: 'v', scope: ACCOUNT });
    await stop(first.server);

    const both = { APPSCOPE_SECRET_KEY: next.export(), APPSCOPE_SECRET_KEY_PREVIOUS: old.export() };
    const rotated = await runCli(['secrets', 'rotate-key', '--data-dir', dir], { cwd: dir, env: both });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toBe(
      `rotated: 1 secret re-encrypted under data key ${next.id} (from ${old.id})\nthe keys in APPSCOPE_SECRET_KEY_PREVIOUS are no longer needed: remove them once every process runs with the new APPSCOPE_SECRET_KEY\n`,
    );
    const only = await serve(dir, { APPSCOPE_SECRET_KEY: next.export() });
    expect(await payloadOf(sdk(only.server, key), 'k')).toBe('v');

    const none = await runCli(['secrets', 'status', '--data-dir', join(dir, 'elsewhere')], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('the Secret Store has no data key here');
  });
});

/** A data directory with a merchant that installed an app holding `secret_write`; its key. */
async function dataDirWithInstall(): Promise<{ dir: string; key: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'appscope-secrets-cli-'));
  dirs.push(dir);
  const { key } = await seedInstall({ dataDir: dir }, 'com.example.vault', ['secret_write']);
  return { dir, key };
}

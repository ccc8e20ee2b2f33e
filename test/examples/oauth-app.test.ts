import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import type { Domain } from '../../src/domain/context.js';
import { listInstalls } from '../../src/domain/installs.js';
import { listOAuthGrants } from '../../src/domain/oauth.js';
import { createUser } from '../../src/domain/users.js';
import type { Store } from '../../src/store/store.js';
import { listeningServer } from '../dashboard/support.js';
import { chromiumSkipReason, haveChromium, launchChromium } from '../support/chromium.js';

/**
 * examples/oauth-app/server.mjs, run as docs/oauth.md and its README say (`node
 * examples/oauth-app/server.mjs`, a public client: PKCE, no secret), against a listening appscope
 * server, and clicked through in Chromium: Connect → sign in → Approve → the app lists the
 * merchant's customers with the `stripe` SDK → refresh → disconnect (revocation).
 */

const SERVER_MJS = fileURLToPath(new URL('../../examples/oauth-app/server.mjs', import.meta.url));
const APP = 'com.example.oauth-sync';
const PASSWORD = 'correct horse battery staple';
const ADMIN = 'admin@rocket.example';

let store: Store;
let domain: Domain;
let server: FastifyInstance;
let log: DecisionLog;
let browser: Browser;
let base: string;
let merchant: string;
let child: ChildProcess;
let example: string;
let output = '';

describe.skipIf(!haveChromium)(`examples/oauth-app in Chromium${chromiumSkipReason}`, () => {
  beforeAll(async () => {
    ({ store, domain, log, server, base } = await listeningServer());
    const developer = await createAccount(domain, { actor: OPERATOR, name: 'Ledger Ltd' });
    const m = await createAccount(domain, { actor: OPERATOR, name: 'Rocket Rides' });
    merchant = m.account.id;
    await createUser(domain, {
      actor: OPERATOR,
      account: merchant,
      email: ADMIN,
      role: 'admin',
      password: PASSWORD,
    });
    for (const name of ['Ada Lovelace', 'Grace Hopper']) {
      const created = await fetch(`${base}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${m.secretKeys.test.secret}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ name }).toString(),
      });
      expect(created.status).toBe(200);
    }

    // The example picks a free port (PORT=0) and says where: its redirect URI is registered then.
    child = spawn(process.execPath, [SERVER_MJS], {
      env: { ...process.env, APPSCOPE_URL: base, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    example = await new Promise<string>((resolve, reject) => {
      const look = () => {
        const found = /^oauth-app listening on (http:\/\/127\.0\.0\.1:\d+)/m.exec(output);
        if (found !== null) resolve(found[1]!);
      };
      child.stdout!.on('data', look);
      child.once('exit', (code) => reject(new Error(`the example exited with ${code}:\n${output}`)));
    });
    expect(output).toContain(`redirect URI ${example}/callback`);
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer.account.id,
      manifest: {
        id: APP,
        version: '1.0.0',
        name: 'Ledger Sync',
        icon: '',
        distribution_type: 'public',
        stripe_api_access_type: 'oauth',
        allowed_redirect_uris: [`${example}/callback`],
        permissions: [
          { permission: 'customer_read', purpose: 'Copy customers into your ledger' },
          { permission: 'product_read', purpose: 'Map products to ledger accounts' },
        ],
      },
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (child?.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await server?.close();
    await log?.close();
    await store?.close();
  });

  it('connects, lists customers with the SDK, refreshes and disconnects', async () => {
    const page = await browser.newPage();
    await page.goto(example);
    await page.getByRole('link', { name: 'Connect with appscope' }).click();
    await page.waitForURL(`${base}/dashboard/sign-in?**`);
    await page.getByLabel('Email').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/dashboard/oauth/**`);
    await page.getByRole('button', { name: /^Approve/ }).click();

    await page.waitForURL(`${example}/`);
    expect(await page.locator('#account').textContent()).toBe(merchant);
    expect(await page.locator('#scope').textContent()).toBe('customer_read product_read');
    expect(await page.locator('#customers li').allTextContents()).toEqual(
      expect.arrayContaining(['Ada Lovelace', 'Grace Hopper']),
    );

    await page.getByRole('button', { name: 'Refresh the access token' }).click();
    await expect.poll(() => page.locator('#refreshed').textContent()).toBe('1');
    expect(await page.locator('#customers li').count()).toBe(2);

    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('link', { name: 'Connect with appscope' }).waitFor();
    const install = (await listInstalls(domain, { actor: OPERATOR, app: APP, status: 'installed', limit: 1 }))
      .data[0]!;
    const grants = await listOAuthGrants(domain, { actor: OPERATOR, install: install.id });
    expect(grants).toHaveLength(1);
    expect(grants[0]!.revoked).not.toBeNull();
    await page.close();
    expect(output).not.toMatch(/Error|error/);
  });
});

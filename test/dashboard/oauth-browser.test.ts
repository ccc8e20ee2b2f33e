import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import type { Domain } from '../../src/domain/context.js';
import { createUser } from '../../src/domain/users.js';
import type { Store } from '../../src/store/store.js';
import { chromiumSkipReason, haveChromium, launchChromium } from '../support/chromium.js';
import { listeningServer } from './support.js';

/**
 * The two browser behaviours the OAuth consent screen depends on, in Chromium: a person already
 * signed in who follows an install link from the app's own site (another site: `localhost` vs
 * `127.0.0.1`) reaches the consent screen without signing in again, although the session cookie
 * is `SameSite=Strict` (the link page moves on with a same-origin `<meta refresh>`); and the
 * redirect back to the app after the consent form's POST is not blocked by the dashboard's
 * `form-action` (the consent page allows the redirect URI's origin). The whole flow with a real
 * OAuth client is the end-to-end test's; this one only looks at these two.
 */

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const PASSWORD = 'correct horse battery staple';
const ADMIN = 'admin@oauth.example';
const APP_ID = 'com.example.oauth-browser';

let store: Store;
let domain: Domain;
let server: FastifyInstance;
let log: DecisionLog;
let browser: Browser;
let base: string;
/** The app's own site (a plain page with the install link, and its redirect URI). */
let appSite: Server;
let appBase: string;

function installLink(state: string): string {
  const query = new URLSearchParams({
    client_id: APP_ID,
    redirect_uri: `${appBase}/callback`,
    response_type: 'code',
    state,
  });
  return `${base}/oauth/v2/test/authorize?${query}`;
}

/** Opens the app's page (on its own site) and clicks its Connect link. */
async function connectFromApp(page: Page, state: string): Promise<void> {
  await page.goto(`${appBase}/?state=${encodeURIComponent(state)}`);
  await page.getByRole('link', { name: 'Connect with appscope' }).click();
}

describe.skipIf(!haveChromium)(`OAuth install link in Chromium${chromiumSkipReason}`, () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    ({ store, domain, log, server, base } = await listeningServer());
    appSite = createServer((request, response) => {
      const url = new URL(request.url ?? '/', appBase);
      response.setHeader('content-type', 'text/html; charset=utf-8');
      if (url.pathname === '/callback') {
        response.end(`<h1>Back at the app</h1><p id="query">${url.search.replace(/[<>&"]/g, '')}</p>`);
        return;
      }
      const link = installLink(url.searchParams.get('state') ?? '').replaceAll('&', '&amp;');
      response.end(`<h1>Example app</h1><a href="${link}">Connect with appscope</a>`);
    });
    await new Promise<void>((resolve) => appSite.listen(0, '127.0.0.1', resolve));
    const address = appSite.address();
    if (address === null || typeof address === 'string') throw new Error('the app site has no port');
    appBase = `http://localhost:${address.port}`;
    const developer = (await createAccount(domain, { actor: OPERATOR, name: 'Example Apps' })).account.id;
    const merchant = (await createAccount(domain, { actor: OPERATOR, name: 'Browser Rides' })).account.id;
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer,
      manifest: {
        id: APP_ID,
        version: '1.0.0',
        name: 'Browser Connect',
        icon: '',
        distribution_type: 'public',
        stripe_api_access_type: 'oauth',
        allowed_redirect_uris: [`${appBase}/callback`],
        permissions: [{ permission: 'customer_read', purpose: 'Show your customers in the app.' }],
      },
    });
    await createUser(domain, {
      actor: OPERATOR,
      account: merchant,
      email: ADMIN,
      role: 'admin',
      password: PASSWORD,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => appSite?.close(resolve));
    await server?.close();
    await log?.close();
    await store?.close();
  });

  it('a signed-in person goes from the app’s site to the consent screen without signing in again, and Approve goes back with a code', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/dashboard/sign-in`);
    await page.getByLabel('Email').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/dashboard/apps');

    const state = 'state with spaces & symbols = ü';
    await connectFromApp(page, state);
    await page.waitForURL('**/dashboard/oauth/test/authorize?**');
    await page.getByRole('heading', { name: 'Install Browser Connect?' }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'oauth-consent.png'), fullPage: true });

    await page.getByRole('button', { name: 'Approve and install' }).click();
    await page.waitForURL(`${appBase}/callback?**`);
    const back = new URL(page.url());
    expect(back.searchParams.get('code')).toMatch(/^ac_test_/);
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(base);
    await context.close();
  });

  it('someone not signed in signs in on the way, comes back to the same link, and Cancel goes back with access_denied', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await connectFromApp(page, 'second try');
    await page.waitForURL('**/dashboard/sign-in?**');
    await page.getByLabel('Email').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/dashboard/oauth/test/authorize?**');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(`${appBase}/callback?**`);
    const back = new URL(page.url());
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('second try');
    await context.close();
  });
});

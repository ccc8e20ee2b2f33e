import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import * as oauth from 'oauth4webapi';
import type { Browser, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import type { Domain } from '../../src/domain/context.js';
import { listInstalls } from '../../src/domain/installs.js';
import { createUser } from '../../src/domain/users.js';
import type { Store } from '../../src/store/store.js';
import { chromiumSkipReason, haveChromium, launchChromium } from '../support/chromium.js';
import { localStripe, refusalOf } from '../support/local-stripe.js';
import { listeningServer } from './support.js';

/**
 * OAuth install links end to end in Chromium, as an app's own website uses them: a sample app
 * on another origin builds a "Connect" link with oauth4webapi (PKCE S256 and a random state) →
 * appscope's install link → sign in → consent → Approve → back to the app with a code and the
 * same state → the app's backend exchanges the code with its PKCE verifier (oauth4webapi) → the
 * `stripe` SDK calls the API through the gateway with the access token (a granted permission is
 * allowed, another one is a 403 naming it) → refresh → uninstall in the dashboard → the access
 * token is refused and the refresh token is `invalid_grant`. And Cancel: `access_denied` with
 * the same state.
 */

const APP = 'com.example.ledger';
const PASSWORD = 'correct horse battery staple';
const ADMIN = 'admin@rocket.example';

let store: Store;
let domain: Domain;
let server: FastifyInstance;
let log: DecisionLog;
let browser: Browser;
let base: string;
let port: number;
let developerKey: string;
let merchant: string;
let sample: SampleApp;

/**
 * The app's website, on its own origin: `/` shows a Connect link built with oauth4webapi (a new
 * PKCE verifier and state each time), `/callback` records what came back. The token exchange is
 * the test's (it plays the app's backend).
 */
interface SampleApp {
  readonly origin: string;
  readonly redirectUri: string;
  /** The verifier and state of the last link `/` built. */
  last: { codeVerifier: string; state: string } | undefined;
  /** The URLs `/callback` was called with. */
  readonly callbacks: URL[];
  readonly server: Server;
}

async function startSampleApp(as: () => oauth.AuthorizationServer): Promise<SampleApp> {
  const app: SampleApp = {
    origin: '',
    redirectUri: '',
    last: undefined,
    callbacks: [],
    server: createServer((req, res) => {
      respond(app, as(), req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    }),
  };
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  Object.assign(app, { origin, redirectUri: `${origin}/callback` });
  return app;
}

async function respond(
  app: SampleApp,
  as: oauth.AuthorizationServer,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const url = new URL(req.url ?? '/', app.origin);
  const html = (body: string) =>
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><title>Ledger</title><body>${body}</body>`);
  if (url.pathname === '/') {
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    app.last = { codeVerifier, state };
    const link = new URL('/oauth/v2/test/authorize', as.issuer);
    link.searchParams.set('response_type', 'code');
    link.searchParams.set('client_id', APP);
    link.searchParams.set('redirect_uri', app.redirectUri);
    link.searchParams.set('state', state);
    link.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
    link.searchParams.set('code_challenge_method', 'S256');
    return html(`<h1>Ledger</h1><a href="${link.href.replaceAll('&', '&amp;')}">Connect</a>`);
  }
  if (url.pathname === '/callback') {
    app.callbacks.push(url);
    return html('<h1>Back at Ledger</h1>');
  }
  res.writeHead(404).end();
  return undefined;
}

let as: oauth.AuthorizationServer;
const client: oauth.Client = { client_id: APP };
const insecure = { [oauth.allowInsecureRequests]: true } as const;

function stripe(key: string): Stripe {
  return localStripe(key, port);
}

/** Connect on the sample app → install link → sign in → the consent screen. */
async function connectAndSignIn(page: Page): Promise<void> {
  await page.goto(`${sample.origin}/`);
  await page.getByRole('link', { name: 'Connect' }).click();
  await page.waitForURL(`${base}/dashboard/sign-in?**`);
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/dashboard/oauth/**`);
}

/** Waits for the browser to land on the sample app's callback; returns its URL. */
async function callbackUrl(page: Page): Promise<URL> {
  await page.waitForURL(`${sample.redirectUri}?**`);
  await page.getByRole('heading', { name: 'Back at Ledger' }).waitFor();
  return new URL(page.url());
}

describe.skipIf(!haveChromium)(`OAuth install links in Chromium${chromiumSkipReason}`, () => {
  beforeAll(async () => {
    ({ store, domain, log, server, port, base } = await listeningServer());
    as = await oauth.processDiscoveryResponse(
      new URL(base),
      await oauth.discoveryRequest(new URL(base), { algorithm: 'oauth2', ...insecure }),
    );
    sample = await startSampleApp(() => as);
    const developer = await createAccount(domain, { actor: OPERATOR, name: 'Ledger Ltd' });
    developerKey = developer.secretKeys.test.secret;
    merchant = (await createAccount(domain, { actor: OPERATOR, name: 'Rocket Rides' })).account.id;
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer.account.id,
      manifest: {
        id: APP,
        version: '1.0.0',
        name: 'Ledger',
        icon: '',
        distribution_type: 'public',
        stripe_api_access_type: 'oauth',
        allowed_redirect_uris: [sample.redirectUri],
        permissions: [
          { permission: 'customer_read', purpose: 'Copy customers into your ledger' },
          { permission: 'product_read', purpose: 'Map products to ledger accounts' },
        ],
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
    await new Promise((resolve) => sample?.server.close(resolve));
    await server?.close();
    await log?.close();
    await store?.close();
  });

  it('Connect → sign in → consent → Approve → code and state → PKCE exchange → SDK call → refresh → uninstall → refused', async () => {
    expect(as.issuer).toBe(base);
    const context = await browser.newContext();
    const page = await context.newPage();
    await connectAndSignIn(page);
    const { codeVerifier, state } = sample.last!;

    // The consent screen: the app, its purposes, and an account picker with the merchant.
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Ledger');
    const body = (await page.locator('main').textContent()) ?? '';
    expect(body).toContain('Copy customers into your ledger');
    expect(body).toContain('Map products to ledger accounts');
    expect(body).toContain('Rocket Rides');
    await page.getByRole('button', { name: /^Approve/ }).click();

    // Back at the app's registered redirect URI with a code, the same state and the issuer.
    const back = await callbackUrl(page);
    expect(back.origin + back.pathname).toBe(sample.redirectUri);
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(as.issuer);
    expect(back.searchParams.get('code')).toMatch(/^ac_test_/);

    // The app's backend: the code, the PKCE verifier and the developer's secret key.
    const params = oauth.validateAuthResponse(as, client, back, state);
    const auth = oauth.ClientSecretBasic(developerKey);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        auth,
        params,
        sample.redirectUri,
        codeVerifier,
        insecure,
      ),
    );
    expect(tokens).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      scope: 'customer_read product_read',
      livemode: false,
      stripe_user_id: merchant,
      access_token: expect.stringMatching(/^at_test_/),
      refresh_token: expect.stringMatching(/^rt_test_/),
    });
    const install = tokens['install'] as string;
    expect(install).toMatch(/^appinst_/);

    // The access token is an API key for the merchant's account: granted calls pass, others are
    // refused naming the permission.
    const customers = await stripe(tokens.access_token).customers.list({ limit: 3 });
    expect(customers.object).toBe('list');
    const charges = await refusalOf(stripe(tokens.access_token).charges.list());
    expect(charges.statusCode).toBe(403);
    expect(charges.message).toContain('charge_read');

    // Refresh: new tokens (rotated), and the new access token works.
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    expect(refreshed.access_token).toMatch(/^at_test_/);
    expect(refreshed.refresh_token).toMatch(/^rt_test_/);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await stripe(refreshed.access_token).products.list()).object).toBe('list');

    // Uninstall in the dashboard (the browser is signed in as the merchant's admin).
    await page.goto(`${base}/dashboard/installs/${install}`);
    await page.getByRole('link', { name: /^Uninstall Ledger/ }).click();
    await page.waitForURL('**/uninstall');
    await page.getByRole('button', { name: 'Uninstall Ledger' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('The app is uninstalled');

    // Every token of the install is dead on the next request.
    const refused = await refusalOf(stripe(refreshed.access_token).customers.list());
    expect(refused.statusCode).toBe(401);
    const again = await oauth.refreshTokenGrantRequest(as, client, auth, refreshed.refresh_token!, insecure);
    const error = await oauth.processRefreshTokenResponse(as, client, again).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(oauth.ResponseBodyError);
    expect((error as oauth.ResponseBodyError).error).toBe('invalid_grant');
    await context.close();
  });

  it('Cancel on the consent screen → access_denied with the same state, and nothing installed', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await connectAndSignIn(page);
    const { state } = sample.last!;
    await page.getByRole('button', { name: /^Cancel/ }).click();
    const back = await callbackUrl(page);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(as.issuer);
    expect(back.searchParams.has('code')).toBe(false);
    const error = (() => {
      try {
        oauth.validateAuthResponse(as, client, back, state);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(oauth.AuthorizationResponseError);
    expect((error as oauth.AuthorizationResponseError).error).toBe('access_denied');
    const installed = await listInstalls(domain, {
      actor: OPERATOR,
      app: APP,
      status: 'installed',
      limit: 10,
    });
    expect(installed.data).toEqual([]);
    await context.close();
  });
});

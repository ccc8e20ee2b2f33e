import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { listInstalls } from '../../src/domain/installs.js';
import { exchangeToken, listOAuthGrants } from '../../src/domain/oauth.js';
import { createUser } from '../../src/domain/users.js';
import { type Agent, agent, csrfOf, hiddenValues } from './agent.js';
import { type DashboardWorld, dashboardWorld, manifest, PASSWORD } from './support.js';

/**
 * OAuth install links in the dashboard, over `app.inject()`: the link page (an error page that
 * never redirects for an untrusted client or redirect URI, the app's redirect for any other
 * problem, a same-origin continue page otherwise), the consent screen (account picker, consent
 * or pending wording, Approve and Cancel) and the install screen's OAuth grants.
 */

const OAUTH_APP = 'com.example.connect-demo';
const REDIRECT = 'https://app.example.com/oauth/callback';
const OTHER_REDIRECT = 'http://localhost:8080/cb';
const HOST = 'appscope.test';
const ISSUER = `http://${HOST}`;
const OTHER_PASSWORD = 'a different password for the second shop';

function oauthManifest(version: string, permissions: readonly string[]): Record<string, unknown> {
  return manifest(version, permissions, {
    id: OAUTH_APP,
    name: 'Connect Demo',
    stripe_api_access_type: 'oauth',
    allowed_redirect_uris: [REDIRECT, OTHER_REDIRECT],
  });
}

interface OAuthWorld extends DashboardWorld {
  /** An account where the merchant admin's email is also an admin (another password). */
  readonly second: string;
  /** An account where the merchant admin's email is only a developer. */
  readonly third: string;
}

let world: OAuthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function oauthWorld(): Promise<OAuthWorld> {
  const base = await dashboardWorld();
  await uploadAppVersion(base.domain, {
    actor: OPERATOR,
    account: base.developer,
    manifest: oauthManifest('1.0.0', ['customer_read', 'invoice_read']),
  });
  const second = (await createAccount(base.domain, { actor: OPERATOR, name: 'Second Shop' })).account.id;
  const third = (await createAccount(base.domain, { actor: OPERATOR, name: 'Third Store' })).account.id;
  await createUser(base.domain, {
    actor: OPERATOR,
    account: second,
    email: base.emails.admin,
    role: 'admin',
    password: OTHER_PASSWORD,
  });
  await createUser(base.domain, {
    actor: OPERATOR,
    account: third,
    email: base.emails.admin,
    role: 'developer',
    password: OTHER_PASSWORD,
  });
  world = { ...base, second, third };
  return world;
}

/** A PKCE pair (S256) from a fixed verifier. */
function pkce(seed = 'a'): { verifier: string; challenge: string } {
  const verifier = seed.repeat(64);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** An install link with the usual parameters, overridable (undefined drops one). */
function link(overrides: Record<string, string | undefined> = {}, mode: 'live' | 'test' = 'test'): string {
  const params: Record<string, string | undefined> = {
    client_id: OAUTH_APP,
    redirect_uri: REDIRECT,
    response_type: 'code',
    state: 'xyz-state',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.append(name, value);
  return `${mode === 'live' ? '/oauth/v2/authorize' : '/oauth/v2/test/authorize'}?${search}`;
}

const HEADERS = { host: HOST };

/** The address a continue page moves on to (its meta refresh, the same as its Continue link). */
function continueUrl(response: LightMyRequestResponse): string {
  const match = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(response.body);
  if (match === null) throw new Error(`no meta refresh on the page: ${response.body.slice(0, 400)}`);
  const url = match[1]!.replaceAll('&amp;', '&');
  expect(response.body).toContain(`<a class="button primary" href="${match[1]}">Continue</a>`);
  return url;
}

/** Follows a link as a signed-in person: the continue page, then the consent screen. */
async function openConsent(browser: Agent, url: string): Promise<LightMyRequestResponse> {
  const first = await browser.get(url, HEADERS);
  expect(first.statusCode).toBe(200);
  const consent = await browser.get(continueUrl(first), HEADERS);
  expect(consent.statusCode).toBe(200);
  return consent;
}

async function signedIn(email: string): Promise<Agent> {
  const browser = agent(world!.app);
  const response = await browser.signIn(email, PASSWORD);
  expect(response.statusCode).toBe(303);
  return browser;
}

/** The consent form's action (the consent screen's own address). */
function formAction(body: string): string {
  const match = /<form method="post" action="([^"]+)" id="oauth-consent">/.exec(body);
  if (match === null) throw new Error('no consent form on the page');
  return match[1]!.replaceAll('&amp;', '&');
}

/** Posts the consent form as the page offers it, with changes. */
async function submit(
  browser: Agent,
  page: LightMyRequestResponse,
  fields: Record<string, string | readonly string[]>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const action = formAction(page.body);
  const form: Record<string, string | readonly string[]> = {
    csrf: csrfOf(page.body),
    expected: hiddenValues(page.body, action.replaceAll('&', '&amp;'), 'expected'),
    ...fields,
  };
  return browser.post(action, form, { ...HEADERS, ...headers });
}

function redirectParams(response: LightMyRequestResponse, registered = REDIRECT): URLSearchParams {
  expect(response.statusCode).toBe(303);
  const location = String(response.headers.location);
  const url = new URL(location);
  expect(`${url.origin}${url.pathname}`).toBe(registered);
  return url.searchParams;
}

async function installsOf(account: string, mode: 'test' | 'live') {
  const w = world!;
  const page = await listInstalls(w.domain, { actor: OPERATOR, account, mode, app: OAUTH_APP, limit: 100 });
  return page.data.filter((install) => install.app === OAUTH_APP);
}

describe('the install link page', () => {
  it('shows an error page and never redirects for an unknown client_id', async () => {
    await oauthWorld();
    const browser = agent(world!.app);
    for (const url of [link({ client_id: 'com.example.nope' }), link({ client_id: undefined })]) {
      const response = await browser.get(url, HEADERS);
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('This install link does not work');
      expect(response.body).not.toContain('http-equiv="refresh"');
    }
  });

  it('shows an error page and never redirects for a redirect_uri that is not registered exactly', async () => {
    await oauthWorld();
    const browser = agent(world!.app);
    for (const redirect of [
      'https://evil.example/oauth/callback',
      `${REDIRECT}/`,
      'https://app.example.com:8443/oauth/callback',
      'https://APP.example.com/oauth/callback',
      'https://app.example.com/OAuth/Callback',
      `${REDIRECT}#fragment`,
      'http://app.example.com/oauth/callback',
    ]) {
      const response = await browser.get(link({ redirect_uri: redirect }), HEADERS);
      expect(response.statusCode, redirect).toBe(400);
      expect(response.headers.location, redirect).toBeUndefined();
      expect(response.body).toContain('This install link does not work');
    }
  });

  it('refuses a parameter given twice with an error page (RFC 6749 §3.1)', async () => {
    await oauthWorld();
    const browser = agent(world!.app);
    const response = await browser.get(`${link()}&state=second`, HEADERS);
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toContain('“state” more than once');
  });

  it('refuses a Host that is not a host name (it would be the iss of the answer) with an error page', async () => {
    await oauthWorld();
    const browser = agent(world!.app);
    for (const host of ['evil.example/x?', 'a b', '"><script>']) {
      const response = await browser.get(link(), { ...HEADERS, host });
      expect(response.statusCode, host).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('no valid Host header');
      expect(response.body).not.toContain('<script>');
    }
  });

  it('sends other problems back to the app with error, the untouched state and iss', async () => {
    await oauthWorld();
    const browser = agent(world!.app);
    const state = 'keep me & = exactly';
    for (const [overrides, error] of [
      [{ response_type: undefined }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: 'too-short' }, 'invalid_request'],
    ] as const) {
      const response = await browser.get(link({ ...overrides, state }), HEADERS);
      const params = redirectParams(response);
      expect(params.get('error')).toBe(error);
      expect(params.get('state')).toBe(state);
      expect(params.get('iss')).toBe(ISSUER);
      expect(params.get('code')).toBeNull();
    }
  });

  it('continues to the consent screen with a same-origin page, through sign-in, with the whole query', async () => {
    await oauthWorld();
    const browser = agent(world!.app);
    const state = 'a b&c=d/é?#%😀';
    const first = await browser.get(link({ state }), HEADERS);
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['content-security-policy']).toContain("default-src 'none'");
    expect(first.body).toContain('Install Connect Demo');
    const next = continueUrl(first);
    expect(next.startsWith('/dashboard/oauth/test/authorize?')).toBe(true);
    expect(new URLSearchParams(next.split('?')[1]).get('state')).toBe(state);
    // not signed in: to sign-in and back, the query kept whole
    const toSignIn = await browser.get(next, HEADERS);
    expect(toSignIn.statusCode).toBe(303);
    const signInUrl = String(toSignIn.headers.location);
    expect(new URL(signInUrl, ISSUER).searchParams.get('next')).toBe(next);
    const signIn = await browser.signIn(world!.emails.admin, PASSWORD, next);
    expect(signIn.headers.location).toBe(next);
    const consent = await browser.get(next, HEADERS);
    expect(consent.statusCode).toBe(200);
    expect(consent.body).toContain('Install Connect Demo?');
  });
});

describe('the consent screen', () => {
  it('shows the permissions with purposes and implications, the developer and where the answer goes', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    const body = consent.body;
    expect(body).toContain('Install Connect Demo?');
    expect(body).toContain('Example Apps Inc');
    expect(body).toContain('Sync customer reads to the CRM');
    expect(body).toContain('Connect Demo requests 2 permissions');
    expect(body).toContain('you will be sent to <strong>https://app.example.com</strong>');
    expect(body).toContain('<dt>API access</dt><dd>OAuth');
    expect(body).toContain('test mode');
    expect(consent.headers['content-security-policy']).toContain(
      "form-action 'self' https://app.example.com;",
    );
    // the account picker: the signed-in account, and another one by id and password; the other
    // accounts of the same email are not listed (emails are not verified: see oauth-attacks)
    expect(body).toMatch(/value="acct_[^"]+" checked> <span><strong>Rocket Rides<\/strong>/);
    expect(body).toContain('value="other"> <span><strong>Another account where you are an admin');
    expect(body).toContain('name="other_account"');
    expect(body).not.toContain('Second Shop');
    expect(body).not.toContain('Third Store');
    expect(hiddenValues(body, formAction(body).replaceAll('&', '&amp;'), 'expected').sort()).toEqual([
      'customer_read',
      'invoice_read',
    ]);
    // switching mode comes back to this screen, query and all (not to a page without the link)
    const back = hiddenValues(body, '/dashboard/mode', 'next')[0]!.replaceAll('&amp;', '&');
    expect(back).toBe(formAction(body));
    expect(back).toContain('client_id=');
  });

  it('approve: 303 to the exact registered URI with code, state and iss; the test link installs in test mode', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link({ redirect_uri: OTHER_REDIRECT }));
    const response = await submit(browser, consent, { decision: 'approve', account: world!.merchant });
    const params = redirectParams(response, OTHER_REDIRECT);
    expect([...params.keys()].sort()).toEqual(['code', 'iss', 'state']);
    expect(params.get('code')).toMatch(/^ac_test_/);
    expect(params.get('state')).toBe('xyz-state');
    expect(params.get('iss')).toBe(ISSUER);
    const test = await installsOf(world!.merchant, 'test');
    expect(test).toHaveLength(1);
    expect(test[0]!.livemode).toBe(false);
    expect([...test[0]!.permissions_granted].sort()).toEqual(['customer_read', 'invoice_read']);
    expect(await installsOf(world!.merchant, 'live')).toHaveLength(0);
  });

  it('the live link installs in live mode, whatever mode the session is in', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link({}, 'live'));
    expect(formAction(consent.body).startsWith('/dashboard/oauth/authorize?')).toBe(true);
    expect(consent.body).toContain('live mode');
    const response = await submit(browser, consent, { decision: 'approve', account: world!.merchant });
    expect(redirectParams(response).get('code')).toMatch(/^ac_live_/);
    expect(await installsOf(world!.merchant, 'live')).toHaveLength(1);
    expect(await installsOf(world!.merchant, 'test')).toHaveLength(0);
  });

  it('round-trips an odd state byte for byte (spaces, &, =, unicode, 500 characters)', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const odd = 'a b&c=d+e%20f/g?h#i "j" <k> \'l\' ü 日本 😀 ';
    const state = (odd + 'x'.repeat(500)).slice(0, 500);
    const consent = await openConsent(browser, link({ state }));
    const cancel = await submit(browser, consent, { decision: 'cancel' });
    expect(redirectParams(cancel).get('state')).toBe(state);
    const again = await openConsent(browser, link({ state }));
    const approve = await submit(browser, again, { decision: 'approve', account: world!.merchant });
    expect(redirectParams(approve).get('state')).toBe(state);
  });

  it('cancel: 303 with error=access_denied, the state and iss, and nothing installed', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    const response = await submit(browser, consent, { decision: 'cancel' });
    const params = redirectParams(response);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe('xyz-state');
    expect(params.get('iss')).toBe(ISSUER);
    expect(params.get('code')).toBeNull();
    expect(await installsOf(world!.merchant, 'test')).toHaveLength(0);
  });

  it('refuses a POST without or with a wrong CSRF token (403, no code, no redirect)', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    for (const csrf of [undefined, 'wrong', `${csrfOf(consent.body)}x`]) {
      const fields: Record<string, string> = { decision: 'approve', account: world!.merchant };
      const action = formAction(consent.body);
      const response = await browser.post(action, csrf === undefined ? fields : { ...fields, csrf }, HEADERS);
      expect(response.statusCode).toBe(403);
      expect(response.headers.location).toBeUndefined();
    }
    expect(await installsOf(world!.merchant, 'test')).toHaveLength(0);
  });

  it('refuses a POST from another site (403, no code)', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    const response = await submit(
      browser,
      consent,
      { decision: 'approve', account: world!.merchant },
      { origin: 'https://app.example.com' },
    );
    expect(response.statusCode).toBe(403);
    expect(response.headers.location).toBeUndefined();
    expect(await installsOf(world!.merchant, 'test')).toHaveLength(0);
  });

  it('refuses developers and view-only users of the account (403, no code, no redirect)', async () => {
    await oauthWorld();
    for (const role of ['developer', 'view_only'] as const) {
      const browser = await signedIn(world!.emails[role]);
      const consent = await openConsent(browser, link());
      // their account cannot be picked; only another account (with its password) could be
      expect(consent.body).toContain('You are not an admin of Rocket Rides');
      expect(consent.body).toContain(` disabled> <span><strong>Rocket Rides</strong>`);
      expect(consent.body).toContain('value="other" checked>');
      const response = await submit(browser, consent, { decision: 'approve', account: world!.merchant });
      expect(response.statusCode).toBe(403);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain('Only an admin of Rocket Rides can install apps');
      // cancelling is still possible
      const cancel = await submit(browser, consent, { decision: 'cancel' });
      expect(redirectParams(cancel).get('error')).toBe('access_denied');
    }
    // an account where the admin's email is only a developer
    const admin = await signedIn(world!.emails.admin);
    const consent = await openConsent(admin, link());
    const response = await submit(admin, consent, {
      decision: 'approve',
      account: world!.third,
      password: OTHER_PASSWORD,
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers.location).toBeUndefined();
    expect(await installsOf(world!.merchant, 'test')).toHaveLength(0);
    expect(await installsOf(world!.third, 'test')).toHaveLength(0);
  });

  it('another account needs its password: none or a wrong one is refused, the right one installs there', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    for (const password of [undefined, PASSWORD, 'wrong']) {
      const response = await submit(browser, consent, {
        decision: 'approve',
        account: world!.second,
        ...(password === undefined ? {} : { password }),
      });
      expect(response.statusCode).toBe(password === undefined ? 400 : 403);
      expect(response.headers.location).toBeUndefined();
      expect(response.body).toContain(
        password === undefined ? 'Enter your password' : 'That password is not right',
      );
    }
    expect(await installsOf(world!.second, 'test')).toHaveLength(0);
    const response = await submit(browser, consent, {
      decision: 'approve',
      account: world!.second,
      password: OTHER_PASSWORD,
    });
    expect(redirectParams(response).get('code')).toMatch(/^ac_test_/);
    expect(await installsOf(world!.second, 'test')).toHaveLength(1);
    expect(await installsOf(world!.merchant, 'test')).toHaveLength(0);
  });

  it('the “another account” choice: its id typed in other_account (none is a 400), proved by its password', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    const empty = await submit(browser, consent, {
      decision: 'approve',
      account: 'other',
      password: OTHER_PASSWORD,
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Enter the id (acct_…) of the other account');
    const unknown = await submit(browser, consent, {
      decision: 'approve',
      account: 'other',
      other_account: 'acct_doesnotexist',
      password: OTHER_PASSWORD,
    });
    expect(unknown.statusCode).toBe(403);
    expect(unknown.body).toContain(
      'That password is not right for acct_doesnotexist, or you have no user there',
    );
    const right = await submit(browser, consent, {
      decision: 'approve',
      account: 'other',
      other_account: ` ${world!.second} `,
      password: OTHER_PASSWORD,
    });
    expect(redirectParams(right).get('code')).toMatch(/^ac_test_/);
    expect(await installsOf(world!.second, 'test')).toHaveLength(1);
  });

  it('slows down password guessing for another account with the sign-in throttle', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    for (let i = 0; i < 5; i++) {
      const wrong = await submit(browser, consent, {
        decision: 'approve',
        account: world!.second,
        password: `no ${i}`,
      });
      expect(wrong.statusCode).toBe(403);
    }
    const right = await submit(browser, consent, {
      decision: 'approve',
      account: world!.second,
      password: OTHER_PASSWORD,
    });
    expect(right.statusCode).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect(right.headers.location).toBeUndefined();
    expect(right.body).toContain('Too many wrong passwords');
  });

  it('shows the pending wording for an install awaiting approval, and approving grants the new permissions', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const first = await openConsent(browser, link());
    redirectParams(await submit(browser, first, { decision: 'approve', account: world!.merchant }));
    await uploadAppVersion(world!.domain, {
      actor: OPERATOR,
      account: world!.developer,
      manifest: oauthManifest('1.1.0', ['customer_read', 'invoice_read', 'customer_write']),
    });
    const [before] = await installsOf(world!.merchant, 'test');
    expect(before!.permissions_pending).toEqual(['customer_write']);
    const consent = await openConsent(browser, link());
    expect(consent.body).toContain('Approve new permissions for Connect Demo?');
    expect(consent.body).toContain('Added: 1 new permission to approve');
    expect(consent.body).toContain(
      'Until the new permissions are approved, calls that need them are refused.',
    );
    expect(hiddenValues(consent.body, formAction(consent.body).replaceAll('&', '&amp;'), 'expected')).toEqual(
      ['customer_write'],
    );
    const response = await submit(browser, consent, { decision: 'approve', account: world!.merchant });
    expect(redirectParams(response).get('code')).toMatch(/^ac_test_/);
    const [after] = await installsOf(world!.merchant, 'test');
    expect(after!.id).toBe(before!.id);
    expect([...after!.permissions_granted].sort()).toEqual([
      'customer_read',
      'customer_write',
      'invoice_read',
    ]);
    expect(after!.permissions_pending).toEqual([]);
    // then there is nothing new to approve
    const again = await openConsent(browser, link());
    expect(again.body).toContain('and there is nothing new to approve');
    expect(again.body).toContain('Continue to Connect Demo');
    expect(
      redirectParams(await submit(browser, again, { decision: 'approve', account: world!.merchant })).get(
        'code',
      ),
    ).toMatch(/^ac_test_/);
  });

  it('shows the consent again when what approving does changed since the page was shown', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    await uploadAppVersion(world!.domain, {
      actor: OPERATOR,
      account: world!.developer,
      manifest: oauthManifest('1.1.0', ['customer_read', 'invoice_read', 'customer_write']),
    });
    const response = await submit(browser, consent, { decision: 'approve', account: world!.merchant });
    expect(response.statusCode).toBe(409);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toContain('Nothing was approved. Review it below and approve again.');
    expect(response.body).toContain('Connect Demo requests 3 permissions');
    expect(await installsOf(world!.merchant, 'test')).toHaveLength(0);
    const retry = await submit(browser, response, { decision: 'approve', account: world!.merchant });
    expect(redirectParams(retry).get('code')).toMatch(/^ac_test_/);
  });

  it('checks the link again on the consent screen and on the POST (never trusts the query)', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const consent = await openConsent(browser, link());
    const forged = formAction(consent.body).replace(
      encodeURIComponent(REDIRECT),
      encodeURIComponent('https://evil.example/cb'),
    );
    expect(forged).not.toBe(formAction(consent.body));
    const page = await browser.get(forged, HEADERS);
    expect(page.statusCode).toBe(400);
    expect(page.headers.location).toBeUndefined();
    const post = await browser.post(
      forged,
      {
        csrf: csrfOf(consent.body),
        decision: 'approve',
        account: world!.merchant,
        expected: ['customer_read', 'invoice_read'],
      },
      HEADERS,
    );
    expect(post.statusCode).toBe(400);
    expect(post.headers.location).toBeUndefined();
    expect(await installsOf(world!.merchant, 'test')).toHaveLength(0);
  });
});

describe('the install screen of an OAuth app', () => {
  it('shows OAuth access and the grants, and an admin revokes them after a confirmation', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const { verifier } = pkce();
    const consent = await openConsent(browser, link());
    const code = redirectParams(
      await submit(browser, consent, { decision: 'approve', account: world!.merchant }),
    ).get('code')!;
    const token = await exchangeToken(world!.domain, {
      grantType: 'authorization_code',
      code,
      redirectUri: REDIRECT,
      codeVerifier: verifier,
      client: { clientId: OAUTH_APP, secret: undefined },
    });
    const [install] = await installsOf(world!.merchant, 'test');
    expect(token.install).toBe(install!.id);
    const page = await browser.get(`/dashboard/installs/${install!.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<dt>API access</dt><dd>OAuth');
    expect(page.body).not.toContain('id="keys-title"');
    expect(page.body).toContain('id="oauth-title"');
    const grants = await listOAuthGrants(world!.domain, { actor: OPERATOR, install: install!.id });
    expect(grants).toHaveLength(1);
    expect(page.body).toContain(`data-grant="${grants[0]!.id}"`);
    expect(page.body).toContain(`href="/dashboard/installs/${install!.id}/oauth/revoke">Revoke access…</a>`);

    // a developer sees the grants but cannot revoke
    const developer = await signedIn(world!.emails.developer);
    const seen = await developer.get(`/dashboard/installs/${install!.id}`);
    expect(seen.body).toContain(`data-grant="${grants[0]!.id}"`);
    expect(seen.body).not.toContain('Revoke access…');
    const forbidden = await developer.post(`/dashboard/installs/${install!.id}/oauth/revoke`, {
      csrf: csrfOf(seen.body),
    });
    expect(forbidden.statusCode).toBe(403);

    const confirm = await browser.get(`/dashboard/installs/${install!.id}/oauth/revoke`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Revoke Connect Demo’s access?');
    expect((await browser.post(`/dashboard/installs/${install!.id}/oauth/revoke`, {})).statusCode).toBe(403);
    const revoke = await browser.post(`/dashboard/installs/${install!.id}/oauth/revoke`, {
      csrf: csrfOf(confirm.body),
    });
    expect(revoke.statusCode).toBe(303);
    expect(revoke.headers.location).toBe(
      `/dashboard/installs/${install!.id}?notice=oauth_revoked#oauth-title`,
    );
    const after = await listOAuthGrants(world!.domain, { actor: OPERATOR, install: install!.id });
    expect(after[0]!.revoked).not.toBeNull();
    const shown = await browser.get(`/dashboard/installs/${install!.id}?notice=oauth_revoked`);
    expect(shown.body).toContain('The app’s access is revoked');
    expect(shown.body).toContain('<span class="badge revoked">Revoked</span>');
    expect(shown.body).not.toContain('Revoke access…');
  });

  it('describes OAuth apps as OAuth in the catalogue', async () => {
    await oauthWorld();
    const browser = await signedIn(world!.emails.admin);
    const catalogue = await browser.get('/dashboard/catalog');
    expect(catalogue.body).toMatch(
      /data-app="com\.example\.connect-demo"[\s\S]*?<span class="badge neutral">OAuth<\/span>/,
    );
  });
});

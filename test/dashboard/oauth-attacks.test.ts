import { afterEach, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { acceptLink, createInvite } from '../../src/domain/invites.js';
import { createUser } from '../../src/domain/users.js';
import { type Agent, agent } from './agent.js';
import { type DashboardWorld, dashboardWorld, manifest, PASSWORD } from './support.js';

/**
 * A security review of the install link and the consent screen (issue 16): a hostile app
 * developer (markup in what the screen shows), a hostile account admin (another person's
 * accounts), a crafted link (markup in the query). Each test is an attack; it passes when the
 * attack fails.
 */

const OAUTH_APP = 'com.example.hostile';
const REDIRECT = 'https://app.example.com/oauth/callback';
const HOST = 'appscope.test';
const HEADERS = { host: HOST };
const MARKUP = '"><img src=x onerror=alert(1)><script>alert(2)</script>';

let world: DashboardWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function hostileWorld(): Promise<DashboardWorld> {
  world = await dashboardWorld();
  await uploadAppVersion(world.domain, {
    actor: OPERATOR,
    account: world.developer,
    manifest: {
      ...manifest('1.0.0', ['customer_read']),
      id: OAUTH_APP,
      name: `Hostile ${MARKUP}`,
      stripe_api_access_type: 'oauth',
      allowed_redirect_uris: [REDIRECT],
      permissions: [{ permission: 'customer_read', purpose: `Reads ${MARKUP}` }],
    },
  });
  return world;
}

function link(params: Record<string, string>): string {
  return `/oauth/v2/test/authorize?${new URLSearchParams({ client_id: OAUTH_APP, response_type: 'code', ...params })}`;
}

async function signedIn(email: string, password = PASSWORD): Promise<Agent> {
  const browser = agent(world!.app);
  const response = await browser.signIn(email, password);
  expect(response.statusCode).toBe(303);
  return browser;
}

function expectNoMarkup(body: string): void {
  expect(body).not.toContain('<img src=x');
  expect(body).not.toContain('<script>alert');
  expect(body).not.toMatch(/onerror=alert\(1\)>/);
}

describe('markup from a link or a hostile app is never markup on a page', () => {
  it('the error page shows a hostile client_id and redirect_uri as text', async () => {
    await hostileWorld();
    const browser = agent(world!.app);
    for (const url of [
      `/oauth/v2/authorize?client_id=${encodeURIComponent(MARKUP)}&response_type=code`,
      link({ redirect_uri: `https://evil.example/${MARKUP}` }),
    ]) {
      const response = await browser.get(url, HEADERS);
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
      expectNoMarkup(response.body);
    }
  });

  it('the continue page and the consent screen show a hostile app name, purpose and state as text', async () => {
    await hostileWorld();
    const browser = await signedIn(world!.emails.admin);
    const url = link({ state: MARKUP, redirect_uri: REDIRECT });
    const first = await browser.get(url, HEADERS);
    expect(first.statusCode).toBe(200);
    expectNoMarkup(first.body);
    const next = /<meta http-equiv="refresh" content="0;url=([^"]+)">/
      .exec(first.body)![1]!
      .replaceAll('&amp;', '&');
    expect(next.startsWith('/dashboard/oauth/test/authorize?')).toBe(true);
    const consent = await browser.get(next, HEADERS);
    expect(consent.statusCode).toBe(200);
    expect(consent.body).toContain('Hostile');
    expectNoMarkup(consent.body);
  });
});

describe('a hostile account admin', () => {
  it('cannot list another person’s accounts by giving a user of their own account that person’s email', async () => {
    await hostileWorld();
    const w = world!;
    // the victim's second account, where their email is an admin too
    const victim = (await createAccount(w.domain, { actor: OPERATOR, name: 'Victim Secret Ventures' }))
      .account.id;
    await createUser(w.domain, {
      actor: OPERATOR,
      account: victim,
      email: w.emails.admin,
      role: 'admin',
      password: 'the victim’s other password',
    });
    // the attacker administers an account of their own and invites the victim's email there
    const evil = (await createAccount(w.domain, { actor: OPERATOR, name: 'Evil Corp' })).account.id;
    const attacker = await createUser(w.domain, {
      actor: OPERATOR,
      account: evil,
      email: 'mallory@evil.example',
      role: 'admin',
      password: PASSWORD,
    });
    const { token } = await createInvite(w.domain, {
      actor: {
        type: 'user',
        account: evil,
        user: attacker.user.id,
        email: 'mallory@evil.example',
        role: 'admin',
        livemode: false,
      },
      email: w.emails.admin,
      role: 'admin',
    });
    const mallorysPassword = 'mallory chose this one herself';
    await acceptLink(w.domain, { token, password: mallorysPassword });
    // sign-in picks the oldest user whose password matches: mallory's copy of the victim's email
    const browser = await signedIn(w.emails.admin, mallorysPassword);
    const first = await browser.get(link({}), HEADERS);
    const next = /<meta http-equiv="refresh" content="0;url=([^"]+)">/
      .exec(first.body)![1]!
      .replaceAll('&amp;', '&');
    const consent = await browser.get(next, HEADERS);
    expect(consent.statusCode).toBe(200);
    expect(consent.body).not.toContain('Victim Secret Ventures');
    expect(consent.body).not.toContain(victim);
    expect(consent.body).not.toContain('Rocket Rides');
    expect(consent.body).not.toContain(w.merchant);
  });
});

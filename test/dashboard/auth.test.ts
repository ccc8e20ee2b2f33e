import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { agent, csrfOf } from './agent.js';
import { APP, type DashboardWorld, dashboardWorld, PASSWORD } from './support.js';

/**
 * Sign-in, sessions and CSRF over `app.inject()`: what the cookies look like, that a wrong
 * password never signs in, that sessions are stored only hashed and end on sign-out and expiry,
 * and that every state-changing request without the session's CSRF token is refused.
 */

let world: DashboardWorld;
afterEach(async () => {
  await world?.close();
});

const SIGN_IN_FAILED = 'That email and password do not match. Check them and try again.';

describe('sign-in', () => {
  it('signs in with the right password and sets a HttpOnly, SameSite=Strict session cookie scoped to /dashboard', async () => {
    world = await dashboardWorld();
    const browser = agent(world.app);
    const page = await browser.get('/dashboard/sign-in');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<label for="email">Email</label>');
    expect(page.body).toContain('<label for="password">Password</label>');
    const response = await browser.signIn(world.emails.admin, PASSWORD);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/dashboard/apps');
    const cookie = [response.headers['set-cookie']]
      .flat()
      .find((c) => String(c).startsWith('appscope_session='));
    expect(cookie).toMatch(
      /^appscope_session=[A-Za-z0-9_-]{43}; Path=\/dashboard; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    const apps = await browser.get('/dashboard/apps');
    expect(apps.statusCode).toBe(200);
    expect(apps.body).toContain('admin@rocket.example');
    expect(apps.body).toContain('Rocket Rides');
  });

  it('adds Secure to cookies when told to (or when served over https)', async () => {
    world = await dashboardWorld({ server: { dashboard: { secureCookies: true } } });
    const browser = agent(world.app);
    const page = await browser.get('/dashboard/sign-in');
    expect(String(page.headers['set-cookie'])).toMatch(/; Secure$/);
    const response = await browser.signIn(world.emails.admin, PASSWORD);
    expect([response.headers['set-cookie']].flat().every((c) => String(c).endsWith('; Secure'))).toBe(true);
  });

  it('does not sign in with a wrong password, and says the same for an unknown email', async () => {
    world = await dashboardWorld();
    const browser = agent(world.app);
    const wrong = await browser.signIn(world.emails.admin, 'not the password');
    const unknown = await browser.signIn('nobody@rocket.example', PASSWORD);
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.body).toContain(SIGN_IN_FAILED);
      expect(String(response.headers['set-cookie'])).not.toContain('appscope_session=');
    }
    expect(wrong.body).toContain('value="admin@rocket.example"'); // the email stays in the field
    expect(wrong.body).toContain('aria-invalid="true"');
    expect((await browser.get('/dashboard/apps')).statusCode).toBe(303);
  });

  it('refuses a sign-in posted without the sign-in form token (login CSRF)', async () => {
    world = await dashboardWorld();
    const browser = agent(world.app);
    const response = await browser.post('/dashboard/sign-in', {
      email: world.emails.admin,
      password: PASSWORD,
    });
    expect(response.statusCode).toBe(403);
    expect(String(response.headers['set-cookie'] ?? '')).not.toContain('appscope_session=');
  });

  it('slows down guessing: after 5 failures for an email even the right password waits', async () => {
    world = await dashboardWorld();
    const browser = agent(world.app, '10.0.0.7');
    for (let i = 0; i < 5; i++)
      expect((await browser.signIn(world.emails.admin, `guess ${i}`)).statusCode).toBe(401);
    const locked = await browser.signIn(world.emails.admin, PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.body).toContain('Too many failed sign-ins.');
    expect(String(locked.headers['set-cookie'] ?? '')).not.toContain('appscope_session=');
    // Neither another user, nor the same user elsewhere, is locked out by it.
    expect((await agent(world.app, '10.0.0.8').signIn(world.emails.view_only, PASSWORD)).statusCode).toBe(
      303,
    );
    expect((await agent(world.app, '10.0.0.9').signIn(world.emails.admin, PASSWORD)).statusCode).toBe(303);
  });

  it('bounds guessing spread over many addresses: 20 failures for an email lock it everywhere for the window', async () => {
    let now = Date.UTC(2026, 0, 1);
    world = await dashboardWorld({ clock: () => now });
    for (let i = 0; i < 20; i++) {
      expect(
        (await agent(world.app, `10.1.0.${i}`).signIn(world.emails.admin, `guess ${i}`)).statusCode,
      ).toBe(401);
    }
    expect((await agent(world.app, '10.2.0.1').signIn(world.emails.admin, PASSWORD)).statusCode).toBe(429);
    now += 15 * 60 * 1000;
    expect((await agent(world.app, '10.2.0.1').signIn(world.emails.admin, PASSWORD)).statusCode).toBe(303);
  });

  it('sends visitors to sign in and back, never to another site', async () => {
    world = await dashboardWorld();
    const browser = agent(world.app);
    const redirect = await browser.get(`/dashboard/apps/${APP}/install`);
    expect(redirect.statusCode).toBe(303);
    expect(redirect.headers.location).toBe(
      `/dashboard/sign-in?next=${encodeURIComponent(`/dashboard/apps/${APP}/install`)}`,
    );
    const back = await browser.signIn(world.emails.admin, PASSWORD, `/dashboard/apps/${APP}/install`);
    expect(back.headers.location).toBe(`/dashboard/apps/${APP}/install`);
    for (const next of [
      'https://evil.example/',
      '//evil.example/x',
      '/dashboard/../v1/customers',
      '/elsewhere',
    ]) {
      const other = agent(world.app);
      expect((await other.signIn(world.emails.admin, PASSWORD, next)).headers.location).toBe(
        '/dashboard/apps',
      );
    }
  });
});

describe('sessions', () => {
  it('stores only a hash of the session id, and signing out ends the session at once', async () => {
    world = await dashboardWorld();
    const browser = agent(world.app);
    await browser.signIn(world.emails.admin, PASSWORD);
    const token = browser.cookies.get('appscope_session')!;
    const hash = createHash('sha256').update(token).digest('hex');
    const stored = await world.store.transaction((tx) => tx.getSession(hash), { readOnly: true });
    expect(stored?.id_hash).toBe(hash);
    expect(JSON.stringify(stored)).not.toContain(token);
    const apps = await browser.get('/dashboard/apps');
    const csrf = csrfOf(apps.body);
    // the CSRF token is derived from the session id: stored nowhere, the same on every page of
    // the session, different in another session
    expect(JSON.stringify(stored)).not.toContain(csrf);
    expect(csrfOf((await browser.get('/dashboard/apps')).body)).toBe(csrf);
    const other = agent(world.app);
    await other.signIn(world.emails.admin, PASSWORD);
    expect(csrfOf((await other.get('/dashboard/apps')).body)).not.toBe(csrf);
    const out = await browser.post('/dashboard/sign-out', { csrf });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/dashboard/sign-in?signed_out=1');
    expect(await world.store.transaction((tx) => tx.getSession(hash), { readOnly: true })).toBeUndefined();
    // The old cookie, replayed, is worth nothing.
    const replay = await world.app.inject({
      method: 'GET',
      url: '/dashboard/apps',
      headers: { cookie: `appscope_session=${token}` },
    });
    expect(replay.statusCode).toBe(303);
  });

  it('expires sessions', async () => {
    let now = Date.UTC(2026, 0, 1);
    world = await dashboardWorld({ clock: () => now, server: { dashboard: { sessionTtlSeconds: 3600 } } });
    const browser = agent(world.app);
    await browser.signIn(world.emails.admin, PASSWORD);
    expect((await browser.get('/dashboard/apps')).statusCode).toBe(200);
    now += 3599_000;
    expect((await browser.get('/dashboard/apps')).statusCode).toBe(200);
    now += 1000;
    expect((await browser.get('/dashboard/apps')).statusCode).toBe(303);
  });
});

describe('CSRF and origin checks', () => {
  async function signedInAdmin() {
    world = await dashboardWorld();
    const browser = agent(world.app);
    await browser.signIn(world.emails.admin, PASSWORD);
    const consent = await browser.get(`/dashboard/apps/${APP}/install`);
    return { browser, csrf: csrfOf(consent.body) };
  }

  it('refuses a POST without the CSRF token, or with another one, with 403 and changes nothing', async () => {
    const { browser, csrf } = await signedInAdmin();
    const fields = { expected: ['customer_write', 'invoice_read'] };
    const missing = await browser.post(`/dashboard/apps/${APP}/install`, fields);
    const wrong = await browser.post(`/dashboard/apps/${APP}/install`, {
      ...fields,
      // Another token of the same shape: the last character changed (to 'B' if it was 'A').
      csrf: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`,
    });
    for (const response of [missing, wrong]) {
      expect(response.statusCode).toBe(403);
      expect(response.body).toContain('security token is missing or wrong');
    }
    expect((await browser.get('/dashboard/apps')).body).toContain('No apps are installed in test mode yet.');
    const ok = await browser.post(`/dashboard/apps/${APP}/install`, { ...fields, csrf });
    expect(ok.statusCode).toBe(201);
  });

  it('refuses a POST from another origin even with the token', async () => {
    const { browser, csrf } = await signedInAdmin();
    const response = await browser.post(
      `/dashboard/apps/${APP}/install`,
      { csrf, expected: ['customer_write', 'invoice_read'] },
      { origin: 'https://evil.example' },
    );
    expect(response.statusCode).toBe(403);
  });

  it('refuses state changes without a session with 403 (installs, mode switches, keys)', async () => {
    world = await dashboardWorld();
    const stranger = agent(world.app);
    for (const url of [`/dashboard/apps/${APP}/install`, '/dashboard/mode', '/dashboard/keys/key_x/revoke']) {
      expect((await stranger.post(url, { csrf: 'x' })).statusCode).toBe(403);
    }
  });
});

describe('headers and assets', () => {
  it('serves pages with a strict CSP, no framing, no caching, and its own CSS, script and icons', async () => {
    world = await dashboardWorld();
    const browser = agent(world.app);
    const page = await browser.get('/dashboard/sign-in');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['request-id']).toMatch(/^req_/);
    expect(page.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing from a CDN
    for (const [file, type] of [
      ['dashboard.css', 'text/css'],
      ['dashboard.js', 'text/javascript'],
      ['logo.svg', 'image/svg+xml'],
    ] as const) {
      const asset = await browser.get(`/dashboard/assets/${file}`);
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['content-type']).toContain(type);
    }
    expect((await browser.get('/dashboard/assets/..%2Fpackage.json')).statusCode).toBe(404);
    const missing = await browser.get('/dashboard/nowhere');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('text/html');
  });
});

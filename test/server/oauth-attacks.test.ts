import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { installApp, uninstallApp } from '../../src/domain/installs.js';
import { createAccountSecretKey, revokeKey } from '../../src/domain/keys.js';
import { revokeOAuthGrants } from '../../src/domain/oauth.js';
import { manifest } from '../domain/helpers.js';
import {
  APP,
  basic,
  codeFor,
  type OAuthWorld,
  OTHER_APP,
  oauthWorld,
  REDIRECT,
  SECOND_REDIRECT,
} from './oauth-support.js';

/**
 * A security review of the OAuth flow (issue 16): attacks by a hostile app developer, a hostile
 * account admin and a network attacker. Each test is an attack; it passes when the attack fails.
 */

let world: OAuthWorld;

beforeAll(async () => {
  world = await oauthWorld();
  await world.publishOAuth('1.0.0', ['customer_read']);
  await world.publishOAuth('1.0.0', ['customer_read'], OTHER_APP);
  await world.publish('com.example.rak', '1.0.0', ['customer_read']);
  await world.publish('com.example.platform', '1.0.0', ['customer_read'], 'platform');
});

afterAll(async () => {
  await world.close();
});

async function redeem(code: string, verifier: string | undefined, extra: Record<string, string> = {}) {
  return world.post(
    '/v1/oauth/token',
    {
      grant_type: 'authorization_code',
      code,
      ...(verifier === undefined ? {} : { code_verifier: verifier }),
      ...extra,
    },
    { authorization: basic(world.developer.sk.test) },
  );
}

async function gateway(token: string, path = '/v1/customers', headers: Record<string, string> = {}) {
  const response = await fetch(`${world.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return { status: response.status, text: await response.text() };
}

describe('client authentication confusion', () => {
  it('refuses another developer’s, a merchant’s, a platform app’s, an install key and an access token as client secret', async () => {
    const { code, verifier } = await codeFor(world);
    const platformSk = await world.appKey('com.example.platform');
    const { key: rk } = await installApp(world.domain, {
      actor: world.stranger.actor.test,
      app: 'com.example.rak',
    });
    const good = await redeem(code, verifier);
    expect(good.status).toBe(200);
    const at = good.body['access_token'] as string;
    const { code: code2, verifier: v2 } = await codeFor(world, { app: OTHER_APP });
    for (const secret of [
      world.merchant.sk.test,
      world.stranger.sk.test,
      platformSk,
      rk!.secret,
      at,
      world.developer.sk.live,
    ]) {
      const answer = await world.post('/v1/oauth/token', {
        grant_type: 'authorization_code',
        code: code2,
        code_verifier: v2!,
        client_secret: secret,
        client_id: OTHER_APP,
      });
      expect(answer.status, secret.slice(0, 8)).toBeGreaterThanOrEqual(400);
      expect(['invalid_client', 'invalid_grant']).toContain(answer.body['error']);
    }
    // the code still works for its developer: the failed attempts did not burn it
    expect((await redeem(code2, v2)).status).toBe(200);
  });

  it('refuses a public client_id that names a non-OAuth app, and a code of another app', async () => {
    const { code, verifier } = await codeFor(world);
    for (const clientId of ['com.example.rak', 'com.example.platform', OTHER_APP]) {
      const answer = await world.post('/v1/oauth/token', {
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier!,
        client_id: clientId,
      });
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }
    expect((await redeem(code, verifier)).status).toBe(200);
  });
});

describe('codes and tokens after revocation', () => {
  it('an admin’s Revoke access also kills a code issued before it and not yet redeemed', async () => {
    const { code, verifier } = await codeFor(world);
    const first = await codeFor(world);
    const tokens = await redeem(first.code, first.verifier);
    expect(tokens.status).toBe(200);
    await revokeOAuthGrants(world.domain, {
      actor: world.admin.test,
      install: tokens.body['install'] as string,
    });
    const late = await redeem(code, verifier);
    expect(late.status, JSON.stringify(late.body)).toBe(400);
    expect(late.body['error']).toBe('invalid_grant');
  });

  it('a code issued before an uninstall does not work after a reinstall', async () => {
    const { code, verifier } = await codeFor(world, { app: OTHER_APP });
    const first = await codeFor(world, { app: OTHER_APP });
    const tokens = await redeem(first.code, first.verifier);
    await uninstallApp(world.domain, { actor: world.admin.test, install: tokens.body['install'] as string });
    await codeFor(world, { app: OTHER_APP }); // reinstalled through the link
    const late = await redeem(code, verifier);
    expect(late.body['error']).toBe('invalid_grant');
    expect((await gateway(tokens.body['access_token'] as string)).status).toBe(401);
  });
});

describe('gateway with an access token', () => {
  it('refuses Stripe-Account of another account and appscope’s own admin APIs', async () => {
    const { code, verifier } = await codeFor(world);
    const tokens = await redeem(code, verifier);
    const at = tokens.body['access_token'] as string;
    expect((await gateway(at)).status).toBe(200);
    // as docs/oauth.md says: also as the Basic user name, as `curl -u at_…:` sends it
    const viaBasic = await fetch(`${world.url}/v1/customers`, { headers: { authorization: basic(at) } });
    expect(viaBasic.status).toBe(200);
    expect((await gateway(at, '/v1/customers', { 'stripe-account': world.stranger.id })).status).toBe(403);
    for (const path of ['/v1/apps/installs', '/v1/apps', '/v1/keys']) {
      const answer = await gateway(at, path);
      expect(answer.status, `${path}: ${answer.text}`).toBeGreaterThanOrEqual(400);
      expect(answer.text).not.toContain(at);
    }
    // the token endpoints do not take an access token as a refresh token or a client secret
    const asRefresh = await world.post(
      '/v1/oauth/token',
      { grant_type: 'refresh_token', refresh_token: at },
      { authorization: basic(world.developer.sk.test) },
    );
    expect(asRefresh.body['error']).toBe('invalid_grant');
  });
});

describe('redirect URI matching and the Location header', () => {
  const variants = [
    REDIRECT.toUpperCase(),
    'https://CRM.example.com/oauth/callback',
    `${REDIRECT}/`,
    `${REDIRECT}?x=1`,
    `${REDIRECT}#frag`,
    'https://crm.example.com:443/oauth/callback',
    'https://crm.example.com./oauth/callback',
    'https://user@crm.example.com/oauth/callback',
    'https://crm.example.com@evil.example/oauth/callback',
    'https://crm.example.com/oauth/x/../callback',
    'https://crm.example.com/oauth%2Fcallback',
    'https://crm.example.com/oauth/callback%00',
    'http://crm.example.com/oauth/callback',
    'https://xn--crm-xxa.example.com/oauth/callback',
    ' https://crm.example.com/oauth/callback',
    '',
  ];
  it.each(variants)('never redirects to %j', async (redirectUri) => {
    await expect(
      world.authorize({ client_id: APP, response_type: 'code', redirect_uri: redirectUri, state: 's' }),
    ).rejects.toThrow(/authorize refused: invalid_request: The redirect URI/);
  });

  it('keeps state and iss inside their own parameters whatever state holds', async () => {
    const state = 'a\r\nLocation: https://evil.example/#&iss=https://evil.example&code=ac_test_x%20+é';
    const { location } = await codeFor(world, { state });
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.hash).toBe('');
    expect(location.searchParams.getAll('state')).toEqual([state]);
    expect(location.searchParams.getAll('iss')).toEqual([world.issuer]);
    expect(location.searchParams.getAll('code')).toHaveLength(1);
    expect(location.href).not.toMatch(/[\r\n]/);
  });
});

describe('PKCE and code binding', () => {
  it('refuses a PKCE downgrade, a wrong verifier, a plain verifier, and a redirect_uri switch', async () => {
    const { code, verifier } = await codeFor(world, { redirectUri: REDIRECT });
    const tries: Record<string, string>[] = [
      {},
      { code_verifier: 'x'.repeat(43) },
      { code_verifier: `${verifier!}=` },
      { code_verifier: verifier!, redirect_uri: SECOND_REDIRECT },
      { code_verifier: verifier! },
    ];
    for (const extra of tries.slice(0, 4)) {
      const answer = await redeem(code, undefined, extra);
      expect(answer.body['error'], JSON.stringify(extra)).toBe('invalid_grant');
    }
    // the redirect_uri named in the link must be repeated
    expect((await redeem(code, undefined, tries[4]!)).body['error']).toBe('invalid_grant');
    expect((await redeem(code, verifier, { redirect_uri: REDIRECT })).status).toBe(200);
  });

  it('refuses a test code with the live key and a live code with the test key', async () => {
    const test = await codeFor(world, { mode: 'test' });
    const answer = await world.post(
      '/v1/oauth/token',
      { grant_type: 'authorization_code', code: test.code, code_verifier: test.verifier! },
      { authorization: basic(world.developer.sk.live) },
    );
    expect(answer.body['error']).toBe('invalid_grant');
    const live = await codeFor(world, { mode: 'live' });
    expect((await redeem(live.code, live.verifier)).body['error']).toBe('invalid_grant');
  });

  it('two concurrent redemptions of one code: one family at most, and it is revoked', async () => {
    const { code, verifier } = await codeFor(world);
    const answers = await Promise.all([
      redeem(code, verifier),
      redeem(code, verifier),
      redeem(code, verifier),
    ]);
    const won = answers.filter((a) => a.status === 200);
    expect(won.length).toBeLessThanOrEqual(1);
    for (const answer of won) expect((await gateway(answer.body['access_token'] as string)).status).toBe(401);
  });

  it('two concurrent refreshes: at most one succeeds, and reuse revokes the family', async () => {
    const { code, verifier } = await codeFor(world);
    const tokens = await redeem(code, verifier);
    const refresh = () =>
      world.post(
        '/v1/oauth/token',
        { grant_type: 'refresh_token', refresh_token: tokens.body['refresh_token'] as string },
        { authorization: basic(world.developer.sk.test) },
      );
    const answers = await Promise.all([refresh(), refresh()]);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
    for (const answer of answers.filter((a) => a.status === 200))
      expect((await gateway(answer.body['access_token'] as string)).status).toBe(401);
    expect((await gateway(tokens.body['access_token'] as string)).status).toBe(401);
  });
});

describe('the metadata endpoint', () => {
  it('refuses a Host header that is not a host name instead of echoing it as the issuer', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: world.port,
          path: '/.well-known/oauth-authorization-server',
          headers: { host: 'evil.example/"x' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
  });
});

describe('a code seen in a URL (history, logs, Referer) after the app redeemed it', () => {
  it('does not let someone without the app’s credentials revoke the app’s tokens', async () => {
    const { code, verifier } = await codeFor(world);
    const tokens = await redeem(code, verifier); // the confidential app, with PKCE too
    expect(tokens.status).toBe(200);
    const at = tokens.body['access_token'] as string;
    const attempts: Record<string, string>[] = [
      { client_id: APP },
      { client_id: APP, code_verifier: 'x'.repeat(43) },
      { client_id: APP, code_verifier: verifier! }, // even the verifier: the tokens are the confidential client's
    ];
    for (const extra of attempts) {
      const answer = await world.post('/v1/oauth/token', {
        grant_type: 'authorization_code',
        code,
        ...extra,
      });
      expect(answer.status, JSON.stringify(extra)).toBeGreaterThanOrEqual(400);
      expect((await gateway(at)).status, JSON.stringify(extra)).toBe(200);
    }
    // the app itself presenting it again is a reuse: the family is revoked
    expect((await redeem(code, verifier)).body['error']).toBe('invalid_grant');
    expect((await gateway(at)).status).toBe(401);
  });

  it('does not let someone without the PKCE verifier revoke a public client’s tokens', async () => {
    const { code, verifier } = await codeFor(world);
    const redeemPublic = (extra: Record<string, string>) =>
      world.post('/v1/oauth/token', { grant_type: 'authorization_code', code, client_id: APP, ...extra });
    const tokens = await redeemPublic({ code_verifier: verifier! });
    expect(tokens.status).toBe(200);
    const at = tokens.body['access_token'] as string;
    for (const extra of [{}, { code_verifier: 'y'.repeat(43) }]) {
      expect((await redeemPublic(extra)).body['error']).toBe('invalid_grant');
      expect((await gateway(at)).status, JSON.stringify(extra)).toBe(200);
    }
    expect((await redeemPublic({ code_verifier: verifier! })).body['error']).toBe('invalid_grant');
    expect((await gateway(at)).status).toBe(401);
  });
});

describe('expiry boundaries', () => {
  it('a code works until its last second and not at its expiry', async () => {
    const early = await codeFor(world);
    const late = await codeFor(world);
    world.clock.advance(299);
    expect((await redeem(early.code, early.verifier)).status).toBe(200);
    world.clock.advance(1);
    expect((await redeem(late.code, late.verifier)).body['error']).toBe('invalid_grant');
  });

  it('an access token works until its last second, then is refused even though the gateway cached it', async () => {
    const { code, verifier } = await codeFor(world);
    const at = (await redeem(code, verifier)).body['access_token'] as string;
    world.clock.advance(3599);
    expect((await gateway(at)).status).toBe(200);
    world.clock.advance(1);
    expect((await gateway(at)).status).toBe(401);
  });
});

describe('what a hostile developer may register as a redirect URI', () => {
  it.each([
    'javascript:alert(1)//https://x.example/cb',
    'data:text/html,<script>alert(1)</script>',
    'https://x.example/cb#frag',
    'https://user:pw@x.example/cb',
    'https://*.x.example/cb',
    'https://x.example',
    'https://x.example\\@evil.example/cb',
    'https://例え.jp/cb',
    'https://x.example/cb\nSet-Cookie: a=b',
    'file:///etc/passwd',
  ])('refuses %j at upload', async (uri) => {
    await expect(
      uploadAppVersion(world.domain, {
        actor: OPERATOR,
        account: world.developer.id,
        manifest: manifest('com.example.hostile-redirect', '1.0.0', ['customer_read'], 'oauth', {
          distribution_type: 'public',
          allowed_redirect_uris: [uri],
        }),
      }),
    ).rejects.toThrow(/redirect/i);
  });
});

describe('malformed token requests', () => {
  it.each([
    'grant_type=authorization_code&code[]=ac_test_x',
    'grant_type=authorization_code&code=%zz',
    'grant_type=authorization_code&code=%00',
    'grant_type=authorization_code&code=a&code=b',
    `grant_type=refresh_token&refresh_token=rt_test_${'A'.repeat(5000)}`,
    `grant_type=authorization_code&client_id=${'c'.repeat(20000)}`,
    Array.from({ length: 2000 }, (_, i) => `p${i}=1`).join('&'),
    `grant_type=authorization_code&code=ac_test_x&client_secret=${encodeURIComponent('sk_test_\u0000\r\n')}`,
  ])('answers %# with an RFC-shaped 4xx, never a 500', async (body) => {
    const answer = await world.post('/v1/oauth/token', body);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(typeof answer.body['error']).toBe('string');
  });

  it.each([
    `Basic ${Buffer.from('\u00ff\u00fe:').toString('base64')}`,
    `Basic ${Buffer.from(`${'%'.repeat(3)}:x`).toString('base64')}`,
    'Basic ====',
    'Basic',
    `Bearer ${'sk_test_'.padEnd(10000, 'x')}`,
    `basic ${Buffer.from(`${'x'.repeat(8000)}:y`).toString('base64')}`,
  ])('answers an odd Authorization header %# with invalid_client, never a 500', async (authorization) => {
    const answer = await world.post(
      '/v1/oauth/token',
      { grant_type: 'authorization_code', code: 'ac_test_x' },
      { authorization },
    );
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body['error']).toMatch(/invalid_client|invalid_request/);
  });
});

describe('a secret key that no longer works', () => {
  it('refuses a revoked and an expired developer key as the client secret, without burning the code', async () => {
    const revoked = await createAccountSecretKey(world.domain, { actor: world.developer.actor.test });
    await revokeKey(world.domain, { actor: world.developer.actor.test, key: revoked.id });
    const expiring = await createAccountSecretKey(world.domain, {
      actor: world.developer.actor.test,
      expiresAt: world.clock.seconds() + 10,
    });
    world.clock.advance(10);
    const { code, verifier } = await codeFor(world);
    for (const secret of [revoked.secret, expiring.secret]) {
      const answer = await world.post(
        '/v1/oauth/token',
        { grant_type: 'authorization_code', code, code_verifier: verifier! },
        { authorization: basic(secret) },
      );
      expect(answer.status).toBe(401);
      expect(answer.body['error']).toBe('invalid_client');
    }
    expect((await redeem(code, verifier)).status).toBe(200);
  });
});

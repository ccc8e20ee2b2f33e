import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { listEvents } from '../../src/domain/events.js';
import { getInstall, reauthorizeInstall, uninstallApp } from '../../src/domain/installs.js';
import {
  authenticateKey,
  createAccountSecretKey,
  createAppSecretKey,
  createInstallKey,
} from '../../src/domain/keys.js';
import {
  type AuthorizeRequest,
  approveAuthorization,
  authorizationState,
  authorizingAccount,
  authorizingActor,
  checkAuthorizeRequest,
  deauthorize,
  deniedLocation,
  exchangeToken,
  listOAuthGrants,
  OAuthError,
  revokeOAuthGrants,
  revokeToken,
  type TokenInput,
} from '../../src/domain/oauth.js';
import { hashSecret } from '../../src/domain/secrets.js';
import { createUser } from '../../src/domain/users.js';
import { createPrincipalCache } from '../../src/gateway/principal-cache.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { expectError, manifest, type World, world } from './helpers.js';

const APP = 'com.example.oauth-sync';
const CALLBACK = 'https://app.example.com/stripe/callback';
const OTHER_CALLBACK = 'https://app.example.com/stripe/other?x=1';
const ISSUER = 'https://appscope.example';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

function oauthManifest(version: string, permissions: readonly string[]): Record<string, unknown> {
  return manifest(APP, version, permissions, 'oauth', {
    distribution_type: 'public',
    allowed_redirect_uris: [CALLBACK, OTHER_CALLBACK],
  });
}

/** The query parameters of a redirect location. */
function paramsOf(location: string): URLSearchParams {
  return new URL(location).searchParams;
}

async function oauthError(
  promise: Promise<unknown>,
): Promise<{ error: string; description: string; status: number }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected an OAuthError').toBeInstanceOf(OAuthError);
  const e = error as OAuthError;
  return { error: e.error, description: e.description, status: e.status };
}

interface Fixture {
  readonly w: World;
  readonly domain: Domain;
  /** The merchant's test-mode admin actor. */
  readonly admin: Actor;
  /** The developer's sk_test_ and sk_live_ secrets. */
  readonly developerSecret: string;
  readonly developerLiveSecret: string;
  request(query?: Record<string, string>, mode?: 'test' | 'live'): Promise<AuthorizeRequest>;
  /** An approved code for a fresh request (PKCE by default). */
  code(query?: Record<string, string>): Promise<string>;
}

async function fixture(w: World): Promise<Fixture> {
  const { domain } = w;
  await uploadAppVersion(domain, { actor: w.developer, manifest: oauthManifest('1', ['customer_read']) });
  const developerSecret = (await createAccountSecretKey(domain, { actor: w.developer })).secret;
  const developerLiveSecret = (
    await createAccountSecretKey(domain, {
      actor: { ...w.developer, livemode: true },
      mode: 'live',
    })
  ).secret;
  const request = async (query: Record<string, string> = {}, mode: 'test' | 'live' = 'test') => {
    const check = await checkAuthorizeRequest(
      domain,
      new Map(Object.entries({ client_id: APP, response_type: 'code', ...query })),
      mode,
      ISSUER,
    );
    if (!check.ok) throw new Error(`request refused: ${check.description}`);
    return check.request;
  };
  const fx: Fixture = {
    w,
    domain,
    admin: w.merchant,
    developerSecret,
    developerLiveSecret,
    request,
    async code(query = { code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 's1' }) {
      const req = await request(query);
      const state = await authorizationState(domain, w.merchant, req);
      const { location } = await approveAuthorization(domain, {
        actor: w.merchant,
        request: req,
        expectedPermissions: state.install === undefined ? state.requested : state.pending,
        issuer: ISSUER,
      });
      const code = paramsOf(location).get('code');
      if (code === null) throw new Error(`no code in ${location}`);
      return code;
    },
  };
  return fx;
}

function publicExchange(code: string, extra: Partial<TokenInput> = {}): TokenInput {
  return {
    grantType: 'authorization_code',
    code,
    codeVerifier: VERIFIER,
    client: { clientId: APP, secret: undefined },
    ...extra,
  };
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'OAuth install links and tokens'), () => {
    const fresh = freshDatabases(dialect);
    const setup = async (): Promise<Fixture> => fixture(await world(await (await fresh()).open()));

    it('link → approve → code → PKCE exchange → access token acts as the install → refresh rotates', async () => {
      const fx = await setup();
      const { domain, w } = fx;
      const req = await fx.request({
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
        state: 'a b&c=d/é',
      });
      expect(req).toMatchObject({
        clientId: APP,
        redirectUri: CALLBACK,
        redirectUriGiven: false,
        mode: 'test',
      });
      const { install, location } = await approveAuthorization(domain, {
        actor: fx.admin,
        request: req,
        expectedPermissions: ['customer_read'],
        issuer: ISSUER,
      });
      expect(location.startsWith(`${CALLBACK}?`)).toBe(true);
      const params = paramsOf(location);
      expect(params.get('state')).toBe('a b&c=d/é');
      expect(params.get('iss')).toBe(ISSUER);
      expect(params.get('code')).toMatch(/^ac_test_/);
      expect(install).toMatchObject({
        account: w.merchantAccount,
        app: APP,
        permissions_granted: ['customer_read'],
      });
      // announced like any install (and so to webhooks): the merchant's and the developer's events
      const types = (await listEvents(domain, { actor: fx.admin, limit: 100 })).data.map((e) => e.type);
      expect(types).toEqual(
        expect.arrayContaining(['apps.install.created', 'account.application.authorized']),
      );

      const tokens = await exchangeToken(domain, publicExchange(params.get('code')!));
      expect(tokens).toMatchObject({
        token_type: 'bearer',
        expires_in: 3600,
        scope: 'customer_read',
        livemode: false,
        stripe_user_id: w.merchantAccount,
        install: install.id,
      });
      expect(tokens.access_token).toMatch(/^at_test_/);
      expect(tokens.refresh_token).toMatch(/^rt_test_/);

      const auth = await authenticateKey(domain, tokens.access_token);
      expect(auth.ok && auth.principal).toMatchObject({
        type: 'install',
        install: install.id,
        account: w.merchantAccount,
        oauth: true,
        granted: ['customer_read'],
      });

      // refresh: new pair, the old refresh token is spent, the old access token still works until it expires
      const next = await exchangeToken(domain, {
        grantType: 'refresh_token',
        refreshToken: tokens.refresh_token,
        client: { clientId: APP, secret: undefined },
      });
      expect(next.access_token).not.toBe(tokens.access_token);
      expect(next.refresh_token).not.toBe(tokens.refresh_token);
      expect((await authenticateKey(domain, next.access_token)).ok).toBe(true);
      expect((await authenticateKey(domain, tokens.access_token)).ok).toBe(true);

      // the access token expires after an hour
      w.clock.advance(3600);
      const expired = await authenticateKey(domain, next.access_token);
      expect(expired.ok ? 'ok' : expired.reason).toBe('expired');
      expect(expired.ok ? '' : expired.message).toMatch(/has expired: get a new one with the refresh token/);
    });

    it('a reused refresh token revokes the whole family', async () => {
      const fx = await setup();
      const first = await exchangeToken(fx.domain, publicExchange(await fx.code()));
      const refresh = (token: string) =>
        exchangeToken(fx.domain, {
          grantType: 'refresh_token',
          refreshToken: token,
          client: { clientId: APP, secret: undefined },
        });
      const second = await refresh(first.refresh_token);
      const reuse = await oauthError(refresh(first.refresh_token));
      expect(reuse).toMatchObject({ error: 'invalid_grant', status: 400 });
      expect(reuse.description).toMatch(/already used/);
      for (const token of [first.access_token, second.access_token]) {
        const result = await authenticateKey(fx.domain, token);
        expect(result.ok ? 'ok' : result.reason).toBe('revoked');
      }
      expect((await oauthError(refresh(second.refresh_token))).error).toBe('invalid_grant');
    });

    it('expired tokens are deleted as new ones are issued; a rotated refresh token is recognised for a day', async () => {
      const fx = await setup();
      const { domain, w } = fx;
      const stored = (token: string) =>
        domain.store.transaction((tx) => tx.getOAuthTokenByHash(hashSecret(token)), { readOnly: true });
      const refresh = (token: string) =>
        exchangeToken(domain, {
          grantType: 'refresh_token',
          refreshToken: token,
          client: { clientId: APP, secret: undefined },
        });
      const first = await exchangeToken(domain, publicExchange(await fx.code()));
      w.clock.advance(2 * 3600);
      const second = await refresh(first.refresh_token);
      expect(await stored(first.access_token)).toBeUndefined(); // expired: deleted on the refresh
      expect((await stored(first.refresh_token))?.used).not.toBeNull(); // rotated: kept a day
      // two days on, another refresh deletes the rotated one; presenting it is then just unknown
      w.clock.advance(2 * 86_400);
      const third = await refresh(second.refresh_token);
      expect(await stored(first.refresh_token)).toBeUndefined();
      const late = await oauthError(refresh(first.refresh_token));
      expect(late.description).toMatch(/the refresh token is invalid/);
      expect((await authenticateKey(domain, third.access_token)).ok).toBe(true); // the family lives on
    });

    it('a code works once; presenting it again revokes what its first use issued', async () => {
      const fx = await setup();
      const code = await fx.code();
      const tokens = await exchangeToken(fx.domain, publicExchange(code));
      const again = await oauthError(exchangeToken(fx.domain, publicExchange(code)));
      expect(again.error).toBe('invalid_grant');
      expect(again.description).toMatch(/already used/);
      const result = await authenticateKey(fx.domain, tokens.access_token);
      expect(result.ok ? 'ok' : result.reason).toBe('revoked');
    });

    it('two concurrent redemptions of one code: exactly one gets tokens', async () => {
      const fx = await setup();
      const code = await fx.code();
      const results = await Promise.allSettled([
        exchangeToken(fx.domain, publicExchange(code)),
        exchangeToken(fx.domain, publicExchange(code)),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((failed.reason as OAuthError).error).toBe('invalid_grant');
    });

    it('codes are bound to PKCE, the redirect URI, the client and the mode, and expire', async () => {
      const fx = await setup();
      const { domain, w } = fx;
      const code = await fx.code();
      const refusals: [Partial<TokenInput>, string, RegExp][] = [
        [{ codeVerifier: undefined }, 'invalid_grant', /code_verifier is missing/],
        [{ codeVerifier: `${VERIFIER.slice(0, -1)}A` }, 'invalid_grant', /does not match the code_challenge/],
        [{ codeVerifier: 'short' }, 'invalid_grant', /43 to 128 characters/],
        [{ redirectUri: OTHER_CALLBACK }, 'invalid_grant', /redirect_uri does not match/],
        [{ client: { clientId: 'com.example.other', secret: undefined } }, 'invalid_client', /no OAuth app/],
        [
          { client: { clientId: undefined, secret: fx.developerLiveSecret } },
          'invalid_grant',
          /issued in test mode/,
        ],
        [{ client: { clientId: undefined, secret: 'sk_test_nope' } }, 'invalid_client', /not a secret key/],
        [
          { client: { clientId: undefined, secret: undefined } },
          'invalid_client',
          /no client authentication/,
        ],
      ];
      for (const [extra, error, description] of refusals) {
        const got = await oauthError(exchangeToken(domain, publicExchange(code, extra)));
        expect(got.error, JSON.stringify(extra)).toBe(error);
        expect(got.description).toMatch(description);
        if (error === 'invalid_client') expect(got.status).toBe(401);
      }
      // none of the refusals spent the code
      expect((await exchangeToken(domain, publicExchange(code))).access_token).toMatch(/^at_test_/);

      // a code for an explicit redirect_uri needs it repeated
      const named = await fx.code({
        redirect_uri: OTHER_CALLBACK,
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      });
      expect((await oauthError(exchangeToken(domain, publicExchange(named)))).description).toMatch(
        /redirect_uri is missing/,
      );
      expect(
        (await exchangeToken(domain, publicExchange(named, { redirectUri: OTHER_CALLBACK }))).stripe_user_id,
      ).toBe(w.merchantAccount);

      // without PKCE only the developer's secret key redeems; a verifier is then refused
      const plain = await fx.code({});
      expect((await oauthError(exchangeToken(domain, publicExchange(plain)))).description).toMatch(
        /code_verifier was sent/,
      );
      expect(
        (await oauthError(exchangeToken(domain, publicExchange(plain, { codeVerifier: undefined }))))
          .description,
      ).toMatch(/a public client must use PKCE/);
      const confidential = await exchangeToken(domain, {
        grantType: 'authorization_code',
        code: plain,
        client: { clientId: APP, secret: fx.developerSecret },
      });
      expect(confidential.scope).toBe('customer_read');
      // a confidential family refreshes only with the secret key
      const publicRefresh = await oauthError(
        exchangeToken(domain, {
          grantType: 'refresh_token',
          refreshToken: confidential.refresh_token,
          client: { clientId: APP, secret: undefined },
        }),
      );
      expect(publicRefresh.error).toBe('invalid_client');

      // five minutes later a code is expired
      const late = await fx.code();
      w.clock.advance(300);
      expect((await oauthError(exchangeToken(domain, publicExchange(late)))).description).toMatch(
        /has expired/,
      );
    });

    it('another developer’s secret key cannot redeem or name the app', async () => {
      const fx = await setup();
      const strangerSecret = (await createAccountSecretKey(fx.domain, { actor: fx.w.stranger })).secret;
      const code = await fx.code({});
      expect(
        await oauthError(
          exchangeToken(fx.domain, {
            grantType: 'authorization_code',
            code,
            client: { clientId: undefined, secret: strangerSecret },
          }),
        ),
      ).toMatchObject({ error: 'invalid_grant' });
      expect(
        await oauthError(
          exchangeToken(fx.domain, {
            grantType: 'authorization_code',
            code,
            client: { clientId: APP, secret: strangerSecret },
          }),
        ),
      ).toMatchObject({ error: 'invalid_client', status: 401 });
    });

    it('pending permissions stay refused until an admin approves them, through the link or the dashboard', async () => {
      const fx = await setup();
      const { domain, w } = fx;
      const tokens = await exchangeToken(domain, publicExchange(await fx.code()));
      await uploadAppVersion(domain, {
        actor: w.developer,
        manifest: oauthManifest('2', ['customer_read', 'invoice_read']),
      });
      let auth = await authenticateKey(domain, tokens.access_token);
      expect(auth.ok && auth.principal.type === 'install' && auth.principal.pending).toEqual([
        'invoice_read',
      ]);
      expect(auth.ok && auth.principal.type === 'install' && auth.principal.granted).toEqual([
        'customer_read',
      ]);
      // the link again: the consent shows the pending permission; approving grants it
      const req = await fx.request();
      const state = await authorizationState(domain, fx.admin, req);
      expect(state.pending).toEqual(['invoice_read']);
      await expectError(
        approveAuthorization(domain, {
          actor: fx.admin,
          request: req,
          expectedPermissions: [],
          issuer: ISSUER,
        }),
        'ERR_CONSENT_STALE',
      );
      await approveAuthorization(domain, {
        actor: fx.admin,
        request: req,
        expectedPermissions: ['invoice_read'],
        issuer: ISSUER,
      });
      auth = await authenticateKey(domain, tokens.access_token);
      expect(auth.ok && auth.principal.type === 'install' && auth.principal.granted).toEqual([
        'customer_read',
        'invoice_read',
      ]);
      // and via the dashboard's reauthorize, for a later release
      await uploadAppVersion(domain, {
        actor: w.developer,
        manifest: oauthManifest('3', ['customer_read', 'invoice_read', 'charge_read']),
      });
      const installId = (auth.ok && auth.principal.type === 'install' && auth.principal.install) || '';
      await reauthorizeInstall(domain, { actor: fx.admin, install: installId });
      auth = await authenticateKey(domain, tokens.access_token);
      expect(auth.ok && auth.principal.type === 'install' && auth.principal.pending).toEqual([]);
    });

    it('uninstall, deauthorize, revocation and an admin’s revoke stop every token', async () => {
      const fx = await setup();
      const { domain, w } = fx;
      // RFC 7009: an access token alone; a refresh token revokes its family
      const a = await exchangeToken(domain, publicExchange(await fx.code()));
      await revokeToken(domain, { token: a.access_token, client: { clientId: APP, secret: undefined } });
      expect((await authenticateKey(domain, a.access_token)).ok).toBe(false);
      const a2 = await exchangeToken(domain, {
        grantType: 'refresh_token',
        refreshToken: a.refresh_token,
        client: { clientId: APP, secret: undefined },
      });
      await revokeToken(domain, { token: a2.refresh_token, client: { clientId: APP, secret: undefined } });
      expect((await authenticateKey(domain, a2.access_token)).ok).toBe(false);
      // unknown and malformed tokens are a success
      await revokeToken(domain, { token: 'rt_test_nothing', client: { clientId: APP, secret: undefined } });
      expect(
        (
          await oauthError(
            revokeToken(domain, {
              token: a.access_token,
              client: { clientId: undefined, secret: undefined },
            }),
          )
        ).error,
      ).toBe('invalid_client');

      // an admin revokes an install's tokens
      const b = await exchangeToken(domain, publicExchange(await fx.code()));
      const installId = b.install;
      expect(await revokeOAuthGrants(domain, { actor: fx.admin, install: installId })).toBe(1);
      expect((await authenticateKey(domain, b.access_token)).ok).toBe(false);
      const grants = await listOAuthGrants(domain, { actor: fx.admin, install: installId });
      expect(grants.filter((g) => g.revoked === null)).toEqual([]);
      expect(grants.map((g) => g.revoked_reason)).toContain('revoked_by_admin');
      await expectError(listOAuthGrants(domain, { actor: w.stranger, install: installId }), 'ERR_NOT_FOUND');

      // uninstall
      const c = await exchangeToken(domain, publicExchange(await fx.code()));
      await uninstallApp(domain, { actor: fx.admin, install: installId });
      const refused = await authenticateKey(domain, c.access_token);
      expect(refused.ok ? 'ok' : refused.reason).toBe('install_uninstalled');
      expect(
        (
          await oauthError(
            exchangeToken(domain, {
              grantType: 'refresh_token',
              refreshToken: c.refresh_token,
              client: { clientId: APP, secret: undefined },
            }),
          )
        ).error,
      ).toBe('invalid_grant');

      // deauthorize: the developer uninstalls from the account
      const d = await exchangeToken(domain, publicExchange(await fx.code()));
      expect(
        (
          await oauthError(
            deauthorize(domain, {
              client: { clientId: APP, secret: undefined },
              stripeUserId: w.merchantAccount,
            }),
          )
        ).error,
      ).toBe('invalid_client');
      expect(
        await deauthorize(domain, {
          client: { clientId: APP, secret: fx.developerSecret },
          stripeUserId: w.merchantAccount,
        }),
      ).toEqual({ stripe_user_id: w.merchantAccount });
      expect((await getInstall(domain, { actor: fx.admin, install: d.install })).status).toBe('uninstalled');
      expect((await authenticateKey(domain, d.access_token)).ok).toBe(false);
      const types = (await listEvents(domain, { actor: fx.admin, limit: 100 })).data.map((e) => e.type);
      expect(types).toContain('account.application.deauthorized');
      expect(
        (
          await oauthError(
            deauthorize(domain, {
              client: { clientId: APP, secret: fx.developerSecret },
              stripeUserId: w.merchantAccount,
            }),
          )
        ).error,
      ).toBe('invalid_request');
    });

    it('a revocation reaches another process’s principal cache (LISTEN/NOTIFY or SQLite polling)', async () => {
      const db = await fresh();
      const fx = await fixture(await world(await db.open()));
      const other = createDomain({ store: await db.open({ pollIntervalMs: 20 }), clock: fx.w.clock });
      const cache = createPrincipalCache(other);
      try {
        const tokens = await exchangeToken(fx.domain, publicExchange(await fx.code()));
        expect((await cache.authenticate(tokens.access_token)).ok).toBe(true);
        expect(cache.cached(tokens.access_token)?.ok).toBe(true); // remembered: no store read next time
        await revokeToken(fx.domain, {
          token: tokens.refresh_token,
          client: { clientId: APP, secret: undefined },
        });
        await expect
          .poll(async () => (await cache.authenticate(tokens.access_token)).ok, { timeout: 5000 })
          .toBe(false);
        // and the cached answer never outlives the token's expiry
        const next = await exchangeToken(fx.domain, publicExchange(await fx.code()));
        expect((await cache.authenticate(next.access_token)).ok).toBe(true);
        fx.w.clock.advance(3600);
        expect(cache.cached(next.access_token)).toBeUndefined();
        const expired = await cache.authenticate(next.access_token);
        expect(expired.ok ? 'ok' : expired.reason).toBe('expired');
      } finally {
        cache.close();
      }
    });

    it('an OAuth app has neither install keys nor an app secret key', async () => {
      const fx = await setup();
      const tokens = await exchangeToken(fx.domain, publicExchange(await fx.code()));
      await expectError(
        createInstallKey(fx.domain, { actor: fx.admin, install: tokens.install }),
        'ERR_KEY_TYPE',
        `app \`${APP}\` uses \`oauth\` access: it calls the API with OAuth access tokens from its install link, not with install keys`,
      );
      await expectError(
        createAppSecretKey(fx.domain, { actor: fx.w.developer, app: APP }),
        'ERR_KEY_TYPE',
        /OAuth access tokens/,
      );
    });

    it('refresh and authorization codes are not API keys', async () => {
      const fx = await setup();
      const tokens = await exchangeToken(fx.domain, publicExchange(await fx.code()));
      for (const secret of [tokens.refresh_token, await fx.code()]) {
        const result = await authenticateKey(fx.domain, secret);
        expect(result.ok ? 'ok' : result.reason).toBe('not_an_api_key');
        expect(result.ok ? '' : result.message).toMatch(/POST \/v1\/oauth\/token/);
      }
    });

    it('checks the authorization request: page errors never redirect; the rest redirect with state', async () => {
      const fx = await setup();
      const check = (query: Record<string, string>) =>
        checkAuthorizeRequest(fx.domain, new Map(Object.entries(query)), 'test', ISSUER);
      for (const query of [
        {},
        { client_id: 'com.example.nope', response_type: 'code' },
        { client_id: APP, response_type: 'code', redirect_uri: `${CALLBACK}/` },
        { client_id: APP, response_type: 'code', redirect_uri: CALLBACK.toUpperCase() },
        { client_id: APP, response_type: 'code', redirect_uri: `${CALLBACK}#x` },
        { client_id: APP, response_type: 'code', redirect_uri: 'https://evil.example/stripe/callback' },
      ]) {
        const result = await check(query);
        expect(result.ok === false && result.redirect, JSON.stringify(query)).toBe(false);
      }
      const redirected: [Record<string, string>, string][] = [
        [{}, 'invalid_request'],
        [{ response_type: 'token' }, 'unsupported_response_type'],
        [{ response_type: 'code', code_challenge: CHALLENGE }, 'invalid_request'],
        [
          { response_type: 'code', code_challenge: CHALLENGE, code_challenge_method: 'plain' },
          'invalid_request',
        ],
        [
          { response_type: 'code', code_challenge: 'short', code_challenge_method: 'S256' },
          'invalid_request',
        ],
        [{ response_type: 'code', scope: 'read_write' }, 'invalid_scope'],
      ];
      for (const [query, error] of redirected) {
        const result = await check({ client_id: APP, state: 'x y', ...query });
        if (result.ok || !result.redirect)
          throw new Error(`expected a redirect for ${JSON.stringify(query)}`);
        const params = paramsOf(result.location);
        expect(result.location.startsWith(`${CALLBACK}?`)).toBe(true);
        expect([params.get('error'), params.get('state'), params.get('iss')]).toEqual([error, 'x y', ISSUER]);
      }
      const req = await fx.request({ redirect_uri: OTHER_CALLBACK, state: 'st' });
      const denied = deniedLocation(req, ISSUER);
      expect(denied.startsWith(`${OTHER_CALLBACK}&`)).toBe(true);
      expect(paramsOf(denied).get('error')).toBe('access_denied');
      expect(paramsOf(denied).get('x')).toBe('1');
    });

    it('a live link installs in live mode; its code never redeems with a test key', async () => {
      const fx = await setup();
      const req = await fx.request({ code_challenge: CHALLENGE, code_challenge_method: 'S256' }, 'live');
      await expectError(
        approveAuthorization(fx.domain, {
          actor: fx.admin,
          request: req,
          expectedPermissions: ['customer_read'],
          issuer: ISSUER,
        }),
        'ERR_MODE_MISMATCH',
      );
      const { location, install } = await approveAuthorization(fx.domain, {
        actor: fx.w.merchantLive,
        request: req,
        expectedPermissions: ['customer_read'],
        issuer: ISSUER,
      });
      expect(install.livemode).toBe(true);
      const code = paramsOf(location).get('code')!;
      expect(code).toMatch(/^ac_live_/);
      const refused = await oauthError(
        exchangeToken(fx.domain, {
          grantType: 'authorization_code',
          code,
          client: { clientId: APP, secret: fx.developerSecret },
        }),
      );
      expect(refused.description).toMatch(/issued in live mode/);
      const tokens = await exchangeToken(fx.domain, publicExchange(code));
      expect(tokens.livemode).toBe(true);
      expect(tokens.access_token).toMatch(/^at_live_/);
    });

    it('the signed-in account and the approving actor: admins only, another account needs its password', async () => {
      const fx = await setup();
      const { domain, w } = fx;
      const { OPERATOR } = await import('../../src/domain/actor.js');
      const password = 'correct horse battery staple';
      const mine = await createUser(domain, {
        actor: OPERATOR,
        account: w.merchantAccount,
        email: 'pat@example.com',
        role: 'admin',
        password,
      });
      await createUser(domain, {
        actor: OPERATOR,
        account: w.developerAccount,
        email: 'pat@example.com',
        role: 'view_only',
        password: 'another password entirely',
      });
      await createUser(domain, {
        actor: OPERATOR,
        account: w.stranger.account,
        email: 'pat@example.com',
        role: 'admin',
        password: 'the stranger password',
      });
      // only the signed-in account is named: the others of the same email are proved, not listed
      expect(await authorizingAccount(domain, mine.user)).toEqual({
        account: w.merchantAccount,
        name: 'Merchant',
        user: mine.user.id,
        role: 'admin',
      });
      const actor = await authorizingActor(domain, {
        user: mine.user,
        account: w.merchantAccount,
        mode: 'test',
      });
      expect(actor).toMatchObject({
        type: 'user',
        account: w.merchantAccount,
        role: 'admin',
        livemode: false,
      });
      await expectError(
        authorizingActor(domain, {
          user: mine.user,
          account: w.developerAccount,
          mode: 'test',
          password: 'another password entirely',
        }),
        'ERR_FORBIDDEN',
        /only an admin can install/,
      );
      await expectError(
        authorizingActor(domain, {
          user: mine.user,
          account: w.stranger.account,
          mode: 'test',
          password: 'wrong',
        }),
        'ERR_FORBIDDEN',
        /enter the password/,
      );
      await expectError(
        authorizingActor(domain, { user: mine.user, account: 'acct_nowhere', mode: 'test', password }),
        'ERR_FORBIDDEN',
        /enter the password/,
      );
      const other = await authorizingActor(domain, {
        user: mine.user,
        account: w.stranger.account,
        mode: 'live',
        password: 'the stranger password',
      });
      expect(other).toMatchObject({ account: w.stranger.account, livemode: true });
    });
  });
}

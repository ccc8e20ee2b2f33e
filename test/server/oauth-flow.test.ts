import * as oauth from 'oauth4webapi';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reauthorizeInstall, uninstallApp } from '../../src/domain/installs.js';
import { rejection } from '../gateway/support.js';
import { APP, codeFor, INSECURE, type OAuthWorld, oauthWorld, REDIRECT } from './oauth-support.js';

/**
 * The OAuth flow as an app's backend lives it, with a real OAuth client library (`oauth4webapi`:
 * discovery from the RFC 8414 metadata, the code grant with PKCE, refresh, revocation) and the
 * official `stripe` SDK calling through the gateway with the access token. The install link's
 * browser part (sign-in, consent) is the dashboard's and is replaced here by the domain calls
 * the consent screen makes (test/server/oauth-support.ts).
 */

let world: OAuthWorld;
let as: oauth.AuthorizationServer;
const confidential: oauth.Client = { client_id: APP };
const publicClient: oauth.Client = { client_id: APP, token_endpoint_auth_method: 'none' };

beforeAll(async () => {
  world = await oauthWorld();
  await world.publishOAuth('1.0.0', ['customer_read']);
  as = await world.discover();
});

afterAll(async () => {
  await world.close();
});

/** The full code grant with oauth4webapi: link, callback validation, token request. */
async function connect(
  auth: oauth.ClientAuth,
  client: oauth.Client = confidential,
  mode: 'test' | 'live' = 'test',
): Promise<
  oauth.TokenEndpointResponse & { stripe_user_id?: unknown; livemode?: unknown; install?: unknown }
> {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const location = await world.authorize(
    {
      client_id: APP,
      redirect_uri: REDIRECT,
      response_type: 'code',
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    },
    mode,
  );
  expect(location.origin + location.pathname).toBe(REDIRECT);
  expect(location.searchParams.get('state')).toBe(state); // untouched
  const params = oauth.validateAuthResponse(as, client, location, state); // checks `iss` too
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    params,
    REDIRECT,
    verifier,
    INSECURE,
  );
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('pragma')).toBe('no-cache');
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

async function refresh(
  token: string,
  auth: oauth.ClientAuth = oauth.ClientSecretBasic(world.developer.sk.test),
) {
  const response = await oauth.refreshTokenGrantRequest(as, confidential, auth, token, INSECURE);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return oauth.processRefreshTokenResponse(as, confidential, response);
}

async function oauthFailure(promise: Promise<unknown>): Promise<{ error: string; status: number }> {
  const error = await rejection<oauth.ResponseBodyError>(promise);
  expect(error).toBeInstanceOf(oauth.ResponseBodyError);
  return { error: error.error, status: error.status };
}

/** Whether the SDK with this token may list customers (true), or is refused (the status). */
async function customersWith(token: string): Promise<true | number> {
  try {
    await world.stripe(token).customers.list({ limit: 1 });
    return true;
  } catch (error) {
    return (error as Stripe.errors.StripeError).statusCode ?? -1;
  }
}

describe('OAuth with oauth4webapi and the stripe SDK through the gateway', () => {
  it('discovers every endpoint from the RFC 8414 metadata, the issuer being the server’s origin', () => {
    expect(as).toMatchObject({
      issuer: world.issuer,
      authorization_endpoint: `${world.issuer}/oauth/v2/authorize`,
      token_endpoint: `${world.issuer}/v1/oauth/token`,
      revocation_endpoint: `${world.issuer}/v1/oauth/revoke`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      authorization_response_iss_parameter_supported: true,
      test_authorization_endpoint: `${world.issuer}/oauth/v2/test/authorize`,
    });
  });

  it('a confidential client (client_secret_basic with the sk_ key) gets tokens that work at the gateway, within the grant only', async () => {
    const tokens = await connect(oauth.ClientSecretBasic(world.developer.sk.test));
    expect(tokens.access_token).toMatch(/^at_test_/);
    expect(tokens.refresh_token).toMatch(/^rt_test_/);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope?.split(' ')).toContain('customer_read');
    expect(tokens.livemode).toBe(false);
    expect(tokens.stripe_user_id).toBe(world.merchant.id);
    expect(tokens.install).toMatch(/^appinst_/);

    const stripe = world.stripe(tokens.access_token);
    const customers = await stripe.customers.list({ limit: 1 });
    expect(customers.object).toBe('list');
    const refused = await rejection<Stripe.errors.StripeError>(stripe.charges.list({ limit: 1 }));
    expect(refused).toMatchObject({ type: 'StripePermissionError', statusCode: 403 });
    expect(refused.message).toContain('charge_read');
  });

  it('a public client (none, PKCE only) gets tokens, and revokes its access token with revocationRequest', async () => {
    const tokens = await connect(oauth.None(), publicClient);
    expect(await customersWith(tokens.access_token)).toBe(true);
    const revoked = await oauth.revocationRequest(
      as,
      publicClient,
      oauth.None(),
      tokens.access_token,
      INSECURE,
    );
    expect(revoked.status).toBe(200);
    expect(await revoked.clone().json()).toEqual({});
    await oauth.processRevocationResponse(revoked);
    expect(await customersWith(tokens.access_token)).toBe(401);
    // the refresh token still works: revoking an access token revokes that token only
    const next = await refresh(tokens.refresh_token!, oauth.None());
    expect(await customersWith(next.access_token)).toBe(true);
  });

  it('refresh rotates both tokens; reusing the old refresh token revokes the family, the new access token too', async () => {
    const first = await connect(oauth.ClientSecretBasic(world.developer.sk.test));
    const second = await refresh(first.refresh_token!);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(await customersWith(second.access_token)).toBe(true);

    expect(await oauthFailure(refresh(first.refresh_token!))).toEqual({
      error: 'invalid_grant',
      status: 400,
    });
    expect(await customersWith(second.access_token)).toBe(401);
    expect(await oauthFailure(refresh(second.refresh_token!))).toEqual({
      error: 'invalid_grant',
      status: 400,
    });
  });

  it('an access token expires after expires_in (the manual clock), and a refresh brings a working one', async () => {
    const tokens = await connect(oauth.ClientSecretBasic(world.developer.sk.test));
    world.clock.advance(3599);
    expect(await customersWith(tokens.access_token)).toBe(true);
    world.clock.advance(2);
    expect(await customersWith(tokens.access_token)).toBe(401);
    const next = await refresh(tokens.refresh_token!);
    expect(await customersWith(next.access_token)).toBe(true);
  });

  it('revoking the refresh token (RFC 7009, client_secret_basic) revokes its access token too', async () => {
    const tokens = await connect(oauth.ClientSecretBasic(world.developer.sk.test));
    const response = await oauth.revocationRequest(
      as,
      confidential,
      oauth.ClientSecretBasic(world.developer.sk.test),
      tokens.refresh_token!,
      { ...INSECURE, additionalParameters: { token_type_hint: 'refresh_token' } },
    );
    await oauth.processRevocationResponse(response);
    expect(await customersWith(tokens.access_token)).toBe(401);
    expect(await oauthFailure(refresh(tokens.refresh_token!))).toEqual({
      error: 'invalid_grant',
      status: 400,
    });
    // revoking again, or an unknown token, is still a success
    const again = await oauth.revocationRequest(
      as,
      confidential,
      oauth.ClientSecretBasic(world.developer.sk.test),
      tokens.refresh_token!,
      INSECURE,
    );
    expect(again.status).toBe(200);
  });

  it('a pending permission stays refused until the admin approves it, then the same token may use it', async () => {
    const tokens = await connect(oauth.ClientSecretBasic(world.developer.sk.test));
    const stripe = world.stripe(tokens.access_token);
    await world.publishOAuth('1.1.0', ['customer_read', 'charge_read']);
    try {
      const refused = await rejection<Stripe.errors.StripeError>(stripe.charges.list({ limit: 1 }));
      expect(refused).toMatchObject({ type: 'StripePermissionError', statusCode: 403 });
      expect((await stripe.customers.list({ limit: 1 })).object).toBe('list');
      await reauthorizeInstall(world.domain, {
        actor: world.admin.test,
        install: tokens.install as string,
        expectedPending: ['charge_read'],
      });
      expect((await stripe.charges.list({ limit: 1 })).object).toBe('list');
    } finally {
      // the next tests start from a version that requests customer_read only
      await world.publishOAuth('1.2.0', ['customer_read']);
    }
  });

  it('uninstalling revokes every token of the install: the access token is refused, the refresh token is invalid_grant', async () => {
    const tokens = await connect(oauth.ClientSecretBasic(world.developer.sk.test));
    expect(await customersWith(tokens.access_token)).toBe(true);
    await uninstallApp(world.domain, { actor: world.admin.test, install: tokens.install as string });
    expect(await customersWith(tokens.access_token)).toBe(401);
    expect(await oauthFailure(refresh(tokens.refresh_token!))).toEqual({
      error: 'invalid_grant',
      status: 400,
    });
  });

  it('deauthorize (the developer’s sk_ key) uninstalls and revokes the tokens', async () => {
    const tokens = await connect(oauth.ClientSecretBasic(world.developer.sk.test));
    const answer = await world.post(
      '/v1/oauth/deauthorize',
      { client_id: APP, stripe_user_id: world.merchant.id },
      { authorization: `Bearer ${world.developer.sk.test}` },
    );
    expect(answer).toMatchObject({ status: 200, body: { stripe_user_id: world.merchant.id } });
    expect(await customersWith(tokens.access_token)).toBe(401);
  });

  it('a live link and the live sk_ key give live tokens; the SDK calls live mode with them', async () => {
    const tokens = await connect(oauth.ClientSecretBasic(world.developer.sk.live), confidential, 'live');
    expect(tokens.access_token).toMatch(/^at_live_/);
    expect(tokens.refresh_token).toMatch(/^rt_live_/);
    expect(tokens.livemode).toBe(true);
    expect(await customersWith(tokens.access_token)).toBe(true);
  });

  it('client_secret_post (the sk_ key in the form) works too', async () => {
    const tokens = await connect(oauth.ClientSecretPost(world.developer.sk.test));
    expect(await customersWith(tokens.access_token)).toBe(true);
  });

  it('the OAuth endpoints never reach the upstream', async () => {
    const before = world.upstreamSeen.length;
    const { code, verifier } = await codeFor(world);
    await world.post(
      '/v1/oauth/token',
      { grant_type: 'authorization_code', code, code_verifier: verifier! },
      { authorization: `Bearer ${world.developer.sk.test}` },
    );
    await world.post(
      '/v1/oauth/revoke',
      { token: 'at_test_unknown' },
      { authorization: `Bearer ${world.developer.sk.test}` },
    );
    await world.post('/v1/oauth/nothing-here', {}, { authorization: `Bearer ${world.developer.sk.test}` });
    await fetch(`${world.issuer}/v1/oauth/token`, {
      headers: { authorization: `Bearer ${world.developer.sk.test}` },
    });
    expect(world.upstreamSeen.slice(before)).toEqual([]);
  });
});

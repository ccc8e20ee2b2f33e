import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/secrets.js';
import {
  APP,
  basic,
  codeFor,
  type OAuthAnswer,
  type OAuthWorld,
  OTHER_APP,
  oauthWorld,
  REDIRECT,
  SECOND_REDIRECT,
} from './oauth-support.js';

/**
 * The OAuth endpoints over HTTP, one refusal at a time: each answer is RFC 6749-shaped
 * (`{"error", "error_description"}` and nothing else), with the exact error code, and carries
 * `Cache-Control: no-store` (asserted by `world.post` on every answer). The happy paths with a
 * real client library are in oauth-flow.test.ts.
 */

let world: OAuthWorld;
let sk: string;

beforeAll(async () => {
  world = await oauthWorld();
  await world.publishOAuth('1.0.0', ['customer_read']);
  await world.publishOAuth('1.0.0', ['customer_read'], OTHER_APP);
  sk = world.developer.sk.test;
});

afterAll(async () => {
  await world.close();
});

/** Asserts an RFC 6749 error answer: status, code, and a description naming the problem. */
function expectOAuthError(answer: OAuthAnswer, status: number, error: string, description?: RegExp): void {
  expect({ status: answer.status, error: answer.body['error'] }, JSON.stringify(answer.body)).toEqual({
    status,
    error,
  });
  expect(Object.keys(answer.body).sort()).toEqual(['error', 'error_description']);
  expect(answer.body['error_description']).toEqual(expect.any(String));
  if (description !== undefined) expect(answer.body['error_description']).toMatch(description);
}

function token(form: Record<string, string> | string, headers: Record<string, string> = {}) {
  return world.post('/v1/oauth/token', form, headers);
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function customersWith(accessToken: string): Promise<true | number> {
  try {
    await world.stripe(accessToken).customers.list({ limit: 1 });
    return true;
  } catch (error) {
    return (error as Stripe.errors.StripeError).statusCode ?? -1;
  }
}

describe('POST /v1/oauth/token: the code grant', () => {
  it('takes the sk_ key as `curl -u sk_…:` sends it, with client_id in the form', async () => {
    const { code, verifier } = await codeFor(world);
    const answer = await token(
      { grant_type: 'authorization_code', code, code_verifier: verifier!, client_id: APP },
      { authorization: basic(sk) },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('pragma')).toBe('no-cache');
    expect(answer.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      livemode: false,
      stripe_user_id: world.merchant.id,
    });
  });

  it('takes the sk_ key as a Bearer token, without client_id (the code names the client)', async () => {
    const { code, verifier } = await codeFor(world);
    const answer = await token(
      { grant_type: 'authorization_code', code, code_verifier: verifier! },
      bearer(sk),
    );
    expect(answer.status).toBe(200);
  });

  it('refuses a reused code (invalid_grant) and revokes the tokens its first use gave', async () => {
    const { code, verifier } = await codeFor(world);
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier! };
    const first = await token(form, bearer(sk));
    expect(first.status).toBe(200);
    expect(await customersWith(first.body['access_token'] as string)).toBe(true);
    expectOAuthError(await token(form, bearer(sk)), 400, 'invalid_grant');
    expect(await customersWith(first.body['access_token'] as string)).toBe(401);
    expectOAuthError(
      await token(
        { grant_type: 'refresh_token', refresh_token: first.body['refresh_token'] as string },
        bearer(sk),
      ),
      400,
      'invalid_grant',
    );
  });

  it('redeems a code once when two requests race for it: one gets tokens, the other invalid_grant', async () => {
    const { code, verifier } = await codeFor(world);
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier! };
    const answers = await Promise.all([token(form, bearer(sk)), token(form, bearer(sk))]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    expect(answers.find((a) => a.status === 400)?.body['error']).toBe('invalid_grant');
  });

  it('keeps tokens from before an uninstall refused after a reinstall', async () => {
    const { code, verifier } = await codeFor(world);
    const before = await token(
      { grant_type: 'authorization_code', code, code_verifier: verifier! },
      bearer(sk),
    );
    const accessToken = before.body['access_token'] as string;
    expect(
      (
        await world.post(
          '/v1/oauth/deauthorize',
          { client_id: APP, stripe_user_id: world.merchant.id },
          bearer(sk),
        )
      ).status,
    ).toBe(200);
    const again = await codeFor(world); // installs anew
    const after = await token(
      { grant_type: 'authorization_code', code: again.code, code_verifier: again.verifier! },
      bearer(sk),
    );
    expect(after.body['install']).not.toBe(before.body['install']);
    expect(await customersWith(accessToken)).toBe(401);
    expect(await customersWith(after.body['access_token'] as string)).toBe(true);
    expectOAuthError(
      await token(
        { grant_type: 'refresh_token', refresh_token: before.body['refresh_token'] as string },
        bearer(sk),
      ),
      400,
      'invalid_grant',
    );
  });

  it('refuses a wrong PKCE verifier and a missing one (invalid_grant)', async () => {
    const { code } = await codeFor(world);
    expectOAuthError(
      await token(
        { grant_type: 'authorization_code', code, code_verifier: 'x'.repeat(43) },
        { authorization: basic(APP, sk) },
      ),
      400,
      'invalid_grant',
    );
    const other = await codeFor(world);
    expectOAuthError(
      await token({ grant_type: 'authorization_code', code: other.code }, { authorization: basic(APP, sk) }),
      400,
      'invalid_grant',
    );
  });

  it('refuses a verifier for a code that had no challenge (invalid_grant)', async () => {
    const { code } = await codeFor(world, { pkce: false });
    expectOAuthError(
      await token({ grant_type: 'authorization_code', code, code_verifier: 'y'.repeat(43) }, bearer(sk)),
      400,
      'invalid_grant',
    );
  });

  it('a code without a challenge is redeemed by a confidential client only', async () => {
    const { code } = await codeFor(world, { pkce: false });
    expectOAuthError(
      await token({ grant_type: 'authorization_code', code, client_id: APP }),
      400,
      'invalid_grant',
      /a public client must use PKCE/,
    );
    expect(
      await token({ grant_type: 'authorization_code', code }, { authorization: basic(APP, sk) }),
    ).toMatchObject({
      status: 200,
    });
  });

  it('refuses a redirect_uri other than the link’s, and none when the link had one (invalid_grant)', async () => {
    const a = await codeFor(world, { redirectUri: REDIRECT });
    expectOAuthError(
      await token(
        {
          grant_type: 'authorization_code',
          code: a.code,
          code_verifier: a.verifier!,
          redirect_uri: SECOND_REDIRECT,
        },
        bearer(sk),
      ),
      400,
      'invalid_grant',
    );
    const b = await codeFor(world, { redirectUri: REDIRECT });
    expectOAuthError(
      await token({ grant_type: 'authorization_code', code: b.code, code_verifier: b.verifier! }, bearer(sk)),
      400,
      'invalid_grant',
    );
  });

  it('refuses the client_id of another app of the same developer (invalid_grant)', async () => {
    const { code, verifier } = await codeFor(world);
    expectOAuthError(
      await token(
        { grant_type: 'authorization_code', code, code_verifier: verifier! },
        { authorization: basic(OTHER_APP, sk) },
      ),
      400,
      'invalid_grant',
    );
  });

  it('refuses a test-mode code redeemed with the live sk_ key (invalid_grant)', async () => {
    const { code, verifier } = await codeFor(world, { mode: 'test' });
    expectOAuthError(
      await token(
        { grant_type: 'authorization_code', code, code_verifier: verifier! },
        bearer(world.developer.sk.live),
      ),
      400,
      'invalid_grant',
    );
  });

  it('refuses the sk_ key of an account that is not the app’s developer (invalid_client)', async () => {
    const { code, verifier } = await codeFor(world);
    const answer = await token(
      { grant_type: 'authorization_code', code, code_verifier: verifier! },
      { authorization: basic(APP, world.stranger.sk.test) },
    );
    expectOAuthError(answer, 401, 'invalid_client');
    expect(answer.headers.get('www-authenticate')).toBe('Basic realm="appscope"');
  });

  it('refuses an unknown key with 401 invalid_client, WWW-Authenticate naming the scheme the client used (none for client_secret)', async () => {
    const unknownKey = generateSecret('sk', 'test');
    const first = await codeFor(world);
    const answer = await token(
      { grant_type: 'authorization_code', code: first.code, code_verifier: first.verifier! },
      { authorization: basic(APP, unknownKey) },
    );
    expectOAuthError(answer, 401, 'invalid_client');
    expect(answer.headers.get('www-authenticate')).toBe('Basic realm="appscope"');
    const second = await codeFor(world);
    const posted = await token({
      grant_type: 'authorization_code',
      code: second.code,
      code_verifier: second.verifier!,
      client_id: APP,
      client_secret: unknownKey,
    });
    expectOAuthError(posted, 401, 'invalid_client');
    expect(posted.headers.get('www-authenticate')).toBeNull();
    const third = await codeFor(world);
    const bearerAnswer = await token(
      { grant_type: 'authorization_code', code: third.code, code_verifier: third.verifier! },
      bearer(unknownKey),
    );
    expectOAuthError(bearerAnswer, 401, 'invalid_client');
    expect(bearerAnswer.headers.get('www-authenticate')).toBe('Bearer realm="appscope"');
  });

  it('refuses a request that names no client (invalid_client)', async () => {
    const { code, verifier } = await codeFor(world);
    expectOAuthError(
      await token({ grant_type: 'authorization_code', code, code_verifier: verifier! }),
      401,
      'invalid_client',
    );
  });
});

describe('POST /v1/oauth/token: expiry and the refresh_token grant', () => {
  /** Tokens from a fresh code, redeemed with the developer's test key. */
  async function tokens(): Promise<{ access: string; refresh: string }> {
    const { code, verifier } = await codeFor(world);
    const answer = await token(
      { grant_type: 'authorization_code', code, code_verifier: verifier! },
      bearer(sk),
    );
    expect(answer.status).toBe(200);
    return { access: answer.body['access_token'] as string, refresh: answer.body['refresh_token'] as string };
  }

  it('refuses a code past its five minutes (invalid_grant)', async () => {
    const { code, verifier } = await codeFor(world);
    world.clock.advance(301);
    expectOAuthError(
      await token({ grant_type: 'authorization_code', code, code_verifier: verifier! }, bearer(sk)),
      400,
      'invalid_grant',
    );
  });

  it('refuses a refresh token past its 90 days (invalid_grant)', async () => {
    const { refresh } = await tokens();
    world.clock.advance(90 * 86_400);
    expectOAuthError(
      await token({ grant_type: 'refresh_token', refresh_token: refresh }, bearer(sk)),
      400,
      'invalid_grant',
      /expired/,
    );
  });

  it('refuses a refresh token presented by another app, with the live key, or by a public client when it was issued to the confidential one', async () => {
    const { refresh } = await tokens();
    expectOAuthError(
      await token(
        { grant_type: 'refresh_token', refresh_token: refresh },
        { authorization: basic(OTHER_APP, sk) },
      ),
      400,
      'invalid_grant',
    );
    expectOAuthError(
      await token({ grant_type: 'refresh_token', refresh_token: refresh }, bearer(world.developer.sk.live)),
      400,
      'invalid_grant',
    );
    expectOAuthError(
      await token({ grant_type: 'refresh_token', refresh_token: refresh, client_id: APP }),
      401,
      'invalid_client',
    );
    // none of these used it up
    expect((await token({ grant_type: 'refresh_token', refresh_token: refresh }, bearer(sk))).status).toBe(
      200,
    );
  });

  it('refuses an access token as a refresh token, and a missing refresh_token', async () => {
    const { access } = await tokens();
    expectOAuthError(
      await token({ grant_type: 'refresh_token', refresh_token: access }, bearer(sk)),
      400,
      'invalid_grant',
    );
    expectOAuthError(
      await token({ grant_type: 'refresh_token' }, bearer(sk)),
      400,
      'invalid_request',
      /refresh_token/,
    );
  });
});

describe('POST /v1/oauth/token: the request itself', () => {
  it('refuses an unknown grant_type (unsupported_grant_type) and a missing one (invalid_request)', async () => {
    expectOAuthError(
      await token({ grant_type: 'password', username: 'a' }, bearer(sk)),
      400,
      'invalid_request',
      /`username`/,
    );
    expectOAuthError(
      await token({ grant_type: 'client_credentials' }, bearer(sk)),
      400,
      'unsupported_grant_type',
    );
    expectOAuthError(await token({ code: 'ac_test_x' }, bearer(sk)), 400, 'invalid_request');
  });

  it('refuses two client authentication methods at once (invalid_request, RFC 6749 §2.3)', async () => {
    const form = { grant_type: 'authorization_code', code: 'ac_test_x', client_id: APP, client_secret: sk };
    expectOAuthError(
      await token(form, { authorization: basic(APP, sk) }),
      400,
      'invalid_request',
      /one method/,
    );
    expectOAuthError(await token(form, bearer(sk)), 400, 'invalid_request', /one method/);
  });

  it('refuses a client_id that contradicts the Basic user name (invalid_request)', async () => {
    expectOAuthError(
      await token(
        { grant_type: 'authorization_code', code: 'ac_test_x', client_id: OTHER_APP },
        { authorization: basic(APP, sk) },
      ),
      400,
      'invalid_request',
      /com\.example\.oauth-other/,
    );
  });

  it('refuses an Authorization header that is neither Basic nor Bearer (invalid_client)', async () => {
    expectOAuthError(
      await token({ grant_type: 'authorization_code', code: 'ac_test_x' }, { authorization: 'Digest abc' }),
      401,
      'invalid_client',
      /`digest`/,
    );
  });

  it.each([
    [
      'a JSON body',
      '{"grant_type":"authorization_code"}',
      { 'content-type': 'application/json' },
      /application\/json/,
    ],
    ['a text body', 'grant_type=authorization_code', { 'content-type': 'text/plain' }, /text\/plain/],
    [
      'a multipart body',
      '--b\r\ncontent-disposition: form-data; name="grant_type"\r\n\r\nauthorization_code\r\n--b--\r\n',
      { 'content-type': 'multipart/form-data; boundary=b' },
      /multipart/,
    ],
    [
      'a parameter given twice',
      'grant_type=authorization_code&grant_type=refresh_token',
      {},
      /more than once/,
    ],
    ['unknown parameters', 'grant_type=authorization_code&scope=x&audience=y', {}, /`scope`, `audience`/],
    ['a nested parameter', 'grant_type=authorization_code&code[a]=x', {}, /code\[a\]/],
    ['a list', 'grant_type=authorization_code&code[0]=x', {}, /code/],
    ['a malformed percent-encoding', 'grant_type=authorization_code&code=%ZZ', {}, /%ZZ/],
    [
      'a charset other than UTF-8',
      'grant_type=authorization_code',
      { 'content-type': 'application/x-www-form-urlencoded; charset=latin1' },
      /charset|UTF-8/i,
    ],
  ])('refuses %s (invalid_request)', async (_what, body, headers, description) => {
    expectOAuthError(await token(body, { ...bearer(sk), ...headers }), 400, 'invalid_request', description);
  });

  it('refuses parameters in the query string (invalid_request)', async () => {
    const response = await fetch(`${world.issuer}/v1/oauth/token?grant_type=authorization_code`, {
      method: 'POST',
      headers: bearer(sk),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('POST /v1/oauth/revoke', () => {
  it('answers 200 {} for a token it does not know (RFC 7009 §2.2)', async () => {
    const answer = await world.post('/v1/oauth/revoke', { token: 'at_test_doesnotexist' }, bearer(sk));
    expect(answer).toMatchObject({ status: 200, body: {} });
    expect(Object.keys(answer.body)).toEqual([]);
  });

  it('refuses a missing token (invalid_request) and bad client credentials (invalid_client)', async () => {
    expectOAuthError(await world.post('/v1/oauth/revoke', {}, bearer(sk)), 400, 'invalid_request');
    expectOAuthError(
      await world.post(
        '/v1/oauth/revoke',
        { token: 'at_test_x' },
        { authorization: basic(APP, 'sk_test_nope') },
      ),
      401,
      'invalid_client',
    );
  });

  it('refuses another client’s token (invalid_request), which keeps working', async () => {
    const { code, verifier } = await codeFor(world);
    const tokens = await token(
      { grant_type: 'authorization_code', code, code_verifier: verifier! },
      bearer(sk),
    );
    const accessToken = tokens.body['access_token'] as string;
    expectOAuthError(
      await world.post('/v1/oauth/revoke', { token: accessToken }, { authorization: basic(OTHER_APP, sk) }),
      400,
      'invalid_request',
    );
    expect(await customersWith(accessToken)).toBe(true);
  });

  it('ignores a token_type_hint it does not know (RFC 7009 §2.1), and revokes by what the token is', async () => {
    const { code, verifier } = await codeFor(world);
    const issued = await token(
      { grant_type: 'authorization_code', code, code_verifier: verifier! },
      bearer(sk),
    );
    const accessToken = issued.body['access_token'] as string;
    const answer = await world.post(
      '/v1/oauth/revoke',
      { token: accessToken, token_type_hint: 'mystery_token' },
      bearer(sk),
    );
    expect(answer).toMatchObject({ status: 200, body: {} });
    expect(await customersWith(accessToken)).toBe(401);
  });

  it('refuses an unknown parameter, naming it', async () => {
    expectOAuthError(
      await world.post('/v1/oauth/revoke', { token: 'at_test_x', everything: 'true' }, bearer(sk)),
      400,
      'invalid_request',
      /`everything`/,
    );
  });
});

describe('POST /v1/oauth/deauthorize', () => {
  it('needs the developer’s secret key: client_id alone is invalid_client', async () => {
    expectOAuthError(
      await world.post('/v1/oauth/deauthorize', { client_id: APP, stripe_user_id: world.merchant.id }),
      401,
      'invalid_client',
    );
    expectOAuthError(
      await world.post(
        '/v1/oauth/deauthorize',
        { client_id: APP, stripe_user_id: world.merchant.id },
        bearer(world.stranger.sk.test),
      ),
      401,
      'invalid_client',
    );
  });

  it('refuses an account where the app is not installed in the key’s mode (invalid_request)', async () => {
    await codeFor(world); // installed in test mode
    expectOAuthError(
      await world.post(
        '/v1/oauth/deauthorize',
        { client_id: APP, stripe_user_id: world.stranger.id },
        bearer(sk),
      ),
      400,
      'invalid_request',
    );
    expectOAuthError(
      await world.post(
        '/v1/oauth/deauthorize',
        { client_id: APP, stripe_user_id: world.merchant.id },
        bearer(world.developer.sk.live),
      ),
      400,
      'invalid_request',
    );
  });

  it('refuses a missing stripe_user_id (invalid_request)', async () => {
    expectOAuthError(
      await world.post('/v1/oauth/deauthorize', { client_id: APP }, bearer(sk)),
      400,
      'invalid_request',
    );
  });
});

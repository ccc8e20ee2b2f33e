import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { authenticateKey } from '../../src/domain/keys.js';
import {
  approveAuthorization,
  authorizationState,
  checkAuthorizeRequest,
  exchangeToken,
  OAuthError,
  revokeOAuthGrants,
  type TokenInput,
} from '../../src/domain/oauth.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { manifest, type World, world } from './helpers.js';

/**
 * The security review's attacks (issue 16) on both stores, where the answer depends on the
 * store's transactions: races for one code or one refresh token, and a revocation meeting a code
 * not yet redeemed. Each test is an attack; it passes when the attack fails.
 */

const APP = 'com.example.oauth-race';
const CALLBACK = 'https://app.example.com/callback';
const VERIFIER = 'x'.repeat(43);
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');
const PUBLIC = { clientId: APP, secret: undefined };

async function codeOf(w: World): Promise<string> {
  const check = await checkAuthorizeRequest(
    w.domain,
    new Map(
      Object.entries({
        client_id: APP,
        response_type: 'code',
        code_challenge: CHALLENGE,
        code_challenge_method: 'S256',
      }),
    ),
    'test',
    'https://appscope.example',
  );
  if (!check.ok) throw new Error(check.description);
  const state = await authorizationState(w.domain, w.merchant, check.request);
  const { location } = await approveAuthorization(w.domain, {
    actor: w.merchant,
    request: check.request,
    expectedPermissions: state.install === undefined ? state.requested : state.pending,
    issuer: 'https://appscope.example',
  });
  return new URL(location).searchParams.get('code')!;
}

const redeem = (code: string): TokenInput => ({
  grantType: 'authorization_code',
  code,
  codeVerifier: VERIFIER,
  client: PUBLIC,
});

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'OAuth attacks on the store'), () => {
    const fresh = freshDatabases(dialect);
    const setup = async (): Promise<World> => {
      const w = await world(await (await fresh()).open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read'], 'oauth', {
          distribution_type: 'public',
          allowed_redirect_uris: [CALLBACK],
        }),
      });
      return w;
    };

    it('four concurrent refreshes with one token: at most one gets tokens, and the family ends revoked', async () => {
      const w = await setup();
      const first = await exchangeToken(w.domain, redeem(await codeOf(w)));
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          exchangeToken(w.domain, {
            grantType: 'refresh_token',
            refreshToken: first.refresh_token,
            client: PUBLIC,
          }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won.length).toBeLessThanOrEqual(1);
      for (const r of results.filter((r) => r.status === 'rejected'))
        expect(((r as PromiseRejectedResult).reason as OAuthError).error).toBe('invalid_grant');
      for (const r of won) {
        const result = await authenticateKey(
          w.domain,
          (r as PromiseFulfilledResult<{ access_token: string }>).value.access_token,
        );
        expect(result.ok).toBe(false);
      }
    });

    it('a code not yet redeemed dies with an admin’s Revoke access', async () => {
      const w = await setup();
      const pending = await codeOf(w);
      const tokens = await exchangeToken(w.domain, redeem(await codeOf(w)));
      await revokeOAuthGrants(w.domain, { actor: w.merchant, install: tokens.install });
      const late = await exchangeToken(w.domain, redeem(pending)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(late).toBeInstanceOf(OAuthError);
      expect((late as OAuthError).error).toBe('invalid_grant');
    });
  });
}

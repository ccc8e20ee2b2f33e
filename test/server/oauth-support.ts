import * as oauth from 'oauth4webapi';
import { expect } from 'vitest';
import { type Actor, OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { approveAuthorization, authorizationState, checkAuthorizeRequest } from '../../src/domain/oauth.js';
import { createUser } from '../../src/domain/users.js';
import type { OAuthApiOptions } from '../../src/server/oauth-api.js';
import type { Mode } from '../../src/store/store.js';
import { type ManualClock, manifest, manualClock } from '../domain/helpers.js';
import { type GatewayWorld, startGateway, type TestAccount } from '../gateway/support.js';

/** The OAuth app most tests install, its registered redirect URIs, and a second OAuth app. */
export const APP = 'com.example.oauth-crm';
export const REDIRECT = 'https://crm.example.com/oauth/callback';
export const SECOND_REDIRECT = 'https://crm.example.com/oauth/second';
export const OTHER_APP = 'com.example.oauth-other';

/** What an OAuth endpoint answered over HTTP. */
export interface OAuthAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

/** A gateway world (emulator upstream, manual clock) with an OAuth app and admins who approve. */
export interface OAuthWorld extends GatewayWorld {
  readonly clock: ManualClock;
  /** The server's origin: the issuer. */
  readonly issuer: string;
  /** The merchant's admin (a dashboard user) acting in each mode. */
  readonly admin: { readonly test: Actor; readonly live: Actor };
  /** Publishes a version of an OAuth app of the developer. */
  publishOAuth(version: string, permissions: readonly string[], app?: string): Promise<void>;
  /**
   * Follows an install link without the browser: checks the request and approves it as the
   * merchant's admin (what the consent screen does), returning the redirect location.
   */
  authorize(params: Record<string, string>, mode?: Mode, account?: TestAccount): Promise<URL>;
  /** The authorization server as oauth4webapi discovers it from the metadata endpoint. */
  discover(): Promise<oauth.AuthorizationServer>;
  /** A form POST to an OAuth endpoint over HTTP; `Cache-Control: no-store` is asserted on every answer. */
  post(
    path: string,
    form: Record<string, string> | string,
    headers?: Record<string, string>,
  ): Promise<OAuthAnswer>;
}

/** oauth4webapi's options for a plain-HTTP test server. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

/** `Basic base64(user:password)`, each part form-urlencoded first (RFC 6749 §2.3.1). */
export function basic(user: string, password = ''): string {
  const encode = (s: string) => encodeURIComponent(s).replaceAll('%20', '+');
  return `Basic ${Buffer.from(`${encode(user)}:${encode(password)}`).toString('base64')}`;
}

export async function oauthWorld(options: { oauth?: OAuthApiOptions } = {}): Promise<OAuthWorld> {
  const clock = manualClock(Date.UTC(2026, 5, 1));
  const world = await startGateway({ clock, oauth: options.oauth ?? { throttle: false } });
  const admins: Record<Mode, Actor> = {} as Record<Mode, Actor>;
  const users = new Map<string, { id: string; email: string }>();
  const adminOf = async (account: TestAccount, mode: Mode): Promise<Actor> => {
    let user = users.get(account.id);
    if (user === undefined) {
      const created = await createUser(world.domain, {
        actor: OPERATOR,
        account: account.id,
        email: `admin@${account.id.toLowerCase()}.example`,
        role: 'admin',
        password: 'correct horse battery staple',
      });
      user = { id: created.user.id, email: created.user.email };
      users.set(account.id, user);
    }
    return {
      type: 'user',
      account: account.id,
      user: user.id,
      email: user.email,
      role: 'admin',
      livemode: mode === 'live',
    };
  };
  admins.test = await adminOf(world.merchant, 'test');
  admins.live = await adminOf(world.merchant, 'live');
  const issuer = world.url;
  const oauthWorld: OAuthWorld = {
    ...world,
    clock,
    issuer,
    admin: admins,
    async publishOAuth(version, permissions, app = APP) {
      await uploadAppVersion(world.domain, {
        actor: OPERATOR,
        account: world.developer.id,
        manifest: manifest(app, version, permissions, 'oauth', {
          distribution_type: 'public',
          allowed_redirect_uris: [REDIRECT, SECOND_REDIRECT],
        }),
      });
    },
    async authorize(params, mode = 'test', account = world.merchant) {
      const checked = await checkAuthorizeRequest(
        world.domain,
        new Map(Object.entries(params)),
        mode,
        issuer,
      );
      if (!checked.ok) throw new Error(`authorize refused: ${checked.error}: ${checked.description}`);
      const actor = await adminOf(account, mode);
      const state = await authorizationState(world.domain, actor, checked.request);
      const { location } = await approveAuthorization(world.domain, {
        actor,
        request: checked.request,
        expectedPermissions: state.install === undefined ? state.requested : state.pending,
        issuer,
      });
      return new URL(location);
    },
    async discover() {
      const url = new URL(issuer);
      const response = await oauth.discoveryRequest(url, { algorithm: 'oauth2', ...INSECURE });
      return oauth.processDiscoveryResponse(url, response);
    },
    async post(path, form, headers = {}) {
      const response = await fetch(`${issuer}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
      });
      const text = await response.text();
      expect(response.headers.get('cache-control'), `${path} → ${response.status} ${text}`).toBe('no-store');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      return {
        status: response.status,
        body: JSON.parse(text) as Record<string, unknown>,
        headers: response.headers,
      };
    },
  };
  return oauthWorld;
}

/** A code and its PKCE verifier, from an install link approved by the merchant's admin. */
export async function codeFor(
  world: OAuthWorld,
  options: { mode?: Mode; pkce?: boolean; redirectUri?: string; app?: string; state?: string } = {},
): Promise<{ code: string; verifier: string | undefined; location: URL }> {
  const verifier = options.pkce === false ? undefined : oauth.generateRandomCodeVerifier();
  const params: Record<string, string> = {
    client_id: options.app ?? APP,
    response_type: 'code',
    state: options.state ?? oauth.generateRandomState(),
  };
  if (options.redirectUri !== undefined) params['redirect_uri'] = options.redirectUri;
  if (verifier !== undefined) {
    params['code_challenge'] = await oauth.calculatePKCECodeChallenge(verifier);
    params['code_challenge_method'] = 'S256';
  }
  const location = await world.authorize(params, options.mode ?? 'test');
  const code = location.searchParams.get('code');
  if (code === null) throw new Error(`no code in ${location.href}`);
  return { code, verifier, location };
}

import type { Mode } from '../store/store.js';
import type { Actor } from './actor.js';
import type { Domain } from './context.js';
import type { App, AppVersion, Install } from './objects.js';
import type { User } from './users.js';

/**
 * OAuth 2.0 for apps with `stripe_api_access_type: "oauth"` (docs/oauth.md): install links
 * (RFC 6749 authorization code grant, PKCE per RFC 7636), the token endpoint with refresh-token
 * rotation and reuse detection, revocation (RFC 7009) and deauthorization.
 *
 * - `client_id` is the app id (the manifest `id`). A confidential client authenticates with its
 *   developer account's secret key (`sk_…`, Basic or `client_secret`); a public client sends
 *   only `client_id` and must use PKCE.
 * - Codes (`ac_test_…`/`ac_live_…`), access tokens (`at_…`) and refresh tokens (`rt_…`) are
 *   random secrets with a checksum, stored only as SHA-256 hashes, compared in constant time.
 * - Every code redeemed starts a grant (a token family). A reused code or a reused refresh token
 *   revokes the whole family; uninstalling revokes every family of the install.
 */

/** Lifetimes, in seconds. */
export interface OAuthSettings {
  /** An authorization code (default 300: five minutes). */
  readonly codeTtlSeconds: number;
  /** An access token (default 3600: one hour). */
  readonly accessTokenTtlSeconds: number;
  /** A refresh token, from when it is issued (default 90 days; each refresh issues a new one). */
  readonly refreshTokenTtlSeconds: number;
}

export const DEFAULT_OAUTH_SETTINGS: OAuthSettings = Object.freeze({
  codeTtlSeconds: 300,
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 90 * 86_400,
});

/** RFC 6749 §5.2 / §4.1.2.1 / RFC 7009 error codes. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error';

/**
 * An OAuth error, answered as `{"error": code, "error_description": description}` with
 * `status` (400, or 401 for `invalid_client`).
 */
export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly status: number;
  constructor(error: OAuthErrorCode, description: string, status = error === 'invalid_client' ? 401 : 400) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = status;
  }
  get description(): string {
    return this.message;
  }
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

// ---------------------------------------------------------------------------------------------
// Install links

/** A checked authorization request: everything the consent screen and the approval need. */
export interface AuthorizeRequest {
  /** The link's mode: `/oauth/v2/authorize` is live, `/oauth/v2/test/authorize` is test. */
  readonly mode: Mode;
  /** The app id. */
  readonly clientId: string;
  readonly app: App;
  /** The released version the consent screen shows. */
  readonly version: AppVersion;
  /** The registered redirect URI the answer goes to (the first registered one by default). */
  readonly redirectUri: string;
  /** Whether `redirect_uri` was in the request (then the token request must repeat it). */
  readonly redirectUriGiven: boolean;
  /** Returned untouched, byte for byte. */
  readonly state: string | undefined;
  /** PKCE (S256 only), or undefined: then only a confidential client can redeem the code. */
  readonly codeChallenge: string | undefined;
}

/** The result of {@link checkAuthorizeRequest}. */
export type AuthorizeCheck =
  | { readonly ok: true; readonly request: AuthorizeRequest }
  /**
   * The client or redirect URI cannot be trusted (unknown `client_id`, not an OAuth app, no
   * released version, unregistered `redirect_uri`): show an error page, never redirect.
   */
  | { readonly ok: false; readonly redirect: false; readonly error: OAuthErrorCode; readonly description: string }
  /** Any other problem: redirect to `location` (the registered URI with `error`, `state`, `iss`). */
  | {
      readonly ok: false;
      readonly redirect: true;
      readonly location: string;
      readonly error: OAuthErrorCode;
      readonly description: string;
    };

/**
 * Checks an authorization request's query parameters (`client_id`, `redirect_uri`,
 * `response_type=code`, `state`, `code_challenge`, `code_challenge_method=S256`, `scope`).
 * `issuer` is this server's origin, sent back as `iss` (RFC 9207).
 */
export declare function checkAuthorizeRequest(
  domain: Domain,
  params: ReadonlyMap<string, string>,
  mode: Mode,
  issuer: string,
): Promise<AuthorizeCheck>;

/** An account the signed-in person may pick on the consent screen. */
export interface AuthorizingAccount {
  readonly account: string;
  readonly name: string;
  /** Their user on that account (`usr_…`). */
  readonly user: string;
  readonly role: 'admin' | 'developer' | 'view_only';
  /** The account of the session itself (no password needed). */
  readonly current: boolean;
}

/**
 * The accounts where the signed-in person (the same email) has a user, the session's own
 * first. Only `admin` ones can approve.
 */
export declare function authorizingAccounts(domain: Domain, user: User): Promise<AuthorizingAccount[]>;

/**
 * The actor that approves on `account` in `mode`: the session's own user, or, for another
 * account where the same email has an admin user, that user once `password` matches its
 * password (`ERR_FORBIDDEN` otherwise; the same answer whether the account exists or not).
 */
export declare function authorizingActor(
  domain: Domain,
  input: { readonly user: User; readonly account: string; readonly mode: Mode; readonly password?: string },
): Promise<Actor & { readonly type: 'user' }>;

/** What approving would do on the chosen account. */
export interface AuthorizationState {
  /** The active install of the app on the account in the link's mode, if any. */
  readonly install: Install | undefined;
  /** What the current version requests. */
  readonly requested: readonly string[];
  /** Permissions of the install that await approval (empty for a new install). */
  readonly pending: readonly string[];
}

export declare function authorizationState(
  domain: Domain,
  actor: Actor,
  request: AuthorizeRequest,
): Promise<AuthorizationState>;

/** Input of {@link approveAuthorization}. */
export interface ApproveAuthorizationInput {
  /** An admin acting for the chosen account in the link's mode ({@link authorizingActor}). */
  readonly actor: Actor;
  readonly request: AuthorizeRequest;
  /**
   * What the admin was shown: the requested permissions for a new install, the pending ones for
   * an install awaiting approval (empty when there is nothing to approve). A release in between
   * is refused with `ERR_CONSENT_STALE`.
   */
  readonly expectedPermissions: readonly string[];
  readonly issuer: string;
}

/**
 * Installs the app (or approves its pending permissions) and issues a single-use code bound to
 * the client, the redirect URI and the PKCE challenge, all in one transaction.
 * `location` is the redirect URI with `code`, `state` and `iss`.
 */
export declare function approveAuthorization(
  domain: Domain,
  input: ApproveAuthorizationInput,
): Promise<{ readonly install: Install; readonly location: string }>;

/** The redirect for a cancelled consent: `error=access_denied`, `state`, `iss`. */
export declare function deniedLocation(request: AuthorizeRequest, issuer: string): string;

// ---------------------------------------------------------------------------------------------
// Token endpoint

/** How the client identified itself at the token, revocation or deauthorization endpoint. */
export interface ClientCredentials {
  /** `client_id` (form field, or the Basic user name when it is not a key). */
  readonly clientId: string | undefined;
  /** The developer's secret key (`sk_…`): Basic password or user name, Bearer, or `client_secret`. */
  readonly secret: string | undefined;
}

/** The token endpoint's form fields. */
export interface TokenInput {
  readonly grantType: string | undefined;
  readonly code?: string | undefined;
  readonly redirectUri?: string | undefined;
  readonly codeVerifier?: string | undefined;
  readonly refreshToken?: string | undefined;
  readonly client: ClientCredentials;
}

/** A successful token response (RFC 6749 §5.1, plus Stripe's fields). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
  /** The granted permissions, space-separated. */
  readonly scope: string;
  readonly livemode: boolean;
  /** The installing account. */
  readonly stripe_user_id: string;
  /** The install (`appinst_…`). */
  readonly install: string;
}

/** `grant_type=authorization_code` or `refresh_token`; throws {@link OAuthError}. */
export declare function exchangeToken(
  domain: Domain,
  input: TokenInput,
  settings?: OAuthSettings,
): Promise<TokenResponse>;

/**
 * RFC 7009: revokes an access token (that token) or a refresh token (its whole family). An
 * unknown, expired or already revoked token is a success; a token of another client is
 * `invalid_request`; bad client credentials are `invalid_client`.
 */
export declare function revokeToken(
  domain: Domain,
  input: { readonly token: string | undefined; readonly tokenTypeHint?: string | undefined; readonly client: ClientCredentials },
): Promise<void>;

/**
 * `POST /v1/oauth/deauthorize`: the developer (secret key required) uninstalls its app from
 * `stripe_user_id`'s account in the key's mode, which revokes every token.
 */
export declare function deauthorize(
  domain: Domain,
  input: { readonly client: ClientCredentials; readonly stripeUserId: string | undefined },
): Promise<{ readonly stripe_user_id: string }>;

// ---------------------------------------------------------------------------------------------
// For the dashboard's install screen

/** One token family of an install, for display (never a token). */
export interface OAuthGrant {
  readonly id: string;
  readonly object: 'oauth_grant';
  readonly install: string;
  readonly created: number;
  /** When its newest access token expires (unix seconds), or null if it never got one. */
  readonly access_expires_at: number | null;
  readonly revoked: number | null;
  readonly revoked_reason: string | null;
}

export declare function listOAuthGrants(
  domain: Domain,
  input: { readonly actor: Actor; readonly install: string },
): Promise<OAuthGrant[]>;

/** Revokes every token of an install (an admin's "Revoke access"); returns how many families. */
export declare function revokeOAuthGrants(
  domain: Domain,
  input: { readonly actor: Actor; readonly install: string },
): Promise<number>;

import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppRow, InstallRow, Mode, OAuthCodeRow, OAuthGrantRow, OAuthTokenRow } from '../store/store.js';
import type { Actor } from './actor.js';
import { DEFAULT_OAUTH_LIFETIMES, type Domain, type OAuthLifetimes } from './context.js';
import { DomainError } from './domain-error.js';
import { type Flow, readFlow, writeFlow } from './flow.js';
import { newId } from './ids.js';
import { installInFlow, loadInstall, reauthorizeInFlow, uninstallInFlow } from './installs.js';
import { authenticateKey } from './keys.js';
import { revokeGrantInFlow, revokeInstallGrants } from './oauth-grants.js';
import {
  type App,
  type AppVersion,
  type Install,
  parseNames,
  toApp,
  toAppVersion,
  toInstall,
} from './objects.js';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './passwords.js';
import { generateSecret, hashesMatch, hashSecret, maskKey, parseSecret, secretHint } from './secrets.js';
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

/** A domain's OAuth lifetimes (`serve --oauth-…-ttl`), or the defaults. */
function settingsOf(domain: Domain): OAuthLifetimes {
  return domain.oauth ?? DEFAULT_OAUTH_LIFETIMES;
}

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
  | {
      readonly ok: false;
      readonly redirect: false;
      readonly error: OAuthErrorCode;
      readonly description: string;
    }
  /** Any other problem: redirect to `location` (the registered URI with `error`, `state`, `iss`). */
  | {
      readonly ok: false;
      readonly redirect: true;
      readonly location: string;
      readonly error: OAuthErrorCode;
      readonly description: string;
    };

/**
 * How long a rotated refresh token is kept: presented again within a day, it is recognised as a
 * reuse and revokes its family; after that it is simply unknown.
 */
export const REUSE_WINDOW_SECONDS = 86_400;

/** The longest `state` accepted (it comes back in a URL). */
export const MAX_STATE_LENGTH = 2048;
/** An S256 challenge: base64url of a SHA-256 digest, no padding. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** The redirect URI with `params` appended to its query (the URI itself kept byte for byte). */
function withParams(uri: string, params: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  return `${uri}${uri.includes('?') ? '&' : '?'}${query.toString()}`;
}

function registeredUris(version: AppVersion): string[] {
  const uris = version.manifest.allowed_redirect_uris;
  return Array.isArray(uris) ? uris.filter((uri): uri is string => typeof uri === 'string') : [];
}

function pageError(error: OAuthErrorCode, description: string): AuthorizeCheck {
  return { ok: false, redirect: false, error, description };
}

/**
 * Checks an authorization request's query parameters (`client_id`, `redirect_uri`,
 * `response_type=code`, `state`, `code_challenge`, `code_challenge_method=S256`, `scope`).
 * `issuer` is this server's origin, sent back as `iss` (RFC 9207). Unknown parameters are
 * ignored (RFC 6749 §3.1).
 * @example
 * const check = await checkAuthorizeRequest(domain, new Map(Object.entries(query)), 'test', 'https://appscope.example');
 * if (!check.ok && check.redirect) reply.redirect(check.location, 303);
 */
export async function checkAuthorizeRequest(
  domain: Domain,
  params: ReadonlyMap<string, string>,
  mode: Mode,
  issuer: string,
): Promise<AuthorizeCheck> {
  const clientId = params.get('client_id');
  if (clientId === undefined || clientId === '') {
    return pageError(
      'invalid_request',
      'The install link has no `client_id`: it must name the app (its manifest `id`).',
    );
  }
  const loaded = await readFlow(domain, async (tx) => {
    const app = await tx.getApp(clientId);
    if (app === undefined) return undefined;
    const version =
      app.current_version === null ? undefined : await tx.getAppVersion(app.id, app.current_version);
    return { app, version };
  });
  const shown = clientId.length > 100 ? `${clientId.slice(0, 100)}…` : clientId;
  if (loaded === undefined) {
    return pageError(
      'invalid_client',
      `There is no app \`${shown}\`: check the install link's \`client_id\`.`,
    );
  }
  const { app } = loaded;
  if (app.access_type !== 'oauth') {
    return pageError(
      'unauthorized_client',
      `The app \`${app.id}\` uses \`${app.access_type}\` access, not OAuth, so it has no install link: its manifest must set \`stripe_api_access_type\` to \`oauth\`.`,
    );
  }
  if (loaded.version === undefined) {
    return pageError(
      'unauthorized_client',
      `The app \`${app.id}\` has no released version yet, so it cannot be installed.`,
    );
  }
  const version = toAppVersion(loaded.version);
  const uris = registeredUris(version);
  const given = params.get('redirect_uri');
  let redirectUri: string;
  if (given === undefined) {
    if (uris[0] === undefined) {
      return pageError(
        'invalid_request',
        `The app \`${app.id}\` registers no redirect URI (\`allowed_redirect_uris\`).`,
      );
    }
    redirectUri = uris[0];
  } else {
    if (!uris.includes(given)) {
      const shownUri = given.length > 200 ? `${given.slice(0, 200)}…` : given;
      return pageError(
        'invalid_request',
        `The redirect URI \`${shownUri}\` is not registered by the app \`${app.id}\`. It must be exactly one of its \`allowed_redirect_uris\`, character for character.`,
      );
    }
    redirectUri = given;
  }
  const state = params.get('state');
  const fail = (error: OAuthErrorCode, description: string): AuthorizeCheck => ({
    ok: false,
    redirect: true,
    error,
    description,
    location: withParams(redirectUri, {
      error,
      error_description: description,
      state: state !== undefined && state.length <= MAX_STATE_LENGTH ? state : undefined,
      iss: issuer,
    }),
  });
  const responseType = params.get('response_type');
  if (responseType === undefined || responseType === '') {
    return fail('invalid_request', 'response_type is missing: use response_type=code');
  }
  if (responseType !== 'code') {
    return fail(
      'unsupported_response_type',
      `response_type ${responseType.slice(0, 50)} is not supported: use response_type=code`,
    );
  }
  if (state !== undefined && state.length > MAX_STATE_LENGTH) {
    return fail('invalid_request', `state is longer than ${MAX_STATE_LENGTH} characters`);
  }
  const challenge = params.get('code_challenge');
  const method = params.get('code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined)
      return fail('invalid_request', 'code_challenge_method was sent without a code_challenge');
  } else {
    if (method === undefined) {
      return fail('invalid_request', 'code_challenge_method is missing: use S256 (plain is not supported)');
    }
    if (method !== 'S256') {
      return fail(
        'invalid_request',
        `code_challenge_method ${method.slice(0, 20)} is not supported: use S256`,
      );
    }
    if (!S256_CHALLENGE.test(challenge)) {
      return fail(
        'invalid_request',
        'code_challenge is not an S256 challenge: it must be the base64url SHA-256 of the code verifier, 43 characters without padding',
      );
    }
  }
  const scope = params.get('scope');
  if (scope !== undefined && scope.trim() !== '') {
    return fail(
      'invalid_scope',
      "scope is not used: an app is granted the permissions its manifest requests, which the token response's scope lists; omit scope",
    );
  }
  return {
    ok: true,
    request: {
      mode,
      clientId: app.id,
      app: toApp(app),
      version,
      redirectUri,
      redirectUriGiven: given !== undefined,
      state,
      codeChallenge: challenge,
    },
  };
}

/** The account the signed-in person is signed in to, as the consent screen offers it. */
export interface AuthorizingAccount {
  readonly account: string;
  readonly name: string;
  /** Their user on that account (`usr_…`). */
  readonly user: string;
  readonly role: 'admin' | 'developer' | 'view_only';
}

/**
 * The session's own account and role: the one account the consent screen names. Other accounts
 * where the same email has a user are never listed: emails are not verified, so an admin can
 * give a user of their own account anyone's email, and listing "that person's" accounts would
 * show them to whoever holds such a user. Another account is named by its id and proved with
 * its user's password ({@link authorizingActor}).
 * @example
 * const { account, name, role } = await authorizingAccount(domain, session.user);
 */
export async function authorizingAccount(domain: Domain, user: User): Promise<AuthorizingAccount> {
  return readFlow(domain, async (tx) => {
    const row = await tx.getUser(user.id);
    const account = await tx.getAccount(user.account);
    if (row === undefined || account === undefined) {
      throw new DomainError('ERR_FORBIDDEN', 'your user no longer exists: sign in again');
    }
    return { account: row.account_id, name: account.name, user: row.id, role: row.role };
  });
}

/**
 * The actor that approves on `account` in `mode`: the session's own user when it is an admin,
 * or, for another account where the same email has an admin user, that user once `password`
 * matches its password. `ERR_FORBIDDEN` otherwise: a wrong or missing password gets the same
 * answer whether or not the account exists; a non-admin role is named.
 * @example
 * const actor = await authorizingActor(domain, { user: session.user, account, mode: 'test' });
 */
export async function authorizingActor(
  domain: Domain,
  input: { readonly user: User; readonly account: string; readonly mode: Mode; readonly password?: string },
): Promise<Actor & { readonly type: 'user' }> {
  const rows = await readFlow(domain, (tx) => tx.listUsersByEmail(input.user.email));
  const row = rows.find((r) => r.account_id === input.account);
  if (input.account !== input.user.account) {
    const password = input.password ?? '';
    const matches = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (row === undefined || password === '' || !matches) {
      throw new DomainError(
        'ERR_FORBIDDEN',
        `to approve for account \`${input.account}\`, enter the password of your user on that account`,
        { param: 'password' },
      );
    }
  }
  if (row === undefined) throw new DomainError('ERR_FORBIDDEN', 'your user no longer exists: sign in again');
  if (row.role !== 'admin') {
    throw new DomainError(
      'ERR_FORBIDDEN',
      `you have the \`${row.role}\` role on account \`${row.account_id}\`: only an admin can install an app`,
      { param: 'account' },
    );
  }
  return {
    type: 'user',
    account: row.account_id,
    user: row.id,
    email: row.email,
    role: row.role,
    livemode: input.mode === 'live',
  };
}

/** What approving would do on the chosen account. */
export interface AuthorizationState {
  /** The active install of the app on the account in the link's mode, if any. */
  readonly install: Install | undefined;
  /** What the current version requests. */
  readonly requested: readonly string[];
  /** Permissions of the install that await approval (empty for a new install). */
  readonly pending: readonly string[];
}

/** The install the request would approve on `actor`'s account, if any, and what is pending. */
export async function authorizationState(
  domain: Domain,
  actor: Actor,
  request: AuthorizeRequest,
): Promise<AuthorizationState> {
  if (actor.type === 'operator' || actor.type === 'app') {
    throw new DomainError('ERR_FORBIDDEN', 'only an account admin can approve an install link');
  }
  const row = await readFlow(domain, (tx) =>
    tx.findActiveInstall(request.app.id, actor.account, request.mode),
  );
  return {
    install: row === undefined ? undefined : toInstall(row),
    requested: request.version.permissions.map((p) => p.permission),
    pending: row === undefined ? [] : parseNames(row.permissions_pending),
  };
}

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
 * @example
 * const { location } = await approveAuthorization(domain, { actor, request, expectedPermissions, issuer });
 * reply.redirect(location, 303);
 */
export async function approveAuthorization(
  domain: Domain,
  input: ApproveAuthorizationInput,
): Promise<{ readonly install: Install; readonly location: string }> {
  const { actor, request } = input;
  const settings = settingsOf(domain);
  if (actor.type !== 'user' && actor.type !== 'account_key') {
    throw new DomainError('ERR_FORBIDDEN', 'only an account admin can approve an install link');
  }
  if (actor.livemode !== (request.mode === 'live')) {
    throw new DomainError(
      'ERR_MODE_MISMATCH',
      `this install link is for ${request.mode} mode; the approval was made in ${actor.livemode ? 'live' : 'test'} mode`,
      { param: 'mode' },
    );
  }
  return writeFlow(domain, actor, async (flow) => {
    const { tx } = flow;
    const app = await tx.getApp(request.clientId);
    const current =
      app?.current_version == null ? undefined : await tx.getAppVersion(app.id, app.current_version);
    if (
      app === undefined ||
      app.access_type !== 'oauth' ||
      current === undefined ||
      !registeredUris(toAppVersion(current)).includes(request.redirectUri)
    ) {
      throw new DomainError(
        'ERR_CONSENT_STALE',
        `app \`${request.clientId}\` changed while you were reviewing it (its redirect URI is no longer registered): start again from the app`,
        { param: 'app' },
      );
    }
    const existing = await tx.findActiveInstall(app.id, actor.account, request.mode);
    const install =
      existing === undefined
        ? (
            await installInFlow(flow, {
              app: app.id,
              account: actor.account,
              mode: request.mode,
              expectedPermissions: input.expectedPermissions,
            })
          ).install
        : await reauthorizeInFlow(flow, existing, input.expectedPermissions);
    await tx.pruneOAuthCodes(flow.seconds - 86_400);
    const code = generateSecret('ac', request.mode);
    const row: OAuthCodeRow = {
      id: newId('oacode'),
      code_hash: hashSecret(code),
      app_id: app.id,
      account_id: actor.account,
      install_id: install.id,
      mode: request.mode,
      redirect_uri: request.redirectUri,
      redirect_uri_given: request.redirectUriGiven ? 1 : 0,
      code_challenge: request.codeChallenge ?? null,
      created_by: actor.type === 'user' ? actor.user : actor.key,
      created: flow.seconds,
      expires_at: flow.seconds + settings.codeTtlSeconds,
      used: null,
      grant_id: null,
    };
    await tx.insertOAuthCode(row);
    await flow.audit({
      action: 'oauth.authorized',
      target: { type: 'install', id: install.id },
      after: {
        app: app.id,
        account: actor.account,
        mode: request.mode,
        redirect_uri: request.redirectUri,
        pkce: request.codeChallenge !== undefined,
        code: row.id,
        code_expires_at: row.expires_at,
      },
    });
    return {
      install,
      location: withParams(request.redirectUri, { code, state: request.state, iss: input.issuer }),
    };
  });
}

/** The redirect for a cancelled consent: `error=access_denied`, `state`, `iss`. */
export function deniedLocation(request: AuthorizeRequest, issuer: string): string {
  return withParams(request.redirectUri, {
    error: 'access_denied',
    error_description: 'The account admin cancelled the installation.',
    state: request.state,
    iss: issuer,
  });
}

// ---------------------------------------------------------------------------------------------
// Clients

/** How the client identified itself at the token, revocation or deauthorization endpoint. */
export interface ClientCredentials {
  /** `client_id` (form field, or the Basic user name when it is not a key). */
  readonly clientId: string | undefined;
  /** The developer's secret key (`sk_…`): Basic password or user name, Bearer, or `client_secret`. */
  readonly secret: string | undefined;
}

/** A client that proved who it is. */
type Client =
  | {
      readonly confidential: true;
      /** The developer's account and the key's mode and id. */
      readonly account: string;
      readonly mode: Mode;
      /** The key's id (`key_…`). */
      readonly key: string;
      /** The app named by `client_id`, when one was. */
      readonly clientId: string | undefined;
    }
  | { readonly confidential: false; readonly clientId: string };

/**
 * The developer account's secret key as the client (checked as every key is, by
 * {@link authenticateKey}), or the public client `client_id` names; else `invalid_client`.
 * Once per request, before the code or token is looked at (RFC 6749 §3.2.1).
 */
async function identifyClient(domain: Domain, credentials: ClientCredentials): Promise<Client> {
  const { secret, clientId } = credentials;
  const app =
    clientId === undefined || clientId === ''
      ? undefined
      : await readFlow(domain, (tx) => tx.getApp(clientId));
  if (secret !== undefined) {
    if (parseSecret(secret)?.type !== 'sk') {
      throw new OAuthError(
        'invalid_client',
        'the client secret is not a secret key: authenticate with the app developer account’s secret key (sk_…)',
      );
    }
    const auth = await authenticateKey(domain, secret);
    if (!auth.ok || auth.principal.type !== 'account') {
      throw new OAuthError(
        'invalid_client',
        `the client secret ${maskKey(secret)} is not an active secret key`,
      );
    }
    const { account, key, livemode } = auth.principal;
    if (clientId !== undefined && (app?.access_type !== 'oauth' || app.owner_account_id !== account)) {
      throw new OAuthError(
        'invalid_client',
        `${maskKey(secret)} is not the secret key of the developer of the OAuth app ${shortId(clientId)}`,
      );
    }
    return { confidential: true, account, mode: livemode ? 'live' : 'test', key, clientId };
  }
  if (clientId === undefined || clientId === '') {
    throw new OAuthError(
      'invalid_client',
      'no client authentication: send the developer’s secret key (Basic or client_secret), or client_id for a public client using PKCE',
    );
  }
  if (app?.access_type !== 'oauth')
    throw new OAuthError('invalid_client', `there is no OAuth app ${shortId(clientId)}`);
  return { confidential: false, clientId };
}

function shortId(id: string): string {
  return id.length > 100 ? `${id.slice(0, 100)}…` : id;
}

/**
 * Whether a client may use what was issued to `appId` in `mode`: the developer's key of that
 * mode, or the public client of that app. The refusal names why.
 */
function clientMismatch(client: Client, app: AppRow | undefined, mode: Mode): string | undefined {
  if (app === undefined) return 'it was issued to an app that no longer exists';
  if (client.confidential) {
    if (client.clientId !== undefined && client.clientId !== app.id)
      return `it was issued to another client, not ${shortId(client.clientId)}`;
    if (client.account !== app.owner_account_id) return 'it was issued to another client';
    if (client.mode !== mode) {
      return `it was issued in ${mode} mode: use the developer’s ${mode}-mode secret key (sk_${mode}_…), not a ${client.mode}-mode one`;
    }
    return undefined;
  }
  return client.clientId === app.id
    ? undefined
    : `it was issued to another client, not ${shortId(client.clientId)}`;
}

/** The actor a token request acts as: the app, through the install it was granted on. */
function appActor(
  row: {
    readonly app_id: string;
    readonly install_id: string;
    readonly account_id: string;
    readonly mode: Mode;
  },
  key: string,
): Actor {
  return {
    type: 'app',
    app: row.app_id,
    install: row.install_id,
    account: row.account_id,
    key,
    livemode: row.mode === 'live',
  };
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

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

/** A refusal decided inside a transaction that must still commit (a revoked family). */
interface Refusal {
  readonly refused: OAuthError;
}

/**
 * `grant_type=authorization_code` or `refresh_token`; throws {@link OAuthError}.
 * @example
 * const tokens = await exchangeToken(domain, { grantType: 'authorization_code', code, codeVerifier, client: { clientId: 'com.example.app', secret: undefined } });
 */
export async function exchangeToken(domain: Domain, input: TokenInput): Promise<TokenResponse> {
  const settings = settingsOf(domain);
  const grantType = input.grantType;
  if (grantType === undefined || grantType === '') {
    throw new OAuthError('invalid_request', 'grant_type is missing: use authorization_code or refresh_token');
  }
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
    throw new OAuthError(
      'unsupported_grant_type',
      `grant_type ${grantType.slice(0, 50)} is not supported: use authorization_code or refresh_token`,
    );
  }
  const result =
    grantType === 'authorization_code'
      ? await redeemCode(domain, input, settings)
      : await refresh(domain, input, settings);
  if ('refused' in result) throw result.refused;
  return result;
}

async function redeemCode(
  domain: Domain,
  input: TokenInput,
  settings: OAuthLifetimes,
): Promise<TokenResponse | Refusal> {
  // the client first (RFC 6749 §3.2.1): bad credentials are invalid_client whatever the code
  const client = await identifyClient(domain, input.client);
  const code = input.code;
  if (code === undefined || code === '') throw new OAuthError('invalid_request', 'code is missing');
  const parsed = parseSecret(code);
  if (parsed === undefined || parsed.type !== 'ac') {
    throw new OAuthError('invalid_grant', 'the authorization code is not a well-formed code (ac_…)');
  }
  const hash = hashSecret(code);
  const found = await readFlow(domain, (tx) => tx.getOAuthCodeByHash(hash));
  if (found === undefined || !hashesMatch(found.code_hash, hash)) {
    throw new OAuthError('invalid_grant', 'the authorization code is invalid or has expired');
  }
  return writeFlow(
    domain,
    appActor(found, found.id),
    async (flow): Promise<TokenResponse | Refusal> => {
      const { tx } = flow;
      const row = await tx.getOAuthCodeByHash(hash);
      if (row === undefined)
        throw new OAuthError('invalid_grant', 'the authorization code is invalid or has expired');
      const app = await tx.getApp(row.app_id);
      const mismatch = clientMismatch(client, app, row.mode);
      if (mismatch !== undefined)
        throw new OAuthError('invalid_grant', `the authorization code cannot be used: ${mismatch}`);
      if (row.used !== null) {
        // Only the client the code was for, proving it (its secret key when it redeemed the code
        // with one, the PKCE verifier when the code had a challenge), revokes the family: a code
        // seen afterwards in a URL (history, logs, Referer) must not let anyone else revoke it.
        const first = row.grant_id === null ? undefined : await tx.getOAuthGrant(row.grant_id);
        if (first?.confidential === 1 && !client.confidential) {
          throw new OAuthError(
            'invalid_client',
            'this authorization code was redeemed by a confidential client: authenticate with the developer’s secret key',
          );
        }
        checkPkce(row, client, input.codeVerifier);
        return codeReused(flow, row);
      }
      if (flow.seconds >= row.expires_at) {
        throw new OAuthError(
          'invalid_grant',
          'the authorization code has expired (codes work for a few minutes): start the install link again',
        );
      }
      if (row.redirect_uri_given === 1 && input.redirectUri === undefined) {
        throw new OAuthError(
          'invalid_grant',
          'redirect_uri is missing: the authorization request named one, so the token request must repeat it',
        );
      }
      if (input.redirectUri !== undefined && input.redirectUri !== row.redirect_uri) {
        throw new OAuthError(
          'invalid_grant',
          'redirect_uri does not match the one the authorization code was issued for',
        );
      }
      checkPkce(row, client, input.codeVerifier);
      const installRow = await tx.getInstall(row.install_id);
      if (installRow === undefined || installRow.status !== 'installed') {
        throw new OAuthError(
          'invalid_grant',
          'the app was uninstalled from this account after the code was issued',
        );
      }
      const grant: OAuthGrantRow = {
        id: newId('oagrant'),
        app_id: row.app_id,
        account_id: row.account_id,
        install_id: row.install_id,
        mode: row.mode,
        confidential: client.confidential ? 1 : 0,
        created: flow.seconds,
        revoked: null,
        revoked_reason: null,
      };
      if (!(await tx.claimOAuthCode(row.id, flow.seconds, grant.id))) {
        // another redemption won the race: the code is used, and that is a reuse
        const now = await tx.getOAuthCodeByHash(hash);
        return codeReused(flow, now ?? row);
      }
      await tx.insertOAuthGrant(grant);
      await flow.audit({
        action: 'oauth_grant.created',
        target: { type: 'oauth_grant', id: grant.id },
        after: {
          install: grant.install_id,
          app: grant.app_id,
          account: grant.account_id,
          mode: grant.mode,
          client: client.confidential ? 'confidential' : 'public',
          code: row.id,
        },
      });
      return issueTokens(flow, grant, installRow, settings);
    },
    { role: 'app' },
  );
}

/** A code presented again: the family its first use started is revoked (RFC 6749 §4.1.2). */
async function codeReused(flow: Flow, row: OAuthCodeRow): Promise<Refusal> {
  const grant = row.grant_id === null ? undefined : await flow.tx.getOAuthGrant(row.grant_id);
  if (grant !== undefined) await revokeGrantInFlow(flow, grant, 'authorization_code_reused');
  return {
    refused: new OAuthError(
      'invalid_grant',
      'the authorization code was already used: codes work once, and every token issued from it is now revoked',
    ),
  };
}

/** RFC 7636 §4.6: the verifier's S256 must equal the challenge; no verifier without a challenge. */
function checkPkce(row: OAuthCodeRow, client: Client, verifier: string | undefined): void {
  if (row.code_challenge === null) {
    if (verifier !== undefined) {
      throw new OAuthError(
        'invalid_grant',
        'code_verifier was sent, but the authorization request had no code_challenge',
      );
    }
    if (!client.confidential) {
      throw new OAuthError(
        'invalid_grant',
        'the authorization request had no code_challenge: a public client must use PKCE (S256), or redeem the code with the developer’s secret key',
      );
    }
    return;
  }
  if (verifier === undefined || verifier === '') {
    throw new OAuthError(
      'invalid_grant',
      'code_verifier is missing: the authorization request had a code_challenge',
    );
  }
  if (!CODE_VERIFIER.test(verifier)) {
    throw new OAuthError(
      'invalid_grant',
      'code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~',
    );
  }
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const challenge = Buffer.from(row.code_challenge);
  if (computed.length !== challenge.length || !timingSafeEqual(computed, challenge)) {
    throw new OAuthError(
      'invalid_grant',
      'code_verifier does not match the code_challenge of the authorization request',
    );
  }
}

async function issueTokens(
  flow: Flow,
  grant: OAuthGrantRow,
  install: InstallRow,
  settings: OAuthLifetimes,
): Promise<TokenResponse> {
  const access = generateSecret('at', grant.mode);
  const refreshToken = generateSecret('rt', grant.mode);
  const rows: OAuthTokenRow[] = [
    {
      id: newId('oatok'),
      grant_id: grant.id,
      kind: 'access',
      token_hash: hashSecret(access),
      hint: secretHint(access),
      created: flow.seconds,
      expires_at: flow.seconds + settings.accessTokenTtlSeconds,
      used: null,
      revoked: null,
    },
    {
      id: newId('oatok'),
      grant_id: grant.id,
      kind: 'refresh',
      token_hash: hashSecret(refreshToken),
      hint: secretHint(refreshToken),
      created: flow.seconds,
      expires_at: flow.seconds + settings.refreshTokenTtlSeconds,
      used: null,
      revoked: null,
    },
  ];
  // expired tokens (and rotated refresh tokens a day on) go as new ones come: the table holds
  // what can still be used or recognised, not every token ever issued
  await flow.tx.pruneOAuthTokens(flow.seconds);
  for (const row of rows) await flow.tx.insertOAuthToken(row);
  return {
    access_token: access,
    token_type: 'bearer',
    expires_in: settings.accessTokenTtlSeconds,
    refresh_token: refreshToken,
    scope: parseNames(install.permissions_granted).join(' '),
    livemode: grant.mode === 'live',
    stripe_user_id: grant.account_id,
    install: install.id,
  };
}

async function refresh(
  domain: Domain,
  input: TokenInput,
  settings: OAuthLifetimes,
): Promise<TokenResponse | Refusal> {
  const client = await identifyClient(domain, input.client);
  const token = input.refreshToken;
  if (token === undefined || token === '')
    throw new OAuthError('invalid_request', 'refresh_token is missing');
  const parsed = parseSecret(token);
  if (parsed === undefined || parsed.type !== 'rt') {
    throw new OAuthError('invalid_grant', 'the refresh token is not a well-formed refresh token (rt_…)');
  }
  const hash = hashSecret(token);
  const found = await readFlow(domain, async (tx) => {
    const row = await tx.getOAuthTokenByHash(hash);
    if (row === undefined || row.kind !== 'refresh' || !hashesMatch(row.token_hash, hash)) return undefined;
    const grant = await tx.getOAuthGrant(row.grant_id);
    return grant === undefined ? undefined : { row, grant };
  });
  if (found === undefined) throw new OAuthError('invalid_grant', 'the refresh token is invalid');
  return writeFlow(
    domain,
    appActor(found.grant, found.grant.id),
    async (flow): Promise<TokenResponse | Refusal> => {
      const { tx } = flow;
      const row = await tx.getOAuthTokenByHash(hash);
      const grant = row === undefined ? undefined : await tx.getOAuthGrant(row.grant_id);
      if (row === undefined || grant === undefined)
        throw new OAuthError('invalid_grant', 'the refresh token is invalid');
      const app = await tx.getApp(grant.app_id);
      const mismatch = clientMismatch(client, app, grant.mode);
      if (mismatch !== undefined)
        throw new OAuthError('invalid_grant', `the refresh token cannot be used: ${mismatch}`);
      if (grant.confidential === 1 && !client.confidential) {
        throw new OAuthError(
          'invalid_client',
          'this refresh token was issued to a confidential client: authenticate with the developer’s secret key',
        );
      }
      if (grant.revoked !== null || row.revoked !== null) {
        throw new OAuthError('invalid_grant', 'the refresh token has been revoked');
      }
      if (row.used !== null) return refreshReused(flow, grant);
      if (flow.seconds >= row.expires_at) {
        throw new OAuthError(
          'invalid_grant',
          'the refresh token has expired: send the account admin through the install link again',
        );
      }
      const install = await tx.getInstall(grant.install_id);
      if (install === undefined || install.status !== 'installed') {
        throw new OAuthError('invalid_grant', 'the app was uninstalled from this account');
      }
      const keepUntil = Math.min(row.expires_at, flow.seconds + REUSE_WINDOW_SECONDS);
      if (!(await tx.claimOAuthToken(row.id, flow.seconds, keepUntil))) return refreshReused(flow, grant);
      return issueTokens(flow, grant, install, settings);
    },
    { role: 'app' },
  );
}

/** A rotated refresh token presented again: the whole family is revoked. */
async function refreshReused(flow: Flow, grant: OAuthGrantRow): Promise<Refusal> {
  await revokeGrantInFlow(flow, grant, 'refresh_token_reused');
  return {
    refused: new OAuthError(
      'invalid_grant',
      'the refresh token was already used: refresh tokens work once, so every token of this authorization is now revoked; send the account admin through the install link again',
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Revocation and deauthorization

/**
 * RFC 7009: revokes an access token (that token) or a refresh token (its whole family). An
 * unknown, expired or already revoked token is a success; a token of another client is
 * `invalid_request`; bad client credentials are `invalid_client`.
 * @example
 * await revokeToken(domain, { token: 'rt_test_…', client: { clientId: 'com.example.app', secret: undefined } });
 */
export async function revokeToken(
  domain: Domain,
  input: {
    readonly token: string | undefined;
    readonly tokenTypeHint?: string | undefined;
    readonly client: ClientCredentials;
  },
): Promise<void> {
  const client = await identifyClient(domain, input.client);
  const token = input.token;
  if (token === undefined || token === '') throw new OAuthError('invalid_request', 'token is missing');
  const parsed = parseSecret(token);
  if (parsed === undefined || (parsed.type !== 'at' && parsed.type !== 'rt')) return;
  const hash = hashSecret(token);
  const found = await readFlow(domain, async (tx) => {
    const row = await tx.getOAuthTokenByHash(hash);
    if (row === undefined || !hashesMatch(row.token_hash, hash)) return undefined;
    const grant = await tx.getOAuthGrant(row.grant_id);
    return grant === undefined ? undefined : { row, grant };
  });
  if (found === undefined) return;
  const { row, grant } = found;
  const actor: Actor = client.confidential
    ? { type: 'account_key', account: client.account, key: client.key, livemode: client.mode === 'live' }
    : appActor(grant, row.id);
  await writeFlow(
    domain,
    actor,
    async (flow) => {
      const app = await flow.tx.getApp(grant.app_id);
      const mismatch = clientMismatch(client, app, grant.mode);
      if (mismatch !== undefined)
        throw new OAuthError('invalid_request', `the token cannot be revoked by this client: ${mismatch}`);
      if (grant.confidential === 1 && !client.confidential) {
        throw new OAuthError(
          'invalid_client',
          'this token was issued to a confidential client: authenticate with the developer’s secret key',
        );
      }
      if (row.kind === 'refresh') {
        await revokeGrantInFlow(flow, grant, 'revoked_by_client');
        return;
      }
      if (await flow.tx.revokeOAuthToken(row.id, flow.seconds)) {
        await flow.audit({
          action: 'oauth_token.revoked',
          target: { type: 'oauth_token', id: row.id },
          after: {
            grant: grant.id,
            install: grant.install_id,
            app: grant.app_id,
            account: grant.account_id,
            kind: row.kind,
            revoked: flow.seconds,
          },
        });
        flow.notify({ kind: 'oauth_grant', id: grant.id });
      }
    },
    { role: client.confidential ? 'admin' : 'app' },
  );
}

/**
 * `POST /v1/oauth/deauthorize`: the developer (secret key required) uninstalls its app from
 * `stripe_user_id`'s account in the key's mode, which revokes every token.
 * @example
 * await deauthorize(domain, { client: { clientId: 'com.example.app', secret: 'sk_test_…' }, stripeUserId: 'acct_…' });
 */
export async function deauthorize(
  domain: Domain,
  input: { readonly client: ClientCredentials; readonly stripeUserId: string | undefined },
): Promise<{ readonly stripe_user_id: string }> {
  const client = await identifyClient(domain, input.client);
  if (!client.confidential) {
    throw new OAuthError(
      'invalid_client',
      'deauthorizing needs the developer’s secret key (sk_…) as the client secret',
    );
  }
  if (client.clientId === undefined)
    throw new OAuthError('invalid_request', 'client_id is missing: name the app to deauthorize');
  const account = input.stripeUserId;
  if (account === undefined || account === '')
    throw new OAuthError('invalid_request', 'stripe_user_id is missing');
  const clientId = client.clientId;
  const actor: Actor = {
    type: 'account_key',
    account: client.account,
    key: client.key,
    livemode: client.mode === 'live',
  };
  await writeFlow(domain, actor, async (flow) => {
    const row = await flow.tx.findActiveInstall(clientId, account, client.mode);
    if (row === undefined) {
      throw new OAuthError(
        'invalid_request',
        `the app ${shortId(clientId)} is not installed on ${shortId(account)} in ${client.mode} mode`,
      );
    }
    await uninstallInFlow(flow, row, 'deauthorized by the app developer');
  });
  return { stripe_user_id: account };
}

// ---------------------------------------------------------------------------------------------
// For the dashboard's install screen

/** One token family of an install, for display (never a token). */
export interface OAuthGrant {
  readonly id: string;
  readonly object: 'oauth_grant';
  readonly install: string;
  readonly created: number;
  /** When its newest access token expires (unix seconds), or null when it has none kept (expired ones are deleted). */
  readonly access_expires_at: number | null;
  readonly revoked: number | null;
  readonly revoked_reason: string | null;
}

/** An install's OAuth token families, newest first. */
export async function listOAuthGrants(
  domain: Domain,
  input: { readonly actor: Actor; readonly install: string },
): Promise<OAuthGrant[]> {
  return readFlow(domain, async (tx) => {
    const install = await loadInstall(tx, input.actor, input.install);
    const rows = await tx.listOAuthGrants(install.id);
    const expiry = await tx.latestOAuthAccessExpiry(rows.map((row) => row.id));
    return rows.map((row) => ({
      id: row.id,
      object: 'oauth_grant',
      install: row.install_id,
      created: row.created,
      access_expires_at: expiry.get(row.id) ?? null,
      revoked: row.revoked,
      revoked_reason: row.revoked_reason,
    }));
  });
}

/** Revokes every token of an install (an admin's "Revoke access"); returns how many families. */
export async function revokeOAuthGrants(
  domain: Domain,
  input: { readonly actor: Actor; readonly install: string },
): Promise<number> {
  return writeFlow(domain, input.actor, async (flow) => {
    const install = await loadInstall(flow.tx, input.actor, input.install);
    return (await revokeInstallGrants(flow, install.id, 'revoked_by_admin')).length;
  });
}

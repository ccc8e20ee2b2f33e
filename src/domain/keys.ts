import type { Catalog } from '../core/catalog/catalog.js';
import type { PermissionSet } from '../core/catalog/permission-set.js';
import type { InstallRow, KeyKind, KeyRow, Mode, StoreTransaction } from '../store/store.js';
import { type Actor, accountFor, actorLabel, administers, modeFor, requireSameMode } from './actor.js';
import type { Domain } from './context.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import { type Flow, readFlow, writeFlow } from './flow.js';
import { newId } from './ids.js';
import {
  type ApiKey,
  type CreatedKey,
  installEffectiveSet,
  keyStatus,
  namesJson,
  parseNames,
  secretTypeOf,
  toKey,
} from './objects.js';
import { generateSecret, hashesMatch, hashSecret, maskKey, parseSecret, secretHint } from './secrets.js';

/**
 * Keys: account secret keys (`sk_…`), platform apps' secret keys (`sk_…`) and install keys
 * (`rk_…`) for restricted-key apps. Created (shown once), rolled, revoked, given an expiry, and
 * for install keys optionally narrowed to a subset of the install's effective set.
 */

interface KeySpec {
  readonly kind: KeyKind;
  readonly mode: Mode;
  readonly account: string;
  readonly app: string | null;
  readonly install: string | null;
  readonly permissions: readonly string[] | null;
  readonly expiresAt: number | null;
}

/**
 * Records an `apps.install.key.*` event for a change to an install key (`rk_…`); keys of no
 * install (account and platform secret keys) have no events.
 */
async function keyEvent(
  flow: Flow,
  row: KeyRow,
  type:
    | 'apps.install.key.created'
    | 'apps.install.key.rolled'
    | 'apps.install.key.updated'
    | 'apps.install.key.revoked',
  key: ApiKey,
  before?: ApiKey,
): Promise<void> {
  if (row.install_id === null) return;
  const previous: Record<string, unknown> = {};
  if (before !== undefined) {
    for (const field of Object.keys(before) as (keyof ApiKey)[]) {
      if (JSON.stringify(before[field]) !== JSON.stringify(key[field])) previous[field] = before[field];
    }
  }
  await flow.event({
    type,
    account: row.account_id,
    app: row.app_id ?? '',
    mode: row.mode,
    object: key,
    ...(before === undefined ? {} : { previousAttributes: previous }),
  });
}

/** Creates a key inside a flow: stores its hash, audits it, and returns the secret once. */
export async function issueKey(flow: Flow, spec: KeySpec): Promise<CreatedKey> {
  const secret = generateSecret(secretTypeOf(spec.kind), spec.mode);
  const row: KeyRow = {
    id: newId('key'),
    kind: spec.kind,
    mode: spec.mode,
    account_id: spec.account,
    app_id: spec.app,
    install_id: spec.install,
    secret_hash: hashSecret(secret),
    hint: secretHint(secret),
    permissions: spec.permissions === null ? null : namesJson(spec.permissions),
    created: flow.seconds,
    created_by: actorLabel(flow.actor),
    expires_at: spec.expiresAt,
    revoked: null,
    rolled_to: null,
  };
  await flow.tx.insertKey(row);
  const key = toKey(row, flow.seconds);
  await flow.audit({ action: 'key.created', target: { type: 'key', id: row.id }, after: key });
  await keyEvent(flow, row, 'apps.install.key.created', key);
  flow.notify({ kind: 'key', id: row.id });
  return { ...key, secret };
}

/** Revokes every unrevoked key of an install inside a flow (uninstall). */
export async function revokeInstallKeys(flow: Flow, installId: string): Promise<string[]> {
  const rows = await flow.tx.listKeys({ installId, unrevoked: true });
  for (const row of rows) await revokeRow(flow, row, 'install.uninstalled');
  return rows.map((row) => row.id);
}

async function revokeRow(flow: Flow, row: KeyRow, reason?: string): Promise<ApiKey> {
  await flow.tx.updateKey(row.id, { revoked: flow.seconds });
  const after = toKey({ ...row, revoked: flow.seconds }, flow.seconds);
  await flow.audit({
    action: 'key.revoked',
    target: { type: 'key', id: row.id },
    before: toKey(row, flow.seconds),
    after: reason === undefined ? after : { ...after, reason },
  });
  await keyEvent(flow, row, 'apps.install.key.revoked', after, toKey(row, flow.seconds));
  flow.notify({ kind: 'key', id: row.id });
  return after;
}

function checkExpiry(value: unknown, nowSeconds: number, param: string, allowNow: boolean): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidParameter(param, `\`${param}\` must be a unix time in seconds`);
  }
  if (allowNow ? value < nowSeconds : value <= nowSeconds) {
    throw invalidParameter(
      param,
      `\`${param}\` (${value}) is ${value === nowSeconds ? 'now' : 'in the past'}: pick a later time${allowNow ? ' or omit it to stop the key now' : ''}`,
    );
  }
  return value;
}

/** Validates a narrowing: known names, each inside the install's effective set. */
function checkNarrowing(
  catalog: Catalog,
  value: unknown,
  effective: PermissionSet,
  installId: string,
): string[] {
  if (!Array.isArray(value) || value.some((name) => typeof name !== 'string')) {
    throw invalidParameter('permissions', '`permissions` must be a list of permission names');
  }
  const names = value as string[];
  if (names.length === 0) {
    throw invalidParameter(
      'permissions',
      '`permissions` is empty: narrow a key to at least one permission, or omit it',
    );
  }
  names.forEach((name, i) => {
    if (catalog.has(name)) return;
    const suggestion = catalog.suggest(name);
    throw new DomainError(
      'ERR_UNKNOWN_PERMISSION',
      `unknown permission \`${name}\`${suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`}`,
      { param: `permissions[${i}]` },
    );
  });
  const outside = names.filter((name) => !effective.has(catalog.indexOf(name)));
  if (outside.length > 0) {
    const list = outside.map((name) => `\`${name}\``).join(', ');
    throw new DomainError(
      'ERR_KEY_NARROWING',
      `${list} ${outside.length === 1 ? 'is' : 'are'} not granted to install \`${installId}\`: a key can only be narrowed to permissions the install holds`,
      { param: 'permissions' },
    );
  }
  return names;
}

/** Input of {@link createInstallKey}. */
export interface CreateInstallKeyInput {
  readonly actor: Actor;
  readonly install: string;
  /** Must match the install's mode (default: the install's). */
  readonly mode?: Mode;
  /** Unix seconds; must be in the future. */
  readonly expiresAt?: number;
  /** Narrow the key to these permissions (each must be in the install's effective set). */
  readonly permissions?: readonly string[];
}

/**
 * Creates an `rk_…` key for an install of a restricted-key app. The secret is in the result
 * and nowhere else.
 * @example
 * const key = await createInstallKey(domain, { actor, install: 'appinst_…', permissions: ['customer_read'] });
 * key.secret; // 'rk_test_…' — show it once
 */
export async function createInstallKey(domain: Domain, input: CreateInstallKeyInput): Promise<CreatedKey> {
  return writeFlow(domain, input.actor, async (flow) => {
    const install = await flow.tx.getInstall(input.install);
    if (install === undefined || !administers(input.actor, install.account_id)) {
      throw notFound('install', input.install, 'install');
    }
    requireSameMode(input.actor, install.mode, 'install', install.id);
    if (input.mode !== undefined && input.mode !== install.mode) {
      throw new DomainError(
        'ERR_MODE_MISMATCH',
        `install \`${install.id}\` is in ${install.mode} mode: its keys are \`rk_${install.mode}_…\`, not \`rk_${input.mode}_…\``,
        { param: 'mode' },
      );
    }
    if (install.status !== 'installed') {
      throw new DomainError('ERR_INSTALL_INACTIVE', `install \`${install.id}\` is uninstalled`, {
        param: 'install',
      });
    }
    const app = await flow.tx.getApp(install.app_id);
    if (app === undefined) throw notFound('app', install.app_id);
    if (app.access_type !== 'restricted_api_key') {
      throw new DomainError(
        'ERR_KEY_TYPE',
        app.access_type === 'oauth'
          ? `app \`${app.id}\` uses \`oauth\` access: it calls the API with OAuth access tokens from its install link, not with install keys`
          : `app \`${app.id}\` uses \`${app.access_type}\` access: it calls the API with its own app secret key, not with install keys`,
        { param: 'install' },
      );
    }
    const permissions =
      input.permissions === undefined
        ? null
        : checkNarrowing(
            domain.catalog,
            input.permissions,
            installEffectiveSet(domain.catalog, install),
            install.id,
          );
    const expiresAt =
      input.expiresAt === undefined ? null : checkExpiry(input.expiresAt, flow.seconds, 'expires_at', false);
    return issueKey(flow, {
      kind: 'install',
      mode: install.mode,
      account: install.account_id,
      app: app.id,
      install: install.id,
      permissions,
      expiresAt,
    });
  });
}

/**
 * Creates an app secret key (`sk_…`) for a platform app, for its developer.
 * @example
 * const key = await createAppSecretKey(domain, { actor: developer, app: 'com.example.sync', mode: 'test' });
 */
export async function createAppSecretKey(
  domain: Domain,
  input: { readonly actor: Actor; readonly app: string; readonly mode?: Mode; readonly expiresAt?: number },
): Promise<CreatedKey> {
  const mode = modeFor(input.actor, input.mode);
  return writeFlow(domain, input.actor, async (flow) => {
    const app = await flow.tx.getApp(input.app);
    if (app === undefined || !administers(input.actor, app.owner_account_id)) {
      throw notFound('app', input.app, 'app');
    }
    if (app.access_type !== 'platform') {
      throw new DomainError(
        'ERR_KEY_TYPE',
        app.access_type === 'oauth'
          ? `app \`${app.id}\` uses \`oauth\` access: it calls the API with OAuth access tokens from its install link, it has no app secret key`
          : `app \`${app.id}\` uses \`${app.access_type}\` access: its installs get \`rk_…\` keys, it has no app secret key`,
        { param: 'app' },
      );
    }
    const expiresAt =
      input.expiresAt === undefined ? null : checkExpiry(input.expiresAt, flow.seconds, 'expires_at', false);
    return issueKey(flow, {
      kind: 'app',
      mode,
      account: app.owner_account_id,
      app: app.id,
      install: null,
      permissions: null,
      expiresAt,
    });
  });
}

/**
 * Creates another secret key (`sk_…`) for an account.
 * @example
 * const key = await createAccountSecretKey(domain, { actor: OPERATOR, account: 'acct_…', mode: 'live' });
 */
export async function createAccountSecretKey(
  domain: Domain,
  input: {
    readonly actor: Actor;
    readonly account?: string;
    readonly mode?: Mode;
    readonly expiresAt?: number;
  },
): Promise<CreatedKey> {
  const account = accountFor(input.actor, input.account, () => notFound('account', input.account ?? ''));
  const mode = modeFor(input.actor, input.mode);
  return writeFlow(domain, input.actor, async (flow) => {
    if ((await flow.tx.getAccount(account)) === undefined) throw notFound('account', account, 'account');
    const expiresAt =
      input.expiresAt === undefined ? null : checkExpiry(input.expiresAt, flow.seconds, 'expires_at', false);
    return issueKey(flow, {
      kind: 'account',
      mode,
      account,
      app: null,
      install: null,
      permissions: null,
      expiresAt,
    });
  });
}

async function loadKey(tx: StoreTransaction, actor: Actor, id: string): Promise<KeyRow> {
  const row = await tx.getKey(id);
  if (row === undefined || !administers(actor, row.account_id)) throw notFound('key', id, 'key');
  requireSameMode(actor, row.mode, 'key', id);
  return row;
}

function requireActive(row: KeyRow, seconds: number, doing: string): void {
  const status = keyStatus(row, seconds);
  if (status !== 'active') {
    throw new DomainError(
      'ERR_KEY_INACTIVE',
      `key \`${row.id}\` is ${status}: it cannot be ${doing}; create a new key instead`,
      { param: 'key' },
    );
  }
}

/**
 * Replaces a key with a new one (same owner, mode and narrowing). The old key keeps working
 * until `expiresAt` (unix seconds, default now: it stops at once).
 * @example
 * const { key, previous } = await rollKey(domain, { actor, key: 'key_…', expiresAt: now + 3600 });
 */
export async function rollKey(
  domain: Domain,
  input: { readonly actor: Actor; readonly key: string; readonly expiresAt?: number },
): Promise<{ key: CreatedKey; previous: ApiKey }> {
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadKey(flow.tx, input.actor, input.key);
    requireActive(row, flow.seconds, 'rolled');
    if (row.install_id !== null) {
      const install = await flow.tx.getInstall(row.install_id);
      if (install?.status !== 'installed') {
        throw new DomainError('ERR_INSTALL_INACTIVE', `install \`${row.install_id}\` is uninstalled`);
      }
    }
    let until =
      input.expiresAt === undefined
        ? flow.seconds
        : checkExpiry(input.expiresAt, flow.seconds, 'expires_at', true);
    if (row.expires_at !== null) until = Math.min(until, row.expires_at);
    const key = await issueKey(flow, {
      kind: row.kind,
      mode: row.mode,
      account: row.account_id,
      app: row.app_id,
      install: row.install_id,
      permissions: row.permissions === null ? null : parseNames(row.permissions),
      expiresAt: null,
    });
    const updated: KeyRow = { ...row, expires_at: until, rolled_to: key.id };
    await flow.tx.updateKey(row.id, { expires_at: until, rolled_to: key.id });
    const previous = toKey(updated, flow.seconds);
    await flow.audit({
      action: 'key.rolled',
      target: { type: 'key', id: row.id },
      before: toKey(row, flow.seconds),
      after: previous,
    });
    await keyEvent(flow, row, 'apps.install.key.rolled', previous, toKey(row, flow.seconds));
    flow.notify({ kind: 'key', id: row.id });
    return { key, previous };
  });
}

/**
 * Revokes a key at once. Revoking a revoked key changes nothing.
 * @example
 * await revokeKey(domain, { actor, key: 'key_…' });
 */
export async function revokeKey(
  domain: Domain,
  input: { readonly actor: Actor; readonly key: string },
): Promise<ApiKey> {
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadKey(flow.tx, input.actor, input.key);
    if (row.revoked !== null) return toKey(row, flow.seconds);
    return revokeRow(flow, row);
  });
}

/**
 * Sets (a future unix time) or clears (`null`) an active key's expiry.
 * @example
 * await setKeyExpiry(domain, { actor, key: 'key_…', expiresAt: Math.floor(Date.now() / 1000) + 86400 });
 */
export async function setKeyExpiry(
  domain: Domain,
  input: { readonly actor: Actor; readonly key: string; readonly expiresAt: number | null },
): Promise<ApiKey> {
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadKey(flow.tx, input.actor, input.key);
    requireActive(row, flow.seconds, 'given a new expiry');
    const expiresAt =
      input.expiresAt === null ? null : checkExpiry(input.expiresAt, flow.seconds, 'expires_at', false);
    if (expiresAt === row.expires_at) return toKey(row, flow.seconds);
    await flow.tx.updateKey(row.id, { expires_at: expiresAt });
    const after = toKey({ ...row, expires_at: expiresAt }, flow.seconds);
    await flow.audit({
      action: 'key.expiry_set',
      target: { type: 'key', id: row.id },
      before: toKey(row, flow.seconds),
      after,
    });
    await keyEvent(flow, row, 'apps.install.key.updated', after, toKey(row, flow.seconds));
    flow.notify({ kind: 'key', id: row.id });
    return after;
  });
}

/** One key (never its secret). */
export async function getKey(
  domain: Domain,
  input: { readonly actor: Actor; readonly key: string },
): Promise<ApiKey> {
  return readFlow(domain, async (tx, seconds) => toKey(await loadKey(tx, input.actor, input.key), seconds));
}

/**
 * Keys of an install, an app, or an account (oldest first). An account key sees its own
 * account's keys in its own mode.
 */
export async function listKeys(
  domain: Domain,
  input: {
    readonly actor: Actor;
    readonly account?: string;
    readonly app?: string;
    readonly install?: string;
    readonly kind?: KeyKind;
  },
): Promise<ApiKey[]> {
  const actor = input.actor;
  const account =
    actor.type !== 'operator'
      ? accountFor(actor, input.account, () => notFound('account', input.account ?? '', 'account'))
      : input.account;
  const mode = actor.type !== 'operator' ? modeFor(actor, undefined) : undefined;
  return readFlow(domain, async (tx, seconds) => {
    const rows = await tx.listKeys({
      ...(account === undefined ? {} : { accountId: account }),
      ...(mode === undefined ? {} : { mode }),
      ...(input.app === undefined ? {} : { appId: input.app }),
      ...(input.install === undefined ? {} : { installId: input.install }),
      ...(input.kind === undefined ? {} : { kind: input.kind }),
    });
    return rows.map((row) => toKey(row, seconds));
  });
}

// ---------------------------------------------------------------------------------------------
// Authentication

/** Why a presented key was refused. */
export type AuthFailureReason =
  | 'malformed'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'install_uninstalled'
  /** An OAuth refresh token or authorization code presented as an API key. */
  | 'not_an_api_key';

interface PrincipalBase {
  /** The key's id (`key_…`). */
  readonly key: string;
  readonly livemode: boolean;
  /** The account the key belongs to: the account, the app's developer, or the installing account. */
  readonly account: string;
  /** When the key stops working (unix seconds), or null; a cached principal must not outlive it. */
  readonly expiresAt: number | null;
}

/** An account's secret key: full access to the account's own data. */
export interface AccountPrincipal extends PrincipalBase {
  readonly type: 'account';
}

/** A platform app's secret key: acts on accounts that installed the app (see {@link resolvePlatformInstall}). */
export interface AppPrincipal extends PrincipalBase {
  readonly type: 'app';
  readonly app: string;
}

/** An install key (or a platform app acting on one account): limited to `permissions`. */
export interface InstallPrincipal extends PrincipalBase {
  readonly type: 'install';
  readonly install: string;
  readonly app: string;
  /** The effective set: closure(granted), intersected with closure(narrowing) for a narrowed key. */
  readonly permissions: PermissionSet;
  readonly granted: readonly string[];
  readonly narrowedTo: readonly string[] | null;
  /** Permissions the app requests that await an admin's approval (not in `permissions`). */
  readonly pending: readonly string[];
  /** Shadow mode: the gateway forwards what it would deny and logs it as `shadow_denied`. */
  readonly shadowMode: boolean;
  /** Set when the credential is an OAuth access token (`at_…`): `key` is then the token's id. */
  readonly oauth?: true;
}

/** Who an authenticated key acts as. */
export type Principal = AccountPrincipal | AppPrincipal | InstallPrincipal;

/** The result of {@link authenticateKey}: a principal, or why the key was refused. */
export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      readonly reason: AuthFailureReason;
      /** For the caller: names the key only in masked form. */
      readonly message: string;
      /** The presented key, masked. */
      readonly redacted: string;
    };

function failure(reason: AuthFailureReason, secret: string): AuthResult {
  const redacted = maskKey(secret);
  const type = parseSecret(secret)?.type;
  const what = type === 'at' ? 'OAuth access token' : 'API key';
  const messages: Record<AuthFailureReason, string> = {
    malformed: `invalid API key provided: \`${redacted}\` is not a well-formed key`,
    unknown: `invalid ${what} provided: \`${redacted}\``,
    revoked: `the ${what} \`${redacted}\` has been revoked`,
    expired:
      type === 'at'
        ? `the OAuth access token \`${redacted}\` has expired: get a new one with the refresh token (POST /v1/oauth/token, grant_type=refresh_token)`
        : `the API key \`${redacted}\` has expired`,
    install_uninstalled: `the ${what} \`${redacted}\` belongs to an app install that was uninstalled`,
    not_an_api_key:
      type === 'rt'
        ? `\`${redacted}\` is an OAuth refresh token, not an API key: exchange it for an access token (POST /v1/oauth/token, grant_type=refresh_token)`
        : `\`${redacted}\` is an OAuth authorization code, not an API key: exchange it for an access token (POST /v1/oauth/token, grant_type=authorization_code)`,
  };
  return { ok: false, reason, message: messages[reason], redacted };
}

/**
 * Who a secret authenticates as, or why it does not. A malformed key (wrong shape or checksum)
 * is refused without touching the store; a bad key never throws; a store failure does (fail
 * closed). The hash comparison is constant-time.
 * @example
 * const result = await authenticateKey(domain, bearerToken);
 * if (!result.ok) return deny(401, result.message);
 * if (result.principal.type === 'install') decide(result.principal.permissions, requirement);
 */
export async function authenticateKey(
  domain: Domain,
  secret: string,
  options: { readonly now?: number } = {},
): Promise<AuthResult> {
  const parsed = typeof secret === 'string' ? parseSecret(secret) : undefined;
  if (parsed === undefined) return failure('malformed', typeof secret === 'string' ? secret : '');
  if (parsed.type === 'rt' || parsed.type === 'ac') return failure('not_an_api_key', secret);
  const hash = hashSecret(secret);
  const seconds = Math.floor((options.now ?? domain.clock()) / 1000);
  if (parsed.type === 'at') {
    return domain.store.transaction((tx) => authenticateAccessToken(domain, tx, secret, hash, seconds), {
      readOnly: true,
    });
  }
  return domain.store.transaction(
    async (tx) => {
      const row = await tx.getKeyBySecretHash(hash);
      if (
        row === undefined ||
        !hashesMatch(row.secret_hash, hash) ||
        secretTypeOf(row.kind) !== parsed.type ||
        row.mode !== parsed.mode
      ) {
        return failure('unknown', secret);
      }
      if (row.revoked !== null) {
        if (row.install_id !== null && (await tx.getInstall(row.install_id))?.status !== 'installed') {
          return failure('install_uninstalled', secret);
        }
        return failure('revoked', secret);
      }
      if (row.expires_at !== null && seconds >= row.expires_at) return failure('expired', secret);
      const base = {
        key: row.id,
        livemode: row.mode === 'live',
        account: row.account_id,
        expiresAt: row.expires_at,
      };
      if (row.kind === 'account') return { ok: true, principal: { type: 'account', ...base } };
      if (row.kind === 'app') return { ok: true, principal: { type: 'app', app: row.app_id!, ...base } };
      const install = row.install_id === null ? undefined : await tx.getInstall(row.install_id);
      if (install === undefined) return failure('unknown', secret);
      if (install.status !== 'installed') return failure('install_uninstalled', secret);
      const narrowedTo = row.permissions === null ? null : parseNames(row.permissions);
      return { ok: true, principal: installPrincipal(domain, install, base, narrowedTo) };
    },
    { readOnly: true },
  );
}

/**
 * An OAuth access token (`at_…`, docs/oauth.md): an install principal like an install key's,
 * while the token is unexpired and unrevoked, its family (grant) unrevoked and the install
 * installed. `key` is the token's id; `expiresAt` its expiry (a cached principal never outlives
 * it).
 */
async function authenticateAccessToken(
  domain: Domain,
  tx: StoreTransaction,
  secret: string,
  hash: string,
  seconds: number,
): Promise<AuthResult> {
  const token = await tx.getOAuthTokenByHash(hash);
  if (token === undefined || token.kind !== 'access' || !hashesMatch(token.token_hash, hash)) {
    return failure('unknown', secret);
  }
  const grant = await tx.getOAuthGrant(token.grant_id);
  if (grant === undefined || grant.mode !== (secret.startsWith('at_live_') ? 'live' : 'test')) {
    return failure('unknown', secret);
  }
  const install = await tx.getInstall(grant.install_id);
  if (install === undefined) return failure('unknown', secret);
  if (install.status !== 'installed') return failure('install_uninstalled', secret);
  if (grant.revoked !== null || token.revoked !== null) return failure('revoked', secret);
  if (seconds >= token.expires_at) return failure('expired', secret);
  const base = {
    key: token.id,
    livemode: grant.mode === 'live',
    account: install.account_id,
    expiresAt: token.expires_at,
  };
  return { ok: true, principal: { ...installPrincipal(domain, install, base, null), oauth: true } };
}

/**
 * What a platform app may do on one account: the install of `principal.app` on `account` in
 * the key's mode, as an install principal, or undefined when the app is not installed there.
 * @example
 * const scoped = await resolvePlatformInstall(domain, principal, request.headers['stripe-account']);
 */
export async function resolvePlatformInstall(
  domain: Domain,
  principal: AppPrincipal,
  account: string,
): Promise<InstallPrincipal | undefined> {
  const mode: Mode = principal.livemode ? 'live' : 'test';
  const install = await domain.store.transaction((tx) => tx.findActiveInstall(principal.app, account, mode), {
    readOnly: true,
  });
  if (install === undefined) return undefined;
  const base = {
    key: principal.key,
    livemode: principal.livemode,
    account: install.account_id,
    expiresAt: principal.expiresAt,
  };
  return installPrincipal(domain, install, base, null);
}

/**
 * What a credential acting for `install` may do: closure(granted), narrowed to
 * closure(`narrowedTo`) for a narrowed key, with the pending permissions and shadow mode.
 */
function installPrincipal(
  domain: Domain,
  install: InstallRow,
  base: PrincipalBase,
  narrowedTo: readonly string[] | null,
): InstallPrincipal {
  const granted = parseNames(install.permissions_granted);
  let permissions = domain.catalog.closure(granted);
  if (narrowedTo !== null) permissions = permissions.intersection(domain.catalog.closure(narrowedTo));
  return {
    type: 'install',
    ...base,
    install: install.id,
    app: install.app_id,
    permissions,
    granted,
    narrowedTo,
    pending: parseNames(install.permissions_pending),
    shadowMode: install.shadow_mode === true,
  };
}

/**
 * The admin actor for an account secret key's principal. Install keys and app keys cannot
 * manage apps, installs or keys.
 * @example
 * const actor = actorFromPrincipal(result.principal); // throws ERR_FORBIDDEN for an rk_ key
 */
export function actorFromPrincipal(principal: Principal): Actor {
  if (principal.type === 'account') {
    return {
      type: 'account_key',
      account: principal.account,
      key: principal.key,
      livemode: principal.livemode,
    };
  }
  throw new DomainError(
    'ERR_FORBIDDEN',
    principal.type === 'install'
      ? "a restricted key (`rk_…`) cannot manage apps, installs or keys: use the account's secret key (`sk_…`)"
      : "an app secret key cannot manage apps, installs or keys: use the account's secret key (`sk_…`)",
  );
}

import type { AppSecretRow, AppSecretScopeType, InstallRow, Mode, StoreTransaction } from '../store/store.js';
import { type Actor, administers, OPERATOR, requireSameMode } from './actor.js';
import type { Domain } from './context.js';
import type { DataKey, DataKeyring } from './data-keys.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import { type Flow, readFlow, writeFlow } from './flow.js';
import { newId } from './ids.js';
import { reencryptWebhookSecrets } from './webhooks.js';

/**
 * The Secret Store (`apps.secret`, Stripe's Secret Store API): credentials an app keeps — a
 * third-party API key, a per-user OAuth token — per installing account and mode, owned by the
 * app's developer (a developer's apps share their secrets, as Stripe allows; nobody else's app
 * ever sees them), scoped to the whole account or to one of its dashboard users, each named
 * uniquely within its scope. Payloads are stored only as AES-256-GCM ciphertext under a data
 * key the operator holds ({@link DataKeyring}); the audit log records names and scopes, never
 * a payload. A secret past its `expires_at` is gone.
 */

/** The most characters a secret's name may have (Stripe's `maxLength`). */
export const SECRET_NAME_MAX_LENGTH = 5000;
/** The most characters a secret's payload may have (Stripe's `maxLength`). */
export const SECRET_PAYLOAD_MAX_LENGTH = 5000;
/** The most secrets one scope holds ("A maximum of 10 Secrets" per scope, Stripe's docs). */
export const SECRETS_PER_SCOPE = 10;

/** Who may read a secret besides the app's backend: every dashboard user, or one. */
export type AppSecretScope =
  | { readonly type: 'account' }
  | { readonly type: 'user' /** `usr_…` */; readonly user: string };

/** Stripe's `apps.secret`. `payload` only where asked for; `deleted` only on a deletion. */
export interface AppSecret {
  readonly id: string;
  readonly object: 'apps.secret';
  readonly created: number;
  readonly expires_at: number | null;
  readonly livemode: boolean;
  readonly name: string;
  readonly scope: AppSecretScope;
  readonly payload?: string;
  readonly deleted?: true;
}

/** A secret as an account's admins see it (the dashboard): who set it and when, never its payload. */
export interface AppSecretSummary {
  readonly id: string;
  readonly name: string;
  readonly scope: AppSecretScope;
  /** The app that set it last (one of the developer's apps). */
  readonly app: string;
  readonly created: number;
  readonly updated: number;
  readonly expires_at: number | null;
}

/** The app calling the Secret Store, through one of its installs (the gateway's verdict says). */
export interface SecretCaller {
  readonly app: string;
  readonly install: string;
  /** The installing account. */
  readonly account: string;
  readonly livemode: boolean;
  /** The id of the key it called with (`key_…`), for the audit log. */
  readonly key: string;
}

/** The app as the audit log's actor. */
function appActor(caller: SecretCaller): Actor {
  return {
    type: 'app',
    app: caller.app,
    install: caller.install,
    account: caller.account,
    key: caller.key,
    livemode: caller.livemode,
  };
}

/** Where a caller's secrets live: its developer, the installing account, the mode. */
interface Owner {
  readonly developer: string;
  readonly account: string;
  readonly mode: Mode;
}

/**
 * The owner of a caller's secrets, checked against the store in the caller's transaction: the
 * install is still installed, on that account, in that mode, for that app.
 */
async function ownerOf(tx: StoreTransaction, caller: SecretCaller): Promise<Owner> {
  const mode: Mode = caller.livemode ? 'live' : 'test';
  const install = await tx.getInstall(caller.install);
  const app = install === undefined ? undefined : await tx.getApp(install.app_id);
  if (
    install === undefined ||
    app === undefined ||
    install.status !== 'installed' ||
    install.app_id !== caller.app ||
    install.account_id !== caller.account ||
    install.mode !== mode
  ) {
    throw new DomainError('ERR_INSTALL_INACTIVE', `install \`${caller.install}\` is uninstalled`, {
      param: 'install',
    });
  }
  return { developer: app.owner_account_id, account: caller.account, mode };
}

/** Refuses a `user` scope that names no dashboard user of the account (whoever else's it is). */
async function checkScope(tx: StoreTransaction, account: string, scope: AppSecretScope): Promise<void> {
  if (scope.type !== 'user') return;
  const user = await tx.getUser(scope.user);
  if (user === undefined || user.account_id !== account) throw notFound('user', scope.user, 'scope[user]');
}

/** `scope` as its two columns. */
function scopeColumns(scope: AppSecretScope): { scope_type: AppSecretScopeType; scope_user: string } {
  return scope.type === 'user'
    ? { scope_type: 'user', scope_user: scope.user }
    : { scope_type: 'account', scope_user: '' };
}

function scopeOf(row: AppSecretRow): AppSecretScope {
  return row.scope_type === 'user' ? { type: 'user', user: row.scope_user } : { type: 'account' };
}

/** `account`, or `user usr_…`, for messages. */
function scopeLabel(scope: AppSecretScope): string {
  return scope.type === 'user' ? `user \`${scope.user}\`` : '`account`';
}

/**
 * The additional data sealed with a value: its row's id, owner, mode, scope and name. A
 * ciphertext copied into another row (another app's developer, account, mode, scope or name)
 * does not authenticate there.
 */
export function secretAad(
  row: Pick<
    AppSecretRow,
    'id' | 'developer_account_id' | 'account_id' | 'mode' | 'scope_type' | 'scope_user' | 'name'
  >,
): string {
  return JSON.stringify([
    'appscope.app_secret.v1',
    row.id,
    row.developer_account_id,
    row.account_id,
    row.mode,
    row.scope_type,
    row.scope_user,
    row.name,
  ]);
}

function toAppSecret(row: AppSecretRow, payload?: string): AppSecret {
  return {
    id: row.id,
    object: 'apps.secret',
    created: row.created,
    expires_at: row.expires_at,
    livemode: row.mode === 'live',
    name: row.name,
    scope: scopeOf(row),
    ...(payload === undefined ? {} : { payload }),
  };
}

/** What the audit log keeps of a secret: names and scopes, never the payload. */
function audited(row: AppSecretRow): Record<string, unknown> {
  return {
    id: row.id,
    object: 'apps.secret',
    name: row.name,
    scope: scopeOf(row),
    account: row.account_id,
    developer: row.developer_account_id,
    app: row.app_id,
    livemode: row.mode === 'live',
    expires_at: row.expires_at,
  };
}

/** Characters (code points), as Stripe's `maxLength` counts them. */
function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    throw invalidParameter('name', '`name` must be a non-empty string');
  }
  return withinLimit('name', name, SECRET_NAME_MAX_LENGTH);
}

function checkPayload(payload: unknown): string {
  if (typeof payload !== 'string') throw invalidParameter('payload', '`payload` must be a string');
  return withinLimit('payload', payload, SECRET_PAYLOAD_MAX_LENGTH);
}

/** `value` when it has at most `max` characters; else `ERR_SECRET_LIMIT` naming the field and the limit. */
function withinLimit(field: 'name' | 'payload', value: string, max: number): string {
  const length = characters(value);
  if (length > max) {
    throw new DomainError(
      'ERR_SECRET_LIMIT',
      `\`${field}\` is ${length} characters long: a secret's ${field} may have at most ${max} characters`,
      { param: field },
    );
  }
  return value;
}

function checkScopeShape(scope: AppSecretScope): AppSecretScope {
  if (scope.type === 'account') return { type: 'account' };
  if (scope.type === 'user' && typeof scope.user === 'string' && scope.user !== '') {
    return { type: 'user', user: scope.user };
  }
  throw invalidParameter('scope', '`scope` must be `{type: account}` or `{type: user, user: usr_…}`');
}

/** The rows of one scope (expired ones included: the caller sorts them out). */
function scopeRows(tx: StoreTransaction, owner: Owner, scope: AppSecretScope): Promise<AppSecretRow[]> {
  const { scope_type, scope_user } = scopeColumns(scope);
  return tx.listAppSecrets({
    developerAccountId: owner.developer,
    accountId: owner.account,
    mode: owner.mode,
    scopeType: scope_type,
    scopeUser: scope_user,
  });
}

function live(row: AppSecretRow, seconds: number): boolean {
  return row.expires_at === null || row.expires_at > seconds;
}

/**
 * The key new values are encrypted under: the database's choice, taken in the writing
 * transaction (a rotation changes it first, so nothing is written under the old key after it
 * starts); the ring's primary when none was chosen yet. Fails closed when this process does not
 * hold it.
 */
async function encryptingKey(tx: StoreTransaction, keys: DataKeyring): Promise<DataKey> {
  const id = await tx.getAppSecretKeyId();
  if (id === undefined) {
    await tx.setAppSecretKeyId(keys.primary.id);
    return keys.primary;
  }
  const key = keys.get(id);
  if (key === undefined) throw keyUnavailable(id, keys);
  return key;
}

function keyUnavailable(id: string, keys: DataKeyring): DomainError {
  return new DomainError(
    'ERR_DATA_KEY_UNAVAILABLE',
    `the Secret Store's secrets are encrypted under data key \`${id}\`, which this process does not hold (it holds ${keys.ids.map((k) => `\`${k}\``).join(', ')}): give every process the same key (APPSCOPE_SECRET_KEY or APPSCOPE_SECRET_KEY_FILE)`,
  );
}

/** The plaintext of a stored secret; fails closed (never a wrong value) when it cannot be read. */
function decrypt(row: AppSecretRow, keys: DataKeyring): string {
  const key = keys.get(row.key_id);
  if (key === undefined) throw keyUnavailable(row.key_id, keys);
  const payload = key.open(row, secretAad(row));
  if (payload === undefined) {
    throw new DomainError(
      'ERR_SECRET_UNREADABLE',
      `secret \`${row.id}\` does not decrypt under data key \`${row.key_id}\`: its stored value was altered or copied from another secret`,
    );
  }
  return payload;
}

/** Input of {@link setAppSecret}. */
export interface SetAppSecretInput {
  readonly caller: SecretCaller;
  readonly name: string;
  readonly payload: string;
  readonly scope: AppSecretScope;
  /** Unix seconds, in the future; null or absent: never expires. */
  readonly expiresAt?: number | null;
}

/**
 * Creates or replaces a secret (`POST /v1/apps/secrets`). Replacing keeps its id and
 * `created`; a new name in a scope already holding {@link SECRETS_PER_SCOPE} secrets is refused
 * (`ERR_SECRET_LIMIT`), as is a name or payload over 5,000 characters. Audited as
 * `app_secret.created` or `app_secret.updated` (name and scope only).
 * @example
 * const secret = await setAppSecret(domain, keys, { caller, name: 'crm_api_key', payload: 'k_…', scope: { type: 'account' } });
 */
export async function setAppSecret(
  domain: Domain,
  keys: DataKeyring,
  input: SetAppSecretInput,
): Promise<AppSecret> {
  const name = checkName(input.name);
  const payload = checkPayload(input.payload);
  const scope = checkScopeShape(input.scope);
  const expiresAt = input.expiresAt ?? null;
  return writeFlow(
    domain,
    appActor(input.caller),
    async (flow) => {
      const { tx, seconds } = flow;
      if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= seconds)) {
        throw invalidParameter(
          'expires_at',
          `\`expires_at\` (${String(expiresAt)}) must be a unix time in the future, in seconds`,
        );
      }
      const owner = await ownerOf(tx, input.caller);
      await checkScope(tx, owner.account, scope);
      const rows = await scopeRows(tx, owner, scope);
      const expired = rows.filter((row) => !live(row, seconds));
      if (expired.length > 0) await tx.deleteAppSecrets(expired.map((row) => row.id)); // gone already
      const current = rows.filter((row) => live(row, seconds));
      const existing = current.find((row) => row.name === name);
      const key = await encryptingKey(tx, keys);
      if (existing !== undefined) {
        const row: AppSecretRow = {
          ...existing,
          app_id: input.caller.app,
          key_id: key.id,
          ...key.seal(payload, secretAad(existing)),
          updated: seconds,
          expires_at: expiresAt,
        };
        await tx.updateAppSecret(row.id, {
          app_id: row.app_id,
          key_id: row.key_id,
          nonce: row.nonce,
          ciphertext: row.ciphertext,
          updated: row.updated,
          expires_at: row.expires_at,
        });
        await flow.audit({
          action: 'app_secret.updated',
          target: { type: 'app_secret', id: row.id },
          before: audited(existing),
          after: audited(row),
        });
        return toAppSecret(row);
      }
      if (current.length >= SECRETS_PER_SCOPE) {
        throw new DomainError(
          'ERR_SECRET_LIMIT',
          `scope ${scopeLabel(scope)} already holds ${current.length} secrets, the most a scope may hold (${SECRETS_PER_SCOPE}): delete one, or set one of their names again to replace it`,
          { param: 'scope' },
        );
      }
      const id = newId('appsecret');
      const placed = {
        id,
        developer_account_id: owner.developer,
        account_id: owner.account,
        mode: owner.mode,
        ...scopeColumns(scope),
        name,
      };
      const row: AppSecretRow = {
        ...placed,
        app_id: input.caller.app,
        key_id: key.id,
        ...key.seal(payload, secretAad(placed)),
        created: seconds,
        updated: seconds,
        expires_at: expiresAt,
      };
      await tx.insertAppSecret(row);
      await flow.audit({
        action: 'app_secret.created',
        target: { type: 'app_secret', id },
        after: audited(row),
      });
      return toAppSecret(row);
    },
    { role: 'app' },
  );
}

/** The live secret of this name in the caller's scope, or `ERR_NOT_FOUND` (param `name`). */
async function findRow(
  tx: StoreTransaction,
  caller: SecretCaller,
  name: string,
  scope: AppSecretScope,
  seconds: number,
): Promise<AppSecretRow> {
  const owner = await ownerOf(tx, caller);
  await checkScope(tx, owner.account, scope);
  const { scope_type, scope_user } = scopeColumns(scope);
  const [row] = await tx.listAppSecrets({
    developerAccountId: owner.developer,
    accountId: owner.account,
    mode: owner.mode,
    scopeType: scope_type,
    scopeUser: scope_user,
    name,
    liveAt: seconds,
  });
  if (row === undefined) throw notFound('secret', name, 'name');
  return row;
}

/**
 * A secret by name and scope (`GET /v1/apps/secrets/find`, which always asks for the payload),
 * decrypted when `includePayload` (false: only whether it exists, nothing decrypted). Not found (`ERR_NOT_FOUND`) when it does not
 * exist, has expired, or belongs to another developer's app, account or mode: nothing tells
 * them apart.
 * @example
 * const { payload } = await findAppSecret(domain, keys, { caller, name: 'crm_api_key', scope: { type: 'account' }, includePayload: true });
 */
export async function findAppSecret(
  domain: Domain,
  keys: DataKeyring,
  input: {
    readonly caller: SecretCaller;
    readonly name: string;
    readonly scope: AppSecretScope;
    readonly includePayload: boolean;
  },
): Promise<AppSecret> {
  const name = checkName(input.name);
  const scope = checkScopeShape(input.scope);
  return readFlow(domain, async (tx, seconds) => {
    const row = await findRow(tx, input.caller, name, scope, seconds);
    return toAppSecret(row, input.includePayload ? decrypt(row, keys) : undefined);
  });
}

/** Input of {@link listAppSecrets}: Stripe's list parameters. */
export interface ListAppSecretsInput {
  readonly caller: SecretCaller;
  readonly scope: AppSecretScope;
  /** 1–100, default 10. */
  readonly limit?: number;
  /** A secret id: the secrets listed after it. */
  readonly startingAfter?: string;
  /** A secret id: the secrets listed before it. */
  readonly endingBefore?: string;
}

/**
 * The secrets of one scope, newest first, without payloads (`GET /v1/apps/secrets`), with
 * Stripe's `limit`, `starting_after` and `ending_before`.
 * @example
 * const { data, has_more } = await listAppSecrets(domain, { caller, scope: { type: 'account' } });
 */
export async function listAppSecrets(
  domain: Domain,
  input: ListAppSecretsInput,
): Promise<{ data: AppSecret[]; has_more: boolean }> {
  const scope = checkScopeShape(input.scope);
  const limit = input.limit ?? 10;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100) {
    throw invalidParameter('limit', '`limit` must be an integer from 1 to 100');
  }
  if (input.startingAfter !== undefined && input.endingBefore !== undefined) {
    throw invalidParameter('ending_before', 'give one of `starting_after` and `ending_before`, not both');
  }
  return readFlow(domain, async (tx, seconds) => {
    const owner = await ownerOf(tx, input.caller);
    await checkScope(tx, owner.account, scope);
    const rows = (await scopeRows(tx, owner, scope))
      .filter((row) => live(row, seconds))
      .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const cursor = input.startingAfter ?? input.endingBefore;
    let page: AppSecretRow[];
    let hasMore: boolean;
    if (cursor === undefined) {
      page = rows.slice(0, limit);
      hasMore = rows.length > limit;
    } else {
      const at = rows.findIndex((row) => row.id === cursor);
      if (at < 0) {
        throw notFound(
          'secret',
          cursor,
          input.startingAfter !== undefined ? 'starting_after' : 'ending_before',
        );
      }
      const side = input.startingAfter !== undefined ? rows.slice(at + 1) : rows.slice(0, at);
      page = input.startingAfter !== undefined ? side.slice(0, limit) : side.slice(-limit);
      hasMore = side.length > limit;
    }
    return { data: page.map((row) => toAppSecret(row)), has_more: hasMore };
  });
}

/**
 * Deletes a secret by name and scope (`POST /v1/apps/secrets/delete`); returns it with
 * `deleted: true`. Audited as `app_secret.deleted`.
 * @example
 * await deleteAppSecret(domain, { caller, name: 'crm_api_key', scope: { type: 'account' } });
 */
export async function deleteAppSecret(
  domain: Domain,
  input: { readonly caller: SecretCaller; readonly name: string; readonly scope: AppSecretScope },
): Promise<AppSecret> {
  const name = checkName(input.name);
  const scope = checkScopeShape(input.scope);
  return writeFlow(
    domain,
    appActor(input.caller),
    async (flow) => {
      const row = await findRow(flow.tx, input.caller, name, scope, flow.seconds);
      await removeRow(flow, row);
      return { ...toAppSecret(row), deleted: true as const };
    },
    { role: 'app' },
  );
}

async function removeRow(flow: Flow, row: AppSecretRow, reason?: string): Promise<void> {
  await flow.tx.deleteAppSecrets([row.id]);
  await flow.audit({
    action: 'app_secret.deleted',
    target: { type: 'app_secret', id: row.id },
    before: reason === undefined ? audited(row) : { ...audited(row), reason },
  });
}

// ---------------------------------------------------------------------------------------------
// Admins: an install's secrets on the dashboard

/** The install, as `actor` may see it, and the developer whose secrets it holds. */
async function installOwner(tx: StoreTransaction, actor: Actor, id: string): Promise<Owner> {
  const install = await tx.getInstall(id);
  if (install === undefined || !administers(actor, install.account_id))
    throw notFound('install', id, 'install');
  requireSameMode(actor, install.mode, 'install', id);
  const app = await tx.getApp(install.app_id);
  if (app === undefined) throw notFound('install', id, 'install');
  return { developer: app.owner_account_id, account: install.account_id, mode: install.mode };
}

function summary(row: AppSecretRow): AppSecretSummary {
  return {
    id: row.id,
    name: row.name,
    scope: scopeOf(row),
    app: row.app_id,
    created: row.created,
    updated: row.updated,
    expires_at: row.expires_at,
  };
}

/**
 * The secrets an install's app keeps on its account (the developer's, shared by the
 * developer's apps installed there): names, scopes and times, never payloads. Account scope
 * first, then by user, then by name.
 * @example
 * const secrets = await listInstallSecrets(domain, { actor, install: 'appinst_…' });
 */
export async function listInstallSecrets(
  domain: Domain,
  input: { readonly actor: Actor; readonly install: string },
): Promise<AppSecretSummary[]> {
  return readFlow(domain, async (tx, seconds) => {
    const owner = await installOwner(tx, input.actor, input.install);
    const rows = await tx.listAppSecrets({
      developerAccountId: owner.developer,
      accountId: owner.account,
      mode: owner.mode,
      liveAt: seconds,
    });
    const order = (row: AppSecretRow) => [row.scope_type === 'account' ? 0 : 1, row.scope_user, row.name];
    return rows
      .sort((a, b) => {
        const [x, y] = [order(a), order(b)];
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
        return 0;
      })
      .map(summary);
  });
}

/**
 * Deletes one of an install's secrets (an admin of the account, on the dashboard). Not found
 * for a secret of another developer, account or mode.
 * @example
 * await deleteInstallSecret(domain, { actor, install: 'appinst_…', secret: 'appsecret_…' });
 */
export async function deleteInstallSecret(
  domain: Domain,
  input: { readonly actor: Actor; readonly install: string; readonly secret: string },
): Promise<AppSecretSummary> {
  return writeFlow(domain, input.actor, async (flow) => {
    const owner = await installOwner(flow.tx, input.actor, input.install);
    const row = await flow.tx.getAppSecret(input.secret);
    if (
      row === undefined ||
      row.developer_account_id !== owner.developer ||
      row.account_id !== owner.account ||
      row.mode !== owner.mode ||
      !live(row, flow.seconds)
    ) {
      throw notFound('secret', input.secret, 'secret');
    }
    await removeRow(flow, row);
    return summary(row);
  });
}

/**
 * Inside an uninstall's flow: deletes the secrets the app kept on the account in the install's
 * mode — unless another app of the same developer is still installed there (they share them).
 * Each deletion is audited with the reason. Returns the ids deleted.
 */
export async function deleteSecretsOfUninstall(flow: Flow, install: InstallRow): Promise<string[]> {
  const { tx } = flow;
  const app = await tx.getApp(install.app_id);
  if (app === undefined) return [];
  const developer = app.owner_account_id;
  const others = await tx.listInstalls({
    accountId: install.account_id,
    mode: install.mode,
    status: 'installed',
  });
  for (const other of others) {
    if (other.id === install.id) continue;
    if ((await tx.getApp(other.app_id))?.owner_account_id === developer) return [];
  }
  const rows = await tx.listAppSecrets({
    developerAccountId: developer,
    accountId: install.account_id,
    mode: install.mode,
  });
  for (const row of rows) await removeRow(flow, row, 'install.uninstalled');
  return rows.map((row) => row.id);
}

// ---------------------------------------------------------------------------------------------
// Operators: expiry, key status, rotation

/** Deletes every expired secret (housekeeping; expired secrets are already invisible). */
export async function pruneExpiredAppSecrets(domain: Domain): Promise<number> {
  return domain.store.transaction((tx) => tx.deleteExpiredAppSecrets(Math.floor(domain.clock() / 1000)));
}

/** Which data keys the stored secrets need, and whether a keyring holds them. */
export interface DataKeyStatus {
  /** The key new values are encrypted under, once one was chosen. */
  readonly current: string | undefined;
  /** Secret Store values per data key. */
  readonly secrets: readonly { readonly keyId: string; readonly count: number; readonly held: boolean }[];
  /** Webhook signing secrets per data key (sealed under the same keys: src/domain/webhooks.ts). */
  readonly webhookSecrets: readonly {
    readonly keyId: string;
    readonly count: number;
    readonly held: boolean;
  }[];
  /** Keys the store needs that the keyring lacks (the current key included). */
  readonly missing: readonly string[];
}

/**
 * What the stored secrets need from a keyring: `appscope serve` warns at start-up when keys are
 * missing (such secrets cannot be read, and none can be written if the current one is missing).
 */
export async function dataKeyStatus(domain: Domain, keys: DataKeyring): Promise<DataKeyStatus> {
  return domain.store.transaction(
    async (tx) => {
      const current = await tx.getAppSecretKeyId();
      const held = (entry: { keyId: string; count: number }) => ({
        ...entry,
        held: keys.get(entry.keyId) !== undefined,
      });
      const secrets = (await tx.countAppSecretsByKey()).map(held);
      const webhookSecrets = (await tx.countWebhookSecretsByKey()).map(held);
      const missing = new Set(
        [...secrets, ...webhookSecrets].filter((entry) => !entry.held).map((entry) => entry.keyId),
      );
      if (current !== undefined && keys.get(current) === undefined) missing.add(current);
      return { current, secrets, webhookSecrets, missing: [...missing].sort() };
    },
    { readOnly: true },
  );
}

/** Input of {@link rotateDataKey}. */
export interface RotateDataKeyInput {
  /** The key every secret moves to; it must be in `keys`. Default: the keyring's primary. */
  readonly target?: DataKey;
  /**
   * Delete secrets that cannot be decrypted (their key is lost, or their value was altered)
   * instead of stopping: each deletion is audited. Default false: nothing changes when one is
   * unreadable (`ERR_SECRET_UNREADABLE`).
   */
  readonly discardUnreadable?: boolean;
  /** Secrets re-encrypted per transaction (default 100). */
  readonly batchSize?: number;
  readonly actor?: Actor;
}

/** What {@link rotateDataKey} did. */
export interface RotationResult {
  /** The key every secret is encrypted under now. */
  readonly to: string;
  /** The keys secrets were moved off. */
  readonly from: readonly string[];
  readonly reencrypted: number;
  /** Unreadable secrets deleted (only with `discardUnreadable`). */
  readonly discarded: number;
}

/**
 * Re-encrypts every secret under one data key (a key rotation): first the database is told
 * that new values use the target key (so nothing is written under an old key from then on),
 * then every secret under another key is decrypted and sealed again with a fresh nonce, in
 * batches, until none is left. Before anything changes, every such secret is checked to be
 * readable. Audited once, as `secret_store.key_rotated`.
 * @example
 * const result = await rotateDataKey(domain, new DataKeyring([next, previous]));
 * result.reencrypted; // 42
 */
export async function rotateDataKey(
  domain: Domain,
  keys: DataKeyring,
  input: RotateDataKeyInput = {},
): Promise<RotationResult> {
  const target = input.target ?? keys.primary;
  if (keys.get(target.id) !== target) throw new RangeError('the target key must be in the keyring');
  const actor = input.actor ?? OPERATOR;
  const batchSize = input.batchSize ?? 100;
  const discard = input.discardUnreadable === true;

  // every secret to move must be readable, before anything changes
  const unreadable: AppSecretRow[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await domain.store.transaction(
      (tx) =>
        tx.listAppSecrets({
          keyIdNot: target.id,
          limit: 500,
          ...(after === undefined ? {} : { afterId: after }),
        }),
      { readOnly: true },
    );
    for (const row of page) if (readable(row, keys) === undefined) unreadable.push(row);
    if (page.length < 500) break;
    after = page.at(-1)!.id;
  }
  if (unreadable.length > 0 && !discard) {
    const lost = [...new Set(unreadable.map((row) => row.key_id))].sort();
    throw new DomainError(
      'ERR_SECRET_UNREADABLE',
      `${unreadable.length} secret${unreadable.length === 1 ? '' : 's'} cannot be decrypted (data key${lost.length === 1 ? '' : 's'} ${lost.map((k) => `\`${k}\``).join(', ')} not held, or values altered), e.g. \`${unreadable[0]!.id}\`: give the missing keys, or discard those secrets (--discard-unreadable)`,
    );
  }

  const from = new Set<string>();
  let reencrypted = 0;
  let discarded = 0;
  await writeFlow(domain, actor, async (flow) => flow.tx.setAppSecretKeyId(target.id));
  for (;;) {
    const moved = await writeFlow(domain, actor, async (flow) => {
      const rows = await flow.tx.listAppSecrets({ keyIdNot: target.id, limit: batchSize });
      for (const row of rows) {
        from.add(row.key_id);
        const payload = readable(row, keys);
        if (payload === undefined) {
          if (!discard) throw decryptionFailed(row);
          await removeRow(flow, row, 'unreadable');
          discarded++;
          continue;
        }
        await flow.tx.updateAppSecret(row.id, { key_id: target.id, ...target.seal(payload, secretAad(row)) });
        reencrypted++;
      }
      return rows.length;
    });
    if (moved === 0) break;
  }
  // webhook signing secrets are sealed under the same keys (src/domain/webhooks.ts)
  await reencryptWebhookSecrets(domain, keys, target, actor);
  const result: RotationResult = { to: target.id, from: [...from].sort(), reencrypted, discarded };
  await writeFlow(domain, actor, (flow) =>
    flow.audit({
      action: 'secret_store.key_rotated',
      target: { type: 'data_key', id: target.id },
      after: { ...result },
    }),
  );
  return result;
}

function readable(row: AppSecretRow, keys: DataKeyring): string | undefined {
  return keys.get(row.key_id)?.open(row, secretAad(row));
}

function decryptionFailed(row: AppSecretRow): DomainError {
  return new DomainError(
    'ERR_SECRET_UNREADABLE',
    `secret \`${row.id}\` does not decrypt under data key \`${row.key_id}\``,
  );
}

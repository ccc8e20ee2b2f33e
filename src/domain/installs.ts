import { pendingAfterUpgrade } from '../core/manifest/diff.js';
import type { AppRow, InstallRow, InstallStatus, Mode, StoreTransaction, TimeRange } from '../store/store.js';
import { type Actor, accountFor, actorLabel, administers, modeFor, requireSameMode } from './actor.js';
import { deleteSecretsOfUninstall } from './app-secrets.js';
import type { Domain } from './context.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import type { Application } from './events.js';
import { type Flow, readFlow, writeFlow } from './flow.js';
import { newId } from './ids.js';
import { issueKey, revokeInstallKeys } from './keys.js';
import { revokeInstallGrants } from './oauth-grants.js';
import { type CreatedKey, type Install, namesJson, parseNames, sortedUnique, toInstall } from './objects.js';

/**
 * Installs (`appinst_…`): one app on one account in one mode. Installing grants exactly what
 * the current version requests (all or nothing); a release that asks for more leaves the extra
 * permissions pending until an admin reauthorizes; uninstalling ends the grant, every key and
 * the app's secrets.
 */

function application(app: AppRow): Application {
  return { id: app.id, object: 'application', name: app.name };
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const left = sortedUnique(a);
  const right = sortedUnique(b);
  return left.length === right.length && left.every((name, i) => name === right[i]);
}

/** The requested permission names of an app's current version. */
async function currentRequest(tx: StoreTransaction, app: AppRow): Promise<string[] | undefined> {
  if (app.current_version === null) return undefined;
  const version = await tx.getAppVersion(app.id, app.current_version);
  return version === undefined ? undefined : parseNames(version.permissions);
}

/** An install the actor administers, in the actor's mode (not found for another account's). */
export async function loadInstall(tx: StoreTransaction, actor: Actor, id: string): Promise<InstallRow> {
  const row = await tx.getInstall(id);
  if (row === undefined || !administers(actor, row.account_id)) throw notFound('install', id, 'install');
  requireSameMode(actor, row.mode, 'install', id);
  return row;
}

function requireInstalled(row: InstallRow): void {
  if (row.status !== 'installed') {
    throw new DomainError('ERR_INSTALL_INACTIVE', `install \`${row.id}\` is uninstalled`, {
      param: 'install',
    });
  }
}

/** Input of {@link installApp}. */
export interface InstallAppInput {
  readonly actor: Actor;
  /** The app id (the manifest `id`). */
  readonly app: string;
  /** Operators name the installing account; an account key installs on its own. */
  readonly account?: string;
  /** Operators choose (default `test`); an account key installs in its own mode. */
  readonly mode?: Mode;
  /**
   * The permissions the admin was shown. When given and the current version now requests
   * something else, the install is refused (`ERR_CONSENT_STALE`) instead of granting unseen access.
   */
  readonly expectedPermissions?: readonly string[];
}

/** The new install and, for restricted-key apps, its first key. */
export interface InstallAppResult {
  readonly install: Install;
  /** The first `rk_…` key, for restricted-key apps only: shown this once. */
  readonly key?: CreatedKey;
}

/**
 * Installs the current version of an app: grants exactly what it requests.
 * @example
 * const { install, key } = await installApp(domain, { actor, app: 'com.example.crm-sync' });
 * install.permissions_granted; // ['customer_read', …]
 * key?.secret; // 'rk_test_…' for a restricted-key app
 */
export async function installApp(domain: Domain, input: InstallAppInput): Promise<InstallAppResult> {
  const account = accountFor(input.actor, input.account, () => notFound('account', input.account ?? ''));
  const mode = modeFor(input.actor, input.mode);
  return writeFlow(domain, input.actor, (flow) =>
    installInFlow(flow, {
      app: input.app,
      account,
      mode,
      ...(input.expectedPermissions === undefined ? {} : { expectedPermissions: input.expectedPermissions }),
    }),
  );
}

/**
 * {@link installApp} inside a flow the caller runs (an OAuth approval installs and issues its
 * code in one transaction). The caller has checked that the flow's actor administers `account`.
 */
export async function installInFlow(
  flow: Flow,
  input: {
    readonly app: string;
    readonly account: string;
    readonly mode: Mode;
    readonly expectedPermissions?: readonly string[];
  },
): Promise<InstallAppResult> {
  const { tx } = flow;
  const { account, mode } = input;
  if ((await tx.getAccount(account)) === undefined) throw notFound('account', account, 'account');
  const app = await tx.getApp(input.app);
  if (app === undefined || (app.distribution_type === 'private' && app.owner_account_id !== account)) {
    throw notFound('app', input.app, 'app');
  }
  const requested = await currentRequest(tx, app);
  if (requested === undefined) {
    throw new DomainError('ERR_APP_NOT_RELEASED', `app \`${app.id}\` has no released version to install`, {
      param: 'app',
    });
  }
  if (input.expectedPermissions !== undefined && !sameNames(input.expectedPermissions, requested)) {
    throw new DomainError(
      'ERR_CONSENT_STALE',
      `app \`${app.id}\` now requests ${list(requested)}, not what was reviewed: review the request again`,
      { param: 'app' },
    );
  }
  const existing = await tx.findActiveInstall(app.id, account, mode);
  if (existing !== undefined) {
    throw new DomainError(
      'ERR_ALREADY_INSTALLED',
      `app \`${app.id}\` is already installed on \`${account}\` in ${mode} mode as \`${existing.id}\``,
      { param: 'app' },
    );
  }
  const row: InstallRow = {
    id: newId('appinst'),
    app_id: app.id,
    account_id: account,
    mode,
    status: 'installed',
    permissions_granted: namesJson(requested),
    permissions_pending: '[]',
    created_by: actorLabel(flow.actor),
    created: flow.seconds,
    updated: flow.seconds,
  };
  await tx.insertInstall(row);
  const install = toInstall(row);
  await flow.audit({ action: 'install.created', target: { type: 'install', id: row.id }, after: install });
  const event = { account, app: app.id, mode } as const;
  await flow.event({ ...event, type: 'apps.install.created', object: install });
  await flow.event({ ...event, type: 'account.application.authorized', object: application(app) });
  flow.notify({ kind: 'install', id: row.id });
  if (app.access_type !== 'restricted_api_key') return { install };
  const key = await issueKey(flow, {
    kind: 'install',
    mode,
    account,
    app: app.id,
    install: row.id,
    permissions: null,
    expiresAt: null,
  });
  return { install, key };
}

/** One install (not found for another account's install). */
export async function getInstall(
  domain: Domain,
  input: { readonly actor: Actor; readonly install: string },
): Promise<Install> {
  return readFlow(domain, async (tx) => toInstall(await loadInstall(tx, input.actor, input.install)));
}

/** Stripe's `GET /v1/apps/installs` filters, for {@link listInstalls}. */
export interface ListInstallsInput {
  readonly actor: Actor;
  readonly account?: string;
  readonly app?: string;
  readonly status?: InstallStatus;
  readonly approvalRequired?: boolean;
  readonly createdBy?: string;
  readonly created?: TimeRange;
  /** Operators only (an account key lists its own mode). */
  readonly mode?: Mode;
  /** 1–100, default 10. */
  readonly limit?: number;
  /** An install id: return installs created before it. */
  readonly startingAfter?: string;
}

/**
 * Installs newest first, with Stripe's filters. A test key lists test installs of its own
 * account, a live key live ones.
 * @example
 * const { data, has_more } = await listInstalls(domain, { actor, approvalRequired: true });
 */
export async function listInstalls(
  domain: Domain,
  input: ListInstallsInput,
): Promise<{ data: Install[]; has_more: boolean }> {
  const actor = input.actor;
  const limit = input.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidParameter('limit', '`limit` must be an integer from 1 to 100');
  }
  const account =
    actor.type !== 'operator'
      ? accountFor(actor, input.account, () => notFound('account', input.account ?? '', 'account'))
      : input.account;
  const mode = actor.type !== 'operator' ? modeFor(actor, input.mode) : input.mode;
  return readFlow(domain, async (tx) => {
    let after: { created: number; id: string } | undefined;
    if (input.startingAfter !== undefined) {
      const cursor = await tx.getInstall(input.startingAfter);
      if (
        cursor === undefined ||
        (account !== undefined && cursor.account_id !== account) ||
        (mode !== undefined && cursor.mode !== mode)
      ) {
        throw notFound('install', input.startingAfter, 'starting_after');
      }
      after = { created: cursor.created, id: cursor.id };
    }
    const rows = await tx.listInstalls({
      ...(account === undefined ? {} : { accountId: account }),
      ...(mode === undefined ? {} : { mode }),
      ...(input.app === undefined ? {} : { appId: input.app }),
      ...(input.status === undefined ? {} : { status: input.status }),
      ...(input.approvalRequired === undefined ? {} : { approvalRequired: input.approvalRequired }),
      ...(input.createdBy === undefined ? {} : { createdBy: input.createdBy }),
      ...(input.created === undefined ? {} : { created: input.created }),
      ...(after === undefined ? {} : { after }),
      limit: limit + 1,
    });
    return { data: rows.slice(0, limit).map(toInstall), has_more: rows.length > limit };
  });
}

/**
 * Approves every pending permission of an install: they join the grant and
 * `approval_required` turns false. Nothing pending: nothing changes.
 * @example
 * const install = await reauthorizeInstall(domain, { actor, install: 'appinst_…', expectedPending: ['charge_read'] });
 */
export async function reauthorizeInstall(
  domain: Domain,
  input: {
    readonly actor: Actor;
    readonly install: string;
    /**
     * The pending permissions the admin reviewed. When given and the pending set is now
     * different (a newer release changed it), nothing is approved (`ERR_CONSENT_STALE`).
     */
    readonly expectedPending?: readonly string[];
  },
): Promise<Install> {
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadInstall(flow.tx, input.actor, input.install);
    return reauthorizeInFlow(flow, row, input.expectedPending);
  });
}

/**
 * {@link reauthorizeInstall} inside a flow the caller runs, on a row it loaded and may
 * administer: grants the pending permissions (checked against `expectedPending` when given).
 */
export async function reauthorizeInFlow(
  flow: Flow,
  row: InstallRow,
  expectedPending: readonly string[] | undefined,
): Promise<Install> {
  requireInstalled(row);
  const pending = parseNames(row.permissions_pending);
  if (expectedPending !== undefined && !sameNames(expectedPending, pending)) {
    throw new DomainError(
      'ERR_CONSENT_STALE',
      `the pending permissions of install \`${row.id}\` are now ${list(pending)}, not what was reviewed: review them again`,
      { param: 'install' },
    );
  }
  if (pending.length === 0) return toInstall(row);
  const before = toInstall(row);
  const patch = {
    permissions_granted: namesJson([...parseNames(row.permissions_granted), ...pending]),
    permissions_pending: '[]',
    updated: flow.seconds,
  };
  await flow.tx.updateInstall(row.id, patch);
  const after = toInstall({ ...row, ...patch });
  await flow.audit({
    action: 'install.reauthorized',
    target: { type: 'install', id: row.id },
    before,
    after,
  });
  const app = await flow.tx.getApp(row.app_id);
  const event = { account: row.account_id, app: row.app_id, mode: row.mode } as const;
  await flow.event({
    ...event,
    type: 'apps.install.updated',
    object: after,
    previousAttributes: changed(before, after),
  });
  await flow.event({
    ...event,
    type: 'apps.install.approved',
    object: after,
    previousAttributes: changed(before, after),
  });
  if (app !== undefined) {
    await flow.event({ ...event, type: 'account.application.authorized', object: application(app) });
  }
  flow.notify({ kind: 'install', id: row.id });
  return after;
}

/**
 * Uninstalls: the grant is gone (no permissions, status `uninstalled`), every key of the
 * install is revoked and the app's secrets on the account in that mode are deleted (unless
 * another app of the same developer, which shares them, is still installed there), all in the
 * same transaction. A reinstall starts with no secrets.
 * @example
 * await uninstallApp(domain, { actor, install: 'appinst_…' });
 */
export async function uninstallApp(
  domain: Domain,
  input: { readonly actor: Actor; readonly install: string },
): Promise<Install> {
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadInstall(flow.tx, input.actor, input.install);
    return uninstallInFlow(flow, row);
  });
}

/**
 * {@link uninstallApp} inside a flow the caller runs, on a row it loaded and may act on (the
 * installing account's admin, or the developer deauthorizing its OAuth app): ends the grant,
 * revokes every key and OAuth token family, deletes the app's secrets.
 */
export async function uninstallInFlow(flow: Flow, row: InstallRow, reason?: string): Promise<Install> {
  requireInstalled(row);
  const before = toInstall(row);
  const patch = {
    status: 'uninstalled' as const,
    permissions_granted: '[]',
    permissions_pending: '[]',
    updated: flow.seconds,
  };
  await flow.tx.updateInstall(row.id, patch);
  const after = toInstall({ ...row, ...patch });
  const revoked = await revokeInstallKeys(flow, row.id);
  const grantsRevoked = await revokeInstallGrants(flow, row.id, 'install.uninstalled');
  const secretsDeleted = await deleteSecretsOfUninstall(flow, row);
  await flow.audit({
    action: 'install.uninstalled',
    target: { type: 'install', id: row.id },
    before,
    after: {
      ...after,
      keys_revoked: revoked,
      ...(grantsRevoked.length === 0 ? {} : { oauth_grants_revoked: grantsRevoked }),
      secrets_deleted: secretsDeleted,
      ...(reason === undefined ? {} : { reason }),
    },
  });
  const app = await flow.tx.getApp(row.app_id);
  const event = { account: row.account_id, app: row.app_id, mode: row.mode } as const;
  await flow.event({ ...event, type: 'apps.install.deleted', object: after });
  if (app !== undefined) {
    await flow.event({ ...event, type: 'account.application.deauthorized', object: application(app) });
  }
  flow.notify({ kind: 'install', id: row.id });
  return after;
}

/**
 * Moves every live install of `app` to a newly released version's request, inside the
 * release's flow: a requested permission covered by the closure of the grant stays granted,
 * the rest become pending, permissions no longer requested leave the grant at once.
 * Returns the installs that changed.
 */
export async function upgradeInstalls(
  flow: Flow,
  app: AppRow,
  requested: readonly string[],
): Promise<Install[]> {
  const changedInstalls: Install[] = [];
  let after: { created: number; id: string } | undefined;
  for (;;) {
    const page = await flow.tx.listInstalls({
      appId: app.id,
      status: 'installed',
      limit: 500,
      ...(after === undefined ? {} : { after }),
    });
    if (page.length === 0) break;
    for (const row of page) {
      const granted = parseNames(row.permissions_granted);
      const pendingBefore = parseNames(row.permissions_pending);
      const { stillGranted, pending } = pendingAfterUpgrade(granted, requested, flow.domain.catalog);
      if (sameNames(granted, stillGranted) && sameNames(pendingBefore, pending)) continue;
      const before = toInstall(row);
      const patch = {
        permissions_granted: namesJson(stillGranted),
        permissions_pending: namesJson(pending),
        updated: flow.seconds,
      };
      await flow.tx.updateInstall(row.id, patch);
      const updated = toInstall({ ...row, ...patch });
      await flow.audit({
        action: 'install.upgraded',
        target: { type: 'install', id: row.id },
        before,
        after: { ...updated, version: app.current_version },
      });
      await flow.event({
        type: 'apps.install.updated',
        account: row.account_id,
        app: app.id,
        mode: row.mode,
        object: updated,
        previousAttributes: changed(before, updated),
      });
      if (pending.length > 0 && !sameNames(pendingBefore, pending)) {
        await flow.event({
          type: 'apps.install.approval_required',
          account: row.account_id,
          app: app.id,
          mode: row.mode,
          object: updated,
          previousAttributes: changed(before, updated),
        });
      }
      flow.notify({ kind: 'install', id: row.id });
      changedInstalls.push(updated);
    }
    const last = page.at(-1)!;
    after = { created: last.created, id: last.id };
  }
  return changedInstalls;
}

/** Stripe's `previous_attributes`: the old values of the fields that changed. */
function changed(before: Install, after: Install): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(before) as (keyof Install)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = before[key];
  }
  return out;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? 'nothing' : names.map((name) => `\`${name}\``).join(', ');
}

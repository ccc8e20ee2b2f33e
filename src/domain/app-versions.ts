import { formatIssues, type Issue } from '../core/issues.js';
import type { Manifest } from '../core/manifest/types.js';
import { parseManifest, validateManifest } from '../core/manifest/validate.js';
import type { AppRow, AppVersionRow } from '../store/store.js';
import { type Actor, accountFor, administers } from './actor.js';
import { canSeeApp } from './apps.js';
import type { Domain } from './context.js';
import { DomainError, notFound } from './domain-error.js';
import { type Flow, readFlow, writeFlow } from './flow.js';
import { upgradeInstalls } from './installs.js';
import {
  type App,
  type AppVersion,
  type Install,
  namesJson,
  parseNames,
  toApp,
  toAppVersion,
} from './objects.js';

/**
 * App versions: validated manifests, immutable, unique per app. Releasing a version makes it
 * current for every install; releases only move forward in upload order.
 */

export interface UploadAppVersionInput {
  readonly actor: Actor;
  /** The manifest: a parsed `stripe-app.json` document, or its text. */
  readonly manifest: unknown;
  /** The developer account (operators); an account key uploads for its own account. */
  readonly account?: string;
  /** Release right away (default true). */
  readonly release?: boolean;
}

/** What an upload stored and what its release changed. */
export interface UploadAppVersionResult {
  readonly app: App;
  readonly version: AppVersion;
  readonly released: boolean;
  /** Installs whose grant or pending set changed because of the release. */
  readonly installsUpdated: readonly Install[];
  /** Validation warnings (the manifest had no errors). */
  readonly warnings: readonly Issue[];
}

/**
 * Uploads a version: validates the manifest (invalid → `ERR_MANIFEST_INVALID` with every issue,
 * nothing stored), registers the app on its first upload, stores the version and releases it
 * unless `release: false` — all in one transaction.
 * @example
 * const { app, version, released } = await uploadAppVersion(domain, { actor, manifest: JSON.parse(text) });
 */
export async function uploadAppVersion(
  domain: Domain,
  input: UploadAppVersionInput,
): Promise<UploadAppVersionResult> {
  const account = accountFor(input.actor, input.account, () =>
    notFound('account', input.account ?? '', 'account'),
  );
  const validation =
    typeof input.manifest === 'string'
      ? parseManifest(input.manifest, domain.catalog)
      : validateManifest(input.manifest, domain.catalog);
  if (!validation.valid || validation.manifest === undefined) {
    const errors = validation.issues.filter((issue) => issue.severity === 'error');
    throw new DomainError(
      'ERR_MANIFEST_INVALID',
      `the manifest is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${formatIssues(validation.issues)}`,
      { param: 'manifest', issues: validation.issues },
    );
  }
  const manifest: Manifest = validation.manifest;
  const accessType = manifest.stripe_api_access_type ?? 'platform';
  const requested = manifest.permissions.map((entry) => entry.permission);
  const release = input.release ?? true;

  return writeFlow(domain, input.actor, async (flow) => {
    const { tx } = flow;
    if ((await tx.getAccount(account)) === undefined) throw notFound('account', account, 'account');
    let app = await tx.getApp(manifest.id);
    if (app === undefined) {
      app = {
        id: manifest.id,
        owner_account_id: account,
        name: manifest.name,
        access_type: accessType,
        distribution_type: manifest.distribution_type ?? 'public',
        current_version: null,
        created: flow.seconds,
        updated: flow.seconds,
      };
      await tx.insertApp(app);
      await flow.audit({ action: 'app.created', target: { type: 'app', id: app.id }, after: toApp(app) });
      flow.notify({ kind: 'app', id: app.id });
    } else if (app.owner_account_id !== account) {
      throw new DomainError(
        'ERR_APP_ID_TAKEN',
        `app id \`${manifest.id}\` belongs to another developer: choose another \`id\``,
        { param: 'manifest.id' },
      );
    } else if (app.access_type !== accessType) {
      throw new DomainError(
        'ERR_ACCESS_TYPE_CHANGED',
        `app \`${app.id}\` uses \`${app.access_type}\` access; a new version cannot change it to \`${accessType}\``,
        { param: 'manifest.stripe_api_access_type' },
      );
    }
    const versions = await tx.listAppVersions(app.id);
    if (versions.some((v) => v.version === manifest.version)) {
      throw new DomainError(
        'ERR_VERSION_EXISTS',
        `app \`${app.id}\` already has version \`${manifest.version}\`: versions are immutable, upload a new version`,
        { param: 'manifest.version' },
      );
    }
    const row: AppVersionRow = {
      app_id: app.id,
      version: manifest.version,
      seq: (versions.at(-1)?.seq ?? 0) + 1,
      manifest: JSON.stringify(manifest),
      permissions: namesJson(requested),
      created: flow.seconds,
      released: null,
    };
    await tx.insertAppVersion(row);
    await flow.audit({
      action: 'app_version.uploaded',
      target: { type: 'app_version', id: `${app.id}@${row.version}` },
      after: { app: app.id, version: row.version, permissions: parseNames(row.permissions), seq: row.seq },
    });
    let installsUpdated: Install[] = [];
    if (release) {
      const result = await releaseInFlow(flow, app, row);
      app = result.app;
      installsUpdated = result.installsUpdated;
    }
    const stored = (await tx.getAppVersion(app.id, row.version)) ?? row;
    return {
      app: toApp(app),
      version: toAppVersion(stored),
      released: release,
      installsUpdated,
      warnings: validation.issues,
    };
  });
}

async function releaseInFlow(
  flow: Flow,
  app: AppRow,
  version: AppVersionRow,
): Promise<{ app: AppRow; installsUpdated: Install[] }> {
  const manifest = JSON.parse(version.manifest) as Manifest;
  const patch = {
    current_version: version.version,
    name: manifest.name,
    distribution_type: manifest.distribution_type ?? 'public',
    updated: flow.seconds,
  } as const;
  await flow.tx.updateApp(app.id, patch);
  if (version.released === null) await flow.tx.setAppVersionReleased(app.id, version.version, flow.seconds);
  const released: AppRow = { ...app, ...patch };
  await flow.audit({
    action: 'app_version.released',
    target: { type: 'app', id: app.id },
    before: toApp(app),
    after: toApp(released),
  });
  flow.notify({ kind: 'app', id: app.id });
  const installsUpdated = await upgradeInstalls(flow, released, parseNames(version.permissions));
  return { app: released, installsUpdated };
}

/**
 * Makes an uploaded version current for every install. Releases move forward only: a version
 * uploaded before the current release cannot be released (upload a new one). Releasing the
 * current version again changes nothing.
 * @example
 * const { installsUpdated } = await releaseAppVersion(domain, { actor, app: 'com.example.crm-sync', version: '1.1.0' });
 */
export async function releaseAppVersion(
  domain: Domain,
  input: { readonly actor: Actor; readonly app: string; readonly version: string },
): Promise<{ app: App; version: AppVersion; installsUpdated: readonly Install[] }> {
  return writeFlow(domain, input.actor, async (flow) => {
    const app = await flow.tx.getApp(input.app);
    if (app === undefined || !administers(input.actor, app.owner_account_id)) {
      throw notFound('app', input.app, 'app');
    }
    const version = await flow.tx.getAppVersion(app.id, input.version);
    if (version === undefined) throw notFound(`version of app \`${app.id}\``, input.version, 'version');
    if (app.current_version === version.version) {
      return { app: toApp(app), version: toAppVersion(version), installsUpdated: [] };
    }
    if (app.current_version !== null) {
      const current = await flow.tx.getAppVersion(app.id, app.current_version);
      if (current !== undefined && version.seq < current.seq) {
        throw new DomainError(
          'ERR_VERSION_NOT_RELEASABLE',
          `version \`${version.version}\` was uploaded before the current release \`${current.version}\`: releases only move forward, upload a new version`,
          { param: 'version' },
        );
      }
    }
    const result = await releaseInFlow(flow, app, version);
    const stored = (await flow.tx.getAppVersion(app.id, version.version)) ?? version;
    return { app: toApp(result.app), version: toAppVersion(stored), installsUpdated: result.installsUpdated };
  });
}

/** Every version of an app in upload order (its developer and operators only). */
export async function listAppVersions(
  domain: Domain,
  input: { readonly actor: Actor; readonly app: string },
): Promise<AppVersion[]> {
  return readFlow(domain, async (tx) => {
    const app = await tx.getApp(input.app);
    if (app === undefined || !administers(input.actor, app.owner_account_id)) {
      throw notFound('app', input.app, 'app');
    }
    return (await tx.listAppVersions(app.id)).map(toAppVersion);
  });
}

/**
 * One version of an app. Other accounts may read the current version of a public app (what an
 * install would grant); everything else is for its developer and operators.
 */
export async function getAppVersion(
  domain: Domain,
  input: { readonly actor: Actor; readonly app: string; readonly version?: string },
): Promise<AppVersion> {
  return readFlow(domain, async (tx) => {
    const app = await tx.getApp(input.app);
    if (app === undefined || !canSeeApp(input.actor, app)) throw notFound('app', input.app, 'app');
    const wanted = input.version ?? app.current_version;
    const developer = administers(input.actor, app.owner_account_id);
    if (wanted === null || (!developer && wanted !== app.current_version)) {
      throw notFound(`version of app \`${app.id}\``, wanted ?? '(current)', 'version');
    }
    const row = await tx.getAppVersion(app.id, wanted);
    if (row === undefined) throw notFound(`version of app \`${app.id}\``, wanted, 'version');
    return toAppVersion(row);
  });
}

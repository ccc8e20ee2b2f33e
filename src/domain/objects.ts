import type { Catalog } from '../core/catalog/catalog.js';
import type { PermissionSet } from '../core/catalog/permission-set.js';
import type { Manifest, ManifestPermission } from '../core/manifest/types.js';
import type {
  AccountRow,
  AppAccessType,
  AppDistributionType,
  AppRow,
  AppVersionRow,
  InstallRow,
  InstallStatus,
  KeyKind,
  KeyRow,
} from '../store/store.js';
import { maskedFromHint, type SecretType } from './secrets.js';

/**
 * The public objects the domain returns (Stripe-shaped: `id`, `object`, unix-second times,
 * `livemode`), and their conversion from store rows.
 */

export interface Account {
  readonly id: string;
  readonly object: 'account';
  readonly name: string;
  readonly created: number;
}

/** An app (`GET /v1/apps/:id` shape). */
export interface App {
  /** The manifest `id`, e.g. `com.example.crm-sync`. */
  readonly id: string;
  readonly object: 'app';
  readonly name: string;
  /** The developer's account. */
  readonly owner: string;
  readonly stripe_api_access_type: AppAccessType;
  readonly distribution_type: AppDistributionType;
  /** The released version every install runs, or null before the first release. */
  readonly current_version: string | null;
  readonly created: number;
}

/** One uploaded, validated, immutable manifest of an app. */
export interface AppVersion {
  readonly object: 'app_version';
  readonly app: string;
  readonly version: string;
  readonly permissions: readonly ManifestPermission[];
  readonly manifest: Manifest;
  readonly created: number;
  /** When it was first released, or null if never. */
  readonly released: number | null;
}

/** An app installed on one account in one mode (Stripe's `apps.install`). */
export interface Install {
  readonly id: string;
  readonly object: 'apps.install';
  readonly account: string;
  readonly app: string;
  readonly status: InstallStatus;
  readonly livemode: boolean;
  /** What an admin approved and the current version still requests (sorted). */
  readonly permissions_granted: readonly string[];
  /** What the current version requests beyond the grant's closure, awaiting an admin (sorted). */
  readonly permissions_pending: readonly string[];
  /** True while permissions are pending: an admin must reauthorize. */
  readonly approval_required: boolean;
  /** appscope: the gateway forwards what it would deny and logs it as `shadow_denied`. */
  readonly shadow_mode: boolean;
  readonly created_by: string;
  readonly created: number;
}

/** Whether a key authenticates right now. */
export type KeyStatus = 'active' | 'expired' | 'revoked';

/** A key as it can be shown after creation: never the secret, only its masked form. */
export interface ApiKey {
  readonly id: string;
  readonly object: 'api_key';
  /** `secret` (`sk_…`) or `restricted` (`rk_…`). */
  readonly type: 'secret' | 'restricted';
  readonly kind: KeyKind;
  readonly livemode: boolean;
  readonly account: string;
  readonly app: string | null;
  readonly install: string | null;
  /** e.g. `rk_test_***…wxyz` */
  readonly redacted: string;
  /** The names the key is narrowed to, or null for the install's whole effective set. */
  readonly permissions: readonly string[] | null;
  readonly status: KeyStatus;
  readonly created: number;
  readonly created_by: string;
  readonly expires_at: number | null;
  readonly revoked: number | null;
  readonly rolled_to: string | null;
}

/**
 * A key just created: the only time its secret is shown. `secret` is one of the
 * `SECRET_FIELDS` (see `redact-secrets.ts`): wherever an answer is kept (an idempotent
 * replay), it becomes `null` with `secret_redacted: true`.
 */
export interface CreatedKey extends ApiKey {
  readonly secret: string;
}

/** Permission names from the JSON text the store keeps. */
export function parseNames(json: string): string[] {
  return JSON.parse(json) as string[];
}

/** Sorted, unique names as the JSON text the store keeps. */
export function namesJson(names: Iterable<string>): string {
  return JSON.stringify(sortedUnique(names));
}

/** Names sorted by code unit, duplicates removed. */
export function sortedUnique(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Row → public object conversions (`toAccount`, `toApp`, `toAppVersion`, `toInstall`, `toKey`). */
export function toAccount(row: AccountRow): Account {
  return { id: row.id, object: 'account', name: row.name, created: row.created };
}

/** A row as the public `app` object. */
export function toApp(row: AppRow): App {
  return {
    id: row.id,
    object: 'app',
    name: row.name,
    owner: row.owner_account_id,
    stripe_api_access_type: row.access_type,
    distribution_type: row.distribution_type,
    current_version: row.current_version,
    created: row.created,
  };
}

/** A row as the public `app_version` object (manifest parsed). */
export function toAppVersion(row: AppVersionRow): AppVersion {
  const manifest = JSON.parse(row.manifest) as Manifest;
  return {
    object: 'app_version',
    app: row.app_id,
    version: row.version,
    permissions: manifest.permissions,
    manifest,
    created: row.created,
    released: row.released,
  };
}

/** A row as Stripe's `apps.install` object; `approval_required` is derived from the pending set. */
export function toInstall(row: InstallRow): Install {
  const pending = parseNames(row.permissions_pending);
  return {
    id: row.id,
    object: 'apps.install',
    account: row.account_id,
    app: row.app_id,
    status: row.status,
    livemode: row.mode === 'live',
    permissions_granted: parseNames(row.permissions_granted),
    permissions_pending: pending,
    approval_required: row.status === 'installed' && pending.length > 0,
    shadow_mode: row.shadow_mode === true,
    created_by: row.created_by,
    created: row.created,
  };
}

/** A key's status at a time: revoked wins over expired. */
export function keyStatus(row: KeyRow, nowSeconds: number): KeyStatus {
  if (row.revoked !== null) return 'revoked';
  if (row.expires_at !== null && nowSeconds >= row.expires_at) return 'expired';
  return 'active';
}

/** Install keys are restricted (`rk_`); account and app keys are secret (`sk_`). */
export function secretTypeOf(kind: KeyKind): SecretType {
  return kind === 'install' ? 'rk' : 'sk';
}

/** A row as the public `api_key` object, its status taken at `nowSeconds`. */
export function toKey(row: KeyRow, nowSeconds: number): ApiKey {
  const type = secretTypeOf(row.kind);
  return {
    id: row.id,
    object: 'api_key',
    type: type === 'rk' ? 'restricted' : 'secret',
    kind: row.kind,
    livemode: row.mode === 'live',
    account: row.account_id,
    app: row.app_id,
    install: row.install_id,
    redacted: maskedFromHint(type, row.mode, row.hint),
    permissions: row.permissions === null ? null : parseNames(row.permissions),
    status: keyStatus(row, nowSeconds),
    created: row.created,
    created_by: row.created_by,
    expires_at: row.expires_at,
    revoked: row.revoked,
    rolled_to: row.rolled_to,
  };
}

/**
 * The effective set of an install: the closure of what it was granted, or nothing once
 * uninstalled.
 */
export function installEffectiveSet(catalog: Catalog, row: InstallRow): PermissionSet {
  return row.status === 'installed'
    ? catalog.closure(parseNames(row.permissions_granted))
    : catalog.closure([]);
}

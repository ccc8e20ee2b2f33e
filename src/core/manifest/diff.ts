import type { Catalog } from '../catalog/catalog.js';
import type { Manifest } from './types.js';

export interface PurposeChange {
  readonly permission: string;
  readonly from: string;
  readonly to: string;
}

/** How the permissions of one manifest version differ from another's. */
export interface ManifestDiff {
  /** Requested in the new version, not in the old (sorted). */
  readonly added: string[];
  /** Requested in the old version, not in the new (sorted). */
  readonly removed: string[];
  /** In the new effective set (closure), not in the old (sorted). */
  readonly effectiveAdded: string[];
  /** In the old effective set, not in the new (sorted). */
  readonly effectiveRemoved: string[];
  /** True iff `effectiveAdded` is non-empty: installs need an admin to approve the new version. */
  readonly elevates: boolean;
  /** Permissions requested by both whose purpose text changed (sorted by permission). */
  readonly purposeChanged: PurposeChange[];
}

/**
 * Compares the permissions two manifest versions request. `added`/`removed` are as written;
 * `effectiveAdded`/`effectiveRemoved` compare the closures, so replacing `customer_write` with
 * `customer_read`, or adding `invoice_read` next to `invoice_write`, adds nothing effective and
 * does not elevate. Names the catalog does not know count in `added`/`removed` only (validate first).
 *
 * @example
 * const diff = diffManifests(v1, v2, defaultCatalog());
 * if (diff.elevates) console.log(`admins must approve: ${diff.effectiveAdded.join(', ')}`);
 */
export function diffManifests(
  before: Pick<Manifest, 'permissions'>,
  after: Pick<Manifest, 'permissions'>,
  catalog: Catalog,
): ManifestDiff {
  const oldPurposes = purposes(before);
  const newPurposes = purposes(after);
  const oldEffective = catalog.closure(oldPurposes.keys());
  const newEffective = catalog.closure(newPurposes.keys());
  const effectiveAdded = catalog.names(newEffective.difference(oldEffective));
  const purposeChanged: PurposeChange[] = [];
  for (const [permission, to] of newPurposes) {
    const from = oldPurposes.get(permission);
    if (from !== undefined && from !== to) purposeChanged.push({ permission, from, to });
  }
  return {
    added: sorted([...newPurposes.keys()].filter((name) => !oldPurposes.has(name))),
    removed: sorted([...oldPurposes.keys()].filter((name) => !newPurposes.has(name))),
    effectiveAdded,
    effectiveRemoved: catalog.names(oldEffective.difference(newEffective)),
    elevates: effectiveAdded.length > 0,
    purposeChanged: purposeChanged.sort((a, b) => compare(a.permission, b.permission)),
  };
}

/** Where an install stands after an app upgrade, before an admin reviews it. */
export interface UpgradeGrants {
  /** Newly requested permissions the existing grant already covers: usable at once (sorted). */
  readonly stillGranted: string[];
  /** Newly requested permissions that wait for an admin's approval (sorted). */
  readonly pending: string[];
}

/**
 * Splits a new version's requested permissions against what an install granted: a permission
 * covered by the closure of the grant stays granted without a prompt; the rest are pending.
 * Permissions no longer requested leave the grant (they appear in neither list).
 *
 * @example
 * pendingAfterUpgrade(['invoice_write'], ['invoice_read', 'customer_read'], catalog);
 * // { stillGranted: ['invoice_read'], pending: ['customer_read'] }
 */
export function pendingAfterUpgrade(
  granted: Iterable<string>,
  requested: Iterable<string>,
  catalog: Catalog,
): UpgradeGrants {
  const covered = catalog.closure(granted);
  const stillGranted: string[] = [];
  const pending: string[] = [];
  for (const name of new Set(requested)) {
    if (covered.has(catalog.indexOf(name))) stillGranted.push(name);
    else pending.push(name);
  }
  return { stillGranted: sorted(stillGranted), pending: sorted(pending) };
}

/** permission → purpose of its first entry */
function purposes(manifest: Pick<Manifest, 'permissions'>): Map<string, string> {
  const map = new Map<string, string>();
  for (const { permission, purpose } of manifest.permissions)
    if (!map.has(permission)) map.set(permission, purpose);
  return map;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sorted(names: string[]): string[] {
  return names.sort(compare);
}

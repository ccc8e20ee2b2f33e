import type { Catalog, Companion } from '../catalog/catalog.js';
import type { PermissionSet } from '../catalog/permission-set.js';

/** A catalog companion note attached to the permission that carries it. */
export interface CompanionNote extends Companion {
  /** The permission whose catalog entry carries the note, e.g. `customer_portal_write`. */
  readonly of: string;
}

/**
 * The companion notes of `permissions` whose companion is not already in `effective` (a
 * companion that is held needs no reminder), sorted by `of`, then by companion. Notes are
 * advice, never grants: nothing here adds to a set.
 * @example
 * companionNotes(catalog, ['customer_portal_write'], catalog.closure(['customer_portal_write']));
 * // [{ of: 'customer_portal_write', permission: 'elements_write', note: 'If you’re using the customer portal …' }]
 */
export function companionNotes(
  catalog: Catalog,
  permissions: Iterable<string>,
  effective: PermissionSet,
): CompanionNote[] {
  const notes: CompanionNote[] = [];
  for (const name of [...new Set(permissions)].sort()) {
    for (const companion of catalog.get(name)?.companions ?? []) {
      if (effective.has(catalog.indexOf(companion.permission))) continue;
      notes.push({ of: name, permission: companion.permission, note: companion.note });
    }
  }
  return notes;
}

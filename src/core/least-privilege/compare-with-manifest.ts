import type { Catalog } from '../catalog/catalog.js';
import type { Requirement, RequirementGroup } from '../requirement.js';
import { type CompanionNote, companionNotes } from './companion-notes.js';
import { type MinimalSetOptions, minimalSet } from './minimal-set.js';

/** A requested permission whose use is covered by something narrower. */
export interface WiderPermission {
  /** The requested permission, e.g. `customer_write`. */
  readonly permission: string;
  /** The minimal set that satisfies every group it satisfies, with a smaller closure, e.g. `['customer_read']`. */
  readonly narrower: string[];
}

/** What a manifest's requested permissions lack, and what they request for nothing. */
export interface ManifestComparison {
  /** The minimal addition that satisfies every satisfiable group (see {@link minimalSet} with `granted`). */
  readonly missing: string[];
  /** Requested permissions that satisfy no group, directly or through anything they imply. */
  readonly unused: string[];
  /** Requested permissions implied by another requested one (of two that imply each other, the alphabetically later). */
  readonly redundant: string[];
  /** Used requested permissions whose every use a set with a smaller closure would cover: a write where only the read is needed. */
  readonly wider: WiderPermission[];
  /** Requested names the catalog does not define (they grant nothing; `manifest validate` reports them). */
  readonly unknown: string[];
  /** True when `missing` is empty: the requested permissions satisfy every group that any permission can. */
  readonly covered: boolean;
  /** Groups no permission can satisfy (endpoints not available to apps), as in {@link MinimalSet}. */
  readonly unsatisfiable: RequirementGroup[];
  /** Companion notes of the requested and missing permissions whose companion is neither requested nor implied. */
  readonly companions: CompanionNote[];
}

/**
 * Compares the permissions a manifest requests with what its calls require.
 *
 * - `missing`: the least-privilege **addition** — minimal effective access of requested and
 *   added together, then fewest names, then alphabetical.
 * - `unused`: a requested permission is *used* when its closure (itself and everything it
 *   implies) contains an alternative of some satisfiable group; the others are unused. So
 *   `customer_write` is used by a call that needs `customer_read` (write ⇒ read), and so is
 *   `customer_read` when `customer_write` is requested too — that one is `redundant` instead.
 * - `redundant`: requested permissions in the closure of another requested one. Of several that
 *   imply each other (a cycle), all but the alphabetically first are redundant, so removing every
 *   redundant permission never changes the effective access.
 * - `wider`: a used permission p whose satisfied groups have a minimal set with a strictly smaller
 *   closure than p's, listed with that set: `customer_write` requested where calls only read
 *   customers narrows to `customer_read`.
 * The lists are sorted and may overlap (a permission can be both redundant and used, or both
 * unused and redundant); unknown names appear only in `unknown`. `options.prefer` breaks ties as
 * in {@link minimalSet}.
 * @example
 * const calls = ['GET /v1/customers/cus_1', 'GET /v1/invoices/in_1'].map((l) => resolveRequestLine(table, l).requirement);
 * const report = compareWithManifest(catalog, ['customer_write', 'payout_read'], calls);
 * report.missing; // ['credit_note_read'] (it and invoice_read imply each other); ['invoice_read'] with { prefer: 'named' }
 * report.unused; // ['payout_read']
 * report.wider; // [{ permission: 'customer_write', narrower: ['customer_read'] }]
 */
export function compareWithManifest(
  catalog: Catalog,
  requested: readonly string[],
  requirements: Iterable<Requirement>,
  options: Pick<MinimalSetOptions, 'prefer'> = {},
): ManifestComparison {
  const all = [...requirements];
  const names = [...new Set(requested)].sort();
  const known = names.filter((name) => catalog.has(name));
  const unknown = names.filter((name) => !catalog.has(name));

  const prefer = options.prefer ?? 'alphabetical';
  const result = minimalSet(catalog, all, { granted: known, prefer });

  // the satisfiable groups, once each
  const groups: RequirementGroup[] = [];
  const seen = new Set<RequirementGroup>();
  for (const requirement of all) {
    for (const group of requirement) {
      if (seen.has(group)) continue;
      seen.add(group);
      if (group.anyOf.some((name) => catalog.has(name))) groups.push(group);
    }
  }

  const unused: string[] = [];
  const wider: WiderPermission[] = [];
  for (const name of known) {
    const own = catalog.closure([name]);
    const satisfied = groups.filter((group) => group.anyOf.some((alt) => own.has(catalog.indexOf(alt))));
    if (satisfied.length === 0) {
      unused.push(name);
      continue;
    }
    const narrowest = minimalSet(catalog, [satisfied], { prefer });
    if (narrowest.closure.length < own.size)
      wider.push({ permission: name, narrower: narrowest.permissions });
  }

  const redundant = known.filter((name) => {
    const mine = catalog.closure([name]);
    return known.some((other) => {
      if (other === name || !catalog.implies(other).includes(name)) return false;
      const theirs = catalog.closure([other]);
      return !theirs.equals(mine) || other < name; // strictly wider, or equivalent and first by name
    });
  });

  const chosen = [...known, ...result.permissions];
  return {
    missing: result.permissions,
    unused,
    redundant,
    wider,
    unknown,
    covered: result.permissions.length === 0,
    unsatisfiable: result.unsatisfiable,
    companions: companionNotes(catalog, chosen, catalog.closure(result.closure)),
  };
}

import type { Catalog } from '../catalog/catalog.js';
import type { PermissionSet } from '../catalog/permission-set.js';
import type { Requirement, RequirementGroup } from '../requirement.js';
import { type CompanionNote, companionNotes } from './companion-notes.js';
import {
  compileForSearch,
  forEachBit,
  orInto,
  reduceGroups,
  type SearchGroup,
  searchGroup,
  searchMinimal,
} from './cover-search.js';

export interface MinimalSetOptions {
  /**
   * Permissions already held, e.g. a manifest's requested ones. The result is then the minimal
   * **addition**: `permissions` lists only what to add, chosen to minimize the effective access
   * of the held and added permissions together, and `closure` is that combined access.
   * Names the catalog does not know grant nothing.
   */
  readonly granted?: readonly string[];
  /**
   * How to break a tie between sets with the same closure size and the same number of names.
   * `'alphabetical'` (the default): the alphabetically first sorted list of names. `'named'`:
   * first the set with fewer names that no group names directly, then alphabetical. The two
   * differ only across a cycle: `invoice_read` and `credit_note_read` imply each other, so for a
   * call that names `invoice_read` the default answers `credit_note_read` (first by name, same
   * access) and `'named'` answers `invoice_read`.
   */
  readonly prefer?: 'alphabetical' | 'named';
}

/** The least-privilege answer for a set of requirements. */
export interface MinimalSet {
  /** The permissions to request (to add, with `granted`), sorted. */
  readonly permissions: string[];
  /** The effective access they give (with `granted`'s), every implication included, sorted. */
  readonly closure: string[];
  /**
   * Groups no catalog permission can satisfy (no alternatives, or only names the catalog does
   * not define: an endpoint not available to apps), once per distinct alternatives and reason,
   * in first-seen order. They are left out of the optimization; they never make it fail.
   */
  readonly unsatisfiable: RequirementGroup[];
  /** Companion notes of the chosen permissions whose companion is not in `closure`. */
  readonly companions: CompanionNote[];
}

/**
 * The set of catalog permissions that satisfies every satisfiable requirement group with the
 * least effective access: the smallest closure first, then the fewest names, then the
 * alphabetically first sorted list of names (or see {@link MinimalSetOptions.prefer}). Exact,
 * not greedy. Every implication counts (write ⇒ read included): a group `customer_read` is
 * satisfied by a chosen `customer_write`, and `product_read` is not added next to
 * `checkout_session_write`, which implies it.
 *
 * How: groups are turned into bitsets of their satisfiers (every permission whose closure meets
 * the group's alternatives), deduplicated, and reduced — a group is dropped when another's
 * satisfiers are a subset of its own, or when it meets what every satisfier of another group
 * implies. The few groups left go through an exact branch and bound (see `cover-search.ts` for
 * the argument that it is exact). Pure and synchronous; the catalog's bitsets are built on first
 * use and cached with the catalog.
 * @example
 * const table = defaultRouteTable();
 * const calls = ['GET /v1/invoices/in_1?expand[]=subscription', 'POST /v1/checkout/sessions', 'GET /v1/products/prod_1'];
 * const requirements = calls.map((line) => resolveRequestLine(table, line).requirement);
 * const result = minimalSet(defaultCatalog(), requirements);
 * result.permissions; // ['checkout_session_write', 'credit_note_read', 'subscription_read']
 * minimalSet(defaultCatalog(), requirements, { prefer: 'named' }).permissions;
 * // ['checkout_session_write', 'invoice_read', 'subscription_read']
 */
export function minimalSet(
  catalog: Catalog,
  requirements: Iterable<Requirement>,
  options: MinimalSetOptions = {},
): MinimalSet {
  const cat = compileForSearch(catalog);
  const base = new Uint32Array(cat.words);
  catalog.closure(options.granted ?? []).orInto(base);

  const groups: SearchGroup[] = [];
  const unsatisfiable: RequirementGroup[] = [];
  const seenGroups = new Set<RequirementGroup>(); // route tables share group objects between calls
  const seenKeys = new Set<string>();
  const seenUnsatisfiable = new Set<string>();
  for (const requirement of requirements) {
    for (const group of requirement) {
      if (seenGroups.has(group)) continue;
      seenGroups.add(group);
      const known = knownIndices(catalog, group);
      if (known.length === 0) {
        const key = JSON.stringify([group.anyOf, group.reason]);
        if (!seenUnsatisfiable.has(key)) {
          seenUnsatisfiable.add(key);
          unsatisfiable.push(group);
        }
        continue;
      }
      const key = known.join(',');
      if (seenKeys.has(key)) continue;
      seenKeys.add(key);
      groups.push(searchGroup(cat, known));
    }
  }

  let named: Uint32Array | undefined;
  if (options.prefer === 'named') {
    named = new Uint32Array(cat.words);
    for (const group of groups) orInto(named, group.members);
  }
  const found = searchMinimal(cat, reduceGroups(groups, base), base, named);
  const permissions = found.chosen.map((i) => catalog.nameOf(i)).sort();
  const closure: string[] = [];
  forEachBit(found.closure, (i) => closure.push(catalog.nameOf(i)));
  closure.sort();
  const effective: PermissionSet = catalog.closure(closure);
  return {
    permissions,
    closure,
    unsatisfiable,
    companions: companionNotes(catalog, permissions, effective),
  };
}

/** A group's alternatives that the catalog defines, as sorted indices (unknown names never satisfy). */
function knownIndices(catalog: Catalog, group: RequirementGroup): number[] {
  const out: number[] = [];
  for (const name of group.anyOf) {
    const index = catalog.indexOf(name);
    if (index >= 0) out.push(index);
  }
  return out.sort((a, b) => a - b);
}

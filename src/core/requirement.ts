import type { Catalog } from './catalog/catalog.js';

/**
 * One condition of a requirement: any one of `anyOf` satisfies it.
 * `indices` are the same permissions as catalog indices, for the hot path.
 */
export interface RequirementGroup {
  readonly anyOf: readonly string[];
  readonly indices: readonly number[];
  /** Why the group exists, for people: "GET /v1/customers reads customers", "expand `data.default_source`". */
  readonly reason: string;
}

/** All groups must hold. An empty requirement is satisfied by any grant. */
export type Requirement = readonly RequirementGroup[];

/**
 * Builds a group, resolving names against the catalog. A name the catalog does not
 * know keeps index -1 and can never be satisfied (deny by default).
 */
export function requirementGroup(
  catalog: Catalog,
  anyOf: readonly string[],
  reason: string,
): RequirementGroup {
  const names = [...new Set(anyOf)].sort();
  return Object.freeze({
    anyOf: Object.freeze(names),
    indices: Object.freeze(names.map((name) => catalog.indexOf(name))),
    reason,
  });
}

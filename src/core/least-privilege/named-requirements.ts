import type { Catalog } from '../catalog/catalog.js';
import { type Requirement, type RequirementGroup, requirementGroup } from '../requirement.js';

/**
 * Requirements as logs and reports carry them — each group its alternatives' names — turned back
 * into catalog groups, one group object per distinct set of alternatives, so that the minimal-set
 * search sees each group once however many calls share it.
 * @example
 * const toRequirement = namedRequirements(catalog);
 * toRequirement([['invoice_read'], ['customer_read', 'source_read']]); // two RequirementGroups
 */
export function namedRequirements(catalog: Catalog): (groups: readonly (readonly string[])[]) => Requirement {
  const known = new Map<string, RequirementGroup>();
  const groupOf = (anyOf: readonly string[]): RequirementGroup => {
    const key = [...anyOf].sort().join(',');
    let group = known.get(key);
    if (group === undefined) {
      group = requirementGroup(catalog, anyOf, key === '' ? 'not available to apps' : key);
      known.set(key, group);
    }
    return group;
  };
  return (groups) => groups.map(groupOf);
}

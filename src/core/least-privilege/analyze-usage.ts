import type { Catalog } from '../catalog/catalog.js';
import type { Requirement } from '../requirement.js';
import { compareWithManifest, type WiderPermission } from './compare-with-manifest.js';
import { minimalSet } from './minimal-set.js';
import { namedRequirements } from './named-requirements.js';

/**
 * What an install did with what it was granted, from its logged decisions: which granted
 * permissions its calls used, which it never used, which calls were denied and the least that
 * would have allowed each, and the minimal set for everything it did — the account admin's side
 * of least privilege (`appscope analyze`, the dashboard's Activity screen).
 */

/** A logged decision, as much of it as the analysis reads. */
export interface ObservedDecision {
  readonly method: string;
  /** The route template, or null when no route matched (such decisions are skipped). */
  readonly route: string | null;
  readonly requirement: readonly (readonly string[])[];
  readonly outcome: 'allowed' | 'denied' | 'shadow_denied';
}

/** One distinct denied call: the operation, its requirement, how often, and what would allow it. */
export interface DeniedCall {
  readonly operation: string;
  readonly requires: readonly (readonly string[])[];
  readonly count: number;
  /** The least addition to the grant that allows it (empty when no permission can). */
  readonly addition: readonly string[];
  /** True when no permission an app can request allows it. */
  readonly unavailable: boolean;
}

export interface UsageAnalysis {
  /** Decisions analysed (with a route). */
  readonly decisions: number;
  /** Each granted permission and the number of allowed calls whose requirement it helped satisfy. */
  readonly used: readonly { readonly permission: string; readonly calls: number }[];
  /** Granted permissions no allowed call needed, directly or through what they imply. */
  readonly unused: readonly string[];
  /** Granted permissions used only where something narrower would do. */
  readonly wider: readonly WiderPermission[];
  readonly denied: readonly DeniedCall[];
  /** The minimal set for every observed call (allowed or not). */
  readonly minimal: readonly string[];
  /** The grant turned into that minimal set: what to request in addition, what to stop requesting. */
  readonly suggested: { readonly add: readonly string[]; readonly remove: readonly string[] };
}

/**
 * Analyses an install's decisions against its granted permissions. Every implication counts: a
 * granted `customer_write` is used by a call that needs `customer_read` (and listed as `wider`).
 * @example
 * const analysis = analyzeUsage(catalog, ['customer_write', 'payout_read'], decisions);
 * analysis.unused; // ['payout_read']
 * analysis.suggested; // { add: ['customer_read'], remove: ['customer_write', 'payout_read'] }
 */
export function analyzeUsage(
  catalog: Catalog,
  granted: readonly string[],
  decisions: readonly ObservedDecision[],
): UsageAnalysis {
  const requirementOf = namedRequirements(catalog);
  const all: Requirement[] = [];
  const allowed: Requirement[] = [];
  const denied = new Map<
    string,
    { operation: string; requires: readonly (readonly string[])[]; requirement: Requirement; count: number }
  >();
  let analysed = 0;
  for (const decision of decisions) {
    if (decision.route === null) continue;
    analysed++;
    const requirement = requirementOf(decision.requirement);
    all.push(requirement);
    if (decision.outcome === 'allowed') {
      allowed.push(requirement);
      continue;
    }
    const operation = `${decision.method} ${decision.route}`;
    const key = `${operation} ${JSON.stringify(decision.requirement)}`;
    const known = denied.get(key);
    if (known !== undefined) known.count++;
    else denied.set(key, { operation, requires: decision.requirement, requirement, count: 1 });
  }

  const closures = granted.map((name) => ({ name, closure: catalog.closure([name]) }));
  const counts = new Map<string, number>();
  for (const requirement of allowed) {
    for (const { name, closure } of closures) {
      if (requirement.some((group) => group.indices.some((i) => i >= 0 && closure.has(i)))) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
  }
  const comparison = compareWithManifest(catalog, granted, allowed, { prefer: 'named' });
  const minimal = minimalSet(catalog, all, { prefer: 'named' }).permissions;
  const grantedSet = new Set(granted);
  const minimalSetNames = new Set(minimal);
  return {
    decisions: analysed,
    used: [...counts]
      .map(([permission, calls]) => ({ permission, calls }))
      .sort((a, b) => (a.permission < b.permission ? -1 : 1)),
    unused: [...granted].filter((name) => !counts.has(name)).sort(),
    wider: comparison.wider,
    denied: [...denied.values()].map((call) => {
      const addition = minimalSet(catalog, [call.requirement], { granted, prefer: 'named' });
      return {
        operation: call.operation,
        requires: call.requires,
        count: call.count,
        addition: addition.permissions,
        unavailable: addition.unsatisfiable.length > 0,
      };
    }),
    minimal,
    suggested: {
      add: minimal.filter((name) => !grantedSet.has(name)),
      remove: [...grantedSet].filter((name) => !minimalSetNames.has(name)).sort(),
    },
  };
}

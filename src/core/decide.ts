import type { Catalog } from './catalog/catalog.js';
import type { PermissionSet } from './catalog/permission-set.js';
import type { Requirement, RequirementGroup } from './requirement.js';

/**
 * The answer to "may this effective set do this?", with its evidence: for each group
 * of the requirement, the index of the permission that satisfied it, or -1.
 */
export interface Decision {
  readonly allowed: boolean;
  readonly requirement: Requirement;
  /** Per group, the catalog index of the first satisfying permission (in `anyOf` order), or -1. */
  readonly satisfiedBy: readonly number[];
}

/**
 * Decides a requirement against an effective (already closed) permission set.
 * Deny by default: a group with no alternatives, or only unknown ones, is never satisfied.
 * @example
 * const effective = catalog.closure(['customer_write']);
 * decide(effective, requirement).allowed;
 */
export function decide(effective: PermissionSet, requirement: Requirement): Decision {
  const satisfiedBy = new Array<number>(requirement.length);
  let allowed = true;
  for (let g = 0; g < requirement.length; g++) {
    const indices = requirement[g]!.indices;
    let hit = -1;
    for (let k = 0; k < indices.length; k++) {
      const index = indices[k]!;
      if (effective.has(index)) {
        hit = index;
        break;
      }
    }
    satisfiedBy[g] = hit;
    if (hit < 0) allowed = false;
  }
  return { allowed, requirement, satisfiedBy };
}

/** The groups a decision left unmet, each with every alternative that would satisfy it. */
export function missingGroups(decision: Decision): RequirementGroup[] {
  return decision.requirement.filter((_, g) => decision.satisfiedBy[g]! < 0);
}

export interface GroupEvidence {
  readonly reason: string;
  readonly anyOf: readonly string[];
  readonly satisfied: boolean;
  /** The effective permission that satisfied the group. */
  readonly satisfiedBy?: string;
  /** The granted permission it came from and the chain of implications, e.g. `['customer_write', 'customer_read']`. */
  readonly via?: readonly string[];
  /** Permissions among `anyOf` that are pending approval (when the caller passes a pending set). */
  readonly pending?: readonly string[];
}

export interface DecisionEvidence {
  readonly allowed: boolean;
  readonly groups: readonly GroupEvidence[];
  /** Every unmet group's alternatives, in requirement order. */
  readonly missing: readonly (readonly string[])[];
}

/**
 * Explains a decision for people and logs: which granted permission satisfied each group
 * and through which implications, or what is missing. Off the hot path.
 */
export function explainDecision(
  catalog: Catalog,
  granted: readonly string[],
  decision: Decision,
  pending: readonly string[] = [],
): DecisionEvidence {
  const pendingClosure = catalog.closure(pending);
  const groups = decision.requirement.map((group, g): GroupEvidence => {
    const index = decision.satisfiedBy[g]!;
    if (index < 0) {
      const waiting = group.anyOf.filter((name) => pendingClosure.has(catalog.indexOf(name)));
      return {
        reason: group.reason,
        anyOf: group.anyOf,
        satisfied: false,
        ...(waiting.length > 0 ? { pending: waiting } : {}),
      };
    }
    const name = catalog.nameOf(index);
    let via: string[] | undefined;
    for (const source of [...granted].sort()) {
      const path = catalog.implicationPath(source, name);
      if (path !== undefined && (via === undefined || path.length < via.length)) via = path;
    }
    return {
      reason: group.reason,
      anyOf: group.anyOf,
      satisfied: true,
      satisfiedBy: name,
      ...(via ? { via } : {}),
    };
  });
  return {
    allowed: decision.allowed,
    groups,
    missing: groups.filter((g) => !g.satisfied).map((g) => g.anyOf),
  };
}

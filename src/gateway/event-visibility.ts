import type { Catalog } from '../core/catalog/catalog.js';
import type { PermissionSet } from '../core/catalog/permission-set.js';
import { EVENT_PERMISSIONS, type EventPermissionRule } from './event-permissions.js';

/** Decides which events an install may read, compiled once per catalog. */
export interface EventVisibility {
  /** Whether an effective set may read an event of this type. */
  visible(type: unknown, effective: PermissionSet): boolean;
  /** The permissions listed for a type (any one, with `event_read`), for logs and errors. */
  permissionsFor(type: string): readonly string[];
}

interface CompiledRule {
  readonly names: readonly string[];
  readonly indices: readonly number[];
}

const NONE: CompiledRule = Object.freeze({ names: Object.freeze([]), indices: Object.freeze([]) });
/** Distinct event types remembered; Stripe has a few hundred. */
const TYPE_CACHE_SIZE = 1024;

/**
 * Compiles an event → permission table (default: Stripe's, {@link EVENT_PERMISSIONS}) against a
 * catalog: names the catalog lacks are dropped, so they can never make an event visible.
 * @example
 * const events = compileEventVisibility(catalog);
 * events.visible('customer.created', catalog.closure(['event_read', 'customer_read'])); // true
 */
export function compileEventVisibility(
  catalog: Catalog,
  rules: readonly EventPermissionRule[] = EVENT_PERMISSIONS,
): EventVisibility {
  const eventRead = catalog.indexOf('event_read');
  const exact = new Map<string, CompiledRule>();
  const prefixes: { prefix: string; rule: CompiledRule }[] = [];
  for (const rule of rules) {
    const names = rule.permissions.filter((name) => catalog.has(name));
    const compiled: CompiledRule = Object.freeze({
      names: Object.freeze(names),
      indices: Object.freeze(names.map((name) => catalog.indexOf(name))),
    });
    if (rule.type.endsWith('.*')) prefixes.push({ prefix: rule.type.slice(0, -1), rule: compiled });
    else exact.set(rule.type, compiled);
  }
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  const cache = new Map<string, CompiledRule>();

  function ruleFor(type: string): CompiledRule {
    let rule = cache.get(type);
    if (rule !== undefined) return rule;
    rule = exact.get(type) ?? prefixes.find((p) => type.startsWith(p.prefix))?.rule ?? NONE;
    if (cache.size >= TYPE_CACHE_SIZE) cache.clear();
    cache.set(type, rule);
    return rule;
  }

  return {
    visible(type, effective) {
      if (typeof type !== 'string' || !effective.has(eventRead)) return false;
      const { indices } = ruleFor(type);
      for (let i = 0; i < indices.length; i++) if (effective.has(indices[i]!)) return true;
      return false;
    },
    permissionsFor(type) {
      return ruleFor(type).names;
    },
  };
}

import type { Catalog } from '../catalog/catalog.js';

/** One choice of Stripe's restricted-key form. */
export type RestrictedKeyAccess = 'None' | 'Read' | 'Write';

/** One row of the restricted-key form: a resource and the access to choose for it. */
export interface RestrictedKeyRow {
  readonly resource: string;
  readonly access: RestrictedKeyAccess;
  /** The levels the catalog defines for the resource besides None (`Balance` has only Read, `Secret` only Write). */
  readonly offers: readonly ('Read' | 'Write')[];
}

/**
 * The table a person fills in when creating a Stripe restricted key, for an integration that is
 * not an app: one row per catalog resource, in catalog order, with the access the permissions
 * give. The access is that of the **effective** set (every implication included), so the key
 * can do at least what the permissions allow: `checkout_session_write` marks Checkout Session
 * Write and also Product Read, Payment intent Read, …; `customer_write` marks Customer Write
 * (write includes read). A resource gets Write when any of its write permissions is effective,
 * else Read when any of its read permissions is, else None. Names the catalog does not know are
 * ignored.
 * @example
 * restrictedKeyTable(defaultCatalog(), ['customer_write']).find((row) => row.resource === 'Customer');
 * // { resource: 'Customer', access: 'Write', offers: ['Read', 'Write'] }
 */
export function restrictedKeyTable(catalog: Catalog, permissions: Iterable<string>): RestrictedKeyRow[] {
  const effective = catalog.closure(permissions);
  return catalog.resources.map((resource) => {
    let read = false;
    let write = false;
    let offersRead = false;
    let offersWrite = false;
    for (const name of resource.permissions) {
      const permission = catalog.get(name);
      if (permission === undefined) continue;
      const held = effective.has(permission.index);
      if (permission.access === 'write') {
        offersWrite = true;
        write ||= held;
      } else {
        offersRead = true;
        read ||= held;
      }
    }
    const offers: ('Read' | 'Write')[] = [];
    if (offersRead) offers.push('Read');
    if (offersWrite) offers.push('Write');
    return {
      resource: resource.name,
      access: write ? 'Write' : read ? 'Read' : 'None',
      offers: Object.freeze(offers),
    };
  });
}

const LEVELS: readonly RestrictedKeyAccess[] = ['None', 'Read', 'Write'];

/**
 * The restricted-key table as text, the way the form shows it: a column per level, `●` on the
 * level to choose, `○` on the other levels the resource offers, blank where it offers none.
 * @example
 * console.log(formatRestrictedKeyTable(restrictedKeyTable(catalog, ['customer_write'])));
 * // Resource          None  Read  Write
 * // …
 * // Customer                        ●
 */
export function formatRestrictedKeyTable(rows: readonly RestrictedKeyRow[]): string {
  const width = Math.max('Resource'.length, ...rows.map((row) => row.resource.length)) + 2;
  const cell = (level: RestrictedKeyAccess, mark: string): string => {
    const column = level.length + 2;
    const left = Math.floor((level.length - mark.length) / 2);
    return (' '.repeat(left) + mark).padEnd(column);
  };
  const lines = [
    `${'Resource'.padEnd(width)}${LEVELS.map((level) => level.padEnd(level.length + 2)).join('')}`,
  ];
  for (const row of rows) {
    const marks = LEVELS.map((level) => {
      const offered = level === 'None' || row.offers.includes(level);
      return cell(level, row.access === level ? '●' : offered ? '○' : '');
    });
    lines.push(`${row.resource.padEnd(width)}${marks.join('')}`.trimEnd());
  }
  return `${lines[0]!.trimEnd()}\n${lines.slice(1).join('\n')}\n`;
}

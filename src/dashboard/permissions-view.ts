import type { Catalog } from '../core/catalog/catalog.js';
import { type Html, html } from './html.js';

/**
 * Permissions as an admin reads them: grouped by resource, each marked read or write, with the
 * catalog's description, the app's own purpose (labelled as the app's words), everything it also
 * grants through implications, and the catalog's companion notes.
 */

/** One permission to show. */
export interface PermissionEntry {
  readonly name: string;
  /** The app's purpose from its manifest, when it requested this permission. */
  readonly purpose?: string;
  /** Highlight as newly requested or removed (Review permissions). */
  readonly change?: 'added' | 'removed';
}

/** Options of {@link permissionGroups}. */
export interface PermissionGroupsOptions {
  /** Names the app requests (companion notes say when a companion is not among them). */
  readonly requested?: ReadonlySet<string>;
  /** Show "also allows" lines (default true). */
  readonly implications?: boolean;
  /** The heading level for resources (default 3). */
  readonly headingLevel?: 3 | 4;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Entries grouped by their catalog resource (unknown names under `Other`), resources sorted. */
export function groupByResource(
  catalog: Catalog,
  entries: readonly PermissionEntry[],
): { resource: string; entries: PermissionEntry[] }[] {
  const groups = new Map<string, PermissionEntry[]>();
  for (const entry of entries) {
    const resource = catalog.get(entry.name)?.resource ?? 'Other';
    const list = groups.get(resource) ?? [];
    list.push(entry);
    groups.set(resource, list);
  }
  const access = (name: string) => (catalog.get(name)?.access === 'write' ? 1 : 0);
  return [...groups.entries()]
    .sort(([a], [b]) => compareNames(a.toLowerCase(), b.toLowerCase()))
    .map(([resource, list]) => ({
      resource,
      entries: list.sort((a, b) => access(a.name) - access(b.name) || compareNames(a.name, b.name)),
    }));
}

/** A read/write badge for a permission. */
export function accessBadge(catalog: Catalog, name: string): Html {
  const access = catalog.get(name)?.access;
  if (access === undefined) return html`<span class="badge neutral">unknown</span>`;
  return html`<span class="badge ${access}">${access === 'read' ? 'Read' : 'Write'}</span>`;
}

/** Names as a list of code chips. */
export function nameChips(names: readonly string[], label?: string): Html {
  return html`<ul class="chips"${label === undefined ? '' : html` aria-label="${label}"`}>${names.map(
    (name) => html`<li><code>${name}</code></li>`,
  )}</ul>`;
}

/**
 * The grouped list.
 * @example
 * permissionGroups(catalog, manifest.permissions.map((p) => ({ name: p.permission, purpose: p.purpose })))
 */
export function permissionGroups(
  catalog: Catalog,
  entries: readonly PermissionEntry[],
  options: PermissionGroupsOptions = {},
): Html {
  if (entries.length === 0) return html`<p class="muted">None.</p>`;
  const level = options.headingLevel ?? 3;
  return html`${groupByResource(catalog, entries).map(
    ({ resource, entries: list }) => html`<section class="resource">
      ${level === 3 ? html`<h3>${resource}</h3>` : html`<h4>${resource}</h4>`}
      <ul class="perm-list">${list.map((entry) => permissionItem(catalog, entry, options))}</ul>
    </section>`,
  )}`;
}

function permissionItem(catalog: Catalog, entry: PermissionEntry, options: PermissionGroupsOptions): Html {
  const permission = catalog.get(entry.name);
  const implied = options.implications === false ? [] : catalog.implies(entry.name);
  const changeLabel =
    entry.change === 'added'
      ? html` <span class="badge ok">New</span>`
      : entry.change === 'removed'
        ? html` <span class="badge bad">Removed</span>`
        : '';
  return html`<li class="perm${entry.change === undefined ? '' : ` ${entry.change}`}" data-permission="${entry.name}">
    ${accessBadge(catalog, entry.name)}
    <div class="perm-body">
      <div><code class="perm-name">${entry.name}</code>${changeLabel}</div>
      ${permission === undefined ? html`<p class="small muted">Not in this catalog: grants nothing.</p>` : html`<p class="small muted">${permission.description}</p>`}
      ${
        entry.purpose === undefined
          ? ''
          : html`<p class="purpose"><span class="label">Why the app asks</span>${entry.purpose}</p>`
      }
      ${
        implied.length === 0
          ? ''
          : html`<p class="implies">Also allows: ${implied.map((name, i) => html`${i > 0 ? ', ' : ''}<code>${name}</code>`)}</p>`
      }
      ${(permission?.companions ?? []).map(
        (companion) =>
          html`<p class="companion">Note: ${companion.note}${
            options.requested !== undefined && !options.requested.has(companion.permission)
              ? html` (<code>${companion.permission}</code> is not requested by this app)`
              : ''
          }</p>`,
      )}
    </div>
  </li>`;
}

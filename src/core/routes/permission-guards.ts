import type { Catalog } from '../catalog/catalog.js';
import type { Issue } from '../issues.js';
import type { HttpMethod, RouteTableFile } from './format.js';

/** A permission that guards no route of a route table, and why (a row of an exceptions table). */
export interface GuardException {
  readonly permission: string;
  /** Shown in docs/catalog.md: lowercase, no trailing period, names in backticks. */
  readonly reason: string;
}

/** A route as `METHOD /path/template`, the way the route table keys it. */
export interface GuardedRoute {
  readonly method: HttpMethod;
  readonly path: string;
}

/** A route a permission allows only because it implies a permission the route names. */
export interface ImpliedRoute extends GuardedRoute {
  /** The implied permissions the route names, sorted. */
  readonly via: readonly string[];
}

/** What one permission of a catalog guards in one route table. */
export interface PermissionGuards {
  readonly permission: string;
  /** Routes whose own requirement (`anyOf`) names the permission, in route table order. */
  readonly routes: readonly GuardedRoute[];
  /** Routes that do not name it but that it allows through a permission it implies, in table order. */
  readonly throughImplication: readonly ImpliedRoute[];
  /** Expandable fields (`type.field`) whose `expand[]` group names the permission, sorted. */
  readonly expansions: readonly string[];
  /** Why it guards no route, when the exceptions table says so. */
  readonly exception: string | undefined;
}

export interface PermissionGuardsReport {
  /** The catalog's name. */
  readonly catalog: string;
  /** The route table's name. */
  readonly routeTable: string;
  /** Routes no permission can allow (`unavailable`). */
  readonly unavailableRoutes: number;
  /** One entry per permission, in catalog order. */
  readonly permissions: readonly PermissionGuards[];
  /**
   * Every problem, each with a code: `unguarded_permission` (no route and no exception),
   * `stale_exception` (an exception for a permission that guards a route),
   * `unknown_permission`, `duplicate_exception`, `empty_reason` (in the exceptions table).
   */
  readonly issues: readonly Issue[];
}

/**
 * Which routes each permission of a catalog guards: the routes whose own requirement names it
 * (directly), the routes it allows only through what it implies, and the expandable fields whose
 * `expand[]` group names it. Checks the exceptions table both ways: every permission guards at
 * least one route or has an exception with a reason, and no exception is for a permission that
 * guards a route. Pure: the route table is the validated file (see `validateRouteTable`).
 * @example
 * const report = permissionGuards(defaultCatalog(), file, STRIPE_GUARD_EXCEPTIONS);
 * report.permissions.find((p) => p.permission === 'usage_record_read')?.routes;
 * // [{ method: 'GET', path: '/v1/subscription_items/{subscription_item}/usage_record_summaries' }]
 */
export function permissionGuards(
  catalog: Catalog,
  file: RouteTableFile,
  exceptions: readonly GuardException[],
): PermissionGuardsReport {
  const issues: Issue[] = [];
  const reasons = new Map<string, string>();
  const firstAt = new Map<string, number>();
  exceptions.forEach(({ permission, reason }, i) => {
    const previous = firstAt.get(permission);
    if (previous !== undefined) {
      issues.push({
        severity: 'error',
        code: 'duplicate_exception',
        path: `exceptions[${i}]`,
        message: `permission \`${permission}\` already has an exception at exceptions[${previous}]`,
      });
      return;
    }
    firstAt.set(permission, i);
    if (!catalog.has(permission)) {
      const suggestion = catalog.suggest(permission);
      issues.push({
        severity: 'error',
        code: 'unknown_permission',
        path: `exceptions[${i}].permission`,
        message: `permission \`${permission}\` is not in catalog \`${catalog.name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
        ...(suggestion ? { suggestion } : {}),
      });
    }
    if (reason.trim() === '') {
      issues.push({
        severity: 'error',
        code: 'empty_reason',
        path: `exceptions[${i}].reason`,
        message: `the exception for \`${permission}\` gives no reason`,
      });
    }
    reasons.set(permission, reason);
  });

  const direct = new Map<string, GuardedRoute[]>();
  const available = file.routes.filter((route) => route.anyOf !== undefined);
  for (const route of available) {
    for (const name of new Set(route.anyOf)) {
      const list = direct.get(name) ?? [];
      list.push({ method: route.method, path: route.path });
      direct.set(name, list);
    }
  }
  const expansions = expansionGuards(file);

  const permissions = catalog.permissions.map((permission): PermissionGuards => {
    const name = permission.name;
    const implied = new Set(catalog.implies(name));
    const throughImplication: ImpliedRoute[] = [];
    for (const route of available) {
      const names = route.anyOf!;
      if (names.includes(name)) continue;
      const via = [...new Set(names.filter((n) => implied.has(n)))].sort();
      if (via.length > 0) throughImplication.push({ method: route.method, path: route.path, via });
    }
    return {
      permission: name,
      routes: direct.get(name) ?? [],
      throughImplication,
      expansions: [...(expansions.get(name) ?? [])].sort(),
      exception: reasons.get(name),
    };
  });

  for (const guards of permissions) {
    const at = firstAt.get(guards.permission);
    if (guards.routes.length === 0 && at === undefined) {
      issues.push({
        severity: 'error',
        code: 'unguarded_permission',
        path: '',
        message: `permission \`${guards.permission}\` guards no route of \`${file.name}\`; map a route to it, or add it to the exceptions with the reason it guards none`,
      });
    }
    if (guards.routes.length > 0 && at !== undefined) {
      const n = guards.routes.length;
      const first = guards.routes[0]!;
      issues.push({
        severity: 'error',
        code: 'stale_exception',
        path: `exceptions[${at}]`,
        message: `permission \`${guards.permission}\` guards ${n} route${n === 1 ? '' : 's'} of \`${file.name}\` now (\`${first.method} ${first.path}\`${n > 1 ? ', …' : ''}); remove its exception`,
      });
    }
  }

  return {
    catalog: catalog.name,
    routeTable: file.name,
    unavailableRoutes: file.routes.length - available.length,
    permissions,
    issues,
  };
}

/** permission → the expandable fields (`type.field`) whose group names it, as `RouteTable.expand` builds them. */
function expansionGuards(file: RouteTableFile): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (name: string, field: string): void => {
    const set = out.get(name) ?? new Set<string>();
    set.add(field);
    out.set(name, set);
  };
  for (const [type, entry] of Object.entries(file.types)) {
    for (const [field, targets] of Object.entries(entry.expand ?? {})) {
      const rule = entry.expandRules?.[field];
      const names =
        rule === undefined
          ? targets.flatMap(
              (target) => (Object.hasOwn(file.types, target) ? file.types[target]!.read : []) ?? [],
            )
          : 'anyOf' in rule
            ? rule.anyOf
            : [];
      for (const name of names) add(name, `${type}.${field}`);
    }
  }
  return out;
}

/** The markers around the generated section of docs/catalog.md. */
export const GUARDS_START =
  '<!-- guards:start (generated by `npm run generate:permission-guards`; do not edit) -->';
export const GUARDS_END = '<!-- guards:end -->';

/**
 * The report as markdown, between {@link GUARDS_START} and {@link GUARDS_END}: a summary line,
 * then one row per permission with the routes it guards (by path, the methods that share a path
 * together), or its exception's reason; the routes it allows through implication, counted per
 * implied permission; and how many expandable fields name it.
 * @example
 * writeFileSync(path, replacePermissionGuards(text, renderPermissionGuards(report)));
 */
export function renderPermissionGuards(report: PermissionGuardsReport): string {
  const guarding = report.permissions.filter((p) => p.routes.length > 0);
  const none = report.permissions.filter((p) => p.routes.length === 0);
  const callable = new Set(guarding.flatMap((p) => p.routes.map((r) => `${r.method} ${r.path}`))).size;
  const rows = report.permissions.map((p) => {
    const routes =
      p.routes.length > 0
        ? `${p.routes.length}: ${byPath(p.routes).join('<br>')}`
        : `**none**: ${escapeCell(p.exception ?? 'no exception gives a reason')}`;
    return `| \`${p.permission}\` | ${routes} | ${implication(p.throughImplication)} | ${p.expansions.length > 0 ? p.expansions.length : '—'} |`;
  });
  const noneList = none.map((p) => `\`${p.permission}\``).join(', ');
  return [
    GUARDS_START,
    '',
    `${count(report.permissions.length, 'permission')} of \`${report.catalog}\`; ${count(callable, 'route')} of \`${report.routeTable}\` that some permission allows (${report.unavailableRoutes} that none does ${report.unavailableRoutes === 1 ? 'is' : 'are'} not listed). ${count(guarding.length, 'permission')} ${guarding.length === 1 ? 'guards' : 'guard'} at least one route; ${none.length} ${none.length === 1 ? 'guards' : 'guard'} none${none.length > 0 ? ` (${noneList}), each for the reason in its row` : ''}.`,
    '',
    '| permission | routes it guards | through implication | `expand[]` fields |',
    '|---|---|---|---|',
    ...rows,
    '',
    GUARDS_END,
  ].join('\n');
}

/** `text` with its guards section replaced (or an error when the markers are missing). */
export function replacePermissionGuards(text: string, section: string): string {
  const start = text.indexOf(GUARDS_START);
  const end = text.indexOf(GUARDS_END);
  if (start < 0 || end < start) throw new Error('the document has no permission guards markers');
  return text.slice(0, start) + section + text.slice(end + GUARDS_END.length);
}

/** `` GET, POST `/v1/customers` `` per path, paths in the order they first appear. */
function byPath(routes: readonly GuardedRoute[]): string[] {
  const methods = new Map<string, string[]>();
  for (const route of routes) {
    const list = methods.get(route.path) ?? [];
    list.push(route.method);
    methods.set(route.path, list);
  }
  return [...methods].map(([path, list]) => `${list.join(', ')} \`${path}\``);
}

/** `16 via `customer_read` (14), `billing_clock_read` (2)`, or `—`. */
function implication(routes: readonly ImpliedRoute[]): string {
  if (routes.length === 0) return '—';
  const counts = new Map<string, number>();
  for (const route of routes) for (const name of route.via) counts.set(name, (counts.get(name) ?? 0) + 1);
  const via = [...counts]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .map(([name, n]) => `\`${name}\` (${n})`)
    .join(', ');
  return `${routes.length} via ${via}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

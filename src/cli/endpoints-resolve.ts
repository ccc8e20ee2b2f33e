import type { Command } from 'commander';
import { decide, explainDecision } from '../core/decide.js';
import { DEFAULT_ROUTE_TABLE_PATH, defaultRouteTable, loadRouteTable } from '../core/routes/load.js';
import { resolveRequestLine } from '../core/routes/resolve.js';
import type { RouteTable } from '../core/routes/route-table.js';
import { AppscopeError, isAppscopeError } from '../errors.js';
import { catalogFor, catalogPath, type GlobalOptions, resolvePath } from './context.js';
import { type CliIo, printJson } from './io.js';

/** `appscope endpoints resolve "GET /v1/customers/cus_123?expand[]=default_source" [--grant a,b] [--json]` */
export function registerEndpointsResolve(endpoints: Command, io: CliIo): void {
  endpoints
    .command('resolve')
    .description('show what an API call requires (and, with --grant, whether a grant allows it)')
    .argument('<request>', 'a request line, e.g. "GET /v1/customers?expand[]=data.default_source"')
    .option('--grant <permissions>', 'comma-separated granted permissions to decide against')
    .option('--routes <path>', 'a route table generated for a custom catalog')
    .option('--json', 'print JSON for scripts')
    .action(
      (line: string, options: { grant?: string; routes?: string; json?: boolean }, command: Command) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const table = routeTableFor(io, globals, options.routes);
        const resolved = resolveRequestLine(table, line);
        const requires = resolved.requirement.map((group) => ({
          anyOf: [...group.anyOf],
          reason: group.reason,
        }));
        const granted = options.grant
          ?.split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const catalog = table.catalog;
        const evidence =
          granted === undefined
            ? undefined
            : explainDecision(catalog, granted, decide(catalog.closure(granted), resolved.requirement));
        if (options.json) {
          printJson(io, {
            method: resolved.method,
            path: resolved.path,
            operation: resolved.operation,
            route: resolved.route,
            available: resolved.available,
            requires,
            ...(evidence
              ? {
                  decision: { allowed: evidence.allowed, groups: evidence.groups, missing: evidence.missing },
                }
              : {}),
          });
          return;
        }
        const lines = [
          `${resolved.method} ${resolved.path}`,
          `  operation: ${resolved.operation} (${resolved.route})`,
        ];
        if (!resolved.available) lines.push('  not available to app keys');
        if (requires.length === 0) lines.push('  requires:  nothing');
        else lines.push('  requires all of:');
        requires.forEach((group, g) => {
          const what = alternatives(group.anyOf);
          const outcome = evidence?.groups[g];
          const mark =
            outcome === undefined
              ? ''
              : outcome.satisfied
                ? `  ✓ ${describeVia(outcome.via, outcome.satisfiedBy)}`
                : '  ✗ missing';
          lines.push(`    ${g + 1}. ${what}  — ${group.reason}${mark}`);
        });
        if (evidence) lines.push(`  decision:  ${evidence.allowed ? 'allowed' : 'denied'}`);
        io.stdout(`${lines.join('\n')}\n`);
      },
    );
}

function describeVia(via: readonly string[] | undefined, satisfiedBy: string | undefined): string {
  if (via === undefined || via.length <= 1) return `granted ${satisfiedBy ?? ''}`.trim();
  return `via ${via.join(' → ')}`;
}

/** The route table: `--routes PATH`, `APPSCOPE_ROUTES`, or the built-in Stripe table. */
export function routeTableFor(io: CliIo, globals: GlobalOptions, routes?: string): RouteTable {
  const path = routesPath(io, routes);
  const customCatalog = catalogPath(io, globals);
  if (path === undefined && customCatalog === undefined) return defaultRouteTable();
  const catalog = catalogFor(io, globals);
  const tablePath = path ?? DEFAULT_ROUTE_TABLE_PATH;
  try {
    return loadRouteTable(tablePath, catalog);
  } catch (error) {
    // A table written for another catalog fails on every permission it names: say what to do
    // in one line instead of listing hundreds of unknown permissions.
    const issues = isAppscopeError(error) && error.code === 'ERR_ROUTE_TABLE_INVALID' ? error.issues : [];
    if (issues.length === 0 || !issues.every((issue) => issue.code === 'unknown_permission')) throw error;
    const names = [...new Set(issues.map((issue) => /`([^`]+)`/.exec(issue.message)?.[1] ?? issue.path))];
    const some = `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;
    const given = globals.catalog ?? io.env['APPSCOPE_CATALOG'];
    const catalogLabel = `\`${given ?? catalog.name}\``;
    throw new AppscopeError(
      'ERR_ROUTE_TABLE_INVALID',
      path === undefined
        ? `catalog ${catalogLabel} has no route table (the built-in Stripe routes need ${names.length} permission${names.length === 1 ? '' : 's'} it lacks: ${some}): pass --routes FILE (or APPSCOPE_ROUTES) generated with \`appscope routes generate\``
        : `route table \`${path}\` does not match catalog ${catalogLabel} (${names.length} permission${names.length === 1 ? '' : 's'} it lacks: ${some}): regenerate it for this catalog with \`appscope routes generate --catalog ${given ?? 'FILE'}\``,
      { cause: error },
    );
  }
}

/** The route table file (`--routes PATH`, else `APPSCOPE_ROUTES`), resolved; undefined for the built-in one. */
export function routesPath(io: CliIo, routes?: string): string | undefined {
  const path = routes ?? io.env['APPSCOPE_ROUTES'];
  return path === undefined || path === '' ? undefined : resolvePath(io, path);
}

/** A requirement group's alternatives as the text output shows them: `a`, `any of a, b`, or that none can. */
export function alternatives(anyOf: readonly string[]): string {
  if (anyOf.length === 0) return '(no permission can)';
  return anyOf.length === 1 ? anyOf[0]! : `any of ${anyOf.join(', ')}`;
}

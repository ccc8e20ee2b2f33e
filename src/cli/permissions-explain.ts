import type { Command } from 'commander';
import { AppscopeError } from '../errors.js';
import { catalogFor, type GlobalOptions } from './context.js';
import { type CliIo, printJson } from './io.js';

/** `appscope permissions explain NAME [--json]` */
export function registerPermissionsExplain(permissions: Command, io: CliIo): void {
  permissions
    .command('explain')
    .description('show what a permission grants, what it implies and what implies it')
    .argument('<name>', 'permission name, e.g. customer_read')
    .option('--json', 'print JSON for scripts')
    .action((name: string, options: { json?: boolean }, command: Command) => {
      const catalog = catalogFor(io, command.optsWithGlobals<GlobalOptions>());
      const permission = catalog.get(name);
      if (permission === undefined) {
        const suggestion = catalog.suggest(name);
        throw new AppscopeError(
          'ERR_UNKNOWN_PERMISSION',
          `unknown permission \`${name}\` in catalog \`${catalog.name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
        );
      }
      const explained = {
        permission: permission.name,
        resource: permission.resource,
        access: permission.access,
        description: permission.description,
        implies: [...catalog.implies(name)],
        directlyImplies: [...permission.directlyImplies],
        impliedBy: [...catalog.impliedBy(name)],
        companions: permission.companions.map((c) => ({ permission: c.permission, note: c.note })),
      };
      if (options.json) {
        printJson(io, explained);
        return;
      }
      const lines = [
        `${permission.name}  (${permission.access} access to ${permission.resource})`,
        `  ${permission.description}`,
        '',
        `  implies:       ${formatImplies(catalog, name, explained.implies)}`,
        `  implied by:    ${explained.impliedBy.length === 0 ? '-' : explained.impliedBy.join(', ')}`,
      ];
      for (const companion of explained.companions) {
        lines.push(`  note:          ${companion.note}`);
      }
      io.stdout(`${lines.join('\n')}\n`);
    });
}

function formatImplies(
  catalog: ReturnType<typeof catalogFor>,
  name: string,
  implied: readonly string[],
): string {
  if (implied.length === 0) return '-';
  return implied
    .map((target) => {
      const path = catalog.implicationPath(name, target) ?? [name, target];
      return path.length > 2 ? `${target} (via ${path.slice(1, -1).join(' → ')})` : target;
    })
    .join(', ');
}

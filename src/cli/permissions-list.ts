import type { Command } from 'commander';
import { catalogFor, type GlobalOptions } from './context.js';
import { type CliIo, printJson, table } from './io.js';

/** `appscope permissions list [--resource TEXT] [--json]` */
export function registerPermissionsList(permissions: Command, io: CliIo): void {
  permissions
    .command('list')
    .description('list every permission in the catalog, by resource')
    .option('--resource <text>', 'only resources whose name contains TEXT (case-insensitive)')
    .option('--json', 'print JSON for scripts')
    .action((options: { resource?: string; json?: boolean }, command: Command) => {
      const catalog = catalogFor(io, command.optsWithGlobals<GlobalOptions>());
      const filter = options.resource?.toLowerCase();
      const selected = catalog.permissions.filter(
        (p) => filter === undefined || p.resource.toLowerCase().includes(filter),
      );
      if (options.json) {
        printJson(io, {
          catalog: catalog.name,
          permissions: selected.map((p) => ({
            permission: p.name,
            resource: p.resource,
            access: p.access,
            description: p.description,
            implies: catalog.implies(p.name),
            companions: p.companions,
          })),
        });
        return;
      }
      const rows = selected.map((p) => {
        const implied = catalog.implies(p.name);
        return [p.resource, p.name, p.access, implied.length === 0 ? '-' : implied.join(', ')];
      });
      const resources = new Set(selected.map((p) => p.resource)).size;
      io.stdout(`${table(['RESOURCE', 'PERMISSION', 'ACCESS', 'ALSO GRANTS'], rows)}\n`);
      io.stdout(
        `\n${selected.length} permissions in ${resources} resources (catalog \`${catalog.name}\`); ` +
          'run `appscope permissions explain NAME` for details\n',
      );
    });
}

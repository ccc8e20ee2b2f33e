import type { Command } from 'commander';
import { OPERATOR } from '../domain/actor.js';
import {
  getInstall,
  installApp,
  listInstalls,
  reauthorizeInstall,
  uninstallApp,
} from '../domain/installs.js';
import type { Install } from '../domain/objects.js';
import { type CliIo, printJson, table } from './io.js';
import { formatTime, parseMode, type StoreOptions, withDomain } from './store-context.js';

/** `appscope installs create|list|show|approve|uninstall` */
export function registerInstalls(program: Command, io: CliIo): void {
  const installs = program
    .command('installs')
    .description('app installs: consent, pending permissions, uninstall (operator)');

  installs
    .command('create')
    .description("install an app's current version on an account (grants exactly what it requests)")
    .argument('<app>', 'app id')
    .requiredOption('--account <acct>', 'the installing account')
    .option('--mode <mode>', 'test or live', 'test')
    .option('--json', 'print JSON')
    .action(
      async (appId: string, options: { account: string; mode: string; json?: boolean }, command: Command) => {
        const mode = parseMode(options.mode);
        await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const { install, key } = await installApp(domain, {
            actor: OPERATOR,
            app: appId,
            account: options.account,
            ...(mode ? { mode } : {}),
          });
          if (options.json) return printJson(io, { ...install, ...(key ? { key } : {}) });
          io.stdout(`${describe(install)}\n`);
          if (key) io.stdout(`\nkey ${key.id}: ${key.secret}\nthe secret is shown this once\n`);
        });
      },
    );

  installs
    .command('list')
    .description('list installs, newest first')
    .option('--account <acct>', 'only this account')
    .option('--app <app>', 'only this app')
    .option('--pending', 'only installs with permissions waiting for approval')
    .option('--status <status>', 'installed or uninstalled')
    .option('--mode <mode>', 'test or live')
    .option('--limit <n>', 'at most N (1-100)', '100')
    .option('--json', 'print JSON')
    .action(
      async (
        options: {
          account?: string;
          app?: string;
          pending?: boolean;
          status?: string;
          mode?: string;
          limit: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const mode = parseMode(options.mode);
        await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const page = await listInstalls(domain, {
            actor: OPERATOR,
            ...(options.account ? { account: options.account } : {}),
            ...(options.app ? { app: options.app } : {}),
            ...(options.pending ? { approvalRequired: true } : {}),
            ...(options.status ? { status: options.status as 'installed' | 'uninstalled' } : {}),
            ...(mode ? { mode } : {}),
            limit: Number(options.limit),
          });
          if (options.json)
            return printJson(io, { object: 'list', data: page.data, has_more: page.has_more });
          io.stdout(
            `${table(
              ['INSTALL', 'APP', 'ACCOUNT', 'MODE', 'STATUS', 'GRANTED', 'PENDING'],
              page.data.map((i) => [
                i.id,
                i.app,
                i.account,
                i.livemode ? 'live' : 'test',
                i.status,
                String(i.permissions_granted.length),
                i.permissions_pending.length === 0 ? '-' : i.permissions_pending.join(', '),
              ]),
            )}\n`,
          );
        });
      },
    );

  installs
    .command('show')
    .description('one install: granted and pending permissions')
    .argument('<install>', 'appinst_…')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const install = await getInstall(domain, { actor: OPERATOR, install: id });
        if (options.json) return printJson(io, install);
        const effective = domain.catalog.names(domain.catalog.closure(install.permissions_granted));
        io.stdout(`${describe(install)}\n  effective: ${effective.join(', ') || '-'}\n`);
      });
    });

  installs
    .command('approve')
    .description('approve every pending permission of an install (reauthorize)')
    .argument('<install>', 'appinst_…')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const before = await getInstall(domain, { actor: OPERATOR, install: id });
        const install = await reauthorizeInstall(domain, { actor: OPERATOR, install: id });
        if (options.json) return printJson(io, install);
        io.stdout(
          before.permissions_pending.length === 0
            ? `${id}: nothing was pending\n`
            : `${id}: approved ${before.permissions_pending.join(', ')}\n`,
        );
      });
    });

  installs
    .command('uninstall')
    .description('uninstall: the grant ends and every key of the install stops working')
    .argument('<install>', 'appinst_…')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const install = await uninstallApp(domain, { actor: OPERATOR, install: id });
        if (options.json) return printJson(io, install);
        io.stdout(`${id}: uninstalled; its keys no longer work\n`);
      });
    });
}

function describe(install: Install): string {
  return [
    `${install.id}  ${install.app} on ${install.account} (${install.livemode ? 'live' : 'test'} mode), ${install.status}`,
    `  created:   ${formatTime(install.created)} by ${install.created_by}`,
    `  granted:   ${install.permissions_granted.join(', ') || '-'}`,
    `  pending:   ${install.permissions_pending.join(', ') || '-'}${install.approval_required ? '  (approval required)' : ''}`,
  ].join('\n');
}

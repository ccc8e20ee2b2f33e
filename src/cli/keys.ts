import type { Command } from 'commander';
import { OPERATOR } from '../domain/actor.js';
import { createInstallKey, listKeys, revokeKey, rollKey } from '../domain/keys.js';
import { AppscopeError } from '../errors.js';
import { type CliIo, printJson, table } from './io.js';
import { formatTime, parseDuration, type StoreOptions, splitList, withDomain } from './store-context.js';

/** `appscope keys create|roll|revoke|list` — an install's `rk_…` keys. */
export function registerKeys(program: Command, io: CliIo): void {
  const keys = program.command('keys').description("an install's restricted keys (operator)");

  keys
    .command('create')
    .description('create a key for an install (shown once), optionally narrowed and expiring')
    .requiredOption('--install <install>', 'appinst_…')
    .option('--permissions <list>', 'narrow the key to these permissions (comma-separated)')
    .option('--expires-in <duration>', 'expire after e.g. 1h, 7d')
    .option('--json', 'print JSON')
    .action(
      async (
        options: { install: string; permissions?: string; expiresIn?: string; json?: boolean },
        command: Command,
      ) => {
        await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const permissions = splitList(options.permissions);
          const expiresAt =
            options.expiresIn === undefined
              ? undefined
              : Math.floor(domain.clock() / 1000) + parseDuration(options.expiresIn, '--expires-in');
          const key = await createInstallKey(domain, {
            actor: OPERATOR,
            install: options.install,
            ...(permissions ? { permissions } : {}),
            ...(expiresAt === undefined ? {} : { expiresAt }),
          });
          if (options.json) return printJson(io, key);
          io.stdout(`created ${key.id}: ${key.secret}\nthe secret is shown this once\n`);
        });
      },
    );

  keys
    .command('roll')
    .description('replace a key; the old one keeps working for the grace period (default: stops now)')
    .argument('<key>', 'key_…')
    .option('--grace <duration>', 'how long the old key keeps working, e.g. 1h')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { grace?: string; json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const expiresAt =
          options.grace === undefined
            ? undefined
            : Math.floor(domain.clock() / 1000) + parseDuration(options.grace, '--grace');
        const { key, previous } = await rollKey(domain, {
          actor: OPERATOR,
          key: id,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        });
        if (options.json) return printJson(io, { ...key, previous });
        io.stdout(
          `rolled ${id} → ${key.id}: ${key.secret}\n${previous.id} ${
            previous.expires_at === null
              ? 'stopped working'
              : `works until ${formatTime(previous.expires_at)}`
          }\nthe secret is shown this once\n`,
        );
      });
    });

  keys
    .command('revoke')
    .description('revoke a key at once')
    .argument('<key>', 'key_…')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const key = await revokeKey(domain, { actor: OPERATOR, key: id });
        if (options.json) return printJson(io, key);
        io.stdout(`revoked ${key.id} (${key.redacted})\n`);
      });
    });

  keys
    .command('list')
    .description('keys of an install, an app or an account (hints only; secrets are never shown again)')
    .option('--install <install>', 'appinst_…')
    .option('--app <app>', 'app id')
    .option('--account <acct>', 'acct_…')
    .option('--json', 'print JSON')
    .action(
      async (
        options: { install?: string; app?: string; account?: string; json?: boolean },
        command: Command,
      ) => {
        if (!options.install && !options.app && !options.account) {
          throw new AppscopeError('ERR_USAGE', 'pass --install, --app or --account');
        }
        await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const list = await listKeys(domain, {
            actor: OPERATOR,
            ...(options.install ? { install: options.install } : {}),
            ...(options.app ? { app: options.app } : {}),
            ...(options.account ? { account: options.account } : {}),
          });
          if (options.json) return printJson(io, { data: list });
          io.stdout(
            `${table(
              ['KEY', 'HINT', 'STATUS', 'PERMISSIONS', 'EXPIRES'],
              list.map((k) => [
                k.id,
                k.redacted,
                k.status,
                k.permissions?.join(', ') ?? 'all granted',
                formatTime(k.expires_at),
              ]),
            )}\n`,
          );
        });
      },
    );
}

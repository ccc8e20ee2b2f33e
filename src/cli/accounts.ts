import type { Command } from 'commander';
import { createAccount, listAccounts } from '../domain/accounts.js';
import { OPERATOR } from '../domain/actor.js';
import { type CliIo, printJson, table } from './io.js';
import { formatTime, type StoreOptions, withDomain } from './store-context.js';

/** `appscope accounts create --name N`, `appscope accounts list` */
export function registerAccounts(program: Command, io: CliIo): void {
  const accounts = program.command('accounts').description('accounts and their secret keys (operator)');
  accounts
    .command('create')
    .description('create an account with its test and live secret keys (shown once)')
    .requiredOption('--name <name>', 'account name')
    .option('--json', 'print JSON: {"id","secret_keys":{"test","live"}}')
    .action(async (options: { name: string; json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const { account, secretKeys } = await createAccount(domain, { actor: OPERATOR, name: options.name });
        if (options.json) {
          printJson(io, {
            id: account.id,
            name: account.name,
            secret_keys: { test: secretKeys.test.secret, live: secretKeys.live.secret },
          });
          return;
        }
        io.stdout(
          [
            `created account ${account.id} (${account.name})`,
            `  test secret key: ${secretKeys.test.secret}`,
            `  live secret key: ${secretKeys.live.secret}`,
            'the keys are shown this once; appscope keeps only their hashes',
            '',
          ].join('\n'),
        );
      });
    });
  accounts
    .command('list')
    .description('list accounts')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const all = await listAccounts(domain, { actor: OPERATOR });
        if (options.json) return printJson(io, { data: all });
        io.stdout(
          `${table(
            ['ID', 'NAME', 'CREATED'],
            all.map((a) => [a.id, a.name, formatTime(a.created)]),
          )}\n`,
        );
      });
    });
}

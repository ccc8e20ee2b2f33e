import type { Command } from 'commander';
import { OPERATOR } from '../domain/actor.js';
import { checkRole, createUser, listUsers } from '../domain/users.js';
import { AppscopeError } from '../errors.js';
import { type CliIo, printJson, table } from './io.js';
import { formatTime, type StoreOptions, withDomain } from './store-context.js';

/** A CLI io that can also read standard input (tests pass one; the terminal uses `process.stdin`). */
export interface CliIoWithStdin extends CliIo {
  readonly readStdin?: () => Promise<string>;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The password piped on stdin: its first line, without the line break. */
async function passwordFromStdin(io: CliIoWithStdin): Promise<string> {
  const text = await (io.readStdin ?? readProcessStdin)();
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') throw new AppscopeError('ERR_USAGE', '--password-stdin: standard input is empty');
  return line;
}

/**
 * `appscope users create --account ACCT --email E --role ROLE [--password-stdin]`,
 * `appscope users list --account ACCT` — dashboard users (operator).
 */
export function registerUsers(program: Command, io: CliIoWithStdin): void {
  const users = program.command('users').description('dashboard users of an account (operator)');
  users
    .command('create')
    .description('create a dashboard user; without --password-stdin a password is generated and shown once')
    .requiredOption('--account <account>', 'acct_…')
    .requiredOption('--email <email>', 'the email the user signs in with')
    .requiredOption('--role <role>', 'admin, developer or view_only')
    .option('--password-stdin', 'read the password (at least 10 characters) from standard input')
    .option('--json', 'print JSON: {"user", "password"?}')
    .action(
      async (
        options: { account: string; email: string; role: string; passwordStdin?: boolean; json?: boolean },
        command: Command,
      ) => {
        const role = checkRole(options.role);
        const password = options.passwordStdin ? await passwordFromStdin(io) : undefined;
        await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const { user, generatedPassword } = await createUser(domain, {
            actor: OPERATOR,
            account: options.account,
            email: options.email,
            role,
            ...(password === undefined ? {} : { password }),
          });
          if (options.json) {
            return printJson(io, {
              user,
              ...(generatedPassword === undefined ? {} : { password: generatedPassword }),
            });
          }
          const lines = [`created user ${user.id} (${user.email}, ${user.role}) on ${user.account}`];
          if (generatedPassword !== undefined) {
            lines.push(`  password: ${generatedPassword}`, 'the password is shown this once');
          }
          lines.push('sign in at /dashboard/sign-in on `appscope serve`', '');
          io.stdout(lines.join('\n'));
        });
      },
    );
  users
    .command('list')
    .description("list an account's dashboard users")
    .requiredOption('--account <account>', 'acct_…')
    .option('--json', 'print JSON')
    .action(async (options: { account: string; json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const all = await listUsers(domain, { actor: OPERATOR, account: options.account });
        if (options.json) return printJson(io, { data: all });
        io.stdout(
          `${table(
            ['ID', 'EMAIL', 'ROLE', 'CREATED'],
            all.map((u) => [u.id, u.email, u.role, formatTime(u.created)]),
          )}\n`,
        );
      });
    });
}

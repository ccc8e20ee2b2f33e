import type { Command } from 'commander';
import { OPERATOR } from '../domain/actor.js';
import { type CreatedUserLink, createInvite, createPasswordReset } from '../domain/invites.js';
import { changeUserRole, checkRole, createUser, listUsers, removeUser } from '../domain/users.js';
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
 * `appscope users list --account ACCT`, `appscope users invite --account ACCT --email E --role ROLE`,
 * `appscope users role --user USR --role ROLE`, `appscope users reset --user USR`,
 * `appscope users remove --user USR` — dashboard users (operator).
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

  users
    .command('invite')
    .description(
      'invite someone to an account: prints a one-time link (works 7 days) with which they choose a password',
    )
    .requiredOption('--account <account>', 'acct_…')
    .requiredOption('--email <email>', 'the email they will sign in with')
    .requiredOption('--role <role>', 'admin, developer or view_only')
    .option('--url <url>', 'the dashboard server, to print a whole link', '')
    .option('--json', 'print JSON: {"link", "url"}')
    .action(
      async (
        options: { account: string; email: string; role: string; url: string; json?: boolean },
        command: Command,
      ) => {
        const role = checkRole(options.role);
        await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const created = await createInvite(domain, {
            actor: OPERATOR,
            account: options.account,
            email: options.email,
            role,
          });
          printLink(io, created, options.url, options.json === true);
        });
      },
    );
  users
    .command('reset')
    .description(
      "make a one-time link (works 24 hours) that sets a user's new password and ends their sessions",
    )
    .requiredOption('--user <user>', 'usr_…')
    .option('--url <url>', 'the dashboard server, to print a whole link', '')
    .option('--json', 'print JSON: {"link", "url"}')
    .action(async (options: { user: string; url: string; json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const created = await createPasswordReset(domain, { actor: OPERATOR, user: options.user });
        printLink(io, created, options.url, options.json === true);
      });
    });
  users
    .command('role')
    .description("change a user's role (the last admin of an account keeps theirs)")
    .requiredOption('--user <user>', 'usr_…')
    .requiredOption('--role <role>', 'admin, developer or view_only')
    .option('--json', 'print JSON')
    .action(async (options: { user: string; role: string; json?: boolean }, command: Command) => {
      const role = checkRole(options.role);
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const user = await changeUserRole(domain, { actor: OPERATOR, user: options.user, role });
        if (options.json) return printJson(io, { user });
        io.stdout(`user ${user.id} (${user.email}) now has the ${user.role} role\n`);
      });
    });
  users
    .command('remove')
    .description('remove a user: their sessions end at once (the last admin of an account stays)')
    .requiredOption('--user <user>', 'usr_…')
    .option('--json', 'print JSON')
    .action(async (options: { user: string; json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const { user, sessionsEnded } = await removeUser(domain, { actor: OPERATOR, user: options.user });
        if (options.json) return printJson(io, { user, sessions_ended: sessionsEnded });
        io.stdout(
          `removed user ${user.id} (${user.email}) from ${user.account}; ${sessionsEnded} session${sessionsEnded === 1 ? '' : 's'} ended\n`,
        );
      });
    });
}

/** Prints a one-time link: the path (or the whole URL with `--url`), shown this once. */
function printLink(io: CliIo, created: CreatedUserLink, base: string, json: boolean): void {
  const path = `/dashboard/${created.link.kind === 'invite' ? 'invite' : 'reset-password'}?token=${created.token}`;
  const url = base === '' ? path : `${base.replace(/\/+$/, '')}${path}`;
  if (json) {
    printJson(io, { link: created.link, url });
    return;
  }
  const what =
    created.link.kind === 'invite'
      ? `invite for ${created.link.email} (${created.link.role})`
      : `password reset for ${created.link.email}`;
  io.stdout(
    [
      `${what}, ${created.link.id}, works once until ${formatTime(created.link.expires)}:`,
      `  ${url}`,
      'the link is shown this once (only its hash is stored)',
      ...(base === ''
        ? ['put the address of `appscope serve` in front (e.g. http://127.0.0.1:4242), or pass --url']
        : []),
      '',
    ].join('\n'),
  );
}

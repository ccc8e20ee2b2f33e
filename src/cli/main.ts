import { Command, CommanderError } from 'commander';
import { formatIssues } from '../core/issues.js';
import { isAppscopeError } from '../errors.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, printJson, processIo } from './io.js';
import { registerPermissionsExplain } from './permissions-explain.js';
import { registerPermissionsList } from './permissions-list.js';

/** Builds the `appscope` program; each command lives in its own file. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('appscope')
    .description(
      'permissions for third-party apps on an API: catalog, manifests, consent, keys and a gateway',
    )
    .option('--catalog <path>', 'use a custom catalog file instead of the built-in Stripe Apps catalog')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const permissions = program.command('permissions').description('the permission catalog');
  registerPermissionsList(permissions, io);
  registerPermissionsExplain(permissions, io);

  for (const command of allCommands(program))
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/**
 * Runs the CLI and returns the exit code: 0 success, 1 failure (invalid input,
 * unknown name, failed operation), 2 usage error.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync')
        return EXIT_OK;
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (isAppscopeError(error)) {
      if (json) {
        printJson(io, {
          error: {
            code: error.code,
            message: error.message.split('\n')[0],
            ...(error.issues.length > 0 ? { issues: error.issues } : {}),
          },
        });
      }
      io.stderr(`appscope: ${error.message}\n`);
      if (error.issues.length > 0 && !error.message.includes('\n'))
        io.stderr(`${formatIssues(error.issues)}\n`);
      return error.code === 'ERR_USAGE' ? EXIT_USAGE : EXIT_FAILURE;
    }
    io.stderr(
      `appscope: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_FAILURE;
  }
}

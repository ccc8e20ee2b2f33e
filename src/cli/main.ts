import { Command, CommanderError } from 'commander';
import { formatIssues } from '../core/issues.js';
import { isAppscopeError } from '../errors.js';
import { packageVersion } from '../version.js';
import { registerAccounts } from './accounts.js';
import { registerAnalyze } from './analyze.js';
import { registerApps } from './apps.js';
import { registerAudit } from './audit.js';
import { registerEmulator } from './emulator.js';
import { registerEndpointsResolve } from './endpoints-resolve.js';
import { registerExplainRequest } from './explain-request.js';
import { registerInstalls } from './installs.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, printJson, processIo } from './io.js';
import { registerKeys } from './keys.js';
import { registerLogs } from './logs.js';
import { registerManifestDiff } from './manifest-diff.js';
import { registerManifestEdits } from './manifest-edit.js';
import { registerManifestValidate } from './manifest-validate.js';
import { registerPermissionsExplain } from './permissions-explain.js';
import { registerPermissionsList } from './permissions-list.js';
import { registerRecord } from './record.js';
import { registerRoutes } from './routes.js';
import { registerScan } from './scan.js';
import { registerSecrets } from './secrets.js';
import { registerServe } from './serve.js';
import { registerTestPolicies } from './test-policies.js';
import { registerUsers } from './users.js';

/** Builds the `appscope` program; each command lives in its own file. */
export function buildProgram(io: CliIo, setExit: (code: number) => void = () => {}): Command {
  const program = new Command('appscope')
    .description(
      'permissions for third-party apps on an API: catalog, manifests, consent, keys and a gateway',
    )
    .option('--catalog <path>', 'use a custom catalog file instead of the built-in Stripe Apps catalog')
    .option(
      '--data-dir <dir>',
      'where the embedded database lives (default ./.appscope; or APPSCOPE_DATABASE_URL)',
    )
    .version(packageVersion(), '-V, --version', 'print the version of appscope')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const permissions = program.command('permissions').description('the permission catalog');
  registerPermissionsList(permissions, io);
  registerPermissionsExplain(permissions, io);

  const endpoints = program.command('endpoints').description('what API calls require');
  registerEndpointsResolve(endpoints, io);

  const manifest = program.command('manifest').description('stripe-app.json manifests');
  registerManifestValidate(manifest, io, setExit);
  registerManifestDiff(manifest, io);
  registerManifestEdits(program, io);

  registerAccounts(program, io);
  registerApps(program, io);
  registerInstalls(program, io);
  registerKeys(program, io);
  registerAudit(program, io, setExit);
  registerServe(program, io);
  registerEmulator(program, io);
  registerExplainRequest(program, io, setExit);
  registerScan(program, io, setExit);
  registerRecord(program, io, setExit);
  registerTestPolicies(program, io, setExit);
  registerLogs(program, io);
  registerAnalyze(program, io);
  registerUsers(program, io);
  registerSecrets(program, io);
  registerRoutes(program, io, setExit);

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
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  const json = argv.includes('--json');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
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
      const unsaid = error.issues.filter((issue) => !error.message.includes(issue.message));
      if (unsaid.length > 0) io.stderr(`${formatIssues(unsaid)}\n`);
      return error.code === 'ERR_USAGE' ? EXIT_USAGE : EXIT_FAILURE;
    }
    io.stderr(
      `appscope: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_FAILURE;
  }
}

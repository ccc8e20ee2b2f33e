import type { Command } from 'commander';
import { formatIssues } from '../core/issues.js';
import { grantPermission, grantUrl, revokeConnectSrc, revokePermission } from '../core/manifest/edit.js';
import { editManifestFile } from '../core/manifest/edit-file.js';
import { catalogFor, type GlobalOptions, resolvePath } from './context.js';
import { type CliIo, printJson } from './io.js';
import { DEFAULT_MANIFEST, readManifestText } from './manifest-validate.js';

interface EditOptions {
  manifest: string;
  json?: boolean;
}

/**
 * `appscope grant permission NAME PURPOSE`, `appscope revoke permission NAME`,
 * `appscope grant url URL PURPOSE`, `appscope revoke connect-src URL` — the `stripe apps`
 * forms. Each keeps the file's formatting, refuses invalid input and writes atomically.
 */
export function registerManifestEdits(program: Command, io: CliIo): void {
  const grant = program.command('grant').description('add a permission or a connect-src URL to the manifest');
  const revoke = program
    .command('revoke')
    .description('remove a permission or a connect-src URL from the manifest');
  const manifestOption = ['--manifest <path>', 'manifest file', DEFAULT_MANIFEST] as const;

  grant
    .command('permission')
    .description('request a permission, with the purpose admins see at install')
    .argument('<name>', 'permission name, e.g. customer_read')
    .argument('<purpose>', 'why the app needs it')
    .option(...manifestOption)
    .option('--json', 'print JSON for scripts')
    .action(async (name: string, purpose: string, options: EditOptions, command: Command) => {
      const catalog = catalogFor(io, command.optsWithGlobals<GlobalOptions>());
      await run(
        io,
        options,
        `requested \`${name}\``,
        (text) => grantPermission(text, name, purpose, catalog),
        catalog,
      );
    });

  revoke
    .command('permission')
    .description('stop requesting a permission')
    .argument('<name>', 'permission name')
    .option(...manifestOption)
    .option('--json', 'print JSON for scripts')
    .action(async (name: string, options: EditOptions, command: Command) => {
      const catalog = catalogFor(io, command.optsWithGlobals<GlobalOptions>());
      await run(
        io,
        options,
        `no longer requests \`${name}\``,
        (text) => revokePermission(text, name),
        catalog,
      );
    });

  grant
    .command('url')
    .description('allow the UI extension to call a URL (content_security_policy.connect-src)')
    .argument('<url>', 'https URL with a path, e.g. https://api.example.com/v1/')
    .argument('<purpose>', 'why the app sends data there (shown at install)')
    .option(...manifestOption)
    .option('--json', 'print JSON for scripts')
    .action(async (url: string, purpose: string, options: EditOptions, command: Command) => {
      const catalog = catalogFor(io, command.optsWithGlobals<GlobalOptions>());
      await run(io, options, `allowed \`${url}\``, (text) => grantUrl(text, url, purpose), catalog);
    });

  revoke
    .command('connect-src')
    .description('remove a URL from content_security_policy.connect-src')
    .argument('<url>', 'the URL exactly as listed')
    .option(...manifestOption)
    .option('--json', 'print JSON for scripts')
    .action(async (url: string, options: EditOptions, command: Command) => {
      const catalog = catalogFor(io, command.optsWithGlobals<GlobalOptions>());
      await run(io, options, `no longer allows \`${url}\``, (text) => revokeConnectSrc(text, url), catalog);
    });
}

async function run(
  io: CliIo,
  options: EditOptions,
  done: string,
  edit: (text: string) => string,
  catalog: ReturnType<typeof catalogFor>,
): Promise<void> {
  readManifestText(io, options.manifest); // a missing file is a usage error, named
  const result = await editManifestFile(resolvePath(io, options.manifest), edit, { catalog });
  if (options.json) {
    printJson(io, { manifest: options.manifest, changed: result.changed, issues: result.validation.issues });
    return;
  }
  io.stdout(`${options.manifest}: ${done}\n`);
  const warnings = result.validation.issues.filter((i) => i.severity === 'warning');
  if (warnings.length > 0) io.stdout(`${formatIssues(warnings)}\n`);
}

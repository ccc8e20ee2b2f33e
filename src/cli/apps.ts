import type { Command } from 'commander';
import { formatIssues } from '../core/issues.js';
import { OPERATOR } from '../domain/actor.js';
import { listAppVersions, releaseAppVersion, uploadAppVersion } from '../domain/app-versions.js';
import { createAppSecretKey } from '../domain/keys.js';
import { type CliIo, printJson, table } from './io.js';
import { readManifestText } from './manifest-validate.js';
import { formatTime, parseMode, type StoreOptions, withDomain } from './store-context.js';

/** `appscope apps upload|release|versions|keys create` */
export function registerApps(program: Command, io: CliIo): void {
  const apps = program.command('apps').description('apps and their versions (operator)');

  apps
    .command('upload')
    .description('validate a manifest and store it as a new version (registers the app on first upload)')
    .argument('<path>', 'the stripe-app.json to upload')
    .requiredOption('--account <acct>', 'the developer account that owns the app')
    .option('--no-release', 'store the version without releasing it to installs')
    .option('--json', 'print JSON: {"app","version","released"}')
    .action(
      async (
        path: string,
        options: { account: string; release: boolean; json?: boolean },
        command: Command,
      ) => {
        const text = readManifestText(io, path);
        await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const result = await uploadAppVersion(domain, {
            actor: OPERATOR,
            manifest: text,
            account: options.account,
            release: options.release,
          });
          if (options.json) {
            printJson(io, {
              app: result.app.id,
              version: result.version.version,
              released: result.released,
              installs_updated: result.installsUpdated.map((i) => i.id),
              warnings: result.warnings,
            });
            return;
          }
          const lines = [
            `uploaded ${result.app.id} ${result.version.version}${result.released ? ' and released it' : ' (not released)'}`,
          ];
          for (const install of result.installsUpdated) {
            lines.push(
              `  ${install.id}: ${install.approval_required ? `pending approval: ${install.permissions_pending.join(', ')}` : 'grant updated'}`,
            );
          }
          if (result.warnings.length > 0) lines.push(formatIssues(result.warnings));
          io.stdout(`${lines.join('\n')}\n`);
        });
      },
    );

  apps
    .command('release')
    .description('make an uploaded version current for every install')
    .argument('<app>', 'app id')
    .argument('<version>', 'version string')
    .option('--json', 'print JSON')
    .action(async (appId: string, version: string, options: { json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const result = await releaseAppVersion(domain, { actor: OPERATOR, app: appId, version });
        if (options.json) {
          return printJson(io, {
            app: result.app.id,
            version: result.version.version,
            installs_updated: result.installsUpdated.map((i) => i.id),
          });
        }
        io.stdout(
          `released ${result.app.id} ${result.version.version}; ${result.installsUpdated.length} install(s) updated\n`,
        );
      });
    });

  apps
    .command('versions')
    .description("list an app's versions")
    .argument('<app>', 'app id')
    .option('--json', 'print JSON')
    .action(async (appId: string, options: { json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const versions = await listAppVersions(domain, { actor: OPERATOR, app: appId });
        if (options.json) return printJson(io, { data: versions });
        io.stdout(
          `${table(
            ['VERSION', 'PERMISSIONS', 'UPLOADED', 'RELEASED'],
            versions.map((v) => [
              v.version,
              v.permissions.map((p) => p.permission).join(', '),
              formatTime(v.created),
              formatTime(v.released),
            ]),
          )}\n`,
        );
      });
    });

  const keys = apps.command('keys').description("a platform app's secret keys");
  keys
    .command('create')
    .description('create a secret key for a platform app (shown once)')
    .argument('<app>', 'app id')
    .option('--mode <mode>', 'test or live', 'test')
    .option('--json', 'print JSON')
    .action(async (appId: string, options: { mode: string; json?: boolean }, command: Command) => {
      const mode = parseMode(options.mode);
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const key = await createAppSecretKey(domain, {
          actor: OPERATOR,
          app: appId,
          ...(mode ? { mode } : {}),
        });
        if (options.json) return printJson(io, key);
        io.stdout(`created ${key.id} for ${appId}: ${key.secret}\nthe secret is shown this once\n`);
      });
    });
}

import type { Command } from 'commander';
import { formatIssues, type Issue } from '../core/issues.js';
import { OPERATOR } from '../domain/actor.js';
import { listAppVersions, releaseAppVersion, uploadAppVersion } from '../domain/app-versions.js';
import { listApps, listCatalog } from '../domain/apps.js';
import type { Domain } from '../domain/context.js';
import { createAppSecretKey } from '../domain/keys.js';
import type { App, AppVersion, Install } from '../domain/objects.js';
import { AppscopeError } from '../errors.js';
import { type CatalogEntryObject, catalogEntry } from '../server/apps-api.js';
import { registerAppsLinks } from './apps-links.js';
import { type CliIo, printJson, table } from './io.js';
import { readManifestText } from './manifest-validate.js';
import { type RemoteApi, type RemoteOptions, remoteApi } from './remote.js';
import { formatTime, parseMode, type StoreOptions, withDomain } from './store-context.js';

/**
 * `appscope apps upload|release|versions|list|catalog|links|keys create` (links: apps-links.ts). Every command but `keys
 * create` also works on a remote appscope server: `--url URL` with the account's secret key
 * (`--api-key`, or `APPSCOPE_API_KEY`) calls its apps API (docs/apps-api.md) instead of opening
 * the local store, with the same output.
 */
export function registerApps(program: Command, io: CliIo): void {
  const apps = program
    .command('apps')
    .description('apps and their versions (operator, or a developer with --url and --api-key)');

  apps
    .command('upload')
    .description('validate a manifest and store it as a new version (registers the app on first upload)')
    .argument('<path>', 'the stripe-app.json to upload')
    .option('--account <acct>', 'the developer account that owns the app (local store only)')
    .option('--no-release', 'store the version without releasing it to installs')
    .option(
      '--json',
      'print JSON: {"app","version","released","installs_updated" (local only),"installs_updated_count","warnings"}',
    )
    .action(
      async (
        path: string,
        options: { account?: string; release: boolean; json?: boolean } & RemoteOptions,
        command: Command,
      ) => {
        const text = readManifestText(io, path);
        const account = options.account;
        if (options.url === undefined && options.apiKey === undefined && account === undefined) {
          // before the store is opened (which would create a data directory)
          throw usage('--account is required on the local store (or upload over --url with --api-key)');
        }
        const result = await storeOrRemote<Uploaded>(
          io,
          command,
          options,
          async (domain) => {
            const uploaded = await uploadAppVersion(domain, {
              actor: OPERATOR,
              manifest: text,
              account: account!,
              release: options.release,
            });
            return { ...uploaded, app: uploaded.app.id };
          },
          async (remote) => {
            const uploaded = (await remote.request('POST', '/v1/apps/versions', {
              manifest: text,
              ...(options.release ? {} : { release: 'false' }),
            })) as unknown as AppVersion & { installs_updated: number; warnings: Issue[] };
            const { installs_updated, warnings, ...version } = uploaded;
            return {
              app: version.app,
              version,
              released: version.released !== null,
              installsUpdated: installs_updated,
              warnings,
            };
          },
        );
        printUpload(io, result, options.json === true);
      },
    );

  apps
    .command('release')
    .description('make an uploaded version current for every install')
    .argument('<app>', 'app id')
    .argument('<version>', 'version string')
    .option(
      '--json',
      'print JSON: {"app","version","installs_updated" (local only),"installs_updated_count"}',
    )
    .action(
      async (
        appId: string,
        version: string,
        options: { json?: boolean } & RemoteOptions,
        command: Command,
      ) => {
        const result = await storeOrRemote<Released>(
          io,
          command,
          options,
          async (domain) => {
            const released = await releaseAppVersion(domain, { actor: OPERATOR, app: appId, version });
            return {
              app: released.app.id,
              version: released.version,
              installsUpdated: released.installsUpdated,
            };
          },
          async (remote) => {
            const released = await remote.request(
              'POST',
              `/v1/apps/apps/${encodeURIComponent(appId)}/versions/${encodeURIComponent(version)}/release`,
            );
            const { installs_updated, ...stored } = released as unknown as AppVersion & {
              installs_updated: number;
            };
            return { app: stored.app, version: stored, installsUpdated: installs_updated };
          },
        );
        const count = installsCount(result.installsUpdated);
        if (options.json) {
          return printJson(io, {
            app: result.app,
            version: result.version.version,
            ...(typeof result.installsUpdated === 'number'
              ? {}
              : { installs_updated: result.installsUpdated.map((i) => i.id) }),
            installs_updated_count: count,
          });
        }
        io.stdout(`released ${result.app} ${result.version.version}; ${count} install(s) updated\n`);
      },
    );

  apps
    .command('versions')
    .description("list an app's versions, oldest first")
    .argument('<app>', 'app id')
    .option('--json', 'print JSON: {"data":[app_version…]}')
    .action(async (appId: string, options: { json?: boolean } & RemoteOptions, command: Command) => {
      const versions = await storeOrRemote(
        io,
        command,
        options,
        (domain) => listAppVersions(domain, { actor: OPERATOR, app: appId }),
        async (remote) =>
          (
            await remote.listAll<AppVersion>(
              `/v1/apps/apps/${encodeURIComponent(appId)}/versions`,
              (v) => v.version,
            )
          ).reverse(), // the API lists newest first
      );
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

  apps
    .command('list')
    .description("apps in id order: an account's own (--account, or the --api-key's account), or every app")
    .option('--account <acct>', "only this developer account's apps (local store only)")
    .option('--json', 'print JSON: {"data":[app…]}')
    .action(async (options: { account?: string; json?: boolean } & RemoteOptions, command: Command) => {
      const list = await storeOrRemote(
        io,
        command,
        options,
        async (domain) => {
          const all: App[] = [];
          for (;;) {
            const after = all.at(-1)?.id;
            const page = await listApps(domain, {
              actor: OPERATOR,
              ...(options.account === undefined ? {} : { owner: options.account }),
              limit: 100,
              ...(after === undefined ? {} : { startingAfter: after }),
            });
            all.push(...page.data);
            if (!page.has_more) return all;
          }
        },
        (remote) => remote.listAll<App>('/v1/apps/apps', (a) => a.id),
      );
      if (options.json) return printJson(io, { data: list });
      io.stdout(
        `${table(
          ['APP', 'NAME', 'OWNER', 'ACCESS', 'DISTRIBUTION', 'CURRENT'],
          list.map((a) => [
            a.id,
            a.name,
            a.owner,
            a.stripe_api_access_type,
            a.distribution_type,
            a.current_version ?? '-',
          ]),
        )}\n`,
      );
    });

  apps
    .command('catalog')
    .description('the public catalogue: released public apps, their developer and what they request')
    .option('--json', 'print JSON: {"data":[apps.catalog_entry…]}')
    .action(async (options: { json?: boolean } & RemoteOptions, command: Command) => {
      const entries = await storeOrRemote(
        io,
        command,
        options,
        async (domain) => {
          const all: CatalogEntryObject[] = [];
          for (;;) {
            const after = all.at(-1)?.id;
            const page = await listCatalog(domain, {
              actor: OPERATOR,
              limit: 100,
              ...(after === undefined ? {} : { startingAfter: after }),
            });
            all.push(...page.data.map(catalogEntry));
            if (!page.has_more) return all;
          }
        },
        (remote) => remote.listAll<CatalogEntryObject>('/v1/apps/catalog', (e) => e.id),
      );
      if (options.json) return printJson(io, { data: entries });
      if (entries.length === 0) return io.stdout('no public app is released yet\n');
      const blocks = entries.map((e) => {
        const lines = [`${e.id} ${e.version}  ${e.name} — by ${e.developer.name} (${e.developer.id})`];
        const width = Math.max(...e.permissions.map((p) => p.permission.length), 0);
        for (const p of e.permissions) lines.push(`  ${p.permission.padEnd(width)}  ${p.purpose}`);
        if (e.permissions.length === 0) lines.push('  (requests no permission)');
        return lines.join('\n');
      });
      io.stdout(`${blocks.join('\n\n')}\n`);
    });

  for (const command of apps.commands) remoteOptions(command);
  registerAppsLinks(apps, io);

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

/** `--url` and `--api-key`: run the command against a remote appscope server. */
function remoteOptions(command: Command): Command {
  return command
    .option('--url <url>', 'a remote appscope server to act on over HTTP, instead of the local store')
    .option('--api-key <key>', "with --url: the account's secret key sk_… (default: APPSCOPE_API_KEY)");
}

/** Runs a command on the local store, or with `--url` on a remote server's apps API. */
async function storeOrRemote<T>(
  io: CliIo,
  command: Command,
  options: RemoteOptions & { readonly account?: string },
  onStore: (domain: Domain) => Promise<T>,
  onRemote: (remote: RemoteApi) => Promise<T>,
): Promise<T> {
  const remote = remoteApi(io, options);
  if (remote !== undefined) return onRemote(remote);
  return withDomain(io, command.optsWithGlobals<StoreOptions>(), onStore);
}

/** What an upload printed, from the store (installs by id) or over HTTP (a count). */
interface Uploaded {
  readonly app: string;
  readonly version: AppVersion;
  readonly released: boolean;
  readonly installsUpdated: readonly Install[] | number;
  readonly warnings: readonly Issue[];
}

/** What a release printed. */
interface Released {
  readonly app: string;
  readonly version: AppVersion;
  readonly installsUpdated: readonly Install[] | number;
}

function installsCount(installs: readonly Install[] | number): number {
  return typeof installs === 'number' ? installs : installs.length;
}

function printUpload(io: CliIo, result: Uploaded, json: boolean): void {
  const count = installsCount(result.installsUpdated);
  if (json) {
    printJson(io, {
      app: result.app,
      version: result.version.version,
      released: result.released,
      ...(typeof result.installsUpdated === 'number'
        ? {}
        : { installs_updated: result.installsUpdated.map((i) => i.id) }),
      installs_updated_count: count,
      warnings: result.warnings,
    });
    return;
  }
  const lines = [
    `uploaded ${result.app} ${result.version.version}${result.released ? ' and released it' : ' (not released)'}`,
  ];
  if (typeof result.installsUpdated === 'number') {
    if (count > 0) lines.push(`  ${count} install(s) updated`);
  } else {
    for (const install of result.installsUpdated) {
      lines.push(
        `  ${install.id}: ${install.approval_required ? `pending approval: ${install.permissions_pending.join(', ')}` : 'grant updated'}`,
      );
    }
  }
  if (result.warnings.length > 0) lines.push(formatIssues(result.warnings));
  io.stdout(`${lines.join('\n')}\n`);
}

function usage(message: string): AppscopeError {
  return new AppscopeError('ERR_USAGE', message);
}

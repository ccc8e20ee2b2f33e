import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import type { Catalog } from '../core/catalog/catalog.js';
import { formatRestrictedKeyTable, restrictedKeyTable } from '../core/least-privilege/restricted-key.js';
import { grantPermission, revokePermission } from '../core/manifest/edit.js';
import { editManifestFile } from '../core/manifest/edit-file.js';
import { parseManifest } from '../core/manifest/validate.js';
import { defaultSdkMethods } from '../core/routes/sdk-methods.js';
import { AppscopeError } from '../errors.js';
import { scanPaths } from '../scan/index.js';
import { catalogFor, type GlobalOptions, resolvePath } from './context.js';
import { routeTableFor } from './endpoints-resolve.js';
import { type CliIo, printJson } from './io.js';
import {
  buildReport,
  formatReport,
  type LeastPrivilegeReport,
  type ReportCall,
  type RequestedPermissions,
  reportExitCode,
} from './least-privilege-report.js';
import { DEFAULT_MANIFEST, readManifestText } from './manifest-validate.js';

interface ScanFlags {
  manifest?: string;
  json?: boolean;
  fix?: boolean;
  format?: string;
  strict?: boolean;
  routes?: string;
}

const FORMATS = ['text', 'json', 'rak'] as const;

/**
 * `appscope scan [PATH…] [--manifest FILE] [--json] [--fix] [--format text|json|rak] [--strict]`:
 * which permissions the code needs. The JavaScript and TypeScript under PATH (default `.`) are
 * scanned for Stripe calls (`src/scan/`); each call's requirement comes from the route table;
 * the report gives the minimal set for all of them and, against the manifest, what is missing,
 * unused and redundant. Exit 0 when the manifest covers every call, 1 when permissions are
 * missing (with `--strict`, also unused or redundant ones), 2 for usage errors.
 */
export function registerScan(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('scan')
    .description('find the Stripe calls in JavaScript/TypeScript code and the permissions they need')
    .argument('[paths...]', 'files or directories to scan (default: .)')
    .option(
      '--manifest <path>',
      `the app manifest to compare with (default: ${DEFAULT_MANIFEST} in the first PATH, if any)`,
    )
    .option('--json', 'print the report as JSON (same as --format json)')
    .option(
      '--format <format>',
      'text, json, or rak (the restricted-key form: resource → None/Read/Write)',
      'text',
    )
    .option('--fix', 'edit the manifest: add what is missing, remove what is unused or redundant')
    .option('--strict', 'exit 1 also when the manifest requests unused or redundant permissions')
    .option('--routes <path>', 'a route table generated for a custom catalog')
    .action(async (paths: string[], flags: ScanFlags) => {
      const globals = program.opts<GlobalOptions>();
      const format = flags.json === true ? 'json' : (flags.format ?? 'text');
      if (!(FORMATS as readonly string[]).includes(format)) {
        throw new AppscopeError('ERR_USAGE', `--format: use text, json or rak, not \`${format}\``);
      }
      const catalog = catalogFor(io, globals);
      const routes = routeTableFor(io, globals, flags.routes);
      const targets = (paths.length === 0 ? ['.'] : paths).map((path) => {
        const full = resolvePath(io, path);
        if (!existsSync(full)) throw new AppscopeError('ERR_USAGE', `no such file or directory: \`${path}\``);
        return full;
      });
      const manifestPath = manifestFor(io, flags.manifest, targets[0]!);
      if (flags.fix === true && manifestPath === undefined) {
        throw new AppscopeError(
          'ERR_USAGE',
          `--fix needs a manifest: pass --manifest, or scan the app's folder (with its ${DEFAULT_MANIFEST})`,
        );
      }
      const scan = scanPaths(targets, { sdkMethods: defaultSdkMethods(), routes });
      const shown = (file: string): string => relative(io.cwd, file) || file;
      const calls: ReportCall[] = scan.calls.map((call) => ({ ...call, file: shown(call.file) }));
      const unresolved = scan.unresolved.map((entry) => ({ ...entry, file: shown(entry.file) }));
      const requested = manifestPath === undefined ? undefined : requestedBy(io, catalog, manifestPath);
      let report = buildReport(catalog, calls, unresolved, requested);
      if (flags.fix === true && requested !== undefined) {
        await fix(io, catalog, requested.path, report);
        report = buildReport(catalog, calls, unresolved, requestedBy(io, catalog, requested.path));
      }
      if (format === 'json') printJson(io, report);
      else if (format === 'rak')
        io.stdout(formatRestrictedKeyTable(restrictedKeyTable(catalog, report.permissions)));
      else io.stdout(formatReport(catalog, report));
      setExit(reportExitCode(report, flags.strict === true));
    });
}

/** `--manifest`, or `stripe-app.json` in the first PATH when it is a directory holding one. */
function manifestFor(io: CliIo, flag: string | undefined, first: string): string | undefined {
  if (flag !== undefined) {
    readManifestText(io, flag); // a missing file is a usage error, named
    return flag;
  }
  const folder = statSync(first).isDirectory() ? first : undefined;
  if (folder === undefined) return undefined;
  const candidate = join(folder, DEFAULT_MANIFEST);
  return existsSync(candidate) ? relative(io.cwd, candidate) || DEFAULT_MANIFEST : undefined;
}

/** The permissions a manifest requests; an invalid manifest is refused with its issues. */
export function requestedBy(io: CliIo, catalog: Catalog, path: string): RequestedPermissions {
  const validation = parseManifest(readManifestText(io, path), catalog);
  if (validation.manifest === undefined) {
    const errors = validation.issues.filter((issue) => issue.severity === 'error');
    throw new AppscopeError(
      'ERR_MANIFEST_INVALID',
      `\`${path}\` is not a valid manifest: run \`appscope manifest validate ${path}\``,
      {
        issues: errors,
      },
    );
  }
  return { path, requested: validation.manifest.permissions.map((entry) => entry.permission) };
}

/**
 * `--fix`: one format-preserving edit of the manifest — adds each missing permission with a
 * purpose naming the calls that need it (for the developer to reword), removes the unused and
 * redundant ones, keeps every other purpose; the result is validated before it is written.
 */
async function fix(io: CliIo, catalog: Catalog, path: string, report: LeastPrivilegeReport): Promise<void> {
  const manifest = report.manifest;
  if (manifest === undefined) return;
  const remove = [...new Set([...manifest.unused, ...manifest.redundant])];
  const add = manifest.missing.map((name) => ({ name, purpose: purposeFor(catalog, name, report.calls) }));
  if (remove.length === 0 && add.length === 0) return;
  await editManifestFile(
    resolvePath(io, path),
    (text) => {
      let edited = text;
      for (const { name, purpose } of add) edited = grantPermission(edited, name, purpose, catalog);
      for (const name of remove) edited = revokePermission(edited, name);
      return edited;
    },
    { catalog },
  );
}

/** "Needed by GET /v1/invoices/{invoice} (src/billing.ts:12), …" — the calls a permission serves. */
function purposeFor(catalog: Catalog, name: string, calls: readonly ReportCall[]): string {
  const closure = catalog.closure([name]);
  const uses: string[] = [];
  for (const call of calls) {
    if (!call.requires.some((group) => group.some((g) => closure.has(catalog.indexOf(g))))) continue;
    const where = call.file === undefined ? '' : ` (${call.file}:${call.line ?? 0})`;
    const use = `${call.operation}${where}`;
    if (!uses.includes(use)) uses.push(use);
  }
  const shown = uses.slice(0, 3).join(', ');
  return `Needed by ${shown}${uses.length > 3 ? ` and ${uses.length - 3} more` : ''} (found by appscope scan: say why the app needs it)`;
}

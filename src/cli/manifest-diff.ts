import type { Command } from 'commander';
import { diffManifests } from '../core/manifest/diff.js';
import { parseManifest } from '../core/manifest/validate.js';
import { AppscopeError } from '../errors.js';
import { catalogFor, type GlobalOptions } from './context.js';
import { type CliIo, printJson } from './io.js';
import { readManifestText } from './manifest-validate.js';

/** `appscope manifest diff OLD NEW [--json]` */
export function registerManifestDiff(manifest: Command, io: CliIo): void {
  manifest
    .command('diff')
    .description('compare the permissions of two manifests and tell whether the change needs approval')
    .argument('<old>', 'the manifest installs run today')
    .argument('<new>', 'the manifest about to be released')
    .option('--json', 'print JSON: {"added","removed","effectiveAdded","effectiveRemoved","elevates"}')
    .action((oldPath: string, newPath: string, options: { json?: boolean }, command: Command) => {
      const catalog = catalogFor(io, command.optsWithGlobals<GlobalOptions>());
      const [before, after] = [oldPath, newPath].map((path) => {
        const validation = parseManifest(readManifestText(io, path), catalog);
        if (!validation.valid || validation.manifest === undefined) {
          const errors = validation.issues.filter((i) => i.severity === 'error');
          throw new AppscopeError(
            'ERR_MANIFEST_INVALID',
            `manifest \`${path}\` is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}); run \`appscope manifest validate ${path}\``,
            { issues: errors },
          );
        }
        return validation.manifest;
      }) as [
        NonNullable<ReturnType<typeof parseManifest>['manifest']>,
        NonNullable<ReturnType<typeof parseManifest>['manifest']>,
      ];
      const diff = diffManifests(before, after, catalog);
      if (options.json) {
        printJson(io, {
          added: diff.added,
          removed: diff.removed,
          effectiveAdded: diff.effectiveAdded,
          effectiveRemoved: diff.effectiveRemoved,
          elevates: diff.elevates,
        });
        return;
      }
      const show = (label: string, names: readonly string[]) =>
        `  ${label.padEnd(19)}${names.length === 0 ? '-' : names.join(', ')}`;
      const lines = [
        `${oldPath} → ${newPath}`,
        show('requested added:', diff.added),
        show('requested removed:', diff.removed),
        show('effective added:', diff.effectiveAdded),
        show('effective removed:', diff.effectiveRemoved),
      ];
      for (const change of diff.purposeChanged)
        lines.push(`  purpose changed:   ${change.permission}: "${change.from}" → "${change.to}"`);
      lines.push(
        diff.elevates
          ? `\nelevates access: installs keep working on what they were granted; ${diff.effectiveAdded.join(', ')} stay pending until an admin approves`
          : '\ndoes not elevate access: installs upgrade without a new approval',
      );
      io.stdout(`${lines.join('\n')}\n`);
    });
}

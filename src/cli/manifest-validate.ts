import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatIssues } from '../core/issues.js';
import { parseManifest } from '../core/manifest/validate.js';
import { AppscopeError } from '../errors.js';
import { catalogFor, type GlobalOptions, resolvePath } from './context.js';
import { type CliIo, EXIT_FAILURE, printJson } from './io.js';

export const DEFAULT_MANIFEST = 'stripe-app.json';

/** `appscope manifest validate [PATH] [--json]` — exit 0 valid (warnings allowed), 1 invalid, 2 usage. */
export function registerManifestValidate(
  manifest: Command,
  io: CliIo,
  setExit: (code: number) => void,
): void {
  manifest
    .command('validate')
    .description('check a stripe-app.json manifest and list every issue')
    .argument('[path]', 'manifest file', DEFAULT_MANIFEST)
    .option('--json', 'print JSON for scripts: {"valid", "issues"}')
    .action((path: string, options: { json?: boolean }, command: Command) => {
      const catalog = catalogFor(io, command.optsWithGlobals<GlobalOptions>());
      const validation = parseManifest(readManifestText(io, path), catalog);
      if (options.json) printJson(io, { valid: validation.valid, issues: validation.issues });
      else {
        const errors = validation.issues.filter((i) => i.severity === 'error').length;
        const warnings = validation.issues.length - errors;
        if (validation.issues.length > 0) io.stdout(`${formatIssues(validation.issues)}\n\n`);
        io.stdout(
          validation.valid
            ? `${path}: valid${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}\n`
            : `${path}: invalid (${errors} error${errors === 1 ? '' : 's'}${warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''})\n`,
        );
      }
      if (!validation.valid) setExit(EXIT_FAILURE);
    });
}

/** Reads a manifest for a command; a missing file is a usage error (exit 2) that names the path. */
export function readManifestText(io: CliIo, path: string): string {
  const full = resolvePath(io, path);
  if (!existsSync(full)) {
    throw new AppscopeError(
      'ERR_USAGE',
      `no manifest at \`${path}\` (pass a path, or run in the app's folder)`,
    );
  }
  try {
    return readFileSync(full, 'utf8');
  } catch (error) {
    throw new AppscopeError('ERR_FILE_READ', `cannot read manifest \`${path}\`: ${(error as Error).message}`);
  }
}

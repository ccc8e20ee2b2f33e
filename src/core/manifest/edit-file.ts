import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { AppscopeError } from '../../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import { defaultCatalog } from '../catalog/load.js';
import { formatIssues, type Issue } from '../issues.js';
import { type ManifestValidation, parseManifest } from './validate.js';

/** What {@link editManifestFile} did. */
export interface ManifestFileEdit {
  readonly path: string;
  /** False when the edit produced the same text (nothing was written). */
  readonly changed: boolean;
  readonly before: string;
  readonly after: string;
  /** Validation of the text after the edit (warnings included). */
  readonly validation: ManifestValidation;
}

export interface EditManifestFileOptions {
  /** Catalog to validate against; the built-in Stripe Apps catalog by default. */
  readonly catalog?: Catalog;
  /** Compute and validate the edit, but do not write. */
  readonly dryRun?: boolean;
}

/**
 * Reads a manifest file, applies a text edit (such as {@link grantPermission}), re-validates
 * the result and writes it atomically (a temporary file renamed over the original), so a failed
 * edit never leaves a broken or half-written file.
 *
 * Refuses to write (`ERR_MANIFEST_EDIT`, with the issues) when the edit would make a valid
 * manifest invalid, or add errors to one that already had some; an invalid manifest can still be
 * edited towards validity. If the file changes on disk while the edit is computed, nothing is
 * written (`ERR_FILE_WRITE`). Errors: `ERR_FILE_READ` / `ERR_FILE_WRITE` name the path; the edit's
 * own `ERR_MANIFEST_EDIT` passes through unchanged.
 *
 * @example
 * const result = await editManifestFile('stripe-app.json', (text) =>
 *   grantPermission(text, 'customer_read', 'Show the customer’s orders', catalog),
 * );
 * result.validation.issues; // warnings such as `redundant_permission`, if any
 */
export async function editManifestFile(
  path: string,
  edit: (text: string) => string,
  options: EditManifestFileOptions = {},
): Promise<ManifestFileEdit> {
  const catalog = options.catalog ?? defaultCatalog();
  const before = await read(path);
  const after = edit(before);
  const validation = parseManifest(after, catalog);
  if (after === before) return { path, changed: false, before, after, validation };

  const errorsAfter = errors(validation.issues);
  if (errorsAfter.length > 0) {
    const errorsBefore = errors(parseManifest(before, catalog).issues);
    if (errorsBefore.length === 0 || errorsAfter.length > errorsBefore.length) {
      const n = errorsAfter.length;
      throw new AppscopeError(
        'ERR_MANIFEST_EDIT',
        `refusing to write \`${path}\`: the edit would leave ${n} error${n === 1 ? '' : 's'}${
          errorsBefore.length === 0 ? ' in a valid manifest' : ` (it had ${errorsBefore.length})`
        }:\n${formatIssues(errorsAfter)}`,
        { issues: errorsAfter },
      );
    }
  }
  if (options.dryRun === true) return { path, changed: true, before, after, validation };

  if ((await read(path, 'ERR_FILE_WRITE')) !== before)
    throw new AppscopeError(
      'ERR_FILE_WRITE',
      `cannot write manifest \`${path}\`: it changed on disk during the edit; nothing was written, try again`,
    );
  try {
    await writeFileAtomic(path, after, { encoding: 'utf8' });
  } catch (error) {
    throw new AppscopeError('ERR_FILE_WRITE', `cannot write manifest \`${path}\`: ${reason(error)}`, {
      cause: error,
    });
  }
  return { path, changed: true, before, after, validation };
}

async function read(
  path: string,
  code: 'ERR_FILE_READ' | 'ERR_FILE_WRITE' = 'ERR_FILE_READ',
): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const verb = code === 'ERR_FILE_READ' ? 'read' : 'write';
    throw new AppscopeError(code, `cannot ${verb} manifest \`${path}\`: ${reason(error)}`, { cause: error });
  }
}

function errors(issues: readonly Issue[]): Issue[] {
  return issues.filter((issue) => issue.severity === 'error');
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a parent of the path is not a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    default: {
      const message = error instanceof Error ? error.message : String(error);
      return message.length > 0 ? message[0]!.toLowerCase() + message.slice(1) : 'unknown error';
    }
  }
}

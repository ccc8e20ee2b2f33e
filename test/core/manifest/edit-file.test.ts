import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import { grantPermission, revokePermission } from '../../../src/core/manifest/edit.js';
import { editManifestFile } from '../../../src/core/manifest/edit-file.js';
import { AppscopeError } from '../../../src/errors.js';

const writes = vi.hoisted(() => ({ fail: false }));
vi.mock('write-file-atomic', async (importOriginal) => {
  const actual = await importOriginal<{ default: typeof import('write-file-atomic') }>();
  return {
    default: async (...args: Parameters<typeof actual.default>) => {
      if (writes.fail) throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
      return actual.default(...args);
    },
  };
});

const catalog = defaultCatalog();
const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/manifests/${name}`, import.meta.url));

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-manifest-'));
  path = join(dir, 'stripe-app.json');
  writes.fail = false;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<AppscopeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppscopeError);
    return error as AppscopeError;
  }
  throw new Error('expected the edit to fail');
}

describe('editManifestFile', () => {
  it('writes the edited text and returns the validation of the result', async () => {
    writeFileSync(path, fixture('four-space.json'));
    const before = readFileSync(path, 'utf8');
    const result = await editManifestFile(
      path,
      (text) => grantPermission(text, 'customer_write', 'Edit', catalog),
      {
        catalog,
      },
    );
    const after = grantPermission(before, 'customer_write', 'Edit', catalog);
    expect(result).toMatchObject({ path, changed: true, before, after });
    expect(readFileSync(path, 'utf8')).toBe(after);
    expect(result.validation.valid).toBe(true);
    expect(result.validation.issues.map((i) => [i.code, i.path])).toEqual([
      ['redundant_permission', 'permissions[1].permission'],
    ]);
    expect(readdirSync(dir)).toEqual(['stripe-app.json']);
  });

  it('uses the built-in catalog by default and writes nothing for a no-op edit', async () => {
    writeFileSync(path, fixture('minimal.json'));
    const result = await editManifestFile(path, (text) => text);
    expect(result.changed).toBe(false);
    expect(result.validation.valid).toBe(true);
  });

  it('dry run validates but does not write', async () => {
    writeFileSync(path, fixture('minimal.json'));
    const result = await editManifestFile(
      path,
      (text) => grantPermission(text, 'charge_read', 'x', catalog),
      {
        dryRun: true,
      },
    );
    expect(result.changed).toBe(true);
    expect(readFileSync(path)).toEqual(fixture('minimal.json'));
  });

  it('a refused edit leaves the file byte-identical', async () => {
    writeFileSync(path, fixture('four-space.json'));
    const error = await failure(
      editManifestFile(path, (text) => grantPermission(text, 'custmer_write', 'x', catalog), { catalog }),
    );
    expect(error.code).toBe('ERR_MANIFEST_EDIT');
    expect(error.message).toBe('unknown permission `custmer_write`; did you mean `customer_write`?');
    expect(readFileSync(path)).toEqual(fixture('four-space.json'));
  });

  it('never makes a valid manifest invalid', async () => {
    writeFileSync(path, fixture('minimal.json'));
    const error = await failure(
      editManifestFile(path, (text) => text.replace('"com.example.backend-sync"', '"backend sync"'), {
        catalog,
      }),
    );
    expect(error.code).toBe('ERR_MANIFEST_EDIT');
    expect(error.message).toBe(
      `refusing to write \`${path}\`: the edit would leave 1 error in a valid manifest:\n` +
        'error   invalid_id                   id: `backend sync` is not a valid app id: use only letters, digits, `_`, `-` and `.`, e.g. `com.example.myapp`',
    );
    expect(error.issues.map((i) => i.code)).toEqual(['invalid_id']);
    expect(readFileSync(path)).toEqual(fixture('minimal.json'));
  });

  it('edits an invalid manifest towards validity, but refuses to add errors to it', async () => {
    writeFileSync(path, fixture('many-problems.json'));
    const fixed = await editManifestFile(path, (text) => revokePermission(text, 'custmer_read'), { catalog });
    expect(fixed.changed).toBe(true);
    expect(fixed.validation.issues.some((i) => i.code === 'unknown_permission')).toBe(false);
    const current = readFileSync(path);
    const error = await failure(
      editManifestFile(path, (text) => text.replace('"name": "Broken"', '"name": ""'), { catalog }),
    );
    expect(error.message).toMatch(/^refusing to write `.*`: the edit would leave 21 errors \(it had 20\):\n/);
    expect(readFileSync(path)).toEqual(current);
  });

  it('names the path when the file cannot be read', async () => {
    const missing = join(dir, 'nope.json');
    const error = await failure(editManifestFile(missing, (text) => text, { catalog }));
    expect(error.code).toBe('ERR_FILE_READ');
    expect(error.message).toBe(`cannot read manifest \`${missing}\`: no such file or directory`);
  });

  it('names the path when the file cannot be written, and leaves it byte-identical', async () => {
    writeFileSync(path, fixture('two-space.json'));
    writes.fail = true;
    const error = await failure(
      editManifestFile(path, (text) => grantPermission(text, 'charge_read', 'x', catalog), { catalog }),
    );
    expect(error.code).toBe('ERR_FILE_WRITE');
    expect(error.message).toBe(`cannot write manifest \`${path}\`: read-only file system`);
    expect(readFileSync(path)).toEqual(fixture('two-space.json'));
  });

  it('writes nothing when the file changes on disk during the edit', async () => {
    writeFileSync(path, fixture('minimal.json'));
    const theirs = grantPermission(readFileSync(path, 'utf8'), 'coupon_read', 'theirs', catalog);
    const error = await failure(
      editManifestFile(
        path,
        (text) => {
          writeFileSync(path, theirs);
          return grantPermission(text, 'charge_read', 'ours', catalog);
        },
        { catalog },
      ),
    );
    expect(error.code).toBe('ERR_FILE_WRITE');
    expect(error.message).toBe(
      `cannot write manifest \`${path}\`: it changed on disk during the edit; nothing was written, try again`,
    );
    expect(readFileSync(path, 'utf8')).toBe(theirs);
  });
});

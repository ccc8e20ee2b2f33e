import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { defaultSdkMethods } from '../../src/core/routes/sdk-methods.js';
import {
  type ScanContext,
  type ScanPathsResult,
  type ScanResult,
  scanPaths,
  scanSource,
} from '../../src/scan/index.js';

/** The built-in route table and SDK method table. */
export const context: ScanContext = { sdkMethods: defaultSdkMethods(), routes: defaultRouteTable() };

/** `scanSource` with the built-in tables, checking that the prefilter changes nothing. */
export function scan(code: string, filename = 'app.ts'): ScanResult {
  const result = scanSource(code, filename, context);
  expect(scanSource(code, filename, { ...context, prefilter: false })).toEqual(result);
  return result;
}

/**
 * `scanPaths` over files written to a fresh temporary directory (names relative to it, as are
 * the files in the result), checking that the prefilter changes nothing but what is parsed.
 * `paths` are what is scanned (default: the whole directory).
 */
export function scanProject(
  files: Record<string, string>,
  paths: readonly string[] = ['.'],
): ScanPathsResult {
  const root = mkdtempSync(join(tmpdir(), 'appscope-crossfile-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    const scanned = paths.map((path) => join(root, path));
    const result = scanPaths(scanned, context);
    expect(scanPaths(scanned, { ...context, prefilter: false })).toEqual({ ...result, parsed: result.files });
    const local = <T extends { file: string }>(entry: T): T => ({
      ...entry,
      file: relative(root, entry.file),
    });
    return { ...result, calls: result.calls.map(local), unresolved: result.unresolved.map(local) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** `via operation [expand]` per call, for compact assertions. */
export function ops(result: ScanResult): string[] {
  return result.calls.map(
    (call) => `${call.via} ${call.operation}${call.expand.length > 0 ? ` [${call.expand.join(', ')}]` : ''}`,
  );
}

/** `code via` per unresolved entry. */
export function problems(result: ScanResult): string[] {
  return result.unresolved.map((entry) => `${entry.code} ${entry.via ?? ''}`.trim());
}

import { expect } from 'vitest';

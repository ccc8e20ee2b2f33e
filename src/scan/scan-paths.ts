import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { ModuleGraph } from './modules.js';
import { SOURCE_EXTENSIONS, scanFile } from './scan-source.js';
import type { ScanCall, ScanContext, ScanPathsResult, Unresolved } from './types.js';

/** Directories never walked into: dependencies, build output, coverage, version control. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set([
  'node_modules',
  'dist',
  'build',
  'out',
  'coverage',
  '.git',
]);

/**
 * Inside a dependency (a directory named to the scan whose path goes through `node_modules`,
 * or `node_modules` itself), build output is the code: only nested dependencies and
 * version control are skipped.
 */
const SKIPPED_IN_DEPENDENCIES: ReadonlySet<string> = new Set(['node_modules', '.git']);

const EXTENSIONS: ReadonlySet<string> = new Set(SOURCE_EXTENSIONS);

/**
 * Scans files and directories, following Stripe clients across the files scanned: a first
 * pass reads what each file exports that is a client (or a part of one, a function returning
 * one, …), a second finds the calls with each file's imports of those known
 * (`import { stripe } from './client'`, `const { stripe } = require('./client')`). Relative
 * specifiers resolve among the scanned files as Node and TypeScript resolve them (see
 * {@link ModuleGraph.resolve}); packages are not followed. Directories are walked (sorted, skipping
 * {@link SKIPPED_DIRECTORIES} and `*.d.ts` files) for {@link SOURCE_EXTENSIONS}; a path named
 * in `paths` is always scanned (a file whatever its extension, a directory whatever its name:
 * only directories found while walking are skipped). A named directory inside `node_modules`
 * is a dependency as published: its `dist/`, `build/` and `out/` are walked too. A file that cannot be read or parsed is one
 * `unresolved` entry, never the end of the scan. Files are reported by the path they were
 * reached by (`paths[i]` joined with the walk).
 * @example
 * const result = scanPaths(['src'], { sdkMethods, routes: defaultRouteTable() });
 * console.log(`${result.calls.length} calls in ${result.files} files (${result.lines} lines)`);
 */
export function scanPaths(paths: readonly string[], context: ScanContext): ScanPathsResult {
  const files: string[] = [];
  const unresolved: Unresolved[] = [];
  for (const path of paths) {
    const dependency = resolve(path).split(sep).includes('node_modules');
    collect(path, true, files, unresolved, dependency ? SKIPPED_IN_DEPENDENCIES : SKIPPED_DIRECTORIES);
  }
  const calls: ScanCall[] = [];
  let lines = 0;
  let parsed = 0;
  const scanned = new Set<string>();
  const sources = new Map<string, string>();
  for (const file of files) {
    if (scanned.has(file)) continue;
    scanned.add(file);
    try {
      sources.set(file, readFileSync(file, 'utf8'));
    } catch (error) {
      unresolved.push(readError(file, error));
    }
  }
  const graph = new ModuleGraph(sources, context);
  for (const [file, code] of sources) {
    lines += countLines(code);
    const result = scanFile(code, file, context, graph.importsOf(file));
    if (result.parsed) parsed++;
    calls.push(...result.calls);
    unresolved.push(...result.unresolved);
  }
  const byPosition = (a: { file: string; line: number; column: number }, b: typeof a): number =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column;
  return {
    calls: calls.sort(byPosition),
    unresolved: unresolved.sort(byPosition),
    files: scanned.size,
    lines,
    parsed,
  };
}

function collect(
  path: string,
  named: boolean,
  files: string[],
  unresolved: Unresolved[],
  skipped: ReadonlySet<string>,
): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    unresolved.push(readError(path, error));
    return;
  }
  if (!isDirectory) {
    if (named || (EXTENSIONS.has(extname(path)) && !path.endsWith('.d.ts') && !/\.d\.[mc]ts$/.test(path))) {
      files.push(path);
    }
    return;
  }
  let entries: string[];
  try {
    entries = readdirSync(path).sort();
  } catch (error) {
    unresolved.push(readError(path, error));
    return;
  }
  for (const entry of entries) {
    if (skipped.has(entry)) continue;
    collect(join(path, entry), false, files, unresolved, skipped);
  }
}

function readError(file: string, error: unknown): Unresolved {
  return { file, line: 1, column: 1, code: 'read_error', reason: `cannot read: ${(error as Error).message}` };
}

function countLines(code: string): number {
  if (code.length === 0) return 0;
  let lines = code.endsWith('\n') ? 0 : 1;
  for (let i = code.indexOf('\n'); i >= 0; i = code.indexOf('\n', i + 1)) lines++;
  return lines;
}

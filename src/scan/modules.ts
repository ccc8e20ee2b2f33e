import { dirname, extname, join, resolve } from 'node:path';
import type { ParseResult } from 'oxc-parser';
import { type ModuleExports, moduleExports } from './analyze.js';
import { type FileImports, parseSource, SOURCE_EXTENSIONS } from './scan-source.js';
import type { ScanContext } from './types.js';

/** What a specifier without a scanned extension is tried with, in order (`./client` → `./client.ts`). */
const TRY_EXTENSIONS: readonly string[] = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** The TypeScript sources a JavaScript specifier stands for (`./client.js` → `./client.ts`). */
const TYPESCRIPT_FOR: ReadonlyMap<string, readonly string[]> = new Map([
  ['.js', ['.ts', '.tsx']],
  ['.jsx', ['.tsx']],
  ['.mjs', ['.mts']],
  ['.cjs', ['.cts']],
]);
const SCANNED: ReadonlySet<string> = new Set(SOURCE_EXTENSIONS);
/** Quoted relative specifiers anywhere in a source: every `from`, `require` and `import(…)` is among them. */
const RELATIVE_SPECIFIER = /(["'])(\.\.?(?:\/[^"'\n]*)?)\1/g;
const MENTIONS_STRIPE = /stripe/i;

/**
 * The files of one scan and what each exports that the scanner knows something about (the
 * first of `scanPaths`' two passes). A file's exports are read on demand, after those of the
 * files it imports from; a file is parsed for them only when it mentions `stripe` or imports
 * from a scanned file that exports something known, so most files are never parsed here. In
 * an import cycle, a file still being read exports nothing to the file that reached it again.
 */
export class ModuleGraph {
  readonly #sources: ReadonlyMap<string, string>;
  readonly #context: ScanContext;
  /** absolute path → the file as the scan reached it */
  readonly #files = new Map<string, string>();
  readonly #exports = new Map<string, ModuleExports | null | 'reading'>();
  readonly #parsed = new Map<string, ParseResult>();
  readonly #specifiers = new Map<string, readonly string[]>();

  /** `sources`: each file's text by the path it was reached by. */
  constructor(sources: ReadonlyMap<string, string>, context: ScanContext) {
    this.#sources = sources;
    this.#context = context;
    for (const file of sources.keys()) this.#files.set(resolve(file), file);
  }

  /**
   * The scanned file a relative specifier of `from` names, as Node and TypeScript resolve it:
   * the file itself, a TypeScript source for a JavaScript name (`./client.js` → `client.ts`),
   * the name with each extension, then its `index`. Bare specifiers (packages) are not followed.
   */
  resolve(from: string, specifier: string): string | undefined {
    if (
      !specifier.startsWith('./') &&
      !specifier.startsWith('../') &&
      specifier !== '.' &&
      specifier !== '..'
    ) {
      return undefined;
    }
    const base = resolve(dirname(from), specifier);
    const found = (path: string): string | undefined => this.#files.get(path);
    const extension = extname(base);
    if (SCANNED.has(extension)) {
      const exact = found(base);
      if (exact !== undefined) return exact;
      const stem = base.slice(0, -extension.length);
      for (const replacement of TYPESCRIPT_FOR.get(extension) ?? []) {
        const file = found(stem + replacement);
        if (file !== undefined) return file;
      }
      return undefined;
    }
    for (const candidate of TRY_EXTENSIONS) {
      const file = found(base + candidate);
      if (file !== undefined) return file;
    }
    for (const candidate of TRY_EXTENSIONS) {
      const file = found(join(base, `index${candidate}`));
      if (file !== undefined) return file;
    }
    return undefined;
  }

  /** What `file` imports from the other scanned files, for the second pass; its parse, when the first pass made one, is handed over. */
  importsOf(file: string): FileImports {
    const parsed = this.#parsed.get(file);
    this.#parsed.delete(file);
    return {
      modules: (specifier) => this.#exportsOfSpecifier(file, specifier),
      anyKnown: () => this.#importsKnown(file),
      parsed,
    };
  }

  /** What a scanned file exports that the scanner knows something about. */
  exportsOf(file: string): ModuleExports | undefined {
    const state = this.#exports.get(file);
    if (state === 'reading') return undefined; // an import cycle
    if (state !== undefined) return state ?? undefined;
    const code = this.#sources.get(file);
    if (code === undefined) return undefined;
    this.#exports.set(file, 'reading');
    let exports: ModuleExports | undefined;
    // exact, not a heuristic: without `stripe` in its text or a known import, a file has nothing to export
    if (MENTIONS_STRIPE.test(code) || this.#importsKnown(file)) {
      const parsed = parseSource(code, file);
      if (parsed.errors.length === 0) {
        this.#parsed.set(file, parsed);
        exports = moduleExports(parsed.program, this.#context, (specifier) =>
          this.#exportsOfSpecifier(file, specifier),
        );
      }
    }
    this.#exports.set(file, exports ?? null);
    return exports;
  }

  #exportsOfSpecifier(from: string, specifier: string): ModuleExports | undefined {
    const file = this.resolve(from, specifier);
    return file === undefined ? undefined : this.exportsOf(file);
  }

  /** Whether a file's text names a scanned file that exports something known. */
  #importsKnown(file: string): boolean {
    let specifiers = this.#specifiers.get(file);
    if (specifiers === undefined) {
      const code = this.#sources.get(file) ?? '';
      specifiers =
        code.includes("'.") || code.includes('".')
          ? [...code.matchAll(RELATIVE_SPECIFIER)].map((match) => match[2]!)
          : [];
      this.#specifiers.set(file, specifiers);
    }
    return specifiers.some((specifier) => this.#exportsOfSpecifier(file, specifier) !== undefined);
  }
}

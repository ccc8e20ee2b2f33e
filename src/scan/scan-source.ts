import { type ParseResult, parseSync } from 'oxc-parser';
import { analyzeProgram, type ImportedModules } from './analyze.js';
import type { ScanCall, ScanContext, ScanResult, SdkMethodLookup, Unresolved } from './types.js';

/** Extensions of the files the scanner reads. */
export const SOURCE_EXTENSIONS: readonly string[] = Object.freeze([
  '.js',
  '.mjs',
  '.cjs',
  '.ts',
  '.mts',
  '.cts',
  '.jsx',
  '.tsx',
]);

/**
 * Finds the Stripe calls in one JavaScript or TypeScript source: SDK calls on clients however
 * they were made, `rawRequest`, and `fetch`/`axios`-style calls to `https://api.stripe.com`,
 * each placed in the route table with what it requires. What cannot be placed is listed in
 * `unresolved` with its reason, as is a source that does not parse. `filename` names the
 * file in the results and picks the dialect: `.cjs`/`.cts` are CommonJS, `.mjs`/`.mts`
 * modules, others either.
 * @example
 * const { calls } = scanSource("stripe.invoices.retrieve('in_1')", 'a.ts', context);
 * // without a known client this is unresolved: `receiver not known to be a Stripe client`
 */
export function scanSource(code: string, filename: string, context: ScanContext): ScanResult {
  const { calls, unresolved } = scanFile(code, filename, context);
  return { calls, unresolved };
}

/** What a file scanned as part of a project knows about the other files (see `scanPaths`). */
export interface FileImports {
  /** the exports of the files it imports, by specifier */
  readonly modules: ImportedModules;
  /** whether it imports anything {@link FileImports.modules} knows: the prefilter must let it through */
  readonly anyKnown: () => boolean;
  /** the source already parsed (while reading what the file exports) */
  readonly parsed?: ParseResult | undefined;
}

/** Parses a source in the dialect its name says. */
export function parseSource(code: string, filename: string): ParseResult {
  return parseSync(filename, code, { sourceType: sourceTypeOf(filename), preserveParens: false });
}

/** {@link scanSource}, saying whether the source got past the prefilter to the parser. */
export function scanFile(
  code: string,
  filename: string,
  context: ScanContext,
  imports?: FileImports,
): ScanResult & { readonly parsed: boolean } {
  if (
    context.prefilter !== false &&
    !mayHaveFindings(code, context.sdkMethods) &&
    !(imports?.anyKnown() ?? false)
  ) {
    return { calls: [], unresolved: [], parsed: false };
  }
  const parsed = imports?.parsed ?? parseSource(code, filename);
  const positions = new Positions(code);
  if (parsed.errors.length > 0) {
    const error = parsed.errors[0]!;
    const { line, column } = positions.at(error.labels[0]?.start ?? 0);
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : '';
    return {
      parsed: true,
      calls: [],
      unresolved: [
        {
          file: filename,
          line,
          column,
          code: 'parse_error',
          reason: `cannot parse: ${error.message}${more}`,
        },
      ],
    };
  }
  const calls: ScanCall[] = [];
  const unresolved: Unresolved[] = [];
  const findings = analyzeProgram(parsed.program, context, imports?.modules).sort(
    (a, b) => a.offset - b.offset,
  );
  for (const finding of findings) {
    const { line, column } = positions.at(finding.offset);
    if (finding.placed !== undefined) {
      calls.push({
        file: filename,
        line,
        column,
        via: finding.via,
        operation: finding.placed.operation,
        expand: finding.placed.expand,
        requires: finding.placed.requires,
      });
    } else if (finding.problem !== undefined) {
      unresolved.push({ file: filename, line, column, via: finding.via, ...finding.problem });
    }
  }
  return { calls, unresolved, parsed: true };
}

function sourceTypeOf(filename: string): 'module' | 'commonjs' | 'unambiguous' {
  if (/\.c[jt]s$/.test(filename)) return 'commonjs';
  if (/\.m[jt]s$/.test(filename)) return 'module';
  return 'unambiguous';
}

const MENTIONS_STRIPE = /stripe|rawRequest/i;
const MEMBER_CALL = /[A-Za-z_$][\w$]*(?:\s*!?\s*\??\.\s*[A-Za-z_$][\w$]*){1,3}\s*\(/g;

/**
 * Whether a source can hold anything the scanner reports, read from the text alone: it
 * mentions `stripe` (any case: the package, the type, the host, a variable) or `rawRequest`,
 * or it has a member chain `a.b(`…`a.b.c.d(` whose last two to four names are an SDK method
 * (what an unknown receiver is reported for). Everything else, about nine files in ten of a
 * typical codebase, is not parsed. Syntax errors in such a file go unreported: it holds no
 * Stripe call either way.
 */
export function mayHaveFindings(code: string, sdkMethods: SdkMethodLookup): boolean {
  if (MENTIONS_STRIPE.test(code)) return true;
  for (const match of code.matchAll(MEMBER_CALL)) {
    const names = match[0]
      .slice(0, -1)
      .split('.')
      .map((name) => name.replace(/[\s!?]/g, ''));
    for (let n = 2; n <= names.length; n++) {
      if (sdkMethods.find(names.slice(-n).join('.')) !== undefined) return true;
    }
  }
  return false;
}

/** 1-based line and column of UTF-16 offsets (oxc-parser's), line starts computed once. */
class Positions {
  readonly #code: string;
  #starts: number[] | undefined;

  constructor(code: string) {
    this.#code = code;
  }

  at(offset: number): { line: number; column: number } {
    if (this.#starts === undefined) {
      const starts = [0];
      for (let i = this.#code.indexOf('\n'); i >= 0; i = this.#code.indexOf('\n', i + 1)) starts.push(i + 1);
      this.#starts = starts;
    }
    const starts = this.#starts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  }
}

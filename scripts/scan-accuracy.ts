/**
 * Accuracy of `appscope scan` on real code: fetches published npm packages that call the
 * official `stripe` SDK, scans the JavaScript they ship with the scanner's library API and
 * prints, per package, the files, lines, calls found, calls resolved (placed on an operation),
 * unresolved entries by reason code and the minimal permission set.
 *
 *   npx tsx scripts/scan-accuracy.ts                              # the pinned packages below
 *   npx tsx scripts/scan-accuracy.ts name@version …               # others
 *   npx tsx scripts/scan-accuracy.ts --details [name@version …]   # every call and unresolved entry
 *   npx tsx scripts/scan-accuracy.ts --json [name@version …]      # one JSON object per package
 *
 * MANUAL, NOT A TEST: it needs the npm registry (`npm pack`). Packages are fetched into a
 * fresh temporary directory outside the repository (removed afterwards unless `--keep`), never
 * installed and never added to package.json. Pin versions (`name@1.2.3`) so the figures are
 * reproducible; docs/least-privilege.md ("Accuracy on real code") records them.
 *
 * What is scanned: every published file with a scanned extension (`.js .mjs .cjs .ts …`,
 * not `.d.ts`), wherever it is in the tarball — including under `dist/`, which a directory
 * walk of `scanPaths` skips as build output, so the files are collected here and named to
 * `scanPaths` one by one. Source maps and declarations are not code and are left out.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildReport, type ReportCall } from '../src/cli/least-privilege-report.js';
import { defaultCatalog } from '../src/core/catalog/load.js';
import { defaultRouteTable } from '../src/core/routes/load.js';
import { defaultSdkMethods } from '../src/core/routes/sdk-methods.js';
import { SOURCE_EXTENSIONS, scanPaths } from '../src/scan/index.js';

/** The packages docs/least-privilege.md reports on, pinned. */
const DEFAULT_PACKAGES = [
  '@medusajs/payment-stripe@2.21.2',
  '@vendure/payments-plugin@3.5.6',
  '@payloadcms/plugin-stripe@3.90.2',
];

interface PackageFigures {
  readonly package: string;
  readonly files: number;
  readonly lines: number;
  readonly found: number;
  readonly resolved: number;
  readonly unresolved: number;
  readonly unresolvedByCode: Record<string, number>;
  readonly permissions: readonly string[];
  readonly unavailable: readonly string[];
  readonly calls: readonly ReportCall[];
  readonly unresolvedEntries: readonly {
    file: string;
    line: number;
    column: number;
    via?: string;
    code: string;
    reason: string;
  }[];
}

const EXTENSIONS = new Set<string>(SOURCE_EXTENSIONS);

function sourceFiles(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') sourceFiles(path, out);
    } else if (EXTENSIONS.has(extname(entry.name)) && !/\.d\.[mc]?ts$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

/** `npm pack` into `work`, extracted under `work/<n>/`; returns the package root (`…/package`). */
function fetchPackage(spec: string, work: string, index: number): string {
  const into = join(work, String(index));
  mkdirSync(into);
  const output = execFileSync('npm', ['pack', spec, '--json', '--silent', '--pack-destination', into], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [packed] = JSON.parse(output) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack ${spec}: no tarball`);
  execFileSync('tar', ['-xzf', join(into, packed.filename), '-C', into]);
  return join(into, 'package');
}

function measure(spec: string, root: string): PackageFigures {
  const catalog = defaultCatalog();
  const files = sourceFiles(root, []);
  const scan = scanPaths(files, { sdkMethods: defaultSdkMethods(), routes: defaultRouteTable() });
  const shown = (file: string): string => relative(root, file) || file;
  const calls: ReportCall[] = scan.calls.map((call) => ({ ...call, file: shown(call.file) }));
  const unresolvedEntries = scan.unresolved.map((entry) => ({ ...entry, file: shown(entry.file) }));
  const report = buildReport(catalog, calls, unresolvedEntries);
  const unresolvedByCode: Record<string, number> = {};
  for (const entry of scan.unresolved) unresolvedByCode[entry.code] = (unresolvedByCode[entry.code] ?? 0) + 1;
  return {
    package: spec,
    files: scan.files,
    lines: scan.lines,
    found: calls.length + unresolvedEntries.length,
    resolved: calls.length,
    unresolved: unresolvedEntries.length,
    unresolvedByCode,
    permissions: report.permissions,
    unavailable: report.unavailable.map((entry) => entry.operation),
    calls,
    unresolvedEntries,
  };
}

function printText(figures: PackageFigures, details: boolean): void {
  const byCode = Object.entries(figures.unresolvedByCode)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  console.log(`${figures.package}`);
  console.log(`  files ${figures.files}, lines ${figures.lines}`);
  console.log(
    `  calls found ${figures.found}: resolved ${figures.resolved}, unresolved ${figures.unresolved}${byCode === '' ? '' : ` (${byCode})`}`,
  );
  console.log(`  minimal set: ${figures.permissions.join(', ') || '-'}`);
  if (figures.unavailable.length > 0)
    console.log(`  not available to apps: ${figures.unavailable.join(', ')}`);
  if (!details) return;
  for (const call of figures.calls) {
    const expand =
      call.expand !== undefined && call.expand.length > 0 ? `  expand ${call.expand.join(' ')}` : '';
    console.log(`    ${call.file}:${call.line}:${call.column}  ${call.via}  ${call.operation}${expand}`);
  }
  for (const entry of figures.unresolvedEntries) {
    console.log(
      `    ${entry.file}:${entry.line}:${entry.column}  ${entry.code}  ${entry.via ?? ''}  ${entry.reason}`,
    );
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      details: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const specs = positionals.length > 0 ? positionals : DEFAULT_PACKAGES;
  const work = mkdtempSync(join(tmpdir(), 'appscope-accuracy-'));
  try {
    specs.forEach((spec, index) => {
      const figures = measure(spec, fetchPackage(spec, work, index));
      if (values.json) console.log(JSON.stringify(figures));
      else printText(figures, values.details === true);
    });
  } finally {
    if (values.keep) console.error(`packages kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main();

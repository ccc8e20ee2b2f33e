import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { Catalog } from '../core/catalog/catalog.js';
import { loadCatalog } from '../core/catalog/load.js';
import { explainDecision } from '../core/decide.js';
import { didYouMean } from '../core/did-you-mean.js';
import { formatIssues, formatPath, type Issue } from '../core/issues.js';
import { parseJson } from '../core/json.js';
import { parseManifest } from '../core/manifest/validate.js';
import { DEFAULT_ROUTE_TABLE_PATH, loadRouteTable } from '../core/routes/load.js';
import { parseRequestLine } from '../core/routes/resolve.js';
import type { RouteTable } from '../core/routes/route-table.js';
import { fromZodIssues, type StructuralIssue } from '../core/zod-issues.js';
import { createAccount } from '../domain/accounts.js';
import { OPERATOR } from '../domain/actor.js';
import { uploadAppVersion } from '../domain/app-versions.js';
import { createDomain } from '../domain/context.js';
import { installApp } from '../domain/installs.js';
import { AppscopeError, isAppscopeError } from '../errors.js';
import { createAuthorizer, type Verdict } from '../gateway/authorize.js';
import { createPrincipalCache } from '../gateway/principal-cache.js';
import { openStore } from '../store/open.js';
import { catalogFor, type GlobalOptions, resolvePath } from './context.js';
import { alternatives, routeTableFor } from './endpoints-resolve.js';
import { type CliIo, EXIT_FAILURE, printJson } from './io.js';

/**
 * `appscope test [FILES…] [--json]`: policy tests. A test file (`*.appscope-test.json`) names
 * what an app is granted — `grants`, or the `manifest` whose permissions are granted — and
 * cases: request lines with the expected outcome (`allow` or `deny`) and, for a denial,
 * optionally the unmet groups. Each file is validated first (every problem, with its path);
 * then its cases are decided by the gateway's own `authorize`, against an install of an app
 * that requests exactly those permissions, in an in-memory store built once per file.
 */

/** How test files are named; directories are searched recursively for them. */
export const TEST_FILE_SUFFIX = '.appscope-test.json';

/** Directories never searched: dependencies, and hidden ones (`.git`, `.appscope`). */
function skipDirectory(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

const caseSchema = z.strictObject({
  description: z.string().optional(),
  request: z.string(),
  data: z.string().optional(),
  expect: z.enum(['allow', 'deny']),
  missing: z.array(z.array(z.string())).min(1).optional(),
});

const fileSchema = z.strictObject({
  description: z.string().optional(),
  grants: z.array(z.string()).optional(),
  manifest: z.string().min(1).optional(),
  catalog: z.string().min(1).optional(),
  routes: z.string().min(1).optional(),
  cases: z.array(caseSchema).min(1),
});

type TestFile = z.infer<typeof fileSchema>;
type TestCase = z.infer<typeof caseSchema>;
type Expectation = TestCase['expect'];

const KNOWN_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['', Object.keys(fileSchema.shape)],
  ['cases[]', Object.keys(caseSchema.shape)],
]);

/** Names people reach for instead of the file's own. */
const FIELD_ALIASES: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map([
  ['', { permissions: 'grants', granted: 'grants', tests: 'cases', route_table: 'routes' }],
  ['cases[]', { expected: 'expect', body: 'data', outcome: 'expect', unmet: 'missing' }],
]);

/** One case's outcome. */
export interface CaseResult {
  /** The test file, relative to the working directory. */
  readonly file: string;
  /** The case's index in `cases`. */
  readonly case: number;
  readonly request: string;
  readonly expect: Expectation;
  readonly actual: Expectation;
  readonly ok: boolean;
  /** The unmet groups the case expects (when it gives them). */
  readonly expectedMissing?: readonly (readonly string[])[];
  /** The decision's unmet groups (each group's own alternatives), for a denial by the decision. */
  readonly missing?: readonly (readonly string[])[];
  /** For a request refused before any decision (400: parameters it cannot read one way only). */
  readonly refused?: { readonly status: number; readonly code?: string; readonly message: string };
  /** The evidence as the text output shows it (not printed with `--json`). */
  readonly evidence: readonly string[];
  /** The denial code or refusal, as the text output shows it after `deny`. */
  readonly detail: string;
}

/** The problems of one test file: it did not validate, or a case names an unknown endpoint. */
export interface FileErrors {
  readonly file: string;
  readonly issues: readonly Issue[];
}

/** What a file's cases run against, once it validated. */
interface Plan {
  readonly file: string;
  readonly table: RouteTable;
  /** The manifest document to upload. */
  readonly manifest: Record<string, unknown>;
  readonly cases: readonly TestCase[];
}

const TEST_APP_ID = 'com.appscope.policy-test';

export function registerTestPolicies(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('test')
    .description(`run policy tests: decide each case of ${TEST_FILE_SUFFIX} files as the gateway would`)
    .argument('[files...]', `test files or directories (default: every *${TEST_FILE_SUFFIX} under .)`)
    .option('--json', 'print JSON: {"passed", "failed", "results", "errors"}')
    .action(async (paths: string[], options: { json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const files = testFiles(io, paths);
      const tables = new TableCache(io, globals);
      const results: CaseResult[] = [];
      const errors: FileErrors[] = [];
      for (const full of files) {
        const file = display(io, full);
        const checked = checkFile(full, file, tables);
        if ('issues' in checked) {
          errors.push(checked);
          continue;
        }
        const run = await runFile(checked);
        results.push(...run.results);
        if (run.issues.length > 0) errors.push({ file, issues: run.issues });
      }
      const passed = results.filter((r) => r.ok).length;
      const failed = results.length - passed;
      if (failed > 0 || errors.length > 0) setExit(EXIT_FAILURE);
      if (options.json) {
        printJson(io, {
          passed,
          failed,
          results: results.map(({ evidence: _e, detail: _d, ...result }) => result),
          errors,
        });
        return;
      }
      io.stdout(renderText(results, errors, passed, failed));
    });
}

// ---------------------------------------------------------------------------------------------
// finding the files

/** The files to run: the paths given (a directory is searched), or every test file under `.`. */
function testFiles(io: CliIo, paths: readonly string[]): string[] {
  const roots = paths.length === 0 ? ['.'] : paths;
  const files: string[] = [];
  for (const path of roots) {
    const full = resolvePath(io, path);
    if (!existsSync(full)) throw new AppscopeError('ERR_USAGE', `no test file or directory at \`${path}\``);
    if (statSync(full).isDirectory()) {
      const found = discover(full);
      if (found.length === 0 && paths.length > 0) {
        throw new AppscopeError('ERR_USAGE', `no \`*${TEST_FILE_SUFFIX}\` files under \`${path}\``);
      }
      files.push(...found);
    } else files.push(full);
  }
  if (files.length === 0) {
    throw new AppscopeError(
      'ERR_USAGE',
      `no \`*${TEST_FILE_SUFFIX}\` files under \`.\` (pass files or directories to run)`,
    );
  }
  return [...new Set(files)];
}

/** Test files under a directory, in name order, skipping `node_modules` and hidden directories. */
function discover(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const out: string[] = [];
  for (const entry of entries) {
    const full = resolve(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skipDirectory(entry.name)) out.push(...discover(full));
    } else if (entry.isFile() && entry.name.endsWith(TEST_FILE_SUFFIX)) out.push(full);
  }
  return out;
}

function display(io: CliIo, full: string): string {
  const path = relative(io.cwd, full);
  return (path === '' ? full : path).split(sep).join('/');
}

// ---------------------------------------------------------------------------------------------
// validating a file

/**
 * Catalogs and route tables, loaded once per path for the whole run. A file's own `catalog` and
 * `routes` (relative to the file) come first, else the command's (`--catalog`,
 * `APPSCOPE_CATALOG`, `APPSCOPE_ROUTES`), else the built-in Stripe ones; a custom catalog
 * without `routes` is used with the built-in route table.
 */
class TableCache {
  readonly #io: CliIo;
  readonly #globals: GlobalOptions;
  readonly #catalogs = new Map<string, Catalog>();
  readonly #tables = new Map<string, RouteTable>();

  constructor(io: CliIo, globals: GlobalOptions) {
    this.#io = io;
    this.#globals = globals;
  }

  /** The catalog at `path`, or the command's when undefined. */
  catalog(path: string | undefined): Catalog {
    const key = path ?? '';
    let catalog = this.#catalogs.get(key);
    if (catalog === undefined) {
      catalog = path === undefined ? catalogFor(this.#io, this.#globals) : loadCatalog(path);
      this.#catalogs.set(key, catalog);
    }
    return catalog;
  }

  /** The route table at `routesPath` for the catalog at `catalogPath` (either undefined: the command's). */
  table(catalogPath: string | undefined, routesPath: string | undefined): RouteTable {
    const key = `${catalogPath ?? ''}\u0000${routesPath ?? ''}`;
    let table = this.#tables.get(key);
    if (table === undefined) {
      table =
        catalogPath === undefined && routesPath === undefined
          ? routeTableFor(this.#io, this.#globals)
          : loadRouteTable(routesPath ?? DEFAULT_ROUTE_TABLE_PATH, this.catalog(catalogPath));
      this.#tables.set(key, table);
    }
    return table;
  }
}

/**
 * Validates a test file, reporting every problem with its path: its JSON, its structure
 * (unknown fields with did-you-mean), `grants` XOR `manifest`, its catalog and route table,
 * every permission name (did-you-mean), every request line, and the manifest it names.
 */
function checkFile(full: string, file: string, tables: TableCache): Plan | FileErrors {
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    return { file, issues: [issue('unreadable', '', `cannot read the file: ${(error as Error).message}`)] };
  }
  const json = parseJson(text);
  if (!json.ok) return { file, issues: [json.issue] };
  const document = json.value;
  const issues: Issue[] = [];
  const parsed = fileSchema.safeParse(document, { reportInput: true });
  if (!parsed.success) {
    for (const structural of fromZodIssues(parsed.error.issues)) {
      issues.push(refine(structural, document));
    }
  }
  const raw = isObject(document) ? document : {};
  const base = dirname(full);

  // what is granted: one of `grants` and `manifest`
  if (raw['grants'] === undefined && raw['manifest'] === undefined) {
    issues.push(
      issue(
        'missing_grants',
        '',
        'give `grants` (the permissions the install is granted) or `manifest` (a stripe-app.json whose permissions it is granted)',
      ),
    );
  } else if (raw['grants'] !== undefined && raw['manifest'] !== undefined) {
    issues.push(issue('grants_and_manifest', 'manifest', 'give either `grants` or `manifest`, not both'));
  }

  // the catalog and route table the cases are decided with
  let table: RouteTable | undefined;
  const catalogGiven = nonEmpty(raw['catalog']);
  const routesGiven = nonEmpty(raw['routes']);
  const catalogPath = catalogGiven === undefined ? undefined : resolve(base, catalogGiven);
  const routesPath = routesGiven === undefined ? undefined : resolve(base, routesGiven);
  const shaped =
    (raw['catalog'] === undefined || catalogGiven !== undefined) &&
    (raw['routes'] === undefined || routesGiven !== undefined);
  let catalogLoaded = shaped;
  if (shaped && catalogGiven !== undefined) {
    try {
      tables.catalog(catalogPath);
    } catch (error) {
      if (!isAppscopeError(error)) throw error;
      issues.push(...loadIssues(error, 'catalog', catalogGiven));
      catalogLoaded = false;
    }
  }
  if (catalogLoaded) {
    try {
      table = tables.table(catalogPath, routesPath);
    } catch (error) {
      // the command's own route table is the command's problem, not the file's
      if (!isAppscopeError(error) || (catalogGiven === undefined && routesGiven === undefined)) throw error;
      issues.push(
        ...(routesGiven === undefined
          ? loadIssues(error, 'catalog', catalogGiven!, 'the built-in route table')
          : loadIssues(error, 'routes', routesGiven)),
      );
    }
  }
  const catalog = table?.catalog;

  // permission names
  if (catalog !== undefined && Array.isArray(raw['grants'])) {
    raw['grants'].forEach((name, i) => {
      if (typeof name === 'string') checkPermission(catalog, name, ['grants', i], issues);
    });
  }
  const cases = Array.isArray(raw['cases']) ? raw['cases'] : [];
  cases.forEach((entry, i) => {
    if (!isObject(entry)) return;
    const request = entry['request'];
    let method: string | undefined;
    if (typeof request === 'string') {
      try {
        method = parseRequestLine(request).method.toUpperCase();
      } catch (error) {
        if (!isAppscopeError(error, 'ERR_INVALID_REQUEST_LINE')) throw error;
        issues.push(issue('invalid_request_line', formatPath(['cases', i, 'request']), error.message));
      }
    }
    if (typeof entry['data'] === 'string' && method !== undefined && !hasBody(method)) {
      issues.push(
        issue(
          'data_without_body',
          formatPath(['cases', i, 'data']),
          `\`data\` is a request body: \`${method}\` requests have none (put parameters in the request line's query string)`,
        ),
      );
    }
    const missing = entry['missing'];
    if (missing !== undefined && entry['expect'] === 'allow') {
      issues.push(
        issue(
          'missing_with_allow',
          formatPath(['cases', i, 'missing']),
          '`missing` lists what a denial lacks: give it only with `"expect": "deny"`',
        ),
      );
    }
    if (catalog !== undefined && Array.isArray(missing)) {
      missing.forEach((group, g) => {
        if (!Array.isArray(group)) return;
        group.forEach((name, k) => {
          if (typeof name === 'string') checkPermission(catalog, name, ['cases', i, 'missing', g, k], issues);
        });
      });
    }
  });

  // the manifest whose permissions are granted
  let manifest: Record<string, unknown> | undefined;
  if (catalog !== undefined && typeof raw['manifest'] === 'string' && raw['manifest'] !== '') {
    const read = readManifest(resolve(base, raw['manifest']), raw['manifest'], catalog);
    if ('issues' in read) issues.push(...read.issues);
    else manifest = read.manifest;
  }

  if (issues.length > 0 || !parsed.success || table === undefined) {
    return { file, issues: inDocumentOrder(issues, Object.keys(raw)) };
  }
  const data: TestFile = parsed.data;
  manifest ??= grantsManifest(data.grants ?? []);
  return { file, table, manifest, cases: data.cases };
}

/**
 * Issues in the order of the document: by top-level field as the file orders them (problems of
 * the whole file first), then by index (`cases[2]` before `cases[10]`); stable otherwise.
 */
function inDocumentOrder(issues: readonly Issue[], fields: readonly string[]): Issue[] {
  const key = (path: string): number[] => {
    const field = /^[^.[]*/.exec(path)![0];
    const at = field === '' ? -1 : fields.indexOf(field);
    const indices = [...path.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    return [at < 0 && field !== '' ? fields.length : at, ...indices];
  };
  const compare = (a: number[], b: number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  };
  return issues
    .map((issue, i) => ({ issue, i, key: key(issue.path) }))
    .sort((x, y) => compare(x.key, y.key) || x.i - y.i)
    .map((x) => x.issue);
}

/** A structural problem, with did-you-mean for unknown fields and for `expect`. */
function refine(structural: StructuralIssue, document: unknown): Issue {
  const { severity, code, path, message, segments } = structural;
  const parent = pattern(segments.slice(0, -1));
  if (code === 'unknown_field') {
    const key = String(segments.at(-1));
    const suggestion = FIELD_ALIASES.get(parent)?.[key] ?? didYouMean(key, KNOWN_FIELDS.get(parent) ?? []);
    return suggestion === undefined
      ? { severity, code, path, message }
      : {
          severity,
          code,
          path,
          message: `unknown field \`${key}\`; did you mean \`${suggestion}\`?`,
          suggestion,
        };
  }
  if (code === 'invalid_value' && valueAt(document, segments) === undefined) {
    // zod reports a missing enum field as a bad value
    const field = String(segments.at(-1));
    return { severity, code: 'missing_field', path, message: `missing required field \`${field}\`` };
  }
  if (code === 'invalid_value' && pattern(segments) === 'cases[].expect') {
    const value = valueAt(document, segments);
    const suggestion = typeof value === 'string' ? didYouMean(value, ['allow', 'deny']) : undefined;
    if (suggestion !== undefined) {
      return {
        severity,
        code,
        path,
        message: `unknown outcome \`${String(value)}\`; did you mean \`${suggestion}\`?`,
        suggestion,
      };
    }
  }
  return { severity, code, path, message };
}

function checkPermission(
  catalog: Catalog,
  name: string,
  at: ReadonlyArray<string | number>,
  out: Issue[],
): void {
  if (catalog.has(name)) return;
  const suggestion = name.trim() === '' ? undefined : catalog.suggest(name);
  const message =
    name.trim() === ''
      ? 'permission name is empty; name one permission, e.g. `customer_read`'
      : `unknown permission \`${name}\`${suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`}`;
  out.push(
    suggestion === undefined
      ? issue('unknown_permission', formatPath(at), message)
      : { ...issue('unknown_permission', formatPath(at), message), suggestion },
  );
}

/** The manifest named by a test file: its errors (warnings are the manifest's business), or the document. */
function readManifest(
  full: string,
  given: string,
  catalog: Catalog,
): { issues: Issue[] } | { manifest: Record<string, unknown> } {
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      issues: [
        issue(
          'unreadable',
          'manifest',
          code === 'ENOENT'
            ? `no manifest at \`${given}\` (relative to the test file)`
            : `cannot read manifest \`${given}\`: ${(error as Error).message}`,
        ),
      ],
    };
  }
  const validation = parseManifest(text, catalog);
  if (!validation.valid || validation.manifest === undefined) {
    return {
      issues: validation.issues
        .filter((i) => i.severity === 'error')
        .map((i) => ({
          ...i,
          path: 'manifest',
          message: `\`${given}\`${i.path === '' ? '' : ` ${i.path}`}: ${i.message}`,
        })),
    };
  }
  // the access type says how the app authenticates, not what its permissions allow: the test
  // installs it with an install key either way
  return {
    manifest: {
      ...(validation.manifest as unknown as Record<string, unknown>),
      stripe_api_access_type: 'restricted_api_key',
    },
  };
}

/** A manifest that requests exactly `grants` (each once). */
function grantsManifest(grants: readonly string[]): Record<string, unknown> {
  return {
    id: TEST_APP_ID,
    version: '1.0.0',
    name: 'Policy test',
    icon: '',
    distribution_type: 'private',
    stripe_api_access_type: 'restricted_api_key',
    permissions: [...new Set(grants)].map((permission) => ({ permission, purpose: 'policy test' })),
  };
}

/**
 * A catalog or route table that would not load, as issues of the field that names it, with
 * the file as the test file names it (`what`: the file, when it is not the one `given`).
 */
function loadIssues(
  error: AppscopeError,
  field: 'catalog' | 'routes',
  given: string,
  what?: string,
): Issue[] {
  const name = what ?? `\`${given}\``;
  if (error.issues.length === 0) {
    const cause = error.cause as NodeJS.ErrnoException | undefined;
    if (error.code === 'ERR_FILE_READ' && cause?.code === 'ENOENT') {
      return [
        issue(
          'unreadable',
          field,
          `no ${field === 'catalog' ? 'catalog' : 'route table'} at ${name} (relative to the test file)`,
        ),
      ];
    }
    return [
      issue(
        error.code === 'ERR_FILE_READ' ? 'unreadable' : 'invalid',
        field,
        `${name}: ${error.message.split('\n')[0]!}`,
      ),
    ];
  }
  const suffix =
    what === undefined ? '' : ` (for the catalog \`${given}\`; give \`routes\`, a route table for it)`;
  return error.issues.map((nested) => ({
    ...nested,
    path: field,
    message: `${name}${nested.path === '' ? '' : ` ${nested.path}`}: ${nested.message}${suffix}`,
  }));
}

// ---------------------------------------------------------------------------------------------
// running a file's cases

/**
 * Builds the file's world — an in-memory store, an account, the app version, its install
 * (granted at install time: its effective set is the closure of what the manifest requests)
 * and the install's key — and decides each case with the gateway's `authorize`.
 */
async function runFile(plan: Plan): Promise<{ results: CaseResult[]; issues: Issue[] }> {
  const { table, file } = plan;
  const catalog = table.catalog;
  const store = await openStore('sqlite::memory:');
  try {
    const domain = createDomain({ store, catalog });
    const account = await createAccount(domain, { actor: OPERATOR, name: 'Policy test' });
    const uploaded = await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: account.account.id,
      manifest: plan.manifest,
    });
    const installed = await installApp(domain, {
      actor: OPERATOR,
      app: uploaded.app.id,
      account: account.account.id,
    });
    const key = installed.key?.secret;
    if (key === undefined) throw new Error('the test install has no key');
    const principals = createPrincipalCache(domain);
    try {
      const authorizer = createAuthorizer({ routes: table, catalog, principals });
      const results: CaseResult[] = [];
      const issues: Issue[] = [];
      for (const [index, testCase] of plan.cases.entries()) {
        const { method, target } = parseRequestLine(testCase.request);
        const headers: Record<string, string> = { authorization: `Bearer ${key}` };
        const body = testCase.data === undefined ? undefined : Buffer.from(testCase.data, 'utf8');
        if (body !== undefined) {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          headers['content-length'] = String(body.length);
        }
        const verdict = await authorizer.authorize(
          { method: method.toUpperCase(), target, headers, body },
          'req_test',
        );
        const unknown = unknownEndpoint(verdict);
        if (unknown !== undefined) {
          issues.push(issue('unknown_endpoint', formatPath(['cases', index, 'request']), unknown));
          continue;
        }
        results.push(judge(file, index, testCase, verdict, catalog));
      }
      return { results, issues };
    } finally {
      principals.close();
    }
  } finally {
    await store.close();
  }
}

/** The message of a 404 for a path no route matches (an unknown endpoint is a typo in the file). */
function unknownEndpoint(verdict: Verdict): string | undefined {
  if (verdict.stage !== 'route' || verdict.error?.status !== 404) return undefined;
  const message = verdict.error.toJSON().error.message;
  const detail = /^Unrecognized request URL \([^)]*\)\. (.*?)\.?$/s.exec(message)?.[1];
  return detail === undefined ? message : lowerFirst(detail);
}

/** A case's outcome: the verdict against the expectation, with the evidence. */
function judge(
  file: string,
  index: number,
  testCase: TestCase,
  verdict: Verdict,
  catalog: Catalog,
): CaseResult {
  const actual: Expectation = verdict.outcome === 'allowed' ? 'allow' : 'deny';
  const expectedMissing = testCase.missing;
  const base = {
    file,
    case: index,
    request: testCase.request,
    expect: testCase.expect,
    actual,
    ...(expectedMissing === undefined ? {} : { expectedMissing }),
  };
  const access = verdict.access;
  const granted = access?.kind === 'install' ? access.principal.granted : [];

  // refused before any decision: the gateway's answer is the evidence
  if (actual === 'deny' && verdict.stage !== 'decision') {
    const error = verdict.error!;
    const body = error.toJSON().error as { code?: string; message: string };
    const refused = {
      status: error.status,
      ...(body.code === undefined ? {} : { code: body.code }),
      message: body.message,
    };
    return {
      ...base,
      ok: testCase.expect === 'deny' && expectedMissing === undefined,
      refused,
      detail: `refused (${error.status}${body.code === undefined ? '' : ` ${body.code}`}): ${body.message}`,
      evidence: expectedMissing === undefined ? [] : ['    no decision was made, so no group is missing'],
    };
  }

  const decision = verdict.decision!;
  const evidence = explainDecision(catalog, granted, decision);
  if (actual === 'allow') {
    const lines =
      evidence.groups.length === 0
        ? ['    requires nothing']
        : evidence.groups.map(
            (group, g) =>
              `    ${g + 1}. ${alternatives(group.anyOf)}  — ${group.reason}  ✓ ${
                group.via !== undefined && group.via.length > 1
                  ? `via ${group.via.join(' → ')}`
                  : `granted ${group.satisfiedBy ?? ''}`
              }`,
          );
    return { ...base, ok: testCase.expect === 'allow', detail: '', evidence: lines };
  }

  const denial = verdict.denial!;
  const missing = denial.missing;
  const lines: string[] = [];
  evidence.groups.forEach((group, g) => {
    if (!group.satisfied)
      lines.push(`    ${g + 1}. ${alternatives(group.anyOf)}  — ${group.reason}  ✗ missing`);
  });
  const ok =
    testCase.expect === 'deny' && (expectedMissing === undefined || sameGroups(expectedMissing, missing));
  return { ...base, ok, missing, detail: `(403 ${denial.code})`, evidence: lines };
}

/**
 * Whether two lists of requirement groups are the same: order-insensitive within a group and
 * across groups, duplicates ignored (`[["a","b"]]` equals `[["b","a"]]`).
 */
export function sameGroups(
  expected: readonly (readonly string[])[],
  actual: readonly (readonly string[])[],
): boolean {
  const canonical = (groups: readonly (readonly string[])[]) =>
    [...new Set(groups.map((group) => JSON.stringify([...new Set(group)].sort())))].sort().join('\n');
  return canonical(expected) === canonical(actual);
}

// ---------------------------------------------------------------------------------------------
// output

function renderText(
  results: readonly CaseResult[],
  errors: readonly FileErrors[],
  passed: number,
  failed: number,
): string {
  const lines: string[] = [];
  for (const { file, issues } of errors) {
    lines.push(`ERROR ${file}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`);
    lines.push(
      ...formatIssues(issues)
        .split('\n')
        .map((line) => `  ${line}`),
    );
  }
  for (const result of results) {
    if (result.ok) continue;
    lines.push(`FAIL  ${result.file} cases[${result.case}]: ${result.request}`);
    lines.push(`  expected ${expectation(result.expect, result.expectedMissing)}, got ${outcome(result)}`);
    lines.push(...result.evidence);
  }
  const problems = errors.reduce((n, e) => n + e.issues.length, 0);
  const tail =
    problems === 0
      ? ''
      : `; ${problems} error${problems === 1 ? '' : 's'} in ${errors.length} file${errors.length === 1 ? '' : 's'}`;
  lines.push(`${passed} passed, ${failed} failed${tail}`);
  return `${lines.join('\n')}\n`;
}

function expectation(expect: Expectation, missing: readonly (readonly string[])[] | undefined): string {
  return missing === undefined ? expect : `deny (missing: ${groupsText(missing)})`;
}

function outcome(result: CaseResult): string {
  if (result.actual === 'allow') return 'allow';
  if (result.refused !== undefined) return `deny: ${result.detail}`;
  const code = result.detail.slice(1, -1);
  return result.expectedMissing === undefined
    ? `deny ${result.detail}`
    : `deny (${code}; missing: ${groupsText(result.missing ?? [])})`;
}

/** Groups as the text shows them: `customer_read; any of charge_read, charge_write`. */
function groupsText(groups: readonly (readonly string[])[]): string {
  return groups.map((group) => alternatives(group)).join('; ');
}

// ---------------------------------------------------------------------------------------------
// helpers

function issue(code: string, path: string, message: string): Issue {
  return { severity: 'error', code, path, message };
}

function hasBody(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(document: unknown, segments: ReadonlyArray<string | number>): unknown {
  let value = document;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/** Path pattern with array indices replaced by `[]`, e.g. `cases[].expect`. */
function pattern(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += '[]';
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

function lowerFirst(text: string): string {
  return text.length > 0 ? text[0]!.toLowerCase() + text.slice(1) : text;
}

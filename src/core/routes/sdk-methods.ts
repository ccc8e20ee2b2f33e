import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppscopeError } from '../../errors.js';
import { formatIssues, type Issue } from '../issues.js';
import { parseJson } from '../json.js';
import { fromZodIssues } from '../zod-issues.js';
import { HTTP_METHODS, type HttpMethod } from './format.js';

/** Path of the built-in SDK method table (`catalogs/stripe-sdk-methods.json` in the package). */
export const DEFAULT_SDK_METHODS_PATH = fileURLToPath(
  new URL('../../../catalogs/stripe-sdk-methods.json', import.meta.url),
);

const nonEmpty = z.string().min(1);
const template = z.string().regex(/^\/\S*$/, { error: 'must start with `/` and contain no spaces' });

const endpointSchema = z.strictObject({
  call: nonEmpty,
  method: z.enum(HTTP_METHODS),
  path: template,
  type: nonEmpty.optional(),
  paginates: z.literal(true).optional(),
  apiBase: nonEmpty.optional(),
  v2: z.literal(true).optional(),
  route: template.nullable(),
});

const rawSchema = z.strictObject({
  call: nonEmpty,
  raw: z.literal(true),
  route: z.null(),
});

/**
 * The SDK method table file format: every method of an SDK's client, the HTTP operation it
 * sends and the route of the route table that covers it. Generated from the installed SDK
 * by `npm run generate:sdk-methods`; see docs/sdk-methods.md.
 * @example
 * const parsed = sdkMethodsFileSchema.safeParse(JSON.parse(text));
 */
export const sdkMethodsFileSchema = z.strictObject({
  sdk: nonEmpty,
  version: nonEmpty,
  generatedBy: nonEmpty,
  /** Other names the client gives a resource: `{ "account": "accounts" }`. */
  aliases: z.record(nonEmpty, nonEmpty),
  methods: z.array(z.union([endpointSchema, rawSchema])),
});

export type SdkMethodsFile = z.infer<typeof sdkMethodsFileSchema>;

/** An SDK method that sends one HTTP operation, e.g. `invoices.retrieve` → `GET /v1/invoices/{id}`. */
export interface SdkEndpointMethod {
  /** The call path relative to the client, e.g. `checkout.sessions.create`. */
  readonly call: string;
  readonly method: HttpMethod;
  /** The path template, with the SDK's own parameter names, e.g. `/v1/invoices/{id}`. */
  readonly path: string;
  /** The SDK's `methodType` when it has one: `list`, `search`. */
  readonly type?: string;
  /** Whether the result auto-paginates (`for await`, `autoPagingEach`, `autoPagingToArray`). */
  readonly paginates?: true;
  /** The host the SDK sends to when it is not the API host: `files`, `connect`, `meter_events`. */
  readonly apiBase?: string;
  /** A `/v2/` endpoint (the route table covers v1 only). */
  readonly v2?: true;
  /** The route table's path template for the same operation, or null when it has none. */
  readonly route: string | null;
}

/** The SDK's generic `rawRequest(method, path, …)`: what it sends depends on its arguments. */
export interface SdkRawMethod {
  readonly call: string;
  readonly raw: true;
  readonly route: null;
}

export type SdkMethod = SdkEndpointMethod | SdkRawMethod;

/** A loaded SDK method table: look up a method by its call path. */
export interface SdkMethods {
  /** The SDK package, e.g. `stripe`. */
  readonly sdk: string;
  /** The SDK version the table was generated from. */
  readonly version: string;
  readonly methods: readonly SdkMethod[];
  /**
   * The method at a call path relative to the client (`customers.create`), if the SDK has
   * one. An alias finds its resource's method (`account.retrieve` → `accounts.retrieve`).
   */
  find(call: string): SdkMethod | undefined;
}

/**
 * Validates a parsed SDK method table and builds its lookup. Reports every problem: structure
 * (zod), duplicate calls, methods out of order, and aliases of resources that have no
 * methods. Throws `ERR_ROUTE_TABLE_INVALID`.
 * @example
 * const methods = compileSdkMethods(JSON.parse(text));
 * methods.find('customers.create'); // { call: 'customers.create', method: 'POST', path: '/v1/customers', … }
 */
export function compileSdkMethods(document: unknown, source = 'SDK method table'): SdkMethods {
  const parsed = sdkMethodsFileSchema.safeParse(document, { reportInput: true });
  const issues: Issue[] = [];
  if (!parsed.success) {
    for (const { severity, code, path, message } of fromZodIssues(parsed.error.issues)) {
      issues.push({ severity, code, path, message });
    }
    throw invalid(source, issues);
  }
  const file = parsed.data;
  const byCall = new Map<string, SdkMethod>();
  file.methods.forEach((entry, i) => {
    const previous = i > 0 ? file.methods[i - 1]!.call : undefined;
    if (byCall.has(entry.call)) {
      issues.push({
        severity: 'error',
        code: 'duplicate_method',
        path: `methods[${i}].call`,
        message: `method \`${entry.call}\` is listed twice`,
      });
    } else if (previous !== undefined && previous > entry.call) {
      issues.push({
        severity: 'error',
        code: 'unsorted_methods',
        path: `methods[${i}].call`,
        message: `method \`${entry.call}\` comes after \`${previous}\`; methods are sorted by call`,
      });
    }
    byCall.set(entry.call, Object.freeze(toMethod(entry)));
  });
  const aliases = new Map(Object.entries(file.aliases));
  for (const [alias, target] of aliases) {
    if (file.methods.some((m) => m.call.startsWith(`${target}.`))) continue;
    issues.push({
      severity: 'error',
      code: 'unknown_alias_target',
      path: `aliases[${JSON.stringify(alias)}]`,
      message: `alias \`${alias}\` names \`${target}\`, which has no methods`,
    });
  }
  if (issues.length > 0) throw invalid(source, issues);
  const methods = Object.freeze([...byCall.values()]);
  const find = (call: string): SdkMethod | undefined => {
    const direct = byCall.get(call);
    if (direct !== undefined) return direct;
    const dot = call.lastIndexOf('.');
    const target = dot > 0 ? aliases.get(call.slice(0, dot)) : undefined;
    return target === undefined ? undefined : byCall.get(`${target}${call.slice(dot)}`);
  };
  return Object.freeze({ sdk: file.sdk, version: file.version, methods, find });
}

/**
 * Parses and compiles SDK method table text. Throws `ERR_ROUTE_TABLE_INVALID` listing every problem.
 * @example
 * const methods = parseSdkMethods(readFileSync('catalogs/stripe-sdk-methods.json', 'utf8'));
 */
export function parseSdkMethods(text: string, source = 'SDK method table'): SdkMethods {
  const json = parseJson(text);
  if (!json.ok) throw invalid(source, [json.issue]);
  return compileSdkMethods(json.value, source);
}

/**
 * Serializes an SDK method table deterministically: one line per method, so that a
 * regenerated table (a new SDK version) diffs line by line.
 * @example
 * writeFileSync('catalogs/stripe-sdk-methods.json', serializeSdkMethods(file));
 */
export function serializeSdkMethods(file: SdkMethodsFile): string {
  const head = (['sdk', 'version', 'generatedBy'] as const).map(
    (k) => `  ${JSON.stringify(k)}: ${JSON.stringify(file[k])},`,
  );
  const aliases = `  "aliases": ${JSON.stringify(file.aliases)},`;
  const methods = file.methods.map((m) => `    ${JSON.stringify(m)}`);
  return ['{', ...head, aliases, '  "methods": [', methods.join(',\n'), '  ]', '}', ''].join('\n');
}

let defaultMethods: SdkMethods | undefined;

/**
 * The built-in table of the `stripe` SDK's methods, loaded once per process.
 * @example
 * defaultSdkMethods().find('invoices.retrieve'); // { method: 'GET', path: '/v1/invoices/{id}', route: '/v1/invoices/{invoice}', … }
 */
export function defaultSdkMethods(): SdkMethods {
  if (defaultMethods === undefined) {
    let text: string;
    try {
      text = readFileSync(DEFAULT_SDK_METHODS_PATH, 'utf8');
    } catch (error) {
      throw new AppscopeError(
        'ERR_FILE_READ',
        `cannot read SDK method table \`${DEFAULT_SDK_METHODS_PATH}\`: ${(error as Error).message}`,
        { cause: error },
      );
    }
    defaultMethods = parseSdkMethods(text, DEFAULT_SDK_METHODS_PATH);
  }
  return defaultMethods;
}

function toMethod(entry: SdkMethodsFile['methods'][number]): SdkMethod {
  if ('raw' in entry) return { call: entry.call, raw: true, route: null };
  return {
    call: entry.call,
    method: entry.method,
    path: entry.path,
    ...(entry.type !== undefined ? { type: entry.type } : {}),
    ...(entry.paginates !== undefined ? { paginates: entry.paginates } : {}),
    ...(entry.apiBase !== undefined ? { apiBase: entry.apiBase } : {}),
    ...(entry.v2 !== undefined ? { v2: entry.v2 } : {}),
    route: entry.route,
  };
}

function invalid(source: string, issues: readonly Issue[]): AppscopeError {
  const n = issues.length;
  return new AppscopeError(
    'ERR_ROUTE_TABLE_INVALID',
    `SDK method table \`${source}\` is invalid (${n} problem${n === 1 ? '' : 's'}):\n${formatIssues(issues)}`,
    { issues },
  );
}

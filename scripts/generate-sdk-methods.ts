/**
 * Regenerates catalogs/stripe-sdk-methods.json, the table of the installed `stripe` SDK's
 * methods and the HTTP operation each one sends, from the SDK itself.
 *
 *   npm run generate:sdk-methods                     # writes catalogs/stripe-sdk-methods.json
 *   npm run generate:sdk-methods -- [--out PATH] [--check]
 *
 * `--check` writes nothing and exits 1 when the committed table differs from what the
 * installed SDK produces (after a `stripe` upgrade, say).
 *
 * How: build a client with a dummy key and walk its resource tree (`stripe.checkout.sessions`,
 * `stripe.v2.core.events`, …). The SDK's methods are plain class methods that end in
 * `this._makeRequest(method, path, params, options, spec)`, with no spec object kept
 * anywhere, so each method is called once with `_makeRequest` replaced on its resource by a
 * recorder: nothing is sent, and what is recorded is exactly what the SDK would send. Path
 * parameters are passed as sentinels and named after the method's own parameters, read
 * with the TypeScript parser from the method's source.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Stripe from 'stripe';
import ts from 'typescript';
import { HTTP_METHODS, type HttpMethod } from '../src/core/routes/format.js';
import { defaultRouteTable } from '../src/core/routes/load.js';
import {
  compileSdkMethods,
  type SdkMethodsFile,
  serializeSdkMethods,
} from '../src/core/routes/sdk-methods.js';
import { isAppscopeError } from '../src/errors.js';

const root = new URL('../', import.meta.url);
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: fileURLToPath(new URL('catalogs/stripe-sdk-methods.json', root)) },
    check: { type: 'boolean', default: false },
  },
});

type Entry = SdkMethodsFile['methods'][number];
type Json = Record<string, unknown>;

interface Captured {
  readonly method: string;
  readonly path: string;
  readonly spec: Json | undefined;
}

const CAPTURED = Symbol('captured');
const SENTINEL = /SDKPARAM(\d+)X/g;

/** Every method of the client's resource tree, with the HTTP operation it sends. */
async function extract(
  client: Json,
): Promise<{ methods: Entry[]; aliases: Record<string, string>; skipped: string[] }> {
  const base = resourceBase(client['customers']);
  const methods: Entry[] = [];
  const skipped: string[] = [];
  const aliases: Record<string, string> = {};
  const names = new Map<unknown, string>([[client, '']]);

  const walk = async (node: Json, prefix: readonly string[], depth: number): Promise<void> => {
    // in the SDK's own order, so that an alias (`stripe.account`) comes after its resource
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (key.startsWith('_') || typeof value !== 'object' || value === null) continue;
      const call = [...prefix, key];
      const first = names.get(value);
      if (first !== undefined) {
        // `stripe.account` is `stripe.accounts` again; namespaces point back at the client
        if (first !== '' && value instanceof base.constructor) aliases[call.join('.')] = first;
        continue;
      }
      names.set(value, call.join('.'));
      if (value instanceof base.constructor) {
        for (const name of resourceMethods(value as Json, base)) {
          const entry = await record(value as Json, name, [...call, name].join('.'));
          if (entry === undefined) skipped.push([...call, name].join('.'));
          else methods.push(entry);
        }
        // resources nest (`stripe.v2.core.accounts.persons`)
        if (depth < 6) await walk(value as Json, call, depth + 1);
      } else if (depth < 6 && !Array.isArray(value)) {
        await walk(value as Json, call, depth + 1);
      }
    }
  };
  await walk(client, [], 0);
  if (typeof client['rawRequest'] === 'function')
    methods.push({ call: 'rawRequest', raw: true, route: null });
  methods.sort((a, b) => (a.call < b.call ? -1 : a.call > b.call ? 1 : 0));
  return { methods, aliases, skipped };
}

/** The SDK's `StripeResource.prototype`: the prototype that owns `_makeRequest`. */
function resourceBase(sample: unknown): { constructor: new (...args: never[]) => unknown } {
  let proto: unknown = typeof sample === 'object' && sample !== null ? Object.getPrototypeOf(sample) : null;
  while (proto !== null && !Object.hasOwn(proto as object, '_makeRequest'))
    proto = Object.getPrototypeOf(proto);
  if (proto === null)
    throw new Error('cannot find the SDK resource class: `stripe.customers` has no `_makeRequest`');
  return proto as { constructor: new (...args: never[]) => unknown };
}

/** The public methods a resource class declares (its own and its parents', below the base). */
function resourceMethods(resource: Json, base: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(resource); proto !== null && proto !== base; ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      if (typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function') names.add(name);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return [...names].sort();
}

/** Calls one method with `_makeRequest` replaced by a recorder; undefined when it sends nothing. */
async function record(resource: Json, name: string, call: string): Promise<Entry | undefined> {
  const fn = resource[name] as (...args: unknown[]) => unknown;
  const parameters = parameterNames(fn, call);
  let captured: Captured | undefined;
  Object.defineProperty(resource, '_makeRequest', {
    configurable: true,
    value: (method: string, path: string, _params: unknown, _options: unknown, spec?: Json) => {
      captured ??= { method, path, spec };
      throw CAPTURED;
    },
  });
  try {
    const args = parameters.map((p, i) => (p === 'params' || p === 'options' ? {} : `SDKPARAM${i}X`));
    const result = fn.apply(resource, args);
    if (result instanceof Promise) await result;
  } catch (error) {
    if (error !== CAPTURED && captured === undefined) {
      throw new Error(`\`${call}\` failed before sending a request: ${String(error)}`);
    }
  } finally {
    delete resource['_makeRequest'];
  }
  if (captured === undefined) return undefined;

  const method = captured.method.toUpperCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    throw new Error(
      `\`${call}\` sends \`${captured.method}\`, which is not one of ${HTTP_METHODS.join(', ')}`,
    );
  }
  const path = captured.path.replace(SENTINEL, (_, i: string) => `{${parameters[Number(i)]}}`);
  if (!path.startsWith('/') || /\s|SDKPARAM/.test(path)) {
    throw new Error(`\`${call}\` sends an unexpected path \`${captured.path}\``);
  }
  const spec = captured.spec ?? {};
  const type = typeof spec['methodType'] === 'string' ? spec['methodType'] : undefined;
  const apiBase = typeof spec['apiBase'] === 'string' ? spec['apiBase'] : undefined;
  return {
    call,
    method: method as HttpMethod,
    path,
    ...(type !== undefined ? { type } : {}),
    ...(type === 'list' || type === 'search' ? { paginates: true as const } : {}),
    ...(apiBase !== undefined ? { apiBase } : {}),
    ...(path.startsWith('/v2/') ? { v2: true as const } : {}),
    route: null,
  };
}

/** A method's parameter names, read from its source with the TypeScript parser. */
function parameterNames(fn: (...args: unknown[]) => unknown, call: string): string[] {
  const source = ts.createSourceFile('method.js', `class C {\n${fn.toString()}\n}`, ts.ScriptTarget.Latest);
  const declaration = source.statements[0];
  const member =
    declaration !== undefined && ts.isClassDeclaration(declaration) ? declaration.members[0] : undefined;
  if (member === undefined || !ts.isMethodDeclaration(member)) {
    throw new Error(`cannot read the parameters of \`${call}\`: its source is not a method`);
  }
  return member.parameters.map((p, i) => (ts.isIdentifier(p.name) ? p.name.text : `arg${i}`));
}

/** Fills in each method's route: the route table's operation of the same method and path shape. */
function attachRoutes(methods: Entry[]): void {
  const byShape = new Map<string, string>();
  for (const route of defaultRouteTable().routes) byShape.set(shapeOf(route.method, route.path), route.path);
  for (const entry of methods) {
    if ('raw' in entry) continue;
    entry.route = byShape.get(shapeOf(entry.method, entry.path)) ?? null;
  }
}

/** `GET /v1/invoices/{}`: a path template with its parameter names erased. */
function shapeOf(method: string, path: string): string {
  return `${method} ${path.replace(/\{[^{}/]*\}/g, '{}')}`;
}

try {
  const client = new Stripe('sk_test_appscope_sdk_methods') as unknown as Json;
  const version = String(client['VERSION'] ?? '');
  const { methods, aliases, skipped } = await extract(client);
  attachRoutes(methods);
  const file: SdkMethodsFile = {
    sdk: 'stripe',
    version,
    generatedBy: 'scripts/generate-sdk-methods.ts',
    aliases,
    methods,
  };
  compileSdkMethods(file, values.out); // the result must load
  const text = serializeSdkMethods(file);
  const endpoints = methods.filter((m) => !('raw' in m));
  const v2 = endpoints.filter((m) => 'v2' in m).length;
  const routed = endpoints.filter((m) => m.route !== null).length;
  const summary = `stripe ${version}: ${methods.length} methods, ${routed} in the route table, ${endpoints.length - routed} not (${v2} of them v2)${skipped.length > 0 ? `; ${skipped.length} send no request (${skipped.join(', ')})` : ''}`;
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(values.out, 'utf8');
    } catch {}
    if (current !== text) {
      const committed = /"version": "([^"]*)"/.exec(current)?.[1];
      const why =
        committed !== undefined && committed !== version
          ? `it was generated from stripe ${committed}, and stripe ${version} is installed`
          : `it differs from what stripe ${version} (installed) generates`;
      process.stderr.write(`${values.out} is out of date: ${why}; run \`npm run generate:sdk-methods\`\n`);
      process.exit(1);
    }
    process.stdout.write(`${values.out} is up to date (${summary})\n`);
  } else {
    writeFileSync(values.out, text);
    process.stdout.write(`wrote ${values.out} (${summary}, ${text.length} bytes)\n`);
  }
} catch (error) {
  process.stderr.write(`${isAppscopeError(error) ? error.message : String(error)}\n`);
  process.exit(1);
}

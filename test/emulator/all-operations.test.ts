import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { type RunningServer, startServe } from '../../src/cli/serve.js';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { createEmulator } from '../../src/emulator/emulator.js';
import type { GenericPlan } from '../../src/emulator/generic/engine.js';
import type { Coverage } from '../../src/emulator/registry.js';
import { seedInstall } from '../support/seed-install.js';
import { operationRequest, type WalkState } from './walk.js';

/**
 * Every operation of the API description, walked through `appscope serve` (started in process on
 * an embedded database, with its in-process emulator) in an order that creates what later calls
 * name: with an install key of an app granted every permission of the catalog, and, for the
 * operations the route table marks unavailable to apps (the gateway refuses them to every app by
 * design), with the merchant account's own secret key. Every answer is checked against the
 * description's own response schema with ajv (the description is read here, in the test only).
 */

const SPEC_URL = new URL('../../../shared/stripe-openapi/spec3-2022-04-12.json', import.meta.url);
const hasSpec = existsSync(fileURLToPath(SPEC_URL));
const ROUTES_URL = new URL('../../catalogs/stripe-routes.json', import.meta.url);

/**
 * Modelled operations whose state machine refuses the walk's one object, as Stripe would: the
 * walk captures, pays and finalizes before it voids or cancels. The code each must answer.
 */
const STATE_REFUSALS: Readonly<Record<string, string>> = {
  'POST /v1/charges/{charge}/capture': 'charge_already_captured',
  'POST /v1/invoices/{invoice}/pay': 'invoice_already_paid',
  'POST /v1/invoices/{invoice}/send': 'invoice_not_open',
  'POST /v1/invoices/{invoice}/mark_uncollectible': 'invoice_not_open',
  'POST /v1/invoices/{invoice}/void': 'invoice_not_voidable',
  'DELETE /v1/invoices/{invoice}': 'invoice_not_editable',
  'DELETE /v1/products/{id}': 'product_has_prices',
  'POST /v1/payment_intents/{intent}/cancel': 'payment_intent_unexpected_state',
  // The walk's invoice item went onto the invoice the walk paid.
  'POST /v1/invoiceitems/{invoiceitem}': 'invoice_not_editable',
  'DELETE /v1/invoiceitems/{invoiceitem}': 'invoice_not_editable',
};

interface Outcome {
  readonly coverage: Coverage;
  readonly status: number;
  readonly body: unknown;
  /** The key the call went with: the all-permissions app's, or the merchant account's own. */
  readonly via: 'install key' | 'account key';
}

const TITLE = hasSpec
  ? 'all 417 operations of the description'
  : 'all 417 operations of the description (skipped: ../shared/stripe-openapi is not beside the project)';

describe.skipIf(!hasSpec)(TITLE, () => {
  let key: string;
  let accountKey: string;
  let server: RunningServer;
  let dataDir: string;
  let unavailableCount = 0;
  const outcomes: Outcome[] = [];
  let spec: { paths: Record<string, Record<string, unknown>> };
  let ajv: Ajv;

  beforeAll(async () => {
    spec = JSON.parse(readFileSync(SPEC_URL, 'utf8'));
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(nullableForAjv(spec) as object, 'spec');
    dataDir = mkdtempSync(join(tmpdir(), 'appscope-all-operations-'));
    const seeded = await seedInstall(
      { dataDir },
      'com.example.everything',
      defaultCatalog().permissions.map((p) => p.name),
    );
    key = seeded.key;
    accountKey = seeded.accountKey;
    const account = seeded.account;
    const io: CliIo = { stdout: () => {}, stderr: () => {}, cwd: dataDir, env: {} };
    server = await startServe(io, { port: 0, dataDir, logLevel: 'silent' });
    const coverage = createEmulator().coverage;
    const routes = JSON.parse(readFileSync(ROUTES_URL, 'utf8')) as {
      routes: { method: string; path: string; unavailable?: string }[];
    };
    const unavailable = new Set(
      routes.routes.filter((r) => r.unavailable !== undefined).map((r) => `${r.method} ${r.path}`),
    );
    unavailableCount = unavailable.size;
    const state: WalkState = { ids: new Map([['account', account]]), now: Math.floor(Date.now() / 1000) };
    const perform = async (coverage: Coverage): Promise<Outcome> => {
      const request = operationRequest(coverage.plan, state);
      const direct = unavailable.has(`${coverage.method} ${coverage.path}`);
      let status: number;
      let body: unknown;
      {
        const url = `${server.url}${request.path}${coverage.method === 'POST' || request.form === '' ? '' : `?${request.form}`}`;
        const response = await fetch(url, {
          method: coverage.method,
          headers: {
            authorization: `Bearer ${direct ? accountKey : key}`,
            ...(coverage.method === 'POST'
              ? { 'content-type': request.contentType ?? 'application/x-www-form-urlencoded' }
              : {}),
          },
          ...(coverage.method === 'POST' ? { body: request.body ?? request.form } : {}),
        });
        status = response.status;
        const type = response.headers.get('content-type') ?? '';
        body = type.includes('json')
          ? await response.json()
          : { pdf: (await response.arrayBuffer()).byteLength };
      }
      const object = body as { id?: unknown; object?: unknown };
      if (status === 200 && typeof object.id === 'string' && coverage.plan.kind === 'create') {
        state.ids.set(typeof object.object === 'string' ? object.object : coverage.plan.types[0]!, object.id);
      }
      // Objects nobody creates through the API (balance transactions, events): ids from lists.
      const first = (body as { data?: { id?: unknown; object?: unknown }[] }).data?.[0];
      if (status === 200 && typeof first?.id === 'string' && typeof first.object === 'string') {
        if (!state.ids.has(first.object)) state.ids.set(first.object, first.id);
      }
      return { coverage, status, body, via: direct ? 'account key' : 'install key' };
    };
    const shape = (path: string): string => path.replace(/\{[^}]+\}/g, '{}');
    for (const entry of walkOrder(coverage)) {
      // Each delete gets an object of its own, made by the create of its collection (several
      // paths delete the same type: a customer's cards, sources and bank accounts).
      if (entry.plan.kind === 'delete' && entry.servedBy === 'generic') {
        const collection = shape(entry.path).replace(/\/\{\}$/, '');
        const create = coverage.find(
          (c) => c.plan.kind === 'create' && c.method === 'POST' && shape(c.path) === collection,
        );
        if (create !== undefined) await perform(create);
      }
      outcomes.push(await perform(entry));
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves every one of them: none is an unrecognized URL, and each answers 200', () => {
    expect(outcomes).toHaveLength(417);
    const unrecognized = outcomes.filter((o) => JSON.stringify(o.body).includes('Unrecognized request URL'));
    expect(unrecognized.map(label)).toEqual([]);
    const failed = outcomes
      .filter((o) => {
        const refusal = STATE_REFUSALS[`${o.coverage.method} ${o.coverage.path}`];
        if (refusal === undefined) return o.status !== 200;
        return (o.body as { error?: { code?: unknown } }).error?.code !== refusal;
      })
      .map((o) => `${label(o)} → ${o.status} ${JSON.stringify(o.body).slice(0, 200)}`);
    expect(failed).toEqual([]);
    // the app's install key reached every operation available to apps; the account key the rest
    expect(outcomes.filter((o) => o.via === 'account key')).toHaveLength(unavailableCount);
    expect(outcomes.filter((o) => o.via === 'install key').length).toBeGreaterThan(300);
  });

  it("answers what the description's response schema describes, and every list is a list object", () => {
    const invalid: string[] = [];
    const error = ajv.getSchema('spec#/components/schemas/error') as ValidateFunction;
    for (const outcome of outcomes) {
      if (outcome.status !== 200) {
        if (!error(outcome.body)) invalid.push(`${label(outcome)} error: ${ajv.errorsText(error.errors)}`);
        continue;
      }
      const validate = responseValidator(outcome.coverage);
      if (validate === undefined) continue; // a PDF
      if (!validate(outcome.body)) {
        invalid.push(`${label(outcome)}: ${ajv.errorsText(validate.errors?.slice(0, 3))}`);
      }
      if (outcome.coverage.plan.kind === 'list') {
        expect((outcome.body as { object: unknown }).object, label(outcome)).toBe('list');
      }
    }
    expect(invalid).toEqual([]);
  });

  function responseValidator(coverage: Coverage): ValidateFunction | undefined {
    const pointer = `spec#/paths/${pointerEscape(coverage.path)}/${coverage.method.toLowerCase()}/responses/200/content/application~1json/schema`;
    const content = (
      spec.paths[coverage.path]![coverage.method.toLowerCase()] as {
        responses: { 200: { content: Record<string, unknown> } };
      }
    ).responses[200].content;
    if (content['application/json'] === undefined) return undefined;
    return ajv.getSchema(pointer) as ValidateFunction;
  }
});

/**
 * OpenAPI 3.0's `nullable: true` beside `anyOf` or `$ref` (no `type`) is not JSON Schema, and
 * ajv refuses it: it becomes `anyOf: [..., {type: 'null'}]`; a nullable `enum` gains `null`
 * (OpenAPI 3.0.3 reads `nullable` that way). Everything else is left as it is.
 */
function nullableForAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(nullableForAjv);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = nullableForAjv(value);
  // A nullable enum allows null too (ajv's `nullable` widens `type` only).
  if (out['nullable'] === true && Array.isArray(out['enum']) && !out['enum'].includes(null)) {
    out['enum'] = [...out['enum'], null];
  }
  if (out['nullable'] === true && out['type'] === undefined) {
    delete out['nullable'];
    const alternatives = (out['anyOf'] as unknown[] | undefined) ?? [];
    if (typeof out['$ref'] === 'string') {
      alternatives.push({ $ref: out['$ref'] });
      delete out['$ref'];
    }
    out['anyOf'] = [...alternatives, { type: 'null' }];
  }
  return out;
}

function pointerEscape(path: string): string {
  return path.replace(/~/g, '~0').replace(/\//g, '~1');
}

function label(outcome: Outcome): string {
  return `${outcome.coverage.method} ${outcome.coverage.path} (${outcome.coverage.servedBy} ${outcome.coverage.plan.kind})`;
}

/** What other creates name: made first. */
const FIRST = [
  'customer',
  'product',
  'price',
  'charge',
  'payment_intent',
  'invoiceitem',
  'invoice',
  'subscription',
];
/** Actions that end an object's life: last. */
/** Actions in the order an object's life takes them (others after, by path). */
const ACTION_ORDER = ['attach', 'finalize', 'confirm', 'capture', 'pay', 'send'];
const FINAL_ACTIONS = [
  'void',
  'cancel',
  'mark_uncollectible',
  'expire',
  'reject',
  'close',
  'redact',
  'release',
];

/** Creates first (parents before children), then reads, updates and actions, deletes last (children first). */
function walkOrder(coverage: readonly Coverage[]): Coverage[] {
  const rank = (plan: GenericPlan): number => {
    if (plan.kind === 'create') return 0;
    if (plan.kind === 'delete' || plan.op.method === 'DELETE') return 4;
    if (plan.kind === 'action') return FINAL_ACTIONS.includes(plan.op.path.split('/').pop()!) ? 3 : 2;
    return 1;
  };
  const first = (plan: GenericPlan): number => {
    const at =
      plan.kind === 'create' && plan.parent === undefined
        ? FIRST.indexOf(plan.types[0]!)
        : plan.kind === 'action'
          ? ACTION_ORDER.indexOf(plan.op.path.split('/').pop()!)
          : -1;
    return at < 0 ? 99 : at;
  };
  // Parents before children, except deletes: children first, so their parents are still there.
  const depth = (c: Coverage): number => c.path.split('/').length * (rank(c.plan) === 4 ? -1 : 1);
  return [...coverage].sort(
    (a, b) =>
      rank(a.plan) - rank(b.plan) ||
      first(a.plan) - first(b.plan) ||
      depth(a) - depth(b) ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

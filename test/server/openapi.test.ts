import { Ajv2020 } from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain } from '../../src/domain/context.js';
import { createServer } from '../../src/server/app.js';
import { buildOpenApiDocument, OPENAPI_PATH, registeredRoutes } from '../../src/server/openapi/index.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

/**
 * The OpenAPI document against the live server: every route under `/v1/apps` is documented, every
 * documented operation answers (with a valid key: never "Unrecognized request URL"), and what it
 * answers matches the documented schema.
 *
 * Excluded: the gateway's `/v1/*` catch-all. It serves Stripe's API (including Stripe's own Secret
 * Store at `/v1/apps/secrets`), which Stripe's OpenAPI document describes; this document covers
 * appscope's own API.
 */

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Json = Record<string, unknown>;

let store: Store;
let app: FastifyInstance;
let secretKey: string;
let install: string;
let key: string;
let document: Json;
let log: DecisionLog;

beforeAll(async () => {
  store = await openStore('sqlite::memory:');
  const domain = createDomain({ store, catalog: defaultCatalog() });
  log = new DecisionLog({ store });
  app = await createServer({
    domain,
    routes: defaultRouteTable(),
    gateway: { kind: 'emulator' },
    decisions: log,
  });
  const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
  const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
  secretKey = merchant.secretKeys.test.secret;
  await uploadAppVersion(domain, {
    actor: OPERATOR,
    account: developer.account.id,
    manifest: {
      id: 'com.example.openapi-check',
      version: '1.0.0',
      name: 'OpenAPI check',
      icon: '',
      distribution_type: 'public',
      stripe_api_access_type: 'restricted_api_key',
      permissions: [{ permission: 'customer_read', purpose: 'reads customers' }],
    },
  });
  const installed = await app.inject({
    method: 'POST',
    url: '/v1/apps/installs',
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'app=com.example.openapi-check',
  });
  expect(installed.statusCode).toBe(200);
  install = installed.json<Json>()['id'] as string;
  key = (installed.json<Json>()['key'] as Json)['id'] as string;
  // one allowed and one denied call through the gateway, so that the decision lists hold some
  const appKey = (installed.json<Json>()['key'] as Json)['secret'] as string;
  for (const url of ['/v1/customers', '/v1/charges']) {
    await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${appKey}` } });
  }
  await log.flush();
  const served = await app.inject({ method: 'GET', url: OPENAPI_PATH }); // no credentials
  expect(served.statusCode).toBe(200);
  expect(served.headers['content-type']).toMatch(/^application\/json/);
  document = served.json<Json>();
});

afterAll(async () => {
  await app.close();
  await log.close();
  await store.close();
});

/** `/v1/apps/installs/:install/keys/:key` → `/v1/apps/installs/{install}/keys/{key}`. */
function template(url: string): string {
  return url.replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

function operations(): { method: string; path: string; operation: Json }[] {
  const paths = document['paths'] as Record<string, Json>;
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => ({
      method: m,
      path,
      operation: item[m] as Json,
    })),
  );
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and structurally sound: every $ref resolves, operation ids are unique, path parameters are declared', () => {
    expect(document['openapi']).toBe('3.1.0');
    expect(document).toMatchObject({ info: { title: expect.any(String), version: expect.any(String) } });
    const components = document['components'] as Json;
    // the structural check: a minimal OpenAPI 3.1 schema, compiled by ajv (no download)
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const shape = {
      type: 'object',
      required: ['openapi', 'info', 'paths', 'components'],
      properties: {
        openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
        info: { type: 'object', required: ['title', 'version'] },
        paths: {
          type: 'object',
          propertyNames: { pattern: '^/' },
          additionalProperties: {
            type: 'object',
            propertyNames: { enum: ['parameters', 'summary', 'description', ...METHODS] },
            additionalProperties: true,
            properties: Object.fromEntries(
              METHODS.map((m) => [
                m,
                {
                  type: 'object',
                  required: ['operationId', 'responses'],
                  properties: {
                    responses: {
                      type: 'object',
                      minProperties: 1,
                      propertyNames: { pattern: '^[1-5]\\d\\d$' },
                      additionalProperties: { type: 'object', required: ['description'] },
                    },
                    parameters: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['name', 'in', 'schema'],
                        properties: { in: { enum: ['path', 'query', 'header', 'cookie'] } },
                      },
                    },
                  },
                },
              ]),
            ),
          },
        },
        components: {
          type: 'object',
          required: ['schemas', 'securitySchemes'],
          properties: {
            securitySchemes: { type: 'object', additionalProperties: { type: 'object', required: ['type'] } },
          },
        },
      },
    };
    const valid = ajv.validate(shape, document);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);

    // every $ref points at something that exists
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(document);
    expect(refs.length).toBeGreaterThan(0);
    for (const target of new Set(refs)) {
      const [, kind, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(target) ?? [];
      expect(kind, target).toBeDefined();
      expect((components[kind!] as Json)[name!], target).toBeDefined();
    }
    // every component schema compiles as JSON Schema 2020-12
    const schemas = new Ajv2020({ strict: false });
    schemas.addSchema({ $id: 'doc', components }, 'doc');
    for (const name of Object.keys(components['schemas'] as Json)) {
      expect(() => schemas.getSchema(`doc#/components/schemas/${name}`), name).not.toThrow();
    }

    const ids = operations().map((o) => o.operation['operationId']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, operation } of operations()) {
      const item = (document['paths'] as Record<string, Json>)[path]!;
      const declared = [
        ...((item['parameters'] as Json[]) ?? []),
        ...((operation['parameters'] as Json[]) ?? []),
      ]
        .filter((p) => p['in'] === 'path')
        .map((p) => p['name']);
      const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(declared.sort(), path).toEqual(inTemplate.sort());
    }
  });

  it('describes the security schemes (bearer and basic with an sk_ key) and the Stripe-shaped error', () => {
    const components = document['components'] as Json;
    expect(components['securitySchemes']).toMatchObject({
      secretKey: { type: 'http', scheme: 'bearer', bearerFormat: expect.stringContaining('sk_') },
      basicAuth: { type: 'http', scheme: 'basic' },
    });
    expect((components['schemas'] as Json)['Error']).toMatchObject({
      required: ['error'],
      properties: { error: { required: ['type', 'message'] } },
    });
    for (const { path, operation } of operations()) {
      if (operation['security'] !== undefined) continue; // the document itself needs no key
      const responses = operation['responses'] as Record<string, Json>;
      expect(responses['401'], path).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      });
    }
  });

  it('documents every route the server has under /v1/apps, /v1/oauth and /.well-known (catch-alls aside)', () => {
    const paths = document['paths'] as Record<string, Json>;
    const live = registeredRoutes(app).filter(
      (r) =>
        (r.url.startsWith('/v1/apps') ||
          r.url.startsWith('/v1/oauth') ||
          r.url.startsWith('/.well-known/')) &&
        !r.url.endsWith('*') && // `/v1/oauth/*` answers 404/405 for what is not an endpoint
        r.method !== 'HEAD' &&
        r.method !== 'OPTIONS',
    );
    expect(live.length).toBeGreaterThan(10);
    const undocumented = live
      .filter((r) => paths[template(r.url)]?.[r.method.toLowerCase()] === undefined)
      .map((r) => `${r.method} ${r.url}`);
    expect(undocumented).toEqual([]);
    expect(live.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'POST /v1/oauth/token',
        'POST /v1/oauth/revoke',
        'POST /v1/oauth/deauthorize',
        'GET /.well-known/oauth-authorization-server',
      ]),
    );
    // and the gateway is there, but is not appscope's API
    expect(registeredRoutes(app).some((r) => r.url === '/v1/*')).toBe(true);
  });

  it('every documented operation answers with a valid key, as documented', async () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: 'doc', components: document['components'] }, 'doc');
    const ids: Record<string, string> = { install, key };
    const answered: string[] = [];
    // GETs first: POSTs (uninstall, revoke) change what later calls can do
    const ordered = operations().sort((a, b) => Number(a.method !== 'get') - Number(b.method !== 'get'));
    for (const { method, path, operation } of ordered) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? `unknown_${name}`);
      const response = await app.inject({
        method: method.toUpperCase() as 'GET',
        url,
        headers: {
          authorization: `Bearer ${secretKey}`,
          ...(method === 'get' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(method === 'get' ? {} : { payload: '' }),
      });
      const what = `${method.toUpperCase()} ${path} → ${response.statusCode} ${response.body.slice(0, 200)}`;
      expect(response.body, what).not.toContain('Unrecognized request URL');
      expect(response.statusCode, what).toBeLessThan(500);
      const documented = (operation['responses'] as Record<string, Json>)[String(response.statusCode)];
      expect(documented, `${what}: status not documented`).toBeDefined();
      const schema = (
        (documented!['content'] as Json | undefined)?.['application/json'] as Json | undefined
      )?.['schema'] as Json | undefined;
      if (schema !== undefined) {
        const rewritten = JSON.parse(
          JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'),
        );
        const validate = ajv.compile(rewritten);
        expect(validate(response.json()), `${what}\n${JSON.stringify(validate.errors)}`).toBe(true);
      }
      if (path.endsWith('/decisions') && response.statusCode === 200) {
        expect((response.json() as { data: unknown[] }).data.length, what).toBe(2);
      }
      answered.push(`${method} ${path}`);
    }
    expect(answered.length).toBe(operations().length);
  });

  it('refuses to merge two fragments that define the same path or schema', () => {
    const a = { paths: { '/v1/apps/x': {} }, schemas: { X: {} } };
    expect(() => buildOpenApiDocument([a, { paths: { '/v1/apps/x': {} }, schemas: {} }])).toThrow(
      /path `\/v1\/apps\/x`/,
    );
    expect(() => buildOpenApiDocument([a, { paths: {}, schemas: { X: {} } }])).toThrow(/schema `X`/);
  });
});

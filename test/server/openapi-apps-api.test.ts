import { Ajv2020 } from 'ajv/dist/2020.js';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { createServer, type ServerContext } from '../../src/server/app.js';
import { registerAppsApi } from '../../src/server/apps-api.js';
import { paths, schemas } from '../../src/server/openapi/apps-api.js';
import { buildOpenApiDocument } from '../../src/server/openapi/index.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

type Operation = {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};
const METHODS = ['get', 'post'] as const;
/** Every schema of the whole document: the fragment's own, and shared ones such as `Error`. */
const documentSchemas = (buildOpenApiDocument() as { components: { schemas: Record<string, unknown> } })
  .components.schemas;

/** `METHOD /path/{param}` of every documented operation. */
function documented(): string[] {
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m] !== undefined).map(
      (m) => `${m.toUpperCase()} ${path}`,
    ),
  );
}

/** `METHOD /path/{param}` of every route registerAppsApi adds. */
async function registered(): Promise<string[]> {
  const app = Fastify();
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push(`${method} ${route.url.replace(/:([a-z_]+)/g, '{$1}')}`);
    }
  });
  registerAppsApi(app, {} as ServerContext);
  await app.ready();
  await app.close();
  return routes;
}

function operation(method: 'get' | 'post', path: string): Operation {
  return (paths[path] as Record<string, Operation>)[method]!;
}

describe('the apps API OpenAPI fragment', () => {
  it('documents every route of the apps API, and only those', async () => {
    expect(documented().sort()).toEqual((await registered()).sort());
  });

  it('has unique operation ids and every $ref resolves to a schema of the document', () => {
    const ids = documented().map((entry) => {
      const [method, path] = entry.split(' ') as ['GET' | 'POST', string];
      return operation(method.toLowerCase() as 'get' | 'post', path).operationId;
    });
    expect(new Set(ids).size).toBe(ids.length);
    const refs = [
      ...JSON.stringify({ paths, schemas }).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g),
    ].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(Object.keys(documentSchemas)).toContain(name);
    for (const name of Object.keys(schemas)) expect(documentSchemas[name]).toEqual(schemas[name]);
  });
});

describe('live answers match the fragment', () => {
  let store: Store;
  let domain: Domain;
  let key: string;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addKeyword('example');
  for (const [name, schema] of Object.entries(documentSchemas)) {
    ajv.addSchema(schema as object, `#/components/schemas/${name}`);
  }

  beforeEach(async () => {
    store = await openStore('sqlite::memory:');
    domain = createDomain({ store, catalog: defaultCatalog() });
    key = (await createAccount(domain, { actor: OPERATOR, name: 'Developer' })).secretKeys.test.secret;
  });
  afterEach(async () => {
    await store.close();
  });

  it('every operation answers with a body its documented schema accepts', async () => {
    const server = await createServer({ domain, routes: defaultRouteTable() });
    try {
      const manifest = (version: string, permissions: string[]) =>
        JSON.stringify({
          id: 'com.example.schema-check',
          version,
          name: 'Schema check',
          icon: './icon.png',
          permissions: permissions.map((permission) => ({ permission, purpose: `uses ${permission}` })),
        });
      const calls: [method: 'GET' | 'POST', path: string, template: string, body?: string][] = [
        [
          'POST',
          '/v1/apps/versions',
          '/v1/apps/versions',
          `manifest=${encodeURIComponent(manifest('1.0.0', ['customer_read']))}`,
        ],
        [
          'POST',
          '/v1/apps/versions',
          '/v1/apps/versions',
          `manifest=${encodeURIComponent(manifest('1.1.0', ['customer_read', 'invoice_read']))}&release=false`,
        ],
        ['GET', '/v1/apps/apps', '/v1/apps/apps'],
        ['GET', '/v1/apps/apps/com.example.schema-check', '/v1/apps/apps/{app}'],
        ['GET', '/v1/apps/apps/com.example.schema-check/versions', '/v1/apps/apps/{app}/versions'],
        [
          'GET',
          '/v1/apps/apps/com.example.schema-check/versions/1.1.0',
          '/v1/apps/apps/{app}/versions/{version}',
        ],
        [
          'POST',
          '/v1/apps/apps/com.example.schema-check/versions/1.1.0/release',
          '/v1/apps/apps/{app}/versions/{version}/release',
          '',
        ],
        ['GET', '/v1/apps/catalog', '/v1/apps/catalog'],
        // errors: an invalid manifest (with issues), a missing app, no key
        [
          'POST',
          '/v1/apps/versions',
          '/v1/apps/versions',
          `manifest=${encodeURIComponent(manifest('', ['nope']))}`,
        ],
        ['GET', '/v1/apps/apps/com.example.nothing', '/v1/apps/apps/{app}'],
      ];
      const covered = new Set<string>();
      for (const [method, url, template, body] of calls) {
        const response = await server.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          ...(body === undefined ? {} : { payload: body }),
        });
        const documentedResponse = operation(method.toLowerCase() as 'get' | 'post', template).responses[
          String(response.statusCode)
        ];
        expect({ url, status: response.statusCode, documented: documentedResponse !== undefined }).toEqual({
          url,
          status: response.statusCode,
          documented: true,
        });
        const schema = documentedResponse!.content!['application/json']!.schema;
        const validate = ajv.compile(schema as object);
        const ok = validate(response.json());
        expect({ url, status: response.statusCode, errors: validate.errors ?? null, ok }).toEqual({
          url,
          status: response.statusCode,
          errors: null,
          ok: true,
        });
        if (response.statusCode === 200) covered.add(`${method} ${template}`);
      }
      expect([...covered].sort()).toEqual(documented().sort());
    } finally {
      await server.close();
    }
  });
});

import type { FastifyInstance, RouteOptions } from 'fastify';
import { packageVersion } from '../../version.js';
import * as appsApi from './apps-api.js';
import { json, ref } from './common.js';
import * as installApi from './install-api.js';
import * as oauth from './oauth.js';
import * as webhooks from './webhooks.js';

/** What a fragment module exports: OpenAPI 3.1 `paths` (`{param}` templates) and `components.schemas`. */
export interface OpenApiFragment {
  readonly paths: Record<string, unknown>;
  readonly schemas: Record<string, unknown>;
}

/** Where appscope's own API document is served (no key needed). */
export const OPENAPI_PATH = '/v1/apps/openapi.json';

/** This document's own entry, so that it describes every route under `/v1/apps`. */
const self: OpenApiFragment = {
  paths: {
    [OPENAPI_PATH]: {
      get: {
        operationId: 'GetOpenApiDocument',
        summary: 'This document (no key needed)',
        tags: ['Meta'],
        security: [],
        responses: { '200': json('The OpenAPI 3.1 document', { type: 'object' }) },
      },
    },
  },
  schemas: {},
};

/**
 * Every fragment in the document. Adding one (an `import * as x from './x.js'` above and its name
 * here) is all it takes.
 */
export const FRAGMENTS: readonly OpenApiFragment[] = [self, installApi, appsApi, webhooks, oauth];

/** The Stripe-shaped error every operation answers with (docs/errors.md). */
const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message'],
      properties: {
        type: {
          enum: [
            'api_error',
            'authentication_error',
            'idempotency_error',
            'invalid_request_error',
            'rate_limit_error',
          ],
        },
        code: { type: 'string', description: 'stable, e.g. `parameter_unknown`, `resource_missing`' },
        message: { type: 'string', description: 'for people; names the problem' },
        param: { type: 'string', description: 'the parameter at fault, when there is one' },
        issues: {
          type: 'array',
          items: ref('ManifestIssue'),
          description: 'every problem of an invalid manifest (`manifest_invalid`)',
        },
        doc_url: { type: 'string' },
        request_log_url: { type: 'string' },
      },
    },
  },
};

/**
 * Builds appscope's OpenAPI 3.1 document by merging the fragments; a path or schema two fragments
 * both define is an error (they would silently overwrite each other).
 */
export function buildOpenApiDocument(
  fragments: readonly OpenApiFragment[] = FRAGMENTS,
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { Error: ERROR_SCHEMA };
  for (const fragment of fragments) {
    for (const [path, item] of Object.entries(fragment.paths)) {
      if (Object.hasOwn(paths, path))
        throw new Error(`OpenAPI: path \`${path}\` is defined by two fragments`);
      paths[path] = item;
    }
    for (const [name, schema] of Object.entries(fragment.schemas)) {
      if (Object.hasOwn(schemas, name))
        throw new Error(`OpenAPI: schema \`${name}\` is defined by two fragments`);
      schemas[name] = schema;
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'appscope API',
      version: packageVersion(),
      description:
        'appscope’s own API, in Stripe’s conventions: form-encoded bodies, `Idempotency-Key` on every POST, Stripe-shaped errors (`Error`) and a `Request-Id` header on every response. The OAuth endpoints (`/v1/oauth/…`, tag OAuth) follow the OAuth RFCs instead: RFC 6749 errors (`OAuthError`), no idempotency keys. The Stripe API that the gateway serves under `/v1/…` is Stripe’s, and is not described here.',
    },
    servers: [{ url: '/' }],
    security: [{ secretKey: [] }, { basicAuth: [] }],
    tags: [
      { name: 'Install API' },
      { name: 'Apps API' },
      { name: 'Webhooks' },
      { name: 'OAuth' },
      { name: 'Meta' },
    ],
    paths,
    components: {
      securitySchemes: {
        secretKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'sk_test_… / sk_live_…',
          description:
            'An account’s secret key: `Authorization: Bearer sk_test_…`. A test key sees test-mode objects, a live key live ones.',
        },
        basicAuth: {
          type: 'http',
          scheme: 'basic',
          description: 'The same secret key as the user name, with an empty password (`curl -u sk_test_…:`).',
        },
      },
      schemas,
      responses: { Error: json('A Stripe-shaped error', ref('Error')) },
    },
  };
}

/** Serves the document at {@link OPENAPI_PATH}, built once. */
export function registerOpenApi(app: FastifyInstance): void {
  let text: string | undefined;
  app.get(OPENAPI_PATH, async (_request, reply) => {
    text ??= JSON.stringify(buildOpenApiDocument());
    return reply.type('application/json').send(text);
  });
}

const ROUTES = new WeakMap<FastifyInstance, RouteOptions[]>();

/**
 * Records every route registered on `app` from now on (call it first), for the test that checks
 * the document against the live routes.
 */
export function recordRoutes(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
}

/** The routes {@link recordRoutes} saw: method and URL. */
export function registeredRoutes(app: FastifyInstance): { method: string; url: string }[] {
  return (ROUTES.get(app) ?? []).flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({
      method: String(method),
      url: route.url,
    })),
  );
}

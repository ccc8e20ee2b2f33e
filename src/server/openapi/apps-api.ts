/**
 * The apps API (src/server/apps-api.ts) as an OpenAPI 3.1 fragment: its Paths Object and the
 * component schemas it references (`#/components/schemas/…`). The document served at
 * `/v1/apps/openapi.json` merges it with the other modules' fragments. Every operation takes an
 * account's secret key (`sk_…`) as a Bearer token; `rk_…` and app keys are refused with 403.
 */

import { listOf, ref } from './common.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });

const appParam = {
  name: 'app',
  in: 'path',
  required: true,
  description: 'The app id (the manifest `id`), e.g. `com.example.crm-sync`.',
  schema: { type: 'string' },
};

const versionParam = {
  name: 'version',
  in: 'path',
  required: true,
  description: 'A version string as uploaded (URL-encoded).',
  schema: { type: 'string' },
};

const limitParam = {
  name: 'limit',
  in: 'query',
  required: false,
  description: 'How many objects to return, 1 to 100 (default 10).',
  schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
};

function startingAfter(description: string) {
  return { name: 'starting_after', in: 'query', required: false, description, schema: { type: 'string' } };
}

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes the POST safe to retry for 24 hours: the same key and request replay the first answer (`Idempotent-Replayed: true`); the same key with another request is refused (`idempotency_error`).',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

function errors(...statuses: number[]) {
  const what: Record<number, string> = {
    400: 'Invalid request: a parameter, the manifest (`manifest_invalid` with every `issues` entry), a version that exists (`resource_already_exists`), a release backwards (`version_not_releasable`), or an idempotency conflict.',
    401: 'No API key, or an unknown, revoked or expired one (`authentication_error`).',
    403: 'A restricted key (`rk_…`) or an app key: only the account secret key may call (`secret_key_required`).',
    404: "No such app or version — also another account's app the caller may not see.",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      { description: what[status] ?? 'Error', content: json(ref('Error')) },
    ]),
  );
}

export const paths: Record<string, unknown> = {
  '/v1/apps/versions': {
    post: {
      operationId: 'PostAppsVersions',
      tags: ['Apps API'],
      summary: 'Upload an app version',
      description:
        "Validates the manifest (the same checks and errors as `appscope apps upload`), registers the app on its first upload under the caller's account, stores the version and releases it unless `release=false`. Nothing is stored when the manifest is invalid.",
      parameters: [idempotencyKey],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              required: ['manifest'],
              properties: {
                manifest: {
                  type: 'string',
                  description: 'The `stripe-app.json` document, as its JSON text (URL-encoded in the form).',
                },
                release: {
                  type: 'string',
                  enum: ['true', 'false'],
                  default: 'true',
                  description: 'Release the version to every install right away.',
                },
              },
              additionalProperties: false,
            },
          },
        },
      },
      responses: {
        '200': { description: 'The stored version.', content: json(ref('AppVersionUploaded')) },
        ...errors(400, 401, 403),
      },
    },
  },
  '/v1/apps/apps': {
    get: {
      operationId: 'GetAppsApps',
      tags: ['Apps API'],
      summary: "List the account's own apps",
      description: "The caller's apps, released or not, in id order.",
      parameters: [limitParam, startingAfter('An app id: list the apps after it.')],
      responses: {
        '200': { description: 'A page of apps.', content: json(listOf('App')) },
        ...errors(400, 401, 403),
      },
    },
  },
  '/v1/apps/apps/{app}': {
    get: {
      operationId: 'GetAppsAppsApp',
      tags: ['Apps API'],
      summary: 'Retrieve an app',
      description: "One of the caller's apps, or another developer's public released app.",
      parameters: [appParam],
      responses: {
        '200': { description: 'The app.', content: json(ref('App')) },
        ...errors(401, 403, 404),
      },
    },
  },
  '/v1/apps/apps/{app}/versions': {
    get: {
      operationId: 'GetAppsAppsAppVersions',
      tags: ['Apps API'],
      summary: "List an app's versions",
      description: "The versions of one of the caller's apps, newest first.",
      parameters: [
        appParam,
        limitParam,
        startingAfter('A version string: list the versions uploaded before it.'),
      ],
      responses: {
        '200': {
          description: 'A page of versions.',
          content: json(listOf('AppVersion')),
        },
        ...errors(400, 401, 403, 404),
      },
    },
  },
  '/v1/apps/apps/{app}/versions/{version}': {
    get: {
      operationId: 'GetAppsAppsAppVersionsVersion',
      tags: ['Apps API'],
      summary: 'Retrieve an app version',
      description:
        "Any version of the caller's app; for another developer's public app, only its current version.",
      parameters: [appParam, versionParam],
      responses: {
        '200': { description: 'The version.', content: json(ref('AppVersion')) },
        ...errors(401, 403, 404),
      },
    },
  },
  '/v1/apps/apps/{app}/versions/{version}/release': {
    post: {
      operationId: 'PostAppsAppsAppVersionsVersionRelease',
      tags: ['Apps API'],
      summary: 'Release an app version',
      description:
        'Makes an uploaded version current for every install (new permissions become pending). Releases move forward only; releasing the current version again changes nothing.',
      parameters: [appParam, versionParam, idempotencyKey],
      requestBody: {
        required: false,
        content: {
          'application/x-www-form-urlencoded': {
            schema: { type: 'object', properties: {}, additionalProperties: false },
          },
        },
      },
      responses: {
        '200': { description: 'The released version.', content: json(ref('AppVersionReleased')) },
        ...errors(400, 401, 403, 404),
      },
    },
  },
  '/v1/apps/catalog': {
    get: {
      operationId: 'GetAppsCatalog',
      tags: ['Apps API'],
      summary: 'List the public app catalogue',
      description:
        "Every public app with a released version, in id order, with its developer's name, an icon and what its current version requests.",
      parameters: [limitParam, startingAfter('An app id: list the entries after it.')],
      responses: {
        '200': {
          description: 'A page of catalogue entries.',
          content: json(listOf('AppsCatalogEntry')),
        },
        ...errors(400, 401, 403),
      },
    },
  },
};

const permission = {
  type: 'object',
  required: ['permission', 'purpose'],
  properties: {
    permission: { type: 'string', examples: ['customer_read'] },
    purpose: { type: 'string', description: 'Why the app needs it, as the developer wrote it.' },
  },
};

const appVersionProperties = {
  object: { const: 'app_version' },
  app: { type: 'string', description: 'The app id.' },
  version: { type: 'string' },
  permissions: { type: 'array', items: ref('ManifestPermission') },
  manifest: { type: 'object', description: 'The validated `stripe-app.json` document.' },
  created: { type: 'integer', description: 'Upload time, unix seconds.' },
  released: { type: ['integer', 'null'], description: 'First release time, unix seconds; null if never.' },
};
const appVersionRequired = ['object', 'app', 'version', 'permissions', 'manifest', 'created', 'released'];

export const schemas: Record<string, unknown> = {
  App: {
    type: 'object',
    required: [
      'id',
      'object',
      'name',
      'owner',
      'stripe_api_access_type',
      'distribution_type',
      'current_version',
      'created',
    ],
    properties: {
      id: { type: 'string', description: 'The manifest `id`.', examples: ['com.example.crm-sync'] },
      object: { const: 'app' },
      name: { type: 'string' },
      owner: { type: 'string', description: "The developer's account id (`acct_…`)." },
      stripe_api_access_type: { type: 'string', enum: ['restricted_api_key', 'platform', 'oauth'] },
      distribution_type: { type: 'string', enum: ['public', 'private'] },
      current_version: { type: ['string', 'null'], description: 'The released version, or null.' },
      created: { type: 'integer', description: 'Unix seconds.' },
    },
  },
  ManifestPermission: permission,
  AppVersion: {
    type: 'object',
    required: appVersionRequired,
    properties: appVersionProperties,
  },
  AppVersionUploaded: {
    type: 'object',
    required: [...appVersionRequired, 'installs_updated', 'warnings'],
    properties: {
      ...appVersionProperties,
      installs_updated: {
        type: 'integer',
        description: "How many installs the release changed (a count: they are other accounts').",
      },
      warnings: { type: 'array', items: ref('ManifestIssue') },
    },
  },
  AppVersionReleased: {
    type: 'object',
    required: [...appVersionRequired, 'installs_updated'],
    properties: {
      ...appVersionProperties,
      installs_updated: { type: 'integer', description: 'How many installs the release changed.' },
    },
  },
  ManifestIssue: {
    type: 'object',
    required: ['severity', 'code', 'path', 'message'],
    properties: {
      severity: { type: 'string', enum: ['error', 'warning'] },
      code: { type: 'string', examples: ['unknown_permission'] },
      path: { type: 'string', examples: ['permissions[0].permission'] },
      message: { type: 'string' },
      suggestion: { type: 'string', description: 'A did-you-mean value, when there is one.' },
    },
  },
  AppsCatalogEntry: {
    type: 'object',
    required: [
      'id',
      'object',
      'name',
      'developer',
      'icon',
      'stripe_api_access_type',
      'distribution_type',
      'version',
      'released',
      'permissions',
    ],
    properties: {
      id: { type: 'string', description: 'The app id.' },
      object: { const: 'apps.catalog_entry' },
      name: { type: 'string' },
      developer: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: { type: 'string' }, name: { type: 'string' } },
      },
      icon: {
        type: 'object',
        required: ['url', 'manifest'],
        properties: {
          url: {
            type: 'string',
            description:
              "appscope's placeholder icon, a path on this server: `/dashboard/apps/{app}/icon.svg`.",
          },
          manifest: {
            type: ['string', 'null'],
            description:
              "The manifest's `icon` (a path in the app's source; appscope does not store the file).",
          },
        },
      },
      stripe_api_access_type: { type: 'string', enum: ['restricted_api_key', 'platform', 'oauth'] },
      distribution_type: { const: 'public' },
      version: { type: 'string', description: 'The released version an install would run.' },
      released: { type: ['integer', 'null'] },
      permissions: { type: 'array', items: ref('ManifestPermission') },
    },
  },
};

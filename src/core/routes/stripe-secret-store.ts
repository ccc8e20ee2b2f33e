import type { OpenApiSupplement } from './mapping.js';

/**
 * Stripe's Secret Store API (`stripe.apps.secrets.*`), which is newer than the 2022-04-12
 * OpenAPI description the Stripe route table is generated from: its four operations in the
 * description's own form, merged in by the generator (see `ResourceMapping.supplement`).
 * Shapes follow Stripe's API reference (docs.stripe.com/api/secret_management): `name` and
 * `payload` at most 5,000 characters, `scope[type]` `account` or `user` (`scope[user]` for
 * `user`), `expires_at` a unix time; the payload is returned only by `find`, and only when
 * asked for (`expand[]=payload`). appscope answers these operations itself (docs/secrets.md).
 */

const LONG_STRING = { type: 'string', maxLength: 5000 } as const;

const scopeSchema = {
  $ref: '#/components/schemas/secret_service_resource_scope',
} as const;

/** The object's fields; `payload` only where it can be included. */
function secretProperties(withPayload: boolean): Record<string, unknown> {
  return {
    created: {
      description: 'Time at which the object was created. Measured in seconds since the Unix epoch.',
      type: 'integer',
    },
    deleted: { description: 'If true, indicates that this secret has been deleted', type: 'boolean' },
    expires_at: {
      description: 'The Unix timestamp for the expiry time of the secret, after which the secret deletes.',
      nullable: true,
      type: 'integer',
    },
    id: { description: 'Unique identifier for the object.', ...LONG_STRING },
    livemode: {
      description: 'Has the value `true` if the object exists in live mode or `false` in test mode.',
      type: 'boolean',
    },
    name: { description: "A name for the secret that's unique within the scope.", ...LONG_STRING },
    object: { enum: ['apps.secret'], type: 'string' },
    ...(withPayload
      ? {
          payload: {
            description: 'The plaintext secret value, included only on request (`expand[]=payload`).',
            nullable: true,
            ...LONG_STRING,
          },
        }
      : {}),
    scope: scopeSchema,
  };
}

const REQUIRED = ['created', 'expires_at', 'id', 'livemode', 'name', 'object', 'scope'];

/** An `apps.secret` as the operations that never include the payload answer it. */
const secretWithoutPayload = {
  type: 'object',
  description: 'An `apps.secret` without its payload.',
  properties: secretProperties(false),
  required: REQUIRED,
};

const json = (schema: unknown) => ({
  '200': { description: 'Successful response.', content: { 'application/json': { schema } } },
});

const scopeParameter = (where: 'query' | 'body') => ({
  description:
    'Specifies the scoping of the secret. Requests originating from UI extensions can only access account-scoped secrets or secrets scoped to their own user.',
  ...(where === 'query'
    ? { in: 'query', name: 'scope', required: true, style: 'deepObject', explode: true }
    : {}),
  schema: {
    type: 'object',
    properties: { type: { enum: ['account', 'user'], type: 'string' }, user: LONG_STRING },
    required: ['type'],
  },
});

const expandParameter = {
  in: 'query',
  name: 'expand',
  required: false,
  style: 'deepObject',
  explode: true,
  schema: { type: 'array', items: LONG_STRING },
};

const formBody = (properties: Record<string, unknown>, required: readonly string[]) => ({
  required: true,
  content: {
    'application/x-www-form-urlencoded': {
      schema: { type: 'object', properties, required, additionalProperties: false },
      encoding: {
        expand: { style: 'deepObject', explode: true },
        scope: { style: 'deepObject', explode: true },
      },
    },
  },
});

/** The Secret Store's operations, for `STRIPE_MAPPING.supplement`. */
export const STRIPE_SECRET_STORE: OpenApiSupplement = {
  source: 'Secret Store API, docs.stripe.com/api/secret_management (newer than the description)',
  paths: {
    '/v1/apps/secrets': {
      get: {
        description: 'List all secrets stored on the given scope (never their payloads).',
        operationId: 'GetAppsSecrets',
        parameters: [
          { in: 'query', name: 'ending_before', required: false, schema: LONG_STRING },
          expandParameter,
          { in: 'query', name: 'limit', required: false, schema: { type: 'integer' } },
          scopeParameter('query'),
          { in: 'query', name: 'starting_after', required: false, schema: LONG_STRING },
        ],
        responses: json({
          type: 'object',
          description: 'A list of secrets, without their payloads.',
          properties: {
            data: {
              type: 'array',
              // no `properties`: listed secrets have no field that can be expanded or included
              items: { type: 'object', description: 'An `apps.secret` without its payload.' },
            },
            has_more: { type: 'boolean' },
            object: { enum: ['list'], type: 'string' },
            url: { type: 'string', pattern: '^/v1/apps/secrets' },
          },
          required: ['data', 'has_more', 'object', 'url'],
        }),
      },
      post: {
        description: 'Create or replace a secret in the secret store.',
        operationId: 'PostAppsSecrets',
        requestBody: formBody(
          {
            expand: { type: 'array', items: LONG_STRING },
            expires_at: { type: 'integer' },
            name: LONG_STRING,
            payload: LONG_STRING,
            scope: scopeParameter('body').schema,
          },
          ['name', 'payload', 'scope'],
        ),
        responses: json(secretWithoutPayload),
      },
    },
    '/v1/apps/secrets/delete': {
      post: {
        description: 'Deletes a secret from the secret store by name and scope.',
        operationId: 'PostAppsSecretsDelete',
        requestBody: formBody(
          {
            expand: { type: 'array', items: LONG_STRING },
            name: LONG_STRING,
            scope: scopeParameter('body').schema,
          },
          ['name', 'scope'],
        ),
        responses: json(secretWithoutPayload),
      },
    },
    '/v1/apps/secrets/find': {
      get: {
        description: 'Finds a secret in the secret store by name and scope.',
        operationId: 'GetAppsSecretsFind',
        parameters: [
          expandParameter,
          { in: 'query', name: 'name', required: true, schema: LONG_STRING },
          scopeParameter('query'),
        ],
        responses: json({ $ref: '#/components/schemas/apps.secret' }),
      },
    },
  },
  schemas: {
    'apps.secret': {
      type: 'object',
      title: 'SecretServiceResourceSecret',
      description:
        'Secret Store is an API that allows Stripe Apps developers to securely persist secrets for use by UI Extensions and app backends.',
      properties: secretProperties(true),
      required: REQUIRED,
      'x-expandableFields': ['payload'],
      'x-resourceId': 'apps.secret',
    },
    secret_service_resource_scope: {
      type: 'object',
      title: 'SecretServiceResourceScope',
      properties: {
        type: { description: 'The secret scope type.', enum: ['account', 'user'], type: 'string' },
        user: { description: 'The user ID, if type is set to "user"', ...LONG_STRING },
      },
      required: ['type'],
    },
  },
};

/**
 * OpenAPI 3.1 fragment of the webhook endpoints API (`src/server/webhooks-api.ts`): its paths
 * and the schemas they use. Merged into `/v1/apps/openapi.json` with the other modules'.
 */

import { EVENT_TYPES } from '../../domain/events.js';
import { listOf, ref } from './common.js';

const endpointId = {
  name: 'endpoint',
  in: 'path',
  required: true,
  description: 'The webhook endpoint id (`we_…`).',
  schema: { type: 'string' },
};

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Retries with the same key within 24 hours get the first answer (without the secret).',
  schema: { type: 'string', maxLength: 255 },
};

const errorResponses = {
  '400': {
    description: 'Invalid request',
    content: { 'application/json': { schema: ref('Error') } },
  },
  '401': {
    description: 'Missing or invalid API key',
    content: { 'application/json': { schema: ref('Error') } },
  },
  '404': {
    description: 'No such object',
    content: { 'application/json': { schema: ref('Error') } },
  },
};

const listParameters = [
  {
    name: 'limit',
    in: 'query',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
  },
  { name: 'starting_after', in: 'query', required: false, schema: { type: 'string' } },
];

const ok = (schema: unknown, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const form = (schema: unknown) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema } },
});

export const paths: Record<string, unknown> = {
  '/v1/apps/webhook_endpoints': {
    post: {
      operationId: 'CreateWebhookEndpoint',
      tags: ['Webhooks'],
      summary: 'Register a webhook endpoint; its `whsec_` signing secret is in this answer only',
      parameters: [idempotencyKey],
      requestBody: form({
        type: 'object',
        required: ['url', 'enabled_events'],
        properties: {
          url: {
            type: 'string',
            format: 'uri',
            description: 'An allowed host (serve --webhook-allow-host); https in live mode',
          },
          enabled_events: { type: 'array', items: ref('WebhookEventType'), minItems: 1 },
          description: { type: 'string', maxLength: 5000 },
          connect: {
            type: 'boolean',
            description: "Receive events about installs of the account's own apps on other accounts",
          },
        },
        additionalProperties: false,
      }),
      responses: {
        '200': ok(ref('WebhookEndpointWithSecret'), 'The endpoint, with its secret'),
        ...errorResponses,
      },
    },
    get: {
      operationId: 'ListWebhookEndpoints',
      tags: ['Webhooks'],
      summary: "The account's endpoints in the key's mode, newest first",
      parameters: listParameters,
      responses: { '200': ok(listOf('WebhookEndpoint'), 'A page of endpoints'), ...errorResponses },
    },
  },
  '/v1/apps/webhook_endpoints/{endpoint}': {
    get: {
      operationId: 'RetrieveWebhookEndpoint',
      tags: ['Webhooks'],
      parameters: [endpointId],
      responses: { '200': ok(ref('WebhookEndpoint'), 'The endpoint (never its secret)'), ...errorResponses },
    },
    post: {
      operationId: 'UpdateWebhookEndpoint',
      tags: ['Webhooks'],
      summary: 'Change the URL, events or description, or disable / enable',
      parameters: [endpointId, idempotencyKey],
      requestBody: form({
        type: 'object',
        properties: {
          url: { type: 'string', format: 'uri' },
          enabled_events: { type: 'array', items: ref('WebhookEventType'), minItems: 1 },
          description: { type: 'string', maxLength: 5000 },
          disabled: { type: 'boolean' },
        },
        additionalProperties: false,
      }),
      responses: { '200': ok(ref('WebhookEndpoint'), 'The endpoint'), ...errorResponses },
    },
    delete: {
      operationId: 'DeleteWebhookEndpoint',
      tags: ['Webhooks'],
      parameters: [endpointId, idempotencyKey],
      responses: {
        '200': ok(ref('DeletedWebhookEndpoint'), 'Deleted, with its deliveries'),
        ...errorResponses,
      },
    },
  },
  '/v1/apps/webhook_endpoints/{endpoint}/deliveries': {
    get: {
      operationId: 'ListWebhookDeliveries',
      tags: ['Webhooks'],
      summary: "The endpoint's deliveries, newest first, with their attempts and next retry",
      parameters: [endpointId, ...listParameters],
      responses: { '200': ok(listOf('WebhookDelivery'), 'A page of deliveries'), ...errorResponses },
    },
  },
  '/v1/apps/webhook_endpoints/{endpoint}/deliveries/{delivery}/retry': {
    post: {
      operationId: 'RetryWebhookDelivery',
      tags: ['Webhooks'],
      summary: 'Send a pending or failed delivery again now',
      parameters: [
        endpointId,
        {
          name: 'delivery',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: '`whdel_…`',
        },
        idempotencyKey,
      ],
      responses: { '200': ok(ref('WebhookDelivery'), 'The delivery, due now'), ...errorResponses },
    },
  },
};

const endpointProperties = {
  id: { type: 'string', pattern: '^we_' },
  object: { const: 'webhook_endpoint' },
  account: { type: 'string' },
  url: { type: 'string', format: 'uri' },
  description: { type: ['string', 'null'] },
  enabled_events: { type: 'array', items: ref('WebhookEventType') },
  connect: { type: 'boolean' },
  status: { enum: ['enabled', 'disabled'] },
  failing_since: { type: ['integer', 'null'], description: 'Unix seconds since attempts fail' },
  livemode: { type: 'boolean' },
  created: { type: 'integer' },
};
const endpointRequired = [
  'id',
  'object',
  'account',
  'url',
  'description',
  'enabled_events',
  'connect',
  'status',
  'failing_since',
  'livemode',
  'created',
];

export const schemas: Record<string, unknown> = {
  WebhookEventType: {
    enum: ['*', ...EVENT_TYPES],
  },
  WebhookEndpoint: { type: 'object', required: endpointRequired, properties: endpointProperties },
  WebhookEndpointWithSecret: {
    type: 'object',
    required: [...endpointRequired, 'secret'],
    properties: {
      ...endpointProperties,
      secret: {
        type: ['string', 'null'],
        description: '`whsec_…`, shown once (null on an idempotent replay)',
      },
      secret_redacted: { type: 'boolean' },
    },
  },
  DeletedWebhookEndpoint: {
    type: 'object',
    required: ['id', 'object', 'deleted'],
    properties: { id: { type: 'string' }, object: { const: 'webhook_endpoint' }, deleted: { const: true } },
  },
  WebhookDelivery: {
    type: 'object',
    required: [
      'id',
      'object',
      'endpoint',
      'event',
      'event_type',
      'status',
      'attempt_count',
      'next_attempt_at',
      'created',
      'attempts',
    ],
    properties: {
      id: { type: 'string', pattern: '^whdel_' },
      object: { const: 'webhook_delivery' },
      endpoint: { type: 'string' },
      event: { type: 'string', description: 'The event id (`evt_…`): the key to de-duplicate on' },
      event_type: { type: 'string' },
      status: { enum: ['pending', 'succeeded', 'failed'] },
      attempt_count: { type: 'integer' },
      next_attempt_at: { type: ['integer', 'null'], description: 'Unix milliseconds' },
      created: { type: 'integer', description: 'Unix milliseconds' },
      attempts: {
        type: 'array',
        items: {
          type: 'object',
          required: ['attempt', 'at', 'http_status', 'duration_ms', 'error', 'response'],
          properties: {
            attempt: { type: 'integer' },
            at: { type: 'integer', description: 'Unix milliseconds' },
            http_status: { type: ['integer', 'null'] },
            duration_ms: { type: 'integer' },
            error: { type: ['string', 'null'] },
            response: { type: ['string', 'null'], description: 'The start of the response body' },
          },
        },
      },
    },
  },
};

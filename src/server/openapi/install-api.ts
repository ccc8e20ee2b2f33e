import { DECISION_OUTCOMES } from '../../domain/decisions.js';
import {
  createdParam,
  EXPAND,
  errorResponses,
  formBody,
  IDEMPOTENCY_KEY,
  json,
  listOf,
  pathParam,
  queryParam,
  ref,
} from './common.js';

/**
 * The Install API (src/server/install-api.ts) as an OpenAPI fragment: installs, their keys and
 * the decision log. Every operation takes an account's own secret key (`sk_…`).
 */

const INSTALL = pathParam('install', 'the install (`appinst_…`)');
const KEY = pathParam('key', 'the key (`key_…`)');
const PERMISSIONS = { type: 'array', items: { type: 'string' } };
const EXPIRES_AT = {
  type: 'integer',
  description: 'unix seconds',
};

function post(
  operationId: string,
  summary: string,
  response: unknown,
  body: Record<string, unknown> = {},
  required: readonly string[] = [],
): Record<string, unknown> {
  return {
    operationId,
    summary,
    tags: ['Install API'],
    parameters: [IDEMPOTENCY_KEY],
    requestBody: formBody({ ...body, expand: EXPAND }, required),
    responses: { '200': json('OK', response), ...errorResponses(403, 404) },
  };
}

function get(
  operationId: string,
  summary: string,
  response: unknown,
  parameters: readonly unknown[] = [],
): Record<string, unknown> {
  return {
    operationId,
    summary,
    tags: ['Install API'],
    parameters: [...parameters, queryParam('expand[]', 'accepted for SDK compatibility', EXPAND)],
    responses: { '200': json('OK', response), ...errorResponses(403, 404) },
  };
}

const PAGE = [
  queryParam('limit', 'page size (1–100)', { type: 'integer', minimum: 1, maximum: 100 }),
  queryParam('starting_after', 'the last id of the previous page'),
];

const DECISION_FILTERS = [
  queryParam('outcome', 'only this outcome', { enum: [...DECISION_OUTCOMES] }),
  queryParam('route', 'only this route template, e.g. `/v1/customers/{customer}`'),
  queryParam('permission', 'only decisions whose requirement names this permission'),
  queryParam('request_id', 'the decision of one request (`req_…`)'),
  createdParam(),
  ...PAGE,
];

export const paths: Record<string, unknown> = {
  '/v1/apps/installs': {
    post: post(
      'CreateInstall',
      'Install an app’s current version: grants exactly what it requests, all or nothing. A restricted-key app’s first key comes back once, with its secret, as `key`.',
      ref('InstallWithKey'),
      {
        app: { type: 'string', description: 'the app id, e.g. `com.example.crm-sync`' },
        expected_permissions: {
          ...PERMISSIONS,
          description: 'the permissions the admin was shown (refused with `consent_stale` if they changed)',
        },
      },
      ['app'],
    ),
    get: get('ListInstalls', 'List installs, newest first', listOf('Install'), [
      queryParam('account', 'the account (your own)'),
      queryParam('app', 'only this app'),
      queryParam('status', 'only installs in this status', { enum: ['installed', 'uninstalled'] }),
      queryParam('approval_required', 'only installs with (or without) pending permissions', {
        enum: ['true', 'false'],
      }),
      queryParam('created_by', 'only installs made with this key (`key_…`)'),
      createdParam(),
      ...PAGE,
    ]),
  },
  '/v1/apps/installs/{install}': {
    parameters: [INSTALL],
    get: get('RetrieveInstall', 'One install', ref('Install')),
    post: post(
      'UpdateInstall',
      'Reauthorize (approve every pending permission), or set shadow mode; not both in one request',
      ref('Install'),
      {
        expected_pending: {
          ...PERMISSIONS,
          description:
            'the pending permissions the admin reviewed (refused with `consent_stale` if they changed)',
        },
        shadow_mode: {
          enum: ['true', 'false'],
          description: 'forward what would be denied, and log it as `shadow_denied`',
        },
      },
    ),
  },
  '/v1/apps/installs/{install}/uninstall': {
    parameters: [INSTALL],
    post: post(
      'UninstallInstall',
      'Uninstall: the grant is gone and every key of the install stops working',
      ref('Install'),
    ),
  },
  '/v1/apps/installs/{install}/keys': {
    parameters: [INSTALL],
    get: get('ListInstallKeys', 'The install’s keys (hints only, never secrets)', listOf('ApiKey')),
    post: post('CreateInstallKey', 'Create a key; its secret is returned once', ref('NewApiKey'), {
      permissions: {
        ...PERMISSIONS,
        description: 'narrow the key to a subset of the install’s effective permissions',
      },
      expires_at: EXPIRES_AT,
    }),
  },
  '/v1/apps/installs/{install}/keys/{key}': {
    parameters: [INSTALL, KEY],
    get: get('RetrieveInstallKey', 'One key of the install', ref('ApiKey')),
    post: post(
      'UpdateInstallKey',
      'Set a key’s expiry, or clear it with an empty `expires_at=`',
      ref('ApiKey'),
      { expires_at: { oneOf: [EXPIRES_AT, { const: '' }] } },
      ['expires_at'],
    ),
  },
  '/v1/apps/installs/{install}/keys/{key}/roll': {
    parameters: [INSTALL, KEY],
    post: post(
      'RollInstallKey',
      'A new key with the same narrowing; the old one works until `expires_at` (default: stops now)',
      ref('RolledApiKey'),
      { expires_at: EXPIRES_AT },
    ),
  },
  '/v1/apps/installs/{install}/keys/{key}/revoke': {
    parameters: [INSTALL, KEY],
    post: post('RevokeInstallKey', 'Revoke a key at once', ref('ApiKey')),
  },
  '/v1/apps/decisions': {
    get: get(
      'ListDecisions',
      'The gateway’s decisions on your account’s calls, newest first',
      listOf('Decision'),
      [queryParam('install', 'only this install'), ...DECISION_FILTERS],
    ),
  },
  '/v1/apps/installs/{install}/decisions': {
    parameters: [INSTALL],
    get: get(
      'ListInstallDecisions',
      'The gateway’s decisions on one install’s calls, newest first',
      listOf('Decision'),
      DECISION_FILTERS,
    ),
  },
};

const nullableString = { type: ['string', 'null'] };

export const schemas: Record<string, unknown> = {
  Install: {
    type: 'object',
    description: 'An app installed on an account in one mode.',
    required: [
      'id',
      'object',
      'account',
      'app',
      'status',
      'livemode',
      'permissions_granted',
      'permissions_pending',
      'approval_required',
      'created',
    ],
    properties: {
      id: { type: 'string', description: '`appinst_…`' },
      object: { const: 'apps.install' },
      account: { type: 'string' },
      app: { type: 'string' },
      status: { enum: ['installed', 'uninstalled'] },
      livemode: { type: 'boolean' },
      permissions_granted: PERMISSIONS,
      permissions_pending: {
        ...PERMISSIONS,
        description: 'added by a newer version: wait for reauthorization',
      },
      approval_required: { type: 'boolean' },
      shadow_mode: { type: 'boolean' },
      created_by: nullableString,
      created: { type: 'integer' },
    },
  },
  InstallWithKey: {
    allOf: [ref('Install'), { type: 'object', properties: { key: ref('NewApiKey') } }],
  },
  ApiKey: {
    type: 'object',
    description: 'A key, shown by its hint (`redacted`); the secret is never stored.',
    required: ['id', 'object', 'type', 'livemode', 'redacted', 'status', 'created'],
    properties: {
      id: { type: 'string', description: '`key_…`' },
      object: { const: 'api_key' },
      type: { enum: ['secret', 'restricted'] },
      kind: { enum: ['account', 'app', 'install'] },
      livemode: { type: 'boolean' },
      account: nullableString,
      app: nullableString,
      install: nullableString,
      redacted: { type: 'string', description: 'e.g. `rk_test_***…abcd`' },
      permissions: {
        type: ['array', 'null'],
        items: { type: 'string' },
        description: 'the narrowing, or null for the install’s whole set',
      },
      status: { type: 'string', description: '`active`, `expired`, `revoked` (or `rolled`)' },
      created: { type: 'integer' },
      created_by: nullableString,
      expires_at: { type: ['integer', 'null'] },
      revoked: { type: ['integer', 'null'] },
      rolled_to: nullableString,
    },
  },
  NewApiKey: {
    allOf: [
      ref('ApiKey'),
      {
        type: 'object',
        required: ['secret'],
        properties: { secret: { type: 'string', description: 'shown this once: `rk_test_…` / `rk_live_…`' } },
      },
    ],
  },
  RolledApiKey: {
    allOf: [
      ref('NewApiKey'),
      { type: 'object', required: ['previous'], properties: { previous: ref('ApiKey') } },
    ],
  },
  Decision: {
    type: 'object',
    description: 'One decision of the gateway. Never holds a secret.',
    required: [
      'id',
      'object',
      'request_id',
      'created',
      'method',
      'path',
      'requirement',
      'outcome',
      'missing',
    ],
    properties: {
      id: { type: 'string', description: '`dec_…`, the cursor for `starting_after`' },
      object: { const: 'apps.decision' },
      request_id: { type: 'string' },
      created: { type: 'integer' },
      time: { type: 'string', format: 'date-time' },
      account: nullableString,
      install: nullableString,
      app: nullableString,
      key: { ...nullableString, description: 'the masked key' },
      livemode: { type: 'boolean' },
      method: { type: 'string' },
      route: nullableString,
      path: { type: 'string' },
      requirement: {
        type: 'array',
        items: PERMISSIONS,
        description: 'all groups must hold; each lists its alternatives',
      },
      outcome: { enum: [...DECISION_OUTCOMES] },
      missing: { type: 'array', items: PERMISSIONS },
      status: { type: ['integer', 'null'] },
      latency_ms: { type: 'number' },
    },
  },
};

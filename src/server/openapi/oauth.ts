/**
 * The OAuth 2.0 endpoints (src/server/oauth-api.ts) as an OpenAPI 3.1 fragment. Unlike the rest
 * of appscope's API they follow the OAuth RFCs, not Stripe's conventions: errors are
 * `OAuthError` (`{"error", "error_description"}`, RFC 6749 §5.2), not `Error`; there is no
 * `Idempotency-Key`; every answer carries `Cache-Control: no-store`. The client authenticates
 * with its developer account's secret key (Basic, Bearer or `client_secret`), or, as a public
 * client, sends only `client_id` (and must have used PKCE).
 */

import { json, ref } from './common.js';

const TAG = 'OAuth';

/** Confidential clients: Basic (`client_id:sk_…` or `sk_…:`) or Bearer `sk_…`; `{}`: `client_secret` in the form, or a public client. */
const CLIENT_SECURITY = [{ basicAuth: [] }, { secretKey: [] }, {}];

const clientFields = {
  client_id: {
    type: 'string',
    description:
      'The app id (the manifest `id`). Required of a public client; a confidential client may send it or put it in the Basic user name.',
  },
  client_secret: {
    type: 'string',
    description:
      'The developer account’s secret key (`sk_test_…`/`sk_live_…`), when not sent in the `Authorization` header (`client_secret_post`). Both at once is `invalid_request`.',
  },
};

function form(
  properties: Record<string, unknown>,
  required: readonly string[] = [],
): Record<string, unknown> {
  return {
    required: true,
    content: {
      'application/x-www-form-urlencoded': {
        schema: {
          type: 'object',
          properties: { ...properties, ...clientFields },
          ...(required.length > 0 ? { required: [...required] } : {}),
          additionalProperties: false,
        },
      },
    },
  };
}

const noStore = {
  'Cache-Control': { description: '`no-store`', schema: { const: 'no-store' } },
  Pragma: { description: '`no-cache`', schema: { const: 'no-cache' } },
};

function answer(description: string, schema: unknown): Record<string, unknown> {
  return { ...json(description, schema), headers: noStore };
}

/** The OAuth errors an endpoint answers with, each with what it means there. */
function errors(extra: Record<number, string> = {}): Record<string, unknown> {
  const what: Record<number, string> = {
    400: '`invalid_request` (a parameter missing, unknown, repeated or malformed; a body that is not a form; two client authentication methods), `invalid_grant`, `unsupported_grant_type`, `unauthorized_client`, `unsupported_token_type`',
    401: '`invalid_client`: no, unknown or wrong client credentials (`WWW-Authenticate: Basic realm="appscope"` when Basic was used)',
    405: '`invalid_request`: the endpoint takes POST only (`Allow: POST`)',
    413: '`invalid_request`: the body is over the size limit',
    429: '`temporarily_unavailable`: too many failed client authentications from this address (`Retry-After` in seconds)',
    500: '`server_error`: unexpected failure (the description names the request id)',
    503: '`temporarily_unavailable`: the database cannot answer; nothing was changed',
    ...extra,
  };
  return Object.fromEntries(
    Object.entries(what).map(([status, description]) => [status, answer(description, ref('OAuthError'))]),
  );
}

export const paths: Record<string, unknown> = {
  '/v1/oauth/token': {
    post: {
      operationId: 'PostOAuthToken',
      tags: [TAG],
      summary: 'Exchange a code, or a refresh token, for tokens',
      description:
        'RFC 6749 §4.1.3 and §6. `grant_type=authorization_code`: the single-use code from the install link, with the same `redirect_uri` when the link had one and the PKCE `code_verifier` when it had a `code_challenge` (S256). A reused code is refused and revokes every token it gave. `grant_type=refresh_token`: a new access token and a new refresh token (rotation); a refresh token used twice revokes its whole family. A test-mode code or token needs a test-mode secret key, a live one a live key.',
      security: CLIENT_SECURITY,
      requestBody: form(
        {
          grant_type: { type: 'string', enum: ['authorization_code', 'refresh_token'] },
          code: { type: 'string', description: '`ac_test_…` / `ac_live_…` (authorization_code)' },
          redirect_uri: {
            type: 'string',
            description:
              'Exactly the `redirect_uri` of the install link, when it had one (authorization_code)',
          },
          code_verifier: {
            type: 'string',
            description:
              'The PKCE verifier (RFC 7636), when the link had a `code_challenge` (authorization_code)',
          },
          refresh_token: { type: 'string', description: '`rt_test_…` / `rt_live_…` (refresh_token)' },
        },
        ['grant_type'],
      ),
      responses: {
        '200': answer('The tokens (RFC 6749 §5.1, with Stripe’s fields)', ref('OAuthTokens')),
        ...errors(),
      },
    },
  },
  '/v1/oauth/revoke': {
    post: {
      operationId: 'PostOAuthRevoke',
      tags: [TAG],
      summary: 'Revoke an access or refresh token',
      description:
        'RFC 7009. An access token is revoked alone; a refresh token revokes its whole family (every token of the grant). An unknown, expired or already revoked token is a success too.',
      security: CLIENT_SECURITY,
      requestBody: form(
        {
          token: { type: 'string', description: 'An access token (`at_…`) or a refresh token (`rt_…`)' },
          token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
        },
        ['token'],
      ),
      responses: {
        '200': answer('Revoked (or nothing to revoke): an empty object', {
          type: 'object',
          additionalProperties: false,
        }),
        ...errors(),
      },
    },
  },
  '/v1/oauth/deauthorize': {
    post: {
      operationId: 'PostOAuthDeauthorize',
      tags: [TAG],
      summary: 'Uninstall the app from an account',
      description:
        'Stripe’s `deauthorize`: the developer (its secret key required) uninstalls its app from `stripe_user_id`’s account in the key’s mode, which revokes every token of the install.',
      security: [{ basicAuth: [] }, { secretKey: [] }, {}],
      requestBody: form(
        {
          stripe_user_id: { type: 'string', description: 'The installing account (`acct_…`)' },
        },
        ['client_id', 'stripe_user_id'],
      ),
      responses: {
        '200': answer('The account the app was uninstalled from', {
          type: 'object',
          required: ['stripe_user_id'],
          properties: { stripe_user_id: { type: 'string' } },
          additionalProperties: false,
        }),
        ...errors(),
      },
    },
  },
  '/.well-known/oauth-authorization-server': {
    get: {
      operationId: 'GetOAuthAuthorizationServerMetadata',
      tags: [TAG],
      summary: 'OAuth authorization server metadata (RFC 8414)',
      description:
        'The issuer is this server’s origin as the request names it; `oauth4webapi` and other clients discover every endpoint from here.',
      security: [],
      responses: {
        '200': json('The metadata', ref('OAuthServerMetadata')),
        '400': json('`invalid_request`: the request has no valid `Host` header', ref('OAuthError')),
      },
    },
  },
};

export const schemas: Record<string, unknown> = {
  OAuthError: {
    type: 'object',
    required: ['error', 'error_description'],
    properties: {
      error: {
        type: 'string',
        enum: [
          'invalid_request',
          'invalid_client',
          'invalid_grant',
          'unauthorized_client',
          'unsupported_grant_type',
          'unsupported_token_type',
          'invalid_scope',
          'server_error',
          'temporarily_unavailable',
        ],
        description: 'RFC 6749 §5.2 / RFC 7009 §2.2.1 error code',
      },
      error_description: { type: 'string', description: 'for people; names the problem' },
    },
    additionalProperties: false,
  },
  OAuthTokens: {
    type: 'object',
    required: [
      'access_token',
      'token_type',
      'expires_in',
      'refresh_token',
      'scope',
      'livemode',
      'stripe_user_id',
      'install',
    ],
    properties: {
      access_token: {
        type: 'string',
        description: '`at_test_…` / `at_live_…`: a Bearer key for the gateway, like an install’s `rk_…`',
      },
      token_type: { const: 'bearer' },
      expires_in: { type: 'integer', description: 'Seconds until the access token expires' },
      refresh_token: { type: 'string', description: '`rt_test_…` / `rt_live_…`: single use (rotated)' },
      scope: { type: 'string', description: 'The granted permissions, space-separated' },
      livemode: { type: 'boolean' },
      stripe_user_id: { type: 'string', description: 'The installing account (`acct_…`)' },
      install: { type: 'string', description: 'The install (`appinst_…`)' },
    },
  },
  OAuthServerMetadata: {
    type: 'object',
    required: [
      'issuer',
      'authorization_endpoint',
      'token_endpoint',
      'revocation_endpoint',
      'response_types_supported',
      'grant_types_supported',
      'code_challenge_methods_supported',
      'token_endpoint_auth_methods_supported',
      'revocation_endpoint_auth_methods_supported',
      'authorization_response_iss_parameter_supported',
      'test_authorization_endpoint',
    ],
    properties: {
      issuer: { type: 'string' },
      authorization_endpoint: { type: 'string', description: 'The live-mode install link' },
      test_authorization_endpoint: {
        type: 'string',
        description: 'Not in RFC 8414: the test-mode install link',
      },
      deauthorization_endpoint: {
        type: 'string',
        description: 'Not in RFC 8414: `POST /v1/oauth/deauthorize`',
      },
      token_endpoint: { type: 'string' },
      revocation_endpoint: { type: 'string' },
      response_types_supported: { type: 'array', items: { const: 'code' } },
      response_modes_supported: { type: 'array', items: { const: 'query' } },
      grant_types_supported: { type: 'array', items: { enum: ['authorization_code', 'refresh_token'] } },
      code_challenge_methods_supported: { type: 'array', items: { const: 'S256' } },
      token_endpoint_auth_methods_supported: {
        type: 'array',
        items: { enum: ['client_secret_basic', 'client_secret_post', 'none'] },
      },
      revocation_endpoint_auth_methods_supported: {
        type: 'array',
        items: { enum: ['client_secret_basic', 'client_secret_post', 'none'] },
      },
      authorization_response_iss_parameter_supported: { const: true },
    },
  },
};

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deauthorize, exchangeToken, OAuthError, revokeToken } from '../domain/oauth.js';
import { isAppscopeError } from '../errors.js';
import { type AuthThrottleOptions, createAuthThrottle } from '../gateway/auth-throttle.js';
import { type FormObject, stringParam } from '../http/form.js';
import {
  issuerOf,
  OAUTH_AUTHORIZE_PATH,
  OAUTH_DEAUTHORIZE_PATH,
  OAUTH_METADATA_PATH,
  OAUTH_REVOKE_PATH,
  OAUTH_TEST_AUTHORIZE_PATH,
  OAUTH_TOKEN_PATH,
} from '../http/oauth-endpoints.js';
import type { ServerContext } from './app.js';
import { toApiError } from './errors.js';
import { type ClientAuthentication, clientAuthentication, schemeOf } from './oauth-client-auth.js';
import { bodyForm } from './request-params.js';

/**
 * The OAuth 2.0 endpoints of the API server (docs/oauth.md), answered by appscope itself and
 * never forwarded upstream (they take precedence over the gateway's `/v1/*`):
 *
 * - `POST /v1/oauth/token` (RFC 6749 §3.2): `grant_type=authorization_code` (with PKCE) and
 *   `grant_type=refresh_token` (rotation, reuse revokes the family);
 * - `POST /v1/oauth/revoke` (RFC 7009);
 * - `POST /v1/oauth/deauthorize` (Stripe's: the developer uninstalls its app from an account);
 * - `GET /.well-known/oauth-authorization-server` (RFC 8414 metadata; the issuer is the
 *   request's origin).
 *
 * Bodies are `application/x-www-form-urlencoded`, read by the one parameter parser. Every answer
 * of `/v1/oauth/…` carries `Cache-Control: no-store` and `Pragma: no-cache`; every error is RFC
 * 6749 §5.2-shaped, `{"error": code, "error_description": text}`, never Stripe-shaped. An
 * address that keeps failing client authentication is refused (429, `Retry-After`) before its
 * credentials are looked at again.
 */

/** Options of {@link registerOAuthApi}. */
export interface OAuthApiOptions {
  /** Rate limiting of failed client authentication per address (default: the gateway's defaults); false for none. */
  readonly throttle?: AuthThrottleOptions | false;
}

const TOKEN_PARAMS = [
  'grant_type',
  'code',
  'redirect_uri',
  'code_verifier',
  'refresh_token',
  'client_id',
  'client_secret',
] as const;
const REVOKE_PARAMS = ['token', 'token_type_hint', 'client_id', 'client_secret'] as const;
const DEAUTHORIZE_PARAMS = ['client_id', 'stripe_user_id', 'client_secret'] as const;

/** RFC 6749 §5.1: token answers (and, here, every answer of the endpoints) are not cached. */
const NO_STORE = Object.freeze({ 'cache-control': 'no-store', pragma: 'no-cache' });

/** {@link issuerOf}, or `invalid_request` when the `Host` header is not a host name. */
function requestIssuer(request: FastifyRequest): string {
  const issuer = issuerOf(request);
  if (issuer === undefined) throw new OAuthError('invalid_request', 'the request has no valid `Host` header');
  return issuer;
}

/**
 * The RFC 8414 authorization server metadata for `issuer`.
 * @example
 * authorizationServerMetadata('https://appscope.example').token_endpoint; // 'https://appscope.example/v1/oauth/token'
 */
export function authorizationServerMetadata(issuer: string) {
  const authMethods = ['client_secret_basic', 'client_secret_post', 'none'];
  return {
    issuer,
    authorization_endpoint: `${issuer}${OAUTH_AUTHORIZE_PATH}`,
    token_endpoint: `${issuer}${OAUTH_TOKEN_PATH}`,
    revocation_endpoint: `${issuer}${OAUTH_REVOKE_PATH}`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_methods_supported: authMethods,
    authorization_response_iss_parameter_supported: true,
    /** Not in RFC 8414: the test-mode install link (codes and tokens of test mode). */
    test_authorization_endpoint: `${issuer}${OAUTH_TEST_AUTHORIZE_PATH}`,
    /** Not in RFC 8414: where the developer deauthorizes an account (Stripe's endpoint). */
    deauthorization_endpoint: `${issuer}${OAUTH_DEAUTHORIZE_PATH}`,
  };
}

/**
 * Registers the OAuth endpoints. `context.domain` does the work (src/domain/oauth.ts); this
 * file reads the form and the client's credentials and renders the answers.
 * @example
 * registerOAuthApi(app, context); // next to registerAppsApi, before the gateway's catch-all
 */
export function registerOAuthApi(
  app: FastifyInstance,
  context: ServerContext,
  options: OAuthApiOptions = {},
): void {
  const { domain } = context;
  const throttle = options.throttle === false ? undefined : createAuthThrottle(options.throttle);

  /** Sends an error RFC-shaped, whatever it is; unexpected ones are logged with the request id. */
  function sendError(
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    scheme?: ClientAuthentication['scheme'],
  ): FastifyReply {
    reply.headers(NO_STORE);
    if (error instanceof OAuthError) {
      const used = scheme ?? schemeOf(error);
      if (error.status === 401) {
        if (used === 'basic') reply.header('www-authenticate', 'Basic realm="appscope"');
        else if (used === 'bearer') reply.header('www-authenticate', 'Bearer realm="appscope"');
        if (error.error === 'invalid_client' && throttle !== undefined)
          void throttle.failed(addressOf(request));
      }
      return reply.code(error.status).type('application/json').send(JSON.stringify(error.toJSON()));
    }
    // Everything else, mapped as the rest of the API maps it, but RFC-shaped: a parameter or
    // body problem is `invalid_request` with its status, the store busy a 503, the rest a 500.
    const { apiError, unexpected } = toApiError(error, request.id);
    // an unreachable store fails closed with a 503, as at the gateway: retry later
    const unavailable = apiError.status === 503 || isAppscopeError(error, 'ERR_STORE');
    if (unexpected && !unavailable)
      request.log.error({ err: error, requestId: request.id }, 'oauth: unexpected error');
    if (unavailable) request.log.error({ err: error, requestId: request.id }, 'oauth: store unavailable');
    const code = unavailable
      ? 'temporarily_unavailable'
      : apiError.status >= 500
        ? 'server_error'
        : 'invalid_request';
    return reply
      .code(unavailable ? 503 : apiError.status)
      .type('application/json')
      .send(JSON.stringify({ error: code, error_description: apiError.body.message }));
  }

  /** Refuses an address that keeps failing client authentication (429), before anything else. */
  function throttled(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const wait = throttle?.retryAfter(addressOf(request)) ?? 0;
    if (wait === 0) return undefined;
    return reply
      .code(429)
      .headers({ ...NO_STORE, 'retry-after': String(wait) })
      .type('application/json')
      .send(
        JSON.stringify({
          error: 'temporarily_unavailable',
          error_description: `too many failed client authentications from this address: retry after ${wait} second${wait === 1 ? '' : 's'}`,
        }),
      );
  }

  /**
   * One POST endpoint: the form (only `allowed` names), the client's credentials, then `answer`;
   * every error RFC-shaped, every answer `no-store`.
   */
  function endpoint(
    path: string,
    allowed: readonly string[],
    answer: (form: FormObject, client: ClientAuthentication) => Promise<unknown>,
  ): void {
    app.post(path, {
      errorHandler: (error, request, reply) => sendError(request, reply, error),
      handler: async (request, reply) => {
        const refused = throttled(request, reply);
        if (refused !== undefined) return refused;
        let auth: ClientAuthentication | undefined;
        try {
          const form = readForm(request, allowed);
          auth = clientAuthentication(request.headers.authorization, {
            client_id: stringParam(form, 'client_id'),
            client_secret: stringParam(form, 'client_secret'),
          });
          const body = await answer(form, auth);
          return reply.code(200).headers(NO_STORE).type('application/json').send(JSON.stringify(body));
        } catch (error) {
          return sendError(request, reply, error, auth?.scheme);
        }
      },
    });
  }

  endpoint(OAUTH_TOKEN_PATH, TOKEN_PARAMS, async (form, { client }) =>
    exchangeToken(domain, {
      grantType: stringParam(form, 'grant_type'),
      code: stringParam(form, 'code'),
      redirectUri: stringParam(form, 'redirect_uri'),
      codeVerifier: stringParam(form, 'code_verifier'),
      refreshToken: stringParam(form, 'refresh_token'),
      client,
    }),
  );

  endpoint(OAUTH_REVOKE_PATH, REVOKE_PARAMS, async (form, { client }) => {
    const hint = stringParam(form, 'token_type_hint');
    await revokeToken(domain, {
      token: stringParam(form, 'token'),
      ...(hint === undefined ? {} : { tokenTypeHint: hint }),
      client,
    });
    return {}; // RFC 7009 §2.2: 200 whether or not the token was known
  });

  endpoint(OAUTH_DEAUTHORIZE_PATH, DEAUTHORIZE_PARAMS, async (form, { client }) =>
    deauthorize(domain, { client, stripeUserId: stringParam(form, 'stripe_user_id') }),
  );

  // Anything else under /v1/oauth/ is appscope's too: never the gateway's, never forwarded.
  const posts = new Set([OAUTH_TOKEN_PATH, OAUTH_REVOKE_PATH, OAUTH_DEAUTHORIZE_PATH]);
  app.all('/v1/oauth/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    reply.headers(NO_STORE);
    if (posts.has(path)) {
      return reply
        .code(405)
        .header('allow', 'POST')
        .type('application/json')
        .send(
          JSON.stringify({
            error: 'invalid_request',
            error_description: `\`${request.method} ${path}\` is not allowed: use POST`,
          }),
        );
    }
    return reply
      .code(404)
      .type('application/json')
      .send(
        JSON.stringify({
          error: 'invalid_request',
          error_description: `no OAuth endpoint at \`${path.slice(0, 200)}\`: the endpoints are ${[...posts].map((p) => `\`${p}\``).join(', ')}`,
        }),
      );
  });

  app.get(OAUTH_METADATA_PATH, {
    errorHandler: (error, request, reply) => sendError(request, reply, error),
    handler: async (request, reply) => {
      const metadata = authorizationServerMetadata(requestIssuer(request));
      return reply.type('application/json').send(JSON.stringify(metadata));
    },
  });
}

/**
 * The form body, refusing anything else: a body that is not `application/x-www-form-urlencoded`,
 * a query string, a parameter given twice, and any parameter not in `allowed` (all named).
 */
function readForm(request: FastifyRequest, allowed: readonly string[]): FormObject {
  const body = request.rawBody;
  if (body !== undefined && body.length > 0) {
    const type = request.headers['content-type'];
    const media = typeof type === 'string' ? (type.split(';')[0] ?? '').trim().toLowerCase() : '';
    if (media !== 'application/x-www-form-urlencoded') {
      throw new OAuthError(
        'invalid_request',
        `the body must be \`application/x-www-form-urlencoded\`, not ${media === '' ? 'untyped' : `\`${media.slice(0, 100)}\``} (RFC 6749 §3.2)`,
      );
    }
  }
  const form = bodyForm(request);
  const unknown = Object.keys(form).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    throw new OAuthError(
      'invalid_request',
      `unknown parameter${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => `\`${n.slice(0, 100)}\``).join(', ')}: this endpoint takes ${allowed.map((n) => `\`${n}\``).join(', ')}`,
    );
  }
  return form;
}

function addressOf(request: FastifyRequest): string {
  // the client's address: the socket's, or behind a trusted proxy (`--trust-proxy`) X-Forwarded-For's
  return request.ip ?? '';
}

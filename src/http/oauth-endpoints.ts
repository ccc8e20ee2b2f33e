import type { FastifyRequest } from 'fastify';

/**
 * Where OAuth lives on an appscope server (docs/oauth.md): the paths the API server, the
 * dashboard and the CLI all name, and the issuer every answer speaks for.
 */

/** The token endpoint (RFC 6749 §3.2): `POST`, form-encoded. */
export const OAUTH_TOKEN_PATH = '/v1/oauth/token';
/** The revocation endpoint (RFC 7009): `POST`, form-encoded. */
export const OAUTH_REVOKE_PATH = '/v1/oauth/revoke';
/** Stripe's deauthorization endpoint: `POST`, form-encoded, the developer's secret key required. */
export const OAUTH_DEAUTHORIZE_PATH = '/v1/oauth/deauthorize';
/** The RFC 8414 metadata: `GET`, no credentials. */
export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';
/** The install link for live mode (served by the dashboard). */
export const OAUTH_AUTHORIZE_PATH = '/oauth/v2/authorize';
/** The install link for test mode. */
export const OAUTH_TEST_AUTHORIZE_PATH = '/oauth/v2/test/authorize';

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The issuer identifier (RFC 8414, RFC 9207 `iss`): this server's origin as the request names
 * it (behind a proxy with `serve --trust-proxy`, as `X-Forwarded-Proto` and `-Host` name it),
 * or undefined when the host is missing or is not a host name (the caller refuses).
 * @example
 * issuerOf(request); // 'http://127.0.0.1:4242'
 */
export function issuerOf(request: FastifyRequest): string | undefined {
  const host = request.host;
  return typeof host === 'string' && HOST.test(host) ? `${request.protocol}://${host}` : undefined;
}

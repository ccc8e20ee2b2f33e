import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayWorld, startGateway } from '../gateway/support.js';

/**
 * Where the OAuth endpoints live: appscope answers everything under `/v1/oauth/` itself (the
 * gateway's `/v1/*` never sees it, the upstream never gets it) and serves the RFC 8414 metadata.
 */

let world: GatewayWorld;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  world = await startGateway();
});

afterAll(async () => {
  await world.close();
});

describe('the OAuth routes', () => {
  it('answers another method 405 (Allow: POST) and an unknown /v1/oauth path 404, RFC-shaped, never through the gateway', async () => {
    const before = world.upstreamSeen.length;
    for (const [method, path, status] of [
      ['GET', '/v1/oauth/token', 405],
      ['DELETE', '/v1/oauth/revoke', 405],
      ['GET', '/v1/oauth/deauthorize', 405],
      ['POST', '/v1/oauth/authorize', 404],
      ['GET', '/v1/oauth/', 404],
    ] as const) {
      const response = await fetch(`${world.url}${path}`, {
        method,
        headers: bearer(world.developer.sk.test),
      });
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
      if (status === 405) expect(response.headers.get('allow')).toBe('POST');
    }
    expect(world.upstreamSeen.slice(before)).toEqual([]);
  });
});

describe('GET /.well-known/oauth-authorization-server', () => {
  it('is the RFC 8414 metadata, the issuer taken from the Host header', async () => {
    const response = await world.server.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
      headers: { host: 'appscope.example:8443' },
    });
    expect(response.statusCode).toBe(200);
    const issuer = 'http://appscope.example:8443';
    expect(response.json()).toEqual({
      issuer,
      authorization_endpoint: `${issuer}/oauth/v2/authorize`,
      test_authorization_endpoint: `${issuer}/oauth/v2/test/authorize`,
      token_endpoint: `${issuer}/v1/oauth/token`,
      revocation_endpoint: `${issuer}/v1/oauth/revoke`,
      deauthorization_endpoint: `${issuer}/v1/oauth/deauthorize`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('refuses a Host header that is not a host (invalid_request)', async () => {
    const response = await world.server.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server',
      headers: { host: 'evil.example/path?x=' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('what fastify refuses before the handler, on the OAuth routes', () => {
  it('is RFC-shaped too: a body over the limit (413) and an unreadable Content-Type (400)', async () => {
    const small = await startGateway({ limits: { bodyBytes: 64 } });
    try {
      for (const [headers, payload, status] of [
        [
          { 'content-type': 'application/x-www-form-urlencoded' },
          `grant_type=refresh_token&refresh_token=${'r'.repeat(100)}`,
          413,
        ],
        [{ 'content-type': 'form' }, 'grant_type=refresh_token', 400],
      ] as const) {
        const response = await small.server.inject({
          method: 'POST',
          url: '/v1/oauth/token',
          headers,
          payload,
        });
        expect(response.statusCode, response.body).toBe(status);
        expect(response.headers['cache-control']).toBe('no-store');
        const body = response.json() as Record<string, unknown>;
        expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
        expect(body['error']).toBe('invalid_request');
      }
    } finally {
      await small.close();
    }
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createDomain } from '../../src/domain/context.js';
import { createServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open.js';

/**
 * Behind a TLS-terminating proxy the OAuth issuer must be the public origin, or clients that
 * check `iss` and the metadata's `issuer` (oauth4webapi does) refuse every answer. With
 * `trustProxy` the issuer comes from `X-Forwarded-Proto` and `-Host`; without it, those headers
 * are ignored (anyone could send them).
 */
const servers: Awaited<ReturnType<typeof createServer>>[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

async function issuer(trustProxy: boolean): Promise<string> {
  const domain = createDomain({ store: await openStore('sqlite::memory:') });
  const server = await createServer({
    domain,
    routes: defaultRouteTable(),
    logger: false,
    trustProxy,
  });
  servers.push(server);
  const response = await server.inject({
    method: 'GET',
    url: '/.well-known/oauth-authorization-server',
    headers: {
      host: '127.0.0.1:4242',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'appscope.example.com',
    },
  });
  expect(response.statusCode).toBe(200);
  return (response.json() as { issuer: string }).issuer;
}

describe('the OAuth issuer behind a reverse proxy', () => {
  it('is the public origin with trustProxy, and the socket’s without it', async () => {
    expect(await issuer(true)).toBe('https://appscope.example.com');
    expect(await issuer(false)).toBe('http://127.0.0.1:4242');
  });
});

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { revokeKey } from '../../src/domain/keys.js';
import { type GatewayWorld, startGateway } from './support.js';

/** GETs on one kept-alive connection (an agent with a single socket), with the given key. */
function get(agent: http.Agent, url: string, authorization: string | undefined) {
  return new Promise<{ status: number; body: Record<string, unknown>; socket: unknown }>(
    (resolve, reject) => {
      const request = http.get(
        url,
        { agent, headers: authorization === undefined ? {} : { authorization } },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: JSON.parse(text) as Record<string, unknown>,
              socket: request.socket,
            }),
          );
        },
      );
      request.on('error', reject);
    },
  );
}

// The gateway works out a connection's credentials once and reuses them while its requests send
// the same Authorization header: every request must still be decided on its own key.
describe('one kept-alive connection, several keys', () => {
  let w: GatewayWorld;
  let reader: string;
  let readerKeyId: string;
  let writer: string;

  beforeAll(async () => {
    w = await startGateway();
    await w.publish('com.example.reader', '1.0.0', ['customer_read']);
    await w.publish('com.example.other', '1.0.0', ['product_read']);
    const installed = await w.install('com.example.reader');
    reader = installed.key!.secret;
    readerKeyId = installed.key!.id;
    writer = (await w.install('com.example.other')).key!.secret;
  });
  afterAll(async () => {
    await w.close();
  });

  it('decides each request on the key it carries, and follows a revocation', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const customers = `${w.url}/v1/customers`;
      const first = await get(agent, customers, `Bearer ${reader}`);
      expect(first.status).toBe(200);
      const again = await get(agent, customers, `Bearer ${reader}`);
      expect(again.status).toBe(200);
      expect(again.socket).toBe(first.socket); // the same connection
      // another key on the same connection: its own (missing) permission decides
      const other = await get(agent, customers, `Bearer ${writer}`);
      expect(other.socket).toBe(first.socket);
      expect(other.status).toBe(403);
      expect(other.body).toMatchObject({ error: { code: 'more_permissions_required' } });
      // no key, a malformed header, then the first key again
      expect((await get(agent, customers, undefined)).status).toBe(401);
      expect((await get(agent, customers, 'Bearer ')).status).toBe(401);
      const back = await get(agent, customers, `Bearer ${reader}`);
      expect(back.status).toBe(200);
      expect(back.socket).toBe(first.socket);
      expect(w.decisions.slice(-4).map((d) => d.keyHint)).toEqual([
        `rk_test_***…${reader.slice(-4)}`,
        `rk_test_***…${reader.slice(-4)}`,
        `rk_test_***…${writer.slice(-4)}`,
        `rk_test_***…${reader.slice(-4)}`,
      ]);
      // the two without a usable key are counted as unauthenticated, not logged one row each
      expect(w.unauthenticated.slice(-2).map((u) => u.reason)).toEqual([
        'missing_key',
        'malformed_authorization',
      ]);
      // a revoked key is refused on the very next request of the same connection
      await revokeKey(w.domain, { actor: OPERATOR, key: readerKeyId });
      const revoked = await get(agent, customers, `Bearer ${reader}`);
      expect(revoked.socket).toBe(first.socket);
      expect(revoked.status).toBe(401);
    } finally {
      agent.destroy();
    }
  });
});

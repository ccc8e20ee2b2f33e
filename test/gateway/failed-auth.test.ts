import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayWorld, startGateway } from './support.js';

/**
 * Requests refused before a caller is established are counted apart (never one decision row
 * each), and an address that keeps failing authentication is throttled with a 429.
 */

let w: GatewayWorld;
let key: string;

beforeAll(async () => {
  w = await startGateway({
    gateway: { kind: 'emulator', throttle: { failures: 3, windowSeconds: 60, blockSeconds: 30 } },
  });
  await w.publish('com.example.reader', '1.0.0', ['customer_read']);
  key = (await w.install('com.example.reader')).key!.secret;
});

afterAll(async () => {
  await w.close();
});

async function get(authorization?: string): Promise<Response> {
  return fetch(`${w.url}/v1/customers`, {
    headers: authorization === undefined ? {} : { authorization },
  });
}

describe('failed authentication', () => {
  it('is counted by reason, not logged one row each, and throttled per address', async () => {
    expect((await get(`Bearer ${key}`)).status).toBe(200); // a known key, now cached
    const rows = w.decisions.length;
    const statuses: number[] = [];
    for (const authorization of [
      'Bearer rk_test_unknown0000000000000000',
      'Bearer rk_test_unknown0000000000000001',
      undefined,
      'Basic !!!',
    ]) {
      statuses.push((await get(authorization)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(w.unauthenticated.map((u) => [u.reason, u.status, u.address])).toEqual([
      ['invalid_key', 401, '127.0.0.1'],
      ['invalid_key', 401, '127.0.0.1'],
      ['missing_key', 401, '127.0.0.1'],
      ['malformed_authorization', 401, '127.0.0.1'],
    ]);
    // the fourth failure in the window blocked the address: an unknown key is not even looked up
    const blocked = await get('Bearer rk_test_unknown0000000000000002');
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(await blocked.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'rate_limit' },
    });
    expect((await get(undefined)).status).toBe(429);
    expect(w.unauthenticated.slice(-2).map((u) => [u.reason, u.status])).toEqual([
      ['rate_limited', 429],
      ['rate_limited', 429],
    ]);
    // none of them became a decision row, nor reached the upstream
    expect(w.decisions.length).toBe(rows);
    // a key the gateway already knows is still served from the blocked address
    expect((await get(`Bearer ${key}`)).status).toBe(200);
    expect(w.decisions.length).toBe(rows + 1);
  });

  it('can be turned off', async () => {
    const open = await startGateway({ gateway: { kind: 'emulator', throttle: false } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const response = await fetch(`${open.url}/v1/customers`, {
          headers: { authorization: `Bearer rk_test_unknown${String(i).padStart(24, '0')}` },
        });
        statuses.push(response.status);
      }
      expect(new Set(statuses)).toEqual(new Set([401]));
    } finally {
      await open.close();
    }
  });
});

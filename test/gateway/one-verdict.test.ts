import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { runCli } from '../support/run-cli.js';
import { type GatewayWorld, startGateway } from './support.js';

/**
 * One verdict: every operation of the route table, under several grant sets and key kinds, is
 * sent through the gateway and through `appscope explain-request` on the same database. Both
 * must give the same outcome, the same status and the same code — they render one verdict.
 */

const table = defaultRouteTable();
const ALL = defaultCatalog().permissions.map((p) => p.name);

interface Who {
  readonly name: string;
  readonly key: string;
  readonly stripeAccount?: string;
}

interface Answer {
  readonly outcome: string;
  readonly status: number;
  readonly code: string | undefined;
}

/** A concrete path for a route template (`{customer}` → `x_1`). */
function concrete(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'x_1');
}

let dir: string;
let w: GatewayWorld;
const who: Who[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-verdict-'));
  w = await startGateway({ dataDir: dir });
  // an install key that reads customers and invoices
  await w.publish('com.example.narrow', '1.0.0', ['customer_read', 'invoice_read']);
  who.push({ name: 'narrow install key', key: (await w.install('com.example.narrow')).key!.secret });
  // an install key with writes granted and more pending (an upgrade not yet approved)
  await w.publish('com.example.pending', '1.0.0', ['charge_write', 'product_read']);
  const pending = (await w.install('com.example.pending')).key!.secret;
  await w.publish('com.example.pending', '1.1.0', [
    'charge_write',
    'product_read',
    'customer_write',
    'invoice_write',
  ]);
  who.push({ name: 'install key with pending permissions', key: pending });
  // every permission of the catalog
  await w.publish('com.example.wide', '1.0.0', ALL);
  who.push({
    name: 'install key with every permission',
    key: (await w.install('com.example.wide')).key!.secret,
  });
  // a platform app's secret key acting on the merchant's install
  await w.publish('com.example.platform', '1.0.0', ['customer_read', 'payment_intent_write'], 'platform');
  await w.install('com.example.platform');
  who.push({
    name: 'platform app key',
    key: await w.appKey('com.example.platform'),
    stripeAccount: w.merchant.id,
  });
  // the account's own secret key
  who.push({ name: 'account secret key', key: w.merchant.sk.test });
});

afterAll(async () => {
  await w?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function throughGateway(method: string, target: string, caller: Who): Promise<Answer> {
  const response = await fetch(`${w.url}${target}`, {
    method,
    headers: {
      authorization: `Bearer ${caller.key}`,
      ...(caller.stripeAccount === undefined ? {} : { 'stripe-account': caller.stripeAccount }),
    },
  });
  const text = await response.text();
  const requestId = response.headers.get('request-id');
  const record = w.decisions.find((d) => d.requestId === requestId);
  expect(record, `a decision is recorded for ${method} ${target}`).toBeDefined();
  const code =
    record!.outcome === 'denied' ? (JSON.parse(text) as { error: { code?: string } }).error.code : undefined;
  return {
    outcome: record!.outcome,
    status: record!.outcome === 'denied' ? response.status : 0,
    code: code ?? response.headers.get('appscope-shadow-decision') ?? undefined,
  };
}

async function throughExplain(method: string, target: string, caller: Who): Promise<Answer> {
  const run = await runCli([
    'explain-request',
    '--data-dir',
    dir,
    '--key',
    caller.key,
    ...(caller.stripeAccount === undefined ? [] : ['--stripe-account', caller.stripeAccount]),
    '--json',
    `${method} ${target}`,
  ]);
  const decision = (run.json() as { decision: { outcome: string; code?: string; status?: number } }).decision;
  return {
    outcome: decision.outcome,
    status: decision.outcome === 'denied' ? (decision.status ?? 403) : 0,
    code: decision.code,
  };
}

describe('one verdict: the gateway and explain-request agree on every operation', () => {
  it('covers all operations of the route table', () => {
    // the description's 417 operations and the Secret Store's 4
    expect(table.routes.length).toBe(421);
  });

  for (const index of [0, 1, 2, 3, 4]) {
    it(`agrees for every operation (caller ${index + 1} of 5)`, async () => {
      const caller = who[index]!;
      const disagreements: string[] = [];
      const seen = new Set<string>();
      for (const route of table.routes) {
        const path = concrete(route.path);
        const targets = [path];
        // an expansion the narrow keys cannot make, and one no route has
        if (route.method === 'GET') targets.push(`${path}?expand[]=customer`, `${path}?[expand][]=customer`);
        for (const target of targets) {
          const [gateway, explained] = [
            await throughGateway(route.method, target, caller),
            await throughExplain(route.method, target, caller),
          ];
          seen.add(`${gateway.outcome}/${gateway.code ?? ''}`);
          if (JSON.stringify(gateway) !== JSON.stringify(explained)) {
            disagreements.push(
              `${caller.name}: ${route.method} ${target}: gateway ${JSON.stringify(gateway)}, explain-request ${JSON.stringify(explained)}`,
            );
          }
        }
      }
      expect(disagreements).toEqual([]);
      // the run reached more than one kind of verdict
      expect(seen.size).toBeGreaterThan(1);
    });
  }

  it('agrees on POST /v1/3d_secure for an install key: not available to apps', async () => {
    const caller = who[2]!;
    const gateway = await throughGateway('POST', '/v1/3d_secure', caller);
    expect(gateway).toEqual({ outcome: 'denied', status: 403, code: 'not_available_to_apps' });
    expect(await throughExplain('POST', '/v1/3d_secure', caller)).toEqual(gateway);
  });
});

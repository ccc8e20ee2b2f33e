import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/cli/demo.js';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { analyzeUsage } from '../../src/core/least-privilege/analyze-usage.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createDomain } from '../../src/domain/context.js';
import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import { openStore } from '../../src/store/open.js';
import { decisionRecord } from '../support/decision-rows.js';
import { runCli } from '../support/run-cli.js';

let dir: string;
let install = '';
const now = Date.now();

function decision(n: number, ageMs: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return decisionRecord({
    time: now - ageMs,
    requestId: `req_analyze${n}`,
    install: install,
    app: 'com.example.customer-insights',
    latencyMs: 0.3,
    ...overrides,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-analyze-'));
  const store = await openStore({ dataDir: dir });
  const demo = await seedDemo(createDomain({ store }));
  install = demo.insights.install; // granted customer_read, invoice_read, product_read
  const log = new DecisionLog({ store, flushIntervalMs: 60_000 });
  log.record(decision(1, 3_600_000));
  log.record(decision(2, 1_800_000));
  log.record(
    decision(3, 600_000, {
      route: '/v1/invoices/{invoice}',
      path: '/v1/invoices/in_1',
      requirement: [['invoice_read'], ['customer_read', 'source_read']],
    }),
  );
  for (const n of [4, 5]) {
    log.record(
      decision(n, 300_000, {
        route: '/v1/charges',
        path: '/v1/charges',
        requirement: [['charge_read']],
        outcome: 'denied',
        missing: [['charge_read']],
        status: 403,
      }),
    );
  }
  // older than --since 7d: not analysed
  log.record(
    decision(6, 10 * 86_400_000, {
      route: '/v1/products',
      path: '/v1/products',
      requirement: [['product_read']],
    }),
  );
  await log.close();
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const analyze = (...args: string[]) => runCli(['analyze', '--data-dir', dir, ...args]);

describe('appscope analyze', () => {
  it('reports used, unused, denied with what would allow them, and the minimal set as a manifest change', async () => {
    const run = await analyze('--install', install, '--since', '7d', '--json');
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({
      install,
      granted: ['customer_read', 'invoice_read', 'product_read'],
      truncated: false,
      decisions: 5,
      used: [
        { permission: 'customer_read', calls: 3 },
        { permission: 'invoice_read', calls: 1 },
      ],
      unused: ['product_read'],
      wider: [],
      denied: [
        {
          operation: 'GET /v1/charges',
          requires: [['charge_read']],
          count: 2,
          addition: ['charge_read'],
          unavailable: false,
        },
      ],
      minimal: ['charge_read', 'customer_read', 'invoice_read'],
      suggested: { add: ['charge_read'], remove: ['product_read'] },
    });
    const text = await analyze('--install', install, '--since', '7d');
    expect(text.stdout).toContain('  unused:    product_read\n');
    expect(text.stdout).toContain('    GET /v1/charges ×2: would be allowed by adding charge_read\n');
    expect(text.stdout).toContain('  suggested manifest change: + charge_read  - product_read\n');
  });

  it('reads the window it is given', async () => {
    const run = await analyze('--install', install, '--since', '30d', '--json');
    expect(run.json()).toMatchObject({ decisions: 6, unused: [], suggested: { remove: [] } });
  });

  it('refuses an unknown install and a bad --since', async () => {
    expect((await analyze('--install', 'appinst_nope')).code).toBe(1);
    expect((await analyze('--install', install, '--since', 'soon')).code).toBe(2);
  });
});

describe('analyzeUsage', () => {
  const catalog = defaultCatalog();
  it('counts implications: a granted write is used by a read, and listed as wider', () => {
    const analysis = analyzeUsage(
      catalog,
      ['customer_write'],
      [
        { method: 'GET', route: '/v1/customers', requirement: [['customer_read']], outcome: 'allowed' },
        { method: 'GET', route: null, requirement: [], outcome: 'denied' },
      ],
    );
    expect(analysis.decisions).toBe(1);
    expect(analysis.used).toEqual([{ permission: 'customer_write', calls: 1 }]);
    expect(analysis.unused).toEqual([]);
    expect(analysis.wider).toEqual([{ permission: 'customer_write', narrower: ['customer_read'] }]);
    expect(analysis.suggested).toEqual({ add: ['customer_read'], remove: ['customer_write'] });
  });

  it('marks a denied call no permission allows', () => {
    const analysis = analyzeUsage(
      catalog,
      ['customer_read'],
      [{ method: 'POST', route: '/v1/3d_secure', requirement: [[]], outcome: 'denied' }],
    );
    expect(analysis.denied).toEqual([
      { operation: 'POST /v1/3d_secure', requires: [[]], count: 1, addition: [], unavailable: true },
    ]);
  });
});

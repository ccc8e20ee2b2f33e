import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { decisionStats, listDecisions } from '../../src/domain/decisions.js';
import { installApp } from '../../src/domain/installs.js';
import { openStore } from '../../src/store/open.js';
import type { NewDecisionRow, Store } from '../../src/store/store.js';
import { expectError, manifest, type World, world } from '../domain/helpers.js';
import { decisionRow } from '../support/decision-rows.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function setup(): Promise<World & { install: string; strangerInstall: string; t0: number }> {
  const store = await openStore('sqlite::memory:');
  stores.push(store);
  const w = await world(store);
  await uploadAppVersion(w.domain, {
    actor: w.developer,
    manifest: manifest('com.example.crm', '1.0.0', ['customer_read']),
  });
  const { install } = await installApp(w.domain, { actor: w.merchant, app: 'com.example.crm' });
  const other = await installApp(w.domain, { actor: w.stranger, app: 'com.example.crm' });
  const t0 = w.clock();
  const row = (n: number, overrides: Partial<NewDecisionRow>): NewDecisionRow =>
    decisionRow(n, {
      time: t0 + n * 1000,
      request_id: `req_${n}`,
      account_id: w.merchantAccount,
      install_id: install.id,
      app_id: 'com.example.crm',
      requirement: '[["customer_read","customer_write"]]',
      latency_ms: 0.3,
      ...overrides,
    });
  await store.transaction(async (tx) => {
    await tx.insertDecisions([
      row(1, {}),
      row(2, {
        route: '/v1/charges',
        path: '/v1/charges',
        requirement: '[["charge_read","charge_write"]]',
        outcome: 'denied',
        missing: '[["charge_read","charge_write"]]',
        status: 403,
      }),
      row(3, {}),
      row(4, { livemode: 1 }),
      row(5, { account_id: other.install.account, install_id: other.install.id }),
    ]);
    await tx.insertDecisionDrop({ time: t0 + 2500, dropped: 4, first_time: t0 + 2000, last_time: t0 + 2400 });
  });
  return { ...w, install: install.id, strangerInstall: other.install.id, t0 };
}

describe('listDecisions', () => {
  it('shows an account key its own account and mode only, newest first', async () => {
    const w = await setup();
    const page = await listDecisions(w.domain, { actor: w.merchant });
    expect(page.data.map((d) => d.request_id)).toEqual(['req_3', 'req_2', 'req_1']);
    expect(page.has_more).toBe(false);
    expect(page.data[1]).toEqual({
      id: expect.stringMatching(/^dec_\d+$/),
      object: 'apps.decision',
      request_id: 'req_2',
      created: Math.floor((w.t0 + 2000) / 1000),
      time: new Date(w.t0 + 2000).toISOString(),
      account: w.merchantAccount,
      install: w.install,
      app: 'com.example.crm',
      key: 'rk_test_***…abcd',
      livemode: false,
      method: 'GET',
      route: '/v1/charges',
      path: '/v1/charges',
      requirement: [['charge_read', 'charge_write']],
      outcome: 'denied',
      missing: [['charge_read', 'charge_write']],
      status: 403,
      latency_ms: 0.3,
    });
    const live = await listDecisions(w.domain, { actor: w.merchantLive });
    expect(live.data.map((d) => d.request_id)).toEqual(['req_4']);
    const all = await listDecisions(w.domain, { actor: OPERATOR });
    expect(all.data).toHaveLength(5);
  });

  it('filters by install, outcome, route, permission and time, and pages with starting_after', async () => {
    const w = await setup();
    const ids = async (input: Omit<Parameters<typeof listDecisions>[1], 'actor'>) =>
      (await listDecisions(w.domain, { actor: w.merchant, ...input })).data.map((d) => d.request_id);
    expect(await ids({ install: w.install })).toEqual(['req_3', 'req_2', 'req_1']);
    expect(await ids({ outcome: 'denied' })).toEqual(['req_2']);
    expect(await ids({ route: '/v1/customers' })).toEqual(['req_3', 'req_1']);
    expect(await ids({ permission: 'charge_write' })).toEqual(['req_2']);
    expect(await ids({ since: w.t0 + 2000, until: w.t0 + 3000 })).toEqual(['req_2']);
    const first = await listDecisions(w.domain, { actor: w.merchant, limit: 2 });
    expect(first.data.map((d) => d.request_id)).toEqual(['req_3', 'req_2']);
    expect(first.has_more).toBe(true);
    expect(await ids({ limit: 2, startingAfter: first.data[1]!.id })).toEqual(['req_1']);
    expect(await ids({ requestId: 'req_2' })).toEqual(['req_2']);
  });

  it('refuses another account’s install, cursor or account without revealing them', async () => {
    const w = await setup();
    await expectError(
      listDecisions(w.domain, { actor: w.merchant, install: w.strangerInstall }),
      'ERR_NOT_FOUND',
      `no such install: \`${w.strangerInstall}\``,
    );
    const theirs = (await listDecisions(w.domain, { actor: OPERATOR, requestId: 'req_5' })).data[0]!.id;
    await expectError(
      listDecisions(w.domain, { actor: w.merchant, startingAfter: theirs }),
      'ERR_NOT_FOUND',
      `no such decision: \`${theirs}\``,
    );
    await expectError(
      listDecisions(w.domain, { actor: w.merchant, startingAfter: 'req_2' }),
      'ERR_NOT_FOUND',
      'no such decision: `req_2`',
    );
    await expectError(
      listDecisions(w.domain, { actor: w.merchant, account: 'acct_other' }),
      'ERR_NOT_FOUND',
      'no such account: `acct_other`',
    );
    await expectError(
      listDecisions(w.domain, { actor: w.merchant, limit: 0 }),
      'ERR_PARAMETER_INVALID',
      '`limit` must be an integer from 1 to 1000',
    );
    await expectError(
      listDecisions(w.domain, { actor: w.merchant, outcome: 'maybe' as 'allowed' }),
      'ERR_PARAMETER_INVALID',
      '`maybe` is not an outcome: use `allowed`, `denied`, `shadow_denied`',
    );
  });
});

describe('decisionStats', () => {
  it('counts by outcome with drops, for operators only', async () => {
    const w = await setup();
    expect(await decisionStats(w.domain, { actor: OPERATOR })).toEqual({
      object: 'apps.decision_stats',
      total: 5,
      outcomes: { allowed: 4, denied: 1, shadow_denied: 0 },
      dropped: 4,
      last_drop: new Date(w.t0 + 2500).toISOString(),
    });
    expect((await decisionStats(w.domain, { actor: OPERATOR, install: w.install })).total).toBe(4);
    await expectError(decisionStats(w.domain, { actor: w.merchant }), 'ERR_FORBIDDEN');
  });
});

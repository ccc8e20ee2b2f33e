import { afterEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { decisionActivity } from '../../src/domain/decision-activity.js';
import { DomainError } from '../../src/domain/domain-error.js';
import { openStore } from '../../src/store/open.js';
import type { NewDecisionRow, Store } from '../../src/store/store.js';
import { DECISION_T0, decisionRow } from '../support/decision-rows.js';

/**
 * decisionActivity, the Activity screen's numbers: what each part counts and ignores (the
 * unused-grant usage ignores the outcome, route and permission filters; denied calls group by
 * route, or by path when no route matched; the newest kinds first, at most `deniedLimit`), and
 * that bad boundaries are refused. (Its exactness over random data is in
 * test/dashboard/activity-window.test.ts and test/store/decision-rollups.test.ts.)
 */

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function withRows(rows: readonly NewDecisionRow[]): Promise<Domain> {
  store = await openStore('sqlite::memory:');
  await store.transaction((tx) => tx.insertDecisions(rows));
  return createDomain({ store, catalog: defaultCatalog() });
}

const denied = (n: number, overrides: Partial<NewDecisionRow> = {}): NewDecisionRow =>
  decisionRow(n, {
    outcome: 'denied',
    route: '/v1/charges',
    path: '/v1/charges',
    requirement: JSON.stringify([['charge_read', 'charge_write']]),
    missing: JSON.stringify([['charge_read', 'charge_write']]),
    status: 403,
    ...overrides,
  });

const scope = { actor: OPERATOR, account: 'acct_a', mode: 'test' as const };
const window = [DECISION_T0, DECISION_T0 + 60_000, DECISION_T0 + 3_600_000];

describe('decisionActivity', () => {
  it('counts per range and in all, groups denied calls by route or path, newest first', async () => {
    const domain = await withRows([
      decisionRow(1),
      decisionRow(2, { key_hint: 'rk_test_***…wxyz' }), // another key: another context, same call
      denied(3),
      denied(4, { key_hint: 'rk_test_***…wxyz' }),
      denied(70, { route: null, path: '/v1/nowhere', requirement: '[]', missing: '[]' }),
      denied(71, { route: null, path: '/v1/elsewhere', requirement: '[]', missing: '[]' }),
      denied(72, { route: null, path: '/v1/nowhere', requirement: '[]', missing: '[]' }),
      decisionRow(5, { account_id: 'acct_b' }), // another account: never counted
      decisionRow(3600, {}), // at the window's end: outside it
    ]);
    const activity = await decisionActivity(domain, { ...scope, boundaries: window });
    expect(activity.outcomes).toEqual({ allowed: 2, denied: 5, shadow_denied: 0 });
    expect(activity.ranges).toEqual([
      { allowed: 2, denied: 2, shadow_denied: 0 },
      { allowed: 0, denied: 3, shadow_denied: 0 },
    ]);
    expect(activity.routes).toEqual(['/v1/charges', '/v1/customers']);
    expect(
      activity.denied.map((g) => [
        g.route ?? g.path,
        g.count,
        g.latest.time - DECISION_T0,
        g.latest.id !== undefined,
      ]),
    ).toEqual([
      ['/v1/nowhere', 2, 72_000, false],
      ['/v1/elsewhere', 1, 71_000, false],
      ['/v1/charges', 2, 4_000, true],
    ]);
    expect(activity.deniedGroups).toBe(3);
    const limited = await decisionActivity(domain, { ...scope, boundaries: window, deniedLimit: 1 });
    expect([limited.denied.length, limited.deniedGroups]).toEqual([1, 3]);
  });

  it('reads usage for unused grants over every call of the window, whatever the other filters', async () => {
    const domain = await withRows([decisionRow(1), denied(2), decisionRow(3, { install_id: 'appinst_2' })]);
    const activity = await decisionActivity(domain, { ...scope, outcome: 'denied', boundaries: window });
    expect(activity.outcomes).toEqual({ allowed: 0, denied: 1, shadow_denied: 0 });
    const usage = Object.fromEntries(activity.usage.map((u) => [u.install, u]));
    expect(usage['appinst_1']?.allowed).toBe(1);
    expect(usage['appinst_1']?.calls.map((c) => [c.route, c.outcome]).sort()).toEqual([
      ['/v1/charges', 'denied'],
      ['/v1/customers', 'allowed'],
    ]);
    expect(usage['appinst_2']?.allowed).toBe(1);
  });

  it('refuses boundaries that are not ascending times', async () => {
    const domain = await withRows([decisionRow(1)]);
    for (const boundaries of [
      [],
      [DECISION_T0],
      [DECISION_T0, DECISION_T0],
      [DECISION_T0 + 5, DECISION_T0],
      [-1, 5],
      [0.5, 9],
    ]) {
      const error = await decisionActivity(domain, { ...scope, boundaries }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).param).toBe('boundaries');
    }
  });
});

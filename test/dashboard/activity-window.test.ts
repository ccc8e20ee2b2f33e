import { afterEach, describe, expect, it } from 'vitest';
import { prng } from '../../bench/prng.js';
import { CHART_OUTCOMES } from '../../src/dashboard/chart.js';
import { chartBoundaries } from '../../src/dashboard/screens/activity.js';
import { toDecisionRow } from '../../src/decision-log/rows.js';
import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import type { DecisionOutcome } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { agent, csrfOf, hiddenValues } from './agent.js';
import { APP, type DashboardWorld, dashboardWorld, PASSWORD } from './support.js';

/**
 * The Activity screen covers the whole selected window, not the latest decisions: with more
 * decisions than it ever read before (5,000), its counts, chart, "granted but not used" table
 * and denied calls equal what a full scan of the seeded random decisions gives — on SQLite and
 * PostgreSQL, for preset and custom windows whose edges fall mid-minute (the chart's inner
 * bars start on the clock).
 */

/** The screen's clock: mid-minute, so no window edge falls on a bucket's. */
const NOW = Date.UTC(2026, 4, 5, 12, 34, 56, 789);
const HOUR = 3_600_000;

let world: DashboardWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('chartBoundaries', () => {
  it('puts bars on the clock: the window edges, then every multiple of one bar width between them', () => {
    const random = prng(2026);
    const steps = [
      60_000,
      300_000,
      600_000,
      900_000,
      1_800_000,
      HOUR,
      2 * HOUR,
      3 * HOUR,
      6 * HOUR,
      12 * HOUR,
      86_400_000,
      7 * 86_400_000,
    ];
    for (let round = 0; round < 500; round++) {
      const since = Math.floor(random() * 1e12);
      const until = since + 60_000 + Math.floor(random() * 40 * 86_400_000);
      const bars = 1 + Math.floor(random() * 30);
      const boundaries = chartBoundaries(since, until, bars);
      expect([boundaries[0], boundaries.at(-1)]).toEqual([since, until]);
      const inner = boundaries.slice(1, -1);
      const step = steps.find((s) => Math.floor((until - since) / s) <= bars) ?? 30 * 86_400_000;
      for (const [i, t] of inner.entries()) {
        expect(t % step).toBe(0);
        if (i > 0) expect(t - inner[i - 1]!).toBe(step);
      }
      expect(inner[0] === undefined || inner[0] - since <= step).toBe(true);
      expect(until - (inner.at(-1) ?? since) <= step).toBe(true);
    }
    // the presets: 5-minute, hourly, 6-hourly and daily bars
    const at = Date.UTC(2026, 0, 10, 10, 20, 30);
    expect(chartBoundaries(at - HOUR, at, 12)[1]).toBe(Date.UTC(2026, 0, 10, 9, 25));
    expect(chartBoundaries(at - 24 * HOUR, at, 24)[1]).toBe(Date.UTC(2026, 0, 9, 11));
    expect(chartBoundaries(at - 7 * 24 * HOUR, at, 28)[1]).toBe(Date.UTC(2026, 0, 3, 12));
    expect(chartBoundaries(at - 30 * 24 * HOUR, at, 30)[1]).toBe(Date.UTC(2025, 11, 12));
  });
});

/** Counts per bar, in CHART_OUTCOMES order, by brute force. */
function countBars(records: readonly DecisionRecord[], boundaries: readonly number[]): number[][] {
  return boundaries.slice(1).map((end, i) => {
    const inBar = records.filter((r) => r.time >= boundaries[i]! && r.time < end);
    return CHART_OUTCOMES.map((o) => inBar.filter((r) => r.outcome === o).length);
  });
}

/** The "Show the numbers" table: per bucket, counts in CHART_OUTCOMES order. */
function chartNumbers(body: string): number[][] {
  const table = body.slice(body.indexOf('<summary>Show the numbers</summary>'));
  return [
    ...table.matchAll(
      /<tr><td>\d{4}-\d\d-\d\d \d\d:\d\d<\/td><td>(\d+)<\/td><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g,
    ),
  ].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
}

function stat(body: string, label: string): number {
  const match = new RegExp(`<span class="small muted">${label}</span><strong>(\\d+)</strong>`).exec(body);
  return Number(match?.[1]);
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'activity over the whole window'), () => {
    const fresh = freshDatabases(dialect);

    it('counts, charts, finds unused grants and denied calls from every decision in the window', async () => {
      const db = await fresh();
      world = await dashboardWorld({ store: await db.open(), clock: () => NOW });
      const browser = agent(world.app);
      const signIn = await browser.signIn(world.emails.admin, PASSWORD);
      expect(signIn.statusCode).toBe(303);
      const consent = await browser.get(`/dashboard/apps/${APP}/install`);
      const approved = await browser.post(`/dashboard/apps/${APP}/install`, {
        csrf: csrfOf(consent.body),
        expected: hiddenValues(consent.body, `/dashboard/apps/${APP}/install`, 'expected'),
      });
      const install = /\/dashboard\/installs\/(appinst_[A-Za-z0-9]+)/.exec(approved.body)?.[1] ?? '';
      expect(install).not.toBe('');

      const random = prng(dialect.name === 'sqlite' ? 515 : 516);
      const record = (
        time: number,
        outcome: DecisionOutcome,
        extra: Partial<DecisionRecord> = {},
      ): DecisionRecord => ({
        time,
        requestId: `req_window_${Math.floor(random() * 1e12).toString(36)}`,
        account: world!.merchant,
        install,
        app: APP,
        keyHint: 'rk_test_***…abcd',
        livemode: false,
        method: 'GET',
        route: '/v1/customers',
        path: '/v1/customers',
        requirement: [['customer_read']],
        outcome,
        missing: outcome === 'allowed' ? [] : [['customer_read']],
        status: outcome === 'denied' ? 403 : 200,
        latencyMs: 1,
        ...extra,
      });
      const records: DecisionRecord[] = [];
      // 6,000 ordinary calls over the last 26 hours (some before the 24-hour window), a tenth on minute edges
      for (let i = 0; i < 6000; i++) {
        let time = NOW - Math.floor(random() * 26 * HOUR);
        if (random() < 0.1) time = Math.floor(time / 60_000) * 60_000;
        const r = random();
        records.push(record(time, r < 0.7 ? 'allowed' : r < 0.85 ? 'denied' : 'shadow_denied'));
      }
      // the oldest calls in the window: the only use of invoice_read, and the only denied charge call
      const early = NOW - 24 * HOUR + 1000;
      records.push(
        record(early, 'allowed', {
          route: '/v1/invoices',
          path: '/v1/invoices',
          requirement: [['invoice_read']],
        }),
        record(early + 1, 'denied', {
          route: '/v1/charges',
          path: '/v1/charges',
          requirement: [['charge_read', 'charge_write']],
          missing: [['charge_read', 'charge_write']],
        }),
        // just outside the window: never counted
        record(NOW - 24 * HOUR - 1, 'denied', { route: '/v1/payouts', path: '/v1/payouts' }),
        record(NOW + 1, 'denied', { route: '/v1/payouts', path: '/v1/payouts' }),
      );
      for (let i = 0; i < records.length; i += 500) {
        const batch = records.slice(i, i + 500).map(toDecisionRow);
        await world.store.transaction((tx) => tx.insertDecisions(batch));
      }

      for (const [query, since, until, step] of [
        ['', NOW - 24 * HOUR, NOW + 1, HOUR],
        ['?window=1h', NOW - HOUR, NOW + 1, 5 * 60_000],
        [
          '?from=2026-05-04T13:07&to=2026-05-05T09:59',
          Date.UTC(2026, 4, 4, 13, 7),
          Date.UTC(2026, 4, 5, 9, 59),
          HOUR,
        ],
      ] as const) {
        const page = await browser.get(`/dashboard/activity${query}`);
        expect(page.statusCode).toBe(200);
        const inWindow = records.filter((r) => r.time >= since && r.time < until);
        const boundaries = [since];
        for (let t = Math.floor(since / step) * step + step; t < until; t += step) boundaries.push(t);
        boundaries.push(until);
        const expected = countBars(inWindow, boundaries);
        expect({ query, chart: chartNumbers(page.body) }).toEqual({ query, chart: expected });
        const outcomes = { allowed: 0, denied: 0, shadow_denied: 0 };
        for (const r of inWindow) outcomes[r.outcome]++;
        expect([
          stat(page.body, 'Requests'),
          stat(page.body, 'Allowed'),
          stat(page.body, 'Denied'),
          stat(page.body, 'Shadow denied'),
        ]).toEqual([inWindow.length, outcomes.allowed, outcomes.denied, outcomes.shadow_denied]);
        expect(page.body).not.toContain('/v1/payouts');
      }

      // the 24-hour window: the oldest calls count too
      const page = await browser.get('/dashboard/activity');
      const unused = page.body.slice(page.body.indexOf(`data-unused-install="${install}"`));
      const row = unused.slice(0, unused.indexOf('</tr>'));
      const allowedInWindow = records.filter(
        (r) => r.time >= NOW - 24 * HOUR && r.time <= NOW && r.outcome === 'allowed',
      ).length;
      expect(row).toContain(`<td>${allowedInWindow}</td>`);
      expect(row).not.toContain('<code>invoice_read</code>'); // used, once, by the oldest call
      const denied = page.body.slice(
        page.body.indexOf('Denied calls and what they lacked'),
        page.body.indexOf('id="log-title"'),
      );
      const charges = denied.slice(denied.indexOf('<code>GET /v1/charges</code>'));
      expect(charges.slice(0, charges.indexOf('</tr>'))).toContain('<td>1</td>');
      const rows = denied.split('</tr>');
      for (const outcome of ['denied', 'shadow_denied'] as const) {
        const times = records.filter(
          (r) =>
            r.time >= NOW - 24 * HOUR &&
            r.time <= NOW &&
            r.outcome === outcome &&
            r.route === '/v1/customers',
        ).length;
        const group = rows.filter(
          (r) =>
            r.includes('<code>GET /v1/customers</code>') && r.includes(`<span class="badge ${outcome}">`),
        );
        expect(group).toHaveLength(1);
        expect(group[0]).toContain(`<td>${times}</td>`);
      }
    });
  });
}

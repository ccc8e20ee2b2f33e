import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import { createMetrics } from '../../src/server/metrics.js';

function decision(overrides: Partial<DecisionRecord>): DecisionRecord {
  return {
    time: 0,
    requestId: 'req_1',
    account: 'acct_1',
    install: null,
    app: null,
    keyHint: null,
    livemode: false,
    method: 'GET',
    route: '/v1/customers',
    path: '/v1/customers',
    requirement: [],
    outcome: 'allowed',
    missing: [],
    status: 200,
    latencyMs: 0.3,
    ...overrides,
  };
}

async function requestCounts(metrics: ReturnType<typeof createMetrics>): Promise<Map<string, number>> {
  const metric = await metrics.registry.getSingleMetric('appscope_gateway_requests_total')!.get();
  return new Map(
    metric.values.map((v) => [`${v.labels['outcome']} ${v.labels['method']} ${v.labels['route']}`, v.value]),
  );
}

describe('gateway request metrics', () => {
  it('count by outcome, method and route; unknown methods are OTHER and unmatched routes say so', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.observeDecision(decision({}));
    metrics.observeDecision(decision({}));
    metrics.observeDecision(decision({ outcome: 'denied', status: 403 }));
    metrics.observeDecision(decision({ method: 'POST', outcome: 'shadow_denied' }));
    metrics.observeDecision(decision({ method: 'PROPFIND', route: null, outcome: 'denied', status: 404 }));
    metrics.observeDecision(decision({ method: 'DELETE', route: null, outcome: 'denied', status: 404 }));
    expect(Object.fromEntries(await requestCounts(metrics))).toEqual({
      'allowed GET /v1/customers': 2,
      'denied GET /v1/customers': 1,
      'shadow_denied POST /v1/customers': 1,
      'denied OTHER unmatched': 1,
      'denied DELETE unmatched': 1,
    });
    const latency = await metrics.registry
      .getSingleMetric('appscope_gateway_decision_latency_seconds')!
      .get();
    const count = (outcome: string) =>
      latency.values.find(
        (v) =>
          (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels['outcome'] === outcome,
      )?.value;
    expect([count('allowed'), count('denied'), count('shadow_denied')]).toEqual([2, 3, 1]);
  });

  it('past 1000 routes, new ones share the `other` label (the series stay bounded)', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (let i = 0; i < 1005; i++) metrics.observeDecision(decision({ route: `/v1/things_${i}` }));
    metrics.observeDecision(decision({ route: '/v1/things_0' })); // a known one keeps its label
    const counts = await requestCounts(metrics);
    expect(counts.size).toBe(1001);
    expect(counts.get('allowed GET other')).toBe(5);
    expect(counts.get('allowed GET /v1/things_0')).toBe(2);
  });
});

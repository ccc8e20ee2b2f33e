import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import type { NewDecisionRow } from '../../src/store/store.js';

/** The time of decision row 0 (2026-01-01). */
export const DECISION_T0 = Date.UTC(2026, 0, 1);

/**
 * A `decisions` row with everyday values (an allowed `GET /v1/customers` by install
 * `appinst_1` of `acct_a`); `n` picks its time (`n` seconds after `DECISION_T0`) and request id.
 */
export function decisionRow(n: number, overrides: Partial<NewDecisionRow> = {}): NewDecisionRow {
  return {
    time: DECISION_T0 + n * 1000,
    request_id: `req_${String(n).padStart(4, '0')}`,
    account_id: 'acct_a',
    install_id: 'appinst_1',
    app_id: 'com.example.app',
    key_hint: 'rk_test_***…abcd',
    livemode: 0,
    method: 'GET',
    route: '/v1/customers',
    path: '/v1/customers',
    requirement: JSON.stringify([['customer_read', 'customer_write']]),
    outcome: 'allowed',
    missing: '[]',
    status: 200,
    latency_ms: 0.25,
    ...overrides,
  };
}

/**
 * A gateway `DecisionRecord` with everyday values (an allowed `GET /v1/customers` needing
 * `customer_read`, by install `appinst_1` of `acct_1`), for tests that feed a decision log.
 */
export function decisionRecord(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    time: DECISION_T0,
    requestId: 'req_0000',
    account: 'acct_1',
    install: 'appinst_1',
    app: 'com.example.app',
    keyHint: 'rk_test_***…abcd',
    livemode: false,
    method: 'GET',
    route: '/v1/customers',
    path: '/v1/customers',
    requirement: [['customer_read']],
    outcome: 'allowed',
    missing: [],
    status: 200,
    latencyMs: 0.3,
    ...overrides,
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/cli/demo.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createDomain } from '../../src/domain/context.js';
import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import { openStore } from '../../src/store/open.js';
import { decisionRecord } from '../support/decision-rows.js';
import { runCli } from '../support/run-cli.js';

let dir: string;
let install1 = 'appinst_1';
let install2 = 'appinst_2';
const now = Date.now();

function decision(n: number, ageMs: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return decisionRecord({
    time: now - ageMs,
    requestId: `req_logs${n}`,
    install: install1,
    app: 'com.example.app',
    latencyMs: 0.31,
    ...overrides,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-logs-'));
  const store = await openStore({ dataDir: dir });
  const demo = await seedDemo(createDomain({ store }));
  install1 = demo.insights.install;
  install2 = demo.sync.install;
  const log = new DecisionLog({ store, maxQueue: 4, flushIntervalMs: 60_000 });
  log.record(decision(1, 3 * 3600_000));
  log.record(
    decision(2, 1800_000, {
      route: '/v1/charges',
      path: '/v1/charges',
      requirement: [['charge_read', 'charge_write']],
      outcome: 'denied',
      missing: [['charge_read', 'charge_write']],
      status: 403,
    }),
  );
  log.record(decision(3, 60_000, { install: install2, outcome: 'shadow_denied', missing: [['x_read']] }));
  log.record(decision(4, 1000));
  log.record(decision(5, 500)); // the queue holds 4: dropped
  // refused before authentication: counted per minute, reason and address
  const minuteAgo = now - 60_000 - (now % 60_000);
  for (let i = 0; i < 3; i++) {
    log.recordUnauthenticated({
      time: minuteAgo,
      reason: 'invalid_key',
      address: '203.0.113.9',
      status: 401,
    });
  }
  log.recordUnauthenticated({ time: minuteAgo + 1, reason: 'missing_key', address: '::1', status: 401 });
  await log.close();
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logs = (...args: string[]) => runCli(['logs', '--data-dir', dir, ...args]);

describe('appscope logs', () => {
  it('lists decisions, oldest first with the newest at the bottom', async () => {
    const run = await logs();
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+OUTCOME\s+STATUS\s+REQUEST\s+INSTALL\s+MISSING\s+MS\s+REQUEST ID$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).at(-1))).toEqual([
      'req_logs1',
      'req_logs2',
      'req_logs3',
      'req_logs4',
    ]);
    expect(lines[2]).toMatch(
      /denied\s+403\s+GET \/v1\/charges\s+appinst_\w+\s+charge_read\|charge_write\s+0\.31/,
    );
  });

  it('filters by outcome, install, route, permission and time', async () => {
    const ids = async (...args: string[]) =>
      ((await logs(...args, '--json')).json() as { data: Array<{ request_id: string }> }).data.map(
        (d) => d.request_id,
      );
    expect(await ids('--outcome', 'denied')).toEqual(['req_logs2']);
    expect(await ids('--install', install2)).toEqual(['req_logs3']);
    const unknown = await logs('--install', 'appinst_nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('appscope: no such install: `appinst_nope`\n');
    expect(await ids('--route', '/v1/charges')).toEqual(['req_logs2']);
    expect(await ids('--permission', 'charge_write')).toEqual(['req_logs2']);
    expect(await ids('--since', '1h')).toEqual(['req_logs4', 'req_logs3', 'req_logs2']);
    expect(await ids('--since', '1h', '--until', '10m')).toEqual(['req_logs2']);
    expect(await ids('--since', new Date(now - 120_000).toISOString())).toEqual(['req_logs4', 'req_logs3']);
    expect(await ids('--limit', '1')).toEqual(['req_logs4']);
    expect(await ids('--install', install1, '--request', 'req_logs2')).toEqual(['req_logs2']);
  });

  it('prints counts by outcome and the dropped decisions with --stats', async () => {
    const run = await logs('--stats', '--json');
    expect(run.json()).toEqual({
      object: 'apps.decision_stats',
      total: 4,
      outcomes: { allowed: 2, denied: 1, shadow_denied: 1 },
      dropped: 1,
      last_drop: expect.any(String),
    });
    const text = await logs('--stats');
    expect(text.stdout).toMatch(/^all decisions on record\nOUTCOME\s+COUNT\nallowed\s+2\n/);
    expect(text.stdout).toMatch(/dropped\s+1 {2}\(queue full; last drop /);
  });

  it('--stats with any filter counts exactly the decisions the same filters list (windows ending mid-minute)', async () => {
    for (const filters of [
      [],
      ['--outcome', 'denied'],
      ['--install', install1],
      ['--install', install2, '--outcome', 'shadow_denied'],
      ['--route', '/v1/charges'],
      ['--permission', 'charge_write'],
      ['--permission', 'customer_read', '--since', '1h'],
      ['--since', '1h', '--until', '10m'],
      ['--since', new Date(now - 120_000).toISOString()],
      ['--until', new Date(now - 30_000).toISOString()],
    ]) {
      const listed = (
        (await logs(...filters, '--limit', '1000', '--json')).json() as { data: Array<{ outcome: string }> }
      ).data;
      const stats = (await logs(...filters, '--stats', '--json')).json() as {
        total: number;
        outcomes: Record<string, number>;
      };
      const outcomes = { allowed: 0, denied: 0, shadow_denied: 0 } as Record<string, number>;
      for (const d of listed) outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
      expect({ filters, total: stats.total, outcomes: stats.outcomes }).toEqual({
        filters,
        total: listed.length,
        outcomes,
      });
    }
  });

  it('lists requests refused before authentication with --unauthenticated, per minute, reason and address', async () => {
    const minute = new Date(now - 60_000 - (now % 60_000)).toISOString();
    const run = await logs('--unauthenticated', '--json');
    expect(run.json()).toEqual({
      object: 'list',
      data: [
        {
          object: 'apps.unauthenticated_count',
          minute,
          reason: 'invalid_key',
          address: '203.0.113.9',
          count: 3,
        },
        { object: 'apps.unauthenticated_count', minute, reason: 'missing_key', address: '::1', count: 1 },
      ],
    });
    const text = await logs('--unauthenticated', '--reason', 'invalid_key');
    expect(text.stdout).toMatch(
      /^MINUTE\s+REASON\s+ADDRESS\s+COUNT\n\S+\s+invalid_key\s+203\.0\.113\.9\s+3\n$/,
    );
    expect((await logs('--unauthenticated', '--address', '198.51.100.1')).stdout).toBe(
      'no unauthenticated requests match\n',
    );
  });

  it('refuses bad options precisely', async () => {
    const outcome = await logs('--outcome', 'maybe');
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(
      'appscope: --outcome: `maybe` is not an outcome; use `allowed`, `denied`, `shadow_denied`\n',
    );
    const since = await logs('--since', 'yesterday');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since: `yesterday` is not a duration');
    const limit = await logs('--limit', '0');
    expect(limit.code).toBe(2);
  });
});

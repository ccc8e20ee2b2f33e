import type { Command } from 'commander';
import { OPERATOR } from '../domain/actor.js';
import {
  DECISION_OUTCOMES,
  decisionStats,
  type LoggedDecision,
  listDecisions,
  listUnauthenticatedCounts,
} from '../domain/decisions.js';
import { AppscopeError } from '../errors.js';
import type { DecisionOutcome } from '../store/store.js';
import { type CliIo, printJson, table } from './io.js';
import { parseDuration, parseMode, type StoreOptions, withDomain } from './store-context.js';

interface LogsOptions {
  install?: string;
  account?: string;
  app?: string;
  outcome?: string;
  route?: string;
  permission?: string;
  request?: string;
  mode?: string;
  since?: string;
  until?: string;
  limit: string;
  stats?: boolean;
  unauthenticated?: boolean;
  reason?: string;
  address?: string;
  json?: boolean;
}

/** `appscope logs [filters] [--stats] [--json]` — read the decision log on the local database. */
export function registerLogs(program: Command, io: CliIo): void {
  program
    .command('logs')
    .description('read the decision log: every gateway decision, with filters (operator)')
    .option('--install <install>', 'only this install (appinst_…)')
    .option('--account <acct>', 'only this account')
    .option('--app <app>', 'only this app')
    .option('--outcome <outcome>', 'allowed, denied or shadow_denied')
    .option('--route <route>', 'only this route template, e.g. /v1/customers/{customer}')
    .option('--permission <name>', 'only decisions whose requirement names this permission')
    .option('--request <req>', 'the decision of one request (its Request-Id, req_…)')
    .option('--mode <mode>', 'test or live')
    .option('--since <when>', 'from this long ago (90s, 15m, 1h, 7d) or this ISO time')
    .option('--until <when>', 'up to this long ago or this ISO time')
    .option('--limit <n>', 'at most N decisions, the newest (1-1000)', '50')
    .option('--stats', 'counts by outcome and dropped decisions instead of the decisions')
    .option(
      '--unauthenticated',
      'requests refused before authentication, counted per minute, reason and address, instead of decisions',
    )
    .option('--reason <reason>', 'with --unauthenticated: only this reason, e.g. invalid_key')
    .option('--address <address>', 'with --unauthenticated: only this client address')
    .option('--json', 'print JSON')
    .action(async (options: LogsOptions, command: Command) => {
      const mode = parseMode(options.mode);
      const outcome = parseOutcome(options.outcome);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new AppscopeError('ERR_USAGE', `--limit: \`${options.limit}\` is not a number from 1 to 1000`);
      }
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const now = domain.clock();
        const since = options.since === undefined ? undefined : parseWhen(options.since, '--since', now);
        const until = options.until === undefined ? undefined : parseWhen(options.until, '--until', now);
        const filters = {
          actor: OPERATOR,
          ...(options.install === undefined ? {} : { install: options.install }),
          ...(options.account === undefined ? {} : { account: options.account }),
          ...(options.app === undefined ? {} : { app: options.app }),
          ...(outcome === undefined ? {} : { outcome }),
          ...(options.route === undefined ? {} : { route: options.route }),
          ...(options.permission === undefined ? {} : { permission: options.permission }),
          ...(options.request === undefined ? {} : { requestId: options.request }),
          ...(mode === undefined ? {} : { mode }),
          ...(since === undefined ? {} : { since }),
          ...(until === undefined ? {} : { until }),
        };
        if (options.unauthenticated) {
          const counts = await listUnauthenticatedCounts(domain, {
            actor: OPERATOR,
            limit,
            ...(options.reason === undefined ? {} : { reason: options.reason }),
            ...(options.address === undefined ? {} : { address: options.address }),
            ...(since === undefined ? {} : { since }),
            ...(until === undefined ? {} : { until }),
          });
          if (options.json) return printJson(io, { object: 'list', data: counts });
          if (counts.length === 0) {
            io.stdout('no unauthenticated requests match\n');
            return;
          }
          io.stdout(
            `${table(
              ['MINUTE', 'REASON', 'ADDRESS', 'COUNT'],
              [...counts].reverse().map((c) => [c.minute, c.reason, c.address, String(c.count)]),
            )}\n`,
          );
          return;
        }
        if (options.stats) {
          const stats = await decisionStats(domain, filters);
          if (options.json) return printJson(io, stats);
          const window =
            since === undefined
              ? 'all decisions on record'
              : `decisions since ${new Date(since).toISOString()}`;
          const rows = [
            ...DECISION_OUTCOMES.map((o) => [o, String(stats.outcomes[o])]),
            ['total', String(stats.total)],
            [
              'dropped',
              `${stats.dropped}${stats.dropped === 0 ? '  (the log queue never overflowed)' : `  (queue full; last drop ${stats.last_drop})`}`,
            ],
          ];
          io.stdout(`${window}\n${table(['OUTCOME', 'COUNT'], rows)}\n`);
          return;
        }
        const page = await listDecisions(domain, { ...filters, limit });
        if (options.json) return printJson(io, { object: 'list', data: page.data, has_more: page.has_more });
        if (page.data.length === 0) {
          io.stdout('no decisions match\n');
          return;
        }
        // Oldest first, the newest at the bottom, as a log reads.
        io.stdout(
          `${table(
            ['TIME', 'OUTCOME', 'STATUS', 'REQUEST', 'INSTALL', 'MISSING', 'MS', 'REQUEST ID'],
            [...page.data].reverse().map(row),
          )}\n`,
        );
        if (page.has_more) io.stdout(`(the newest ${limit}; narrow with filters or raise --limit)\n`);
      });
    });
}

function row(d: LoggedDecision): string[] {
  return [
    d.time,
    d.outcome,
    d.status === null ? '-' : String(d.status),
    `${d.method} ${d.path}`,
    d.install ?? d.account ?? '-',
    d.missing.length === 0 ? '-' : d.missing.map((group) => group.join('|')).join(', '),
    d.latency_ms.toFixed(2),
    d.request_id,
  ];
}

function parseOutcome(value: string | undefined): DecisionOutcome | undefined {
  if (value === undefined) return undefined;
  if ((DECISION_OUTCOMES as readonly string[]).includes(value)) return value as DecisionOutcome;
  throw new AppscopeError(
    'ERR_USAGE',
    `--outcome: \`${value}\` is not an outcome; use ${DECISION_OUTCOMES.map((o) => `\`${o}\``).join(', ')}`,
  );
}

/** `1h` (that long before now) or an ISO-8601 time, as milliseconds since the epoch. */
export function parseWhen(text: string, option: string, now: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) throw new AppscopeError('ERR_USAGE', `${option}: \`${text}\` is not a valid time`);
    return at;
  }
  return now - parseDuration(text, option) * 1000;
}

import type { Command } from 'commander';
import { analyzeUsage, type UsageAnalysis } from '../core/least-privilege/analyze-usage.js';
import { OPERATOR } from '../domain/actor.js';
import { type LoggedDecision, listDecisions } from '../domain/decisions.js';
import { getInstall } from '../domain/installs.js';
import { type CliIo, printJson } from './io.js';
import { parseWhen } from './logs.js';
import { type StoreOptions, withDomain } from './store-context.js';

interface AnalyzeOptions {
  install: string;
  since: string;
  json?: boolean;
}

/** The most decisions one analysis reads (newest first); the report says when it stopped there. */
const MAX_DECISIONS = 100_000;

/**
 * `appscope analyze --install appinst_… [--since 30d] [--json]`: an install's use of what it was
 * granted, from the decision log on the local database — the permissions its allowed calls used,
 * those granted but never used, the denied calls with the least addition that would have allowed
 * each, and the minimal set for every observed call as a suggested change to its grant.
 */
export function registerAnalyze(program: Command, io: CliIo): void {
  program
    .command('analyze')
    .description(
      "an install's use of its permissions, from the decision log: used, unused, denied, and the minimal set",
    )
    .requiredOption('--install <id>', 'the install (appinst_…)')
    .option('--since <when>', 'from this long ago (1h, 7d, 30d) or this ISO time', '30d')
    .option('--json', 'print JSON')
    .action(async (options: AnalyzeOptions, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const since = parseWhen(options.since, '--since', domain.clock());
        const install = await getInstall(domain, { actor: OPERATOR, install: options.install });
        const decisions: LoggedDecision[] = [];
        let startingAfter: string | undefined;
        let truncated = false;
        for (;;) {
          const page = await listDecisions(domain, {
            actor: OPERATOR,
            install: install.id,
            since,
            limit: 1000,
            ...(startingAfter === undefined ? {} : { startingAfter }),
          });
          decisions.push(...page.data);
          if (!page.has_more) break;
          if (decisions.length >= MAX_DECISIONS) {
            truncated = true;
            break;
          }
          startingAfter = page.data.at(-1)?.id;
        }
        const analysis = analyzeUsage(domain.catalog, install.permissions_granted, decisions);
        const report = {
          install: install.id,
          app: install.app,
          since: new Date(since).toISOString(),
          granted: install.permissions_granted,
          truncated,
          ...analysis,
        };
        if (options.json) {
          printJson(io, report);
          return;
        }
        io.stdout(formatAnalysis(report));
      });
    });
}

function formatAnalysis(
  report: UsageAnalysis & {
    install: string;
    app: string;
    since: string;
    granted: readonly string[];
    truncated: boolean;
  },
): string {
  const lines = [
    `${report.install} (${report.app}): ${report.decisions} decision${report.decisions === 1 ? '' : 's'} since ${report.since}${report.truncated ? ` (the newest ${MAX_DECISIONS} only)` : ''}`,
    `  granted:   ${report.granted.join(', ') || '-'}`,
    `  used:      ${report.used.map((u) => `${u.permission} (${u.calls} call${u.calls === 1 ? '' : 's'})`).join(', ') || '-'}`,
    `  unused:    ${report.unused.join(', ') || '-'}`,
  ];
  for (const wider of report.wider)
    lines.push(`  wider:     ${wider.permission} (${wider.narrower.join(', ')} would do)`);
  if (report.denied.length > 0) {
    lines.push('  denied calls:');
    for (const call of report.denied) {
      const allow = call.unavailable
        ? 'no permission an app can request allows it'
        : `would be allowed by adding ${call.addition.join(', ')}`;
      lines.push(`    ${call.operation} ×${call.count}: ${allow}`);
    }
  } else lines.push('  denied calls: -');
  lines.push(`  minimal set for every observed call: ${report.minimal.join(', ') || '-'}`);
  const diff = [
    ...report.suggested.add.map((n) => `+ ${n}`),
    ...report.suggested.remove.map((n) => `- ${n}`),
  ];
  lines.push(
    diff.length === 0
      ? '  suggested manifest change: none'
      : `  suggested manifest change: ${diff.join('  ')}`,
  );
  return `${lines.join('\n')}\n`;
}

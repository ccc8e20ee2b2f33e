import type { Command } from 'commander';
import { actorLabel } from '../domain/actor.js';
import { listAudit, verifyAudit } from '../domain/audit.js';
import { type CliIo, EXIT_FAILURE, printJson, table } from './io.js';
import { type StoreOptions, withDomain } from './store-context.js';

/** `appscope audit verify`, `appscope audit list` */
export function registerAudit(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description(
      'check every link of the audit chain; exit 1 and name the first broken row if one was altered',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
        const result = await verifyAudit(domain);
        if (options.json) printJson(io, result);
        else if (result.ok)
          io.stdout(`audit log verified: ${result.rows} rows, head ${result.head.slice(0, 16)}…\n`);
        else
          io.stdout(
            `audit log BROKEN at row ${result.firstBrokenSeq} (${result.reason}): ${result.message}\n`,
          );
        if (!result.ok) setExit(EXIT_FAILURE);
      });
    });
  audit
    .command('list')
    .description('audit entries, oldest first')
    .option('--target <id>', 'only entries about this object')
    .option('--after <seq>', 'entries after this sequence number', '0')
    .option('--limit <n>', 'at most N', '100')
    .option('--json', 'print JSON')
    .action(
      async (
        options: { target?: string; after: string; limit: string; json?: boolean },
        command: Command,
      ) => {
        await withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const entries = await listAudit(domain, {
            afterSeq: Number(options.after),
            limit: Number(options.limit),
            ...(options.target ? { targetId: options.target } : {}),
          });
          if (options.json) return printJson(io, { data: entries });
          io.stdout(
            `${table(
              ['SEQ', 'AT', 'ACTOR', 'ACTION', 'TARGET'],
              entries.map((e) => [
                String(e.seq),
                e.at,
                actorLabel(e.actor),
                e.action,
                `${e.target.type} ${e.target.id}`,
              ]),
            )}\n`,
          );
        });
      },
    );
}

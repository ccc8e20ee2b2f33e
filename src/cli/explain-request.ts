import type { Command } from 'commander';
import { type DecisionEvidence, decide, explainDecision } from '../core/decide.js';
import { resolveRequestLine } from '../core/routes/resolve.js';
import { authenticateKey, type Principal, resolvePlatformInstall } from '../domain/keys.js';
import { maskKey } from '../domain/secrets.js';
import { AppscopeError } from '../errors.js';
import type { GlobalOptions } from './context.js';
import { routeTableFor } from './endpoints-resolve.js';
import { type CliIo, EXIT_FAILURE, printJson } from './io.js';
import { type StoreOptions, withDomain } from './store-context.js';

interface ExplainOptions {
  key?: string;
  stripeAccount?: string;
  routes?: string;
  json?: boolean;
}

/** How the gateway would answer: allowed, denied, or denied-but-forwarded (shadow mode). */
type Outcome = 'allowed' | 'denied' | 'shadow_denied';

/**
 * `appscope explain-request --key rk_… "GET /v1/customers?expand[]=data.default_source" [--json]`:
 * the decision the gateway makes for this key and request, with its evidence — which granted
 * permission satisfied each group and through which implication, or what is missing and
 * whether it is pending approval. Works on the local database.
 */
export function registerExplainRequest(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('explain-request')
    .description("explain the gateway's decision for a key and a request, with its evidence")
    .argument('<request>', 'a request line, e.g. "GET /v1/customers?expand[]=data.default_source"')
    .option('--key <key>', 'the API key the app sends (default: APPSCOPE_KEY)')
    .option('--stripe-account <acct>', "for a platform app's secret key: the account it acts on")
    .option('--routes <path>', 'a route table generated for a custom catalog')
    .option('--json', 'print JSON')
    .action(async (line: string, options: ExplainOptions, command: Command) => {
      const globals = command.optsWithGlobals<StoreOptions & GlobalOptions>();
      const secret = options.key ?? io.env['APPSCOPE_KEY'];
      if (secret === undefined || secret === '') {
        throw new AppscopeError('ERR_USAGE', 'pass the key the app sends with --key (or APPSCOPE_KEY)');
      }
      const table = routeTableFor(io, globals, options.routes);
      const resolved = resolveRequestLine(table, line);
      const request = {
        method: resolved.method,
        path: resolved.path,
        route: resolved.route,
        operation: resolved.operation,
        available: resolved.available,
        expand: resolved.expand,
      };
      await withDomain(io, globals, async (domain) => {
        const auth = await authenticateKey(domain, secret);
        if (!auth.ok) {
          setExit(EXIT_FAILURE);
          if (options.json) {
            return printJson(io, {
              request,
              key: { redacted: auth.redacted, authenticated: false, reason: auth.reason },
              decision: { allowed: false, outcome: 'denied', status: 401, message: auth.message },
            });
          }
          io.stdout(
            `${header(request)}\n  key:       ${auth.redacted}\n  decision:  refused (401): ${auth.message}\n`,
          );
          return;
        }
        let principal: Principal = auth.principal;
        if (principal.type === 'app') {
          if (options.stripeAccount === undefined) {
            throw new AppscopeError(
              'ERR_USAGE',
              "a platform app's secret key acts on an account that installed the app: pass --stripe-account acct_…",
            );
          }
          const scoped = await resolvePlatformInstall(domain, principal, options.stripeAccount);
          if (scoped === undefined) {
            setExit(EXIT_FAILURE);
            const message = `app \`${principal.app}\` is not installed on \`${options.stripeAccount}\` in ${principal.livemode ? 'live' : 'test'} mode`;
            if (options.json) {
              return printJson(io, {
                request,
                key: {
                  redacted: maskKey(secret),
                  type: 'app',
                  app: principal.app,
                  livemode: principal.livemode,
                },
                decision: { allowed: false, outcome: 'denied', message },
              });
            }
            io.stdout(
              `${header(request)}\n  key:       ${maskKey(secret)}\n  decision:  denied: ${message}\n`,
            );
            return;
          }
          principal = scoped;
        }
        if (principal.type === 'account') {
          const message = "an account's secret key has full access to its own account's data";
          if (options.json) {
            return printJson(io, {
              request,
              key: {
                redacted: maskKey(secret),
                type: 'account',
                account: principal.account,
                livemode: principal.livemode,
              },
              decision: { allowed: true, outcome: 'allowed', message },
            });
          }
          io.stdout(
            `${header(request)}\n  key:       ${maskKey(secret)} — secret key of ${principal.account} (${mode(principal.livemode)} mode)\n  decision:  allowed: ${message}\n`,
          );
          return;
        }
        if (principal.type !== 'install') return;
        const pending = principal.pending ?? [];
        const shadow = principal.shadowMode === true;
        const evidence = explainDecision(
          domain.catalog,
          principal.granted,
          decide(principal.permissions, resolved.requirement),
          pending,
        );
        const outcome: Outcome = evidence.allowed ? 'allowed' : shadow ? 'shadow_denied' : 'denied';
        // Every permission that would satisfy each unmet group: its alternatives and what implies them.
        const accepted = evidence.missing.map((group) => {
          const names = new Set(group);
          for (const name of group)
            for (const implying of domain.catalog.impliedBy(name)) names.add(implying);
          return [...names].sort();
        });
        const code = evidence.allowed ? undefined : denialCode(evidence);
        const key = {
          redacted: maskKey(secret),
          type: 'install' as const,
          id: principal.key,
          account: principal.account,
          install: principal.install,
          app: principal.app,
          livemode: principal.livemode,
          granted: principal.granted,
          pending,
          narrowedTo: principal.narrowedTo,
          shadowMode: shadow,
        };
        if (options.json) {
          return printJson(io, {
            request,
            key,
            decision: {
              allowed: evidence.allowed,
              outcome,
              ...(code === undefined ? {} : { code }),
              groups: evidence.groups,
              missing: evidence.missing,
              accepted,
            },
          });
        }
        const lines = [
          header(request),
          `  key:       ${key.redacted} — install ${key.install} of ${key.app} on ${key.account} (${mode(key.livemode)} mode)`,
          `  granted:   ${key.granted.join(', ') || '-'}`,
          `  pending:   ${pending.join(', ') || '-'}`,
        ];
        if (key.narrowedTo !== null) lines.push(`  key narrowed to: ${key.narrowedTo.join(', ')}`);
        if (shadow) lines.push('  shadow mode: on (a denial is logged as shadow_denied and forwarded)');
        if (!resolved.available) lines.push('  not available to app keys');
        lines.push(evidence.groups.length === 0 ? '  requires:  nothing' : '  requires all of:');
        evidence.groups.forEach((group, g) => {
          const what =
            group.anyOf.length === 0
              ? '(no permission can)'
              : group.anyOf.length === 1
                ? group.anyOf[0]
                : `any of ${group.anyOf.join(', ')}`;
          const mark = group.satisfied
            ? `✓ ${group.via !== undefined && group.via.length > 1 ? `via ${group.via.join(' → ')}` : `granted ${group.satisfiedBy ?? ''}`}`
            : group.pending !== undefined
              ? `✗ missing — ${group.pending.join(', ')} ${group.pending.length === 1 ? 'is' : 'are'} pending approval`
              : '✗ missing';
          lines.push(`    ${g + 1}. ${what}  — ${group.reason}  ${mark}`);
        });
        if (evidence.allowed) lines.push('  decision:  allowed');
        else {
          lines.push(
            `  decision:  ${outcome === 'shadow_denied' ? 'would be denied (403 ' : 'denied (403 '}${code}); ${
              outcome === 'shadow_denied' ? 'forwarded and logged as shadow_denied' : 'not forwarded'
            }`,
          );
          const needs = accepted
            .map((group) => (group.length === 1 ? group[0] : `one of ${group.join(', ')}`))
            .join('; and ');
          lines.push(`  to allow:  the app needs ${needs}`);
          if (code === 'permission_pending_approval') {
            lines.push(
              `             approve the pending permissions: appscope installs approve ${key.install}`,
            );
          } else {
            lines.push(
              '             request it in the app manifest (appscope grant permission …), release, and approve',
            );
          }
        }
        io.stdout(`${lines.join('\n')}\n`);
      });
    });
}

/** The gateway's code: pending approval when every unmet group has a pending alternative. */
function denialCode(evidence: DecisionEvidence): string {
  const unmet = evidence.groups.filter((group) => !group.satisfied);
  return unmet.length > 0 && unmet.every((group) => group.pending !== undefined)
    ? 'permission_pending_approval'
    : 'more_permissions_required';
}

function header(request: { method: string; path: string; operation: string; route: string }): string {
  return `${request.method} ${request.path}\n  operation: ${request.operation} (${request.route})`;
}

function mode(livemode: boolean): string {
  return livemode ? 'live' : 'test';
}

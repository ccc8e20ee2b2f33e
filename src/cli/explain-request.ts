import type { Command } from 'commander';
import { explainDecision } from '../core/decide.js';
import { parseRequestLine } from '../core/routes/resolve.js';
import { AppscopeError } from '../errors.js';
import { createAuthorizer, type Verdict } from '../gateway/authorize.js';
import { createPrincipalCache } from '../gateway/principal-cache.js';
import type { GlobalOptions } from './context.js';
import { alternatives, routeTableFor } from './endpoints-resolve.js';
import { type CliIo, EXIT_FAILURE, printJson } from './io.js';
import { type StoreOptions, withDomain } from './store-context.js';

interface ExplainOptions {
  key?: string;
  stripeAccount?: string;
  routes?: string;
  data?: string;
  contentType?: string;
  json?: boolean;
}

/**
 * `appscope explain-request --key rk_… "GET /v1/customers?expand[]=data.default_source" [--json]`:
 * the gateway's verdict for this key and request, rendered with its evidence — which granted
 * permission satisfied each group and through which implication, or what is missing and
 * whether it is pending approval. The verdict is the gateway's own (`createAuthorizer`): the
 * same parsing, authentication, access, route and decision, and the same denial code. Works on
 * the local database.
 */
export function registerExplainRequest(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('explain-request')
    .description("explain the gateway's decision for a key and a request, with its evidence")
    .argument('<request>', 'a request line, e.g. "GET /v1/customers?expand[]=data.default_source"')
    .option('--key <key>', 'the API key the app sends (default: APPSCOPE_KEY)')
    .option('--stripe-account <acct>', "for a platform app's secret key: the account it acts on")
    .option('--data <body>', 'the request body of a POST, form-encoded (e.g. "expand[]=customer")')
    .option('--content-type <type>', "the body's Content-Type (default: application/x-www-form-urlencoded)")
    .option('--routes <path>', 'a route table generated for a custom catalog')
    .option('--json', 'print JSON')
    .action(async (line: string, options: ExplainOptions, command: Command) => {
      const globals = command.optsWithGlobals<StoreOptions & GlobalOptions>();
      const secret = options.key ?? io.env['APPSCOPE_KEY'];
      if (secret === undefined || secret === '') {
        throw new AppscopeError('ERR_USAGE', 'pass the key the app sends with --key (or APPSCOPE_KEY)');
      }
      const table = routeTableFor(io, globals, options.routes);
      const { method, target } = parseRequestLine(line);
      const headers: Record<string, string> = { authorization: `Bearer ${secret}` };
      if (options.stripeAccount !== undefined) headers['stripe-account'] = options.stripeAccount;
      const body = options.data === undefined ? undefined : Buffer.from(options.data, 'utf8');
      if (body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/x-www-form-urlencoded';
        headers['content-length'] = String(body.length);
      }
      await withDomain(io, globals, async (domain) => {
        const principals = createPrincipalCache(domain);
        let verdict: Verdict;
        try {
          verdict = await createAuthorizer({ routes: table, catalog: table.catalog, principals }).authorize(
            { method: method.toUpperCase(), target, headers, body },
            'req_explain',
          );
        } finally {
          principals.close();
        }
        render(io, verdict, method.toUpperCase(), target, domain.catalog, options.json === true, setExit);
      });
    });
}

/** Renders the gateway's verdict, as text or JSON. */
function render(
  io: CliIo,
  verdict: Verdict,
  method: string,
  target: string,
  catalog: Parameters<typeof explainDecision>[0],
  json: boolean,
  setExit: (code: number) => void,
): void {
  const resolved = verdict.resolved;
  const request = {
    method: resolved?.method ?? method,
    path: resolved?.path ?? target.split('?')[0]!,
    route: resolved?.route ?? null,
    operation: resolved?.operation ?? null,
    available: resolved?.available ?? null,
    expand: resolved?.expand ?? [],
  };
  const principal = verdict.principal;
  const access = verdict.access;
  const key =
    principal === undefined
      ? { redacted: verdict.keyHint, authenticated: false }
      : access?.kind === 'install'
        ? {
            redacted: verdict.keyHint,
            type: 'install' as const,
            ...(access.via === 'platform' ? { via: 'platform' as const } : {}),
            id: access.principal.key,
            account: access.principal.account,
            install: access.principal.install,
            app: access.principal.app,
            livemode: access.principal.livemode,
            granted: access.principal.granted,
            pending: access.principal.pending,
            narrowedTo: access.principal.narrowedTo,
            shadowMode: access.principal.shadowMode,
          }
        : {
            redacted: verdict.keyHint,
            type: principal.type,
            ...(principal.type === 'app' ? { app: principal.app } : { account: principal.account }),
            livemode: principal.livemode,
          };
  const head = `${request.method} ${request.path}${request.operation === null ? '' : `\n  operation: ${request.operation} (${request.route})`}`;

  // refused before any decision: the answer the gateway gives, as it gives it
  if (verdict.outcome === 'denied' && verdict.stage !== 'decision') {
    setExit(EXIT_FAILURE);
    const error = verdict.error!;
    const body = error.toJSON().error as { code?: string; message: string };
    if (json) {
      printJson(io, {
        request,
        key,
        decision: {
          allowed: false,
          outcome: 'denied',
          stage: verdict.stage,
          status: error.status,
          ...(body.code === undefined ? {} : { code: body.code }),
          message: body.message,
        },
      });
      return;
    }
    const who = verdict.keyHint === '' ? '' : `\n  key:       ${verdict.keyHint}`;
    io.stdout(
      `${head}${who}\n  decision:  refused (${error.status}${body.code === undefined ? '' : ` ${body.code}`}): ${body.message}\n`,
    );
    return;
  }

  if (access?.kind !== 'install' || verdict.decision === undefined) {
    const message = "an account's secret key has full access to its own account's data";
    if (json) {
      printJson(io, { request, key, decision: { allowed: true, outcome: 'allowed', message } });
      return;
    }
    io.stdout(
      `${head}\n  key:       ${verdict.keyHint} — secret key of ${verdict.account} (${mode(verdict.livemode)} mode)\n  decision:  allowed: ${message}\n`,
    );
    return;
  }

  const install = access.principal;
  const evidence = explainDecision(catalog, install.granted, verdict.decision, install.pending);
  const denial = verdict.denial;
  // the denial's own groups: every accepted alternative, and the pending ones that would allow it
  const required = denial?.required ?? [];
  let unmet = 0;
  const groups = evidence.groups.map((group) => {
    if (group.satisfied) return group;
    const pending = required[unmet++]?.pending;
    const { pending: _, ...rest } = group;
    return pending === undefined ? rest : { ...rest, pending };
  });
  const accepted = required.map((group) => group.any_of);
  const code = denial?.code;
  const outcome = verdict.outcome;
  if (json) {
    printJson(io, {
      request,
      key,
      decision: {
        allowed: outcome === 'allowed',
        outcome,
        ...(code === undefined ? {} : { code }),
        groups,
        missing: evidence.missing,
        accepted,
      },
    });
    return;
  }
  const lines = [
    head,
    `  key:       ${verdict.keyHint} — install ${install.install} of ${install.app} on ${install.account} (${mode(install.livemode)} mode)`,
    `  granted:   ${install.granted.join(', ') || '-'}`,
    `  pending:   ${install.pending.join(', ') || '-'}`,
  ];
  if (install.narrowedTo !== null) lines.push(`  key narrowed to: ${install.narrowedTo.join(', ')}`);
  if (install.shadowMode) lines.push('  shadow mode: on (a denial is logged as shadow_denied and forwarded)');
  if (resolved !== undefined && !resolved.available) lines.push('  not available to app keys');
  lines.push(groups.length === 0 ? '  requires:  nothing' : '  requires all of:');
  groups.forEach((group, g) => {
    const what = alternatives(group.anyOf);
    const pending = 'pending' in group ? group.pending : undefined;
    const mark = group.satisfied
      ? `✓ ${group.via !== undefined && group.via.length > 1 ? `via ${group.via.join(' → ')}` : `granted ${group.satisfiedBy ?? ''}`}`
      : pending !== undefined
        ? `✗ missing — ${pending.join(', ')} ${pending.length === 1 ? 'is' : 'are'} pending approval`
        : '✗ missing';
    lines.push(`    ${g + 1}. ${what}  — ${group.reason}  ${mark}`);
  });
  if (outcome === 'allowed') lines.push('  decision:  allowed');
  else {
    lines.push(
      `  decision:  ${outcome === 'shadow_denied' ? 'would be denied (403 ' : 'denied (403 '}${code}); ${
        outcome === 'shadow_denied' ? 'forwarded and logged as shadow_denied' : 'not forwarded'
      }`,
    );
    if (code === 'not_available_to_apps') {
      lines.push('  to allow:  no permission an app can request allows this request');
    } else {
      const needs = accepted
        .map((group) => (group.length === 1 ? group[0] : `one of ${group.join(', ')}`))
        .join('; and ');
      lines.push(`  to allow:  the app needs ${needs}`);
      if (code === 'permission_pending_approval') {
        lines.push(
          `             approve the pending permissions: appscope installs approve ${install.install}`,
        );
      } else {
        lines.push(
          '             request it in the app manifest (appscope grant permission …), release, and approve',
        );
      }
    }
  }
  io.stdout(`${lines.join('\n')}\n`);
}

function mode(livemode: boolean): string {
  return livemode ? 'live' : 'test';
}

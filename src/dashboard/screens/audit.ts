import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../domain/actor.js';
import { type AuditEntry, listAudit, verifyAudit } from '../../domain/audit.js';
import type { Domain } from '../../domain/context.js';
import { type Html, html } from '../html.js';
import { type DashboardDeps, page } from '../kit.js';
import { formatUtc } from '../layout.js';

/**
 * Audit log: who changed what on this account (installs, approvals, keys, users), newest
 * first, and whether the whole hash chain still verifies.
 */

/** How far back the page looks: the latest 3,000 rows of the whole log. */
const LOOK_BACK = 3000;
const SHOWN = 200;

type Obj = Record<string, unknown> | null;

function obj(value: unknown): Obj {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** True when an entry concerns `account`: made by it, or about one of its objects. */
export function concernsAccount(entry: AuditEntry, account: string): boolean {
  const actor = entry.actor as Actor;
  if (actor.type !== 'operator' && actor.account === account) return true;
  if (entry.target.type === 'account' && entry.target.id === account) return true;
  for (const side of [obj(entry.before), obj(entry.after)]) {
    if (side === null) continue;
    if (side['account'] === account || side['owner'] === account) return true;
  }
  return false;
}

function who(actor: Actor): Html {
  if (actor.type === 'user')
    return html`${actor.email} <span class="small muted">(${actor.role.replace('_', ' ')})</span>`;
  if (actor.type === 'account_key') return html`secret key <code>${actor.key}</code>`;
  if (actor.type === 'app') return html`app <code>${actor.app}</code>`;
  return html`operator${actor.name === undefined ? '' : html` <code>${actor.name}</code>`}`;
}

function list(items: readonly string[]): Html {
  return html`${items.map((n, i) => html`${i > 0 ? ', ' : ''}<code>${n}</code>`)}`;
}

/** Why an OAuth token family was revoked, as the audit screen says it. */
const OAUTH_REVOKE_REASONS: Readonly<Record<string, string>> = Object.freeze({
  'install.uninstalled': 'the app was uninstalled',
  revoked_by_admin: 'an admin revoked its access',
  revoked_by_client: 'the app revoked its refresh token',
  refresh_token_reused: 'a refresh token was used twice (possible theft)',
  authorization_code_reused: 'an authorization code was used twice (possible theft)',
});

/** A sentence for what an entry changed. */
function what(entry: AuditEntry): Html {
  const before = obj(entry.before);
  const after = obj(entry.after);
  switch (entry.action) {
    case 'install.created':
      return html`Installed <code>${String(after?.['app'] ?? '')}</code> granting ${list(names(after?.['permissions_granted']))}`;
    case 'install.reauthorized': {
      const had = new Set(names(before?.['permissions_granted']));
      return html`Approved new permissions for <code>${String(after?.['app'] ?? '')}</code>: ${list(names(after?.['permissions_granted']).filter((n) => !had.has(n)))}`;
    }
    case 'install.upgraded': {
      const pending = names(after?.['permissions_pending']);
      const kept = new Set([...names(after?.['permissions_granted']), ...pending]);
      const removed = names(before?.['permissions_granted']).filter((n) => !kept.has(n));
      return html`Release ${String(after?.['version'] ?? '')} of <code>${String(after?.['app'] ?? '')}</code>${pending.length > 0 ? html`; waiting for approval: ${list(pending)}` : ''}${removed.length > 0 ? html`; removed: ${list(removed)}` : ''}`;
    }
    case 'install.uninstalled':
      return html`Uninstalled <code>${String(after?.['app'] ?? '')}</code>${Array.isArray(after?.['keys_revoked']) ? html` and revoked ${(after['keys_revoked'] as unknown[]).length} key(s)` : ''}${Array.isArray(after?.['oauth_grants_revoked']) ? html` and ${(after['oauth_grants_revoked'] as unknown[]).length} OAuth authorization(s)` : ''}${after?.['reason'] === undefined ? '' : html` (${String(after['reason'])})`}${Array.isArray(after?.['secrets_deleted']) && after['secrets_deleted'].length > 0 ? html`; deleted ${(after['secrets_deleted'] as unknown[]).length} secret(s)` : ''}`;
    case 'app_secret.created':
    case 'app_secret.updated':
    case 'app_secret.deleted': {
      const secret = after ?? before;
      const scope = obj(secret?.['scope']);
      const verb =
        entry.action === 'app_secret.created'
          ? 'Stored'
          : entry.action === 'app_secret.updated'
            ? 'Replaced'
            : 'Deleted';
      return html`${verb} secret <code>${String(secret?.['name'] ?? '')}</code> (${scope?.['type'] === 'user' ? html`user <code>${String(scope['user'] ?? '')}</code>` : 'account'} scope) of <code>${String(secret?.['app'] ?? '')}</code>${secret?.['reason'] === 'install.uninstalled' ? ' on uninstall' : ''}`;
    }
    case 'install.shadow_mode_set':
      return html`Turned shadow mode ${after?.['shadow_mode'] === true ? 'on' : 'off'} for <code>${String(after?.['app'] ?? '')}</code>`;
    case 'key.created': {
      const narrowed = names(after?.['permissions']);
      return html`Created key <code>${String(after?.['redacted'] ?? '')}</code>${narrowed.length > 0 ? html` narrowed to ${list(narrowed)}` : ''}`;
    }
    case 'key.rolled':
      return html`Rolled key <code>${String(after?.['redacted'] ?? '')}</code>`;
    case 'key.revoked':
      return html`Revoked key <code>${String(after?.['redacted'] ?? before?.['redacted'] ?? '')}</code>`;
    case 'key.expiry_set':
      return html`Changed the expiry of key <code>${String(after?.['redacted'] ?? '')}</code>`;
    case 'user.created':
      return html`Added dashboard user ${String(after?.['email'] ?? '')} (${String(after?.['role'] ?? '').replace('_', ' ')})`;
    case 'user_link.created':
      return after?.['kind'] === 'reset'
        ? html`Made a password-reset link for ${String(after?.['email'] ?? '')}`
        : html`Invited ${String(after?.['email'] ?? '')} (${String(after?.['role'] ?? '').replace('_', ' ')})`;
    case 'user_link.revoked':
      return html`Cancelled the ${after?.['kind'] === 'reset' ? 'password-reset' : 'invite'} link for ${String(after?.['email'] ?? '')}`;
    case 'user.invite_accepted':
      return html`Joined through an invite as ${String(after?.['email'] ?? '')} (${String(after?.['role'] ?? '').replace('_', ' ')})`;
    case 'user.password_reset':
      return html`Set a new password with a reset link; ${String(after?.['sessions_ended'] ?? 0)} session(s) ended`;
    case 'user.role_changed':
      return html`Changed the role of ${String(after?.['email'] ?? '')} from ${String(before?.['role'] ?? '').replace('_', ' ')} to ${String(after?.['role'] ?? '').replace('_', ' ')}`;
    case 'user.removed':
      return html`Removed dashboard user ${String(before?.['email'] ?? '')} (${String(before?.['role'] ?? '').replace('_', ' ')})`;
    case 'app_version.uploaded':
      return html`Uploaded version ${String(after?.['version'] ?? '')} of <code>${String(after?.['app'] ?? '')}</code>`;
    case 'app_version.released':
      return html`Released version ${String(after?.['current_version'] ?? '')} of <code>${String(after?.['id'] ?? '')}</code>`;
    case 'account.created':
      return html`Created the account`;
    case 'oauth.authorized':
      return html`Approved the install link of <code>${String(after?.['app'] ?? '')}</code> (${String(after?.['mode'] ?? '')} mode), sending a one-time code to <code>${String(after?.['redirect_uri'] ?? '')}</code>`;
    case 'oauth_grant.created':
      return html`<code>${String(after?.['app'] ?? '')}</code> exchanged its code for OAuth tokens (${after?.['client'] === 'public' ? 'public client with PKCE' : 'with the developer’s secret key'})`;
    case 'oauth_grant.revoked':
      return html`Revoked OAuth tokens of <code>${String(after?.['app'] ?? '')}</code>: ${OAUTH_REVOKE_REASONS[String(after?.['reason'])] ?? String(after?.['reason'] ?? '')}`;
    case 'oauth_token.revoked':
      return html`<code>${String(after?.['app'] ?? '')}</code> revoked one of its OAuth access tokens`;
    default:
      return html`<code>${entry.action}</code>`;
  }
}

async function recentEntries(domain: Domain, total: number): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let after = Math.max(0, total - LOOK_BACK);
  for (let pages = 0; pages < 10; pages++) {
    const rows = await listAudit(domain, { afterSeq: after, limit: 1000 });
    out.push(...rows);
    if (rows.length < 1000) break;
    after = rows.at(-1)!.seq;
  }
  return out;
}

/** `GET /dashboard/audit`. */
export function registerAudit(app: FastifyInstance, deps: DashboardDeps): void {
  page(app, deps, '/audit', async (_request, _reply, { session }) => {
    const verification = await verifyAudit(deps.domain);
    const entries = (await recentEntries(deps.domain, verification.rows))
      .filter((entry) => concernsAccount(entry, session.user.account))
      .reverse()
      .slice(0, SHOWN);
    const body = html`<div class="page-head"><div><h1>Audit log</h1><p class="subtitle">Who changed what on this account, newest first</p></div></div>
${
  verification.ok
    ? html`<div class="callout ok" role="status" data-audit="verified"><div><p><strong>The audit log verifies.</strong> All ${verification.rows} entries are intact and chained; the chain ends in <code>${verification.head.slice(0, 16)}…</code>.</p></div></div>`
    : html`<div class="callout error" role="alert" data-audit="broken"><div><p><strong>The audit log does not verify.</strong> ${verification.message} (first bad entry: ${verification.firstBrokenSeq}). Entries from there on cannot be trusted; tell your operator.</p></div></div>`
}
${
  entries.length === 0
    ? html`<p class="muted">Nothing has changed on this account yet.</p>`
    : html`<div class="table-wrap"><table>
  <thead><tr><th scope="col">#</th><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Object</th></tr></thead>
  <tbody>${entries.map(
    (e) =>
      html`<tr><td>${e.seq}</td><td>${formatUtc(new Date(e.at)).replace(' UTC', '')}</td><td>${who(e.actor)}</td><td>${what(e)}</td><td><code>${e.target.id}</code></td></tr>`,
  )}</tbody>
</table></div>${entries.length === SHOWN ? html`<p class="small muted">The latest ${SHOWN} entries; the full log is in <code>appscope audit list</code>.</p>` : ''}`
}`;
    return { title: 'Audit log', section: 'audit', body };
  });
}

import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../core/catalog/catalog.js';
import { listAudit } from '../../domain/audit.js';
import type { Domain } from '../../domain/context.js';
import { getInstall, reauthorizeInstall } from '../../domain/installs.js';
import type { Install } from '../../domain/objects.js';
import type { Session } from '../../domain/sessions.js';
import { isAppscopeError } from '../../errors.js';
import { appIcon, appName, loadAppInfo, purposesOf } from '../app-info.js';
import { dashboardPath, type Html, html } from '../html.js';
import { action, type DashboardDeps, type PageResult, page, param } from '../kit.js';
import { timeTag } from '../layout.js';
import { nameChips, permissionGroups } from '../permissions-view.js';

/**
 * Review permissions (`/dashboard/installs/:install/review`): after a release that asks for
 * more, what is new (with the app's purposes), what the release already removed, and what
 * changes in effective access — then Approve, which passes the pending set the admin saw so
 * that a newer release in between is refused instead of approved unseen.
 */
export function registerReview(app: FastifyInstance, deps: DashboardDeps): void {
  page(app, deps, '/installs/:install/review', async (request, _reply, { session }) => {
    const install = await getInstall(deps.domain, {
      actor: session.actor,
      install: param(request, 'install'),
    });
    return reviewPage(deps, session, install);
  });

  action(app, deps, '/installs/:install/review', 'admin', async (request, reply, { session }, form) => {
    const id = param(request, 'install');
    try {
      const install = await reauthorizeInstall(deps.domain, {
        actor: session.actor,
        install: id,
        expectedPending: form.all('expected'),
      });
      return reply.redirect(`${dashboardPath('installs', install.id)}?notice=approved`, 303);
    } catch (error) {
      if (!isAppscopeError(error, 'ERR_CONSENT_STALE')) throw error;
      const install = await getInstall(deps.domain, { actor: session.actor, install: id });
      return reviewPage(deps, session, install, {
        status: 409,
        error:
          'The app released another version while you were reviewing, and the permissions waiting for approval changed. Nothing was approved. Review the new request below.',
      });
    }
  });
}

/** What the latest release took away from an install's grant, from the audit log. */
interface LastUpgrade {
  readonly at: string;
  readonly version: string | undefined;
  readonly grantedBefore: readonly string[];
  readonly removed: readonly string[];
}

async function lastUpgrade(domain: Domain, install: Install): Promise<LastUpgrade | undefined> {
  const entries = await listAudit(domain, { targetId: install.id, limit: 1000 });
  const entry = entries.filter((e) => e.action === 'install.upgraded').at(-1);
  if (entry === undefined) return undefined;
  const before = entry.before as { permissions_granted?: string[] } | null;
  const after = entry.after as {
    permissions_granted?: string[];
    permissions_pending?: string[];
    version?: string;
  } | null;
  const grantedBefore = before?.permissions_granted ?? [];
  const kept = new Set([...(after?.permissions_granted ?? []), ...(after?.permissions_pending ?? [])]);
  return {
    at: entry.at,
    version: after?.version,
    grantedBefore,
    removed: grantedBefore.filter((name) => !kept.has(name)),
  };
}

async function reviewPage(
  deps: DashboardDeps,
  session: Session,
  install: Install,
  problem?: { readonly status: number; readonly error: string },
): Promise<PageResult> {
  const { catalog } = deps;
  const info = await loadAppInfo(deps.domain, session.actor, install.app);
  const name = appName(info, install.app);
  const purposes = purposesOf(info.version);
  const granted = install.permissions_granted;
  const pending = install.permissions_pending;
  const upgrade = await lastUpgrade(deps.domain, install);
  const now = catalog.closure(granted);
  const newlyAllowed = catalog.names(catalog.closure([...granted, ...pending]).difference(now));
  const noLongerAllowed =
    upgrade === undefined ? [] : catalog.names(catalog.closure(upgrade.grantedBefore).difference(now));
  const admin = session.user.role === 'admin';
  if (pending.length === 0 && problem === undefined) {
    return {
      title: `Review ${name}`,
      section: 'apps',
      body: html`<h1>Review permissions: ${name}</h1>
<div class="callout ok" role="status"><div><p>Nothing is waiting for review: ${name} has every permission its current version requests.</p></div><a class="button small" href="${dashboardPath('installs', install.id)}">Back to the install</a></div>`,
    };
  }
  const body = html`<div class="app-head">
  ${appIcon(install.app)}
  <div>
    <h1>Review permissions: ${name}</h1>
    <p class="subtitle">Version ${info.app?.current_version ?? '?'} asks for more access on your account in ${install.livemode ? 'live' : 'test'} mode${upgrade === undefined ? '' : html` (released ${timeTag(Math.floor(Date.parse(upgrade.at) / 1000))})`}.</p>
  </div>
</div>
${problem === undefined ? '' : html`<div class="callout error" role="alert"><p>${problem.error}</p></div>`}
${pendingPermissions(catalog, install, purposes)}
<section class="card" aria-labelledby="removed-title">
  <h2 id="removed-title">Removed</h2>
  ${
    upgrade === undefined || upgrade.removed.length === 0
      ? html`<p class="muted">The new version requests nothing less than before.</p>`
      : html`<p class="small">The new version no longer requests these; they were removed from the grant when it was released.</p>
  ${permissionGroups(
    catalog,
    upgrade.removed.map((n) => ({ name: n, change: 'removed' as const })),
    { implications: false },
  )}`
  }
</section>
<section class="card" aria-labelledby="effective-title">
  <h2 id="effective-title">What changes in effective access</h2>
  <div class="grid-2">
    <div>
      <h3>Newly allowed if you approve (${newlyAllowed.length})</h3>
      <p class="small muted">The new permissions and everything they imply that the app cannot do today.</p>
      ${newlyAllowed.length === 0 ? html`<p class="muted">Nothing.</p>` : nameChips(newlyAllowed, 'Newly allowed')}
    </div>
    <div>
      <h3>No longer allowed since the release (${noLongerAllowed.length})</h3>
      <p class="small muted">Already in effect; approving does not change it.</p>
      ${noLongerAllowed.length === 0 ? html`<p class="muted">Nothing.</p>` : nameChips(noLongerAllowed, 'No longer allowed')}
    </div>
  </div>
  <details><summary>Unchanged: ${granted.length} permission${granted.length === 1 ? '' : 's'} stay granted</summary>${nameChips(granted, 'Still granted')}</details>
</section>
${
  admin
    ? html`<form method="post" action="${dashboardPath('installs', install.id, 'review')}" class="card">
  <input type="hidden" name="csrf" value="${session.csrfToken}">
  ${pending.map((n) => html`<input type="hidden" name="expected" value="${n}">`)}
  <p>Approving grants all ${pending.length} new permission${pending.length === 1 ? '' : 's'}; there is no partial approval. Not ready? The app keeps working with what it has.</p>
  <div class="actions-row">
    <button type="submit" class="primary">Approve new permissions</button>
    <a class="button" href="${dashboardPath('installs', install.id)}">Not now</a>
  </div>
</form>`
    : html`<div class="callout info"><div><p>Only an admin of this account can approve new permissions. You have the ${session.user.role === 'developer' ? 'developer' : 'view only'} role.</p></div><a class="button small" href="${dashboardPath('installs', install.id)}">Back to the install</a></div>`
}`;
  return { status: problem?.status ?? 200, title: `Review ${name}`, section: 'apps', body, reminder: false };
}

/**
 * The pending wording: the app already runs its new version with what was approved before, and
 * the permissions it added wait for approval (grouped, with the app's purposes). Shared by Review
 * permissions and the OAuth install link's consent.
 * @example
 * html`${pendingPermissions(deps.catalog, install, purposesOf(info.version))}`
 */
export function pendingPermissions(
  catalog: Catalog,
  install: Pick<Install, 'permissions_granted' | 'permissions_pending'>,
  purposes: ReadonlyMap<string, string>,
): Html {
  const granted = install.permissions_granted;
  const pending = install.permissions_pending;
  return html`<div class="callout info"><div><p>The app already runs the new version with what you approved before. Until the new permissions are approved, calls that need them are refused.</p></div></div>
<section class="card" aria-labelledby="added-title">
  <h2 id="added-title">Added: ${pending.length} new permission${pending.length === 1 ? '' : 's'} to approve</h2>
  ${permissionGroups(
    catalog,
    pending.map((name) => ({
      name,
      change: 'added' as const,
      ...(purposes.has(name) ? { purpose: purposes.get(name)! } : {}),
    })),
    { requested: new Set([...granted, ...pending]) },
  )}
</section>`;
}

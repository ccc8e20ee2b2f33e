import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../core/catalog/catalog.js';
import { getAppDeveloper } from '../../domain/apps.js';
import { installApp, listInstalls } from '../../domain/installs.js';
import type { App, AppVersion } from '../../domain/objects.js';
import type { Session } from '../../domain/sessions.js';
import { isAppscopeError } from '../../errors.js';
import { type AppInfo, accessTypeText, appIcon, loadAppInfo } from '../app-info.js';
import { dashboardPath, type Html, html, query } from '../html.js';
import { keyOnce } from '../key-once.js';
import { action, type DashboardDeps, type PageResult, page, param } from '../kit.js';
import { nameChips, permissionGroups } from '../permissions-view.js';

/**
 * Install consent (`/dashboard/apps/:app/install`): what the app is and who made it, every
 * permission it requests with its purpose, grouped by resource and marked read or write, what
 * each also allows, companion notes, and one all-or-nothing Approve (admins only). Approving
 * passes the list the admin saw, so a release in between is refused instead of granted unseen;
 * a restricted-key app's first key is shown once.
 */
export function registerConsent(app: FastifyInstance, deps: DashboardDeps): void {
  page(app, deps, '/apps/:app/install', async (request, reply, { session }) => {
    const id = param(request, 'app');
    const info = await loadAppInfo(deps.domain, session.actor, id);
    if (info.app === undefined) {
      return reply.redirect(`/dashboard/apps${query({ app: id, error: 'no_app' })}#add-title`, 303);
    }
    return consentPage(deps, session, info);
  });

  action(app, deps, '/apps/:app/install', 'admin', async (request, reply, { session }, form) => {
    const id = param(request, 'app');
    const expected = form.all('expected');
    try {
      const { install, key } = await installApp(deps.domain, {
        actor: session.actor,
        app: id,
        expectedPermissions: expected,
      });
      const info = await loadAppInfo(deps.domain, session.actor, id);
      const name = info.app?.name ?? id;
      if (key === undefined) {
        return reply.redirect(`${dashboardPath('installs', install.id)}?notice=installed`, 303);
      }
      return {
        status: 201,
        title: `${name} installed`,
        section: 'apps',
        body: html`<div class="callout ok" role="status"><div><p><strong>${name} is installed</strong> in ${install.livemode ? 'live' : 'test'} mode with the ${install.permissions_granted.length} permission${install.permissions_granted.length === 1 ? '' : 's'} you approved.</p></div></div>
${keyOnce({
  heading: 'The app’s key',
  intro: html`<p>${name} calls the API with this restricted key. Give it to the app (for example in its settings); every call it makes is checked against the permissions you approved.</p>`,
  key,
})}`,
      };
    } catch (error) {
      if (isAppscopeError(error, 'ERR_CONSENT_STALE') || isAppscopeError(error, 'ERR_ALREADY_INSTALLED')) {
        const info = await loadAppInfo(deps.domain, session.actor, id);
        if (info.app === undefined) throw error;
        const message = isAppscopeError(error, 'ERR_CONSENT_STALE')
          ? 'The app released a new version while you were reviewing it, and it now requests something else. Nothing was installed. Review the new request below.'
          : 'This app is already installed in this mode. Nothing changed.';
        return consentPage(deps, session, info, { status: 409, error: message });
      }
      throw error;
    }
  });
}

async function consentPage(
  deps: DashboardDeps,
  session: Session,
  info: AppInfo,
  problem?: { readonly status: number; readonly error: string },
): Promise<PageResult> {
  const app = info.app!;
  const version = info.version;
  const { catalog } = deps;
  if (version === undefined) {
    return {
      status: 409,
      title: app.name,
      section: 'apps',
      body: html`<h1>${app.name}</h1><div class="callout warn"><p>This app has no released version yet, so there is nothing to install.</p></div><p><a href="/dashboard/apps">Back to apps</a></p>`,
    };
  }
  const existing = await listInstalls(deps.domain, {
    actor: session.actor,
    app: app.id,
    status: 'installed',
    limit: 1,
  });
  const installed = existing.data[0];
  const developer = await getAppDeveloper(deps.domain, { actor: session.actor, app: app.id });
  const requested = version.permissions.map((p) => p.permission);
  const isAdmin = session.user.role === 'admin';
  const mode = session.mode;
  const body = html`<div class="app-head">
  ${appIcon(app.id)}
  <div>
    <h1>Install ${app.name}?</h1>
    <p class="subtitle">By <strong>${developer.name}</strong>. Review what this app can do on your account in <strong>${mode} mode</strong>.</p>
  </div>
</div>
${appFacts({ app, version, developer, account: session.user.account })}
${problem === undefined ? '' : html`<div class="callout error" role="alert"><p>${problem.error}</p></div>`}
${
  app.stripe_api_access_type === 'oauth'
    ? html`<div class="callout info"><div><p>${app.name} connects through OAuth: installing it here grants the permissions, but the app gets access only when someone follows its install link (a “Connect” button on the app’s website) and approves there.</p></div></div>`
    : ''
}
${
  installed === undefined
    ? ''
    : html`<div class="callout info" role="status"><div><p>${app.name} is already installed in ${mode} mode.</p></div><a class="button small" href="${dashboardPath('installs', installed.id)}">Manage the install</a></div>`
}
${requestedPermissions(catalog, app, version)}
${
  installed !== undefined
    ? html`<p><a href="/dashboard/apps">Back to apps</a></p>`
    : isAdmin
      ? html`<form method="post" action="${dashboardPath('apps', app.id, 'install')}" class="card">
  <input type="hidden" name="csrf" value="${session.csrfToken}">
  ${requested.map((name) => html`<input type="hidden" name="expected" value="${name}">`)}
  <p>You can uninstall the app or revoke its keys at any time.</p>
  <div class="actions-row">
    <button type="submit" class="primary">Approve and install</button>
    <a class="button" href="/dashboard/apps">Cancel</a>
  </div>
</form>`
      : html`<div class="callout info"><div><p>Only an admin of this account can approve an install. You have the ${session.user.role === 'developer' ? 'developer' : 'view only'} role; ask an admin to open this page.</p></div><a class="button small" href="/dashboard/apps">Back to apps</a></div>`
}`;
  return {
    status: problem?.status ?? 200,
    title: `Install ${app.name}`,
    section: 'apps',
    body: body as Html,
  };
}

/** Input of {@link appFacts}. */
export interface AppFactsInput {
  readonly app: App;
  readonly version: AppVersion;
  readonly developer: { readonly name: string };
  /** The account looking (the developer line says "your account" when it owns the app). */
  readonly account: string;
}

/**
 * The facts a consent screen starts with: the app, who made it, the version, and how it calls
 * the API. Shared by install consent and the OAuth install link's consent.
 * @example
 * html`${appFacts({ app, version, developer, account: session.user.account })}`
 */
export function appFacts(input: AppFactsInput): Html {
  const { app, version, developer } = input;
  return html`<dl class="facts card">
  <dt>App</dt><dd>${app.name} (<code>${app.id}</code>)</dd>
  <dt>Developer</dt><dd><strong>${developer.name}</strong> <span class="small muted">(<code>${app.owner}</code>)</span>${app.owner === input.account ? ' (your account)' : ''}</dd>
  <dt>Version</dt><dd>${version.version}</dd>
  <dt>API access</dt><dd>${accessTypeText(app.stripe_api_access_type).sentence}</dd>
</dl>`;
}

/**
 * What a version requests, as an admin decides on it: every permission grouped by resource with
 * the app's purpose, the total with what they imply, and the outside connections of the app's
 * screens. Shared by install consent and the OAuth install link's consent.
 * @example
 * html`${requestedPermissions(deps.catalog, app, version)}`
 */
export function requestedPermissions(catalog: Catalog, app: App, version: AppVersion): Html {
  const requested = version.permissions.map((p) => p.permission);
  const requestedSet = new Set(requested);
  const effective = catalog.names(catalog.closure(requested));
  const extra = effective.filter((name) => !requestedSet.has(name));
  const csp = version.manifest.ui_extension?.content_security_policy;
  const connect = csp?.['connect-src'] ?? [];
  const images = csp?.['image-src'] ?? [];
  return html`<section class="card" aria-labelledby="requested-title">
  <h2 id="requested-title">${app.name} requests ${requested.length} permission${requested.length === 1 ? '' : 's'}</h2>
  <p class="small muted">Approving grants all of them; there is no partial approval. The reasons in the blue boxes are the app developer’s own words.</p>
  ${permissionGroups(
    catalog,
    version.permissions.map((p) => ({ name: p.permission, purpose: p.purpose })),
    { requested: requestedSet },
  )}
</section>
<section class="card" aria-labelledby="total-title">
  <h2 id="total-title">In total</h2>
  <p>Approving gives ${app.name} access covered by <strong>${effective.length} permission${effective.length === 1 ? '' : 's'}</strong>: the ${requested.length} requested${extra.length === 0 ? '' : html` and ${extra.length} more that they imply`}.</p>
  ${extra.length === 0 ? '' : html`<details><summary>Show the ${extra.length} implied permission${extra.length === 1 ? '' : 's'}</summary>${nameChips(extra, 'Implied permissions')}</details>`}
  ${
    connect.length === 0 && images.length === 0
      ? ''
      : html`<h3>Outside connections</h3>
  <p class="small">The app’s screens may connect to: ${[...connect, ...images].map((u, i) => html`${i > 0 ? ', ' : ''}<code>${u}</code>`)}</p>
  ${csp?.purpose === undefined ? '' : html`<p class="purpose"><span class="label">Why the app asks</span>${csp.purpose}</p>`}`
  }
</section>`;
}

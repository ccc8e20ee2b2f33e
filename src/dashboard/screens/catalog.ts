import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../domain/actor.js';
import { type CatalogEntry, listCatalog } from '../../domain/apps.js';
import { listInstalls } from '../../domain/installs.js';
import type { Install } from '../../domain/objects.js';
import { accessTypeText, appIcon } from '../app-info.js';
import { readQuery } from '../form.js';
import { dashboardPath, type Html, html, query } from '../html.js';
import { type DashboardDeps, page } from '../kit.js';

/**
 * The app catalogue (`/dashboard/catalog`): every public app with a released version, with its
 * developer's name, its version and each permission it requests with the developer's reason;
 * which ones are installed in the session's mode; and a way into the consent screen, which is
 * where installing happens (admins approve there). 24 apps a page, in id order.
 */

const PAGE_SIZE = 24;

export function registerCatalog(app: FastifyInstance, deps: DashboardDeps): void {
  page(app, deps, '/catalog', async (request, _reply, { session }) => {
    const actor = session.actor;
    const after = readQuery(request).get('starting_after');
    const catalog = await listCatalog(deps.domain, {
      actor,
      limit: PAGE_SIZE,
      ...(after === undefined || after === '' ? {} : { startingAfter: after }),
    });
    const installed = await installedApps(deps, actor);
    const last = catalog.data.at(-1)?.app.id;
    const body = html`<div class="page-head">
  <div><h1>App catalogue</h1><p class="subtitle">Public apps you can install on this account. Installing shows you everything an app asks for first.</p></div>
</div>
${
  catalog.data.length === 0
    ? html`<p class="muted">${after === undefined ? 'No public apps are released yet.' : 'No more apps.'}</p>`
    : html`<ul class="install-list catalog-list">${catalog.data.map((entry) => catalogItem(entry, installed.get(entry.app.id), session.mode))}</ul>`
}
<p class="actions-row">${after === undefined ? '' : html`<a class="button" href="/dashboard/catalog">First page</a>`}${
      catalog.has_more && last !== undefined
        ? html`<a class="button" href="/dashboard/catalog${query({ starting_after: last })}">More apps</a>`
        : ''
    }</p>`;
    return { title: 'App catalogue', body, section: 'catalog' };
  });
}

/** The session's installed apps (its mode), by app id. */
async function installedApps(deps: DashboardDeps, actor: Actor): Promise<Map<string, Install>> {
  const byApp = new Map<string, Install>();
  let startingAfter: string | undefined;
  for (let pages = 0; pages < 10; pages++) {
    const result = await listInstalls(deps.domain, {
      actor,
      status: 'installed',
      limit: 100,
      ...(startingAfter === undefined ? {} : { startingAfter }),
    });
    for (const install of result.data) byApp.set(install.app, install);
    if (!result.has_more) break;
    startingAfter = result.data.at(-1)?.id;
  }
  return byApp;
}

function catalogItem(entry: CatalogEntry, install: Install | undefined, mode: string): Html {
  const { app, version, developer } = entry;
  const count = version.permissions.length;
  return html`<li class="install-item" data-app="${app.id}">
  ${appIcon(app.id, 'small')}
  <div>
    <h2>${app.name}</h2>
    <p class="meta">by <strong>${developer.name}</strong> · <code>${app.id}</code> · version ${version.version}</p>
    <p class="kv">${install === undefined ? '' : html`<span class="badge installed">Installed</span> `}<span class="badge neutral">${accessTypeText(app.stripe_api_access_type).badge}</span></p>
    <details>
      <summary>Requests ${count} permission${count === 1 ? '' : 's'}</summary>
      <ul class="catalog-permissions">${version.permissions.map(
        (p) =>
          html`<li data-permission="${p.permission}"><code>${p.permission}</code> — <span class="purpose-text">${p.purpose}</span></li>`,
      )}</ul>
    </details>
  </div>
  <div>${
    install === undefined
      ? html`<a class="button primary" href="${dashboardPath('apps', app.id, 'install')}" aria-label="Review and install ${app.name}">Review and install</a>`
      : html`<a class="button" href="${dashboardPath('installs', install.id)}" aria-label="Manage ${app.name}">Installed in ${mode} mode · Manage</a>`
  }</div>
</li>`;
}

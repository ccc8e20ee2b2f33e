import type { FastifyInstance } from 'fastify';
import type { Actor } from '../../domain/actor.js';
import { getApp } from '../../domain/apps.js';
import { listInstalls } from '../../domain/installs.js';
import type { Install } from '../../domain/objects.js';
import { isAppscopeError } from '../../errors.js';
import { type AppInfo, appIcon, appName, loadAppInfos } from '../app-info.js';
import { appIconSvg } from '../assets/icons.js';
import { readQuery } from '../form.js';
import { dashboardPath, type Html, html } from '../html.js';
import { type DashboardDeps, page, signedIn } from '../kit.js';
import { timeTag } from '../layout.js';
import { noticeCallout } from '../notices.js';

/**
 * Installed apps: every install in the session's mode with its status, mode, shadow mode,
 * granted and pending permissions; the ones waiting for review first. Plus "install an app by
 * id" (what a developer's install link opens) and each app's placeholder icon.
 */
export function registerApps(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/', async (_request, reply) => reply.redirect('/dashboard/apps', 303));

  page(app, deps, '/apps', async (request, _reply, { session }) => {
    const actor = session.actor;
    const query = readQuery(request);
    const installs = await listAllInstalls(deps, actor);
    const active = installs.filter((i) => i.status === 'installed');
    const history = installs.filter((i) => i.status !== 'installed');
    const infos = await loadAppInfos(
      deps.domain,
      actor,
      installs.map((i) => i.app),
    );
    const pending = active.filter((i) => i.approval_required);
    const lookup = query.get('app');
    const lookupError = query.get('error') === 'no_app' && lookup !== undefined;
    const mode = session.mode;
    const body = html`<div class="page-head">
  <div><h1>Apps</h1><p class="subtitle">Installed on this account in ${mode} mode</p></div>
</div>
${noticeCallout(query.get('notice'))}
<section class="card" aria-labelledby="installed-title">
  <h2 id="installed-title">Installed apps</h2>
  ${
    active.length === 0
      ? html`<p class="muted">No apps are installed in ${mode} mode yet.</p>`
      : html`<ul class="install-list">${[...pending, ...active.filter((i) => !i.approval_required)].map(
          (install, index) =>
            installItem(install, infos.get(install.app), index === 0 && install.approval_required),
        )}</ul>`
  }
</section>
<section class="card" aria-labelledby="add-title">
  <h2 id="add-title">Install an app</h2>
  <p class="small muted">Browse the <a href="/dashboard/catalog">app catalogue</a>, or enter the app’s ID (from its developer or its install link). You will see everything it asks for before anything is granted.</p>
  <form method="get" action="/dashboard/apps/find">
    <div class="field">
      <label for="app-id">App ID</label>
      <input id="app-id" name="app" type="text" placeholder="com.example.crm-sync" required value="${lookup ?? ''}" spellcheck="false" autocapitalize="off"${lookupError ? html` aria-invalid="true" aria-describedby="app-id-error"` : ''}>
      ${lookupError ? html`<p class="field-error" id="app-id-error">No app <code>${lookup}</code> is available to install on this account. Check the ID with the app’s developer.</p>` : ''}
    </div>
    <button type="submit">Review what it requests</button>
  </form>
</section>
${
  history.length === 0
    ? ''
    : html`<section aria-labelledby="history-title">
  <h2 id="history-title">Uninstalled</h2>
  <div class="table-wrap"><table>
    <thead><tr><th scope="col">App</th><th scope="col">Install</th><th scope="col">Installed</th></tr></thead>
    <tbody>${history.map(
      (install) =>
        html`<tr><td>${appName(infos.get(install.app), install.app)}</td><td><a href="${dashboardPath('installs', install.id)}"><code>${install.id}</code></a></td><td>${timeTag(install.created)}</td></tr>`,
    )}</tbody>
  </table></div>
</section>`
}`;
    return { title: 'Apps', body, section: 'apps' };
  });

  app.get('/apps/find', async (request, reply) => {
    if ((await signedIn(deps, request)) === undefined) return reply.redirect('/dashboard/sign-in', 303);
    const id = (readQuery(request).get('app') ?? '').trim();
    if (id === '') return reply.redirect('/dashboard/apps#add-title', 303);
    return reply.redirect(dashboardPath('apps', id, 'install'), 303);
  });

  app.get<{ Params: { app: string } }>('/apps/:app/icon.svg', async (request, reply) => {
    const signed = await signedIn(deps, request);
    let name = request.params.app;
    if (signed !== undefined) {
      try {
        name = (await getApp(deps.domain, { actor: signed.session.actor, app: request.params.app })).name;
      } catch (error) {
        if (!isAppscopeError(error, 'ERR_NOT_FOUND')) throw error;
      }
    }
    return reply
      .header('cache-control', 'private, max-age=300')
      .header('content-security-policy', "default-src 'none'")
      .type('image/svg+xml; charset=utf-8')
      .send(appIconSvg(request.params.app, name));
  });
}

/** Every install of the session's account and mode, newest first (up to 1,000). */
async function listAllInstalls(deps: DashboardDeps, actor: Actor): Promise<Install[]> {
  const all: Install[] = [];
  let startingAfter: string | undefined;
  for (let pages = 0; pages < 10; pages++) {
    const page = await listInstalls(deps.domain, {
      actor,
      limit: 100,
      ...(startingAfter === undefined ? {} : { startingAfter }),
    });
    all.push(...page.data);
    if (!page.has_more) break;
    startingAfter = page.data.at(-1)?.id;
  }
  return all;
}

function installItem(install: Install, info: AppInfo | undefined, firstPending: boolean): Html {
  const name = appName(info, install.app);
  const granted = install.permissions_granted;
  const pending = install.permissions_pending;
  const waiting = install.approval_required;
  return html`<li class="install-item${waiting ? ' pending' : ''}" data-install="${install.id}"${firstPending ? html` id="pending"` : ''}>
  ${appIcon(install.app, 'small')}
  <div>
    <h3><a href="${dashboardPath('installs', install.id)}">${name}</a></h3>
    <p class="meta"><code>${install.app}</code>${info?.app?.current_version ? html` · version ${info.app.current_version}` : ''} · installed ${timeTag(install.created)}</p>
    <p class="kv"><span class="badge installed">Installed</span> <span class="badge neutral">${install.livemode ? 'Live' : 'Test'} mode</span>${install.shadow_mode ? html` <span class="badge warn">Shadow mode</span>` : ''}${pending.length > 0 ? html` <span class="badge pending">Update waiting for review</span>` : ''}</p>
    <p class="kv small"><strong>Granted:</strong> ${granted.length === 0 ? 'nothing' : granted.map((n, i) => html`${i > 0 ? ', ' : ''}<code>${n}</code>`)}</p>
    ${pending.length === 0 ? '' : html`<p class="kv small"><strong>Waiting for approval:</strong> ${pending.map((n, i) => html`${i > 0 ? ', ' : ''}<code>${n}</code>`)}</p>`}
  </div>
  <div>${
    waiting
      ? html`<a class="button primary" href="${dashboardPath('installs', install.id, 'review')}">Review permissions</a>`
      : html`<a class="button" href="${dashboardPath('installs', install.id)}">Manage</a>`
  }</div>
</li>`;
}

import type { FastifyInstance } from 'fastify';
import { type AppSecretSummary, deleteInstallSecret, listInstallSecrets } from '../../domain/app-secrets.js';
import { getAppDeveloper } from '../../domain/apps.js';
import { DomainError } from '../../domain/domain-error.js';
import { getInstall, uninstallApp } from '../../domain/installs.js';
import { createInstallKey, getKey, listKeys, revokeKey, rollKey } from '../../domain/keys.js';
import { listOAuthGrants, type OAuthGrant, revokeOAuthGrants } from '../../domain/oauth.js';
import type { ApiKey, Install } from '../../domain/objects.js';
import type { Session } from '../../domain/sessions.js';
import { setShadowMode } from '../../domain/shadow-mode.js';
import { listUsers, type User } from '../../domain/users.js';
import { isAppscopeError } from '../../errors.js';
import { appIcon, appName, loadAppInfo, purposesOf } from '../app-info.js';
import type { FormData } from '../form.js';
import { readQuery } from '../form.js';
import { dashboardPath, type Html, html, query } from '../html.js';
import { keyOnce } from '../key-once.js';
import {
  action,
  type DashboardDeps,
  DashboardProblem,
  humanMessage,
  type PageResult,
  page,
  param,
} from '../kit.js';
import { formatUtc, timeTag } from '../layout.js';
import { noticeCallout } from '../notices.js';
import { permissionGroups } from '../permissions-view.js';

/**
 * One install: status, mode, shadow mode, granted and pending permissions, its keys (create
 * narrowed and expiring, roll with a grace period, revoke; only hints after creation), and
 * uninstall. Admins act; developers may turn shadow mode off; everyone else looks.
 */

/** Expiry choices for new keys, in seconds (0: never). */
const EXPIRY_CHOICES: readonly (readonly [string, number])[] = [
  ['Never', 0],
  ['In 1 day', 86_400],
  ['In 7 days', 7 * 86_400],
  ['In 30 days', 30 * 86_400],
  ['In 90 days', 90 * 86_400],
];

/** Grace periods when rolling a key, in seconds (0: the old key stops at once). */
const GRACE_CHOICES: readonly (readonly [string, number])[] = [
  ['Now', 0],
  ['In 1 hour', 3_600],
  ['In 24 hours', 86_400],
  ['In 7 days', 7 * 86_400],
];

/** Errors of the key form, shown next to their fields. */
interface KeyFormErrors {
  readonly permissions?: string;
  readonly expires?: string;
  readonly form?: string;
}

/** `/dashboard/installs/:install` (and its uninstall, shadow-mode and key routes), `/dashboard/keys/:key/…`. */
export function registerInstall(app: FastifyInstance, deps: DashboardDeps): void {
  page(app, deps, '/installs/:install', async (request, _reply, { session }) => {
    const install = await getInstall(deps.domain, {
      actor: session.actor,
      install: param(request, 'install'),
    });
    return installPage(deps, session, install, { notice: readQuery(request).get('notice') });
  });

  page(app, deps, '/installs/:install/uninstall', async (request, _reply, { session }) => {
    const install = await getInstall(deps.domain, {
      actor: session.actor,
      install: param(request, 'install'),
    });
    const info = await loadAppInfo(deps.domain, session.actor, install.app);
    const name = appName(info, install.app);
    const admin = session.user.role === 'admin';
    return {
      title: `Uninstall ${name}`,
      section: 'apps',
      body: html`<h1>Uninstall ${name}?</h1>
<div class="card">
  <p>Uninstalling ends the install at once: its ${install.permissions_granted.length} granted permission${install.permissions_granted.length === 1 ? ' is' : 's are'} removed, every key of the install is revoked and the secrets the app keeps on this account are deleted (unless another app of the same developer, which shares them, stays installed). Calls from the app are refused from then on. To use the app again, install it again (a new consent); it starts with no secrets.</p>
  ${
    install.status !== 'installed'
      ? html`<p class="muted">This install is already uninstalled.</p>`
      : admin
        ? html`<form method="post" action="${dashboardPath('installs', install.id, 'uninstall')}">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <div class="actions-row"><button type="submit" class="danger">Uninstall ${name}</button><a class="button" href="${dashboardPath('installs', install.id)}">Cancel</a></div>
  </form>`
        : html`<p class="muted">Only an admin can uninstall an app.</p>`
  }
</div>`,
    };
  });

  action(app, deps, '/installs/:install/uninstall', 'admin', async (request, reply, { session }) => {
    const install = await uninstallApp(deps.domain, {
      actor: session.actor,
      install: param(request, 'install'),
    });
    return reply.redirect(`${dashboardPath('installs', install.id)}?notice=uninstalled`, 303);
  });

  action(
    app,
    deps,
    '/installs/:install/shadow-mode',
    'developer',
    async (request, reply, { session }, form) => {
      const enabled = form.get('enabled') === 'true';
      if (enabled && session.user.role !== 'admin') {
        throw new DashboardProblem(
          403,
          'Not allowed',
          'Only an admin can turn shadow mode on: it lets through calls the approved permissions do not cover. Developers can turn it off.',
        );
      }
      const install = await setShadowMode(deps.domain, {
        actor: session.actor,
        install: param(request, 'install'),
        enabled,
      });
      return reply.redirect(
        `${dashboardPath('installs', install.id)}?notice=${enabled ? 'shadow_on' : 'shadow_off'}`,
        303,
      );
    },
  );

  action(app, deps, '/installs/:install/keys', 'admin', async (request, _reply, { session }, form) => {
    const installId = param(request, 'install');
    const install = await getInstall(deps.domain, { actor: session.actor, install: installId });
    const narrowing = form.all('permissions');
    const seconds = Math.floor(deps.domain.clock() / 1000);
    let expiresAt: number | undefined;
    try {
      expiresAt = expiryFrom(form, seconds);
    } catch (error) {
      if (error instanceof DashboardProblem) {
        return installPage(deps, session, install, {
          status: 400,
          keyErrors: { expires: error.message },
          form,
        });
      }
      throw error;
    }
    try {
      const key = await createInstallKey(deps.domain, {
        actor: session.actor,
        install: install.id,
        ...(narrowing.length === 0 ? {} : { permissions: narrowing }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
      const info = await loadAppInfo(deps.domain, session.actor, install.app);
      return {
        status: 201,
        title: 'New key',
        section: 'apps',
        body: keyOnce({
          heading: `New key for ${appName(info, install.app)}`,
          intro: html`<p>Give this key to the app. It works alongside the install’s other keys until you revoke it${key.expires_at === null ? '' : html` or it expires on ${timeTag(key.expires_at)}`}.</p>`,
          key,
        }),
      };
    } catch (error) {
      if (error instanceof DomainError && error.param !== undefined) {
        const field = error.param.startsWith('permissions')
          ? 'permissions'
          : error.param === 'expires_at'
            ? 'expires'
            : 'form';
        return installPage(deps, session, install, {
          status: 400,
          keyErrors: { [field]: humanMessage(error.message) },
          form,
        });
      }
      throw error;
    }
  });

  action(
    app,
    deps,
    '/installs/:install/secrets/:secret/delete',
    'admin',
    async (request, reply, { session }) => {
      const install = param(request, 'install');
      await deleteInstallSecret(deps.domain, {
        actor: session.actor,
        install,
        secret: param(request, 'secret'),
      });
      return reply.redirect(`${dashboardPath('installs', install)}?notice=secret_deleted#secrets-title`, 303);
    },
  );

  page(app, deps, '/installs/:install/oauth/revoke', async (request, _reply, { session }) => {
    const install = await getInstall(deps.domain, {
      actor: session.actor,
      install: param(request, 'install'),
    });
    const info = await loadAppInfo(deps.domain, session.actor, install.app);
    const name = appName(info, install.app);
    const grants = await listOAuthGrants(deps.domain, { actor: session.actor, install: install.id });
    const active = grants.filter((g) => g.revoked === null).length;
    const back = `${dashboardPath('installs', install.id)}#oauth-title`;
    return {
      title: `Revoke ${name}’s access`,
      section: 'apps',
      body: html`<h1>Revoke ${name}’s access?</h1>
<div class="card">
  <p>Revoking ends every OAuth access of ${name} on this account in ${install.livemode ? 'live' : 'test'} mode at once: its ${active} active grant${active === 1 ? '' : 's'}, with every access and refresh token, stop working from the next request on. The app stays installed with its permissions; to use the API again it must send you through its install link again.</p>
  ${
    session.user.role !== 'admin'
      ? html`<p class="muted">Only an admin can revoke an app’s access.</p>`
      : active === 0
        ? html`<p class="muted">${name} has no active access to revoke.</p><p><a class="button" href="${back}">Back to the install</a></p>`
        : html`<form method="post" action="${dashboardPath('installs', install.id, 'oauth', 'revoke')}">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <div class="actions-row"><button type="submit" class="danger">Revoke access</button><a class="button" href="${back}">Cancel</a></div>
  </form>`
  }
</div>`,
    };
  });

  action(app, deps, '/installs/:install/oauth/revoke', 'admin', async (request, reply, { session }) => {
    const install = param(request, 'install');
    await revokeOAuthGrants(deps.domain, { actor: session.actor, install });
    return reply.redirect(`${dashboardPath('installs', install)}?notice=oauth_revoked#oauth-title`, 303);
  });

  page(app, deps, '/keys/:key/roll', async (request, _reply, { session }) =>
    keyConfirmPage(deps, session, param(request, 'key'), 'roll'),
  );

  page(app, deps, '/keys/:key/revoke', async (request, _reply, { session }) =>
    keyConfirmPage(deps, session, param(request, 'key'), 'revoke'),
  );

  action(app, deps, '/keys/:key/roll', 'admin', async (request, _reply, { session }, form) => {
    const graceText = form.get('grace') ?? '';
    const grace = Number(graceText);
    if (graceText === '' || !GRACE_CHOICES.some(([, value]) => value === grace)) {
      throw new DashboardProblem(
        400,
        'Invalid expiry',
        'Choose when the old key stops working: now, in 1 hour, in 24 hours or in 7 days.',
      );
    }
    const seconds = Math.floor(deps.domain.clock() / 1000);
    const { key, previous } = await rollKey(deps.domain, {
      actor: session.actor,
      key: param(request, 'key'),
      ...(grace === 0 ? {} : { expiresAt: seconds + grace }),
    });
    return {
      status: 201,
      title: 'Key rolled',
      section: 'apps',
      body: keyOnce({
        heading: 'The replacement key',
        intro: html`<p>Key <code>${previous.redacted}</code> was rolled. ${
          previous.expires_at !== null && previous.expires_at > seconds
            ? html`It keeps working until ${timeTag(previous.expires_at)}, so the app can switch over.`
            : 'It has stopped working.'
        }</p>`,
        key,
      }),
    };
  });

  action(app, deps, '/keys/:key/revoke', 'admin', async (request, reply, { session }) => {
    const key = await revokeKey(deps.domain, { actor: session.actor, key: param(request, 'key') });
    const target = key.install === null ? '/dashboard/apps' : dashboardPath('installs', key.install);
    return reply.redirect(`${target}?notice=revoked#keys-title`, 303);
  });

  // A key's own address leads to its install's key list.
  page(app, deps, '/keys/:key', async (request, reply, { session }) => {
    const key = await getKey(deps.domain, { actor: session.actor, key: param(request, 'key') });
    return reply.redirect(
      key.install === null ? '/dashboard/apps' : `${dashboardPath('installs', key.install)}#keys-title`,
      303,
    );
  });
}

/**
 * The confirmation step before rolling or revoking a key: what will happen, and for a roll when
 * the old key stops working (now, in 1 hour, 24 hours or 7 days, as Stripe offers). Works
 * without JavaScript: the buttons on the key list lead here, and only this page's form acts.
 */
async function keyConfirmPage(
  deps: DashboardDeps,
  session: Session,
  id: string,
  what: 'roll' | 'revoke',
): Promise<PageResult> {
  const key = await getKey(deps.domain, { actor: session.actor, key: id });
  const back =
    key.install === null ? '/dashboard/apps' : `${dashboardPath('installs', key.install)}#keys-title`;
  const info =
    key.install === null || key.app === null
      ? undefined
      : await loadAppInfo(deps.domain, session.actor, key.app);
  const name = key.app === null ? 'the account' : appName(info, key.app);
  const title = what === 'roll' ? `Roll key ${key.redacted}?` : `Revoke key ${key.redacted}?`;
  const seconds = Math.floor(deps.domain.clock() / 1000);
  let content: Html;
  if (session.user.role !== 'admin') {
    content = html`<p class="muted">Only an admin can ${what} keys. You have the ${session.user.role === 'developer' ? 'developer' : 'view only'} role.</p>`;
  } else if (key.status !== 'active') {
    content = html`<p class="muted">This key is ${keyDisplayStatus(key, seconds).label.toLowerCase()}: it cannot be ${what === 'roll' ? 'rolled' : 'revoked'}${what === 'roll' ? '; create a new key instead' : ''}.</p>`;
  } else if (what === 'roll' && key.rolled_to !== null) {
    content = html`<p class="muted">This key was already rolled: its replacement is <code>${key.rolled_to}</code>. Roll the replacement instead, or revoke this key to stop it before ${timeTag(key.expires_at)}.</p>
  <p><a class="button" href="${back}">Back to the keys</a></p>`;
  } else if (what === 'roll') {
    content = html`<p>Rolling creates a replacement key for ${name} with the same access${key.permissions === null ? '' : ' (the same narrowing)'}, shown to you once. Give it to the app, then let the old key stop.</p>
  <form method="post" action="${dashboardPath('keys', key.id, 'roll')}">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <fieldset>
      <legend>The old key <code>${key.redacted}</code> stops working</legend>
      <div class="checks">${GRACE_CHOICES.map(
        ([label, value], index) =>
          html`<label class="check"><input type="radio" name="grace" value="${String(value)}"${index === 0 ? html` checked` : ''}> ${label}${value === 0 ? '' : html` <span class="small muted">(${formatUtc(new Date(Math.min(seconds + value, key.expires_at ?? Number.POSITIVE_INFINITY) * 1000))})</span>`}</label>`,
      )}</div>
      ${key.expires_at === null ? '' : html`<p class="hint small">The old key expires ${timeTag(key.expires_at)} in any case; it never works longer than that.</p>`}
    </fieldset>
    <div class="actions-row"><button type="submit" class="primary">Roll key</button><a class="button" href="${back}">Cancel</a></div>
  </form>`;
  } else {
    content = html`<p>Calls with <code>${key.redacted}</code> are refused from the next request on. This cannot be undone; ${name} needs another key to keep working.</p>
  <form method="post" action="${dashboardPath('keys', key.id, 'revoke')}">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <div class="actions-row"><button type="submit" class="danger">Revoke key</button><a class="button" href="${back}">Cancel</a></div>
  </form>`;
  }
  return {
    title,
    section: 'apps',
    body: html`<h1>${title}</h1>
<div class="card">
  <dl class="facts">
    <dt>Key</dt><dd><code>${key.redacted}</code> <span class="small muted">${key.id}</span></dd>
    <dt>App</dt><dd>${name}</dd>
    <dt>Status</dt><dd>${keyDisplayStatus(key, seconds).label}</dd>
    <dt>Created</dt><dd>${timeTag(key.created)}</dd>
  </dl>
  ${content}
</div>`,
  };
}

/** The expiry a key form asks for (unix seconds), or undefined for never. */
function expiryFrom(form: FormData, nowSeconds: number): number | undefined {
  const custom = (form.get('expires_on') ?? '').trim();
  if (custom !== '') {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(custom);
    const ms = match === null ? Number.NaN : Date.parse(`${custom}:00Z`);
    if (Number.isNaN(ms))
      throw new DashboardProblem(400, 'Invalid expiry', 'Enter the date and time as YYYY-MM-DDTHH:MM (UTC).');
    const at = Math.floor(ms / 1000);
    if (at <= nowSeconds)
      throw new DashboardProblem(400, 'Invalid expiry', 'The expiry must be in the future.');
    return at;
  }
  const choice = Number(form.get('expires_in') ?? '0');
  if (!EXPIRY_CHOICES.some(([, value]) => value === choice)) {
    throw new DashboardProblem(400, 'Invalid expiry', 'Choose one of the offered expiries.');
  }
  return choice === 0 ? undefined : nowSeconds + choice;
}

interface InstallPageOptions {
  readonly notice?: string | undefined;
  readonly status?: number;
  readonly keyErrors?: KeyFormErrors;
  readonly form?: FormData;
}

async function installPage(
  deps: DashboardDeps,
  session: Session,
  install: Install,
  options: InstallPageOptions,
): Promise<PageResult> {
  const { catalog } = deps;
  const info = await loadAppInfo(deps.domain, session.actor, install.app);
  const name = appName(info, install.app);
  const purposes = purposesOf(info.version);
  const active = install.status === 'installed';
  const role = session.user.role;
  const access = info.app?.stripe_api_access_type;
  const oauth = access === 'oauth';
  const restricted = access !== 'platform' && !oauth;
  const keys = restricted ? await listKeys(deps.domain, { actor: session.actor, install: install.id }) : [];
  const grants = oauth
    ? await listOAuthGrants(deps.domain, { actor: session.actor, install: install.id })
    : [];
  const users = await listUsers(deps.domain, { actor: session.actor });
  const secrets = await listInstallSecrets(deps.domain, { actor: session.actor, install: install.id });
  const developer = await getAppDeveloper(deps.domain, { actor: session.actor, app: install.app }).catch(
    (error: unknown) => {
      if (isAppscopeError(error, 'ERR_NOT_FOUND')) return undefined;
      throw error;
    },
  );
  const byUser = users.find((u) => u.id === install.created_by);
  const creator = byUser === undefined ? html`<code>${install.created_by}</code>` : html`${byUser.email}`;
  const body = html`<div class="page-head">
  <div class="app-head">
    ${appIcon(install.app)}
    <div>
      <h1>${name}</h1>
      <p class="subtitle"><code>${install.app}</code>${info.app?.current_version ? html` · version ${info.app.current_version}` : ''} · install <code>${install.id}</code></p>
      <p class="kv">${active ? html`<span class="badge installed">Installed</span>` : html`<span class="badge uninstalled">Uninstalled</span>`} <span class="badge neutral">${install.livemode ? 'Live' : 'Test'} mode</span>${install.shadow_mode ? html` <span class="badge warn">Shadow mode</span>` : ''}</p>
    </div>
  </div>
  <a class="button" href="/dashboard/activity${query({ install: install.id })}">Activity</a>
</div>
${noticeCallout(options.notice)}
${
  install.approval_required
    ? html`<div class="callout warn"><div><p><strong>Version ${info.app?.current_version ?? ''} requests ${install.permissions_pending.length} more permission${install.permissions_pending.length === 1 ? '' : 's'}.</strong> They are not granted until ${role === 'admin' ? 'you approve them' : 'an admin approves them'}.</p></div><a class="button primary" href="${dashboardPath('installs', install.id, 'review')}">Review permissions</a></div>`
    : ''
}
<dl class="facts card">
  <dt>Status</dt><dd>${active ? 'Installed' : 'Uninstalled'}</dd>
  <dt>Mode</dt><dd>${install.livemode ? 'Live' : 'Test'}</dd>
  <dt>Installed</dt><dd>${timeTag(install.created)} by ${creator}</dd>
  <dt>Developer</dt><dd>${developer === undefined ? html`<code>${info.app?.owner ?? 'unknown'}</code>` : html`<strong>${developer.name}</strong> <span class="small muted">(<code>${developer.id}</code>)</span>`}</dd>
  <dt>API access</dt><dd>${
    oauth
      ? 'OAuth: access tokens (at_…) issued to the app through its install link, limited to this install’s grant'
      : restricted
        ? 'Restricted keys (rk_…) issued to this install'
        : 'The developer’s platform key, limited to this install’s grant'
  }</dd>
</dl>
<section class="card" aria-labelledby="granted-title">
  <h2 id="granted-title">Granted permissions</h2>
  ${
    active
      ? permissionGroups(
          catalog,
          install.permissions_granted.map((name) => ({
            name,
            ...(purposes.has(name) ? { purpose: purposes.get(name)! } : {}),
          })),
        )
      : html`<p class="muted">None: the app was uninstalled.</p>`
  }
  ${
    install.permissions_pending.length === 0
      ? ''
      : html`<h3>Pending (not granted)</h3><p class="small">${install.permissions_pending.map((n, i) => html`${i > 0 ? ', ' : ''}<code>${n}</code>`)}</p>`
  }
</section>
${restricted ? keysSection(deps, session, install, keys, options) : ''}
${oauth ? grantsSection(deps, session, install, grants) : ''}
${active || secrets.length > 0 ? secretsSection(session, install, secrets, users) : ''}
${active ? settingsSection(session, install) : ''}
${
  active && role === 'admin'
    ? html`<section class="card" aria-labelledby="danger-title"><h2 id="danger-title">Uninstall</h2><p class="small">Removes every permission, revokes every key of this install and deletes the app’s secrets on this account at once.</p><a class="button danger" href="${dashboardPath('installs', install.id, 'uninstall')}">Uninstall ${name}…</a></section>`
    : ''
}`;
  return { status: options.status ?? 200, title: name, section: 'apps', body };
}

function keysSection(
  deps: DashboardDeps,
  session: Session,
  install: Install,
  keys: readonly ApiKey[],
  options: InstallPageOptions,
): Html {
  const admin = session.user.role === 'admin';
  const active = install.status === 'installed';
  const seconds = Math.floor(deps.domain.clock() / 1000);
  const effective = deps.catalog.names(deps.catalog.closure(install.permissions_granted));
  const errors = options.keyErrors ?? {};
  const checked = new Set(options.form?.all('permissions') ?? []);
  const expiresIn = options.form?.get('expires_in') ?? '0';
  const expiresOn = options.form?.get('expires_on') ?? '';
  return html`<section class="card" aria-labelledby="keys-title">
  <h2 id="keys-title">Keys</h2>
  ${
    keys.length === 0
      ? html`<p class="muted">This install has no keys.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="visually-hidden">Keys of this install</caption>
    <thead><tr><th scope="col">Key</th><th scope="col">Status</th><th scope="col">Access</th><th scope="col">Created</th><th scope="col">Expires</th>${admin && active ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
    <tbody>${keys.map((key) => keyRow(key, seconds, admin && active))}</tbody>
  </table></div>`
  }
  ${
    admin && active
      ? html`<h3 id="new-key-title">Create a key</h3>
  ${errors.form === undefined ? '' : html`<div class="callout error" role="alert"><p>${errors.form}</p></div>`}
  <form method="post" action="${dashboardPath('installs', install.id, 'keys')}" aria-labelledby="new-key-title">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <fieldset${errors.permissions === undefined ? '' : html` aria-describedby="permissions-error"`}>
      <legend>Narrow the key (optional)</legend>
      <p class="hint small muted">Leave all unchecked for everything the install is granted. A narrowed key can only do what you check, and never more than the install holds.</p>
      <div class="checks">${effective.map(
        (name) =>
          html`<label class="check"><input type="checkbox" name="permissions" value="${name}"${checked.has(name) ? html` checked` : ''}> <code>${name}</code></label>`,
      )}</div>
      ${errors.permissions === undefined ? '' : html`<p class="field-error" id="permissions-error">${errors.permissions}</p>`}
    </fieldset>
    <div class="grid-2">
      <div class="field">
        <label for="expires-in">Expires</label>
        <select id="expires-in" name="expires_in">${EXPIRY_CHOICES.map(
          ([label, value]) =>
            html`<option value="${String(value)}"${String(value) === expiresIn ? html` selected` : ''}>${label}</option>`,
        )}</select>
      </div>
      <div class="field">
        <label for="expires-on">Or on a date (UTC)</label>
        <input id="expires-on" name="expires_on" type="datetime-local" value="${expiresOn}"${errors.expires === undefined ? '' : html` aria-invalid="true" aria-describedby="expires-error"`} aria-describedby="expires-hint">
        <p class="hint" id="expires-hint">Overrides the choice on the left, e.g. ${formatUtc(new Date((seconds + 30 * 86_400) * 1000)).replace(' UTC', '')}.</p>
        ${errors.expires === undefined ? '' : html`<p class="field-error" id="expires-error">${errors.expires}</p>`}
      </div>
    </div>
    <button type="submit" class="primary">Create key</button>
  </form>`
      : ''
  }
</section>`;
}

/**
 * What the dashboard calls a key's state. The API's `status` stays `active`, `expired` or
 * `revoked`; a key replaced by a roll (`rolled_to` set) is shown as **rolled** instead, with
 * when it stops (or stopped) working — it did not simply run out.
 */
export function keyDisplayStatus(
  key: ApiKey,
  nowSeconds: number,
): { readonly label: string; readonly badge: string; readonly detail: Html | '' } {
  if (key.status === 'revoked') return { label: 'Revoked', badge: 'revoked', detail: '' };
  if (key.rolled_to !== null) {
    const until = key.expires_at;
    const working = until !== null && until > nowSeconds;
    return {
      label: 'Rolled',
      badge: working ? 'rolled' : 'rolled-done',
      detail:
        until === null
          ? ''
          : html`<span class="small muted">${working ? 'works until' : 'stopped'} ${timeTag(until)}</span>`,
    };
  }
  if (key.status === 'expired') return { label: 'Expired', badge: 'expired', detail: '' };
  return { label: 'Active', badge: 'active', detail: '' };
}

function keyRow(key: ApiKey, seconds: number, canAct: boolean): Html {
  const activeKey = key.status === 'active';
  const shown = keyDisplayStatus(key, seconds);
  return html`<tr data-key="${key.id}">
  <td><code>${key.redacted}</code><br><span class="small muted">${key.id}</span></td>
  <td><span class="badge ${shown.badge}">${shown.label}</span>${shown.detail === '' ? '' : html`<br>${shown.detail}`}</td>
  <td>${key.permissions === null ? html`<span class="small">Everything granted</span>` : html`<span class="small">Only ${key.permissions.map((n, i) => html`${i > 0 ? ', ' : ''}<code>${n}</code>`)}</span>`}</td>
  <td>${timeTag(key.created)}</td>
  <td>${timeTag(key.expires_at, 'Never')}</td>
  ${
    canAct
      ? html`<td class="actions">${
          activeKey && key.rolled_to === null
            ? html`<a class="button small" href="${dashboardPath('keys', key.id, 'roll')}" aria-label="Roll ${key.redacted}">Roll…</a>
    <a class="button small danger" href="${dashboardPath('keys', key.id, 'revoke')}" aria-label="Revoke ${key.redacted}">Revoke…</a>`
            : activeKey
              ? html`<a class="button small danger" href="${dashboardPath('keys', key.id, 'revoke')}" aria-label="Revoke ${key.redacted}">Revoke…</a>`
              : ''
        }</td>`
      : ''
  }
</tr>`;
}

/**
 * The secrets the app keeps on this account (the Secret Store): names, scopes and times, never
 * payloads; an admin may delete one.
 */
function secretsSection(
  session: Session,
  install: Install,
  secrets: readonly AppSecretSummary[],
  users: readonly User[],
): Html {
  const canDelete = session.user.role === 'admin' && install.status === 'installed';
  const shared = secrets.some((secret) => secret.app !== install.app);
  const scope = (secret: AppSecretSummary): Html => {
    if (secret.scope.type === 'account') return html`Account <span class="small muted">(every user)</span>`;
    const user = secret.scope.user;
    const known = users.find((u) => u.id === user);
    return html`User ${known === undefined ? html`<code>${user}</code>` : known.email}`;
  };
  return html`<section class="card" aria-labelledby="secrets-title">
  <h2 id="secrets-title">Secrets</h2>
  <p class="small">Credentials the app keeps with appscope (its Secret Store), encrypted; nobody can read them here. ${
    shared ? 'The developer’s other apps installed on this account share them.' : ''
  }</p>
  ${
    secrets.length === 0
      ? html`<p class="muted">The app keeps no secrets on this account.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="visually-hidden">Secrets of this app</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Scope</th>${shared ? html`<th scope="col">Set by</th>` : ''}<th scope="col">Updated</th><th scope="col">Expires</th>${canDelete ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
    <tbody>${secrets.map(
      (secret) => html`<tr data-secret="${secret.id}">
      <td><code>${secret.name}</code></td>
      <td>${scope(secret)}</td>
      ${shared ? html`<td><code>${secret.app}</code></td>` : ''}
      <td>${timeTag(secret.updated)}</td>
      <td>${timeTag(secret.expires_at, 'Never')}</td>
      ${
        canDelete
          ? html`<td class="actions"><form method="post" action="${dashboardPath('installs', install.id, 'secrets', secret.id, 'delete')}">
        <input type="hidden" name="csrf" value="${session.csrfToken}">
        <button type="submit" class="small danger" aria-label="Delete secret ${secret.name}">Delete</button>
      </form></td>`
          : ''
      }
    </tr>`,
    )}</tbody>
  </table></div>`
  }
</section>`;
}

function settingsSection(session: Session, install: Install): Html {
  const role = session.user.role;
  const on = install.shadow_mode;
  const canTurnOn = role === 'admin';
  const canTurnOff = role === 'admin' || role === 'developer';
  const button =
    on && canTurnOff
      ? html`<button type="submit" name="enabled" value="false">Turn shadow mode off</button>`
      : !on && canTurnOn
        ? html`<button type="submit" name="enabled" value="true" class="danger">Turn shadow mode on</button>`
        : '';
  return html`<section class="card" aria-labelledby="settings-title">
  <h2 id="settings-title">Settings</h2>
  <h3>Shadow mode: ${on ? 'on' : 'off'}</h3>
  <p class="small">In shadow mode every call is still checked, but calls the approved permissions do not cover are let through and logged as <em>shadow denials</em> — for moving an existing integration onto appscope and reading in the Activity log what it would be missing. Turning it on widens what the app can do, so only admins can; admins and developers can turn it off.</p>
  ${
    button === ''
      ? html`<p class="small muted">${role === 'view_only' ? 'You have the view only role.' : 'Only an admin can turn shadow mode on.'}</p>`
      : html`<form method="post" action="${dashboardPath('installs', install.id, 'shadow-mode')}">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    ${button}
  </form>`
  }
</section>`;
}

/** The OAuth grants of an install (token families: when started, until when, whether revoked). */
function grantsSection(
  deps: DashboardDeps,
  session: Session,
  install: Install,
  grants: readonly OAuthGrant[],
): Html {
  const seconds = Math.floor(deps.domain.clock() / 1000);
  const activeGrants = grants.filter((g) => g.revoked === null);
  const canRevoke = session.user.role === 'admin' && activeGrants.length > 0;
  const status = (grant: OAuthGrant): Html => {
    if (grant.revoked !== null) {
      return html`<span class="badge revoked">Revoked</span><br><span class="small muted">${timeTag(grant.revoked)}${grant.revoked_reason === null ? '' : html` · ${grant.revoked_reason}`}</span>`;
    }
    return grant.access_expires_at !== null && grant.access_expires_at > seconds
      ? html`<span class="badge active">Active</span>`
      : html`<span class="badge neutral">Active</span><br><span class="small muted">access token expired; the app may refresh it</span>`;
  };
  return html`<section class="card" aria-labelledby="oauth-title">
  <h2 id="oauth-title">OAuth access</h2>
  <p class="small">Each time someone approves ${install.app} through its install link, the app gets a grant: a short-lived access token it refreshes with a refresh token. appscope never shows the tokens.</p>
  ${
    grants.length === 0
      ? html`<p class="muted">The app has no OAuth grants on this install yet.</p>`
      : html`<div class="table-wrap"><table>
    <caption class="visually-hidden">OAuth grants of this install</caption>
    <thead><tr><th scope="col">Grant</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Access token expires</th></tr></thead>
    <tbody>${grants.map(
      (grant) => html`<tr data-grant="${grant.id}">
      <td><code>${grant.id}</code></td>
      <td>${status(grant)}</td>
      <td>${timeTag(grant.created)}</td>
      <td>${timeTag(grant.access_expires_at)}</td>
    </tr>`,
    )}</tbody>
  </table></div>`
  }
  ${
    canRevoke && install.status === 'installed'
      ? html`<a class="button danger" href="${dashboardPath('installs', install.id, 'oauth', 'revoke')}">Revoke access…</a>`
      : ''
  }
</section>`;
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../domain/actor.js';
import { getAppDeveloper } from '../../domain/apps.js';
import { DomainError } from '../../domain/domain-error.js';
import {
  type AuthorizationState,
  type AuthorizeRequest,
  type AuthorizingAccount,
  approveAuthorization,
  authorizationState,
  authorizingAccount,
  authorizingActor,
  checkAuthorizeRequest,
  deniedLocation,
} from '../../domain/oauth.js';
import type { Session } from '../../domain/sessions.js';
import { isAppscopeError } from '../../errors.js';
import type { Mode } from '../../store/store.js';
import { appIcon, purposesOf } from '../app-info.js';
import { type Html, html } from '../html.js';
import {
  action,
  contentSecurityPolicy,
  type DashboardDeps,
  DashboardProblem,
  type PageResult,
  page,
  type Signed,
} from '../kit.js';
import { nameChips } from '../permissions-view.js';
import { appFacts, requestedPermissions } from './consent.js';
import { authorizeParams, brokenLink, consentPath, requestIssuer } from './oauth-link.js';
import { pendingPermissions } from './review.js';

/**
 * The consent screen of an OAuth install link (`/dashboard/oauth/authorize` for live mode,
 * `/dashboard/oauth/test/authorize` for test mode; the query is the link's): the person picks an
 * account where they are an admin (another account than the session's needs that user's
 * password), reads what the app asks for — the install consent, or the pending permissions of an
 * install awaiting approval — and approves (back to the app with a code) or cancels (back with
 * `error=access_denied`). Every request checks the link again; nothing in the query is trusted
 * twice.
 */
export function registerOAuthConsent(app: FastifyInstance, deps: DashboardDeps): void {
  for (const mode of ['live', 'test'] as const) {
    const path = consentPath(mode).slice('/dashboard'.length);

    page(app, deps, path, async (request, reply, signed) => {
      const checked = await recheck(deps, request, reply, mode);
      if (!('request' in checked)) return checked;
      return consentPage(deps, signed.session, request, checked.request, {});
    });

    action(app, deps, path, 'any', async (request, reply, signed, form) => {
      const checked = await recheck(deps, request, reply, mode);
      if (!('request' in checked)) return checked;
      const authorize = checked.request;
      const issuer = requestIssuer(request);
      const decision = form.get('decision');
      if (decision === 'cancel') return reply.redirect(deniedLocation(authorize, issuer), 303);
      if (decision !== 'approve') {
        throw new DashboardProblem(400, 'Invalid choice', 'Choose Approve or Cancel.');
      }
      const session = signed.session;
      const current = await authorizingAccount(deps.domain, session.user);
      // the signed-in account, or another one named by its id (`other_account`) and its password
      const named = form.get('account') ?? '';
      const account = (named === '' || named === OTHER ? (form.get('other_account') ?? '') : named).trim();
      if (account === '') {
        return consentPage(deps, session, request, authorize, {
          status: 400,
          error: 'Enter the id (acct_…) of the other account, and your password there.',
          other: '',
        });
      }
      const chosen: Chosen =
        account === current.account
          ? { ...current, current: true }
          : { account, name: account, current: false };
      if (chosen.current && current.role !== 'admin') throw notAdmin(chosen, current.role);
      const again = (status: number, error: string, state?: AuthorizationState) =>
        consentPage(deps, session, request, authorize, {
          status,
          error,
          ...(chosen.current ? {} : { other: chosen.account }),
          ...(state === undefined ? {} : { state }),
        });
      const actor = await actingAdmin(deps, request, signed, chosen, authorize.mode, form.get('password'));
      if (actor === 'throttled') {
        reply.header('retry-after', String(deps.throttle.retryAfter(session.user.email, request.ip)));
        return again(429, problemText(actor, chosen));
      }
      if (typeof actor === 'string')
        return again(actor === 'password_missing' ? 400 : 403, problemText(actor, chosen));
      // what the page showed is checked by the approval itself (ERR_CONSENT_STALE)
      try {
        const { location } = await approveAuthorization(deps.domain, {
          actor,
          request: authorize,
          expectedPermissions: form.all('expected'),
          issuer,
        });
        return reply.redirect(location, 303);
      } catch (error) {
        if (!isAppscopeError(error, 'ERR_CONSENT_STALE')) throw error;
        return again(409, changedText(chosen), await authorizationState(deps.domain, actor, authorize));
      }
    });
  }
}

/** The link checked again: the request, or the reply already sent back to the app. */
async function recheck(
  deps: DashboardDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  mode: Mode,
): Promise<{ readonly request: AuthorizeRequest } | FastifyReply> {
  const check = await checkAuthorizeRequest(
    deps.domain,
    authorizeParams(request.url),
    mode,
    requestIssuer(request),
  );
  if (check.ok) return { request: check.request };
  if (check.redirect) return reply.redirect(check.location, 303);
  throw brokenLink(check.description);
}

type Refusal = 'throttled' | 'password_missing' | 'password_wrong';

/** The `account` value of the "another account" choice (its id is in `other_account`). */
const OTHER = 'other';

/** The account an approval is for: the signed-in one, or another named by its id. */
interface Chosen {
  readonly account: string;
  /** The account's name, or its id for another account (nothing about it is shown before its password matched). */
  readonly name: string;
  readonly current: boolean;
}

/**
 * The admin who approves: the session's own user on its account, or the same email's admin
 * user on another account once its password matches (wrong passwords count toward the
 * sign-in throttle, per email and address).
 */
async function actingAdmin(
  deps: DashboardDeps,
  request: FastifyRequest,
  signed: Signed,
  chosen: Chosen,
  mode: Mode,
  password: string | undefined,
): Promise<(Actor & { readonly type: 'user' }) | Refusal> {
  const user = signed.session.user;
  if (chosen.current) return authorizingActor(deps.domain, { user, account: chosen.account, mode });
  if (password === undefined || password === '') return 'password_missing';
  const key = user.email; // lowercase, as the sign-in form's throttle key
  const wait = deps.throttle.retryAfter(key, request.ip);
  if (wait > 0) return 'throttled';
  try {
    const actor = await authorizingActor(deps.domain, { user, account: chosen.account, mode, password });
    deps.throttle.succeed(key, request.ip);
    return actor;
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'ERR_FORBIDDEN') throw error;
    // the password matched, the role did not: said only now
    if (error.param === 'account') throw notAdmin(chosen);
    deps.throttle.fail(key, request.ip);
    return 'password_wrong';
  }
}

function notAdmin(account: Chosen, role?: AuthorizingAccount['role']): DashboardProblem {
  return new DashboardProblem(
    403,
    'Not allowed',
    `Only an admin of ${account.name} can install apps on it${role === undefined ? '' : `; you have the ${roleText(role)} role there`}. Nothing was installed and you were not sent back to the app. Ask an admin, or choose another account.`,
  );
}

function problemText(refusal: Refusal, account: Chosen): string {
  switch (refusal) {
    case 'throttled':
      return 'Too many wrong passwords. Wait a few minutes and try again.';
    case 'password_missing':
      return `You are signed in to another account. Enter your password for ${account.name} to install the app on it.`;
    case 'password_wrong':
      return `That password is not right for ${account.name}, or you have no user there. Nothing was installed.`;
  }
}

function changedText(account: Chosen): string {
  return `What approving does on ${account.name} is not what this page showed (the app released a new version, or it is already installed there). Nothing was approved. Review it below and approve again.`;
}

function roleText(role: AuthorizingAccount['role']): string {
  return role === 'view_only' ? 'view only' : role;
}

/** What the admin approves: the pending permissions of an install, or everything requested. */
function expectedOf(state: AuthorizationState): readonly string[] {
  return state.install === undefined ? state.requested : state.pending;
}

/**
 * Where the answer goes, for people and for the page's `form-action`: an http(s) origin, or the
 * scheme of an app's own scheme (`com.example.app:`).
 */
function destination(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.origin === 'null' ? url.protocol : url.origin;
}

interface ConsentOptions {
  readonly status?: number;
  readonly error?: string;
  /** Another account's id to preselect (default: the signed-in account). */
  readonly other?: string;
  /** What approving does on the selected account (known once the approver is known). */
  readonly state?: AuthorizationState;
}

async function consentPage(
  deps: DashboardDeps,
  session: Session,
  request: FastifyRequest,
  authorize: AuthorizeRequest,
  options: ConsentOptions,
): Promise<PageResult> {
  const { domain } = deps;
  const { app, version, mode } = authorize;
  const current = await authorizingAccount(domain, session.user);
  const admin = current.role === 'admin';
  let state = options.state;
  if (state === undefined && options.other === undefined && admin) {
    const actor = await authorizingActor(domain, { user: session.user, account: current.account, mode });
    state = await authorizationState(domain, actor, authorize);
  }
  // where approving applies, for the wording: the signed-in account, or another one by id
  const selected =
    options.other !== undefined ? { name: options.other } : admin ? { name: current.name } : undefined;
  const developer = await getAppDeveloper(domain, { actor: session.actor, app: app.id }).catch(
    (error: unknown) => {
      if (isAppscopeError(error, 'ERR_NOT_FOUND')) return { id: app.owner, name: app.owner };
      throw error;
    },
  );
  const to = destination(authorize.redirectUri);
  const expected = state === undefined ? version.permissions.map((p) => p.permission) : expectedOf(state);
  const nothingNew = state?.install !== undefined && state.pending.length === 0;
  const pending = state?.install !== undefined && state.pending.length > 0;
  const approveLabel = nothingNew
    ? `Continue to ${app.name}`
    : pending
      ? 'Approve new permissions'
      : 'Approve and install';
  const body = html`<div class="app-head">
  ${appIcon(app.id)}
  <div>
    <h1>${pending ? `Approve new permissions for ${app.name}?` : nothingNew ? `Continue to ${app.name}?` : `Install ${app.name}?`}</h1>
    <p class="subtitle">By <strong>${developer.name}</strong>. ${app.name} asks for access to your account in <strong>${mode} mode</strong> through its install link.</p>
  </div>
</div>
<div class="callout info"><div><p>Whether you approve or cancel, you will be sent to <strong>${to}</strong> <span class="small muted">(<code>${authorize.redirectUri}</code>)</span>.</p></div></div>
${options.error === undefined ? '' : html`<div class="callout error" role="alert" id="consent-error"><p>${options.error}</p></div>`}
${appFacts({ app, version, developer, account: session.user.account })}
<form method="post" action="${request.url}" id="oauth-consent">
  <input type="hidden" name="csrf" value="${session.csrfToken}">
  ${expected.map((name) => html`<input type="hidden" name="expected" value="${name}">`)}
  ${accountPicker(current, options.other, options.error !== undefined)}
  ${stateSection(deps, authorize, state, selected)}
  <div class="card">
    ${
      selected === undefined
        ? html`<p>You are not an admin of ${current.name}. To install ${app.name} there, ask one of its admins to follow the app’s install link; or choose another account of yours above.</p>`
        : html`<p>${nothingNew ? `${app.name} gets access with the permissions already granted; nothing changes on the account. ` : ''}You can revoke the app’s access or uninstall it at any time.</p>`
    }
    <div class="actions-row">
      <button type="submit" name="decision" value="approve" class="primary">${approveLabel}</button>
      <button type="submit" name="decision" value="cancel">Cancel</button>
    </div>
  </div>
</form>`;
  return {
    status: options.status ?? 200,
    title: `Install ${app.name}`,
    section: 'apps',
    reminder: false,
    headers: { 'content-security-policy': contentSecurityPolicy(to) },
    body,
  };
}

function accountPicker(current: AuthorizingAccount, other: string | undefined, invalid: boolean): Html {
  const admin = current.role === 'admin';
  const described = invalid ? html` aria-describedby="consent-error"` : '';
  return html`<fieldset class="card">
  <legend>Install on which account?</legend>
  <div class="checks accounts">
    <label class="check"><input type="radio" name="account" value="${current.account}"${other === undefined && admin ? html` checked` : ''}${admin ? '' : html` disabled`}> <span><strong>${current.name}</strong> <span class="small muted"><code>${current.account}</code> · signed in</span>${
      admin
        ? ''
        : html`<br><span class="small muted">You have the ${roleText(current.role)} role here; only an admin can install apps.</span>`
    }</span></label>
    <label class="check"><input type="radio" name="account" value="${OTHER}"${other !== undefined || !admin ? html` checked` : ''}> <span><strong>Another account where you are an admin</strong><br><span class="small muted">Its id and your password there: other accounts are not listed here.</span></span></label>
  </div>
  <div class="field">
    <label for="other_account">Account id (acct_…)</label>
    <input id="other_account" name="other_account" autocomplete="off" spellcheck="false" value="${other ?? ''}"${described}>
  </div>
  <div class="field">
    <label for="password">Your password on that account</label>
    <input id="password" name="password" type="password" autocomplete="current-password"${described}>
  </div>
</fieldset>`;
}

function stateSection(
  deps: DashboardDeps,
  authorize: AuthorizeRequest,
  state: AuthorizationState | undefined,
  selected: { readonly name: string } | undefined,
): Html {
  const { catalog } = deps;
  const { app, version, mode } = authorize;
  const where = selected === undefined ? 'this account' : selected.name;
  if (state?.install === undefined) {
    return html`${
      state === undefined && selected !== undefined
        ? html`<p class="small muted">If ${app.name} is already installed on the account you choose, you will see what approving changes there before anything is approved.</p>`
        : ''
    }${requestedPermissions(catalog, app, version)}`;
  }
  const install = state.install;
  if (state.pending.length === 0) {
    return html`<div class="callout ok" role="status"><div><p><strong>${app.name} is already installed on ${where} in ${mode} mode, and there is nothing new to approve.</strong> It keeps the ${install.permissions_granted.length} permission${install.permissions_granted.length === 1 ? '' : 's'} granted before.</p></div></div>
<section class="card" aria-labelledby="granted-title">
  <h2 id="granted-title">Granted permissions</h2>
  ${nameChips(install.permissions_granted, 'Granted permissions')}
</section>`;
  }
  return html`<div class="callout warn" role="status"><div><p><strong>${app.name} is already installed on ${where} in ${mode} mode.</strong> Version ${version.version} requests ${state.pending.length} more permission${state.pending.length === 1 ? '' : 's'}; approving grants them.</p></div></div>
${pendingPermissions(catalog, install, purposesOf(version))}`;
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { USER_ROLES, type UserRole } from '../../domain/actor.js';
import { DomainError } from '../../domain/domain-error.js';
import {
  acceptLink,
  type CreatedUserLink,
  cancelUserLink,
  createInvite,
  createPasswordReset,
  type LinkLookup,
  linkRefusal,
  listPendingLinks,
  lookUpLink,
  type UserLink,
} from '../../domain/invites.js';
import type { Session } from '../../domain/sessions.js';
import { endSession, startSession } from '../../domain/sessions.js';
import { changeUserRole, checkRole, listUsers, removeUser, type User } from '../../domain/users.js';
import { cookieHeader, readCookies, SESSION_COOKIE } from '../cookies.js';
import { type FormData, readForm, readQuery } from '../form.js';
import { dashboardPath, type Html, html } from '../html.js';
import { shownOnce } from '../key-once.js';
import {
  action,
  checkOrigin,
  type DashboardDeps,
  DashboardProblem,
  humanMessage,
  type PageResult,
  page,
  param,
  secureFor,
  sendHtml,
} from '../kit.js';
import { renderPage, timeTag } from '../layout.js';
import { noticeCallout } from '../notices.js';

/**
 * Team (`/dashboard/team`): the account's users and their roles. Admins invite people (a
 * one-time link shown once), change roles, reset passwords (a one-time link) and remove users
 * (their sessions end); the last admin can be neither demoted nor removed. Everyone else sees
 * the team read-only; every change is also refused on the server (the domain flows require an
 * admin). The links open `/dashboard/invite` and `/dashboard/reset-password`, where the holder
 * chooses a password and is signed in.
 */

const ROLE_LABEL: Readonly<Record<UserRole, string>> = {
  admin: 'Admin',
  developer: 'Developer',
  view_only: 'View only',
};

const ROLE_HELP: Readonly<Record<UserRole, string>> = {
  admin: 'installs apps, approves permissions, manages keys and the team',
  developer: 'sees everything, changes app settings (turns shadow mode off)',
  view_only: 'sees everything, changes nothing',
};

interface InviteFormState {
  readonly email?: string;
  readonly role?: string;
  readonly error?: string;
  readonly status?: number;
}

/** `/dashboard/team…`, `/dashboard/invite`, `/dashboard/reset-password`. */
export function registerTeam(app: FastifyInstance, deps: DashboardDeps): void {
  page(app, deps, '/team', async (request, _reply, { session }) =>
    teamPage(deps, session, { notice: readQuery(request).get('notice') }),
  );

  action(app, deps, '/team/invites', 'admin', async (request, _reply, { session }, form) => {
    const email = (form.get('email') ?? '').trim();
    const role = form.get('role') ?? '';
    let created: CreatedUserLink;
    try {
      created = await createInvite(deps.domain, { actor: session.actor, email, role: checkRole(role) });
    } catch (error) {
      if (error instanceof DomainError && (error.param === 'email' || error.param === 'role')) {
        return teamPage(deps, session, {
          invite: { email, role, error: humanMessage(error.message), status: 400 },
        });
      }
      throw error;
    }
    return linkOnce(request, created, {
      title: `Invite for ${created.link.email}`,
      intro: html`<p>Send this link to <strong>${created.link.email}</strong> (for example by email or chat). It lets them choose a password and join as <strong>${ROLE_LABEL[created.link.role ?? 'view_only']}</strong>. It works once, until ${timeTag(created.link.expires)}.</p>`,
    });
  });

  action(app, deps, '/team/links/:link/cancel', 'admin', async (request, reply, { session }) => {
    await cancelUserLink(deps.domain, { actor: session.actor, link: param(request, 'link') });
    return reply.redirect('/dashboard/team?notice=link_cancelled#links-title', 303);
  });

  action(app, deps, '/team/users/:user/role', 'admin', async (request, reply, { session }, form) => {
    const role = form.get('role') ?? '';
    try {
      await changeUserRole(deps.domain, {
        actor: session.actor,
        user: param(request, 'user'),
        role: checkRole(role),
      });
    } catch (error) {
      if (lastAdmin(error))
        return teamPage(deps, session, { status: 409, error: humanMessage((error as Error).message) });
      throw error;
    }
    return reply.redirect('/dashboard/team?notice=role_changed', 303);
  });

  page(app, deps, '/team/users/:user/remove', async (request, _reply, { session }) => {
    const user = await findMember(deps, session, param(request, 'user'));
    const self = user.id === session.user.id;
    return confirmPage(session, {
      title: `Remove ${user.email}?`,
      text: html`<p>${self ? 'You' : user.email} will no longer be able to sign in to this account. ${self ? 'Your' : 'Their'} sessions end at once${self ? ': you will be signed out' : ''}; the changes ${self ? 'you' : 'they'} made stay in the audit log.</p>`,
      action: dashboardPath('team', 'users', user.id, 'remove'),
      button: `Remove ${user.email}`,
      danger: true,
    });
  });

  action(app, deps, '/team/users/:user/remove', 'admin', async (request, reply, { session }) => {
    try {
      const { user } = await removeUser(deps.domain, { actor: session.actor, user: param(request, 'user') });
      if (user.id === session.user.id) {
        reply.header(
          'set-cookie',
          cookieHeader(SESSION_COOKIE, '', { secure: secureFor(deps, request), maxAge: 0 }),
        );
        return reply.redirect('/dashboard/sign-in', 303);
      }
    } catch (error) {
      if (lastAdmin(error))
        return teamPage(deps, session, { status: 409, error: humanMessage((error as Error).message) });
      throw error;
    }
    return reply.redirect('/dashboard/team?notice=user_removed', 303);
  });

  page(app, deps, '/team/users/:user/reset', async (request, _reply, { session }) => {
    const user = await findMember(deps, session, param(request, 'user'));
    return confirmPage(session, {
      title: `Reset the password of ${user.email}?`,
      text: html`<p>You get a one-time link to give to ${user.email}. With it they choose a new password; when they do, the old password stops working and every session of theirs ends. Until then nothing changes. The link works for 24 hours.</p>`,
      action: dashboardPath('team', 'users', user.id, 'reset'),
      button: 'Create reset link',
      danger: false,
    });
  });

  action(app, deps, '/team/users/:user/reset', 'admin', async (request, _reply, { session }) => {
    const created = await createPasswordReset(deps.domain, {
      actor: session.actor,
      user: param(request, 'user'),
    });
    return linkOnce(request, created, {
      title: `Password reset for ${created.link.email}`,
      intro: html`<p>Give this link to <strong>${created.link.email}</strong>. It lets them set a new password once, until ${timeTag(created.link.expires)}; then their old password stops working and their sessions end.</p>`,
    });
  });

  app.get('/invite', async (request, reply) => acceptPage(deps, request, reply, 'invite'));
  app.get('/reset-password', async (request, reply) => acceptPage(deps, request, reply, 'reset'));
  app.post('/invite', async (request, reply) => accept(deps, request, reply, 'invite'));
  app.post('/reset-password', async (request, reply) => accept(deps, request, reply, 'reset'));
}

function lastAdmin(error: unknown): boolean {
  return error instanceof DomainError && error.code === 'ERR_LAST_ADMIN';
}

async function findMember(deps: DashboardDeps, session: Session, id: string): Promise<User> {
  if (session.user.role !== 'admin') {
    throw new DashboardProblem(
      403,
      'Not allowed',
      'Only an admin of this account can manage the team. Ask an admin.',
    );
  }
  const user = (await listUsers(deps.domain, { actor: session.actor })).find((u) => u.id === id);
  if (user === undefined)
    throw new DashboardProblem(404, 'Not found', 'There is no such user on this account.');
  return user;
}

function confirmPage(
  session: Session,
  input: { title: string; text: Html; action: string; button: string; danger: boolean },
): PageResult {
  return {
    title: input.title,
    section: 'team',
    body: html`<h1>${input.title}</h1>
<div class="card">
  ${input.text}
  <form method="post" action="${input.action}">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <div class="actions-row"><button type="submit" class="${input.danger ? 'danger' : 'primary'}">${input.button}</button><a class="button" href="/dashboard/team">Cancel</a></div>
  </form>
</div>`,
  };
}

function linkUrl(request: FastifyRequest, created: CreatedUserLink): string {
  const path = created.link.kind === 'invite' ? '/dashboard/invite' : '/dashboard/reset-password';
  return `${request.protocol}://${request.headers.host ?? 'localhost'}${path}?token=${created.token}`;
}

/** The link, shown this once (the page is `no-store`). */
function linkOnce(
  request: FastifyRequest,
  created: CreatedUserLink,
  input: { readonly title: string; readonly intro: Html },
): PageResult {
  return {
    status: 201,
    title: input.title,
    section: 'team',
    body: html`<section class="card" aria-labelledby="link-title" data-link-once>
  <h1 id="link-title">${input.title}</h1>
  ${input.intro}
  ${shownOnce({
    id: 'new-link',
    what: 'link',
    note: html`appscope keeps only a hash of it. If it is lost, make a new one: the new link replaces this one.`,
    label: 'One-time link',
    value: linkUrl(request, created),
  })}
  <div class="actions-row"><a class="button primary" href="/dashboard/team">Back to the team</a></div>
</section>`,
  };
}

interface TeamPageOptions {
  readonly notice?: string | undefined;
  readonly status?: number;
  readonly error?: string;
  readonly invite?: InviteFormState;
}

async function teamPage(
  deps: DashboardDeps,
  session: Session,
  options: TeamPageOptions,
): Promise<PageResult> {
  const admin = session.user.role === 'admin';
  const users = await listUsers(deps.domain, { actor: session.actor });
  const links = admin ? await listPendingLinks(deps.domain, { actor: session.actor }) : [];
  const admins = users.filter((u) => u.role === 'admin').length;
  const invite = options.invite ?? {};
  const body = html`<div class="page-head">
  <div><h1>Team</h1><p class="subtitle">${users.length} ${users.length === 1 ? 'person' : 'people'} can sign in to this account</p></div>
</div>
${noticeCallout(options.notice)}
${options.error === undefined ? '' : html`<div class="callout error" role="alert"><p>${options.error}</p></div>`}
${
  admin
    ? ''
    : html`<div class="callout info"><p>Only an admin can invite people, change roles, reset passwords or remove users. You have the ${ROLE_LABEL[session.user.role].toLowerCase()} role.</p></div>`
}
<section class="card" aria-labelledby="members-title">
  <h2 id="members-title">Users</h2>
  <div class="table-wrap"><table>
    <caption class="visually-hidden">Users of this account</caption>
    <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Added</th>${admin ? html`<th scope="col">Actions</th>` : ''}</tr></thead>
    <tbody>${users.map((user) => memberRow(session, user, admin, admins))}</tbody>
  </table></div>
</section>
${admin ? inviteSection(session, invite) : ''}
${admin && links.length > 0 ? linksSection(session, links) : ''}
<section class="card" aria-labelledby="roles-title">
  <h2 id="roles-title">Roles</h2>
  <dl class="facts">${USER_ROLES.map((role) => html`<dt>${ROLE_LABEL[role]}</dt><dd>${ROLE_HELP[role]}</dd>`)}</dl>
</section>`;
  return { status: options.invite?.status ?? options.status ?? 200, title: 'Team', section: 'team', body };
}

function memberRow(session: Session, user: User, admin: boolean, admins: number): Html {
  const self = user.id === session.user.id;
  const onlyAdmin = user.role === 'admin' && admins <= 1;
  return html`<tr data-user="${user.id}">
  <td>${user.email}${self ? html` <span class="badge neutral">You</span>` : ''}</td>
  <td><span class="badge neutral">${ROLE_LABEL[user.role]}</span></td>
  <td>${timeTag(user.created)}</td>
  ${
    admin
      ? html`<td class="actions">
    <form method="post" action="${dashboardPath('team', 'users', user.id, 'role')}">
      <input type="hidden" name="csrf" value="${session.csrfToken}">
      <label class="visually-hidden" for="role-${user.id}">Role of ${user.email}</label>
      <select id="role-${user.id}" name="role">${USER_ROLES.map(
        (role) =>
          html`<option value="${role}"${role === user.role ? html` selected` : ''}>${ROLE_LABEL[role]}</option>`,
      )}</select>
      <button type="submit" class="small" aria-label="Change role of ${user.email}">Change role</button>
    </form>
    <a class="button small" href="${dashboardPath('team', 'users', user.id, 'reset')}" aria-label="Reset password of ${user.email}">Reset password…</a>
    ${
      onlyAdmin
        ? html`<span class="small muted">Last admin</span>`
        : html`<a class="button small danger" href="${dashboardPath('team', 'users', user.id, 'remove')}" aria-label="Remove ${user.email}">Remove…</a>`
    }
  </td>`
      : ''
  }
</tr>`;
}

function inviteSection(session: Session, state: InviteFormState): Html {
  const role = state.role ?? 'developer';
  return html`<section class="card" aria-labelledby="invite-title">
  <h2 id="invite-title">Invite someone</h2>
  <p class="small muted">You get a one-time link to send them. It works for 7 days; with it they choose a password and join with the role you pick.</p>
  ${state.error === undefined ? '' : html`<div class="callout error" role="alert" id="invite-error"><p>${state.error}</p></div>`}
  <form method="post" action="/dashboard/team/invites">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <div class="grid-2">
      <div class="field">
        <label for="invite-email">Email</label>
        <input id="invite-email" name="email" type="email" required autocomplete="off" value="${state.email ?? ''}"${state.error === undefined ? '' : html` aria-invalid="true" aria-describedby="invite-error"`}>
      </div>
      <div class="field">
        <label for="invite-role">Role</label>
        <select id="invite-role" name="role" aria-describedby="invite-role-hint">${USER_ROLES.map(
          (r) => html`<option value="${r}"${r === role ? html` selected` : ''}>${ROLE_LABEL[r]}</option>`,
        )}</select>
        <p class="hint" id="invite-role-hint">What each role may do is listed under <a href="#roles-title">Roles</a>.</p>
      </div>
    </div>
    <button type="submit" class="primary">Create invite link</button>
  </form>
</section>`;
}

function linksSection(session: Session, links: readonly UserLink[]): Html {
  return html`<section class="card" aria-labelledby="links-title">
  <h2 id="links-title">Links not used yet</h2>
  <div class="table-wrap"><table>
    <caption class="visually-hidden">Invite and reset links that still work</caption>
    <thead><tr><th scope="col">Link</th><th scope="col">For</th><th scope="col">Role</th><th scope="col">Expires</th><th scope="col">Actions</th></tr></thead>
    <tbody>${links.map(
      (link) => html`<tr data-link="${link.id}">
      <td>${link.kind === 'invite' ? 'Invite' : 'Password reset'}</td>
      <td>${link.email}</td>
      <td>${link.role === null ? '—' : ROLE_LABEL[link.role]}</td>
      <td>${timeTag(link.expires)}</td>
      <td class="actions"><form method="post" action="${dashboardPath('team', 'links', link.id, 'cancel')}">
        <input type="hidden" name="csrf" value="${session.csrfToken}">
        <button type="submit" class="small" aria-label="Cancel the ${link.kind === 'invite' ? 'invite' : 'reset link'} for ${link.email}">Cancel link</button>
      </form></td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>`;
}

// ---- Accepting a link (signed out): choose a password, get signed in.

const LINK_TITLES: Readonly<Record<string, string>> = {
  used: 'Link already used',
  expired: 'Link expired',
  revoked: 'Link no longer works',
  unknown: 'Link not valid',
};

function authShell(title: string, inner: Html): string {
  return renderPage({
    title,
    body: html`<div class="auth">
  <a class="brand" href="/dashboard/sign-in"><img src="/dashboard/assets/logo.svg" alt="">appscope</a>
  <div class="card">${inner}</div>
</div>`,
  });
}

function refusedLink(reply: FastifyReply, found: LinkLookup): FastifyReply {
  const status = found.status === 'pending' ? 'unknown' : found.status;
  const who =
    'link' in found
      ? html` Ask an admin of <strong>${found.accountName}</strong> for a new link.`
      : html` Ask the admin who sent it for a new link.`;
  return sendHtml(
    reply,
    status === 'unknown' ? 404 : 410,
    authShell(
      LINK_TITLES[status] ?? 'Link not valid',
      html`<h1>${LINK_TITLES[status] ?? 'Link not valid'}</h1>
<div class="callout error" role="alert"><p>${humanMessage(linkRefusal(status))}${who}</p></div>
<p><a href="/dashboard/sign-in">Sign in</a></p>`,
    ),
  );
}

function passwordForm(
  kind: 'invite' | 'reset',
  token: string,
  found: Extract<LinkLookup, { link: UserLink }>,
  error?: string,
): string {
  const link = found.link;
  const invite = kind === 'invite';
  const title = invite ? `Join ${found.accountName}` : 'Choose a new password';
  const invalid = error === undefined ? '' : html` aria-invalid="true" aria-describedby="accept-error"`;
  return authShell(
    title,
    html`<h1>${title}</h1>
<p class="subtitle">${
      invite
        ? html`You are invited as <strong>${link.email}</strong> with the <strong>${ROLE_LABEL[link.role ?? 'view_only'].toLowerCase()}</strong> role. Choose a password to finish.`
        : html`for <strong>${link.email}</strong> on ${found.accountName}. Your old password stops working and your other sessions end.`
    }</p>
${error === undefined ? '' : html`<div class="callout error" role="alert" id="accept-error"><p>${error}</p></div>`}
<form method="post" action="${invite ? '/dashboard/invite' : '/dashboard/reset-password'}" novalidate>
  <input type="hidden" name="token" value="${token}">
  <input type="text" name="username" value="${link.email}" autocomplete="username" hidden>
  <div class="field">
    <label for="password">New password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10" aria-describedby="password-hint"${invalid}>
    <p class="hint" id="password-hint">At least 10 characters.</p>
  </div>
  <div class="field">
    <label for="password-again">Repeat the password</label>
    <input id="password-again" name="password_again" type="password" autocomplete="new-password" required${invalid}>
  </div>
  <button type="submit" class="primary">${invite ? 'Join and sign in' : 'Set password and sign in'}</button>
</form>`,
  );
}

async function acceptPage(
  deps: DashboardDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: 'invite' | 'reset',
): Promise<FastifyReply> {
  const token = readQuery(request).get('token') ?? '';
  const found = await lookUpLink(deps.domain, token);
  if (found.status !== 'pending' || !('link' in found) || found.link.kind !== kind) {
    return refusedLink(reply, found.status === 'pending' ? { status: 'unknown' } : found);
  }
  return sendHtml(reply, 200, passwordForm(kind, token, found));
}

async function accept(
  deps: DashboardDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: 'invite' | 'reset',
): Promise<FastifyReply> {
  checkOrigin(request);
  const form: FormData = readForm(request);
  const token = form.get('token') ?? '';
  const found = await lookUpLink(deps.domain, token);
  if (found.status !== 'pending' || !('link' in found) || found.link.kind !== kind) {
    return refusedLink(reply, found.status === 'pending' ? { status: 'unknown' } : found);
  }
  const password = form.get('password') ?? '';
  if (password !== (form.get('password_again') ?? '')) {
    return sendHtml(
      reply,
      400,
      passwordForm(kind, token, found, 'The two passwords differ. Enter the same password twice.'),
    );
  }
  let user: User;
  try {
    ({ user } = await acceptLink(deps.domain, { token, password }));
  } catch (error) {
    if (error instanceof DomainError && error.param === 'password') {
      return sendHtml(reply, 400, passwordForm(kind, token, found, humanMessage(error.message)));
    }
    if (error instanceof DomainError && error.param === 'token') {
      const again = await lookUpLink(deps.domain, token);
      if (again.status !== 'pending') return refusedLink(reply, again);
      throw new DashboardProblem(409, 'Link not used', humanMessage(error.message));
    }
    throw error;
  }
  const previous = readCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (previous !== undefined) await endSession(deps.domain, previous);
  const { token: session } = await startSession(deps.domain, { user, ttlSeconds: deps.sessionTtlSeconds });
  reply.header(
    'set-cookie',
    cookieHeader(SESSION_COOKIE, session, {
      secure: secureFor(deps, request),
      maxAge: deps.sessionTtlSeconds,
    }),
  );
  return reply.redirect(`/dashboard/apps?notice=${kind === 'invite' ? 'welcome' : 'password_set'}`, 303);
}

import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { listAudit } from '../../src/domain/audit.js';
import { installApp, uninstallApp } from '../../src/domain/installs.js';
import { createInvite, listPendingLinks } from '../../src/domain/invites.js';
import { listKeys } from '../../src/domain/keys.js';
import { checkUserPassword, listUsers } from '../../src/domain/users.js';
import { type Agent, agent, csrfOf } from './agent.js';
import { APP, type DashboardWorld, dashboardWorld, manifest, PASSWORD } from './support.js';

/**
 * Issue 15's dashboard screens over `app.inject()`: Team (invite and reset links, roles, removal,
 * the last admin), the app catalogue, and the confirmation steps of rolling and revoking keys.
 */

let world: DashboardWorld;
afterEach(async () => {
  await world?.close();
});

const NEW_PASSWORD = 'a brand new passphrase here';

/** A clock the test moves by hand (seconds since the epoch × 1000). */
function manualClock(start = Date.UTC(2026, 5, 1, 12, 0, 0)) {
  let now = start;
  return {
    clock: () => now,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    seconds: () => Math.floor(now / 1000),
  };
}

async function signedIn(role: 'admin' | 'developer' | 'view_only' = 'admin'): Promise<Agent> {
  const browser = agent(world.app);
  const response = await browser.signIn(world.emails[role], PASSWORD);
  if (response.statusCode !== 303) throw new Error(`sign-in failed: ${response.statusCode}`);
  return browser;
}

async function userId(email: string): Promise<string> {
  const user = (await listUsers(world.domain, { actor: OPERATOR, account: world.merchant })).find(
    (u) => u.email === email,
  );
  if (user === undefined) throw new Error(`no user ${email}`);
  return user.id;
}

/** Creates an invite as the admin; returns the link shown once and its token. */
async function invite(admin: Agent, email: string, role: string): Promise<{ url: string; token: string }> {
  const team = await admin.get('/dashboard/team');
  const response = await admin.post('/dashboard/team/invites', { csrf: csrfOf(team.body), email, role });
  expect(response.statusCode).toBe(201);
  const url = /id="new-link" type="text" readonly value="([^"]+)"/.exec(response.body)?.[1];
  expect(url).toBeDefined();
  const token = new URL(url!.replace(/&amp;/g, '&')).searchParams.get('token')!;
  return { url: url!, token };
}

async function actions(): Promise<string[]> {
  return (await listAudit(world.domain, { limit: 1000 })).map((entry) => entry.action);
}

describe('team screen', () => {
  it('admins see users with their roles and every control; others see the list read-only and are refused on the server', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const page = await admin.get('/dashboard/team');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('aria-current="page">Team</a>');
    for (const email of Object.values(world.emails)) expect(page.body).toContain(email);
    expect(page.body).toContain('Create invite link');
    expect(page.body).toContain('Change role');
    expect(page.body).toContain('Reset password…');
    // The only admin cannot be removed: no button, a note instead.
    const adminRow = page.body.slice(page.body.indexOf(`data-user="${await userId(world.emails.admin)}"`));
    expect(adminRow.slice(0, adminRow.indexOf('</tr>'))).toContain('Last admin');

    const developerId = await userId(world.emails.developer);
    const pending = await createInvite(world.domain, {
      actor: OPERATOR,
      account: world.merchant,
      email: 'pending@rocket.example',
      role: 'developer',
    });
    for (const role of ['developer', 'view_only'] as const) {
      const browser = await signedIn(role);
      const view = await browser.get('/dashboard/team');
      expect(view.statusCode).toBe(200);
      for (const email of Object.values(world.emails)) expect(view.body).toContain(email);
      for (const control of ['Create invite link', 'Change role', 'Reset password…', 'Remove…'])
        expect(view.body).not.toContain(control);
      expect(view.body).toContain('Only an admin can invite people');
      expect(view.body).not.toContain('pending@rocket.example'); // pending links are for admins
      const csrf = csrfOf(view.body);
      for (const [url, fields] of [
        ['/dashboard/team/invites', { email: 'sneaky@rocket.example', role: 'admin' }],
        [`/dashboard/team/users/${developerId}/role`, { role: 'admin' }],
        [`/dashboard/team/users/${developerId}/remove`, {}],
        [`/dashboard/team/users/${developerId}/reset`, {}],
        [`/dashboard/team/links/${pending.link.id}/cancel`, {}],
      ] as const) {
        expect((await browser.post(url, { csrf, ...fields })).statusCode, `${role} ${url}`).toBe(403);
      }
      expect((await browser.get(`/dashboard/team/users/${developerId}/remove`)).statusCode).toBe(403);
      expect((await browser.get(`/dashboard/team/users/${developerId}/reset`)).statusCode).toBe(403);
    }
    const users = await listUsers(world.domain, { actor: OPERATOR, account: world.merchant });
    expect(users.map((u) => [u.email, u.role]).sort()).toEqual(
      Object.entries(world.emails)
        .map(([role, email]) => [email, role])
        .sort(),
    );
    expect(
      (await listPendingLinks(world.domain, { actor: OPERATOR, account: world.merchant })).map((l) => l.id),
    ).toEqual([pending.link.id]);
  });

  it('refuses a team change without the CSRF token or from another site, and changes nothing', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const page = await admin.get('/dashboard/team');
    const missing = await admin.post('/dashboard/team/invites', {
      email: 'x1@rocket.example',
      role: 'admin',
    });
    expect(missing.statusCode).toBe(403);
    const wrong = await admin.post('/dashboard/team/invites', {
      csrf: 'not-the-token',
      email: 'x2@rocket.example',
      role: 'admin',
    });
    expect(wrong.statusCode).toBe(403);
    const foreign = await admin.post(
      '/dashboard/team/invites',
      { csrf: csrfOf(page.body), email: 'x3@rocket.example', role: 'admin' },
      { origin: 'https://evil.example' },
    );
    expect(foreign.statusCode).toBe(403);
    expect(await listPendingLinks(world.domain, { actor: OPERATOR, account: world.merchant })).toEqual([]);
  });

  it('an invite link is shown once, stored as a hash, accepted once: the invitee sets a password and is signed in', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const { url, token } = await invite(admin, 'Sam@Rocket.example', 'developer');
    expect(url).toMatch(/^http:\/\/localhost(:\d+)?\/dashboard\/invite\?token=[A-Za-z0-9_-]{43}$/);
    const team = await admin.get('/dashboard/team');
    expect(team.body).not.toContain(token);
    expect(team.body).toContain('sam@rocket.example');
    const [link] = await listPendingLinks(world.domain, { actor: OPERATOR, account: world.merchant });
    expect(link).toMatchObject({
      kind: 'invite',
      email: 'sam@rocket.example',
      role: 'developer',
      status: 'pending',
    });
    const row = await world.store.transaction(
      (tx) => tx.getUserLinkByHash(createHash('sha256').update(token).digest('hex')),
      { readOnly: true },
    );
    expect(row?.id).toBe(link!.id);
    expect(JSON.stringify(row)).not.toContain(token);

    const invitee = agent(world.app);
    const form = await invitee.get(`/dashboard/invite?token=${token}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Join Rocket Rides');
    expect(form.body).toContain('<strong>sam@rocket.example</strong>');
    const differ = await invitee.post('/dashboard/invite', {
      token,
      password: NEW_PASSWORD,
      password_again: `${NEW_PASSWORD}!`,
    });
    expect(differ.statusCode).toBe(400);
    expect(differ.body).toContain('The two passwords differ.');
    const short = await invitee.post('/dashboard/invite', {
      token,
      password: 'short',
      password_again: 'short',
    });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('aria-describedby="accept-error"');
    expect(invitee.cookies.has('appscope_session')).toBe(false);

    const accepted = await invitee.post('/dashboard/invite', {
      token,
      password: NEW_PASSWORD,
      password_again: NEW_PASSWORD,
    });
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toBe('/dashboard/apps?notice=welcome');
    const apps = await invitee.get('/dashboard/apps?notice=welcome');
    expect(apps.statusCode).toBe(200);
    expect(apps.body).toContain('sam@rocket.example <span class="badge neutral">Developer</span>');
    expect(apps.body).toContain('Welcome: you joined the account');
    const user = await checkUserPassword(world.domain, {
      email: 'sam@rocket.example',
      password: NEW_PASSWORD,
    });
    expect(user).toMatchObject({ account: world.merchant, role: 'developer' });

    // The link works once.
    const again = await agent(world.app).get(`/dashboard/invite?token=${token}`);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('This link was already used: each link works once.');
    const reuse = await agent(world.app).post('/dashboard/invite', {
      token,
      password: 'another long password',
      password_again: 'another long password',
    });
    expect(reuse.statusCode).toBe(410);
    expect(
      await checkUserPassword(world.domain, {
        email: 'sam@rocket.example',
        password: 'another long password',
      }),
    ).toBeUndefined();
    const audit = (await admin.get('/dashboard/audit')).body;
    expect(audit).toContain('Invited sam@rocket.example (developer)');
    expect(audit).toContain('Joined through an invite as sam@rocket.example (developer)');
    const logged = await actions();
    expect(logged).toContain('user_link.created');
    expect(logged).toContain('user.invite_accepted');
    const entry = (await listAudit(world.domain, { limit: 1000 })).find(
      (e) => e.action === 'user_link.created',
    );
    expect(JSON.stringify(entry)).not.toContain(token);
  });

  it('refuses an expired, replaced, cancelled or unknown link clearly, and creates nobody', async () => {
    const time = manualClock();
    world = await dashboardWorld({ clock: time.clock });
    const admin = await signedIn();
    const expired = await invite(admin, 'late@rocket.example', 'view_only');
    time.advance(7 * 86_400);
    const page = await agent(world.app).get(`/dashboard/invite?token=${expired.token}`);
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('<h1>Link expired</h1>');
    expect(page.body).toContain('Ask an admin of <strong>Rocket Rides</strong> for a new link.');
    const post = await agent(world.app).post('/dashboard/invite', {
      token: expired.token,
      password: NEW_PASSWORD,
      password_again: NEW_PASSWORD,
    });
    expect(post.statusCode).toBe(410);

    const admin2 = await signedIn(); // the first session expired with the clock
    const first = await invite(admin2, 'twice@rocket.example', 'developer');
    const second = await invite(admin2, 'twice@rocket.example', 'view_only');
    const replaced = await agent(world.app).get(`/dashboard/invite?token=${first.token}`);
    expect(replaced.statusCode).toBe(410);
    expect(replaced.body).toContain('it was cancelled or replaced by a newer one');
    expect((await agent(world.app).get(`/dashboard/invite?token=${second.token}`)).statusCode).toBe(200);

    const team = await admin2.get('/dashboard/team');
    const [pending] = await listPendingLinks(world.domain, { actor: OPERATOR, account: world.merchant });
    const cancelled = await admin2.post(`/dashboard/team/links/${pending!.id}/cancel`, {
      csrf: csrfOf(team.body),
    });
    expect(cancelled.headers.location).toBe('/dashboard/team?notice=link_cancelled#links-title');
    expect((await agent(world.app).get(`/dashboard/invite?token=${second.token}`)).statusCode).toBe(410);

    const unknown = await agent(world.app).get(`/dashboard/invite?token=${'A'.repeat(43)}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('This link is not valid');
    expect((await agent(world.app).get('/dashboard/invite?token=short')).statusCode).toBe(404);
    expect((await agent(world.app).get('/dashboard/invite')).statusCode).toBe(404);
    // An invite's token does not open the reset page.
    const fresh = await invite(admin2, 'path@rocket.example', 'developer');
    expect((await agent(world.app).get(`/dashboard/reset-password?token=${fresh.token}`)).statusCode).toBe(
      404,
    );

    const emails = (await listUsers(world.domain, { actor: OPERATOR, account: world.merchant })).map(
      (u) => u.email,
    );
    expect(emails).toHaveLength(3);
  });

  it('refuses to invite an existing member or a malformed email, next to the field', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const team = await admin.get('/dashboard/team');
    const member = await admin.post('/dashboard/team/invites', {
      csrf: csrfOf(team.body),
      email: world.emails.developer,
      role: 'admin',
    });
    expect(member.statusCode).toBe(400);
    expect(member.body).toContain(`“${world.emails.developer}” is already a member of this account.`);
    expect(member.body).toContain('aria-describedby="invite-error"');
    const bad = await admin.post('/dashboard/team/invites', {
      csrf: csrfOf(team.body),
      email: 'not an email',
      role: 'developer',
    });
    expect(bad.statusCode).toBe(400);
    const role = await admin.post('/dashboard/team/invites', {
      csrf: csrfOf(team.body),
      email: 'ok@rocket.example',
      role: 'owner',
    });
    expect(role.statusCode).toBe(400);
    expect(await listPendingLinks(world.domain, { actor: OPERATOR, account: world.merchant })).toEqual([]);
  });

  it('changes roles (effective on the next request, audited) and never demotes or removes the last admin', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const developer = await signedIn('developer');
    const adminId = await userId(world.emails.admin);
    const developerId = await userId(world.emails.developer);
    let team = await admin.get('/dashboard/team');

    const demoteSelf = await admin.post(`/dashboard/team/users/${adminId}/role`, {
      csrf: csrfOf(team.body),
      role: 'developer',
    });
    expect(demoteSelf.statusCode).toBe(409);
    expect(demoteSelf.body).toContain('is the last admin of this account');
    const removeSelf = await admin.post(`/dashboard/team/users/${adminId}/remove`, {
      csrf: csrfOf(team.body),
    });
    expect(removeSelf.statusCode).toBe(409);
    expect(removeSelf.body).toContain('make another user an admin first');

    const toViewOnly = await admin.post(`/dashboard/team/users/${developerId}/role`, {
      csrf: csrfOf(team.body),
      role: 'view_only',
    });
    expect(toViewOnly.headers.location).toBe('/dashboard/team?notice=role_changed');
    expect((await developer.get('/dashboard/apps')).body).toContain(
      '<span class="badge neutral">View only</span>',
    );
    const promote = await admin.post(`/dashboard/team/users/${developerId}/role`, {
      csrf: csrfOf(team.body),
      role: 'admin',
    });
    expect(promote.statusCode).toBe(303);
    // Two admins now: either may step down.
    team = await admin.get('/dashboard/team');
    expect(team.body).not.toContain('Last admin');
    const stepDown = await admin.post(`/dashboard/team/users/${adminId}/role`, {
      csrf: csrfOf(team.body),
      role: 'developer',
    });
    expect(stepDown.statusCode).toBe(303);
    const users = await listUsers(world.domain, { actor: OPERATOR, account: world.merchant });
    expect(users.find((u) => u.id === adminId)?.role).toBe('developer');
    expect(users.find((u) => u.id === developerId)?.role).toBe('admin');
    // The demoted admin is refused from now on.
    expect(
      (
        await admin.post(`/dashboard/team/users/${developerId}/role`, {
          csrf: csrfOf(team.body),
          role: 'view_only',
        })
      ).statusCode,
    ).toBe(403);
    expect((await actions()).filter((a) => a === 'user.role_changed')).toHaveLength(3);
    const audit = (await (await signedIn('developer')).get('/dashboard/audit')).body;
    expect(audit).toContain(`Changed the role of ${world.emails.admin} from admin to developer`);
    expect(audit).toContain(`Changed the role of ${world.emails.developer} from developer to view only`);
  });

  it('removing a user ends their sessions at once and they cannot sign in again', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const developer = await signedIn('developer');
    expect((await developer.get('/dashboard/apps')).statusCode).toBe(200);
    const developerId = await userId(world.emails.developer);
    const confirm = await admin.get(`/dashboard/team/users/${developerId}/remove`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain(`<h1>Remove ${world.emails.developer}?</h1>`);
    expect(confirm.body).toContain('sessions end at once');
    const removed = await admin.post(`/dashboard/team/users/${developerId}/remove`, {
      csrf: csrfOf(confirm.body),
    });
    expect(removed.headers.location).toBe('/dashboard/team?notice=user_removed');
    const after = await developer.get('/dashboard/apps');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toContain('/dashboard/sign-in');
    expect((await agent(world.app).signIn(world.emails.developer, PASSWORD)).statusCode).toBe(401);
    expect((await admin.get('/dashboard/team')).body).not.toContain(world.emails.developer);
    const entry = (await listAudit(world.domain, { limit: 1000 })).find((e) => e.action === 'user.removed');
    expect(entry?.target).toEqual({ type: 'user', id: developerId });
    expect(entry?.actor).toMatchObject({ type: 'user', email: world.emails.admin });
  });

  it('a reset link replaces the password when used: the old one stops working and the sessions end', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const viewer = await signedIn('view_only');
    const viewerId = await userId(world.emails.view_only);
    const confirm = await admin.get(`/dashboard/team/users/${viewerId}/reset`);
    expect(confirm.body).toContain('the old password stops working');
    const created = await admin.post(`/dashboard/team/users/${viewerId}/reset`, {
      csrf: csrfOf(confirm.body),
    });
    expect(created.statusCode).toBe(201);
    const url = /id="new-link" type="text" readonly value="([^"]+)"/.exec(created.body)![1]!;
    expect(url).toContain('/dashboard/reset-password?token=');
    const token = new URL(url).searchParams.get('token')!;
    // Nothing changes until the link is used.
    expect((await viewer.get('/dashboard/apps')).statusCode).toBe(200);
    expect(
      await checkUserPassword(world.domain, { email: world.emails.view_only, password: PASSWORD }),
    ).toBeDefined();

    const holder = agent(world.app);
    const form = await holder.get(`/dashboard/reset-password?token=${token}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Choose a new password');
    const done = await holder.post('/dashboard/reset-password', {
      token,
      password: NEW_PASSWORD,
      password_again: NEW_PASSWORD,
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/dashboard/apps?notice=password_set');
    expect((await holder.get('/dashboard/apps')).statusCode).toBe(200);
    expect((await viewer.get('/dashboard/apps')).statusCode).toBe(303); // the old session ended
    expect((await agent(world.app).signIn(world.emails.view_only, PASSWORD)).statusCode).toBe(401);
    expect((await agent(world.app).signIn(world.emails.view_only, NEW_PASSWORD)).statusCode).toBe(303);
    const reuse = await agent(world.app).post('/dashboard/reset-password', {
      token,
      password: 'yet another password',
      password_again: 'yet another password',
    });
    expect(reuse.statusCode).toBe(410);
    expect(await actions()).toContain('user.password_reset');
  });
});

describe('app catalogue', () => {
  it('lists only public released apps with developer names and purposes, marks installed ones, and leads to consent', async () => {
    world = await dashboardWorld();
    await uploadAppVersion(world.domain, {
      actor: OPERATOR,
      account: world.developer,
      manifest: {
        ...manifest('1.0.0', ['charge_read']),
        id: 'com.example.hidden',
        name: 'Hidden Private',
        distribution_type: 'private',
      },
    });
    await uploadAppVersion(world.domain, {
      actor: OPERATOR,
      account: world.developer,
      manifest: {
        ...manifest('1.0.0', ['charge_read']),
        id: 'com.example.unreleased',
        name: 'Not Yet Released',
      },
      release: false,
    });
    await uploadAppVersion(world.domain, {
      actor: OPERATOR,
      account: world.developer,
      manifest: { ...manifest('2.0.0', ['dispute_read']), id: 'com.example.disputes', name: 'Dispute Desk' },
    });
    const admin = await signedIn();
    const page = await admin.get('/dashboard/catalog');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('aria-current="page">Catalogue</a>');
    expect(page.body).not.toContain('Hidden Private');
    expect(page.body).not.toContain('Not Yet Released');
    const items = [...page.body.matchAll(/data-app="([^"]+)"/g)].map((m) => m[1]);
    expect(items).toEqual([APP, 'com.example.disputes']);
    const crm = page.body.slice(page.body.indexOf(`data-app="${APP}"`), page.body.indexOf('</li>\n</ul>'));
    expect(crm).toContain('by <strong>Example Apps Inc</strong>');
    expect(crm).toContain(
      '<code>customer_write</code> — <span class="purpose-text">Sync customer writes to the CRM</span>',
    );
    expect(page.body).toContain(`href="/dashboard/apps/${APP}/install"`);
    expect(page.body).not.toContain('badge installed');

    const consent = await admin.get(`/dashboard/apps/${APP}/install`);
    expect(consent.body).toContain('<dt>Developer</dt><dd><strong>Example Apps Inc</strong>');
    await installApp(world.domain, { actor: OPERATOR, account: world.merchant, app: APP, mode: 'test' });
    const after = await admin.get('/dashboard/catalog');
    const item = after.body.slice(
      after.body.indexOf(`data-app="${APP}"`),
      after.body.indexOf('data-app="com.example.disputes"'),
    );
    expect(item).toContain('<span class="badge installed">Installed</span>');
    expect(item).toContain('Installed in test mode · Manage');
    // Installed in test mode only: live mode offers it again.
    const mode = await admin.post('/dashboard/mode', {
      csrf: csrfOf(after.body),
      mode: 'live',
      next: '/dashboard/catalog',
    });
    expect(mode.headers.location).toBe('/dashboard/catalog');
    expect((await admin.get('/dashboard/catalog')).body).not.toContain('badge installed');
    // View-only users browse it too; installing stays an admin's decision on the consent screen.
    const viewer = await signedIn('view_only');
    expect((await viewer.get('/dashboard/catalog')).body).toContain('Dispute Desk');
  });
});

describe('roll and revoke confirmations', () => {
  async function installWithKey(): Promise<{ admin: Agent; install: string; key: string }> {
    const { install } = await installApp(world.domain, {
      actor: OPERATOR,
      account: world.merchant,
      app: APP,
      mode: 'test',
    });
    const [key] = await listKeys(world.domain, { actor: OPERATOR, install: install.id });
    return { admin: await signedIn(), install: install.id, key: key!.id };
  }

  it('roll asks first and offers now, 1 hour, 24 hours or 7 days for the old key, which then shows as rolled', async () => {
    const time = manualClock();
    world = await dashboardWorld({ clock: time.clock });
    for (const grace of [0, 3_600, 86_400, 7 * 86_400]) {
      const { admin, install, key } = await installWithKey();
      const installPage = await admin.get(`/dashboard/installs/${install}`);
      expect(installPage.body).toContain(`href="/dashboard/keys/${key}/roll"`);
      expect(installPage.body).not.toContain(`action="/dashboard/keys/${key}/roll"`);
      const confirm = await admin.get(`/dashboard/keys/${key}/roll`);
      expect(confirm.statusCode).toBe(200);
      const values = [...confirm.body.matchAll(/type="radio" name="grace" value="(\d+)"/g)].map((m) => m[1]);
      expect(values).toEqual(['0', '3600', '86400', '604800']);
      for (const label of ['Now', 'In 1 hour', 'In 24 hours', 'In 7 days'])
        expect(confirm.body).toContain(label);
      const rolled = await admin.post(`/dashboard/keys/${key}/roll`, {
        csrf: csrfOf(confirm.body),
        grace: String(grace),
      });
      expect(rolled.statusCode).toBe(201);
      const keys = await listKeys(world.domain, { actor: OPERATOR, install });
      const old = keys.find((k) => k.id === key)!;
      expect(old.expires_at).toBe(time.seconds() + grace);
      expect(old.rolled_to).toBe(keys.find((k) => k.id !== key)!.id);
      // The API keeps its statuses; the dashboard says "rolled".
      expect(old.status).toBe(grace === 0 ? 'expired' : 'active');
      const row = (await admin.get(`/dashboard/installs/${install}`)).body;
      const cell = row.slice(row.indexOf(`data-key="${key}"`));
      const status = cell.slice(0, cell.indexOf('</td>', cell.indexOf('</td>') + 5));
      expect(status).toContain('>Rolled</span>');
      expect(status).not.toContain('Expired');
      expect(status).toContain(grace === 0 ? 'stopped' : 'works until');
      if (grace === 3_600) {
        // Once the grace period has passed: still "rolled" (it stopped), never "expired".
        time.advance(grace + 1);
        const later = (await (await signedIn()).get(`/dashboard/installs/${install}`)).body;
        const laterCell = later.slice(later.indexOf(`data-key="${key}"`));
        const laterStatus = laterCell.slice(0, laterCell.indexOf('</td>', laterCell.indexOf('</td>') + 5));
        expect(laterStatus).toContain('>Rolled</span>');
        expect(laterStatus).toContain('stopped');
        expect(laterStatus).not.toContain('Expired');
        expect(
          (await listKeys(world.domain, { actor: OPERATOR, install })).find((k) => k.id === key)?.status,
        ).toBe('expired');
      }
      await uninstallApp(world.domain, { actor: OPERATOR, install });
    }
  });

  it('refuses a roll without a valid expiry choice, and changes nothing', async () => {
    world = await dashboardWorld();
    const { admin, install, key } = await installWithKey();
    const confirm = await admin.get(`/dashboard/keys/${key}/roll`);
    for (const grace of ['', '60', 'soon']) {
      const response = await admin.post(`/dashboard/keys/${key}/roll`, { csrf: csrfOf(confirm.body), grace });
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('Choose when the old key stops working');
    }
    expect(await listKeys(world.domain, { actor: OPERATOR, install })).toHaveLength(1);
  });

  it('revoke asks first; the confirmation page holds the only revoke form', async () => {
    world = await dashboardWorld();
    const { admin, install, key } = await installWithKey();
    const installPage = await admin.get(`/dashboard/installs/${install}`);
    expect(installPage.body).toContain(`href="/dashboard/keys/${key}/revoke"`);
    expect(installPage.body).not.toContain(`action="/dashboard/keys/${key}/revoke"`);
    const confirm = await admin.get(`/dashboard/keys/${key}/revoke`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('This cannot be undone');
    expect(confirm.body).toContain(`action="/dashboard/keys/${key}/revoke"`);
    expect(confirm.body).toContain(`href="/dashboard/installs/${install}#keys-title">Cancel</a>`);
    expect((await listKeys(world.domain, { actor: OPERATOR, install }))[0]!.status).toBe('active');
    const revoked = await admin.post(`/dashboard/keys/${key}/revoke`, { csrf: csrfOf(confirm.body) });
    expect(revoked.headers.location).toBe(`/dashboard/installs/${install}?notice=revoked#keys-title`);
    expect((await listKeys(world.domain, { actor: OPERATOR, install }))[0]!.status).toBe('revoked');
    // A revoked key's confirmation page offers nothing.
    const again = await admin.get(`/dashboard/keys/${key}/revoke`);
    expect(again.body).toContain('This key is revoked');
    expect(again.body).not.toContain(`action="/dashboard/keys/${key}/revoke"`);
    // Non-admins see no form and are refused on the server.
    const viewer = await signedIn('developer');
    const page = await viewer.get(`/dashboard/keys/${key}/roll`);
    expect(page.body).toContain('Only an admin can roll keys');
    expect(page.body).not.toContain('name="grace"');
  });
});

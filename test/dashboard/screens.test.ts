import { afterEach, describe, expect, it } from 'vitest';
import { toDecisionRow } from '../../src/decision-log/rows.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { getInstall, installApp } from '../../src/domain/installs.js';
import { listKeys } from '../../src/domain/keys.js';
import type { DecisionRecord } from '../../src/gateway/decision-record.js';
import { type Agent, agent, csrfOf, hiddenValues } from './agent.js';
import { APP, type DashboardWorld, dashboardWorld, manifest, PASSWORD } from './support.js';

/**
 * The screens over `app.inject()`: consent, installed apps, Review permissions, keys, shadow
 * mode, activity, audit and the mode switch; what each role sees and may do; and that every
 * app-supplied string is escaped.
 */

let world: DashboardWorld;
afterEach(async () => {
  await world?.close();
});

async function signedIn(role: 'admin' | 'developer' | 'view_only' = 'admin'): Promise<Agent> {
  const browser = agent(world.app);
  const response = await browser.signIn(world.emails[role], PASSWORD);
  if (response.statusCode !== 303) throw new Error(`sign-in failed: ${response.statusCode}`);
  return browser;
}

/** Approves the consent screen as the browser's user; returns the response and the install id. */
async function approve(browser: Agent): Promise<{ body: string; status: number; install: string }> {
  const consent = await browser.get(`/dashboard/apps/${APP}/install`);
  const response = await browser.post(`/dashboard/apps/${APP}/install`, {
    csrf: csrfOf(consent.body),
    expected: hiddenValues(consent.body, `/dashboard/apps/${APP}/install`, 'expected'),
  });
  const install = /\/dashboard\/installs\/(appinst_[A-Za-z0-9]+)/.exec(response.body)?.[1] ?? '';
  return { body: response.body, status: response.statusCode, install };
}

function permissionItem(body: string, name: string): string {
  const start = body.indexOf(`data-permission="${name}"`);
  if (start < 0) throw new Error(`${name} is not listed`);
  return body.slice(start, body.indexOf('</li>', start));
}

describe('install consent', () => {
  it('lists every requested permission with its purpose, read or write, resource, implications and companion notes', async () => {
    world = await dashboardWorld({ permissions: ['customer_write', 'invoice_read', 'payment_intent_write'] });
    const browser = await signedIn();
    const page = await browser.get(`/dashboard/apps/${APP}/install`);
    expect(page.statusCode).toBe(200);
    const body = page.body;
    expect(body).toContain('<h1>Install CRM Sync?</h1>');
    expect(body).toContain('<dt>Version</dt><dd>1.0.0</dd>');
    expect(body).toContain(`<code>${world.developer}</code>`);
    expect(body).toContain(`src="/dashboard/apps/${APP}/icon.svg"`);
    for (const [resource, name, access] of [
      ['Customer', 'customer_write', 'Write'],
      ['Invoice', 'invoice_read', 'Read'],
      ['Payment intent', 'payment_intent_write', 'Write'],
    ] as const) {
      const item = permissionItem(body, name);
      expect(item).toContain(`<span class="badge ${access.toLowerCase()}">${access}</span>`);
      expect(item).toContain(`Sync ${name.replace('_', ' ')}s to the CRM`);
      expect(
        body.lastIndexOf(`<h3>${resource}</h3>`, body.indexOf(`data-permission="${name}"`)),
      ).toBeGreaterThan(0);
    }
    expect(permissionItem(body, 'customer_write')).toContain(
      'Also allows: <code>billing_clock_read</code>, <code>customer_read</code>',
    );
    expect(permissionItem(body, 'payment_intent_write')).toContain(
      'If you’re managing PaymentIntents with Stripe.js Elements, you must also request elements_write. (<code>elements_write</code> is not requested by this app)',
    );
    expect(body).toContain('Approve and install');
    expect(body).toContain('<a class="button" href="/dashboard/apps">Cancel</a>');
    expect(hiddenValues(body, `/dashboard/apps/${APP}/install`, 'expected')).toEqual([
      'customer_write',
      'invoice_read',
      'payment_intent_write',
    ]);
  });

  it('approving installs the app and shows its key once; afterwards only the hint', async () => {
    world = await dashboardWorld();
    const browser = await signedIn();
    const { body, status, install } = await approve(browser);
    expect(status).toBe(201);
    const secret = /id="new-key" type="text" readonly value="(rk_test_[A-Za-z0-9]+)"/.exec(body)?.[1];
    expect(secret).toBeDefined();
    expect(body).toContain('It is shown only this once');
    expect(body).toContain('data-copy aria-controls="new-key" hidden');
    const page = await browser.get(`/dashboard/installs/${install}`);
    expect(page.body).not.toContain(secret!);
    expect(page.body).toContain(`rk_test_***…${secret!.slice(-4)}`);
    expect((await browser.get('/dashboard/apps')).body).toContain('<a href="/dashboard/installs/');
  });

  it('refuses an install when the app released something else after the admin looked (409, nothing installed)', async () => {
    world = await dashboardWorld();
    const browser = await signedIn();
    const consent = await browser.get(`/dashboard/apps/${APP}/install`);
    await uploadAppVersion(world.domain, {
      actor: OPERATOR,
      account: world.developer,
      manifest: manifest('1.1.0', ['customer_write', 'invoice_read', 'charge_read']),
    });
    const response = await browser.post(`/dashboard/apps/${APP}/install`, {
      csrf: csrfOf(consent.body),
      expected: hiddenValues(consent.body, `/dashboard/apps/${APP}/install`, 'expected'),
    });
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('now requests something else. Nothing was installed.');
    expect(response.body).toContain('data-permission="charge_read"');
    expect((await browser.get('/dashboard/apps')).body).toContain('No apps are installed');
  });

  it('sends an unknown app id back to the form with the error next to the field', async () => {
    world = await dashboardWorld();
    const browser = await signedIn();
    const find = await browser.get('/dashboard/apps/find?app=com.nope.missing');
    expect(find.headers.location).toBe('/dashboard/apps/com.nope.missing/install');
    const consent = await browser.get(find.headers.location!);
    expect(consent.statusCode).toBe(303);
    const form = await browser.get(consent.headers.location!);
    expect(form.body).toContain('aria-invalid="true" aria-describedby="app-id-error"');
    expect(form.body).toContain(
      '<p class="field-error" id="app-id-error">No app <code>com.nope.missing</code>',
    );
  });
});

describe('roles', () => {
  it('a view_only user sees no Approve button, and a forged approval gets 403 and installs nothing', async () => {
    world = await dashboardWorld();
    for (const role of ['view_only', 'developer'] as const) {
      const browser = await signedIn(role);
      const consent = await browser.get(`/dashboard/apps/${APP}/install`);
      expect(consent.statusCode).toBe(200);
      expect(consent.body).toContain('data-permission="customer_write"');
      expect(consent.body).not.toContain('Approve and install');
      expect(consent.body).toContain('Only an admin of this account can approve an install.');
      const forged = await browser.post(`/dashboard/apps/${APP}/install`, {
        csrf: csrfOf(consent.body),
        expected: ['customer_write', 'invoice_read'],
      });
      expect(forged.statusCode).toBe(403);
      expect(forged.body).toContain('Only an admin of this account can do this');
    }
    expect((await (await signedIn()).get('/dashboard/apps')).body).toContain('No apps are installed');
  });

  it('only admins see and use key, review and uninstall controls', async () => {
    world = await dashboardWorld();
    const { install } = await approve(await signedIn());
    const [key] = await listKeys(world.domain, { actor: OPERATOR, install });
    for (const role of ['view_only', 'developer'] as const) {
      const browser = await signedIn(role);
      const page = await browser.get(`/dashboard/installs/${install}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(key!.redacted);
      for (const control of ['Create key', '>Revoke…<', '>Roll…<', 'Uninstall CRM Sync'])
        expect(page.body).not.toContain(control);
      const csrf = csrfOf(page.body);
      for (const url of [
        `/dashboard/keys/${key!.id}/revoke`,
        `/dashboard/keys/${key!.id}/roll`,
        `/dashboard/installs/${install}/keys`,
        `/dashboard/installs/${install}/uninstall`,
        `/dashboard/installs/${install}/review`,
      ]) {
        expect((await browser.post(url, { csrf, grace: '0' })).statusCode, `${role} ${url}`).toBe(403);
      }
    }
    const [after] = await listKeys(world.domain, { actor: OPERATOR, install });
    expect(after!.status).toBe('active');
    expect((await getInstall(world.domain, { actor: OPERATOR, install })).status).toBe('installed');
  });

  it('shadow mode: only admins turn it on; developers may turn it off; view_only may not touch it', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const { install } = await approve(admin);
    const developer = await signedIn('developer');
    const viewer = await signedIn('view_only');
    const devPage = await developer.get(`/dashboard/installs/${install}`);
    expect(devPage.body).toContain('Only an admin can turn shadow mode on.');
    const url = `/dashboard/installs/${install}/shadow-mode`;
    expect((await developer.post(url, { csrf: csrfOf(devPage.body), enabled: 'true' })).statusCode).toBe(403);
    const adminPage = await admin.get(`/dashboard/installs/${install}`);
    const on = await admin.post(url, { csrf: csrfOf(adminPage.body), enabled: 'true' });
    expect(on.headers.location).toBe(`/dashboard/installs/${install}?notice=shadow_on`);
    expect((await getInstall(world.domain, { actor: OPERATOR, install })).shadow_mode).toBe(true);
    const viewerPage = await viewer.get(`/dashboard/installs/${install}`);
    expect(viewerPage.body).toContain('<span class="badge warn">Shadow mode</span>');
    expect((await viewer.post(url, { csrf: csrfOf(viewerPage.body), enabled: 'false' })).statusCode).toBe(
      403,
    );
    const devPage2 = await developer.get(`/dashboard/installs/${install}`);
    expect(devPage2.body).toContain('Turn shadow mode off');
    const off = await developer.post(url, { csrf: csrfOf(devPage2.body), enabled: 'false' });
    expect(off.statusCode).toBe(303);
    expect((await getInstall(world.domain, { actor: OPERATOR, install })).shadow_mode).toBe(false);
  });
});

describe('escaping', () => {
  it('shows a hostile app name, purpose and id as text on every screen', async () => {
    world = await dashboardWorld();
    const hostile = '<script>alert("name")</script>';
    const purpose = '"><img src=x onerror=alert(1)> & <b>bold</b>';
    await uploadAppVersion(world.domain, {
      actor: OPERATOR,
      account: world.developer,
      manifest: {
        id: 'com.evil.app',
        version: '1.0.0',
        name: hostile,
        icon: '',
        distribution_type: 'public',
        stripe_api_access_type: 'restricted_api_key',
        permissions: [{ permission: 'customer_read', purpose }],
        ui_extension: { content_security_policy: { 'connect-src': ['https://evil.example/api/'], purpose } },
      },
    });
    const browser = await signedIn();
    const consent = await browser.get('/dashboard/apps/com.evil.app/install');
    const pages = [consent.body];
    const done = await browser.post('/dashboard/apps/com.evil.app/install', {
      csrf: csrfOf(consent.body),
      expected: ['customer_read'],
    });
    expect(done.statusCode).toBe(201);
    pages.push(done.body);
    const install = /\/dashboard\/installs\/(appinst_[A-Za-z0-9]+)/.exec(done.body)![1]!;
    for (const url of [
      '/dashboard/apps',
      `/dashboard/installs/${install}`,
      '/dashboard/audit',
      '/dashboard/activity',
    ]) {
      pages.push((await browser.get(url)).body);
    }
    for (const body of pages) {
      expect(body).not.toContain('<script>alert');
      expect(body).not.toContain('<img src=x');
      expect(body).not.toContain('<b>bold</b>');
    }
    expect(consent.body).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(consent.body).toContain(
      '&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;',
    );
    const icon = await browser.get('/dashboard/apps/com.evil.app/icon.svg');
    expect(icon.headers['content-type']).toContain('image/svg+xml');
    expect(icon.body).toContain('>&lt;</text>');
  });
});

describe('Review permissions', () => {
  it('shows what a release added and removed and what changes in effective access, then approves it', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const { install } = await approve(admin);
    await uploadAppVersion(world.domain, {
      actor: OPERATOR,
      account: world.developer,
      manifest: manifest('2.0.0', ['customer_write', 'charge_write', 'checkout_session_read']),
    });
    const apps = await admin.get('/dashboard/apps');
    expect(apps.body).toContain('Update waiting for review');
    expect(apps.body).toContain('An app update is waiting');
    expect(apps.body).toContain(`href="/dashboard/installs/${install}/review"`);
    const review = await admin.get(`/dashboard/installs/${install}/review`);
    const body = review.body;
    expect(body).toContain('Added: 2 new permissions to approve');
    expect(permissionItem(body, 'charge_write')).toContain('<span class="badge ok">New</span>');
    expect(permissionItem(body, 'charge_write')).toContain('Sync charge writes to the CRM');
    expect(permissionItem(body, 'checkout_session_read')).toContain('Also allows:');
    expect(permissionItem(body, 'invoice_read')).toContain('<span class="badge bad">Removed</span>');
    const newly = body.slice(
      body.indexOf('Newly allowed if you approve'),
      body.indexOf('No longer allowed since'),
    );
    for (const name of ['charge_read', 'charge_write', 'checkout_session_read', 'payment_intent_read']) {
      expect(newly).toContain(`<code>${name}</code>`);
    }
    expect(newly).not.toContain('<code>customer_read</code>');
    const gone = body.slice(body.indexOf('No longer allowed since'), body.indexOf('Unchanged:'));
    expect(gone).toContain('<code>invoice_read</code>');
    expect(gone).toContain('<code>credit_note_read</code>');
    expect(hiddenValues(body, `/dashboard/installs/${install}/review`, 'expected')).toEqual([
      'charge_write',
      'checkout_session_read',
    ]);

    // A release while the admin reads: the approval is refused, nothing granted.
    await uploadAppVersion(world.domain, {
      actor: OPERATOR,
      account: world.developer,
      manifest: manifest('2.1.0', [
        'customer_write',
        'charge_write',
        'checkout_session_read',
        'product_read',
      ]),
    });
    const stale = await admin.post(`/dashboard/installs/${install}/review`, {
      csrf: csrfOf(body),
      expected: ['charge_write', 'checkout_session_read'],
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('the permissions waiting for approval changed. Nothing was approved.');
    const fresh = await admin.get(`/dashboard/installs/${install}/review`);
    const approved = await admin.post(`/dashboard/installs/${install}/review`, {
      csrf: csrfOf(fresh.body),
      expected: hiddenValues(fresh.body, `/dashboard/installs/${install}/review`, 'expected'),
    });
    expect(approved.headers.location).toBe(`/dashboard/installs/${install}?notice=approved`);
    const after = await getInstall(world.domain, { actor: OPERATOR, install });
    expect(after.permissions_granted).toEqual([
      'charge_write',
      'checkout_session_read',
      'customer_write',
      'product_read',
    ]);
    expect(after.permissions_pending).toEqual([]);
    const page = await admin.get(`/dashboard/installs/${install}?notice=approved`);
    expect(page.body).toContain('The new permissions are approved and in effect.');
    expect(page.body).not.toContain('An app update is waiting');
  });
});

describe('keys', () => {
  it('creates a narrowed, expiring key shown once; refuses bad input in place; rolls with a grace period; revokes', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const { install } = await approve(admin);
    let page = await admin.get(`/dashboard/installs/${install}`);
    expect(page.body).toContain('value="customer_read"'); // implied permissions can be chosen too
    const created = await admin.post(`/dashboard/installs/${install}/keys`, {
      csrf: csrfOf(page.body),
      permissions: ['customer_read'],
      expires_in: String(7 * 86_400),
      expires_on: '',
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatch(/value="rk_test_[A-Za-z0-9]{42}"/);
    expect(created.body).toContain('Narrowed to <code>customer_read</code>');

    const outside = await admin.post(`/dashboard/installs/${install}/keys`, {
      csrf: csrfOf(page.body),
      permissions: ['charge_write'],
      expires_in: '0',
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.body).toContain(
      `<p class="field-error" id="permissions-error">“charge_write” is not granted to install “${install}”: a key can only be narrowed to permissions the install holds.</p>`,
    );
    const past = await admin.post(`/dashboard/installs/${install}/keys`, {
      csrf: csrfOf(page.body),
      expires_in: '0',
      expires_on: '2000-01-01T00:00',
    });
    expect(past.statusCode).toBe(400);
    expect(past.body).toContain(
      '<p class="field-error" id="expires-error">The expiry must be in the future.</p>',
    );
    expect(past.body).toContain('aria-invalid="true" aria-describedby="expires-error"');

    const keys = await listKeys(world.domain, { actor: OPERATOR, install });
    expect(keys.map((k) => k.permissions).sort()).toEqual([['customer_read'], null]);
    const first = keys.find((k) => k.permissions === null)!;
    const narrowed = keys.find((k) => k.permissions !== null)!;
    page = await admin.get(`/dashboard/installs/${install}`);
    expect(page.body).toContain('Only <code>customer_read</code>');
    const rolled = await admin.post(`/dashboard/keys/${first.id}/roll`, {
      csrf: csrfOf(page.body),
      grace: '3600',
    });
    expect(rolled.statusCode).toBe(201);
    expect(rolled.body).toContain('It keeps working until');
    page = await admin.get(`/dashboard/installs/${install}`);
    expect(page.body).toContain(
      '<span class="badge rolled">Rolled</span><br><span class="small muted">works until',
    );
    const revoked = await admin.post(`/dashboard/keys/${narrowed.id}/revoke`, { csrf: csrfOf(page.body) });
    expect(revoked.headers.location).toBe(`/dashboard/installs/${install}?notice=revoked#keys-title`);
    const after = await listKeys(world.domain, { actor: OPERATOR, install });
    expect(after.find((k) => k.id === narrowed.id)?.status).toBe('revoked');
    expect(after.find((k) => k.id === first.id)?.rolled_to).not.toBeNull();
    expect(after.filter((k) => k.status === 'active')).toHaveLength(2); // the rolled key in its grace period, and its replacement
  });

  it('uninstalls after a confirmation page, revoking every key', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const { install } = await approve(admin);
    const confirm = await admin.get(`/dashboard/installs/${install}/uninstall`);
    expect(confirm.body).toContain('every key of the install is revoked');
    const done = await admin.post(`/dashboard/installs/${install}/uninstall`, { csrf: csrfOf(confirm.body) });
    expect(done.headers.location).toBe(`/dashboard/installs/${install}?notice=uninstalled`);
    expect(
      (await listKeys(world.domain, { actor: OPERATOR, install })).every((k) => k.status === 'revoked'),
    ).toBe(true);
    const apps = await admin.get('/dashboard/apps');
    expect(apps.body).toContain('Uninstalled');
  });
});

describe('activity', () => {
  function record(
    partial: Partial<DecisionRecord> & Pick<DecisionRecord, 'time' | 'outcome'>,
  ): DecisionRecord {
    return {
      requestId: `req_${Math.random().toString(36).slice(2)}`,
      account: world.merchant,
      install: null,
      app: APP,
      keyHint: 'rk_test_***…abcd',
      livemode: false,
      method: 'GET',
      route: '/v1/customers',
      path: '/v1/customers',
      requirement: [['customer_read']],
      missing: [],
      status: 200,
      latencyMs: 1,
      ...partial,
    };
  }

  it('shows the decision log with filters, a chart by decision, unused permissions and what denied calls lacked', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const { install } = await approve(admin);
    const now = Date.now();
    const rows = [
      record({ install, time: now - 60_000, outcome: 'allowed' }),
      record({
        install,
        time: now - 120_000,
        outcome: 'allowed',
        method: 'POST',
        requirement: [['customer_write']],
      }),
      record({
        install,
        time: now - 30_000,
        outcome: 'denied',
        route: '/v1/charges',
        path: '/v1/charges',
        requirement: [['charge_read', 'charge_write']],
        missing: [['charge_read', 'charge_write']],
        status: 403,
      }),
      // Another account's decision never shows.
      record({
        account: 'acct_other',
        install: 'appinst_other',
        time: now - 10_000,
        outcome: 'denied',
        path: '/v1/secret-path',
      }),
    ];
    await world.store.transaction((tx) => tx.insertDecisions(rows.map(toDecisionRow)));
    const page = await admin.get('/dashboard/activity');
    expect(page.statusCode).toBe(200);
    const body = page.body;
    expect(body).not.toContain('/v1/secret-path');
    expect(body).toContain('<svg class="chart"');
    expect(body).toContain('2 allowed, 0 shadow denied, 1 denied');
    expect(body.match(/<rect class="allowed"/g)?.length).toBeGreaterThanOrEqual(1);
    expect(body.match(/<rect class="denied"/g)?.length).toBe(1);
    const unused = body.slice(body.indexOf(`data-unused-install="${install}"`));
    expect(unused.slice(0, unused.indexOf('</tr>'))).toContain('<code>invoice_read</code>');
    expect(unused.slice(0, unused.indexOf('</tr>'))).not.toContain('<code>customer_write</code>');
    // the least set for every call it made: charge_read added (the denied call), invoice_read not needed
    const row = unused.slice(0, unused.indexOf('</tr>'));
    expect(row).toContain('<span class="diff-add">+ <code>charge_read</code></span>');
    expect(row).toContain('<span class="diff-remove">− <code>invoice_read</code></span>');
    expect(row).not.toContain('− <code>customer_write</code>');
    const denied = body.slice(
      body.indexOf('Denied calls and what they lacked'),
      body.indexOf('id="log-title"'),
    );
    expect(denied).toContain('<code>GET /v1/charges</code>');
    expect(denied).toContain('one of <code>charge_read</code>, <code>charge_write</code>');

    const onlyDenied = await admin.get(`/dashboard/activity?outcome=denied&install=${install}`);
    const log = onlyDenied.body.slice(onlyDenied.body.indexOf('id="log-title"'));
    expect(log).toContain('/v1/charges');
    expect(log).not.toContain('<code>GET /v1/customers</code>');
    const byRoute = await admin.get(`/dashboard/activity?route=${encodeURIComponent('/v1/customers')}`);
    expect(byRoute.body.slice(byRoute.body.indexOf('id="log-title"'))).not.toContain('/v1/charges');
    const byPermission = await admin.get('/dashboard/activity?permission=charge_write');
    expect(byPermission.body).toContain('<strong>1</strong>');
    const typo = await admin.get('/dashboard/activity?permission=charge_wrte');
    expect(typo.body).toContain(
      '<p class="field-error" id="f-permission-error">No permission is called “charge_wrte”. Did you mean “charge_write”?</p>',
    );
    const oldWindow = await admin.get('/dashboard/activity?from=2020-01-01T00:00&to=2020-01-02T00:00');
    expect(oldWindow.body).toContain('No requests in this selection.');
    const badTime = await admin.get('/dashboard/activity?from=yesterday');
    expect(badTime.body).toContain('<p class="field-error" id="f-from-error">');
  });
});

describe('audit log and modes', () => {
  it('shows who changed what on this account only, and that the chain verifies', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    await approve(admin);
    const other = await createAccount(world.domain, { actor: OPERATOR, name: 'Someone Else' });
    await installApp(world.domain, { actor: OPERATOR, account: other.account.id, app: APP });
    const page = await admin.get('/dashboard/audit');
    expect(page.body).toContain('The audit log verifies.');
    expect(page.body).toContain('admin@rocket.example <span class="small muted">(admin)</span>');
    expect(page.body).toContain(
      `Installed <code>${APP}</code> granting <code>customer_write</code>, <code>invoice_read</code>`,
    );
    expect(page.body).toContain('Added dashboard user viewer@rocket.example (view only)');
    expect(page.body).not.toContain(other.account.id);
  });

  it('switches between test and live mode; each mode shows its own installs', async () => {
    world = await dashboardWorld();
    const admin = await signedIn();
    const { install } = await approve(admin);
    const apps = await admin.get('/dashboard/apps');
    expect(apps.body).toContain('Test mode: you are viewing test data');
    const switched = await admin.post('/dashboard/mode', {
      csrf: csrfOf(apps.body),
      mode: 'live',
      next: `/dashboard/installs/${install}`,
    });
    expect(switched.headers.location).toBe('/dashboard/apps');
    const live = await admin.get('/dashboard/apps');
    expect(live.body).toContain('Live mode: changes affect live data');
    expect(live.body).toContain('No apps are installed in live mode yet.');
    const testInstall = await admin.get(`/dashboard/installs/${install}`);
    expect(testInstall.statusCode).toBe(400);
    expect(testInstall.body).toContain('exists in test mode, but you are in live mode');
    const liveApproval = await approve(admin);
    expect(liveApproval.status).toBe(201);
    expect(liveApproval.body).toMatch(/value="rk_live_/);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { listInstallSecrets, type SecretCaller, setAppSecret } from '../../src/domain/app-secrets.js';
import { DataKeyring, generateDataKey } from '../../src/domain/data-keys.js';
import { getInstall } from '../../src/domain/installs.js';
import { listKeys } from '../../src/domain/keys.js';
import { listUsers } from '../../src/domain/users.js';
import { type Agent, agent, csrfOf, hiddenValues } from './agent.js';
import { APP, type DashboardWorld, dashboardWorld, PASSWORD } from './support.js';

/** The install page's Secrets section: names and scopes, never payloads; admins delete. */

let world: DashboardWorld;
afterEach(async () => {
  await world?.close();
});

async function signedIn(role: 'admin' | 'developer' | 'view_only'): Promise<Agent> {
  const browser = agent(world.app);
  const response = await browser.signIn(world.emails[role], PASSWORD);
  if (response.statusCode !== 303) throw new Error(`sign-in failed: ${response.statusCode}`);
  return browser;
}

/** Installs the app through the consent screen and stores three secrets as the app would. */
async function installWithSecrets(): Promise<{ install: string; ids: Record<string, string> }> {
  const admin = await signedIn('admin');
  const consent = await admin.get(`/dashboard/apps/${APP}/install`);
  const approved = await admin.post(`/dashboard/apps/${APP}/install`, {
    csrf: csrfOf(consent.body),
    expected: hiddenValues(consent.body, `/dashboard/apps/${APP}/install`, 'expected'),
  });
  const install = /\/dashboard\/installs\/(appinst_[A-Za-z0-9]+)/.exec(approved.body)![1]!;
  const [key] = await listKeys(world.domain, { actor: OPERATOR, install });
  const caller: SecretCaller = { app: APP, install, account: world.merchant, livemode: false, key: key!.id };
  const keys = new DataKeyring([generateDataKey()]);
  const users = await listUsers(world.domain, { actor: OPERATOR, account: world.merchant });
  const viewer = users.find((u) => u.email === world.emails.view_only)!;
  const ids: Record<string, string> = {};
  for (const [name, payload, scope] of [
    ['crm_api_key', 'PAYLOAD-ACCOUNT-1', { type: 'account' }],
    ['webhook_secret', 'PAYLOAD-ACCOUNT-2', { type: 'account' }],
    ['oauth_token', 'PAYLOAD-USER-3', { type: 'user', user: viewer.id }],
  ] as const) {
    ids[name] = (await setAppSecret(world.domain, keys, { caller, name, payload, scope })).id;
  }
  return { install, ids };
}

describe('dashboard: an install’s secrets', () => {
  it('lists names and scopes (a user by email), never a payload; only admins delete', async () => {
    world = await dashboardWorld({ permissions: ['secret_write', 'customer_read'] });
    const { install, ids } = await installWithSecrets();

    for (const role of ['view_only', 'developer'] as const) {
      const browser = await signedIn(role);
      const page = await browser.get(`/dashboard/installs/${install}`);
      expect(page.statusCode).toBe(200);
      const section = page.body.slice(page.body.indexOf('id="secrets-title"'));
      for (const name of ['crm_api_key', 'webhook_secret', 'oauth_token'])
        expect(section).toContain(`<code>${name}</code>`);
      expect(section).toContain(`User ${world.emails.view_only}`);
      expect(page.body).not.toContain('PAYLOAD-');
      expect(section).not.toContain('Delete secret');
      const forged = await browser.post(
        `/dashboard/installs/${install}/secrets/${ids['crm_api_key']}/delete`,
        {
          csrf: csrfOf(page.body),
        },
      );
      expect(forged.statusCode, role).toBe(403);
    }

    const admin = await signedIn('admin');
    const page = await admin.get(`/dashboard/installs/${install}`);
    expect(page.body).not.toContain('PAYLOAD-');
    expect(page.body).toContain('aria-label="Delete secret crm_api_key"');
    const deleted = await admin.post(`/dashboard/installs/${install}/secrets/${ids['crm_api_key']}/delete`, {
      csrf: csrfOf(page.body),
    });
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe(
      `/dashboard/installs/${install}?notice=secret_deleted#secrets-title`,
    );
    const after = await admin.get(deleted.headers.location as string);
    expect(after.body).toContain('The secret is deleted.');
    expect(
      (await listInstallSecrets(world.domain, { actor: OPERATOR, install })).map((s) => s.name).sort(),
    ).toEqual(['oauth_token', 'webhook_secret']);
    // once deleted: not found
    const again = await admin.post(`/dashboard/installs/${install}/secrets/${ids['crm_api_key']}/delete`, {
      csrf: csrfOf(page.body),
    });
    expect(again.statusCode).toBe(404);

    // the audit page tells who deleted what, by name and scope
    const audit = await admin.get('/dashboard/audit');
    expect(audit.body).toContain('Deleted secret <code>crm_api_key</code> (account scope)');
    expect(audit.body).toContain(`Stored secret <code>oauth_token</code> (user <code>`);
    expect(audit.body).toContain(`app <code>${APP}</code>`);
    expect(audit.body).not.toContain('PAYLOAD-');
  });

  it('uninstalling says the secrets go, and deletes them', async () => {
    world = await dashboardWorld({ permissions: ['secret_write'] });
    const { install } = await installWithSecrets();
    const admin = await signedIn('admin');
    const confirm = await admin.get(`/dashboard/installs/${install}/uninstall`);
    expect(confirm.body).toContain('the secrets the app keeps on this account are deleted');
    await admin.post(`/dashboard/installs/${install}/uninstall`, { csrf: csrfOf(confirm.body) });
    expect((await getInstall(world.domain, { actor: OPERATOR, install })).status).toBe('uninstalled');
    expect(await listInstallSecrets(world.domain, { actor: OPERATOR, install })).toEqual([]);
    const page = await admin.get(`/dashboard/installs/${install}`);
    expect(page.body).not.toContain('id="secrets-title"');
  });
});

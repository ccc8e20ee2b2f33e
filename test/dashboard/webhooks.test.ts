import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { listAudit } from '../../src/domain/audit.js';
import { DataKeyring, generateDataKey } from '../../src/domain/data-keys.js';
import { installApp } from '../../src/domain/installs.js';
import { listWebhookEndpoints } from '../../src/domain/webhooks.js';
import { startWebhookWorker } from '../../src/webhooks/worker.js';
import { type Receiver, startReceiver } from '../webhooks/support.js';
import { type Agent, agent, csrfOf } from './agent.js';
import { APP, type DashboardWorld, dashboardWorld, PASSWORD } from './support.js';

/** The Webhooks screen over `app.inject()`: list, add (secret once), disable, enable, delete, deliveries. */

const POLICY = { allowHosts: ['127.0.0.1', 'hooks.example.com'], allowPrivate: true };
let world: DashboardWorld;
let receiver: Receiver | undefined;
const keys = new DataKeyring([generateDataKey()]);

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await world?.close();
});

async function signedIn(role: 'admin' | 'developer' | 'view_only' = 'admin'): Promise<Agent> {
  const browser = agent(world.app);
  const response = await browser.signIn(world.emails[role], PASSWORD);
  if (response.statusCode !== 303) throw new Error(`sign-in failed: ${response.statusCode}`);
  return browser;
}

describe('the Webhooks screen', () => {
  it('adds an endpoint showing its secret once, lists it, disables and deletes it after confirming', async () => {
    world = await dashboardWorld({ server: { secretKeys: keys, webhookPolicy: POLICY } });
    receiver = await startReceiver();
    const browser = await signedIn();
    const list = await browser.get('/dashboard/webhooks');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('aria-current="page">Webhooks</a>');
    expect(list.body).toContain('No webhook endpoints in test mode yet.');

    // a URL the operator does not allow: the form again, with the reason and what was typed
    const refused = await browser.post('/dashboard/webhooks', {
      csrf: csrfOf(list.body),
      url: 'https://elsewhere.example.net/hook',
      all_events: 'on',
    });
    expect(refused.statusCode).toBe(200);
    expect(refused.body).toContain('the operator has not allowed this host');
    expect(refused.body).toContain('value="https://elsewhere.example.net/hook"');
    const noEvents = await browser.post('/dashboard/webhooks', {
      csrf: csrfOf(list.body),
      url: receiver.url,
    });
    expect(noEvents.body).toContain('Choose at least one event type, or all events.');

    const added = await browser.post('/dashboard/webhooks', {
      csrf: csrfOf(list.body),
      url: receiver.url,
      enabled_events: ['apps.install.created', 'apps.install.deleted'],
      description: 'CRM <sync>',
    });
    expect(added.statusCode).toBe(200);
    const secret = /id="new-secret" type="text" readonly value="(whsec_[0-9A-Za-z]+)"/.exec(added.body)?.[1];
    expect(secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    expect(added.headers['cache-control']).toBe('no-store');
    const [endpoint] = await listWebhookEndpoints(world.domain, { actor: OPERATOR, account: world.merchant });
    expect(endpoint).toMatchObject({ url: receiver.url, description: 'CRM <sync>', status: 'enabled' });

    const again = await browser.get('/dashboard/webhooks');
    expect(again.body).toContain(`<code>${receiver.url}</code>`);
    expect(again.body).toContain('CRM &lt;sync&gt;');
    expect(again.body).toContain('<span class="badge ok">Enabled</span>');
    expect(again.body).not.toContain(secret!);
    const detail = await browser.get(`/dashboard/webhooks/${endpoint!.id}`);
    expect(detail.body).not.toContain(secret!);

    // disable: a confirmation page first, then the change
    const confirm = await browser.get(`/dashboard/webhooks/${endpoint!.id}/disable`);
    expect(confirm.body).toContain('<h1>Disable this webhook endpoint?</h1>');
    const disabled = await browser.post(`/dashboard/webhooks/${endpoint!.id}/disable`, {
      csrf: csrfOf(confirm.body),
    });
    expect(disabled.statusCode).toBe(303);
    const shown = await browser.get(disabled.headers.location as string);
    expect(shown.body).toContain('The endpoint is disabled');
    expect(shown.body).toContain('<span class="badge neutral">Disabled</span>');
    const enabled = await browser.post(`/dashboard/webhooks/${endpoint!.id}/enable`, {
      csrf: csrfOf(shown.body),
    });
    expect(enabled.statusCode).toBe(303);

    const confirmDelete = await browser.get(`/dashboard/webhooks/${endpoint!.id}/delete`);
    expect(confirmDelete.body).toContain('<h1>Delete this webhook endpoint?</h1>');
    const deleted = await browser.post(`/dashboard/webhooks/${endpoint!.id}/delete`, {
      csrf: csrfOf(confirmDelete.body),
    });
    expect(deleted.headers.location).toBe('/dashboard/webhooks?notice=deleted');
    expect(await listWebhookEndpoints(world.domain, { actor: OPERATOR, account: world.merchant })).toEqual(
      [],
    );
    const actions = (await listAudit(world.domain, { limit: 1000 }))
      .filter((e) => e.target.type === 'webhook_endpoint')
      .map((e) => [e.action, e.actor.type]);
    expect(actions).toEqual([
      ['webhook_endpoint.created', 'user'],
      ['webhook_endpoint.updated', 'user'],
      ['webhook_endpoint.updated', 'user'],
      ['webhook_endpoint.deleted', 'user'],
    ]);
  });

  it('shows each delivery with its attempts and marks a failing endpoint', async () => {
    world = await dashboardWorld({ server: { secretKeys: keys, webhookPolicy: POLICY } });
    receiver = await startReceiver(() => ({ status: 500, body: 'receiver broke' }));
    const browser = await signedIn();
    const list = await browser.get('/dashboard/webhooks');
    await browser.post('/dashboard/webhooks', {
      csrf: csrfOf(list.body),
      url: receiver.url,
      all_events: 'on',
    });
    const [endpoint] = await listWebhookEndpoints(world.domain, { actor: OPERATOR, account: world.merchant });
    await installApp(world.domain, { actor: OPERATOR, account: world.merchant, app: APP });
    const worker = startWebhookWorker({ domain: world.domain, keys, policy: POLICY, poll: false });
    await worker.runOnce();
    await worker.stop();
    const detail = await browser.get(`/dashboard/webhooks/${endpoint!.id}`);
    expect(detail.body).toContain('<span class="badge bad">Failing</span>');
    expect(detail.body).toContain('<code>apps.install.created</code>');
    expect(detail.body).toContain('1 attempt, last HTTP 500');
    expect(detail.body).toContain('the receiver answered 500');
    expect(detail.body).toContain('<code>receiver broke</code>');
    expect(detail.body).toContain('Retry now');
    const listed = await browser.get('/dashboard/webhooks');
    expect(listed.body).toContain('<span class="badge bad">Failing</span>');
  });

  it('other roles look but cannot change anything', async () => {
    world = await dashboardWorld({ server: { secretKeys: keys, webhookPolicy: POLICY } });
    const admin = await signedIn('admin');
    const list = await admin.get('/dashboard/webhooks');
    await admin.post('/dashboard/webhooks', {
      csrf: csrfOf(list.body),
      url: 'http://hooks.example.com/x',
      all_events: 'on',
    });
    const [endpoint] = await listWebhookEndpoints(world.domain, { actor: OPERATOR, account: world.merchant });
    for (const role of ['developer', 'view_only'] as const) {
      const browser = await signedIn(role);
      const page = await browser.get('/dashboard/webhooks');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Only an admin can add or change webhook endpoints.');
      expect(page.body).not.toContain('Add endpoint');
      const csrf = csrfOf(page.body);
      for (const [url, fields] of [
        ['/dashboard/webhooks', { csrf, url: 'http://hooks.example.com/y', all_events: 'on' }],
        [`/dashboard/webhooks/${endpoint!.id}/disable`, { csrf }],
        [`/dashboard/webhooks/${endpoint!.id}/delete`, { csrf }],
      ] as const) {
        expect((await browser.post(url, fields)).statusCode).toBe(403);
      }
    }
    // and without the CSRF token, not even an admin
    expect((await admin.post(`/dashboard/webhooks/${endpoint!.id}/delete`, {})).statusCode).toBe(403);
    expect(
      (await listWebhookEndpoints(world.domain, { actor: OPERATOR, account: world.merchant })).length,
    ).toBe(1);
  });
});

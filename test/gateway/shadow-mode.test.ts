import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/domain/audit.js';
import { listEvents } from '../../src/domain/events.js';
import { getInstall, uninstallApp } from '../../src/domain/installs.js';
import { setShadowMode } from '../../src/domain/shadow-mode.js';
import { type GatewayWorld, rejection, startGateway } from './support.js';

describe('shadow mode per install', () => {
  let w: GatewayWorld;
  let installId: string;
  let stripe: Stripe;
  let secret: string;

  async function setShadow(value: string, key = w.merchant.sk.test) {
    const response = await fetch(`${w.url}/v1/apps/installs/${installId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `shadow_mode=${value}`,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    w = await startGateway();
    await w.publish('com.example.shadow', '1.0.0', ['customer_read']);
    const { install, key } = await w.install('com.example.shadow');
    installId = install.id;
    expect(install.shadow_mode).toBe(false);
    secret = key!.secret;
    stripe = w.stripe(secret);
  });

  afterAll(async () => {
    await w.close();
  });

  it('forwards would-be denials, records them as shadow_denied and says so in headers', async () => {
    const on = await setShadow('true');
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ id: installId, shadow_mode: true, permissions_pending: [] });

    const before = w.upstreamSeen.length;
    const created = await stripe.customers.create({ email: 'shadow@example.com' });
    expect(created.object).toBe('customer');
    const response = await fetch(`${w.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=shadow2%40example.com',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('appscope-shadow-decision')).toBe('more_permissions_required');
    expect(response.headers.get('appscope-accepted-permissions')).toBe('customer_write');
    expect(w.upstreamSeen.length).toBe(before + 2);
    expect(w.decisions.at(-1)).toMatchObject({
      outcome: 'shadow_denied',
      status: 200,
      requirement: [['customer_write']],
      missing: [['customer_write']],
      install: installId,
    });
    // allowed calls stay plain allowed
    await stripe.customers.list();
    expect(w.decisions.at(-1)).toMatchObject({ outcome: 'allowed', missing: [] });
  });

  it('turns off again: the next would-be denial is denied', async () => {
    const off = await setShadow('false');
    expect(off.body).toMatchObject({ shadow_mode: false });
    const error = await rejection<Error>(stripe.customers.create({}));
    expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(w.decisions.at(-1)).toMatchObject({ outcome: 'denied', status: 403 });
  });

  it('is audited and announced, and idempotent', async () => {
    await setShadowMode(w.domain, { actor: w.merchant.actor.test, install: installId, enabled: true });
    const again = await setShadowMode(w.domain, {
      actor: w.merchant.actor.test,
      install: installId,
      enabled: true,
    });
    expect(again.shadow_mode).toBe(true);
    const events = await listEvents(w.domain, { actor: w.merchant.actor.test, type: 'apps.install.updated' });
    expect(events.data[0]!.data.previous_attributes).toEqual({ shadow_mode: false });
    expect((await verifyAudit(w.domain)).ok).toBe(true);
    expect(
      (await getInstall(w.domain, { actor: w.merchant.actor.test, install: installId })).shadow_mode,
    ).toBe(true);
  });

  it('refuses bad values, other accounts, and combining with reauthorization', async () => {
    expect((await setShadow('yes')).status).toBe(400);
    expect((await setShadow('true', w.stranger.sk.test)).status).toBe(404);
    const both = await fetch(`${w.url}/v1/apps/installs/${installId}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${w.merchant.sk.test}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'shadow_mode=true&expected_pending[0]=x',
    });
    expect(both.status).toBe(400);
    expect(((await both.json()) as { error: { code: string } }).error.code).toBe('parameters_exclusive');
  });

  it('cannot be set on an uninstalled install', async () => {
    await w.publish('com.example.gone', '1.0.0', ['customer_read']);
    const { install } = await w.install('com.example.gone');
    await uninstallApp(w.domain, { actor: w.merchant.actor.test, install: install.id });
    await expect(
      setShadowMode(w.domain, { actor: w.merchant.actor.test, install: install.id, enabled: true }),
    ).rejects.toMatchObject({ code: 'ERR_INSTALL_INACTIVE' });
  });
});

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import type { Domain } from '../../src/domain/context.js';
import { createUser } from '../../src/domain/users.js';
import type { Store } from '../../src/store/store.js';
import { chromiumSkipReason, haveChromium, launchChromium } from '../support/chromium.js';
import { localStripe, refusalOf } from '../support/local-stripe.js';
import { listeningServer } from './support.js';

/**
 * The dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core),
 * against a real server with the gateway in front of the built-in emulator: consent, the key
 * shown once, a call with the official `stripe` SDK, revoking, Review permissions after a
 * release, and what a view_only user and a forged request cannot do. Screenshots of the main
 * screens go to `test-results/screenshots/`.
 */

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const APP = 'com.example.crm-sync';
const PASSWORD = 'correct horse battery staple';

function crmManifest(version: string, extra: readonly { permission: string; purpose: string }[] = []) {
  return {
    id: APP,
    version,
    name: 'CRM Sync',
    icon: './icon.png',
    distribution_type: 'public',
    stripe_api_access_type: 'restricted_api_key',
    permissions: [
      { permission: 'customer_write', purpose: 'Create and update customers when their CRM record changes.' },
      { permission: 'invoice_read', purpose: 'Show each customer’s open invoices next to their CRM record.' },
      ...extra,
    ],
  };
}

let store: Store;
let domain: Domain;
let server: FastifyInstance;
let log: DecisionLog;
let browser: Browser;
let base: string;
let port: number;
let developer: string;
let merchant: string;

async function newPage(width = 1280, height = 900): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height }, baseURL: base });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/dashboard/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Saves a screenshot: the whole page, or its top `height` pixels. */
async function shot(page: Page, name: string, height?: number): Promise<void> {
  const path = join(SCREENSHOTS, `${name}.png`);
  if (height === undefined) await page.screenshot({ path, fullPage: true });
  else
    await page.screenshot({
      path,
      fullPage: true,
      clip: { x: 0, y: 0, width: page.viewportSize()!.width, height },
    });
}

function stripe(key: string): Stripe {
  return localStripe(key, port);
}

describe.skipIf(!haveChromium)(`dashboard in Chromium${chromiumSkipReason}`, () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    ({ store, domain, log, server, port, base } = await listeningServer());
    developer = (await createAccount(domain, { actor: OPERATOR, name: 'Example Apps Inc' })).account.id;
    merchant = (await createAccount(domain, { actor: OPERATOR, name: 'Rocket Rides' })).account.id;
    await uploadAppVersion(domain, { actor: OPERATOR, account: developer, manifest: crmManifest('1.0.0') });
    for (const [email, role] of [
      ['admin@rocket.example', 'admin'],
      ['viewer@rocket.example', 'view_only'],
    ] as const) {
      await createUser(domain, { actor: OPERATOR, account: merchant, email, role, password: PASSWORD });
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await log?.close();
    await store?.close();
  });

  it('sign in → consent → approve → key once → SDK call → revoke → refused; release → Review permissions → approve → allowed', async () => {
    const { context, page } = await newPage();

    // A wrong password does not sign in; the error is next to the fields.
    await signIn(page, 'admin@rocket.example', 'not the password');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('That email and password do not match');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    expect((await context.cookies()).some((c) => c.name === 'appscope_session')).toBe(false);
    await shot(page, 'sign-in-error');

    await signIn(page, 'admin@rocket.example');
    await page.waitForURL('**/dashboard/apps');
    const session = (await context.cookies()).find((c) => c.name === 'appscope_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });

    // Open the app by its id, as an install link would.
    await page.getByLabel('App ID').fill(APP);
    await page.getByRole('button', { name: 'Review what it requests' }).click();
    await page.waitForURL(`**/dashboard/apps/${APP}/install`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Install CRM Sync?');
    for (const [name, purpose, implied] of [
      ['customer_write', 'Create and update customers when their CRM record changes.', 'customer_read'],
      ['invoice_read', 'Show each customer’s open invoices next to their CRM record.', 'credit_note_read'],
    ] as const) {
      const item = page.locator(`li[data-permission="${name}"]`);
      expect(await item.locator('.purpose').textContent()).toContain(purpose);
      expect(await item.locator('.implies').textContent()).toContain(implied);
    }
    expect(await page.locator('li[data-permission]').count()).toBe(2);
    await shot(page, 'consent');

    // The same screen on a phone.
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`/dashboard/apps/${APP}/install`);
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(phone, 'consent-phone');
    await phone.close();

    // Approve: the key is shown once, with a copy button.
    await page.getByRole('button', { name: 'Approve and install' }).click();
    const field = page.locator('#new-key');
    const secret = await field.inputValue();
    expect(secret).toMatch(/^rk_test_[A-Za-z0-9]{42}$/);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await expect.poll(() => page.locator('#new-key-status').textContent()).toBe('Copied to the clipboard');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
    await shot(page, 'key-shown-once');

    // The key works through the gateway with the official SDK.
    const customers = await stripe(secret).customers.list({ limit: 3 });
    expect(customers.object).toBe('list');
    await stripe(secret).customers.create({ email: 'jenny@example.com' });
    const charges = await refusalOf(stripe(secret).charges.list());
    expect(charges.statusCode).toBe(403);

    // After leaving the page, only the hint is ever shown.
    await page.getByRole('link', { name: 'I have stored the key' }).click();
    await page.waitForURL('**/dashboard/installs/*');
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator('table').textContent()).toContain(secret.slice(-4));

    // Revoke in the dashboard (after a confirmation): the next call is refused.
    await page.getByRole('link', { name: /^Revoke rk_test_/ }).click();
    await page.waitForURL('**/revoke');
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('The key is revoked.');
    const refused = await refusalOf(stripe(secret).customers.list());
    expect(refused.statusCode).toBe(401);
    expect(refused.message).toContain('has been revoked');

    // A new key for the next steps, created in the dashboard.
    await page.getByRole('button', { name: 'Create key' }).click();
    const second = await page.locator('#new-key').inputValue();
    await page.getByRole('link', { name: 'I have stored the key' }).click();
    expect((await stripe(second).customers.list()).object).toBe('list');

    // The developer releases a version that asks for more.
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer,
      manifest: crmManifest('1.1.0', [
        { permission: 'charge_read', purpose: 'Show recent payments on the customer’s CRM timeline.' },
      ]),
    });
    const before = await refusalOf(stripe(second).charges.list());
    expect(before.statusCode).toBe(403);
    expect(before.message).toContain('charge_read');

    await page.goto('/dashboard/apps');
    expect(await page.locator('#pending').textContent()).toContain('CRM Sync');
    await shot(page, 'installed-apps');
    await page.locator('#pending').getByRole('link', { name: 'Review permissions' }).click();
    await page.waitForURL('**/review');
    const added = page.locator('li[data-permission="charge_read"]');
    expect(await added.textContent()).toContain('Show recent payments on the customer’s CRM timeline.');
    expect(await added.textContent()).toContain('New');
    expect(await page.locator('#effective-title').locator('..').textContent()).toContain('charge_read');
    await shot(page, 'review-permissions');
    await page.getByRole('button', { name: 'Approve new permissions' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('approved and in effect');
    await shot(page, 'install');
    expect((await stripe(second).charges.list()).object).toBe('list');

    // Activity shows the calls, the denials and what they lacked; the audit log verifies. A day
    // of earlier traffic (recorded as the gateway would) makes the chart worth a screenshot.
    const install = /installs\/(appinst_\w+)/.exec(page.url())![1]!;
    const now = Date.now();
    for (let i = 0; i < 240; i++) {
      const denied = i % 9 === 0;
      log.record({
        time: now - 86_000_000 + i * 355_000 + ((i * 7919) % 300_000),
        requestId: `req_earlier${i}`,
        account: merchant,
        install,
        app: APP,
        keyHint: `rk_test_***…${second.slice(-4)}`,
        livemode: false,
        method: denied ? 'GET' : i % 4 === 0 ? 'POST' : 'GET',
        route: denied ? '/v1/charges' : '/v1/customers',
        path: denied ? '/v1/charges' : '/v1/customers',
        requirement: denied ? [['charge_read']] : [[i % 4 === 0 ? 'customer_write' : 'customer_read']],
        outcome: denied ? 'denied' : 'allowed',
        missing: denied ? [['charge_read']] : [],
        status: denied ? 403 : 200,
        latencyMs: 2,
      });
    }
    await log.flush();
    await page.goto('/dashboard/activity');
    expect(await page.locator('svg.chart rect.denied').count()).toBeGreaterThan(0);
    const deniedTable = page.locator('#denied-title').locator('..');
    expect(await deniedTable.textContent()).toContain('charge_read');
    await shot(page, 'activity', 1250);
    await page.goto('/dashboard/audit');
    expect(await page.getByRole('status').first().textContent()).toContain('The audit log verifies.');
    await shot(page, 'audit');

    // The keyboard reaches the main controls, with a visible focus ring.
    await page.goto('/dashboard/apps');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');
    await context.close();
  }, 120_000);

  it('a view_only user sees no Approve button and a forged approval gets 403; a POST without the CSRF token gets 403', async () => {
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer,
      manifest: { ...crmManifest('1.0.0'), id: 'com.example.reports', name: 'Reports' },
    });
    const viewer = await newPage();
    await signIn(viewer.page, 'viewer@rocket.example');
    await viewer.page.waitForURL('**/dashboard/apps');
    await viewer.page.goto('/dashboard/apps/com.example.reports/install');
    expect(await viewer.page.locator('li[data-permission]').count()).toBe(2);
    expect(await viewer.page.getByRole('button', { name: 'Approve and install' }).count()).toBe(0);
    expect(await viewer.page.textContent('main')).toContain('Only an admin of this account can approve');
    await shot(viewer.page, 'consent-view-only');
    const csrf = await viewer.page.locator('input[name="csrf"]').first().inputValue();
    const forged = await viewer.page.request.post('/dashboard/apps/com.example.reports/install', {
      form: { csrf, expected: 'customer_write' },
      headers: { origin: base },
    });
    expect(forged.status()).toBe(403);
    await viewer.context.close();

    const admin = await newPage();
    await signIn(admin.page, 'admin@rocket.example');
    await admin.page.waitForURL('**/dashboard/apps');
    const noToken = await admin.page.request.post('/dashboard/apps/com.example.reports/install', {
      form: { expected: 'customer_write' },
    });
    expect(noToken.status()).toBe(403);
    await admin.page.goto('/dashboard/apps');
    expect(await admin.page.textContent('main')).not.toContain('Reports');
    await admin.context.close();
  }, 60_000);
});

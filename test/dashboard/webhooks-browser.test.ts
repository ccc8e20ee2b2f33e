import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import type { Domain } from '../../src/domain/context.js';
import { DataKeyring, generateDataKey } from '../../src/domain/data-keys.js';
import { installApp } from '../../src/domain/installs.js';
import { createUser } from '../../src/domain/users.js';
import { listWebhookEndpoints } from '../../src/domain/webhooks.js';
import type { Store } from '../../src/store/store.js';
import { startWebhookWorker } from '../../src/webhooks/worker.js';
import { chromiumSkipReason, haveChromium, launchChromium } from '../support/chromium.js';
import { APP, manifest, type Receiver, startReceiver } from '../webhooks/support.js';
import { listeningServer } from './support.js';

/**
 * The Webhooks screen in a real browser (Debian's Chromium, headless): add an endpoint, copy the
 * secret shown once, receive a delivery that the Stripe SDK verifies with it, see the attempt,
 * and disable and delete the endpoint through their confirmation pages.
 */

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const PASSWORD = 'correct horse battery staple';
const POLICY = { allowHosts: ['127.0.0.1'], allowPrivate: true };

let store: Store;
let domain: Domain;
let server: FastifyInstance;
let log: DecisionLog;
let browser: Browser;
let receiver: Receiver;
let base: string;
let merchant: string;
const keys = new DataKeyring([generateDataKey()]);

describe.skipIf(!haveChromium)(`the Webhooks screen in Chromium${chromiumSkipReason}`, () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    ({ store, domain, log, server, base } = await listeningServer({
      secretKeys: keys,
      webhookPolicy: POLICY,
    }));
    const developer = (await createAccount(domain, { actor: OPERATOR, name: 'Example Apps Inc' })).account.id;
    merchant = (await createAccount(domain, { actor: OPERATOR, name: 'Rocket Rides' })).account.id;
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer,
      manifest: manifest('1.0.0', ['customer_read']),
    });
    await createUser(domain, {
      actor: OPERATOR,
      account: merchant,
      email: 'admin@rocket.example',
      role: 'admin',
      password: PASSWORD,
    });
    receiver = await startReceiver();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.close();
    await log?.close();
    await store?.close();
  });

  async function signedInPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
    const page = await context.newPage();
    await page.goto('/dashboard/sign-in');
    await page.getByLabel('Email').fill('admin@rocket.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard\/apps/);
    return page;
  }

  it('adds an endpoint, shows the secret once, lists deliveries, and disables and deletes after confirming', {
    timeout: 60_000,
  }, async () => {
    const page = await signedInPage();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expect.poll(() => page.url()).toMatch(/\/dashboard\/webhooks$/);
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('CRM sync');
    await page.getByLabel('All events').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: 'Webhook endpoint added' }).waitFor();
    const secret = await page.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'webhook-secret-once.png'), fullPage: true });
    await page.getByRole('link', { name: 'I have stored the secret' }).click();

    // an event, delivered and verified with the secret the page showed
    await installApp(domain, { actor: OPERATOR, account: merchant, app: APP });
    const worker = startWebhookWorker({ domain, keys, policy: POLICY, poll: false });
    await worker.runOnce();
    await worker.stop();
    expect(receiver.received.length).toBeGreaterThan(0);
    const stripe = new Stripe('sk_test_unused');
    for (const request of receiver.received) {
      const event = stripe.webhooks.constructEvent(
        request.body,
        request.headers['stripe-signature'] as string,
        secret,
      );
      expect(event.id).toMatch(/^evt_/);
    }
    await page.reload();
    await expect
      .poll(() => page.getByText('1 attempt, last HTTP 200').count())
      .toBe(receiver.received.length);
    await page.screenshot({ path: join(SCREENSHOTS, 'webhook-deliveries.png'), fullPage: true });

    await page.getByRole('link', { name: 'Disable…' }).click();
    await page.getByRole('heading', { name: 'Disable this webhook endpoint?' }).waitFor();
    await page.getByRole('button', { name: 'Disable endpoint' }).click();
    await page.getByText('The endpoint is disabled').waitFor();
    await page.getByRole('link', { name: 'Delete…' }).click();
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('The endpoint is deleted with its deliveries.').waitFor();
    expect(await listWebhookEndpoints(domain, { actor: OPERATOR, account: merchant })).toEqual([]);
  });
});

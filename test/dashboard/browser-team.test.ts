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
import { listKeys } from '../../src/domain/keys.js';
import { createUser, listUsers } from '../../src/domain/users.js';
import type { Store } from '../../src/store/store.js';
import { chromiumSkipReason, haveChromium, launchChromium } from '../support/chromium.js';
import { localStripe } from '../support/local-stripe.js';
import { listeningServer } from './support.js';

/**
 * Issue 15's dashboard screens in a real browser (Debian's Chromium, headless, driven by
 * playwright-core) against a real server whose gateway fronts the built-in emulator: the Team
 * screen (invite → accept → role change → last admin → reset → remove), the app catalogue
 * (browse → consent → installed), and the confirmation steps of rolling (with an expiry for the
 * old key) and revoking a key, checked with calls through the official `stripe` SDK.
 * Screenshots go to `test-results/screenshots/`.
 */

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const PASSWORD = 'correct horse battery staple';
const ADMIN = 'admin@team.example';

function appManifest(id: string, name: string, permissions: readonly (readonly [string, string])[]) {
  return {
    id,
    version: '1.0.0',
    name,
    icon: './icon.png',
    distribution_type: 'public',
    stripe_api_access_type: 'restricted_api_key',
    permissions: permissions.map(([permission, purpose]) => ({ permission, purpose })),
  };
}

let store: Store;
let domain: Domain;
let server: FastifyInstance;
let log: DecisionLog;
let browser: Browser;
let base: string;
let port: number;
let merchant: string;

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: base });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/dashboard/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/dashboard/apps');
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

function stripe(key: string): Stripe {
  return localStripe(key, port);
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as { statusCode?: number }).statusCode ?? 0;
  }
}

/** The text of the main element. */
async function main(page: Page): Promise<string> {
  return (await page.locator('main').textContent()) ?? '';
}

describe.skipIf(!haveChromium)(
  `team, catalogue and key confirmations in Chromium${chromiumSkipReason}`,
  () => {
    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      ({ store, domain, log, server, port, base } = await listeningServer());
      const developer = (await createAccount(domain, { actor: OPERATOR, name: 'Northwind Labs' })).account.id;
      merchant = (await createAccount(domain, { actor: OPERATOR, name: 'Team Rides' })).account.id;
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer,
        manifest: appManifest('com.northwind.customers', 'Customer Cards', [
          ['customer_read', 'Show a card for each customer with their lifetime value.'],
        ]),
      });
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer,
        manifest: appManifest('com.northwind.disputes', 'Dispute Desk', [
          ['dispute_read', 'List open disputes with their evidence deadlines.'],
          ['charge_read', 'Show the payment behind each dispute.'],
        ]),
      });
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer,
        manifest: {
          ...appManifest('com.northwind.private', 'Private Tool', [['charge_read', 'Internal.']]),
          distribution_type: 'private',
        },
      });
      await createUser(domain, {
        actor: OPERATOR,
        account: merchant,
        email: ADMIN,
        role: 'admin',
        password: PASSWORD,
      });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await log?.close();
      await store?.close();
    });

    it('team: invite → accept with a password → role change → last admin refused → reset → remove', async () => {
      const admin = await newPage();
      await signIn(admin.page, ADMIN);
      await admin.page.getByRole('link', { name: 'Team', exact: true }).click();
      await admin.page.waitForURL('**/dashboard/team');
      expect(await admin.page.getByRole('heading', { level: 1 }).textContent()).toBe('Team');

      // Invite: the link is shown once.
      await admin.page.getByLabel('Email').fill('sam@team.example');
      await admin.page.getByLabel('Role', { exact: true }).selectOption('developer');
      await admin.page.getByRole('button', { name: 'Create invite link' }).click();
      const inviteUrl = await admin.page.locator('#new-link').inputValue();
      expect(inviteUrl).toMatch(/\/dashboard\/invite\?token=[A-Za-z0-9_-]{43}$/);
      expect(await main(admin.page)).toContain('It is shown only this once');
      await shot(admin.page, 'team-invite-link');
      await admin.page.getByRole('link', { name: 'Back to the team' }).click();
      expect(await admin.page.locator('#links-title').locator('..').textContent()).toContain(
        'sam@team.example',
      );
      expect(await admin.page.content()).not.toContain(inviteUrl.split('token=')[1]);

      // The invitee opens the link, chooses a password and is signed in.
      const sam = await newPage();
      await sam.page.goto(inviteUrl);
      expect(await sam.page.getByRole('heading', { level: 1 }).textContent()).toBe('Join Team Rides');
      await sam.page.getByLabel('New password').fill('sams own passphrase');
      await sam.page.getByLabel('Repeat the password').fill('sams own passphrase!');
      await sam.page.getByRole('button', { name: 'Join and sign in' }).click();
      await expect
        .poll(() => sam.page.getByRole('alert').textContent())
        .toContain('The two passwords differ');
      await sam.page.getByLabel('New password').fill('sams own passphrase');
      await sam.page.getByLabel('Repeat the password').fill('sams own passphrase');
      await sam.page.getByRole('button', { name: 'Join and sign in' }).click();
      await sam.page.waitForURL('**/dashboard/apps?notice=welcome');
      expect(await sam.page.locator('.who').textContent()).toContain('sam@team.example');
      expect(await sam.page.locator('.who').textContent()).toContain('Developer');
      // The link does not work twice.
      const reused = await sam.context.newPage();
      const again = await reused.goto(inviteUrl);
      expect(again?.status()).toBe(410);
      expect(await main(reused)).toContain('This link was already used');
      await reused.close();

      // Sam sees the team read-only.
      await sam.page.goto('/dashboard/team');
      expect(await sam.page.getByRole('button', { name: /Change role/ }).count()).toBe(0);
      expect(await main(sam.page)).toContain('Only an admin can invite people');

      // The admin makes Sam view only; Sam's next page says so.
      await admin.page.reload();
      const samId = (await listUsers(domain, { actor: OPERATOR, account: merchant })).find(
        (u) => u.email === 'sam@team.example',
      )!.id;
      await admin.page.getByLabel('Role of sam@team.example', { exact: true }).selectOption('view_only');
      await admin.page.getByRole('button', { name: 'Change role of sam@team.example' }).click();
      await expect
        .poll(() => admin.page.getByRole('status').first().textContent())
        .toContain('The role is changed');
      await sam.page.reload();
      expect(await sam.page.locator('.who').textContent()).toContain('View only');
      await shot(admin.page, 'team');
      // The team and the catalogue fit a phone's width.
      const phone = await admin.context.newPage();
      await phone.setViewportSize({ width: 390, height: 844 });
      for (const path of ['/dashboard/team', '/dashboard/catalog']) {
        await phone.goto(path);
        expect(
          await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
          path,
        ).toBeLessThanOrEqual(0);
      }
      await shot(phone, 'team-phone');
      await phone.close();

      // The last admin cannot demote themselves.
      await admin.page.getByLabel(`Role of ${ADMIN}`, { exact: true }).selectOption('developer');
      await admin.page.getByRole('button', { name: `Change role of ${ADMIN}` }).click();
      await expect
        .poll(() => admin.page.getByRole('alert').first().textContent())
        .toContain('is the last admin of this account');
      expect(await admin.page.getByRole('link', { name: `Remove ${ADMIN}` }).count()).toBe(0);

      // Reset Sam's password: after a confirmation, a one-time link; using it ends Sam's session.
      await admin.page.getByRole('link', { name: 'Reset password of sam@team.example' }).click();
      await admin.page.waitForURL(`**/team/users/${samId}/reset`);
      await admin.page.getByRole('button', { name: 'Create reset link' }).click();
      const resetUrl = await admin.page.locator('#new-link').inputValue();
      expect(resetUrl).toContain('/dashboard/reset-password?token=');
      const other = await newPage();
      await other.page.goto(resetUrl);
      await other.page.getByLabel('New password').fill('sams second passphrase');
      await other.page.getByLabel('Repeat the password').fill('sams second passphrase');
      await other.page.getByRole('button', { name: 'Set password and sign in' }).click();
      await other.page.waitForURL('**/dashboard/apps?notice=password_set');
      await sam.page.goto('/dashboard/team');
      await sam.page.waitForURL('**/dashboard/sign-in**');
      await signIn(sam.page, 'sam@team.example', 'sams second passphrase');

      // Remove Sam, after a confirmation: every session of theirs ends.
      await admin.page.goto('/dashboard/team');
      await admin.page.getByRole('link', { name: 'Remove sam@team.example' }).click();
      await admin.page.waitForURL(`**/team/users/${samId}/remove`);
      await admin.page.getByRole('button', { name: 'Remove sam@team.example' }).click();
      await expect
        .poll(() => admin.page.getByRole('status').first().textContent())
        .toContain('The user is removed');
      expect(await main(admin.page)).not.toContain('sam@team.example');
      for (const page of [sam.page, other.page]) {
        await page.goto('/dashboard/apps');
        await page.waitForURL('**/dashboard/sign-in**');
      }
      await Promise.all([admin.context.close(), sam.context.close(), other.context.close()]);
    }, 120_000);

    it('catalogue: browse public apps with their developer and purposes → consent names the developer → install → marked installed', async () => {
      const { context, page } = await newPage();
      await signIn(page, ADMIN);
      await page.getByRole('link', { name: 'Catalogue', exact: true }).click();
      await page.waitForURL('**/dashboard/catalog');
      const items = page.locator('li[data-app]');
      expect(await items.evaluateAll((els) => els.map((el) => el.getAttribute('data-app')))).toEqual([
        'com.northwind.customers',
        'com.northwind.disputes',
      ]);
      const disputes = page.locator('li[data-app="com.northwind.disputes"]');
      expect(await disputes.textContent()).toContain('by Northwind Labs');
      await disputes.getByText('Requests 2 permissions').click();
      expect(await disputes.locator('li[data-permission="dispute_read"]').textContent()).toContain(
        'List open disputes with their evidence deadlines.',
      );
      expect(await disputes.locator('li[data-permission="dispute_read"]').isVisible()).toBe(true);
      await shot(page, 'catalog');

      await disputes.getByRole('link', { name: 'Review and install Dispute Desk' }).click();
      await page.waitForURL('**/dashboard/apps/com.northwind.disputes/install');
      expect(await page.locator('dl.facts').textContent()).toContain('Northwind Labs');
      await page.getByRole('button', { name: 'Approve and install' }).click();
      const secret = await page.locator('#new-key').inputValue();
      expect(secret).toMatch(/^rk_test_/);
      expect(await statusOf(stripe(secret).disputes.list())).toBe(200);

      await page.getByRole('link', { name: 'Catalogue', exact: true }).click();
      await page.waitForURL('**/dashboard/catalog');
      expect(await disputes.locator('.badge.installed').textContent()).toBe('Installed');
      expect(await page.locator('li[data-app="com.northwind.customers"] .badge.installed').count()).toBe(0);
      await disputes.getByRole('link', { name: 'Manage Dispute Desk' }).click();
      await page.waitForURL('**/dashboard/installs/*');
      await context.close();
    }, 60_000);

    it('roll asks first and keeps the old key for the chosen time (shown as rolled); revoke asks first and can be cancelled', async () => {
      const { context, page } = await newPage();
      await signIn(page, ADMIN);
      await page.goto('/dashboard/catalog');
      await page.getByRole('link', { name: 'Review and install Customer Cards' }).click();
      await page.getByRole('button', { name: 'Approve and install' }).click();
      const first = await page.locator('#new-key').inputValue();
      await page.getByRole('link', { name: 'I have stored the key' }).click();
      await page.waitForURL('**/dashboard/installs/*');
      const install = /installs\/(appinst_\w+)/.exec(page.url())![1]!;

      // Roll: a confirmation page with the four expiries; "in 24 hours" keeps the old key working.
      await page.getByRole('link', { name: /^Roll rk_test_/ }).click();
      await page.waitForURL('**/roll');
      const choices = await page
        .locator('input[name="grace"]')
        .evaluateAll((els) =>
          els.map((el) => (el.closest('label')?.textContent ?? '').trim().split(' (')[0]),
        );
      expect(choices).toEqual(['Now', 'In 1 hour', 'In 24 hours', 'In 7 days']);
      expect(await page.getByLabel('Now').isChecked()).toBe(true);
      await page.getByLabel(/In 24 hours/).check();
      await shot(page, 'roll-confirm');
      await page.getByRole('button', { name: 'Roll key' }).click();
      const second = await page.locator('#new-key').inputValue();
      expect(second).not.toBe(first);
      expect(await main(page)).toContain('It keeps working until');
      expect(await statusOf(stripe(first).customers.list())).toBe(200);
      expect(await statusOf(stripe(second).customers.list())).toBe(200);
      await page.getByRole('link', { name: 'I have stored the key' }).click();
      const keys = await listKeys(domain, { actor: OPERATOR, install });
      const old = keys.find((k) => k.rolled_to !== null)!;
      const oldRow = page.locator(`tr[data-key="${old.id}"]`);
      expect(await oldRow.locator('.badge').textContent()).toBe('Rolled');
      expect(await oldRow.textContent()).toContain('works until');
      expect(await oldRow.textContent()).not.toContain('Expired');
      expect(old.expires_at! - old.created).toBeGreaterThanOrEqual(86_400 - 5);

      // Revoke the new key: the confirmation can be cancelled, then confirmed.
      const fresh = keys.find((k) => k.rolled_to === null)!;
      const freshRow = page.locator(`tr[data-key="${fresh.id}"]`);
      await freshRow.getByRole('link', { name: /^Revoke rk_test_/ }).click();
      await page.waitForURL('**/revoke');
      expect(await main(page)).toContain('This cannot be undone');
      await shot(page, 'revoke-confirm');
      await page.getByRole('link', { name: 'Cancel' }).click();
      await page.waitForURL(`**/installs/${install}#keys-title`);
      expect(await statusOf(stripe(second).customers.list())).toBe(200);
      await freshRow.getByRole('link', { name: /^Revoke rk_test_/ }).click();
      await page.getByRole('button', { name: 'Revoke key' }).click();
      await expect
        .poll(() => page.getByRole('status').first().textContent())
        .toContain('The key is revoked.');
      expect(await statusOf(stripe(second).customers.list())).toBe(401);
      expect(await statusOf(stripe(first).customers.list())).toBe(200); // still in its 24 hours

      // A rolled key is not rolled again (its replacement is).
      await page.goto(`/dashboard/keys/${old.id}/roll`);
      expect(await main(page)).toContain('This key was already rolled');
      expect(await page.getByRole('button', { name: 'Roll key' }).count()).toBe(0);

      // Roll "now" (the default): the old key stops at once and shows as rolled, not expired.
      await page.goto(`/dashboard/installs/${install}`);
      await page.getByRole('button', { name: 'Create key' }).click();
      const third = await page.locator('#new-key').inputValue();
      await page.getByRole('link', { name: 'I have stored the key' }).click();
      const thirdId = (await listKeys(domain, { actor: OPERATOR, install })).find(
        (k) => k.status === 'active' && k.rolled_to === null,
      )!.id;
      await page.getByRole('link', { name: `Roll rk_test_***…${third.slice(-4)}` }).click();
      await page.getByRole('button', { name: 'Roll key' }).click();
      const fourth = await page.locator('#new-key').inputValue();
      expect(await main(page)).toContain('It has stopped working.');
      expect(await statusOf(stripe(third).customers.list())).toBe(401);
      expect(await statusOf(stripe(fourth).customers.list())).toBe(200);
      await page.getByRole('link', { name: 'I have stored the key' }).click();
      const stopped = page.locator(`tr[data-key="${thirdId}"]`);
      expect(await stopped.locator('.badge').textContent()).toBe('Rolled');
      expect(await stopped.textContent()).toContain('stopped');
      await shot(page, 'install-keys-rolled');
      await context.close();
    }, 60_000);
  },
);

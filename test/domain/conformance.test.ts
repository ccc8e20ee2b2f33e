import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { getAppVersion, releaseAppVersion, uploadAppVersion } from '../../src/domain/app-versions.js';
import { getApp } from '../../src/domain/apps.js';
import { auditRowHash, listAudit, verifyAudit } from '../../src/domain/audit.js';
import { type AppscopeEvent, listEvents } from '../../src/domain/events.js';
import {
  getInstall,
  installApp,
  listInstalls,
  reauthorizeInstall,
  uninstallApp,
} from '../../src/domain/installs.js';
import {
  actorFromPrincipal,
  authenticateKey,
  createAccountSecretKey,
  createAppSecretKey,
  createInstallKey,
  getKey,
  listKeys,
  resolvePlatformInstall,
  revokeKey,
  rollKey,
  setKeyExpiry,
} from '../../src/domain/keys.js';
import type { AuditRow, Store, StoreChange } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { decisionRow } from '../support/decision-rows.js';
import { closure, expectError, manifest, world } from './helpers.js';

const catalog = defaultCatalog();
const APP = 'com.example.crm-sync';

/** The effective permission names a secret authenticates with (throws if it does not). */
async function effective(domain: Parameters<typeof authenticateKey>[0], secret: string): Promise<string[]> {
  const result = await authenticateKey(domain, secret);
  if (!result.ok) throw new Error(`key refused: ${result.reason}`);
  if (result.principal.type !== 'install') throw new Error('not an install key');
  return catalog.names(result.principal.permissions);
}

async function failureOf(domain: Parameters<typeof authenticateKey>[0], secret: string): Promise<string> {
  const result = await authenticateKey(domain, secret);
  return result.ok ? 'ok' : result.reason;
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'install lifecycle conformance'), () => {
    const fresh = freshDatabases(dialect);

    it('install → key → upgrade (pending) → reauthorize → roll → revoke → uninstall, with events at each step', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const { domain, merchant, clock } = w;
      const events = async (): Promise<AppscopeEvent[]> =>
        (await listEvents(domain, { actor: merchant, limit: 100 })).data.reverse();

      const v1 = await uploadAppVersion(domain, {
        actor: w.developer,
        manifest: manifest(APP, '1.0.0', ['customer_read']),
      });
      expect(v1.released).toBe(true);
      expect(v1.app).toMatchObject({ id: APP, owner: w.developerAccount, current_version: '1.0.0' });

      // install: exactly what v1 requests, and a first rk_test_ key shown once
      const { install, key } = await installApp(domain, { actor: merchant, app: APP });
      expect(install).toMatchObject({
        object: 'apps.install',
        account: w.merchantAccount,
        app: APP,
        status: 'installed',
        livemode: false,
        permissions_granted: ['customer_read'],
        permissions_pending: [],
        approval_required: false,
        created_by: merchant.key,
      });
      expect(key?.secret).toMatch(/^rk_test_[0-9A-Za-z]{42}$/);
      expect(key?.redacted).toBe(`rk_test_***…${key?.secret.slice(-4)}`);
      expect(await effective(domain, key!.secret)).toEqual(closure(['customer_read']));
      expect((await events()).map((e) => e.type)).toEqual([
        'apps.install.created',
        'account.application.authorized',
        'apps.install.key.created',
      ]);
      const [created, authorized, keyCreated] = await events();
      expect(keyCreated!.data.object).toMatchObject({ id: key!.id, object: 'api_key', install: install.id });
      expect(JSON.stringify(keyCreated)).not.toContain(key!.secret);
      expect(created).toMatchObject({
        object: 'event',
        livemode: false,
        account: w.merchantAccount,
        data: { object: install },
      });
      expect(created!.id).toMatch(/^evt_/);
      expect(authorized!.data.object).toEqual({ id: APP, object: 'application', name: `App ${APP}` });

      // release a version that asks for more: pending, approval required, still works on the grant
      clock.advance(60);
      const v2 = await uploadAppVersion(domain, {
        actor: w.developer,
        manifest: manifest(APP, '1.1.0', ['customer_read', 'charge_write']),
      });
      expect(v2.installsUpdated).toHaveLength(1);
      let current = await getInstall(domain, { actor: merchant, install: install.id });
      expect(current).toMatchObject({
        permissions_granted: ['customer_read'],
        permissions_pending: ['charge_write'],
        approval_required: true,
      });
      expect(await effective(domain, key!.secret)).toEqual(closure(['customer_read']));
      const [updated, approvalRequired] = (await events()).slice(-2);
      expect(updated!.type).toBe('apps.install.updated');
      expect(updated!.data.object).toEqual(current);
      expect(updated!.data.previous_attributes).toEqual({
        permissions_pending: [],
        approval_required: false,
      });
      expect(approvalRequired!.type).toBe('apps.install.approval_required');
      expect(approvalRequired!.data).toEqual(updated!.data);
      expect(
        (await listInstalls(domain, { actor: merchant, approvalRequired: true })).data.map((i) => i.id),
      ).toEqual([install.id]);

      // reauthorize: the pending set joins the grant
      clock.advance(60);
      current = await reauthorizeInstall(domain, {
        actor: merchant,
        install: install.id,
        expectedPending: ['charge_write'],
      });
      expect(current).toMatchObject({
        permissions_granted: ['charge_write', 'customer_read'],
        permissions_pending: [],
        approval_required: false,
      });
      expect(await effective(domain, key!.secret)).toEqual(closure(['charge_write', 'customer_read']));
      expect((await events()).slice(-3).map((e) => e.type)).toEqual([
        'apps.install.updated',
        'apps.install.approved',
        'account.application.authorized',
      ]);

      // roll: the new key works, the old one until the expiry the admin picked
      const rolled = await rollKey(domain, {
        actor: merchant,
        key: key!.id,
        expiresAt: clock.seconds() + 3600,
      });
      expect(rolled.previous).toMatchObject({ id: key!.id, rolled_to: rolled.key.id, status: 'active' });
      expect(await failureOf(domain, key!.secret)).toBe('ok');
      expect(await failureOf(domain, rolled.key.secret)).toBe('ok');
      clock.advance(3600);
      expect(await failureOf(domain, key!.secret)).toBe('expired');
      expect(await effective(domain, rolled.key.secret)).toEqual(closure(['charge_write', 'customer_read']));

      expect((await events()).slice(-2).map((e) => [e.type, e.data.object.id])).toEqual([
        ['apps.install.key.created', rolled.key.id],
        ['apps.install.key.rolled', key!.id],
      ]);
      expect((await events()).at(-1)!.data.previous_attributes).toMatchObject({ rolled_to: null });

      // revoke
      await revokeKey(domain, { actor: merchant, key: rolled.key.id });
      expect((await events()).at(-1)).toMatchObject({
        type: 'apps.install.key.revoked',
        data: { object: { id: rolled.key.id, status: 'revoked' } },
      });
      expect(await failureOf(domain, rolled.key.secret)).toBe('revoked');

      // uninstall: grant gone, every key dead
      const spare = await createInstallKey(domain, { actor: merchant, install: install.id });
      expect(await failureOf(domain, spare.secret)).toBe('ok');
      const gone = await uninstallApp(domain, { actor: merchant, install: install.id });
      expect(gone).toMatchObject({
        status: 'uninstalled',
        permissions_granted: [],
        permissions_pending: [],
        approval_required: false,
      });
      expect(await failureOf(domain, spare.secret)).toBe('install_uninstalled');
      expect((await getKey(domain, { actor: merchant, key: spare.id })).status).toBe('revoked');
      expect((await events()).slice(-2).map((e) => e.type)).toEqual([
        'apps.install.deleted',
        'account.application.deauthorized',
      ]);
      await expectError(
        createInstallKey(domain, { actor: merchant, install: install.id }),
        'ERR_INSTALL_INACTIVE',
        `install \`${install.id}\` is uninstalled`,
      );

      // installing again makes a new install
      const again = await installApp(domain, { actor: merchant, app: APP });
      expect(again.install.id).not.toBe(install.id);
      expect(again.install.permissions_granted).toEqual(['charge_write', 'customer_read']);

      const audit = await verifyAudit(domain);
      expect(audit.ok).toBe(true);
      const actions = (await listAudit(domain, { targetId: install.id, limit: 1000 })).map((e) => e.action);
      expect(actions).toEqual([
        'install.created',
        'install.upgraded',
        'install.reauthorized',
        'install.uninstalled',
      ]);
    });

    it('holding `customer_write` covers a new request for `customer_read` without a prompt', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_write']),
      });
      const { install, key } = await installApp(w.domain, { actor: w.merchant, app: APP });

      const v2 = await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '2', ['customer_write', 'customer_read']),
      });
      let current = await getInstall(w.domain, { actor: w.merchant, install: install.id });
      expect(current).toMatchObject({
        permissions_granted: ['customer_read', 'customer_write'],
        permissions_pending: [],
        approval_required: false,
      });
      expect(v2.installsUpdated.map((i) => i.id)).toEqual([install.id]);

      // dropping `customer_write` leaves the grant at once, with no prompt
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '3', ['customer_read']),
      });
      current = await getInstall(w.domain, { actor: w.merchant, install: install.id });
      expect(current).toMatchObject({ permissions_granted: ['customer_read'], approval_required: false });
      expect(await effective(w.domain, key!.secret)).toEqual(closure(['customer_read']));

      // asking for it back needs approval
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '4', ['customer_write']),
      });
      current = await getInstall(w.domain, { actor: w.merchant, install: install.id });
      expect(current).toMatchObject({
        permissions_granted: [],
        permissions_pending: ['customer_write'],
        approval_required: true,
      });
      expect(await effective(w.domain, key!.secret)).toEqual([]);
    });

    it('version strings are unique per app and app ids belong to their first developer', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1.0.0', ['customer_read']),
      });
      const error = await expectError(
        uploadAppVersion(w.domain, { actor: w.developer, manifest: manifest(APP, '1.0.0', ['charge_read']) }),
        'ERR_VERSION_EXISTS',
        `app \`${APP}\` already has version \`1.0.0\`: versions are immutable, upload a new version`,
      );
      expect(error.param).toBe('manifest.version');
      const stored = await getAppVersion(w.domain, { actor: w.developer, app: APP, version: '1.0.0' });
      expect(stored.permissions.map((p) => p.permission)).toEqual(['customer_read']);
      await expectError(
        uploadAppVersion(w.domain, {
          actor: w.stranger,
          manifest: manifest(APP, '9.0.0', ['customer_read']),
        }),
        'ERR_APP_ID_TAKEN',
        `app id \`${APP}\` belongs to another developer: choose another \`id\``,
      );
      await expectError(
        uploadAppVersion(w.domain, {
          actor: w.developer,
          manifest: manifest(APP, '2.0.0', ['customer_read'], 'platform'),
        }),
        'ERR_ACCESS_TYPE_CHANGED',
      );
      const oauthApp = {
        distribution_type: 'public',
        allowed_redirect_uris: ['https://example.com/stripe/installed'],
      };
      const uploaded = await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest('com.example.oauth', '1', ['customer_read'], 'oauth', oauthApp),
      });
      expect(uploaded.app.stripe_api_access_type).toBe('oauth');
      await expectError(
        uploadAppVersion(w.domain, {
          actor: w.developer,
          manifest: manifest('com.example.oauth', '2', ['customer_read'], 'restricted_api_key', oauthApp),
        }),
        'ERR_ACCESS_TYPE_CHANGED',
        'app `com.example.oauth` uses `oauth` access; a new version cannot change it to `restricted_api_key`',
      );
    });

    it('an invalid manifest is rejected with every issue and nothing is stored', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const before = await verifyAudit(w.domain);
      const error = await expectError(
        uploadAppVersion(w.domain, {
          actor: w.developer,
          manifest: {
            id: 'com example',
            version: '1',
            name: 'Broken',
            icon: '',
            permissions: [{ permission: 'custmer_read', purpose: 'x' }, { permission: 'charge_read' }],
          },
        }),
        'ERR_MANIFEST_INVALID',
        /^the manifest is invalid \(3 problems\):\n/,
      );
      expect(error.param).toBe('manifest');
      expect((error.issues as { code: string; path: string }[]).map((i) => [i.code, i.path])).toEqual([
        ['invalid_id', 'id'],
        ['unknown_permission', 'permissions[0].permission'],
        ['missing_purpose', 'permissions[1].purpose'],
      ]);
      await expectError(getApp(w.domain, { actor: OPERATOR, app: 'com example' }), 'ERR_NOT_FOUND');
      expect(await verifyAudit(w.domain)).toEqual(before);
      // text is accepted too, with JSON syntax errors as issues
      await expectError(
        uploadAppVersion(w.domain, { actor: w.developer, manifest: '{"id": ' }),
        'ERR_MANIFEST_INVALID',
        /invalid_json/,
      );
    });

    it('keys and installs belong to one mode', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read']),
      });
      const { install, key } = await installApp(w.domain, { actor: w.merchant, app: APP });
      await expectError(
        createInstallKey(w.domain, { actor: w.merchant, install: install.id, mode: 'live' }),
        'ERR_MODE_MISMATCH',
        `install \`${install.id}\` is in test mode: its keys are \`rk_test_…\`, not \`rk_live_…\``,
      );
      await expectError(
        getInstall(w.domain, { actor: w.merchantLive, install: install.id }),
        'ERR_MODE_MISMATCH',
        `install \`${install.id}\` exists in test mode, but a live-mode key was used: use a \`sk_test_…\` key`,
      );
      await expectError(
        installApp(w.domain, { actor: w.merchant, app: APP, mode: 'live' }),
        'ERR_MODE_MISMATCH',
        'a test-mode key cannot act in live mode: use a `sk_live_…` key',
      );
      const live = await installApp(w.domain, { actor: w.merchantLive, app: APP });
      expect(live.install.livemode).toBe(true);
      expect(live.key?.secret).toMatch(/^rk_live_/);
      expect((await listInstalls(w.domain, { actor: w.merchantLive })).data.map((i) => i.id)).toEqual([
        live.install.id,
      ]);
      await expectError(
        installApp(w.domain, { actor: w.merchant, app: APP }),
        'ERR_ALREADY_INSTALLED',
        `app \`${APP}\` is already installed on \`${w.merchantAccount}\` in test mode as \`${install.id}\``,
      );

      // a key whose mode was edited fails its checksum; an rk_ key is not an admin
      const edited = key!.secret.replace('rk_test_', 'rk_live_');
      expect(await failureOf(w.domain, edited)).toBe('malformed');
      const principal = await authenticateKey(w.domain, key!.secret);
      expect(principal.ok).toBe(true);
      if (principal.ok) {
        expect(() => actorFromPrincipal(principal.principal)).toThrowError(
          "a restricted key (`rk_…`) cannot manage apps, installs or keys: use the account's secret key (`sk_…`)",
        );
      }
    });

    it("another account's objects are indistinguishable from missing ones", async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read']),
      });
      const { install, key } = await installApp(w.domain, { actor: w.merchant, app: APP });
      const theirs = await expectError(
        getInstall(w.domain, { actor: w.stranger, install: install.id }),
        'ERR_NOT_FOUND',
      );
      const missing = await expectError(
        getInstall(w.domain, { actor: w.stranger, install: 'appinst_doesnotexist0000000' }),
        'ERR_NOT_FOUND',
      );
      expect(theirs.message).toBe(`no such install: \`${install.id}\``);
      expect(missing.message).toBe('no such install: `appinst_doesnotexist0000000`');
      await expectError(uninstallApp(w.domain, { actor: w.stranger, install: install.id }), 'ERR_NOT_FOUND');
      await expectError(
        reauthorizeInstall(w.domain, { actor: w.stranger, install: install.id }),
        'ERR_NOT_FOUND',
      );
      await expectError(revokeKey(w.domain, { actor: w.stranger, key: key!.id }), 'ERR_NOT_FOUND');
      await expectError(
        releaseAppVersion(w.domain, { actor: w.stranger, app: APP, version: '1' }),
        'ERR_NOT_FOUND',
      );
      expect((await listInstalls(w.domain, { actor: w.stranger })).data).toEqual([]);
      expect((await listEvents(w.domain, { actor: w.stranger })).data).toEqual([]);
      expect(await failureOf(w.domain, key!.secret)).toBe('ok'); // nothing above changed it
    });

    it('narrowed keys get closure(granted) ∩ closure(narrowing), and only within the grant', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_write', 'charge_read']),
      });
      const { install } = await installApp(w.domain, { actor: w.merchant, app: APP });
      const narrow = await createInstallKey(w.domain, {
        actor: w.merchant,
        install: install.id,
        permissions: ['customer_read'],
      });
      expect(narrow.permissions).toEqual(['customer_read']);
      expect(await effective(w.domain, narrow.secret)).toEqual(closure(['customer_read']));

      const tooWide = await expectError(
        createInstallKey(w.domain, { actor: w.merchant, install: install.id, permissions: ['charge_write'] }),
        'ERR_KEY_NARROWING',
        `\`charge_write\` is not granted to install \`${install.id}\`: a key can only be narrowed to permissions the install holds`,
      );
      expect(tooWide.param).toBe('permissions');
      const typo = await expectError(
        createInstallKey(w.domain, { actor: w.merchant, install: install.id, permissions: ['charge_red'] }),
        'ERR_UNKNOWN_PERMISSION',
        'unknown permission `charge_red`; did you mean `charge_read`?',
      );
      expect(typo.param).toBe('permissions[0]');

      // the grant shrinks under a narrowed key: the intersection shrinks with it
      await uploadAppVersion(w.domain, { actor: w.developer, manifest: manifest(APP, '2', ['charge_read']) });
      expect(await effective(w.domain, narrow.secret)).toEqual([]);
      // rolling keeps the narrowing
      const rolled = await rollKey(w.domain, { actor: w.merchant, key: narrow.id });
      expect(rolled.key.permissions).toEqual(['customer_read']);
      expect(await failureOf(w.domain, narrow.secret)).toBe('expired');
    });

    it('key expiry: set, cleared, refused in the past and for dead keys', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const { domain, merchant, clock } = w;
      await uploadAppVersion(domain, { actor: w.developer, manifest: manifest(APP, '1', ['customer_read']) });
      const { key } = await installApp(domain, { actor: merchant, app: APP });
      const id = key!.id;
      await expectError(
        setKeyExpiry(domain, { actor: merchant, key: id, expiresAt: clock.seconds() - 1 }),
        'ERR_PARAMETER_INVALID',
        `\`expires_at\` (${clock.seconds() - 1}) is in the past: pick a later time`,
      );
      expect(
        (await setKeyExpiry(domain, { actor: merchant, key: id, expiresAt: clock.seconds() + 10 }))
          .expires_at,
      ).toBe(clock.seconds() + 10);
      expect(
        (await setKeyExpiry(domain, { actor: merchant, key: id, expiresAt: null })).expires_at,
      ).toBeNull();
      await setKeyExpiry(domain, { actor: merchant, key: id, expiresAt: clock.seconds() + 10 });
      clock.advance(10);
      expect(await failureOf(domain, key!.secret)).toBe('expired');
      await expectError(
        setKeyExpiry(domain, { actor: merchant, key: id, expiresAt: null }),
        'ERR_KEY_INACTIVE',
        `key \`${id}\` is expired: it cannot be given a new expiry; create a new key instead`,
      );
      await expectError(rollKey(domain, { actor: merchant, key: id }), 'ERR_KEY_INACTIVE');
      expect((await listKeys(domain, { actor: merchant, kind: 'install' })).map((k) => k.status)).toEqual([
        'expired',
      ]);
    });

    it('platform apps: no install keys; the app secret key resolves to the install on an account', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const PLATFORM = 'com.example.platform';
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(PLATFORM, '1', ['invoice_write'], 'platform'),
      });
      const { install, key } = await installApp(w.domain, { actor: w.merchant, app: PLATFORM });
      expect(key).toBeUndefined();
      await expectError(
        createInstallKey(w.domain, { actor: w.merchant, install: install.id }),
        'ERR_KEY_TYPE',
        `app \`${PLATFORM}\` uses \`platform\` access: it calls the API with its own app secret key, not with install keys`,
      );
      const appKey = await createAppSecretKey(w.domain, { actor: w.developer, app: PLATFORM });
      expect(appKey.secret).toMatch(/^sk_test_/);
      const result = await authenticateKey(w.domain, appKey.secret);
      expect(result.ok && result.principal).toMatchObject({
        type: 'app',
        app: PLATFORM,
        account: w.developerAccount,
      });
      if (!result.ok || result.principal.type !== 'app') throw new Error('unreachable');
      const scoped = await resolvePlatformInstall(w.domain, result.principal, w.merchantAccount);
      expect(scoped && catalog.names(scoped.permissions)).toEqual(closure(['invoice_write']));
      expect(await resolvePlatformInstall(w.domain, result.principal, w.developerAccount)).toBeUndefined();
      await expectError(createAppSecretKey(w.domain, { actor: w.stranger, app: PLATFORM }), 'ERR_NOT_FOUND');
      await expectError(createAppSecretKey(w.domain, { actor: w.developer, app: APP }), 'ERR_NOT_FOUND');
      // account keys: a new one works, a revoked one does not
      const extra = await createAccountSecretKey(w.domain, { actor: w.merchant });
      expect(await failureOf(w.domain, extra.secret)).toBe('ok');
      await revokeKey(w.domain, { actor: w.merchant, key: extra.id });
      expect(await failureOf(w.domain, extra.secret)).toBe('revoked');
    });

    it('releases move forward only, and a stale consent is refused', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read']),
      });
      const { install } = await installApp(w.domain, {
        actor: w.merchant,
        app: APP,
        expectedPermissions: ['customer_read'],
      });
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '2', ['customer_read', 'charge_read']),
        release: false,
      });
      expect((await getInstall(w.domain, { actor: w.merchant, install: install.id })).approval_required).toBe(
        false,
      );
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '3', ['customer_read', 'invoice_read']),
      });
      await expectError(
        releaseAppVersion(w.domain, { actor: w.developer, app: APP, version: '2' }),
        'ERR_VERSION_NOT_RELEASABLE',
        'version `2` was uploaded before the current release `3`: releases only move forward, upload a new version',
      );
      await expectError(
        reauthorizeInstall(w.domain, {
          actor: w.merchant,
          install: install.id,
          expectedPending: ['charge_read'],
        }),
        'ERR_CONSENT_STALE',
        `the pending permissions of install \`${install.id}\` are now \`invoice_read\`, not what was reviewed: review them again`,
      );
      expect(
        (await getInstall(w.domain, { actor: w.merchant, install: install.id })).permissions_pending,
      ).toEqual(['invoice_read']);
      await expectError(
        installApp(w.domain, { actor: w.stranger, app: APP, expectedPermissions: ['customer_read'] }),
        'ERR_CONSENT_STALE',
      );
      await expectError(
        installApp(w.domain, { actor: w.stranger, app: 'com.example.unknown' }),
        'ERR_NOT_FOUND',
        'no such app: `com.example.unknown`',
      );
    });

    it('private apps install only on their developer account', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read'], 'restricted_api_key', {
          distribution_type: 'private',
        }),
      });
      await expectError(
        installApp(w.domain, { actor: w.merchant, app: APP }),
        'ERR_NOT_FOUND',
        `no such app: \`${APP}\``,
      );
      await expectError(getApp(w.domain, { actor: w.merchant, app: APP }), 'ERR_NOT_FOUND');
      expect((await installApp(w.domain, { actor: w.developer, app: APP })).install.account).toBe(
        w.developerAccount,
      );
    });

    it('events list by account, type and created, newest first with cursors', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read']),
      });
      const start = w.clock.seconds();
      const { install } = await installApp(w.domain, { actor: w.merchant, app: APP });
      w.clock.advance(100);
      await uninstallApp(w.domain, { actor: w.merchant, install: install.id });
      const all = await listEvents(w.domain, { actor: w.merchant, limit: 100 });
      expect(all.data.map((e) => e.type)).toEqual([
        'account.application.deauthorized',
        'apps.install.deleted',
        'apps.install.key.revoked',
        'apps.install.key.created',
        'account.application.authorized',
        'apps.install.created',
      ]);
      const page = await listEvents(w.domain, { actor: w.merchant, limit: 2 });
      expect(page.has_more).toBe(true);
      const next = await listEvents(w.domain, {
        actor: w.merchant,
        limit: 4,
        startingAfter: page.data[1]!.id,
      });
      expect([...page.data, ...next.data]).toEqual(all.data);
      expect(next.has_more).toBe(false);
      const typed = await listEvents(w.domain, { actor: OPERATOR, type: 'apps.install.created' });
      expect(typed.data.map((e) => e.data.object.id)).toEqual([install.id]);
      const early = await listEvents(w.domain, { actor: w.merchant, created: { lte: start } });
      expect(early.data.map((e) => e.type)).toEqual([
        'apps.install.key.created',
        'account.application.authorized',
        'apps.install.created',
      ]);
      await expectError(listEvents(w.domain, { actor: w.merchant, limit: 0 }), 'ERR_PARAMETER_INVALID');
    });

    it('change notifications arrive after commit, never for a rolled-back flow', async () => {
      const db = await fresh();
      const store = await db.open();
      const w = await world(store);
      const seen: StoreChange[] = [];
      const stop = store.onChange((change) => {
        if (change.kind !== 'reset') seen.push(change);
      });
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read']),
      });
      const { install, key } = await installApp(w.domain, { actor: w.merchant, app: APP });
      expect(seen).toContainEqual({ kind: 'install', id: install.id });
      expect(seen).toContainEqual({ kind: 'key', id: key!.id });
      seen.length = 0;
      await expectError(installApp(w.domain, { actor: w.merchant, app: APP }), 'ERR_ALREADY_INSTALLED');
      await expectError(
        store.transaction(async (tx) => {
          tx.notify({ kind: 'install', id: install.id });
          throw Object.assign(new Error('boom'), { code: 'ERR_TEST' });
        }),
        'ERR_TEST',
      );
      expect(seen).toEqual([]);
      await revokeKey(w.domain, { actor: w.merchant, key: key!.id });
      expect(seen).toEqual([{ kind: 'key', id: key!.id }]);
      stop();
    });

    /**
     * Every change `reader` hears from now on. With PostgreSQL it first waits for the LISTEN
     * connection, which announces itself with a reset (callers clear the list before acting).
     */
    async function listenTo(reader: Store): Promise<StoreChange[]> {
      const heard: StoreChange[] = [];
      let listening!: () => void;
      const ready = new Promise<void>((resolve) => {
        listening = resolve;
      });
      reader.onChange((change) => {
        heard.push(change);
        listening();
      });
      if (dialect.name === 'postgres') await ready;
      return heard;
    }

    it('another process (store) hears about changes: LISTEN/NOTIFY or SQLite polling', async () => {
      const db = await fresh();
      const writer = await db.open();
      const reader = await db.open({ pollIntervalMs: 20 });
      const w = await world(writer);
      const heard = await listenTo(reader);
      heard.length = 0;
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read']),
      });
      const { install } = await installApp(w.domain, { actor: w.merchant, app: APP });
      const expected: StoreChange =
        dialect.name === 'postgres' ? { kind: 'install', id: install.id } : { kind: 'reset' };
      await expect.poll(() => heard, { timeout: 5000 }).toContainEqual(expected);
    });

    it('writes that change nothing a gateway caches (decision batches) are not announced to other stores', async () => {
      const db = await fresh();
      const writer = await db.open();
      const reader = await db.open({ pollIntervalMs: 20 });
      const heard = await listenTo(reader);
      await new Promise((resolve) => setTimeout(resolve, 100));
      heard.length = 0;
      for (let batch = 0; batch < 5; batch++) {
        await writer.transaction((tx) =>
          tx.insertDecisions([decisionRow(batch, { time: Date.now(), request_id: `req_quiet${batch}` })]),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // ten polls
      expect(heard).toEqual([]);
      // …while a real change still is
      await world(writer);
      await expect.poll(() => heard.length, { timeout: 5000 }).toBeGreaterThan(0);
    });

    it('concurrent uploads, releases, installs and reauthorizations from two stores stay consistent', async () => {
      const db = await fresh();
      const storeA = await db.open();
      const storeB = await db.open();
      const w = await world(storeA);
      const a = w.domain;
      const b = { ...w.domain, store: storeB };
      await uploadAppVersion(a, { actor: w.developer, manifest: manifest(APP, '0', ['customer_read']) });

      // the same version from both at once: exactly one wins
      const dup = await Promise.allSettled([
        uploadAppVersion(a, { actor: w.developer, manifest: manifest(APP, 'dup', ['customer_read']) }),
        uploadAppVersion(b, { actor: w.developer, manifest: manifest(APP, 'dup', ['customer_read']) }),
      ]);
      expect(dup.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(dup.find((r) => r.status === 'rejected')).toMatchObject({
        reason: { code: 'ERR_VERSION_EXISTS' },
      });

      // the same install from both at once: exactly one wins
      const both = await Promise.allSettled([
        installApp(a, { actor: w.merchant, app: APP }),
        installApp(b, { actor: w.merchant, app: APP }),
      ]);
      expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(both.find((r) => r.status === 'rejected')).toMatchObject({
        reason: { code: 'ERR_ALREADY_INSTALLED' },
      });
      const install = (await listInstalls(a, { actor: w.merchant })).data[0]!;

      // releases on A race reauthorizations on B
      const sets = [
        ['customer_read', 'charge_read'],
        ['customer_write'],
        ['invoice_read', 'customer_read'],
        ['charge_write'],
      ];
      const releases = (async () => {
        for (let i = 0; i < 12; i++) {
          await uploadAppVersion(a, {
            actor: w.developer,
            manifest: manifest(APP, `r${i}`, sets[i % sets.length]!),
          });
        }
      })();
      const approvals = (async () => {
        for (let i = 0; i < 12; i++) await reauthorizeInstall(b, { actor: w.merchant, install: install.id });
      })();
      await Promise.all([releases, approvals]);

      const final = await getInstall(a, { actor: w.merchant, install: install.id });
      const current = await getAppVersion(a, { actor: w.merchant, app: APP });
      const requested = current.permissions.map((p) => p.permission).sort();
      expect([...final.permissions_granted, ...final.permissions_pending].sort()).toEqual(requested);
      const covered = catalog.closure(final.permissions_granted);
      for (const name of final.permissions_pending) expect(covered.has(catalog.indexOf(name))).toBe(false);
      const audit = await verifyAudit(a);
      expect(audit).toMatchObject({ ok: true });
    });

    it('audit verify detects a tampered row, a removed row and a truncated tail', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read']),
      });
      const { install } = await installApp(w.domain, { actor: w.merchant, app: APP });
      const ok = await verifyAudit(w.domain);
      expect(ok.ok).toBe(true);
      const rows = ok.ok ? ok.rows : 0;
      const target = (await listAudit(w.domain, { targetId: install.id }))[0]!;
      expect(JSON.stringify(await listAudit(w.domain, { limit: 1000 }))).not.toMatch(
        /[sr]k_(test|live)_[0-9A-Za-z]{20}/,
      );

      // append-only in the database: a plain UPDATE fails
      await expect(db.exec(`update audit_log set action = 'x' where seq = ${target.seq}`)).rejects.toThrow(
        /append-only/,
      );
      await dropAuditTriggers(db, dialect.name);
      const forged = JSON.stringify({
        ...(target.after as Record<string, unknown>),
        permissions_granted: ['customer_write'],
      });
      await db.exec(`update audit_log set after = '${forged}' where seq = ${target.seq}`);
      expect(await verifyAudit(w.domain)).toEqual({
        ok: false,
        firstBrokenSeq: target.seq,
        reason: 'hash_mismatch',
        message: `row ${target.seq} was changed after it was written`,
        rows: target.seq - 1,
      });

      // recomputing the forged row's hash moves the break to the next link
      const [row] = (await db.exec(
        `select * from audit_log where seq = ${target.seq}`,
      )) as unknown as AuditRow[];
      const rehashed = auditRowHash({ ...row!, seq: Number(row!.seq) });
      await db.exec(`update audit_log set hash = '${rehashed}' where seq = ${target.seq}`);
      expect(await verifyAudit(w.domain)).toMatchObject({
        ok: false,
        firstBrokenSeq: target.seq + 1,
        reason: 'broken_link',
      });

      // deleting a row in the middle leaves a gap; deleting the tail leaves the head dangling
      await db.exec(`delete from audit_log where seq = ${target.seq}`);
      expect(await verifyAudit(w.domain)).toMatchObject({
        ok: false,
        firstBrokenSeq: target.seq,
        reason: 'missing_rows',
      });
      await db.exec(`delete from audit_log where seq >= ${target.seq}`);
      expect(await verifyAudit(w.domain)).toMatchObject({
        ok: false,
        firstBrokenSeq: target.seq,
        reason: 'head_mismatch',
        message: `the chain head is at row ${rows}, but the log ends at row ${target.seq - 1}: rows were removed`,
      });
    });

    it('fails closed: a store failure is thrown, never taken for a bad key', async () => {
      const db = await fresh();
      const store = await db.open();
      const w = await world(store);
      await uploadAppVersion(w.domain, {
        actor: w.developer,
        manifest: manifest(APP, '1', ['customer_read']),
      });
      const { key } = await installApp(w.domain, { actor: w.merchant, app: APP });
      expect(await failureOf(w.domain, 'rk_test_nope')).toBe('malformed'); // no store needed
      await store.close();
      await expectError(authenticateKey(w.domain, key!.secret), 'ERR_STORE', 'the store is closed');
      expect(await failureOf(w.domain, 'rk_test_nope')).toBe('malformed');
    });

    it('only operators create accounts', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      await expectError(
        createAccount(w.domain, { actor: w.merchant, name: 'X' }),
        'ERR_FORBIDDEN',
        'only an operator can create accounts',
      );
      await expectError(createAccount(w.domain, { actor: OPERATOR, name: ' ' }), 'ERR_PARAMETER_INVALID');
    });
  });
}

async function dropAuditTriggers(
  db: { exec(text: string): Promise<unknown> },
  dialect: 'sqlite' | 'postgres',
): Promise<void> {
  if (dialect === 'postgres') await db.exec('drop trigger audit_log_append_only on audit_log');
  else {
    await db.exec('drop trigger audit_log_no_update');
    await db.exec('drop trigger audit_log_no_delete');
  }
}

import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import {
  dataKeyStatus,
  deleteAppSecret,
  deleteInstallSecret,
  findAppSecret,
  listAppSecrets,
  listInstallSecrets,
  pruneExpiredAppSecrets,
  rotateDataKey,
  SECRETS_PER_SCOPE,
  type SecretCaller,
  setAppSecret,
} from '../../src/domain/app-secrets.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { listAudit } from '../../src/domain/audit.js';
import { DataKeyring, generateDataKey, parseDataKey } from '../../src/domain/data-keys.js';
import { installApp, uninstallApp } from '../../src/domain/installs.js';
import { createUser } from '../../src/domain/users.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { expectError, manifest, type World, world } from './helpers.js';

const ACCOUNT = { type: 'account' } as const;

describe('data keys', () => {
  it('read base64 and hex, refuse anything else, and never show their bytes', () => {
    const key = generateDataKey();
    const text = key.export();
    expect(text).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(parseDataKey(`  ${text}\n`)?.id).toBe(key.id);
    expect(parseDataKey(Buffer.from(text, 'base64').toString('hex'))?.id).toBe(key.id);
    expect(parseDataKey(text.replace(/\+/g, '-').replace(/\//g, '_'))?.id).toBe(key.id);
    for (const bad of ['', 'short', `${text}A`, 'z'.repeat(64), Buffer.alloc(16).toString('base64')]) {
      expect(parseDataKey(bad), bad).toBeUndefined();
    }
    expect(key.id).toMatch(/^dk_[0-9a-f]{16}$/);
    for (const shown of [JSON.stringify(key), String(key), inspect(key), inspect({ key })]) {
      expect(shown).toContain(key.id);
      expect(shown).not.toContain(text);
      expect(shown).not.toContain(Buffer.from(text, 'base64').toString('hex'));
    }
  });

  it('seal with a fresh nonce each time and open only with the same key and additional data', () => {
    const key = generateDataKey();
    const one = key.seal('sk_live_third_party', 'row-1');
    const two = key.seal('sk_live_third_party', 'row-1');
    expect(one.nonce).not.toBe(two.nonce);
    expect(one.ciphertext).not.toBe(two.ciphertext);
    expect(Buffer.from(one.nonce, 'base64')).toHaveLength(12);
    expect(key.open(one, 'row-1')).toBe('sk_live_third_party');
    expect(key.open(one, 'row-2')).toBeUndefined();
    expect(generateDataKey().open(one, 'row-1')).toBeUndefined();
    const flipped = Buffer.from(one.ciphertext, 'base64');
    flipped[0]! ^= 1;
    expect(key.open({ ...one, ciphertext: flipped.toString('base64') }, 'row-1')).toBeUndefined();
    expect(key.open({ nonce: 'AA==', ciphertext: one.ciphertext }, 'row-1')).toBeUndefined();
  });

  it('a keyring reloads, at most once a second, when asked for a key it lacks', () => {
    const [a, b] = [generateDataKey(), generateDataKey()];
    let now = 0;
    let loads = 0;
    const ring = new DataKeyring([a], {
      clock: () => now,
      reload: () => {
        loads++;
        return [b, a];
      },
    });
    expect(ring.get(a.id)).toBe(a);
    expect(loads).toBe(0);
    expect(ring.get(b.id)).toBe(b);
    expect(ring.primary).toBe(b);
    expect(ring.get('dk_0000000000000000')).toBeUndefined();
    now += 500;
    expect(ring.get('dk_0000000000000000')).toBeUndefined();
    expect(loads).toBe(1);
    now += 600;
    ring.get('dk_0000000000000000');
    expect(loads).toBe(2);
    expect(inspect(ring)).toBe(`DataKeyring(${b.id}, ${a.id})`);
  });
});

/** Publishes an app for a developer and installs it on the merchant; the caller it acts as. */
async function installed(
  w: World,
  app: string,
  options: { developer?: World['developer']; mode?: 'test' | 'live' } = {},
): Promise<SecretCaller & { readonly installId: string }> {
  const developer = options.developer ?? w.developer;
  try {
    await uploadAppVersion(w.domain, {
      actor: developer,
      manifest: manifest(app, '1.0.0', ['secret_write']),
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_VERSION_EXISTS') throw error;
  }
  const mode = options.mode ?? 'test';
  const result = await installApp(w.domain, { actor: mode === 'live' ? w.merchantLive : w.merchant, app });
  return {
    app,
    install: result.install.id,
    installId: result.install.id,
    account: w.merchantAccount,
    livemode: mode === 'live',
    key: result.key!.id,
  };
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'the Secret Store (domain)'), () => {
    const fresh = freshDatabases(dialect);

    it('sets, replaces, finds, lists and deletes, per scope; the audit log keeps names and scopes only', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const keys = new DataKeyring([generateDataKey()]);
      const caller = await installed(w, 'com.example.crm');
      const { user } = await createUser(w.domain, {
        actor: OPERATOR,
        account: w.merchantAccount,
        email: 'ada@merchant.example',
        role: 'view_only',
      });
      const userScope = { type: 'user', user: user.id } as const;

      const created = await setAppSecret(w.domain, keys, {
        caller,
        name: 'api_key',
        payload: 'first value',
        scope: ACCOUNT,
      });
      expect(created).toEqual({
        id: expect.stringMatching(/^appsecret_[0-9A-Za-z]{24}$/),
        object: 'apps.secret',
        created: w.clock.seconds(),
        expires_at: null,
        livemode: false,
        name: 'api_key',
        scope: { type: 'account' },
      });
      w.clock.advance(10);
      const replaced = await setAppSecret(w.domain, keys, {
        caller,
        name: 'api_key',
        payload: 'second value',
        scope: ACCOUNT,
      });
      expect(replaced.id).toBe(created.id);
      await setAppSecret(w.domain, keys, { caller, name: 'api_key', payload: 'for ada', scope: userScope });

      const found = await findAppSecret(w.domain, keys, {
        caller,
        name: 'api_key',
        scope: ACCOUNT,
        includePayload: true,
      });
      expect(found.payload).toBe('second value');
      expect(
        await findAppSecret(w.domain, keys, {
          caller,
          name: 'api_key',
          scope: ACCOUNT,
          includePayload: false,
        }),
      ).not.toHaveProperty('payload');
      expect(
        (
          await findAppSecret(w.domain, keys, {
            caller,
            name: 'api_key',
            scope: userScope,
            includePayload: true,
          })
        ).payload,
      ).toBe('for ada');
      const listed = await listAppSecrets(w.domain, { caller, scope: ACCOUNT });
      expect(listed).toEqual({ data: [created], has_more: false });

      const deleted = await deleteAppSecret(w.domain, { caller, name: 'api_key', scope: ACCOUNT });
      expect(deleted).toEqual({ ...created, deleted: true });
      await expectError(
        findAppSecret(w.domain, keys, { caller, name: 'api_key', scope: ACCOUNT, includePayload: true }),
        'ERR_NOT_FOUND',
        'no such secret: `api_key`',
      );

      const audit = (await listAudit(w.domain, { afterSeq: 0, limit: 1000 })).filter((e) =>
        e.action.startsWith('app_secret.'),
      );
      expect(audit.map((e) => e.action)).toEqual([
        'app_secret.created',
        'app_secret.updated',
        'app_secret.created',
        'app_secret.deleted',
      ]);
      expect(audit[0]!.actor).toEqual({
        type: 'app',
        app: 'com.example.crm',
        install: caller.install,
        account: w.merchantAccount,
        key: caller.key,
        livemode: false,
      });
      expect(audit[2]!.after).toMatchObject({ name: 'api_key', scope: userScope });
      const text = JSON.stringify(await listAudit(w.domain, { afterSeq: 0, limit: 1000 }));
      for (const payload of ['first value', 'second value', 'for ada']) expect(text).not.toContain(payload);
    });

    it('holds each scope to 10 secrets and each name and payload to 5,000 characters', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const keys = new DataKeyring([generateDataKey()]);
      const caller = await installed(w, 'com.example.crm');
      for (let i = 0; i < SECRETS_PER_SCOPE; i++) {
        await setAppSecret(w.domain, keys, { caller, name: `s${i}`, payload: 'x', scope: ACCOUNT });
      }
      const full = await expectError(
        setAppSecret(w.domain, keys, { caller, name: 'one more', payload: 'x', scope: ACCOUNT }),
        'ERR_SECRET_LIMIT',
        'scope `account` already holds 10 secrets, the most a scope may hold (10): delete one, or set one of their names again to replace it',
      );
      expect(full.param).toBe('scope');
      // replacing one is not a new one
      await setAppSecret(w.domain, keys, { caller, name: 's0', payload: 'y', scope: ACCOUNT });
      const long = await expectError(
        setAppSecret(w.domain, keys, { caller, name: 's1', payload: '€'.repeat(5001), scope: ACCOUNT }),
        'ERR_SECRET_LIMIT',
        "`payload` is 5001 characters long: a secret's payload may have at most 5000 characters",
      );
      expect(long.param).toBe('payload');
      await setAppSecret(w.domain, keys, { caller, name: 's1', payload: '😀'.repeat(5000), scope: ACCOUNT });
      await expectError(
        setAppSecret(w.domain, keys, { caller, name: 'n'.repeat(5001), payload: 'x', scope: ACCOUNT }),
        'ERR_SECRET_LIMIT',
        "`name` is 5001 characters long: a secret's name may have at most 5000 characters",
      );
      await expectError(
        setAppSecret(w.domain, keys, { caller, name: '', payload: 'x', scope: ACCOUNT }),
        'ERR_PARAMETER_INVALID',
      );
    });

    it('expired secrets are gone: not found, not listed, not counted, pruned', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const keys = new DataKeyring([generateDataKey()]);
      const caller = await installed(w, 'com.example.crm');
      const now = w.clock.seconds();
      await expectError(
        setAppSecret(w.domain, keys, { caller, name: 't', payload: 'x', scope: ACCOUNT, expiresAt: now }),
        'ERR_PARAMETER_INVALID',
        `\`expires_at\` (${now}) must be a unix time in the future, in seconds`,
      );
      await setAppSecret(w.domain, keys, {
        caller,
        name: 't',
        payload: 'x',
        scope: ACCOUNT,
        expiresAt: now + 60,
      });
      expect((await listAppSecrets(w.domain, { caller, scope: ACCOUNT })).data).toHaveLength(1);
      w.clock.advance(60);
      await expectError(
        findAppSecret(w.domain, keys, { caller, name: 't', scope: ACCOUNT, includePayload: false }),
        'ERR_NOT_FOUND',
      );
      expect((await listAppSecrets(w.domain, { caller, scope: ACCOUNT })).data).toEqual([]);
      expect(await pruneExpiredAppSecrets(w.domain)).toBe(1);
    });

    it('pages a scope newest first with starting_after and ending_before', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const keys = new DataKeyring([generateDataKey()]);
      const caller = await installed(w, 'com.example.crm');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.unshift(
          (await setAppSecret(w.domain, keys, { caller, name: `s${i}`, payload: 'x', scope: ACCOUNT })).id,
        );
        w.clock.advance(1);
      }
      const page = async (input: { limit?: number; startingAfter?: string; endingBefore?: string }) => {
        const result = await listAppSecrets(w.domain, { caller, scope: ACCOUNT, ...input });
        return [result.data.map((s) => s.id), result.has_more];
      };
      expect(await page({ limit: 2 })).toEqual([ids.slice(0, 2), true]);
      expect(await page({ limit: 2, startingAfter: ids[1]! })).toEqual([ids.slice(2, 4), true]);
      expect(await page({ limit: 2, startingAfter: ids[3]! })).toEqual([ids.slice(4), false]);
      expect(await page({ limit: 2, endingBefore: ids[4]! })).toEqual([ids.slice(2, 4), true]);
      expect(await page({ limit: 2, endingBefore: ids[2]! })).toEqual([ids.slice(0, 2), false]);
      await expectError(page({ limit: 0 }), 'ERR_PARAMETER_INVALID');
      await expectError(page({ startingAfter: 'appsecret_nope' }), 'ERR_NOT_FOUND');
    });

    it('isolates developers, accounts and modes; shares between one developer’s apps; user scopes name users of the account', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const keys = new DataKeyring([generateDataKey()]);
      const crm = await installed(w, 'com.example.crm');
      const sibling = await installed(w, 'com.example.crm-reports');
      const other = await installed(w, 'com.stranger.app', { developer: w.stranger });
      const live = await installed(w, 'com.example.crm', { mode: 'live' });
      await setAppSecret(w.domain, keys, { caller: crm, name: 'k', payload: 'v', scope: ACCOUNT });
      const find = (caller: SecretCaller) =>
        findAppSecret(w.domain, keys, { caller, name: 'k', scope: ACCOUNT, includePayload: true });
      expect((await find(sibling)).payload).toBe('v');
      await expectError(find(other), 'ERR_NOT_FOUND', 'no such secret: `k`');
      await expectError(find(live), 'ERR_NOT_FOUND', 'no such secret: `k`');
      // another account's install of the same app (a stranger installing it)
      const elsewhere = await installApp(w.domain, { actor: w.stranger, app: 'com.example.crm' });
      await expectError(
        find({
          app: 'com.example.crm',
          install: elsewhere.install.id,
          account: elsewhere.install.account,
          livemode: false,
          key: elsewhere.key!.id,
        }),
        'ERR_NOT_FOUND',
      );
      // a caller that claims another account than its install's is refused outright
      await expectError(find({ ...crm, account: elsewhere.install.account }), 'ERR_INSTALL_INACTIVE');

      const { user: foreign } = await createUser(w.domain, {
        actor: OPERATOR,
        account: elsewhere.install.account,
        email: 'eve@stranger.example',
        role: 'admin',
      });
      const refused = await expectError(
        setAppSecret(w.domain, keys, {
          caller: crm,
          name: 'token',
          payload: 'v',
          scope: { type: 'user', user: foreign.id },
        }),
        'ERR_NOT_FOUND',
        `no such user: \`${foreign.id}\``,
      );
      expect(refused.param).toBe('scope[user]');
      await expectError(
        listAppSecrets(w.domain, { caller: crm, scope: { type: 'user', user: 'usr_nobody' } }),
        'ERR_NOT_FOUND',
      );
    });

    it('a ciphertext moved to another row does not decrypt there (fails closed)', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const keys = new DataKeyring([generateDataKey()]);
      const caller = await installed(w, 'com.example.crm');
      const a = await setAppSecret(w.domain, keys, { caller, name: 'a', payload: 'value a', scope: ACCOUNT });
      await setAppSecret(w.domain, keys, { caller, name: 'b', payload: 'value b', scope: ACCOUNT });
      await db.exec(
        `update app_secrets set nonce = (select nonce from app_secrets where name = 'a'),
           ciphertext = (select ciphertext from app_secrets where name = 'a') where name = 'b'`,
      );
      expect(
        (await findAppSecret(w.domain, keys, { caller, name: 'a', scope: ACCOUNT, includePayload: true }))
          .payload,
      ).toBe('value a');
      await expectError(
        findAppSecret(w.domain, keys, { caller, name: 'b', scope: ACCOUNT, includePayload: true }),
        'ERR_SECRET_UNREADABLE',
        /^secret `appsecret_\w+` does not decrypt under data key `dk_[0-9a-f]{16}`: its stored value was altered or copied from another secret$/,
      );
      expect(a.id).not.toBe('');
    });

    it('rotation re-encrypts every secret under the new key; the old key is then not needed', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const old = generateDataKey();
      const caller = await installed(w, 'com.example.crm');
      const payloads = new Map<string, string>();
      for (let i = 0; i < 7; i++) {
        payloads.set(`s${i}`, `payload ${i} ${'#'.repeat(i * 100)}`);
        await setAppSecret(w.domain, new DataKeyring([old]), {
          caller,
          name: `s${i}`,
          payload: payloads.get(`s${i}`)!,
          scope: ACCOUNT,
        });
      }
      const next = generateDataKey();
      // a process that holds only the new key cannot read them yet, nor write
      await expectError(
        findAppSecret(w.domain, new DataKeyring([next]), {
          caller,
          name: 's1',
          scope: ACCOUNT,
          includePayload: true,
        }),
        'ERR_DATA_KEY_UNAVAILABLE',
      );
      await expectError(
        setAppSecret(w.domain, new DataKeyring([next]), { caller, name: 'x', payload: 'x', scope: ACCOUNT }),
        'ERR_DATA_KEY_UNAVAILABLE',
      );
      expect(await dataKeyStatus(w.domain, new DataKeyring([next]))).toEqual({
        current: old.id,
        secrets: [{ keyId: old.id, count: 7, held: false }],
        webhookSecrets: [],
        missing: [old.id],
      });

      const result = await rotateDataKey(w.domain, new DataKeyring([next, old]), { batchSize: 3 });
      expect(result).toEqual({ to: next.id, from: [old.id], reencrypted: 7, discarded: 0 });
      const only = new DataKeyring([next]);
      for (const [name, payload] of payloads) {
        expect(
          (await findAppSecret(w.domain, only, { caller, name, scope: ACCOUNT, includePayload: true }))
            .payload,
        ).toBe(payload);
      }
      await setAppSecret(w.domain, only, { caller, name: 'after', payload: 'x', scope: ACCOUNT });
      expect(await dataKeyStatus(w.domain, only)).toEqual({
        current: next.id,
        secrets: [{ keyId: next.id, count: 8, held: true }],
        webhookSecrets: [],
        missing: [],
      });
      const audit = await listAudit(w.domain, { afterSeq: 0, limit: 1000 });
      expect(audit.filter((e) => e.action === 'secret_store.key_rotated').map((e) => e.after)).toEqual([
        { to: next.id, from: [old.id], reencrypted: 7, discarded: 0 },
      ]);
      // again: nothing left to move
      expect(await rotateDataKey(w.domain, only)).toEqual({
        to: next.id,
        from: [],
        reencrypted: 0,
        discarded: 0,
      });
    });

    it('rotation stops before changing anything when a secret is unreadable, unless told to discard it', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const lost = generateDataKey();
      const kept = generateDataKey();
      const caller = await installed(w, 'com.example.crm');
      await setAppSecret(w.domain, new DataKeyring([lost]), {
        caller,
        name: 'a',
        payload: 'x',
        scope: ACCOUNT,
      });
      await rotateDataKey(w.domain, new DataKeyring([kept, lost]), { target: kept });
      await setAppSecret(w.domain, new DataKeyring([kept]), {
        caller,
        name: 'b',
        payload: 'y',
        scope: ACCOUNT,
      });
      await db.exec(`update app_secrets set key_id = '${lost.id}' where name = 'a'`); // as if never rotated
      const next = generateDataKey();
      await expectError(
        rotateDataKey(w.domain, new DataKeyring([next, kept])),
        'ERR_SECRET_UNREADABLE',
        new RegExp(`^1 secret cannot be decrypted \\(data key \`${lost.id}\` not held, or values altered\\)`),
      );
      expect((await dataKeyStatus(w.domain, new DataKeyring([kept]))).current).toBe(kept.id);
      const result = await rotateDataKey(w.domain, new DataKeyring([next, kept]), {
        discardUnreadable: true,
      });
      expect(result).toEqual({ to: next.id, from: [kept.id, lost.id].sort(), reencrypted: 1, discarded: 1 });
      expect((await listAppSecrets(w.domain, { caller, scope: ACCOUNT })).data.map((s) => s.name)).toEqual([
        'b',
      ]);
    });

    it('uninstalling deletes the app’s secrets on the account, unless a sibling app still shares them; a reinstall starts empty', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const keys = new DataKeyring([generateDataKey()]);
      const crm = await installed(w, 'com.example.crm');
      const sibling = await installed(w, 'com.example.crm-reports');
      const live = await installed(w, 'com.example.crm', { mode: 'live' });
      await setAppSecret(w.domain, keys, { caller: crm, name: 'k', payload: 'v', scope: ACCOUNT });
      await setAppSecret(w.domain, keys, { caller: live, name: 'k', payload: 'live', scope: ACCOUNT });
      await uninstallApp(w.domain, { actor: w.merchant, install: crm.installId });
      expect((await listAppSecrets(w.domain, { caller: sibling, scope: ACCOUNT })).data).toHaveLength(1);
      await uninstallApp(w.domain, { actor: w.merchant, install: sibling.installId });
      const again = await installed(w, 'com.example.crm');
      expect((await listAppSecrets(w.domain, { caller: again, scope: ACCOUNT })).data).toEqual([]);
      // the live install's secret is another mode's: untouched
      expect((await listAppSecrets(w.domain, { caller: live, scope: ACCOUNT })).data).toHaveLength(1);
      const audit = await listAudit(w.domain, { afterSeq: 0, limit: 1000 });
      const uninstalls = audit.filter((e) => e.action === 'install.uninstalled');
      expect(
        uninstalls.map((e) => (e.after as { secrets_deleted: string[] }).secrets_deleted.length),
      ).toEqual([0, 1]);
      expect(audit.filter((e) => e.action === 'app_secret.deleted').at(-1)?.before).toMatchObject({
        name: 'k',
        reason: 'install.uninstalled',
      });
    });

    it('admins list an install’s secret names and delete one; apps administer nothing', async () => {
      const db = await fresh();
      const w = await world(await db.open());
      const keys = new DataKeyring([generateDataKey()]);
      const crm = await installed(w, 'com.example.crm');
      const { user } = await createUser(w.domain, {
        actor: OPERATOR,
        account: w.merchantAccount,
        email: 'ada@merchant.example',
        role: 'admin',
      });
      await setAppSecret(w.domain, keys, {
        caller: crm,
        name: 'zeta',
        payload: 'PAYLOAD-zeta-secret',
        scope: ACCOUNT,
      });
      await setAppSecret(w.domain, keys, {
        caller: crm,
        name: 'alpha',
        payload: 'PAYLOAD-alpha-secret',
        scope: ACCOUNT,
      });
      const token = await setAppSecret(w.domain, keys, {
        caller: crm,
        name: 'oauth',
        payload: 'PAYLOAD-oauth-secret',
        scope: { type: 'user', user: user.id },
      });
      const listed = await listInstallSecrets(w.domain, { actor: w.merchant, install: crm.installId });
      expect(listed.map((s) => [s.name, s.scope.type, s.app])).toEqual([
        ['alpha', 'account', 'com.example.crm'],
        ['zeta', 'account', 'com.example.crm'],
        ['oauth', 'user', 'com.example.crm'],
      ]);
      // Payloads no random id can contain (a short one such as `p1` once appeared inside an id).
      expect(JSON.stringify(listed)).not.toMatch(/PAYLOAD-|"payload"/);
      await expectError(
        listInstallSecrets(w.domain, { actor: w.stranger, install: crm.installId }),
        'ERR_NOT_FOUND',
      );
      await expectError(
        deleteInstallSecret(w.domain, { actor: w.stranger, install: crm.installId, secret: token.id }),
        'ERR_NOT_FOUND',
      );
      await expectError(
        listInstallSecrets(w.domain, { actor: w.merchantLive, install: crm.installId }),
        'ERR_MODE_MISMATCH',
      );
      await deleteInstallSecret(w.domain, { actor: w.merchant, install: crm.installId, secret: token.id });
      expect(
        (await listInstallSecrets(w.domain, { actor: w.merchant, install: crm.installId })).map(
          (s) => s.name,
        ),
      ).toEqual(['alpha', 'zeta']);

      const app = {
        type: 'app',
        app: crm.app,
        install: crm.install,
        account: crm.account,
        key: crm.key,
        livemode: false,
      } as const;
      await expectError(uninstallApp(w.domain, { actor: app, install: crm.installId }), 'ERR_FORBIDDEN');
      await expectError(
        listInstallSecrets(w.domain, { actor: app, install: crm.installId }),
        'ERR_NOT_FOUND',
      );
    });
  });
}

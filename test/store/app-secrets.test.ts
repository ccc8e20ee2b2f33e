import { describe, expect, it } from 'vitest';
import type { AppSecretRow, Store } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from './dialects.js';

/** A developer, two merchants and an app, as the secrets' foreign keys need. */
async function seed(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    for (const id of ['acct_dev', 'acct_m1', 'acct_m2']) await tx.insertAccount({ id, name: id, created: 1 });
    await tx.insertApp({
      id: 'com.example.app',
      owner_account_id: 'acct_dev',
      name: 'App',
      access_type: 'restricted_api_key',
      distribution_type: 'public',
      current_version: null,
      created: 1,
      updated: 1,
    });
  });
}

function secret(id: string, overrides: Partial<AppSecretRow> = {}): AppSecretRow {
  return {
    id,
    developer_account_id: 'acct_dev',
    account_id: 'acct_m1',
    mode: 'test',
    scope_type: 'account',
    scope_user: '',
    name: id,
    app_id: 'com.example.app',
    key_id: 'k1',
    nonce: 'bm9uY2U=',
    ciphertext: 'Y2lwaGVydGV4dA==',
    created: 10,
    updated: 10,
    expires_at: null,
    ...overrides,
  };
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'store: app secrets'), () => {
    const fresh = freshDatabases(dialect);

    it('stores, filters, updates and deletes secrets; one name per scope', async () => {
      const db = await fresh();
      const store = await db.open();
      await seed(store);
      await store.transaction(async (tx) => {
        await tx.insertAppSecret(secret('appsecret_a'));
        await tx.insertAppSecret(secret('appsecret_b', { name: 'shared', expires_at: 100 }));
        await tx.insertAppSecret(
          secret('appsecret_c', { name: 'shared', scope_type: 'user', scope_user: 'usr_1', key_id: 'k2' }),
        );
        await tx.insertAppSecret(secret('appsecret_d', { name: 'shared', account_id: 'acct_m2' }));
        await tx.insertAppSecret(secret('appsecret_e', { name: 'shared', mode: 'live' }));
      });
      const ids = (rows: readonly AppSecretRow[]) => rows.map((row) => row.id);
      const read = <T>(fn: Parameters<Store['transaction']>[0]) =>
        store.transaction(fn, { readOnly: true }) as Promise<T>;

      expect(await read((tx) => tx.getAppSecret('appsecret_c'))).toEqual(
        secret('appsecret_c', { name: 'shared', scope_type: 'user', scope_user: 'usr_1', key_id: 'k2' }),
      );
      expect(ids(await read((tx) => tx.listAppSecrets({})))).toEqual([
        'appsecret_a',
        'appsecret_b',
        'appsecret_c',
        'appsecret_d',
        'appsecret_e',
      ]);
      expect(
        ids(
          await read((tx) =>
            tx.listAppSecrets({
              developerAccountId: 'acct_dev',
              accountId: 'acct_m1',
              mode: 'test',
              scopeType: 'account',
              scopeUser: '',
            }),
          ),
        ),
      ).toEqual(['appsecret_a', 'appsecret_b']);
      expect(ids(await read((tx) => tx.listAppSecrets({ name: 'shared', liveAt: 100 })))).toEqual([
        'appsecret_c',
        'appsecret_d',
        'appsecret_e',
      ]);
      expect(ids(await read((tx) => tx.listAppSecrets({ keyIdNot: 'k1' })))).toEqual(['appsecret_c']);
      expect(ids(await read((tx) => tx.listAppSecrets({ afterId: 'appsecret_c', limit: 1 })))).toEqual([
        'appsecret_d',
      ]);

      // the same name in the same scope is refused by the database itself
      await expect(
        store.transaction((tx) => tx.insertAppSecret(secret('appsecret_f', { name: 'appsecret_a' }))),
      ).rejects.toThrow(/^the store failed: .*(unique|UNIQUE)/);

      await store.transaction((tx) =>
        tx.updateAppSecret('appsecret_a', { key_id: 'k2', nonce: 'bg==', ciphertext: 'Yw==', updated: 20 }),
      );
      expect(await read((tx) => tx.getAppSecret('appsecret_a'))).toMatchObject({
        key_id: 'k2',
        nonce: 'bg==',
        ciphertext: 'Yw==',
        created: 10,
        updated: 20,
      });
      expect(await read((tx) => tx.countAppSecretsByKey())).toEqual([
        { keyId: 'k1', count: 3 },
        { keyId: 'k2', count: 2 },
      ]);

      expect(await store.transaction((tx) => tx.deleteExpiredAppSecrets(99))).toBe(0);
      expect(await store.transaction((tx) => tx.deleteExpiredAppSecrets(100))).toBe(1);
      expect(await store.transaction((tx) => tx.deleteAppSecrets(['appsecret_a', 'appsecret_x']))).toBe(1);
      expect(await store.transaction((tx) => tx.deleteAppSecrets([]))).toBe(0);
      expect(ids(await read((tx) => tx.listAppSecrets({})))).toEqual([
        'appsecret_c',
        'appsecret_d',
        'appsecret_e',
      ]);
    });

    it('remembers which data key encrypts new values', async () => {
      const db = await fresh();
      const store = await db.open();
      expect(await store.transaction((tx) => tx.getAppSecretKeyId(), { readOnly: true })).toBeUndefined();
      await store.transaction((tx) => tx.setAppSecretKeyId('k1'));
      await store.transaction((tx) => tx.setAppSecretKeyId('k2'));
      expect(await store.transaction((tx) => tx.getAppSecretKeyId(), { readOnly: true })).toBe('k2');
      expect(await db.exec('select * from app_secret_state')).toEqual([{ id: 1, current_key_id: 'k2' }]);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { DIALECTS, freshDatabases, schemaBefore, suiteTitle } from './dialects.js';

/**
 * Migration 13 widens `apps.access_type` to `oauth`. On SQLite that rebuilds `apps`, which
 * installs, versions, keys and secrets reference: every row must survive and the references
 * must still hold and still be enforced.
 */
for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'OAuth apps (migration 13)'), () => {
    const fresh = freshDatabases(dialect);

    it('keeps every app and what references it, accepts oauth apps and still enforces the references', async () => {
      const db = await fresh();
      await schemaBefore(db, dialect, 13);
      await db.exec(
        `insert into accounts (id, name, created) values ('acct_1', 'Dev', 1), ('acct_2', 'Shop', 1)`,
      );
      await db.exec(
        `insert into apps (id, owner_account_id, name, access_type, distribution_type, current_version, created, updated)
         values ('com.example.a', 'acct_1', 'A', 'restricted_api_key', 'public', '1', 1, 2),
                ('com.example.b', 'acct_1', 'B', 'platform', 'private', null, 3, 4)`,
      );
      await db.exec(
        `insert into app_versions (app_id, version, seq, manifest, permissions, created, released)
         values ('com.example.a', '1', 1, '{}', '["customer_read"]', 1, 1)`,
      );
      await db.exec(
        `insert into installs (id, app_id, account_id, mode, status, permissions_granted, permissions_pending, created_by, created, updated)
         values ('appinst_1', 'com.example.a', 'acct_2', 'test', 'installed', '["customer_read"]', '[]', 'operator', 1, 1)`,
      );
      const appsBefore = await db.exec('select * from apps order by id');

      const store = await db.open();
      expect(await db.exec('select * from apps order by id')).toEqual(appsBefore);
      expect(await store.transaction((tx) => tx.getInstall('appinst_1'), { readOnly: true })).toMatchObject({
        app_id: 'com.example.a',
      });
      await store.transaction((tx) =>
        tx.insertApp({
          id: 'com.example.oauth',
          owner_account_id: 'acct_1',
          name: 'O',
          access_type: 'oauth',
          distribution_type: 'public',
          current_version: null,
          created: 5,
          updated: 5,
        }),
      );
      expect(
        (await store.transaction((tx) => tx.getApp('com.example.oauth'), { readOnly: true }))?.access_type,
      ).toBe('oauth');
      if (dialect.name === 'sqlite') expect(await db.exec('pragma foreign_key_check')).toEqual([]);
      // still enforced: an install of an app that does not exist, and an unknown access type
      await expect(
        db.exec(
          `insert into installs (id, app_id, account_id, mode, status, permissions_granted, permissions_pending, created_by, created, updated)
           values ('appinst_2', 'com.example.none', 'acct_2', 'test', 'installed', '[]', '[]', 'operator', 1, 1)`,
        ),
      ).rejects.toThrow(/foreign key/i);
      await expect(
        db.exec(
          `insert into apps (id, owner_account_id, name, access_type, distribution_type, current_version, created, updated)
           values ('com.example.x', 'acct_1', 'X', 'magic', 'public', null, 1, 1)`,
        ),
      ).rejects.toThrow(/check/i);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { isAppscopeError } from '../../src/errors.js';
import type { SessionRow, Store, UserRow } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from './dialects.js';

/** The dashboard's users and sessions tables (migration 5), the same on every database. */

const user = (id: string, account: string, email: string, created = 1): UserRow => ({
  id,
  account_id: account,
  email,
  role: 'admin',
  password_hash: `scrypt$15$8$1$salt$${id}`,
  created,
});

const session = (hash: string, userId: string, expires: number): SessionRow => ({
  id_hash: hash,
  user_id: userId,
  mode: 'test',
  created: 1,
  expires,
});

async function withAccounts(store: Store, ...ids: string[]): Promise<void> {
  await store.transaction(async (tx) => {
    for (const id of ids) await tx.insertAccount({ id, name: id, created: 1 });
  });
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'store users and sessions'), () => {
    const fresh = freshDatabases(dialect);

    it('stores users, finds them by email across accounts and lists an account’s users in order', async () => {
      const store = await (await fresh()).open();
      await withAccounts(store, 'acct_a', 'acct_b');
      await store.transaction(async (tx) => {
        await tx.insertUser(user('usr_2', 'acct_a', 'ann@example.com', 2));
        await tx.insertUser(user('usr_1', 'acct_b', 'ann@example.com', 1));
        await tx.insertUser({ ...user('usr_3', 'acct_a', 'bob@example.com', 3), role: 'view_only' });
      });
      const read = await store.transaction(
        async (tx) => ({
          one: await tx.getUser('usr_3'),
          missing: await tx.getUser('usr_404'),
          byEmail: (await tx.listUsersByEmail('ann@example.com')).map((u) => u.id),
          none: await tx.listUsersByEmail('nobody@example.com'),
          ofA: (await tx.listUsers('acct_a')).map((u) => u.id),
        }),
        { readOnly: true },
      );
      expect(read.one).toEqual({ ...user('usr_3', 'acct_a', 'bob@example.com', 3), role: 'view_only' });
      expect(read.missing).toBeUndefined();
      expect(read.byEmail).toEqual(['usr_1', 'usr_2']);
      expect(read.none).toEqual([]);
      expect(read.ofA).toEqual(['usr_2', 'usr_3']);
    });

    it('refuses a second user with the same email on one account, an unknown role and an unknown account', async () => {
      const store = await (await fresh()).open();
      await withAccounts(store, 'acct_a');
      await store.transaction((tx) => tx.insertUser(user('usr_1', 'acct_a', 'ann@example.com')));
      for (const row of [
        user('usr_2', 'acct_a', 'ann@example.com'),
        { ...user('usr_3', 'acct_a', 'cat@example.com'), role: 'owner' as UserRow['role'] },
        user('usr_4', 'acct_missing', 'dan@example.com'),
      ]) {
        const error = await store.transaction((tx) => tx.insertUser(row)).catch((e: unknown) => e);
        expect(isAppscopeError(error, 'ERR_STORE')).toBe(true);
      }
      const ids = await store.transaction(async (tx) => (await tx.listUsers('acct_a')).map((u) => u.id), {
        readOnly: true,
      });
      expect(ids).toEqual(['usr_1']);
    });

    it('stores sessions by hash, switches their mode, deletes them, and prunes expired ones', async () => {
      const store = await (await fresh()).open();
      await withAccounts(store, 'acct_a');
      await store.transaction(async (tx) => {
        await tx.insertUser(user('usr_1', 'acct_a', 'ann@example.com'));
        await tx.insertSession(session('h_old', 'usr_1', 100));
        await tx.insertSession(session('h_edge', 'usr_1', 200));
        await tx.insertSession(session('h_new', 'usr_1', 300));
      });
      await store.transaction((tx) => tx.updateSessionMode('h_new', 'live'));
      expect(await store.transaction((tx) => tx.getSession('h_new'), { readOnly: true })).toEqual({
        ...session('h_new', 'usr_1', 300),
        mode: 'live',
      });
      expect(await store.transaction((tx) => tx.pruneSessions(200))).toBe(2);
      await store.transaction((tx) => tx.deleteSession('h_new'));
      const left = await store.transaction(
        async (tx) => [
          await tx.getSession('h_old'),
          await tx.getSession('h_edge'),
          await tx.getSession('h_new'),
        ],
        { readOnly: true },
      );
      expect(left).toEqual([undefined, undefined, undefined]);
      const badMode = await store
        .transaction((tx) => tx.insertSession({ ...session('h_bad', 'usr_1', 1), mode: 'staging' as 'test' }))
        .catch((e: unknown) => e);
      expect(isAppscopeError(badMode, 'ERR_STORE')).toBe(true);
    });

    it('migration 7 drops the stored CSRF secret and deletes idempotent answers that hold a secret', async () => {
      const db = await fresh();
      const first = await db.open();
      await withAccounts(first, 'acct_a');
      await first.close();
      // the database as migration 6 left it, with the plain-text values it could hold
      await db.exec('alter table sessions add column csrf_secret text');
      await db.exec('delete from appscope_migrations where version = 7');
      await db.exec(
        `insert into users (id, account_id, email, role, password_hash, created) values ('usr_1', 'acct_a', 'a@example.com', 'admin', 'scrypt$x', 1)`,
      );
      await db.exec(
        `insert into sessions (id_hash, user_id, csrf_secret, mode, created, expires) values ('h1', 'usr_1', 'legacy-csrf-secret', 'test', 1, 99999999999)`,
      );
      const answer = (key: string, body: string) =>
        db.exec(
          `insert into idempotency_keys (scope, key, fingerprint, status, body, request_id, created) values ('acct_a:test', '${key}', 'f', 200, '${body}', 'req_1', 1)`,
        );
      await answer('with-secret', '{"id":"key_1","secret":"rk_test_legacy","redacted":"rk_test_***…"}');
      await answer('redacted', '{"id":"key_2","secret":null,"secret_redacted":true}');
      await answer('plain', '{"id":"appinst_1","object":"apps.install"}');

      const store = await db.open();
      const columns = (
        await db.exec(
          dialect.name === 'sqlite'
            ? `select name from pragma_table_info('sessions')`
            : `select column_name as name from information_schema.columns where table_name = 'sessions' and table_schema = current_schema()`,
        )
      ).map((row) => row['name']);
      expect(columns).not.toContain('csrf_secret');
      expect(await store.transaction((tx) => tx.getSession('h1'), { readOnly: true })).toEqual({
        id_hash: 'h1',
        user_id: 'usr_1',
        mode: 'test',
        created: 1,
        expires: 99999999999,
      });
      const keys = (await db.exec('select key from idempotency_keys order by key')).map((row) => row['key']);
      expect(keys).toEqual(['plain', 'redacted']);
    });

    it('refuses users and sessions writes in read-only transactions', async () => {
      const store = await (await fresh()).open();
      await withAccounts(store, 'acct_a');
      await expect(
        store.transaction((tx) => tx.insertUser(user('usr_1', 'acct_a', 'a@example.com')), {
          readOnly: true,
        }),
      ).rejects.toThrow('a read-only transaction cannot write');
      await expect(store.transaction((tx) => tx.pruneSessions(1), { readOnly: true })).rejects.toThrow(
        'a read-only transaction cannot write',
      );
    });
  });
}

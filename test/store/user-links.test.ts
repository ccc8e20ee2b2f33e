import { describe, expect, it } from 'vitest';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { createDomain } from '../../src/domain/context.js';
import { acceptLink, createInvite, createPasswordReset, lookUpLink } from '../../src/domain/invites.js';
import {
  changeUserRole,
  checkUserPassword,
  createUser,
  listUsers,
  removeUser,
} from '../../src/domain/users.js';
import { isAppscopeError } from '../../src/errors.js';
import type { Store, UserLinkRow } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from './dialects.js';

/**
 * The Team's store methods (migration 11: `user_links`, plus changing and deleting users and
 * ending a user's sessions) and the invite and reset flows on them, the same on every database —
 * including two concurrent uses of one link, of which exactly one wins.
 */

const link = (id: string, hash: string, extra: Partial<UserLinkRow> = {}): UserLinkRow => ({
  id,
  account_id: 'acct_a',
  kind: 'invite',
  email: 'new@example.com',
  role: 'developer',
  user_id: null,
  token_hash: hash,
  created: 10,
  created_by: 'usr_admin',
  expires: 1000,
  used: null,
  revoked: null,
  ...extra,
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(
    suiteTitle(dialect, 'store user links and team changes'),
    () => {
      const fresh = freshDatabases(dialect);

      async function withUsers(store: Store): Promise<void> {
        await store.transaction(async (tx) => {
          await tx.insertAccount({ id: 'acct_a', name: 'A', created: 1 });
          for (const [id, role] of [
            ['usr_admin', 'admin'],
            ['usr_dev', 'developer'],
          ] as const) {
            await tx.insertUser({
              id,
              account_id: 'acct_a',
              email: `${id}@example.com`,
              role,
              password_hash: `scrypt$${id}`,
              created: 1,
            });
            for (const n of [1, 2])
              await tx.insertSession({
                id_hash: `${id}-${n}`,
                user_id: id,
                mode: 'test',
                created: 1,
                expires: 99,
              });
          }
        });
      }

      it('stores links by token hash, lists an account’s newest first, claims a link once and revokes', async () => {
        const store = await (await fresh()).open();
        await withUsers(store);
        await store.transaction(async (tx) => {
          await tx.insertUserLink(link('ulink_1', 'h1'));
          await tx.insertUserLink(
            link('ulink_2', 'h2', { created: 20, kind: 'reset', role: null, user_id: 'usr_dev' }),
          );
        });
        const read = await store.transaction(
          async (tx) => ({
            one: await tx.getUserLinkByHash('h2'),
            none: await tx.getUserLinkByHash('h404'),
            list: (await tx.listUserLinks('acct_a', 10)).map((l) => l.id),
            limited: (await tx.listUserLinks('acct_a', 1)).map((l) => l.id),
          }),
          { readOnly: true },
        );
        expect(read.one).toEqual(
          link('ulink_2', 'h2', { created: 20, kind: 'reset', role: null, user_id: 'usr_dev' }),
        );
        expect(read.none).toBeUndefined();
        expect(read.list).toEqual(['ulink_2', 'ulink_1']);
        expect(read.limited).toEqual(['ulink_2']);
        const claims = await store.transaction(async (tx) => [
          await tx.claimUserLink('ulink_1', 50),
          await tx.claimUserLink('ulink_1', 51),
        ]);
        expect(claims).toEqual([true, false]);
        await store.transaction((tx) => tx.updateUserLink('ulink_2', { revoked: 60 }));
        expect(await store.transaction((tx) => tx.claimUserLink('ulink_2', 61))).toBe(false);
        const after = await store.transaction((tx) => tx.listUserLinks('acct_a', 10), { readOnly: true });
        expect(after.map((l) => [l.id, l.used, l.revoked])).toEqual([
          ['ulink_2', null, 60],
          ['ulink_1', 50, null],
        ]);
        // A token hash is unique; a kind and a role must be known.
        for (const bad of [
          link('ulink_3', 'h1'),
          link('ulink_4', 'h4', { kind: 'other' as 'invite' }),
          link('ulink_5', 'h5', { role: 'owner' as 'admin' }),
        ]) {
          const error = await caught(store.transaction((tx) => tx.insertUserLink(bad)));
          expect(isAppscopeError(error, 'ERR_STORE'), bad.id).toBe(true);
        }
        await store.close();
      });

      it('changes a user’s role and password hash, ends their sessions only, and deletes them', async () => {
        const store = await (await fresh()).open();
        await withUsers(store);
        await store.transaction(async (tx) => {
          await tx.updateUser('usr_dev', { role: 'view_only' });
          await tx.updateUser('usr_dev', { password_hash: 'scrypt$new' });
          await tx.updateUser('usr_dev', {});
        });
        const user = await store.transaction((tx) => tx.getUser('usr_dev'), { readOnly: true });
        expect(user).toMatchObject({
          role: 'view_only',
          password_hash: 'scrypt$new',
          email: 'usr_dev@example.com',
        });
        expect(await store.transaction((tx) => tx.deleteUserSessions('usr_dev'))).toBe(2);
        expect(await store.transaction((tx) => tx.deleteUserSessions('usr_dev'))).toBe(0);
        const sessions = await store.transaction(
          async (tx) => [await tx.getSession('usr_dev-1'), await tx.getSession('usr_admin-1')],
          { readOnly: true },
        );
        expect(sessions[0]).toBeUndefined();
        expect(sessions[1]?.user_id).toBe('usr_admin');
        await store.transaction((tx) => tx.deleteUser('usr_dev'));
        expect(await store.transaction((tx) => tx.getUser('usr_dev'), { readOnly: true })).toBeUndefined();
        await store.close();
      });

      it('invite → accept, reset → accept, role changes and removal keep the last admin; two concurrent uses of a link: one wins', async () => {
        const store = await (await fresh()).open();
        const domain = createDomain({ store });
        const account = (await createAccount(domain, { actor: OPERATOR, name: 'Acme' })).account.id;
        const { user: admin } = await createUser(domain, {
          actor: OPERATOR,
          account,
          email: 'root@acme.example',
          role: 'admin',
          password: 'the first password',
        });
        const invite = await createInvite(domain, {
          actor: OPERATOR,
          account,
          email: 'sam@acme.example',
          role: 'admin',
        });
        const results = await Promise.allSettled([
          acceptLink(domain, { token: invite.token, password: 'sams password one' }),
          acceptLink(domain, { token: invite.token, password: 'sams password two' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(
          isAppscopeError(refused.reason, 'ERR_PARAMETER_INVALID') ||
            isAppscopeError(refused.reason, 'ERR_STORE_BUSY'),
        ).toBe(true);
        expect((await listUsers(domain, { actor: OPERATOR, account })).map((u) => u.email).sort()).toEqual([
          'root@acme.example',
          'sam@acme.example',
        ]);
        expect((await lookUpLink(domain, invite.token)).status).toBe('used');

        const reset = await createPasswordReset(domain, { actor: OPERATOR, user: admin.id });
        await acceptLink(domain, { token: reset.token, password: 'the second password' });
        expect(
          await checkUserPassword(domain, { email: 'root@acme.example', password: 'the first password' }),
        ).toBeUndefined();
        expect(
          await checkUserPassword(domain, { email: 'root@acme.example', password: 'the second password' }),
        ).toBeDefined();

        const sam = (await listUsers(domain, { actor: OPERATOR, account })).find(
          (u) => u.email === 'sam@acme.example',
        )!;
        await changeUserRole(domain, { actor: OPERATOR, user: sam.id, role: 'developer' });
        const lastDemote = await caught(
          changeUserRole(domain, { actor: OPERATOR, user: admin.id, role: 'view_only' }),
        );
        expect(isAppscopeError(lastDemote, 'ERR_LAST_ADMIN')).toBe(true);
        expect((lastDemote as Error).message).toContain('is the last admin of this account');
        const lastRemove = await caught(removeUser(domain, { actor: OPERATOR, user: admin.id }));
        expect(isAppscopeError(lastRemove, 'ERR_LAST_ADMIN')).toBe(true);
        await removeUser(domain, { actor: OPERATOR, user: sam.id });
        expect((await listUsers(domain, { actor: OPERATOR, account })).map((u) => u.email)).toEqual([
          'root@acme.example',
        ]);
        await store.close();
      });
    },
  );
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIoWithStdin } from '../../src/cli/users.js';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { type Actor, OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { listAudit } from '../../src/domain/audit.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { DomainError } from '../../src/domain/domain-error.js';
import { installApp, listInstalls, reauthorizeInstall } from '../../src/domain/installs.js';
import { createInvite, createPasswordReset, lookUpLink } from '../../src/domain/invites.js';
import { createInstallKey, listKeys } from '../../src/domain/keys.js';
import { hashPassword, verifyPassword } from '../../src/domain/passwords.js';
import {
  changeUserRole,
  checkUserPassword,
  createUser,
  listUsers,
  removeUser,
  type User,
} from '../../src/domain/users.js';
import { isAppscopeError } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { APP, manifest } from './support.js';

/**
 * Dashboard users in the domain (passwords, roles as actors, account scoping) and the
 * `appscope users` command.
 */

let store: Store;
let domain: Domain;
let merchant: string;
let other: string;

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  domain = createDomain({ store, catalog: defaultCatalog() });
  merchant = (await createAccount(domain, { actor: OPERATOR, name: 'Merchant' })).account.id;
  other = (await createAccount(domain, { actor: OPERATOR, name: 'Other' })).account.id;
});
afterEach(async () => {
  await store.close();
});

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; param?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppscopeError(error)) throw new Error(`expected an appscope error, got ${String(error)}`);
  const param = error instanceof DomainError ? error.param : undefined;
  return { code: error.code, message: error.message, ...(param === undefined ? {} : { param }) };
}

function userActor(user: User, livemode = false): Actor {
  return { type: 'user', account: user.account, user: user.id, email: user.email, role: user.role, livemode };
}

describe('passwords', () => {
  it('hashes with scrypt and a per-password salt, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('correct horse battery', 'plain')).toBe(false);
    expect(
      await verifyPassword('x', 'scrypt$40$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
    ).toBe(false);
  });
});

describe('createUser', () => {
  it('creates users with a lowercase email, audits it without the hash, and generates a password when none is given', async () => {
    const { user, generatedPassword } = await createUser(domain, {
      actor: OPERATOR,
      account: merchant,
      email: '  Ann@Example.COM ',
      role: 'admin',
    });
    expect(user).toMatchObject({
      object: 'user',
      account: merchant,
      email: 'ann@example.com',
      role: 'admin',
    });
    expect(user.id).toMatch(/^usr_[A-Za-z0-9]{24}$/);
    expect(generatedPassword).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(
      await checkUserPassword(domain, { email: 'ANN@example.com', password: generatedPassword! }),
    ).toEqual(user);
    const audit = (await listAudit(domain)).filter((e) => e.action === 'user.created');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).not.toContain('scrypt');
    expect(await listUsers(domain, { actor: OPERATOR, account: merchant })).toEqual([user]);
  });

  it('refuses a bad email, role or short password with the parameter named, and a second user with the same email on an account', async () => {
    const base = {
      actor: OPERATOR,
      account: merchant,
      email: 'ann@example.com',
      role: 'admin' as const,
      password: 'long enough pw',
    };
    expect(await errorOf(createUser(domain, { ...base, email: 'not-an-email' }))).toEqual({
      code: 'ERR_PARAMETER_INVALID',
      message: '`not-an-email` is not an email address',
      param: 'email',
    });
    expect(await errorOf(createUser(domain, { ...base, role: 'owner' as 'admin' }))).toEqual({
      code: 'ERR_PARAMETER_INVALID',
      message: '`owner` is not a role: use `admin`, `developer`, `view_only`',
      param: 'role',
    });
    expect(await errorOf(createUser(domain, { ...base, password: 'short' }))).toEqual({
      code: 'ERR_PARAMETER_INVALID',
      message: 'a password needs at least 10 characters',
      param: 'password',
    });
    await createUser(domain, base);
    expect(await errorOf(createUser(domain, { ...base, email: 'ANN@example.com' }))).toEqual({
      code: 'ERR_PARAMETER_INVALID',
      message: `account \`${merchant}\` already has a user with email \`ann@example.com\``,
      param: 'email',
    });
    await createUser(domain, { ...base, account: other }); // the same email on another account is fine
  });

  it('lets an admin user add users to their own account only; other roles may not', async () => {
    const admin = (
      await createUser(domain, {
        actor: OPERATOR,
        account: merchant,
        email: 'a@x.io',
        role: 'admin',
        password: 'long enough pw',
      })
    ).user;
    const viewer = (
      await createUser(domain, {
        actor: OPERATOR,
        account: merchant,
        email: 'v@x.io',
        role: 'view_only',
        password: 'long enough pw',
      })
    ).user;
    await createUser(domain, {
      actor: userActor(admin),
      email: 'd@x.io',
      role: 'developer',
      password: 'long enough pw',
    });
    expect(
      (
        await errorOf(
          createUser(domain, { actor: userActor(admin), account: other, email: 'e@x.io', role: 'admin' }),
        )
      ).code,
    ).toBe('ERR_NOT_FOUND');
    expect(
      await errorOf(createUser(domain, { actor: userActor(viewer), email: 'f@x.io', role: 'admin' })),
    ).toEqual({
      code: 'ERR_FORBIDDEN',
      message: 'user `v@x.io` has the `view_only` role: only an admin can make this change',
    });
  });
});

describe('checkUserPassword', () => {
  it('answers undefined for a wrong password, an unknown email and a malformed one', async () => {
    await createUser(domain, {
      actor: OPERATOR,
      account: merchant,
      email: 'ann@example.com',
      role: 'admin',
      password: 'right password',
    });
    expect(
      await checkUserPassword(domain, { email: 'ann@example.com', password: 'wrong password' }),
    ).toBeUndefined();
    expect(
      await checkUserPassword(domain, { email: 'bob@example.com', password: 'right password' }),
    ).toBeUndefined();
    expect(
      await checkUserPassword(domain, { email: 'nonsense', password: 'right password' }),
    ).toBeUndefined();
  });
});

describe('user actors in the domain', () => {
  beforeEach(async () => {
    const developer = (await createAccount(domain, { actor: OPERATOR, name: 'Dev' })).account.id;
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer,
      manifest: manifest('1.0.0', ['customer_read']),
    });
  });

  it('refuses state changes by non-admin users even when the server is bypassed (defence in depth)', async () => {
    const users = Object.fromEntries(
      await Promise.all(
        (['admin', 'developer', 'view_only'] as const).map(async (role) => [
          role,
          (
            await createUser(domain, {
              actor: OPERATOR,
              account: merchant,
              email: `${role}@x.io`,
              role,
              password: 'long enough pw',
            })
          ).user,
        ]),
      ),
    );
    for (const role of ['developer', 'view_only'] as const) {
      const error = await errorOf(installApp(domain, { actor: userActor(users[role]!), app: APP }));
      expect(error.code).toBe('ERR_FORBIDDEN');
    }
    const { install } = await installApp(domain, { actor: userActor(users['admin']!), app: APP });
    expect(install.created_by).toBe(users['admin']!.id);
    for (const role of ['developer', 'view_only'] as const) {
      const actor = userActor(users[role]!);
      expect((await errorOf(createInstallKey(domain, { actor, install: install.id }))).code).toBe(
        'ERR_FORBIDDEN',
      );
      expect((await errorOf(reauthorizeInstall(domain, { actor, install: install.id }))).code).toBe(
        'ERR_FORBIDDEN',
      );
      // Reading is fine.
      expect((await listKeys(domain, { actor, install: install.id })).length).toBe(1);
    }
  });

  it('team changes: only an admin of the account may invite, reset, change roles or remove (defence in depth)', async () => {
    const make = async (account: string, email: string, role: 'admin' | 'developer' | 'view_only') =>
      (await createUser(domain, { actor: OPERATOR, account, email, role, password: 'long enough pw' })).user;
    const admin = await make(merchant, 'admin@team.io', 'admin');
    const dev = await make(merchant, 'dev@team.io', 'developer');
    const viewer = await make(merchant, 'viewer@team.io', 'view_only');
    const outsider = await make(other, 'admin@other.io', 'admin');
    for (const user of [dev, viewer]) {
      const actor = userActor(user);
      for (const attempt of [
        createInvite(domain, { actor, email: 'x@team.io', role: 'admin' }),
        createPasswordReset(domain, { actor, user: admin.id }),
        changeUserRole(domain, { actor, user: user.id, role: 'admin' }),
        removeUser(domain, { actor, user: admin.id }),
      ]) {
        expect((await errorOf(attempt)).code, user.role).toBe('ERR_FORBIDDEN');
      }
    }
    // An admin of another account finds nobody here.
    const foreign = userActor(outsider);
    for (const attempt of [
      createPasswordReset(domain, { actor: foreign, user: dev.id }),
      changeUserRole(domain, { actor: foreign, user: dev.id, role: 'view_only' }),
      removeUser(domain, { actor: foreign, user: dev.id }),
    ]) {
      expect(await errorOf(attempt)).toEqual({
        code: 'ERR_NOT_FOUND',
        message: `no such user: \`${dev.id}\``,
        param: 'user',
      });
    }
    expect(
      (
        await errorOf(
          createInvite(domain, { actor: foreign, account: merchant, email: 'x@team.io', role: 'admin' }),
        )
      ).code,
    ).toBe('ERR_NOT_FOUND');
    // The account's admin may; the audit names them.
    const { token } = await createInvite(domain, {
      actor: userActor(admin),
      email: 'x@team.io',
      role: 'view_only',
    });
    expect((await lookUpLink(domain, token)).status).toBe('pending');
    await changeUserRole(domain, { actor: userActor(admin), user: dev.id, role: 'view_only' });
    const entry = (await listAudit(domain)).find((e) => e.action === 'user.role_changed');
    expect(entry).toMatchObject({
      actor: { type: 'user', user: admin.id },
      before: { role: 'developer' },
      after: { role: 'view_only' },
    });
    expect(
      (await listUsers(domain, { actor: OPERATOR, account: merchant })).map((u) => u.role).sort(),
    ).toEqual(['admin', 'view_only', 'view_only']);
  });

  it('scopes a user’s reads to their own account and mode', async () => {
    const admin = (
      await createUser(domain, {
        actor: OPERATOR,
        account: merchant,
        email: 'a@x.io',
        role: 'admin',
        password: 'long enough pw',
      })
    ).user;
    const mine = await installApp(domain, { actor: userActor(admin), app: APP });
    const theirs = await installApp(domain, { actor: OPERATOR, account: other, app: APP });
    const listed = await listInstalls(domain, { actor: userActor(admin) });
    expect(listed.data.map((i) => i.id)).toEqual([mine.install.id]);
    expect((await listInstalls(domain, { actor: userActor(admin, true) })).data).toEqual([]);
    expect(
      (
        await errorOf(
          listKeys(domain, { actor: userActor(admin), install: theirs.install.id, account: other }),
        )
      ).code,
    ).toBe('ERR_NOT_FOUND');
    expect(
      (await listKeys(domain, { actor: userActor(admin), kind: 'install' })).map((k) => k.install),
    ).toEqual([mine.install.id]);
    expect(
      (await errorOf(createInstallKey(domain, { actor: userActor(admin), install: theirs.install.id }))).code,
    ).toBe('ERR_NOT_FOUND');
    expect(
      (await errorOf(createInstallKey(domain, { actor: userActor(admin, true), install: mine.install.id })))
        .message,
    ).toBe(
      `install \`${mine.install.id}\` exists in test mode, but you are in live mode: switch to test mode`,
    );
  });
});

describe('appscope users', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'appscope-users-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(argv: string[], stdin?: string) {
    let stdout = '';
    let stderr = '';
    const io: CliIoWithStdin = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      cwd: dir,
      env: {},
      ...(stdin === undefined ? {} : { readStdin: async () => stdin }),
    };
    const code = await main(['--data-dir', dir, ...argv], io);
    return { code, stdout, stderr };
  }

  it('creates users with a generated password (shown once) or one from stdin, and lists them', async () => {
    const account = JSON.parse((await run(['accounts', 'create', '--name', 'Shop', '--json'])).stdout) as {
      id: string;
    };
    const generated = await run([
      'users',
      'create',
      '--account',
      account.id,
      '--email',
      'Admin@Shop.example',
      '--role',
      'admin',
    ]);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(
      /^created user usr_\w+ \(admin@shop\.example, admin\) on acct_\w+\n {2}password: [A-Za-z0-9]{20}\nthe password is shown this once\n/,
    );
    const piped = await run(
      [
        'users',
        'create',
        '--account',
        account.id,
        '--email',
        'viewer@shop.example',
        '--role',
        'view_only',
        '--password-stdin',
        '--json',
      ],
      'a long enough password\n',
    );
    expect(piped.code).toBe(0);
    const created = JSON.parse(piped.stdout) as { user: { email: string; role: string }; password?: string };
    expect(created.user).toMatchObject({ email: 'viewer@shop.example', role: 'view_only' });
    expect(created.password).toBeUndefined();
    const listed = await run(['users', 'list', '--account', account.id]);
    expect(listed.stdout).toMatch(/admin@shop\.example\s+admin/);
    expect(listed.stdout).toMatch(/viewer@shop\.example\s+view_only/);
    // The password works for signing in.
    const check = await openStore(`sqlite:${join(dir, 'appscope.db')}`);
    try {
      const d = createDomain({ store: check });
      expect(
        await checkUserPassword(d, { email: 'viewer@shop.example', password: 'a long enough password' }),
      ).toMatchObject({ role: 'view_only' });
    } finally {
      await check.close();
    }
  });

  it('fails with a clear message for a bad role, an empty stdin and a duplicate email', async () => {
    const account = JSON.parse((await run(['accounts', 'create', '--name', 'Shop', '--json'])).stdout) as {
      id: string;
    };
    const role = await run([
      'users',
      'create',
      '--account',
      account.id,
      '--email',
      'a@shop.example',
      '--role',
      'root',
    ]);
    expect(role.code).toBe(1);
    expect(role.stderr).toBe('appscope: `root` is not a role: use `admin`, `developer`, `view_only`\n');
    const empty = await run(
      [
        'users',
        'create',
        '--account',
        account.id,
        '--email',
        'a@shop.example',
        '--role',
        'admin',
        '--password-stdin',
      ],
      '',
    );
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('appscope: --password-stdin: standard input is empty\n');
    await run(['users', 'create', '--account', account.id, '--email', 'a@shop.example', '--role', 'admin']);
    const again = await run([
      'users',
      'create',
      '--account',
      account.id,
      '--email',
      'a@shop.example',
      '--role',
      'admin',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      `appscope: account \`${account.id}\` already has a user with email \`a@shop.example\`\n`,
    );
  });
  it('invites, resets, changes roles and removes users, keeping the last admin', async () => {
    const account = JSON.parse((await run(['accounts', 'create', '--name', 'Shop', '--json'])).stdout) as {
      id: string;
    };
    const created = JSON.parse(
      (
        await run([
          'users',
          'create',
          '--account',
          account.id,
          '--email',
          'own@shop.example',
          '--role',
          'admin',
          '--json',
        ])
      ).stdout,
    ) as { user: { id: string } };
    const invited = await run([
      'users',
      'invite',
      '--account',
      account.id,
      '--email',
      'New@Shop.example',
      '--role',
      'developer',
      '--url',
      'http://127.0.0.1:4242/',
    ]);
    expect(invited.code).toBe(0);
    expect(invited.stdout).toMatch(
      /^invite for new@shop\.example \(developer\), ulink_\w+, works once until .+:\n {2}http:\/\/127\.0\.0\.1:4242\/dashboard\/invite\?token=[A-Za-z0-9_-]{43}\nthe link is shown this once/,
    );
    const reset = await run(['users', 'reset', '--user', created.user.id, '--json']);
    const resetLink = JSON.parse(reset.stdout) as { url: string; link: { kind: string; email: string } };
    expect(resetLink.url).toMatch(/^\/dashboard\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
    expect(resetLink.link).toMatchObject({ kind: 'reset', email: 'own@shop.example' });
    const last = await run(['users', 'role', '--user', created.user.id, '--role', 'developer']);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('is the last admin of this account');
    const removeLast = await run(['users', 'remove', '--user', created.user.id]);
    expect(removeLast.code).toBe(1);
    const other = JSON.parse(
      (
        await run([
          'users',
          'create',
          '--account',
          account.id,
          '--email',
          'two@shop.example',
          '--role',
          'view_only',
          '--json',
        ])
      ).stdout,
    ) as { user: { id: string } };
    const promoted = await run(['users', 'role', '--user', other.user.id, '--role', 'admin']);
    expect(promoted.stdout).toBe(`user ${other.user.id} (two@shop.example) now has the admin role\n`);
    const removed = await run(['users', 'remove', '--user', created.user.id]);
    expect(removed.stdout).toBe(
      `removed user ${created.user.id} (own@shop.example) from ${account.id}; 0 sessions ended\n`,
    );
    const listed = await run(['users', 'list', '--account', account.id]);
    expect(listed.stdout).not.toContain('own@shop.example');
    expect(listed.stdout).toMatch(/two@shop\.example\s+admin/);
  });
});

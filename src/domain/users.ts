import type { UserRow } from '../store/store.js';
import { type Actor, accountFor, administers, USER_ROLES, type UserRole } from './actor.js';
import type { Domain } from './context.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import { type Flow, readFlow, writeFlow } from './flow.js';
import {
  checkPasswordStrength,
  DUMMY_PASSWORD_HASH,
  generatePassword,
  hashPassword,
  verifyPassword,
} from './passwords.js';
import { randomBase62 } from './secrets.js';

/**
 * Dashboard users (`usr_…`): people who sign in to an account's dashboard with an email and a
 * password, with a role — `admin` (approves permissions, uninstalls, manages keys),
 * `developer` (sees everything, changes app settings) or `view_only`. An email is unique per
 * account; passwords are stored only as scrypt hashes.
 */

/** A user as the dashboard and the CLI show it (never the password hash). */
export interface User {
  readonly id: string;
  readonly object: 'user';
  readonly account: string;
  /** Lowercase. */
  readonly email: string;
  readonly role: UserRole;
  readonly created: number;
}

/** A row as the public `user` object. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    object: 'user',
    account: row.account_id,
    email: row.email,
    role: row.role,
    created: row.created,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * An email as stored: trimmed and lowercase; `ERR_PARAMETER_INVALID` (param `email`) when it
 * does not look like one.
 */
export function normalizeEmail(email: unknown): string {
  const value = typeof email === 'string' ? email.trim().toLowerCase() : '';
  if (value.length > 254 || !EMAIL.test(value)) {
    throw invalidParameter('email', `\`${String(email)}\` is not an email address`);
  }
  return value;
}

/** `value` as a role, or `ERR_PARAMETER_INVALID` naming the roles. */
export function checkRole(value: unknown): UserRole {
  if (typeof value === 'string' && (USER_ROLES as readonly string[]).includes(value))
    return value as UserRole;
  throw invalidParameter(
    'role',
    `\`${String(value)}\` is not a role: use ${USER_ROLES.map((r) => `\`${r}\``).join(', ')}`,
  );
}

/** Input of {@link createUser}. */
export interface CreateUserInput {
  /** An operator, or an admin of the account (a dashboard admin or the account's secret key). */
  readonly actor: Actor;
  /** Operators name the account; others create users on their own. */
  readonly account?: string;
  readonly email: string;
  readonly role: UserRole;
  /** At least 10 characters; omitted: a random one is generated and returned once. */
  readonly password?: string;
}

/** The new user and, when none was given, the generated password (shown this once). */
export interface CreateUserResult {
  readonly user: User;
  readonly generatedPassword?: string;
}

/**
 * Creates a dashboard user. The email must be new on the account; the password is stored as a
 * scrypt hash. Audited as `user.created` (without the hash).
 * @example
 * const { user, generatedPassword } = await createUser(domain, {
 *   actor: OPERATOR, account: 'acct_…', email: 'admin@example.com', role: 'admin',
 * });
 */
export async function createUser(domain: Domain, input: CreateUserInput): Promise<CreateUserResult> {
  const account = accountFor(input.actor, input.account, () =>
    notFound('account', input.account ?? '', 'account'),
  );
  const email = normalizeEmail(input.email);
  const role = checkRole(input.role);
  const generated = input.password === undefined ? generatePassword() : undefined;
  const password = generated ?? checkPasswordStrength(input.password);
  const passwordHash = await hashPassword(password);
  const user = await writeFlow(domain, input.actor, async (flow) => {
    if ((await flow.tx.getAccount(account)) === undefined) throw notFound('account', account, 'account');
    const taken = await flow.tx.listUsersByEmail(email);
    if (taken.some((row) => row.account_id === account)) {
      throw invalidParameter('email', `account \`${account}\` already has a user with email \`${email}\``);
    }
    const row: UserRow = {
      id: `usr_${randomBase62(24)}`,
      account_id: account,
      email,
      role,
      password_hash: passwordHash,
      created: flow.seconds,
    };
    await flow.tx.insertUser(row);
    const created = toUser(row);
    await flow.audit({ action: 'user.created', target: { type: 'user', id: row.id }, after: created });
    return created;
  });
  return generated === undefined ? { user } : { user, generatedPassword: generated };
}

/**
 * An account's users, oldest first (an operator names the account; others see their own).
 * @example
 * const users = await listUsers(domain, { actor });
 */
export async function listUsers(
  domain: Domain,
  input: { readonly actor: Actor; readonly account?: string },
): Promise<User[]> {
  const account = accountFor(input.actor, input.account, () =>
    notFound('account', input.account ?? '', 'account'),
  );
  return readFlow(domain, async (tx) => (await tx.listUsers(account)).map(toUser));
}

/**
 * The user an email and password belong to, or undefined — the same for an unknown email and a
 * wrong password, and as slow (an unknown email is checked against a dummy hash). When the email
 * has users on several accounts, the oldest whose password matches signs in.
 * @example
 * const user = await checkUserPassword(domain, { email: 'admin@example.com', password });
 */
export async function checkUserPassword(
  domain: Domain,
  input: { readonly email: string; readonly password: string },
): Promise<User | undefined> {
  let email: string;
  try {
    email = normalizeEmail(input.email);
  } catch {
    await verifyPassword(String(input.password), DUMMY_PASSWORD_HASH);
    return undefined;
  }
  const rows = await readFlow(domain, (tx) => tx.listUsersByEmail(email));
  if (rows.length === 0) {
    await verifyPassword(String(input.password), DUMMY_PASSWORD_HASH);
    return undefined;
  }
  for (const row of rows) {
    if (await verifyPassword(String(input.password), row.password_hash)) return toUser(row);
  }
  return undefined;
}

// ---- Team (issue 15): changing roles and removing users, with the last admin kept.

/** A user row the actor administers, or `ERR_NOT_FOUND` (the same for another account's user). */
export async function loadUser(flow: Pick<Flow, 'tx' | 'actor'>, id: string): Promise<UserRow> {
  const row = await flow.tx.getUser(id);
  if (row === undefined || !administers(flow.actor, row.account_id)) throw notFound('user', id, 'user');
  return row;
}

/** Refuses to take the admin role away from the account's last admin. */
async function keepLastAdmin(flow: Flow, row: UserRow, doing: string): Promise<void> {
  if (row.role !== 'admin') return;
  const admins = (await flow.tx.listUsers(row.account_id)).filter((u) => u.role === 'admin');
  if (admins.length <= 1) {
    throw new DomainError(
      'ERR_LAST_ADMIN',
      `\`${row.email}\` is the last admin of this account: ${doing} would leave nobody to manage it; make another user an admin first`,
      { param: 'user' },
    );
  }
}

/**
 * Gives a user another role (admins only; it takes effect on the user's next request). The
 * last admin of an account cannot be demoted. Audited as `user.role_changed`.
 * @example
 * await changeUserRole(domain, { actor, user: 'usr_…', role: 'developer' });
 */
export async function changeUserRole(
  domain: Domain,
  input: { readonly actor: Actor; readonly user: string; readonly role: UserRole },
): Promise<User> {
  const role = checkRole(input.role);
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadUser(flow, input.user);
    if (row.role === role) return toUser(row);
    if (role !== 'admin') await keepLastAdmin(flow, row, 'demoting them');
    await flow.tx.updateUser(row.id, { role });
    const after = toUser({ ...row, role });
    await flow.audit({
      action: 'user.role_changed',
      target: { type: 'user', id: row.id },
      before: toUser(row),
      after,
    });
    return after;
  });
}

/**
 * Removes a user from their account: their sessions end at once, their pending reset links
 * stop working, and they can no longer sign in. The last admin cannot be removed. Audited as
 * `user.removed`.
 * @example
 * const { sessionsEnded } = await removeUser(domain, { actor, user: 'usr_…' });
 */
export async function removeUser(
  domain: Domain,
  input: { readonly actor: Actor; readonly user: string },
): Promise<{ readonly user: User; readonly sessionsEnded: number }> {
  return writeFlow(domain, input.actor, async (flow) => {
    const row = await loadUser(flow, input.user);
    await keepLastAdmin(flow, row, 'removing them');
    const sessionsEnded = await flow.tx.deleteUserSessions(row.id);
    for (const link of await flow.tx.listUserLinks(row.account_id, 1000)) {
      if (link.user_id === row.id && link.used === null && link.revoked === null) {
        await flow.tx.updateUserLink(link.id, { revoked: flow.seconds });
      }
    }
    await flow.tx.deleteUser(row.id);
    const user = toUser(row);
    await flow.audit({ action: 'user.removed', target: { type: 'user', id: row.id }, before: user });
    return { user, sessionsEnded };
  });
}

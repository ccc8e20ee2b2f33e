import { createHash, randomBytes } from 'node:crypto';
import type { StoreTransaction, UserLinkKind, UserLinkRow, UserRow } from '../store/store.js';
import { type Actor, accountFor, actorLabel, type UserRole } from './actor.js';
import type { Domain } from './context.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import { readFlow, writeFlow } from './flow.js';
import { checkPasswordStrength, hashPassword } from './passwords.js';
import { randomBase62 } from './secrets.js';
import { sameText } from './sessions.js';
import { checkRole, loadUser, normalizeEmail, toUser, type User } from './users.js';

/**
 * One-time links for the dashboard's team: an admin invites someone by email with a role, or
 * resets a user's password. The link carries a random 256-bit token shown once to the admin;
 * the store keeps only its SHA-256 hash. A link works once, until it expires (invites after 7
 * days, resets after 24 hours), and not after a newer link for the same person replaced it or an
 * admin cancelled it. Accepting an invite creates the user with the password they choose;
 * accepting a reset replaces the password and ends every session of the user. Every step is a
 * flow that audits it.
 */

/** How long an invite link works: 7 days. */
export const INVITE_TTL_SECONDS = 7 * 86_400;
/** How long a password-reset link works: 24 hours. */
export const RESET_TTL_SECONDS = 86_400;

/** Where a link stands: usable, or why not. */
export type UserLinkStatus = 'pending' | 'used' | 'expired' | 'revoked';

/** A link as the dashboard shows it (never its token or the token's hash). */
export interface UserLink {
  readonly id: string;
  readonly object: 'user_link';
  readonly account: string;
  readonly kind: UserLinkKind;
  readonly email: string;
  /** The role an invitee gets; null for a reset. */
  readonly role: UserRole | null;
  /** The user a reset is for; null for an invite. */
  readonly user: string | null;
  readonly status: UserLinkStatus;
  readonly created: number;
  readonly created_by: string;
  readonly expires: number;
  readonly used: number | null;
  readonly revoked: number | null;
}

/** A link just made, with its token (shown this once; only its hash is stored). */
export interface CreatedUserLink {
  readonly link: UserLink;
  readonly token: string;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function statusOf(row: UserLinkRow, nowSeconds: number): UserLinkStatus {
  if (row.used !== null) return 'used';
  if (row.revoked !== null) return 'revoked';
  if (nowSeconds >= row.expires) return 'expired';
  return 'pending';
}

function toLink(row: UserLinkRow, nowSeconds: number): UserLink {
  return {
    id: row.id,
    object: 'user_link',
    account: row.account_id,
    kind: row.kind,
    email: row.email,
    role: row.role,
    user: row.user_id,
    status: statusOf(row, nowSeconds),
    created: row.created,
    created_by: row.created_by,
    expires: row.expires,
    used: row.used,
    revoked: row.revoked,
  };
}

function checkTtl(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 60 || value > 30 * 86_400) {
    throw invalidParameter('ttl', `\`${String(value)}\` is not a link lifetime: use 60 seconds to 30 days`);
  }
  return value;
}

/** Marks the still-pending links that `matches` as revoked (a newer one replaces them). */
async function revokePending(
  tx: StoreTransaction,
  account: string,
  seconds: number,
  matches: (row: UserLinkRow) => boolean,
): Promise<void> {
  for (const row of await tx.listUserLinks(account, 1000)) {
    if (matches(row) && statusOf(row, seconds) === 'pending') {
      await tx.updateUserLink(row.id, { revoked: seconds });
    }
  }
}

async function issueLink(
  tx: StoreTransaction,
  actor: Actor,
  seconds: number,
  fields: Pick<UserLinkRow, 'account_id' | 'kind' | 'email' | 'role' | 'user_id'>,
  ttl: number,
): Promise<{ row: UserLinkRow; token: string }> {
  const token = randomBytes(32).toString('base64url');
  const row: UserLinkRow = {
    id: `ulink_${randomBase62(24)}`,
    ...fields,
    token_hash: hashToken(token),
    created: seconds,
    created_by: actorLabel(actor),
    expires: seconds + ttl,
    used: null,
    revoked: null,
  };
  await tx.insertUserLink(row);
  return { row, token };
}

/**
 * Invites someone to the account (admins only): a one-time link that lets them choose a
 * password and join with `role`. An email that already has a user on the account is refused; an
 * earlier pending invite for the same email stops working. Audited as `user_link.created`.
 * @example
 * const { link, token } = await createInvite(domain, { actor, email: 'sam@example.com', role: 'developer' });
 * // show `/dashboard/invite?token=${token}` to the admin, once
 */
export async function createInvite(
  domain: Domain,
  input: {
    readonly actor: Actor;
    /** Operators name the account; others invite to their own. */
    readonly account?: string;
    readonly email: string;
    readonly role: UserRole;
    /** Seconds the link works (default 7 days). */
    readonly ttlSeconds?: number;
  },
): Promise<CreatedUserLink> {
  const account = accountFor(input.actor, input.account, () =>
    notFound('account', input.account ?? '', 'account'),
  );
  const email = normalizeEmail(input.email);
  const role = checkRole(input.role);
  const ttl = checkTtl(input.ttlSeconds, INVITE_TTL_SECONDS);
  return writeFlow(domain, input.actor, async (flow) => {
    if ((await flow.tx.getAccount(account)) === undefined) throw notFound('account', account, 'account');
    const members = await flow.tx.listUsers(account);
    if (members.some((u) => u.email === email)) {
      throw invalidParameter('email', `\`${email}\` is already a member of this account`);
    }
    await revokePending(flow.tx, account, flow.seconds, (r) => r.kind === 'invite' && r.email === email);
    const { row, token } = await issueLink(
      flow.tx,
      input.actor,
      flow.seconds,
      { account_id: account, kind: 'invite', email, role, user_id: null },
      ttl,
    );
    const link = toLink(row, flow.seconds);
    await flow.audit({ action: 'user_link.created', target: { type: 'user_link', id: row.id }, after: link });
    return { link, token };
  });
}

/**
 * A one-time link with which a user sets a new password (admins only). Their old password keeps
 * working until the link is used; then it stops, and every session of theirs ends. An earlier
 * pending reset for the same user stops working. Audited as `user_link.created`.
 * @example
 * const { token } = await createPasswordReset(domain, { actor, user: 'usr_…' });
 */
export async function createPasswordReset(
  domain: Domain,
  input: { readonly actor: Actor; readonly user: string; readonly ttlSeconds?: number },
): Promise<CreatedUserLink> {
  const ttl = checkTtl(input.ttlSeconds, RESET_TTL_SECONDS);
  return writeFlow(domain, input.actor, async (flow) => {
    const user = await loadUser(flow, input.user);
    await revokePending(
      flow.tx,
      user.account_id,
      flow.seconds,
      (r) => r.kind === 'reset' && r.user_id === user.id,
    );
    const { row, token } = await issueLink(
      flow.tx,
      input.actor,
      flow.seconds,
      { account_id: user.account_id, kind: 'reset', email: user.email, role: null, user_id: user.id },
      ttl,
    );
    const link = toLink(row, flow.seconds);
    await flow.audit({ action: 'user_link.created', target: { type: 'user_link', id: row.id }, after: link });
    return { link, token };
  });
}

/**
 * An account's links that still work, newest first (admins see them on the Team screen).
 * @example
 * const pending = await listPendingLinks(domain, { actor });
 */
export async function listPendingLinks(
  domain: Domain,
  input: { readonly actor: Actor; readonly account?: string },
): Promise<UserLink[]> {
  const account = accountFor(input.actor, input.account, () =>
    notFound('account', input.account ?? '', 'account'),
  );
  return readFlow(domain, async (tx, seconds) =>
    (await tx.listUserLinks(account, 200))
      .map((r) => toLink(r, seconds))
      .filter((l) => l.status === 'pending'),
  );
}

/**
 * Cancels a pending link (admins only): it stops working at once. Cancelling a link that no
 * longer works changes nothing. Audited as `user_link.revoked`.
 * @example
 * await cancelUserLink(domain, { actor, link: 'ulink_…' });
 */
export async function cancelUserLink(
  domain: Domain,
  input: { readonly actor: Actor; readonly link: string; readonly account?: string },
): Promise<UserLink> {
  const account = accountFor(input.actor, input.account, () => notFound('user_link', input.link, 'link'));
  return writeFlow(domain, input.actor, async (flow) => {
    const row = (await flow.tx.listUserLinks(account, 1000)).find((r) => r.id === input.link);
    if (row === undefined) throw notFound('user_link', input.link, 'link');
    if (statusOf(row, flow.seconds) !== 'pending') return toLink(row, flow.seconds);
    const after = toLink({ ...row, revoked: flow.seconds }, flow.seconds);
    await flow.tx.updateUserLink(row.id, { revoked: flow.seconds });
    await flow.audit({
      action: 'user_link.revoked',
      target: { type: 'user_link', id: row.id },
      before: toLink(row, flow.seconds),
      after,
    });
    return after;
  });
}

/** What a link's token leads to, for the page that accepts it. */
export type LinkLookup =
  | { readonly status: 'unknown' }
  | { readonly status: UserLinkStatus; readonly link: UserLink; readonly accountName: string };

function wellFormed(token: unknown): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}

async function findRow(tx: StoreTransaction, token: string): Promise<UserLinkRow | undefined> {
  const hash = hashToken(token);
  const row = await tx.getUserLinkByHash(hash);
  return row !== undefined && sameText(row.token_hash, hash) ? row : undefined;
}

/**
 * Looks a link's token up (no actor: the token is the credential): unknown, or the link and
 * whether it still works.
 * @example
 * const found = await lookUpLink(domain, token);
 * if (found.status === 'pending') showPasswordForm(found.link);
 */
export async function lookUpLink(domain: Domain, token: unknown): Promise<LinkLookup> {
  if (!wellFormed(token)) return { status: 'unknown' };
  return readFlow(domain, async (tx, seconds) => {
    const row = await findRow(tx, token);
    if (row === undefined) return { status: 'unknown' } as const;
    const link = toLink(row, seconds);
    const accountName = (await tx.getAccount(row.account_id))?.name ?? row.account_id;
    return { status: link.status, link, accountName };
  });
}

/** Why a link cannot be used, as a sentence's end. */
export function linkRefusal(status: Exclude<UserLinkStatus, 'pending'> | 'unknown'): string {
  switch (status) {
    case 'used':
      return 'this link was already used: each link works once';
    case 'expired':
      return 'this link has expired';
    case 'revoked':
      return 'this link no longer works: it was cancelled or replaced by a newer one';
    default:
      return 'this link is not valid: check that it was copied whole';
  }
}

/**
 * Uses a link with the password its holder chose: an invite creates the user (audited as
 * `user.invite_accepted`, acting as the new user), a reset replaces the user's password and ends
 * every session of theirs (`user.password_reset`). The link works once; a used, expired,
 * cancelled or unknown link is refused with `ERR_PARAMETER_INVALID` (param `token`) and nothing
 * changes.
 * @example
 * const { user } = await acceptLink(domain, { token, password: 'a long new password' });
 */
export async function acceptLink(
  domain: Domain,
  input: { readonly token: string; readonly password: string },
): Promise<{ readonly user: User; readonly kind: UserLinkKind; readonly sessionsEnded: number }> {
  const password = checkPasswordStrength(input.password);
  const found = await lookUpLink(domain, input.token);
  if (found.status !== 'pending') throw invalidParameter('token', linkRefusal(found.status));
  const link = found.link;
  const passwordHash = await hashPassword(password);
  let actor: Actor;
  let existing: UserRow | undefined;
  const newId = `usr_${randomBase62(24)}`;
  if (link.kind === 'invite') {
    actor = {
      type: 'user',
      account: link.account,
      user: newId,
      email: link.email,
      role: link.role ?? 'view_only',
      livemode: false,
    };
  } else {
    existing = await readFlow(domain, (tx) => tx.getUser(link.user ?? ''));
    if (existing === undefined) throw invalidParameter('token', linkRefusal('revoked'));
    actor = {
      type: 'user',
      account: existing.account_id,
      user: existing.id,
      email: existing.email,
      role: existing.role,
      livemode: false,
    };
  }
  return writeFlow(
    domain,
    actor,
    async (flow) => {
      // Checked again inside the transaction: two tabs accepting at once, one wins.
      const row = await findRow(flow.tx, input.token);
      const status = row === undefined ? 'unknown' : statusOf(row, flow.seconds);
      if (row === undefined || status !== 'pending') {
        throw invalidParameter('token', linkRefusal(status as Exclude<UserLinkStatus, 'pending'>));
      }
      if (!(await flow.tx.claimUserLink(row.id, flow.seconds))) {
        throw invalidParameter('token', linkRefusal('used'));
      }
      if (row.kind === 'invite') {
        const members = await flow.tx.listUsers(row.account_id);
        if (members.some((u) => u.email === row.email)) {
          throw new DomainError(
            'ERR_PARAMETER_INVALID',
            `\`${row.email}\` is already a member of this account: sign in instead`,
            { param: 'token' },
          );
        }
        const userRow: UserRow = {
          id: newId,
          account_id: row.account_id,
          email: row.email,
          role: row.role ?? 'view_only',
          password_hash: passwordHash,
          created: flow.seconds,
        };
        await flow.tx.insertUser(userRow);
        const user = toUser(userRow);
        await flow.audit({
          action: 'user.invite_accepted',
          target: { type: 'user', id: user.id },
          after: { ...user, invite: row.id, invited_by: row.created_by },
        });
        return { user, kind: row.kind, sessionsEnded: 0 };
      }
      const current = row.user_id === null ? undefined : await flow.tx.getUser(row.user_id);
      if (current === undefined || current.account_id !== row.account_id) {
        throw invalidParameter('token', linkRefusal('revoked'));
      }
      await flow.tx.updateUser(current.id, { password_hash: passwordHash });
      const sessionsEnded = await flow.tx.deleteUserSessions(current.id);
      const user = toUser(current);
      await flow.audit({
        action: 'user.password_reset',
        target: { type: 'user', id: user.id },
        after: { ...user, reset: row.id, sessions_ended: sessionsEnded },
      });
      return { user, kind: row.kind, sessionsEnded };
    },
    { role: 'link' },
  );
}

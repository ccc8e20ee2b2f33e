import type { Mode, UserRoleName } from '../store/store.js';
import { DomainError, invalidParameter } from './domain-error.js';

/** What a dashboard user may do: `admin` everything, `developer` app settings, `view_only` look. */
export type UserRole = UserRoleName;

/** Every role, most powerful first. */
export const USER_ROLES: readonly UserRole[] = ['admin', 'developer', 'view_only'];

/**
 * Who makes a change; recorded in the audit log with every change (never a secret).
 * - `operator`: someone with the database itself (the CLI on the local store); may act on any account.
 * - `account_key`: an admin using an account's secret key (`sk_…`); may act on that account
 *   only, and only on objects in the key's mode.
 * - `user`: someone signed in to the dashboard, with a role on one account, acting in the mode
 *   they switched to. Only an `admin` changes state ({@link requireRole}).
 * - `app`: an app acting through one of its installs, on the installing account, in the
 *   install's mode — only on what is its own (the Secret Store's secrets); it administers nothing.
 */
export type Actor =
  | { readonly type: 'operator'; readonly name?: string }
  | {
      readonly type: 'account_key';
      readonly account: string;
      readonly key: string;
      readonly livemode: boolean;
    }
  | {
      readonly type: 'user';
      readonly account: string;
      /** The user's id (`usr_…`). */
      readonly user: string;
      readonly email: string;
      readonly role: UserRole;
      readonly livemode: boolean;
    }
  | {
      readonly type: 'app';
      /** The app id (the manifest `id`). */
      readonly app: string;
      /** The install it acts through (`appinst_…`). */
      readonly install: string;
      /** The installing account. */
      readonly account: string;
      /** The id of the key it called with (`key_…`). */
      readonly key: string;
      readonly livemode: boolean;
    };

/** The local operator (CLI), unnamed. */
export const OPERATOR: Actor = Object.freeze({ type: 'operator' });

/** A short label for `created_by` fields: the key id, the user id, or `operator[:name]`. */
export function actorLabel(actor: Actor): string {
  if (actor.type === 'account_key') return actor.key;
  if (actor.type === 'user') return actor.user;
  if (actor.type === 'app') return `app:${actor.app}`;
  return actor.name === undefined ? 'operator' : `operator:${actor.name}`;
}

/**
 * True when the actor administers `accountId` (reads and, with {@link requireRole}, writes):
 * an operator any account, an account key or a user their own; an app none.
 */
export function administers(actor: Actor, accountId: string): boolean {
  return actor.type === 'operator' || (actor.type !== 'app' && actor.account === accountId);
}

/**
 * Refuses (`ERR_FORBIDDEN`) a dashboard user whose role is below `role`: state changes need
 * `admin`; app settings accept `developer`. Operators and account keys act as admins. `app`
 * is what an app may change itself (its own secrets): apps may, nobody else; and an app may
 * change nothing else.
 * @example
 * requireRole(actor, 'admin'); // throws for a `view_only` or `developer` user, and for an app
 */
export function requireRole(actor: Actor, role: Exclude<UserRole, 'view_only'> | 'app'): void {
  if (role === 'app' || actor.type === 'app') {
    if (role === 'app' && actor.type === 'app') return;
    throw new DomainError(
      'ERR_FORBIDDEN',
      actor.type === 'app'
        ? `app \`${actor.app}\` cannot make this change: apps change only their own secrets`
        : 'only the app itself can make this change',
    );
  }
  if (actor.type !== 'user') return;
  if (actor.role === 'admin' || (role === 'developer' && actor.role === 'developer')) return;
  throw new DomainError(
    'ERR_FORBIDDEN',
    role === 'admin'
      ? `user \`${actor.email}\` has the \`${actor.role}\` role: only an admin can make this change`
      : `user \`${actor.email}\` has the \`${actor.role}\` role: only an admin or a developer can change app settings`,
  );
}

/**
 * The account an operation acts on: an account key's own account, or the `account` an operator
 * names. An account key naming another account gets `notFound` (nothing is revealed).
 */
export function accountFor(actor: Actor, account: string | undefined, notFound: () => Error): string {
  if (actor.type !== 'operator') {
    if (account !== undefined && account !== actor.account) throw notFound();
    return actor.account;
  }
  if (account === undefined || account === '') throw invalidParameter('account', '`account` is required');
  return account;
}

/** `value` as a mode, or `ERR_PARAMETER_INVALID` naming `param`. */
export function checkMode(value: unknown, param = 'mode'): Mode {
  if (value === 'test' || value === 'live') return value;
  throw invalidParameter(param, `\`${String(value)}\` is not a mode: use \`test\` or \`live\``);
}

/**
 * The mode an operation acts in: an account key's (or user's) own mode (naming the other one is
 * an error), or the operator's choice (default `test`).
 */
export function modeFor(actor: Actor, mode: Mode | undefined): Mode {
  if (mode !== undefined) checkMode(mode);
  if (actor.type === 'operator') return mode ?? 'test';
  const own: Mode = actor.livemode ? 'live' : 'test';
  if (mode !== undefined && mode !== own) {
    throw new DomainError(
      'ERR_MODE_MISMATCH',
      actor.type === 'user'
        ? `you are in ${own} mode: switch to ${mode} mode to act in it`
        : `a ${own}-mode key cannot act in ${mode} mode: use a \`sk_${mode}_…\` key`,
      { param: 'mode' },
    );
  }
  return own;
}

/** Refuses an account key (or a user) acting on an object of the other mode. */
export function requireSameMode(actor: Actor, mode: Mode, what: string, id: string): void {
  if (actor.type === 'operator') return;
  const own: Mode = actor.livemode ? 'live' : 'test';
  if (own !== mode) {
    throw new DomainError(
      'ERR_MODE_MISMATCH',
      actor.type === 'user'
        ? `${what} \`${id}\` exists in ${mode} mode, but you are in ${own} mode: switch to ${mode} mode`
        : `${what} \`${id}\` exists in ${mode} mode, but a ${own}-mode key was used: use a \`sk_${mode}_…\` key`,
    );
  }
}

import type { Mode } from '../store/store.js';
import { DomainError, invalidParameter } from './domain-error.js';

/**
 * Who makes a change; recorded in the audit log with every change (never a secret).
 * - `operator`: someone with the database itself (the CLI on the local store); may act on any account.
 * - `account_key`: an admin using an account's secret key (`sk_…`); may act on that account
 *   only, and only on objects in the key's mode.
 */
export type Actor =
  | { readonly type: 'operator'; readonly name?: string }
  | {
      readonly type: 'account_key';
      readonly account: string;
      readonly key: string;
      readonly livemode: boolean;
    };

/** The local operator (CLI), unnamed. */
export const OPERATOR: Actor = Object.freeze({ type: 'operator' });

/** A short label for `created_by` fields: the key id, or `operator[:name]`. */
export function actorLabel(actor: Actor): string {
  if (actor.type === 'account_key') return actor.key;
  return actor.name === undefined ? 'operator' : `operator:${actor.name}`;
}

/** True when the actor administers `accountId`. */
export function administers(actor: Actor, accountId: string): boolean {
  return actor.type === 'operator' || actor.account === accountId;
}

/**
 * The account an operation acts on: an account key's own account, or the `account` an operator
 * names. An account key naming another account gets `notFound` (nothing is revealed).
 */
export function accountFor(actor: Actor, account: string | undefined, notFound: () => Error): string {
  if (actor.type === 'account_key') {
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
 * The mode an operation acts in: an account key's own mode (naming the other one is an error),
 * or the operator's choice (default `test`).
 */
export function modeFor(actor: Actor, mode: Mode | undefined): Mode {
  if (mode !== undefined) checkMode(mode);
  if (actor.type === 'operator') return mode ?? 'test';
  const own: Mode = actor.livemode ? 'live' : 'test';
  if (mode !== undefined && mode !== own) {
    throw new DomainError(
      'ERR_MODE_MISMATCH',
      `a ${own}-mode key cannot act in ${mode} mode: use a \`sk_${mode}_…\` key`,
      { param: 'mode' },
    );
  }
  return own;
}

/** Refuses an account key acting on an object of the other mode. */
export function requireSameMode(actor: Actor, mode: Mode, what: string, id: string): void {
  if (actor.type !== 'account_key') return;
  const own: Mode = actor.livemode ? 'live' : 'test';
  if (own !== mode) {
    throw new DomainError(
      'ERR_MODE_MISMATCH',
      `${what} \`${id}\` exists in ${mode} mode, but a ${own}-mode key was used: use a \`sk_${mode}_…\` key`,
    );
  }
}

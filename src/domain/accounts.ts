import type { Actor } from './actor.js';
import type { Domain } from './context.js';
import { DomainError, invalidParameter, notFound } from './domain-error.js';
import { readFlow, writeFlow } from './flow.js';
import { newId } from './ids.js';
import { issueKey } from './keys.js';
import { type Account, type CreatedKey, toAccount } from './objects.js';

/**
 * Accounts (`acct_…`): the tenants that develop and install apps. Each is created with a test
 * and a live secret key, shown once.
 */

export interface CreateAccountResult {
  readonly account: Account;
  readonly secretKeys: { readonly test: CreatedKey; readonly live: CreatedKey };
}

/**
 * Creates an account and its two secret keys. Only an operator creates accounts.
 * @example
 * const { account, secretKeys } = await createAccount(domain, { actor: OPERATOR, name: 'Acme' });
 * secretKeys.test.secret; // 'sk_test_…' — shown once
 */
export async function createAccount(
  domain: Domain,
  input: { readonly actor: Actor; readonly name: string },
): Promise<CreateAccountResult> {
  if (input.actor.type !== 'operator') {
    throw new DomainError('ERR_FORBIDDEN', 'only an operator can create accounts');
  }
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 200) {
    throw invalidParameter('name', '`name` must be a non-empty string of at most 200 characters');
  }
  return writeFlow(domain, input.actor, async (flow) => {
    const row = { id: newId('acct'), name, created: flow.seconds };
    await flow.tx.insertAccount(row);
    const account = toAccount(row);
    await flow.audit({ action: 'account.created', target: { type: 'account', id: row.id }, after: account });
    flow.notify({ kind: 'account', id: row.id });
    const spec = {
      kind: 'account',
      account: row.id,
      app: null,
      install: null,
      permissions: null,
      expiresAt: null,
    } as const;
    const test = await issueKey(flow, { ...spec, mode: 'test' });
    const live = await issueKey(flow, { ...spec, mode: 'live' });
    return { account, secretKeys: { test, live } };
  });
}

/** One account (an account key sees only its own). */
export async function getAccount(
  domain: Domain,
  input: { readonly actor: Actor; readonly account: string },
): Promise<Account> {
  const actor = input.actor;
  if (actor.type !== 'operator' && actor.account !== input.account) throw notFound('account', input.account);
  const row = await readFlow(domain, (tx) => tx.getAccount(input.account));
  if (row === undefined) throw notFound('account', input.account, 'account');
  return toAccount(row);
}

/** Every account, oldest first (operators only; an account key gets its own account). */
export async function listAccounts(domain: Domain, input: { readonly actor: Actor }): Promise<Account[]> {
  const actor = input.actor;
  if (actor.type !== 'operator') return [await getAccount(domain, { actor, account: actor.account })];
  const rows = await readFlow(domain, (tx) => tx.listAccounts());
  return rows.map(toAccount);
}

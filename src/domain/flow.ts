import type { AuditHead, StoreChange, StoreTransaction } from '../store/store.js';
import { type Actor, requireRole, type UserRole } from './actor.js';
import { type AuditInput, appendAudit } from './audit.js';
import { type Domain, toSeconds } from './context.js';
import { type AppscopeEvent, type EventInput, insertEvent } from './events.js';

/**
 * One state-changing operation: one write transaction, one actor, one instant. Everything a
 * flow records — rows, audit entries, events, change notifications — commits together or not
 * at all.
 */
export interface Flow {
  readonly domain: Domain;
  readonly tx: StoreTransaction;
  readonly actor: Actor;
  /** Milliseconds since the epoch, fixed for the whole flow. */
  readonly now: number;
  /** Unix seconds, fixed for the whole flow. */
  readonly seconds: number;
  audit(input: AuditInput): Promise<void>;
  event(input: EventInput): Promise<AppscopeEvent>;
  notify(change: StoreChange): void;
}

/**
 * Runs `fn` as one flow in one write transaction. A dashboard user below `options.role`
 * (default `admin`; app settings pass `developer`; an app's own secrets `app`) is refused with
 * `ERR_FORBIDDEN` first; `link` flows (accepting an invite or reset link) check the link instead.
 */
export async function writeFlow<T>(
  domain: Domain,
  actor: Actor,
  fn: (flow: Flow) => Promise<T>,
  options: { readonly role?: Exclude<UserRole, 'view_only'> | 'app' | 'link' } = {},
): Promise<T> {
  // `link`: a one-time link's token authorizes the change (the flow checks it), not a role.
  if (options.role !== 'link') requireRole(actor, options.role ?? 'admin');
  return domain.store.transaction(async (tx) => {
    const now = domain.clock();
    const at = new Date(now).toISOString();
    const seconds = toSeconds(now);
    let head: AuditHead | undefined;
    const flow: Flow = {
      domain,
      tx,
      actor,
      now,
      seconds,
      async audit(input) {
        head = await appendAudit(tx, head ?? (await tx.getAuditHead()), actor, at, input);
      },
      event: (input) => insertEvent(tx, input, seconds, now),
      notify: (change) => tx.notify(change),
    };
    return fn(flow);
  });
}

/** Runs `fn` in one read-only snapshot. */
export async function readFlow<T>(
  domain: Domain,
  fn: (tx: StoreTransaction, seconds: number) => Promise<T>,
): Promise<T> {
  return domain.store.transaction((tx) => fn(tx, toSeconds(domain.clock())), { readOnly: true });
}

import type { Mode, StoreTransaction, TimeRange } from '../store/store.js';
import { type Actor, accountFor, modeFor } from './actor.js';
import type { Domain } from './context.js';
import { invalidParameter, notFound } from './domain-error.js';
import { newId } from './ids.js';
import type { ApiKey, Install } from './objects.js';
import { enqueueDeliveries } from './webhook-queue.js';

/**
 * Stripe-shaped `event` objects, written in the same transaction as the change they describe,
 * and listed newest first. Each is queued for delivery to the webhook endpoints that receive
 * it in that same transaction.
 *
 * - `apps.install.created|updated|deleted`: an install was made, changed, uninstalled.
 * - `apps.install.approval_required`: a release left permissions pending (an admin must approve).
 * - `apps.install.approved`: an admin approved the pending permissions.
 * - `apps.install.key.created|rolled|updated|revoked`: an install key (`rk_…`) was created,
 *   rolled (the old key; the new one has its own `created` event), given an expiry, revoked.
 * - `account.application.authorized|deauthorized`: Stripe's events for the app on the account.
 */
export type EventType =
  | 'account.application.authorized'
  | 'account.application.deauthorized'
  | 'apps.install.created'
  | 'apps.install.updated'
  | 'apps.install.deleted'
  | 'apps.install.approval_required'
  | 'apps.install.approved'
  | 'apps.install.key.created'
  | 'apps.install.key.rolled'
  | 'apps.install.key.updated'
  | 'apps.install.key.revoked';

/** Every event type, for validating `type` filters. */
export const EVENT_TYPES: readonly EventType[] = [
  'account.application.authorized',
  'account.application.deauthorized',
  'apps.install.created',
  'apps.install.updated',
  'apps.install.deleted',
  'apps.install.approval_required',
  'apps.install.approved',
  'apps.install.key.created',
  'apps.install.key.rolled',
  'apps.install.key.updated',
  'apps.install.key.revoked',
];

/** The `data.object` of `account.application.*` events. */
export interface Application {
  readonly id: string;
  readonly object: 'application';
  readonly name: string;
}

/** A Stripe-shaped `event` object. */
export interface AppscopeEvent {
  readonly id: string;
  readonly object: 'event';
  readonly type: EventType;
  readonly data: {
    readonly object: Install | Application | ApiKey;
    /** For `*.updated`: the changed fields' previous values. */
    readonly previous_attributes?: Readonly<Record<string, unknown>>;
  };
  readonly created: number;
  readonly livemode: boolean;
  /** The account the event belongs to (the installing account). */
  readonly account: string;
}

/** What a flow records as an event (the id, time and shape are filled in). */
export interface EventInput {
  readonly type: EventType;
  readonly account: string;
  readonly app: string;
  readonly mode: Mode;
  readonly object: Install | Application | ApiKey;
  readonly previousAttributes?: Readonly<Record<string, unknown>>;
}

/**
 * Writes an event inside the caller's transaction and queues its webhook deliveries
 * (`nowMs`: when they are due, default `created`).
 */
export async function insertEvent(
  tx: StoreTransaction,
  input: EventInput,
  created: number,
  nowMs: number = created * 1000,
): Promise<AppscopeEvent> {
  const event: AppscopeEvent = {
    id: newId('evt'),
    object: 'event',
    type: input.type,
    data:
      input.previousAttributes === undefined
        ? { object: input.object }
        : { object: input.object, previous_attributes: input.previousAttributes },
    created,
    livemode: input.mode === 'live',
    account: input.account,
  };
  await tx.insertEvent({
    id: event.id,
    type: event.type,
    account_id: input.account,
    app_id: input.app,
    mode: input.mode,
    created,
    body: JSON.stringify(event),
  });
  await enqueueDeliveries(
    tx,
    { id: event.id, type: event.type, account: input.account, app: input.app, mode: input.mode },
    nowMs,
  );
  return event;
}

/** Filters for {@link listEvents}. */
export interface ListEventsInput {
  readonly actor: Actor;
  /** Operators: any account (default all); account keys: their own. */
  readonly account?: string;
  readonly app?: string;
  readonly type?: EventType;
  readonly created?: TimeRange;
  /** 1–100, default 10. */
  readonly limit?: number;
  /** An event id: return events older than it. */
  readonly startingAfter?: string;
}

/**
 * Events newest first, Stripe list style. An account key sees its own account's events in its
 * own mode.
 * @example
 * const { data } = await listEvents(domain, { actor, type: 'apps.install.updated' });
 */
export async function listEvents(
  domain: Domain,
  input: ListEventsInput,
): Promise<{ data: AppscopeEvent[]; has_more: boolean }> {
  const limit = input.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidParameter('limit', '`limit` must be an integer from 1 to 100');
  }
  const scoped = input.actor.type !== 'operator';
  const account = scoped
    ? accountFor(input.actor, input.account, () => notFound('account', input.account ?? ''))
    : input.account;
  const mode = scoped ? modeFor(input.actor, undefined) : undefined;
  return domain.store.transaction(
    async (tx) => {
      let beforeSeq: number | undefined;
      if (input.startingAfter !== undefined) {
        const cursor = await tx.getEvent(input.startingAfter);
        if (cursor === undefined || (account !== undefined && cursor.account_id !== account)) {
          throw notFound('event', input.startingAfter, 'starting_after');
        }
        beforeSeq = cursor.seq;
      }
      const rows = await tx.listEvents({
        ...(account === undefined ? {} : { accountId: account }),
        ...(mode === undefined ? {} : { mode }),
        ...(input.app === undefined ? {} : { appId: input.app }),
        ...(input.type === undefined ? {} : { type: input.type }),
        ...(input.created === undefined ? {} : { created: input.created }),
        ...(beforeSeq === undefined ? {} : { beforeSeq }),
        limit: limit + 1,
      });
      return {
        data: rows.slice(0, limit).map((row) => JSON.parse(row.body) as AppscopeEvent),
        has_more: rows.length > limit,
      };
    },
    { readOnly: true },
  );
}

/** One event by id (not found for another account's event). */
export async function getEvent(
  domain: Domain,
  input: { actor: Actor; event: string },
): Promise<AppscopeEvent> {
  const row = await domain.store.transaction((tx) => tx.getEvent(input.event), { readOnly: true });
  const actor = input.actor;
  if (
    row === undefined ||
    (actor.type !== 'operator' &&
      (row.account_id !== actor.account || (row.mode === 'live') !== actor.livemode))
  ) {
    throw notFound('event', input.event, 'id');
  }
  return JSON.parse(row.body) as AppscopeEvent;
}

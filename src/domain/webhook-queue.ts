import type { Mode, StoreTransaction, WebhookDeliveryRow } from '../store/store.js';
import { randomBase62 } from './secrets.js';

/** A new delivery id (`whdel_…`). */
export function newDeliveryId(): string {
  return `whdel_${randomBase62(24)}`;
}

/** True when an endpoint's `enabled_events` (JSON text) takes events of `type`. */
export function takesEvent(enabledEvents: string, type: string): boolean {
  const list = JSON.parse(enabledEvents) as string[];
  return list.includes('*') || list.includes(type);
}

/**
 * Queues one delivery of an event to every endpoint that receives it, inside the event's own
 * transaction (so a delivery exists exactly when its event does): the installing account's
 * enabled endpoints, and the app developer's enabled `connect` endpoints, in the event's mode,
 * whose `enabled_events` take its type. Due at once.
 */
export async function enqueueDeliveries(
  tx: StoreTransaction,
  event: {
    readonly id: string;
    readonly type: string;
    readonly account: string;
    readonly app: string | null;
    readonly mode: Mode;
  },
  nowMs: number,
): Promise<number> {
  const endpoints = await tx.listWebhookTargets({
    accountId: event.account,
    appId: event.app,
    mode: event.mode,
  });
  const rows: WebhookDeliveryRow[] = endpoints
    .filter((endpoint) => takesEvent(endpoint.enabled_events, event.type))
    .map((endpoint) => ({
      id: newDeliveryId(),
      endpoint_id: endpoint.id,
      event_id: event.id,
      status: 'pending',
      attempts: 0,
      created: nowMs,
      next_attempt_at: nowMs,
      last_attempt_at: null,
      claimed_by: null,
      claimed_until: null,
    }));
  await tx.insertWebhookDeliveries(rows);
  return rows.length;
}

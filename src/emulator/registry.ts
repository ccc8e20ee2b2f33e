import type { ExpandRules, ExpandTarget } from './expand.js';
import type { EventDefaults, Operation, ResourceModule } from './operation.js';
import { balance } from './resources/balance.js';
import { charges } from './resources/charges.js';
import { checkoutSessions } from './resources/checkout-sessions.js';
import { coupons } from './resources/coupons.js';
import { customers } from './resources/customers.js';
import { eventsModule } from './resources/events.js';
import { invoices } from './resources/invoices.js';
import { paymentIntents } from './resources/payment-intents.js';
import { payoutsAndTransfers } from './resources/payouts.js';
import { products } from './resources/products.js';
import { subscriptions } from './resources/subscriptions.js';
import { Router } from './router.js';

/** Every resource family the emulator serves. */
export const RESOURCE_MODULES: readonly ResourceModule[] = [
  customers,
  products,
  paymentIntents,
  charges,
  invoices,
  subscriptions,
  checkoutSessions,
  coupons,
  payoutsAndTransfers,
  balance,
  eventsModule,
];

/** The resource modules compiled once: a router, the expand rules and the event and id prefixes. */
export interface Registry {
  readonly router: Router<Operation>;
  readonly operations: readonly Operation[];
  readonly expandRules: ExpandRules;
  readonly events: ReadonlyMap<string, EventDefaults>;
  /** Object type → id prefix. */
  readonly idPrefixes: ReadonlyMap<string, string>;
}

/** Compiles resource modules; throws on a duplicate route or object type. */
export function compileRegistry(modules: readonly ResourceModule[] = RESOURCE_MODULES): Registry {
  const router = new Router<Operation>();
  const operations: Operation[] = [];
  const expandRules = new Map<string, Readonly<Record<string, ExpandTarget>>>();
  const events = new Map<string, EventDefaults>();
  const idPrefixes = new Map<string, string>();
  for (const module of modules) {
    for (const definition of module.objects) {
      if (expandRules.has(definition.object))
        throw new Error(`object type ${definition.object} is defined twice`);
      expandRules.set(definition.object, definition.expand ?? {});
      if (definition.events !== undefined) events.set(definition.object, definition.events);
      if (definition.idPrefix !== undefined) idPrefixes.set(definition.object, definition.idPrefix);
    }
    for (const op of module.operations) {
      router.add(op.method, op.path, op);
      operations.push(op);
    }
  }
  return { router, operations, expandRules, events, idPrefixes };
}

import type { Catalog } from '../core/catalog/catalog.js';
import { defaultCatalog } from '../core/catalog/load.js';
import type { Store } from '../store/store.js';

/** What every domain operation works with: the store, the permission catalog and a clock. */
export interface Domain {
  readonly store: Store;
  readonly catalog: Catalog;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock: () => number;
}

/** Options for {@link createDomain}. */
export interface DomainOptions {
  readonly store: Store;
  /** Default: the built-in Stripe Apps catalog. */
  readonly catalog?: Catalog;
  /** Default: `Date.now`. */
  readonly clock?: () => number;
}

/**
 * Binds a store, a catalog and a clock for the domain operations.
 * @example
 * const domain = createDomain({ store: await openStore('sqlite::memory:') });
 * const { account, secretKeys } = await createAccount(domain, { actor: OPERATOR, name: 'Acme' });
 */
export function createDomain(options: DomainOptions): Domain {
  return Object.freeze({
    store: options.store,
    catalog: options.catalog ?? defaultCatalog(),
    clock: options.clock ?? Date.now,
  });
}

/** Unix seconds for a millisecond time (Stripe's `created`). */
export function toSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

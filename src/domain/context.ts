import type { Catalog } from '../core/catalog/catalog.js';
import { defaultCatalog } from '../core/catalog/load.js';
import type { Store } from '../store/store.js';

/** Lifetimes of OAuth's secrets, in seconds (docs/oauth.md). */
export interface OAuthLifetimes {
  /** An authorization code (default 300: five minutes). */
  readonly codeTtlSeconds: number;
  /** An access token (default 3600: one hour). */
  readonly accessTokenTtlSeconds: number;
  /** A refresh token, from when it is issued (default 90 days; each refresh issues a new one). */
  readonly refreshTokenTtlSeconds: number;
}

/** What every domain operation works with: the store, the permission catalog and a clock. */
export interface Domain {
  readonly store: Store;
  readonly catalog: Catalog;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly clock: () => number;
  /** OAuth lifetimes (`serve --oauth-…-ttl`); the defaults when absent. */
  readonly oauth?: OAuthLifetimes;
}

/** Options for {@link createDomain}. */
export interface DomainOptions {
  readonly store: Store;
  /** Default: the built-in Stripe Apps catalog. */
  readonly catalog?: Catalog;
  /** Default: `Date.now`. */
  readonly clock?: () => number;
  /** Default: {@link DEFAULT_OAUTH_LIFETIMES}. */
  readonly oauth?: Partial<OAuthLifetimes>;
}

/** Five-minute codes, one-hour access tokens, 90-day refresh tokens. */
export const DEFAULT_OAUTH_LIFETIMES: OAuthLifetimes = Object.freeze({
  codeTtlSeconds: 300,
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 90 * 86_400,
});

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
    oauth: Object.freeze({ ...DEFAULT_OAUTH_LIFETIMES, ...options.oauth }),
  });
}

/** Unix seconds for a millisecond time (Stripe's `created`). */
export function toSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

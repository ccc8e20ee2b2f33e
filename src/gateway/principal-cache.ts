import type { Domain } from '../domain/context.js';
import {
  type AppPrincipal,
  type AuthResult,
  authenticateKey,
  type InstallPrincipal,
  resolvePlatformInstall,
} from '../domain/keys.js';
import { hashSecret } from '../domain/secrets.js';

/**
 * Who each key is, remembered between requests so that an allowed call costs a hash and a map
 * lookup instead of a store transaction. Correctness comes first:
 *
 * - every committed change to accounts, apps, installs or keys (`store.onChange`: in process,
 *   PostgreSQL LISTEN/NOTIFY, or `reset` when changes may have been missed) empties the cache,
 *   so a revocation, uninstall, approval or new pending permission applies to the next request;
 * - a lookup that raced with a change is not stored (a generation counter moves on each change);
 * - an entry never outlives its key's expiry;
 * - store failures are thrown, never cached (the gateway answers 503).
 */
export interface PrincipalCache {
  /**
   * {@link authenticateKey}, cached by the secret's hash. `hash` is `hashSecret(secret)` when
   * the caller already has it (the gateway keeps it per connection).
   */
  authenticate(secret: string, hash?: string): Promise<AuthResult>;
  /**
   * The cached answer for a key, or undefined when it must be looked up (`authenticate`):
   * lets a request on a warm cache go on without waiting a turn of the event loop.
   */
  cached(secret: string, hash?: string): AuthResult | undefined;
  /** {@link resolvePlatformInstall}, cached by the app key and account. */
  platformInstall(
    secret: string,
    principal: AppPrincipal,
    account: string,
  ): Promise<InstallPrincipal | undefined>;
  /** Entries currently held (for tests and metrics). */
  readonly size: number;
  /** Stops listening to the store. */
  close(): void;
}

/** Options of {@link createPrincipalCache}. */
export interface PrincipalCacheOptions {
  /** Entries kept before the cache is emptied and refilled (default 10,000). */
  readonly maxEntries?: number;
}

interface Entry {
  readonly value: AuthResult | InstallPrincipal | undefined;
  /** Milliseconds since the epoch when the entry stops being valid, or Infinity. */
  readonly validUntil: number;
}

/** The longest well-formed secret; anything longer is refused without hashing or caching. */
export const MAX_SECRET_LENGTH = 64;

/**
 * Creates a principal cache over a domain and subscribes it to the domain's store.
 * @example
 * const cache = createPrincipalCache(domain);
 * const result = await cache.authenticate('rk_test_…');
 */
export function createPrincipalCache(domain: Domain, options: PrincipalCacheOptions = {}): PrincipalCache {
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  /**
   * Lookups under way, shared by the requests that miss on the same key meanwhile (after a
   * change empties the cache, a busy client's concurrent requests make one store read, not one
   * each). Emptied on every change, so a lookup that began before a change is never joined by
   * a request that arrives after it.
   */
  const inflight = new Map<string, Promise<AuthResult>>();
  let generation = 0;
  const unsubscribe = domain.store.onChange(() => {
    generation++;
    entries.clear();
    inflight.clear();
  });

  function lookup(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (domain.clock() < entry.validUntil) return entry;
    entries.delete(key);
    return undefined;
  }

  function remember(key: string, startedAt: number, entry: Entry): void {
    if (startedAt !== generation) return; // a change committed meanwhile: the answer may be stale
    if (entries.size >= maxEntries) entries.clear();
    entries.set(key, entry);
  }

  return {
    get size() {
      return entries.size;
    },
    cached(secret, hash) {
      if (typeof secret !== 'string' || secret.length > MAX_SECRET_LENGTH) return undefined;
      return lookup(hash ?? hashSecret(secret))?.value as AuthResult | undefined;
    },
    async authenticate(secret, hash) {
      if (typeof secret !== 'string' || secret.length > MAX_SECRET_LENGTH) {
        return authenticateKey(domain, secret);
      }
      const key = hash ?? hashSecret(secret);
      const hit = lookup(key);
      if (hit !== undefined) return hit.value as AuthResult;
      const pending = inflight.get(key);
      if (pending !== undefined) return pending;
      const startedAt = generation;
      const lookingUp = authenticateKey(domain, secret).then((result) => {
        if (result.ok || result.reason !== 'malformed') {
          const expiresAt = result.ok ? result.principal.expiresAt : null;
          remember(key, startedAt, {
            value: result,
            validUntil: expiresAt === null ? Number.POSITIVE_INFINITY : expiresAt * 1000,
          });
        }
        return result;
      });
      inflight.set(key, lookingUp);
      const forget = (): void => {
        if (inflight.get(key) === lookingUp) inflight.delete(key);
      };
      lookingUp.then(forget, forget);
      return lookingUp;
    },
    async platformInstall(secret, principal, account) {
      const key = `${hashSecret(secret)} ${account}`;
      const hit = lookup(key);
      if (hit !== undefined) return hit.value as InstallPrincipal | undefined;
      const startedAt = generation;
      const install = await resolvePlatformInstall(domain, principal, account);
      remember(key, startedAt, {
        value: install,
        validUntil: principal.expiresAt === null ? Number.POSITIVE_INFINITY : principal.expiresAt * 1000,
      });
      return install;
    },
    close() {
      unsubscribe();
      entries.clear();
      inflight.clear();
    },
  };
}

import { expect } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { type Actor, OPERATOR } from '../../src/domain/actor.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { actorFromPrincipal, authenticateKey } from '../../src/domain/keys.js';
import type { Store } from '../../src/store/store.js';

/** A clock tests move by hand (starts at 2026-01-01T00:00:00Z). */
export interface ManualClock {
  (): number;
  advance(seconds: number): void;
  /** Unix seconds now. */
  seconds(): number;
}

export function manualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs;
  const clock = (() => now) as ManualClock;
  clock.advance = (seconds: number) => {
    now += seconds * 1000;
  };
  clock.seconds = () => Math.floor(now / 1000);
  return clock;
}

export type AccessType = 'restricted_api_key' | 'platform' | 'oauth';

/** A valid manifest document. */
export function manifest(
  id: string,
  version: string,
  permissions: readonly string[],
  access: AccessType = 'restricted_api_key',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    version,
    name: `App ${id}`,
    icon: '',
    stripe_api_access_type: access,
    permissions: permissions.map((permission) => ({ permission, purpose: `to use ${permission}` })),
    ...extra,
  };
}

export interface World {
  readonly domain: Domain;
  readonly clock: ManualClock;
  /** The app developer's test-mode admin actor. */
  readonly developer: Actor & { type: 'account_key' };
  readonly developerAccount: string;
  /** The installing account's test-mode and live-mode admin actors. */
  readonly merchant: Actor & { type: 'account_key' };
  readonly merchantLive: Actor & { type: 'account_key' };
  readonly merchantAccount: string;
  /** A third account, for "another account's object" checks. */
  readonly stranger: Actor & { type: 'account_key' };
}

export async function actorFor(domain: Domain, secret: string): Promise<Actor & { type: 'account_key' }> {
  const result = await authenticateKey(domain, secret);
  if (!result.ok) throw new Error(result.message);
  return actorFromPrincipal(result.principal) as Actor & { type: 'account_key' };
}

/** A domain on `store` with a developer, a merchant and a stranger account. */
export async function world(store: Store, clock: ManualClock = manualClock()): Promise<World> {
  const domain = createDomain({ store, catalog: defaultCatalog(), clock });
  const dev = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
  const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
  const stranger = await createAccount(domain, { actor: OPERATOR, name: 'Stranger' });
  return {
    domain,
    clock,
    developer: await actorFor(domain, dev.secretKeys.test.secret),
    developerAccount: dev.account.id,
    merchant: await actorFor(domain, merchant.secretKeys.test.secret),
    merchantLive: await actorFor(domain, merchant.secretKeys.live.secret),
    merchantAccount: merchant.account.id,
    stranger: await actorFor(domain, stranger.secretKeys.test.secret),
  };
}

/** The sorted closure of some permission names. */
export function closure(names: readonly string[]): string[] {
  const catalog = defaultCatalog();
  return catalog.names(catalog.closure(names));
}

/** Asserts an async call fails with an appscope error code (and, optionally, message). */
export async function expectError(
  promise: Promise<unknown>,
  code: string,
  message?: string | RegExp,
): Promise<Error & { code: string; param?: string; issues?: unknown[] }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & { code: string },
  );
  expect(error, `expected ${code}`).toBeDefined();
  expect(error!.code).toBe(code);
  if (message !== undefined) {
    if (typeof message === 'string') expect(error!.message).toBe(message);
    else expect(error!.message).toMatch(message);
  }
  return error!;
}

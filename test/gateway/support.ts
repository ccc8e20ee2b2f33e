import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { type Actor, OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { DataKeyring, generateDataKey } from '../../src/domain/data-keys.js';
import { installApp } from '../../src/domain/installs.js';
import { actorFromPrincipal, authenticateKey, createAppSecretKey } from '../../src/domain/keys.js';
import type { CreatedKey, Install } from '../../src/domain/objects.js';
import { createEmulator, type Emulator, type EmulatorRequest } from '../../src/emulator/emulator.js';
import type { DecisionRecord, UnauthenticatedRequest } from '../../src/gateway/decision-record.js';
import type { GatewayOptions } from '../../src/gateway/options.js';
import { createServer, type ServerLimits } from '../../src/server/app.js';
import type { OAuthApiOptions } from '../../src/server/oauth-api.js';
import { openStore } from '../../src/store/open.js';
import type { Mode, Store } from '../../src/store/store.js';
import { localStripe } from '../support/local-stripe.js';

/** An account with its test and live secret keys and admin actors. */
export interface TestAccount {
  readonly id: string;
  readonly sk: { readonly test: string; readonly live: string };
  readonly actor: { readonly test: Actor; readonly live: Actor };
}

/** A gateway on an OS-chosen port over an in-memory SQLite store, with a developer and a merchant. */
export interface GatewayWorld {
  readonly store: Store;
  readonly domain: Domain;
  readonly server: FastifyInstance;
  readonly port: number;
  readonly url: string;
  readonly emulator: Emulator;
  /** Every request the emulator received, in order. */
  readonly upstreamSeen: EmulatorRequest[];
  /** Every decision the gateway recorded, in order. */
  readonly decisions: DecisionRecord[];
  /** Requests refused before authentication, as the sink was told of them. */
  readonly unauthenticated: UnauthenticatedRequest[];
  readonly developer: TestAccount;
  readonly merchant: TestAccount;
  readonly stranger: TestAccount;
  /** Publishes (uploads and releases) an app version for the developer. */
  publish(app: string, version: string, permissions: readonly string[], access?: AccessType): Promise<void>;
  /** Installs an app on the merchant in a mode; restricted-key apps come with their `rk_` key. */
  install(app: string, mode?: Mode, on?: TestAccount): Promise<{ install: Install; key?: CreatedKey }>;
  /** A platform app's secret key for the developer. */
  appKey(app: string, mode?: Mode): Promise<string>;
  /** The Secret Store's data keys the server holds (undefined when started without). */
  readonly secretKeys: DataKeyring | undefined;
  /** An SDK client pointed at the gateway (no retries, no telemetry). */
  stripe(key: string, options?: { stripeAccount?: string }): Stripe;
  close(): Promise<void>;
}

export type AccessType = 'restricted_api_key' | 'platform';

export function manifest(
  id: string,
  version: string,
  permissions: readonly string[],
  access: AccessType = 'restricted_api_key',
): Record<string, unknown> {
  return {
    id,
    version,
    name: `App ${id}`,
    icon: '',
    distribution_type: 'public',
    stripe_api_access_type: access,
    permissions: permissions.map((permission) => ({ permission, purpose: `needs ${permission}` })),
  };
}

async function account(domain: Domain, name: string): Promise<TestAccount> {
  const created = await createAccount(domain, { actor: OPERATOR, name });
  const actor = async (secret: string): Promise<Actor> => {
    const result = await authenticateKey(domain, secret);
    if (!result.ok) throw new Error(result.message);
    return actorFromPrincipal(result.principal);
  };
  return {
    id: created.account.id,
    sk: { test: created.secretKeys.test.secret, live: created.secretKeys.live.secret },
    actor: {
      test: await actor(created.secretKeys.test.secret),
      live: await actor(created.secretKeys.live.secret),
    },
  };
}

/** Starts a gateway world. `gateway` replaces the default in-process (recording) emulator upstream. */
export async function startGateway(
  options: {
    gateway?: GatewayOptions;
    limits?: Partial<ServerLimits>;
    clock?: () => number;
    /** A SQLite data directory (default: an in-memory database), for tests that also run the CLI on it. */
    dataDir?: string;
    /** The Secret Store's data keys (default: one fresh key); `false` for none. */
    secretKeys?: DataKeyring | false;
    /** Options of the OAuth endpoints (the failed-authentication throttle). */
    oauth?: OAuthApiOptions;
  } = {},
): Promise<GatewayWorld> {
  const store = await openStore(
    options.dataDir === undefined ? 'sqlite::memory:' : { dataDir: options.dataDir },
  );
  const domain = createDomain({
    store,
    catalog: defaultCatalog(),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const inner = createEmulator();
  const upstreamSeen: EmulatorRequest[] = [];
  const emulator: Emulator = {
    routes: inner.routes,
    coverage: inner.coverage,
    storage: inner.storage,
    handle(request) {
      upstreamSeen.push(request);
      return inner.handle(request);
    },
  };
  const decisions: DecisionRecord[] = [];
  const unauthenticated: UnauthenticatedRequest[] = [];
  const secretKeys =
    options.secretKeys === false ? undefined : (options.secretKeys ?? new DataKeyring([generateDataKey()]));
  const server = await createServer({
    ...(secretKeys === undefined ? {} : { secretKeys }),
    domain,
    routes: defaultRouteTable(),
    logger: false,
    decisions: {
      record: (entry) => decisions.push(entry),
      recordUnauthenticated: (entry) => unauthenticated.push(entry),
    },
    gateway: options.gateway ?? { kind: 'emulator', emulator },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.oauth === undefined ? {} : { oauth: options.oauth }),
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const port = address.port;
  const developer = await account(domain, 'Developer');
  const merchant = await account(domain, 'Merchant');
  const stranger = await account(domain, 'Stranger');
  return {
    store,
    domain,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    emulator,
    upstreamSeen,
    decisions,
    unauthenticated,
    developer,
    merchant,
    stranger,
    secretKeys,
    async publish(app, version, permissions, access = 'restricted_api_key') {
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.id,
        manifest: manifest(app, version, permissions, access),
      });
    },
    async install(app, mode = 'test', on = merchant) {
      const result = await installApp(domain, { actor: on.actor[mode], app });
      return result.key === undefined
        ? { install: result.install }
        : { install: result.install, key: result.key };
    },
    async appKey(app, mode = 'test') {
      return (await createAppSecretKey(domain, { actor: developer.actor[mode], app })).secret;
    },
    stripe(key, clientOptions = {}) {
      return localStripe(key, port, clientOptions);
    },
    async close() {
      await server.close();
      await store.close();
    },
  };
}

/** Runs `promise`, expecting it to reject, and returns the error. */
export async function rejection<T = Record<string, unknown>>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

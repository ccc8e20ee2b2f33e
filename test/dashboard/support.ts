import type { FastifyInstance } from 'fastify';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR, type UserRole } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { createUser } from '../../src/domain/users.js';
import { createEmulator } from '../../src/emulator/emulator.js';
import { createServer, type ServerOptions } from '../../src/server/app.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

/** The app most tests install. */
export const APP = 'com.example.crm-sync';
/** Every test user's password. */
export const PASSWORD = 'correct horse battery staple';

/** A manifest with a purpose per permission. */
export function manifest(
  version: string,
  permissions: readonly string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: APP,
    version,
    name: 'CRM Sync',
    icon: '',
    distribution_type: 'public',
    stripe_api_access_type: 'restricted_api_key',
    permissions: permissions.map((permission) => ({
      permission,
      purpose: `Sync ${permission.replace('_', ' ')}s to the CRM`,
    })),
    ...extra,
  };
}

/** A server with a developer account (owning {@link APP} v1.0.0) and a merchant account with one user per role. */
export interface DashboardWorld {
  readonly store: Store;
  readonly domain: Domain;
  readonly app: FastifyInstance;
  readonly developer: string;
  readonly merchant: string;
  readonly emails: Readonly<Record<UserRole, string>>;
  close(): Promise<void>;
}

export async function dashboardWorld(
  options: {
    readonly permissions?: readonly string[];
    readonly server?: Partial<ServerOptions>;
    readonly store?: Store;
    readonly clock?: () => number;
  } = {},
): Promise<DashboardWorld> {
  const store = options.store ?? (await openStore('sqlite::memory:'));
  const domain = createDomain({
    store,
    catalog: defaultCatalog(),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const app = await createServer({ domain, routes: defaultRouteTable(), ...options.server });
  const developer = (await createAccount(domain, { actor: OPERATOR, name: 'Example Apps Inc' })).account.id;
  const merchant = (await createAccount(domain, { actor: OPERATOR, name: 'Rocket Rides' })).account.id;
  await uploadAppVersion(domain, {
    actor: OPERATOR,
    account: developer,
    manifest: manifest('1.0.0', options.permissions ?? ['customer_write', 'invoice_read']),
  });
  const emails = {
    admin: 'admin@rocket.example',
    developer: 'dev@rocket.example',
    view_only: 'viewer@rocket.example',
  } as const;
  for (const role of ['admin', 'developer', 'view_only'] as const) {
    await createUser(domain, {
      actor: OPERATOR,
      account: merchant,
      email: emails[role],
      role,
      password: PASSWORD,
    });
  }
  return {
    store,
    domain,
    app,
    developer,
    merchant,
    emails,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** A server listening on a free loopback port, for tests that drive it from outside (a browser). */
export interface ListeningServer {
  readonly store: Store;
  readonly domain: Domain;
  /** The decision log the gateway writes to (flushed every 50 ms). */
  readonly log: DecisionLog;
  readonly server: FastifyInstance;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
}

/**
 * An in-memory store, the built-in catalog and routes, the gateway in front of a fresh emulator
 * and a decision log, listening on `127.0.0.1` (closing is the caller's: server, log, store).
 */
export async function listeningServer(options: Partial<ServerOptions> = {}): Promise<ListeningServer> {
  const store = await openStore('sqlite::memory:');
  const domain = createDomain({ store, catalog: defaultCatalog() });
  const log = new DecisionLog({ store, flushIntervalMs: 50 });
  const server = await createServer({
    domain,
    routes: defaultRouteTable(),
    logger: false,
    decisions: log,
    gateway: { kind: 'emulator', emulator: createEmulator() },
    ...options,
  });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server has no port');
  return { store, domain, log, server, port: address.port, base: `http://127.0.0.1:${address.port}` };
}

import type { FastifyInstance } from 'fastify';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR, type UserRole } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { createUser } from '../../src/domain/users.js';
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

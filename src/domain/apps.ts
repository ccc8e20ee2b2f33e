import type { AppRow } from '../store/store.js';
import { type Actor, administers } from './actor.js';
import type { Domain } from './context.js';
import { invalidParameter, notFound } from './domain-error.js';
import { readFlow } from './flow.js';
import { type App, type AppVersion, toApp, toAppVersion } from './objects.js';

/**
 * Apps: identified by their manifest `id`, owned by the developer account that first uploaded
 * them, with the access type their manifest declares. Apps are registered by their first
 * upload (see `uploadAppVersion`).
 */

/** True when `actor` may see `app`: its developer, an operator, or anyone once a public app is released. */
export function canSeeApp(actor: Actor, app: AppRow): boolean {
  if (administers(actor, app.owner_account_id)) return true;
  return app.distribution_type === 'public' && app.current_version !== null;
}

/**
 * One app. Its developer and operators always see it; other accounts see public, released apps
 * (they need to read what an app requests before installing it).
 * @example
 * const app = await getApp(domain, { actor, app: 'com.example.crm-sync' });
 */
export async function getApp(
  domain: Domain,
  input: { readonly actor: Actor; readonly app: string },
): Promise<App> {
  const row = await readFlow(domain, (tx) => tx.getApp(input.app));
  if (row === undefined || !canSeeApp(input.actor, row)) throw notFound('app', input.app, 'app');
  return toApp(row);
}

/** One page of apps, Stripe list style. */
export interface AppPage<T> {
  readonly data: T[];
  readonly has_more: boolean;
}

/** Paging for app lists: 1–100 apps (default 10) after an app id. */
export interface AppPaging {
  readonly limit?: number;
  /** An app id: return apps whose id sorts after it. */
  readonly startingAfter?: string;
}

function pageLimit(limit: number | undefined): number {
  const value = limit ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw invalidParameter('limit', '`limit` must be an integer from 1 to 100');
  }
  return value;
}

/**
 * A developer's own apps in id order, released or not. An account key or user lists its own
 * account's apps; an operator names `owner` (or lists every app).
 * @example
 * const { data } = await listApps(domain, { actor, limit: 100 });
 */
export async function listApps(
  domain: Domain,
  input: { readonly actor: Actor; readonly owner?: string } & AppPaging,
): Promise<AppPage<App>> {
  const actor = input.actor;
  if (actor.type === 'app') throw notFound('account', input.owner ?? '', 'owner');
  const owner = actor.type === 'operator' ? input.owner : actor.account;
  if (actor.type !== 'operator' && input.owner !== undefined && input.owner !== actor.account) {
    throw notFound('account', input.owner, 'owner');
  }
  const limit = pageLimit(input.limit);
  const rows = await readFlow(domain, (tx) =>
    tx.listApps({
      ...(owner === undefined ? {} : { ownerAccountId: owner }),
      ...(input.startingAfter === undefined ? {} : { afterId: input.startingAfter }),
      limit: limit + 1,
    }),
  );
  return { data: rows.slice(0, limit).map(toApp), has_more: rows.length > limit };
}

/** A public app as the catalogue lists it: the app, its developer, and its current version. */
export interface CatalogEntry {
  readonly object: 'apps.catalog_entry';
  readonly app: App;
  /** The developer account, by id and name. */
  readonly developer: { readonly id: string; readonly name: string };
  /** The released version an install would grant: its permissions, each with its purpose. */
  readonly version: AppVersion;
}

/**
 * The app catalogue: every public app with a released version, in id order, with its
 * developer's name and what its current version requests. Any account may read it.
 * @example
 * const { data } = await listCatalog(domain, { actor, limit: 20 });
 */
export async function listCatalog(
  domain: Domain,
  input: { readonly actor: Actor } & AppPaging,
): Promise<AppPage<CatalogEntry>> {
  const limit = pageLimit(input.limit);
  return readFlow(domain, async (tx) => {
    const rows = await tx.listApps({
      distributionType: 'public',
      released: true,
      ...(input.startingAfter === undefined ? {} : { afterId: input.startingAfter }),
      limit: limit + 1,
    });
    const data: CatalogEntry[] = [];
    const developers = new Map<string, string>();
    for (const row of rows.slice(0, limit)) {
      if (row.current_version === null || !canSeeApp(input.actor, row)) continue;
      const version = await tx.getAppVersion(row.id, row.current_version);
      if (version === undefined) continue;
      let developer = developers.get(row.owner_account_id);
      if (developer === undefined) {
        developer = (await tx.getAccount(row.owner_account_id))?.name ?? row.owner_account_id;
        developers.set(row.owner_account_id, developer);
      }
      data.push({
        object: 'apps.catalog_entry',
        app: toApp(row),
        developer: { id: row.owner_account_id, name: developer },
        version: toAppVersion(version),
      });
    }
    return { data, has_more: rows.length > limit };
  });
}

/**
 * The developer of an app the actor may see, by account id and name (the consent screen names
 * them; an account's name is otherwise only its own users'). `ERR_NOT_FOUND` for an app the
 * actor may not see.
 * @example
 * const { name } = await getAppDeveloper(domain, { actor, app: 'com.example.crm-sync' });
 */
export async function getAppDeveloper(
  domain: Domain,
  input: { readonly actor: Actor; readonly app: string },
): Promise<{ readonly id: string; readonly name: string }> {
  return readFlow(domain, async (tx) => {
    const row = await tx.getApp(input.app);
    if (row === undefined || !canSeeApp(input.actor, row)) throw notFound('app', input.app, 'app');
    const account = await tx.getAccount(row.owner_account_id);
    return { id: row.owner_account_id, name: account?.name ?? row.owner_account_id };
  });
}

import type { AppRow } from '../store/store.js';
import { type Actor, administers } from './actor.js';
import type { Domain } from './context.js';
import { notFound } from './domain-error.js';
import { readFlow } from './flow.js';
import { type App, toApp } from './objects.js';

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

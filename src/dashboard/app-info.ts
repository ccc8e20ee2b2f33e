import type { Actor } from '../domain/actor.js';
import { getAppVersion } from '../domain/app-versions.js';
import { getApp } from '../domain/apps.js';
import type { Domain } from '../domain/context.js';
import type { App, AppVersion } from '../domain/objects.js';
import { isAppscopeError } from '../errors.js';
import type { AppAccessType } from '../store/store.js';
import { dashboardPath, type Html, html } from './html.js';

/**
 * What the dashboard shows about an app: the app and its current version, when the signed-in
 * account may still see them (an app stays listed by id when it may not).
 */
export interface AppInfo {
  readonly id: string;
  readonly app: App | undefined;
  readonly version: AppVersion | undefined;
}

/** The app and its current version, or undefined parts when they are not visible. */
export async function loadAppInfo(domain: Domain, actor: Actor, id: string): Promise<AppInfo> {
  const app = await getApp(domain, { actor, app: id }).catch(notFoundAsUndefined);
  const version =
    app?.current_version === null || app === undefined
      ? undefined
      : await getAppVersion(domain, { actor, app: id }).catch(notFoundAsUndefined);
  return { id, app, version };
}

/** Loads several apps at once (each id once). */
export async function loadAppInfos(
  domain: Domain,
  actor: Actor,
  ids: Iterable<string>,
): Promise<Map<string, AppInfo>> {
  const unique = [...new Set(ids)];
  const infos = await Promise.all(unique.map((id) => loadAppInfo(domain, actor, id)));
  return new Map(infos.map((info) => [info.id, info]));
}

function notFoundAsUndefined(error: unknown): undefined {
  if (isAppscopeError(error, 'ERR_NOT_FOUND')) return undefined;
  throw error;
}

/** The app's display name (its id when it cannot be seen). */
export function appName(info: AppInfo | undefined, id: string): string {
  return info?.app?.name ?? id;
}

/** The app's placeholder icon. */
export function appIcon(id: string, size: 'small' | 'large' = 'large'): Html {
  return html`<img class="app-icon${size === 'small' ? ' small' : ''}" src="${dashboardPath('apps', id, 'icon.svg')}" alt="" width="${size === 'small' ? 32 : 56}" height="${size === 'small' ? 32 : 56}">`;
}

/** A purpose per requested permission, from a version's manifest. */
export function purposesOf(version: AppVersion | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of version?.permissions ?? [])
    if (!map.has(entry.permission)) map.set(entry.permission, entry.purpose);
  return map;
}

/**
 * How an app with this `stripe_api_access_type` calls the API, as the dashboard says it: a
 * short badge and a sentence. Every screen that describes access types uses these.
 * @example
 * accessTypeText('oauth').badge; // 'OAuth'
 */
export function accessTypeText(type: AppAccessType): { readonly badge: string; readonly sentence: string } {
  switch (type) {
    case 'restricted_api_key':
      return {
        badge: 'Own restricted key',
        sentence: 'Its own restricted key (rk_…), created when you approve and shown to you once',
      };
    case 'oauth':
      return {
        badge: 'OAuth',
        sentence:
          'OAuth: the app gets short-lived access tokens (at_…) through its install link, limited to what you approve; you can revoke them at any time',
      };
    case 'platform':
      return {
        badge: 'Platform key',
        sentence: 'The developer’s platform key, limited to what you approve for this account',
      };
  }
}

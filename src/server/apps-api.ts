import type { FastifyInstance } from 'fastify';
import type { Issue } from '../core/issues.js';
import type { ManifestPermission } from '../core/manifest/types.js';
import {
  getAppVersion,
  listAppVersions,
  releaseAppVersion,
  uploadAppVersion,
} from '../domain/app-versions.js';
import { type CatalogEntry, getApp, listApps, listCatalog } from '../domain/apps.js';
import type { AppVersion } from '../domain/objects.js';
import { type FormObject, rejectUnknownParams, stringParam } from '../http/form.js';
import { invalidRequest } from '../http/stripe-error.js';
import type { ServerContext } from './app.js';
import { authenticateAdmin } from './authenticate.js';
import { withIdempotency } from './idempotency.js';
import { bodyForm, booleanValue, integerParam, queryForm, required } from './request-params.js';

/**
 * The apps API, Stripe's shape, for developers (docs/apps-api.md): upload a version
 * (`POST /v1/apps/versions`, the manifest's JSON text in the form field `manifest`), list and
 * release versions, list the account's own apps, and read the public catalogue. Authenticated
 * with an account's secret key (`sk_…`) only: a restricted key (`rk_…`) or an app's key is
 * refused (403 `secret_key_required`) by {@link authenticateAdmin}. Another account's app that
 * the caller may not see is a 404, the same as an app that does not exist.
 */
export function registerAppsApi(app: FastifyInstance, context: ServerContext): void {
  const { domain } = context;

  // Upload: validate the manifest (every problem listed on failure), register the app on its
  // first upload, store the version and release it unless `release=false`. One transaction.
  app.post('/v1/apps/versions', async (request, reply) => {
    const actor = await authenticateAdmin(domain, request);
    return withIdempotency(context, request, reply, actor, async () => {
      const form = bodyForm(request);
      rejectUnknownParams(form, ['manifest', 'release', 'expand']);
      const manifest = required(form, 'manifest');
      const release = stringParam(form, 'release');
      const result = await uploadAppVersion(domain, {
        actor,
        manifest,
        ...(release === undefined ? {} : { release: booleanValue(release, 'release') }),
      });
      return uploadedVersion(result.version, result.installsUpdated.length, result.warnings);
    });
  });

  app.get('/v1/apps/apps', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    const paging = pagingParams(queryForm(request));
    const page = await listApps(domain, { actor, ...paging });
    return { object: 'list', data: page.data, has_more: page.has_more, url: '/v1/apps/apps' };
  });

  app.get<{ Params: { app: string } }>('/v1/apps/apps/:app', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    rejectUnknownParams(queryForm(request), ['expand']);
    return getApp(domain, { actor, app: request.params.app });
  });

  // Versions newest first (Stripe's list order); `starting_after` is a version string.
  app.get<{ Params: { app: string } }>('/v1/apps/apps/:app/versions', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    const { limit, startingAfter } = pagingParams(queryForm(request));
    const versions = (await listAppVersions(domain, { actor, app: request.params.app })).reverse();
    let from = 0;
    if (startingAfter !== undefined) {
      const at = versions.findIndex((v) => v.version === startingAfter);
      if (at < 0) {
        throw invalidRequest(`No such version of app \`${request.params.app}\`: '${startingAfter}'`, {
          code: 'resource_missing',
          param: 'starting_after',
        });
      }
      from = at + 1;
    }
    const size = limit ?? 10;
    const data = versions.slice(from, from + size);
    return {
      object: 'list',
      data,
      has_more: from + size < versions.length,
      url: `/v1/apps/apps/${encodeURIComponent(request.params.app)}/versions`,
    };
  });

  app.get<{ Params: { app: string; version: string } }>(
    '/v1/apps/apps/:app/versions/:version',
    async (request) => {
      const actor = await authenticateAdmin(domain, request);
      rejectUnknownParams(queryForm(request), ['expand']);
      return getAppVersion(domain, { actor, app: request.params.app, version: request.params.version });
    },
  );

  app.post<{ Params: { app: string; version: string } }>(
    '/v1/apps/apps/:app/versions/:version/release',
    async (request, reply) => {
      const actor = await authenticateAdmin(domain, request);
      return withIdempotency(context, request, reply, actor, async () => {
        rejectUnknownParams(bodyForm(request), ['expand']);
        const result = await releaseAppVersion(domain, {
          actor,
          app: request.params.app,
          version: request.params.version,
        });
        return { ...result.version, installs_updated: result.installsUpdated.length };
      });
    },
  );

  // The catalogue: public apps with a released version, any account may read it.
  app.get('/v1/apps/catalog', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    const paging = pagingParams(queryForm(request));
    const page = await listCatalog(domain, { actor, ...paging });
    return {
      object: 'list',
      data: page.data.map(catalogEntry),
      has_more: page.has_more,
      url: '/v1/apps/catalog',
    };
  });
}

/** `limit` (1–100) and `starting_after`, refusing any other parameter but `expand`. */
function pagingParams(form: FormObject): { limit?: number; startingAfter?: string } {
  rejectUnknownParams(form, ['limit', 'starting_after', 'expand']);
  const limit = integerParam(form, 'limit');
  if (limit !== undefined && (limit < 1 || limit > 100)) {
    throw invalidRequest('Invalid limit: must be between 1 and 100.', {
      code: 'parameter_invalid',
      param: 'limit',
    });
  }
  const startingAfter = stringParam(form, 'starting_after');
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(startingAfter === undefined || startingAfter === '' ? {} : { startingAfter }),
  };
}

/**
 * What an upload answers: the stored `app_version`, how many installs its release changed (a
 * count: the installs are other accounts' and their ids are not the developer's to see), and
 * the manifest's warnings.
 */
function uploadedVersion(
  version: AppVersion,
  installsUpdated: number,
  warnings: readonly Issue[],
): AppVersion & { installs_updated: number; warnings: readonly Issue[] } {
  return { ...version, installs_updated: installsUpdated, warnings };
}

/** A catalogue entry over HTTP (`apps.catalog_entry`). */
export interface CatalogEntryObject {
  /** The app id; `starting_after` takes it. */
  readonly id: string;
  readonly object: 'apps.catalog_entry';
  readonly name: string;
  readonly developer: { readonly id: string; readonly name: string };
  /**
   * `url`: appscope's placeholder icon (an SVG the dashboard serves); `manifest`: the manifest's
   * `icon` value (a path inside the app's source, which appscope does not store), or null.
   */
  readonly icon: { readonly url: string; readonly manifest: string | null };
  readonly stripe_api_access_type: string;
  readonly distribution_type: string;
  /** The released version an install would run. */
  readonly version: string;
  readonly released: number | null;
  /** What that version requests, each permission with the developer's purpose. */
  readonly permissions: readonly ManifestPermission[];
}

/** A domain catalogue entry as the API (and `appscope apps catalog`) shows it. */
export function catalogEntry(entry: CatalogEntry): CatalogEntryObject {
  const icon = entry.version.manifest.icon;
  return {
    id: entry.app.id,
    object: 'apps.catalog_entry',
    name: entry.app.name,
    developer: entry.developer,
    icon: {
      url: `/dashboard/apps/${encodeURIComponent(entry.app.id)}/icon.svg`,
      manifest: typeof icon === 'string' && icon !== '' ? icon : null,
    },
    stripe_api_access_type: entry.app.stripe_api_access_type,
    distribution_type: entry.app.distribution_type,
    version: entry.version.version,
    released: entry.version.released,
    permissions: entry.version.permissions,
  };
}

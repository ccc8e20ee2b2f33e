import type { FastifyInstance } from 'fastify';
import { DECISION_OUTCOMES, type ListDecisionsInput, listDecisions } from '../domain/decisions.js';
import {
  getInstall,
  installApp,
  listInstalls,
  reauthorizeInstall,
  uninstallApp,
} from '../domain/installs.js';
import { createInstallKey, getKey, listKeys, revokeKey, rollKey, setKeyExpiry } from '../domain/keys.js';
import { setShadowMode } from '../domain/shadow-mode.js';
import { type FormObject, rejectUnknownParams, stringListParam, stringParam } from '../http/form.js';
import { invalidRequest, parameterMissing, resourceMissing } from '../http/stripe-error.js';
import type { DecisionOutcome, TimeRange } from '../store/store.js';
import type { ServerContext } from './app.js';
import { authenticateAdmin } from './authenticate.js';
import { withIdempotency } from './idempotency.js';
import { bodyForm, booleanValue, integerParam, queryForm, required } from './request-params.js';

/**
 * The Install API, Stripe's shape (`/v1/apps/installs`), authenticated with an account's
 * secret key: install an app (all or nothing), list and retrieve installs, reauthorize pending
 * permissions, uninstall, and manage an install's keys.
 */
export function registerInstallApi(app: FastifyInstance, context: ServerContext): void {
  const { domain } = context;

  app.post('/v1/apps/installs', async (request, reply) => {
    const actor = await authenticateAdmin(domain, request);
    return withIdempotency(context, request, reply, actor, async () => {
      const form = bodyForm(request);
      rejectUnknownParams(form, ['app', 'expected_permissions', 'expand']);
      const appId = required(form, 'app');
      const expected = stringListParam(form, 'expected_permissions');
      const { install, key } = await installApp(domain, {
        actor,
        app: appId,
        ...(expected === undefined ? {} : { expectedPermissions: expected }),
      });
      return { ...install, ...(key === undefined ? {} : { key }) };
    });
  });

  app.get('/v1/apps/installs', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    const form = queryForm(request);
    rejectUnknownParams(form, [
      'account',
      'app',
      'approval_required',
      'status',
      'created_by',
      'created',
      'limit',
      'starting_after',
      'expand',
    ]);
    const approval = stringParam(form, 'approval_required');
    const status = stringParam(form, 'status');
    if (status !== undefined && status !== 'installed' && status !== 'uninstalled') {
      throw invalidRequest(`Invalid status: must be one of installed or uninstalled.`, {
        code: 'parameter_invalid',
        param: 'status',
      });
    }
    const limit = integerParam(form, 'limit');
    const created = timeRange(form, 'created');
    const account = stringParam(form, 'account');
    const app = stringParam(form, 'app');
    const createdBy = stringParam(form, 'created_by');
    const startingAfter = stringParam(form, 'starting_after');
    const page = await listInstalls(domain, {
      actor,
      ...(account === undefined ? {} : { account }),
      ...(app === undefined ? {} : { app }),
      ...(status === undefined ? {} : { status }),
      ...(approval === undefined ? {} : { approvalRequired: booleanValue(approval, 'approval_required') }),
      ...(createdBy === undefined ? {} : { createdBy }),
      ...(created === undefined ? {} : { created }),
      ...(limit === undefined ? {} : { limit }),
      ...(startingAfter === undefined ? {} : { startingAfter }),
    });
    return { object: 'list', data: page.data, has_more: page.has_more, url: '/v1/apps/installs' };
  });

  app.get<{ Params: { install: string } }>('/v1/apps/installs/:install', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    rejectUnknownParams(queryForm(request), ['expand']);
    return getInstall(domain, { actor, install: request.params.install });
  });

  // Reauthorize: approve every pending permission. With `shadow_mode`, only set shadow mode.
  app.post<{ Params: { install: string } }>('/v1/apps/installs/:install', async (request, reply) => {
    const actor = await authenticateAdmin(domain, request);
    return withIdempotency(context, request, reply, actor, async () => {
      const form = bodyForm(request);
      rejectUnknownParams(form, ['expected_pending', 'shadow_mode', 'expand']);
      const shadow = stringParam(form, 'shadow_mode');
      if (shadow !== undefined) {
        if (form['expected_pending'] !== undefined) {
          throw invalidRequest(
            'Set `shadow_mode` and reauthorize (`expected_pending`) in separate requests.',
            {
              code: 'parameters_exclusive',
              param: 'shadow_mode',
            },
          );
        }
        const enabled = booleanValue(shadow, 'shadow_mode');
        return setShadowMode(domain, { actor, install: request.params.install, enabled });
      }
      const expected = stringListParam(form, 'expected_pending');
      return reauthorizeInstall(domain, {
        actor,
        install: request.params.install,
        ...(expected === undefined ? {} : { expectedPending: expected }),
      });
    });
  });

  app.post<{ Params: { install: string } }>(
    '/v1/apps/installs/:install/uninstall',
    async (request, reply) => {
      const actor = await authenticateAdmin(domain, request);
      return withIdempotency(context, request, reply, actor, async () => {
        rejectUnknownParams(bodyForm(request), ['expand']);
        return uninstallApp(domain, { actor, install: request.params.install });
      });
    },
  );

  // ---- keys of an install
  app.get<{ Params: { install: string } }>('/v1/apps/installs/:install/keys', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    rejectUnknownParams(queryForm(request), ['expand']);
    await getInstall(domain, { actor, install: request.params.install }); // 404 for another account's install
    const keys = await listKeys(domain, { actor, install: request.params.install });
    return {
      object: 'list',
      data: keys,
      has_more: false,
      url: `/v1/apps/installs/${request.params.install}/keys`,
    };
  });

  app.post<{ Params: { install: string } }>('/v1/apps/installs/:install/keys', async (request, reply) => {
    const actor = await authenticateAdmin(domain, request);
    return withIdempotency(context, request, reply, actor, async () => {
      const form = bodyForm(request);
      rejectUnknownParams(form, ['expires_at', 'permissions', 'expand']);
      const expiresAt = integerParam(form, 'expires_at');
      const permissions = stringListParam(form, 'permissions');
      return createInstallKey(domain, {
        actor,
        install: request.params.install,
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...(permissions === undefined ? {} : { permissions }),
      });
    });
  });

  app.get<{ Params: { install: string; key: string } }>(
    '/v1/apps/installs/:install/keys/:key',
    async (request) => {
      const actor = await authenticateAdmin(domain, request);
      rejectUnknownParams(queryForm(request), ['expand']);
      return installKey(context, actor, request.params.install, request.params.key);
    },
  );

  // Update: set or clear (`expires_at=`) the expiry.
  app.post<{ Params: { install: string; key: string } }>(
    '/v1/apps/installs/:install/keys/:key',
    async (request, reply) => {
      const actor = await authenticateAdmin(domain, request);
      return withIdempotency(context, request, reply, actor, async () => {
        const form = bodyForm(request);
        rejectUnknownParams(form, ['expires_at', 'expand']);
        if (form['expires_at'] === undefined) throw parameterMissing('expires_at');
        await installKey(context, actor, request.params.install, request.params.key);
        const raw = stringParam(form, 'expires_at');
        return setKeyExpiry(domain, {
          actor,
          key: request.params.key,
          expiresAt: raw === '' ? null : integerParam(form, 'expires_at')!,
        });
      });
    },
  );

  app.post<{ Params: { install: string; key: string } }>(
    '/v1/apps/installs/:install/keys/:key/roll',
    async (request, reply) => {
      const actor = await authenticateAdmin(domain, request);
      return withIdempotency(context, request, reply, actor, async () => {
        const form = bodyForm(request);
        rejectUnknownParams(form, ['expires_at', 'expand']);
        await installKey(context, actor, request.params.install, request.params.key);
        const expiresAt = integerParam(form, 'expires_at');
        const { key, previous } = await rollKey(domain, {
          actor,
          key: request.params.key,
          ...(expiresAt === undefined ? {} : { expiresAt }),
        });
        return { ...key, previous };
      });
    },
  );

  app.post<{ Params: { install: string; key: string } }>(
    '/v1/apps/installs/:install/keys/:key/revoke',
    async (request, reply) => {
      const actor = await authenticateAdmin(domain, request);
      return withIdempotency(context, request, reply, actor, async () => {
        rejectUnknownParams(bodyForm(request), ['expand']);
        await installKey(context, actor, request.params.install, request.params.key);
        return revokeKey(domain, { actor, key: request.params.key });
      });
    },
  );

  // ---- the decision log (newest first): the whole account, or one install
  app.get('/v1/apps/decisions', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    const page = await listDecisions(domain, { actor, ...decisionFilters(queryForm(request), true) });
    return { object: 'list', data: page.data, has_more: page.has_more, url: '/v1/apps/decisions' };
  });

  app.get<{ Params: { install: string } }>('/v1/apps/installs/:install/decisions', async (request) => {
    const actor = await authenticateAdmin(domain, request);
    const filters = decisionFilters(queryForm(request), false);
    const page = await listDecisions(domain, { actor, ...filters, install: request.params.install });
    const url = `/v1/apps/installs/${request.params.install}/decisions`;
    return { object: 'list', data: page.data, has_more: page.has_more, url };
  });
}

/** A key that belongs to the install in the path (404 otherwise, revealing nothing). */
async function installKey(
  context: ServerContext,
  actor: Parameters<typeof getKey>[1]['actor'],
  install: string,
  keyId: string,
) {
  await getInstall(context.domain, { actor, install });
  const key = await getKey(context.domain, { actor, key: keyId }).catch(() => undefined);
  if (key === undefined || key.install !== install) throw resourceMissing('api_key', keyId, 'key');
  return key;
}

function timeRange(form: FormObject, name: string): TimeRange | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const at = integerParam(form, name)!;
    return { gte: at, lte: at };
  }
  if (Array.isArray(value))
    throw invalidRequest(`Invalid ${name}: use ${name}[gte]=… or ${name}=…`, { param: name });
  rejectUnknownParams(value, ['gt', 'gte', 'lt', 'lte']);
  const range: Record<string, number> = {};
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    const n = integerParam(value, op);
    if (n !== undefined) range[op] = n;
  }
  return range as TimeRange;
}

/** `GET …/decisions` parameters: `created` in unix seconds becomes a millisecond range. */
function decisionFilters(form: FormObject, withInstall: boolean): Omit<ListDecisionsInput, 'actor'> {
  rejectUnknownParams(form, [
    ...(withInstall ? ['install'] : []),
    'outcome',
    'route',
    'permission',
    'request_id',
    'created',
    'limit',
    'starting_after',
    'expand',
  ]);
  const outcome = stringParam(form, 'outcome');
  if (outcome !== undefined && !DECISION_OUTCOMES.includes(outcome as DecisionOutcome)) {
    throw invalidRequest(`Invalid outcome: must be one of ${DECISION_OUTCOMES.join(', ')}.`, {
      code: 'parameter_invalid',
      param: 'outcome',
    });
  }
  const limit = integerParam(form, 'limit');
  if (limit !== undefined && (limit < 1 || limit > 100)) {
    throw invalidRequest('Invalid limit: must be between 1 and 100.', {
      code: 'parameter_invalid',
      param: 'limit',
    });
  }
  const created = timeRange(form, 'created');
  const since = created?.gte ?? (created?.gt === undefined ? undefined : created.gt + 1);
  const until = created?.lt ?? (created?.lte === undefined ? undefined : created.lte + 1);
  const filters: Record<string, unknown> = {
    install: withInstall ? stringParam(form, 'install') : undefined,
    outcome,
    route: stringParam(form, 'route'),
    permission: stringParam(form, 'permission'),
    requestId: stringParam(form, 'request_id'),
    since: since === undefined ? undefined : since * 1000,
    until: until === undefined ? undefined : until * 1000,
    limit,
    startingAfter: stringParam(form, 'starting_after'),
  };
  for (const key of Object.keys(filters)) if (filters[key] === undefined) delete filters[key];
  return filters as Omit<ListDecisionsInput, 'actor'>;
}

import type { FastifyInstance } from 'fastify';
import type { DataKeyring } from '../domain/data-keys.js';
import { DomainError } from '../domain/domain-error.js';
import { NO_WEBHOOK_HOSTS, type WebhookUrlPolicy } from '../domain/webhook-urls.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  updateWebhookEndpoint,
} from '../domain/webhooks.js';
import { type FormObject, rejectUnknownParams, stringListParam, stringParam } from '../http/form.js';
import { invalidRequest, parameterMissing } from '../http/stripe-error.js';
import type { ServerContext } from './app.js';
import { authenticateAdmin } from './authenticate.js';
import { withIdempotency } from './idempotency.js';
import { bodyForm, booleanValue, queryForm } from './request-params.js';

/** What the webhooks API needs beyond the server context. */
export interface WebhooksApiOptions {
  /** Where endpoints may point (`serve --webhook-allow-host`); default: nowhere. */
  readonly policy?: WebhookUrlPolicy;
  /** The data keys signing secrets are sealed under; without them endpoints cannot be created. */
  readonly keys?: DataKeyring;
}

const URL_BASE = '/v1/apps/webhook_endpoints';

/**
 * The webhook endpoints API, Stripe's shape (`/v1/apps/webhook_endpoints`), authenticated with
 * an account's secret key (`sk_…`) like the Install API, idempotent with `Idempotency-Key`:
 * create (the `secret` is in that answer only), list, retrieve, update, delete, and each
 * endpoint's deliveries with their attempts (and a manual retry).
 */
export function registerWebhooksApi(
  app: FastifyInstance,
  context: ServerContext,
  options: WebhooksApiOptions,
): void {
  const { domain } = context;
  const policy = options.policy ?? NO_WEBHOOK_HOSTS;

  app.post(URL_BASE, async (request, reply) => {
    const actor = await authenticateAdmin(domain, request);
    return withIdempotency(context, request, reply, actor, async () => {
      const form = bodyForm(request);
      rejectUnknownParams(form, ['url', 'enabled_events', 'description', 'connect', 'expand']);
      const url = stringParam(form, 'url');
      if (url === undefined || url === '') throw parameterMissing('url');
      const events = stringListParam(form, 'enabled_events');
      if (events === undefined) throw parameterMissing('enabled_events');
      const description = stringParam(form, 'description');
      const connect = stringParam(form, 'connect');
      if (options.keys === undefined) {
        throw new DomainError(
          'ERR_DATA_KEY_UNAVAILABLE',
          'webhook signing secrets cannot be stored: this server holds no data key',
        );
      }
      return createWebhookEndpoint(domain, options.keys, policy, {
        actor,
        url,
        enabledEvents: events,
        ...(description === undefined ? {} : { description }),
        ...(connect === undefined ? {} : { connect: booleanValue(connect, 'connect') }),
      });
    });
  });

  app.get(URL_BASE, async (request) => {
    const actor = await authenticateAdmin(domain, request);
    const form = queryForm(request);
    rejectUnknownParams(form, ['limit', 'starting_after', 'expand']);
    const limit = limitParam(form);
    const startingAfter = stringParam(form, 'starting_after');
    let all = await listWebhookEndpoints(domain, { actor });
    if (startingAfter !== undefined) {
      const at = all.findIndex((endpoint) => endpoint.id === startingAfter);
      if (at < 0) {
        throw invalidRequest(`No such webhook endpoint: '${startingAfter}'`, {
          code: 'resource_missing',
          param: 'starting_after',
        });
      }
      all = all.slice(at + 1);
    }
    return { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: URL_BASE };
  });

  app.get<{ Params: { endpoint: string } }>(`${URL_BASE}/:endpoint`, async (request) => {
    const actor = await authenticateAdmin(domain, request);
    rejectUnknownParams(queryForm(request), ['expand']);
    return getWebhookEndpoint(domain, { actor, endpoint: request.params.endpoint });
  });

  app.post<{ Params: { endpoint: string } }>(`${URL_BASE}/:endpoint`, async (request, reply) => {
    const actor = await authenticateAdmin(domain, request);
    return withIdempotency(context, request, reply, actor, async () => {
      const form = bodyForm(request);
      rejectUnknownParams(form, ['url', 'enabled_events', 'description', 'disabled', 'expand']);
      const url = stringParam(form, 'url');
      const events = stringListParam(form, 'enabled_events');
      const description = stringParam(form, 'description');
      const disabled = stringParam(form, 'disabled');
      return updateWebhookEndpoint(domain, policy, {
        actor,
        endpoint: request.params.endpoint,
        ...(url === undefined ? {} : { url }),
        ...(events === undefined ? {} : { enabledEvents: events }),
        ...(description === undefined ? {} : { description: description === '' ? null : description }),
        ...(disabled === undefined ? {} : { disabled: booleanValue(disabled, 'disabled') }),
      });
    });
  });

  app.delete<{ Params: { endpoint: string } }>(`${URL_BASE}/:endpoint`, async (request, reply) => {
    const actor = await authenticateAdmin(domain, request);
    return withIdempotency(context, request, reply, actor, async () => {
      rejectUnknownParams(queryForm(request), []);
      return deleteWebhookEndpoint(domain, { actor, endpoint: request.params.endpoint });
    });
  });

  app.get<{ Params: { endpoint: string } }>(`${URL_BASE}/:endpoint/deliveries`, async (request) => {
    const actor = await authenticateAdmin(domain, request);
    const form = queryForm(request);
    rejectUnknownParams(form, ['limit', 'starting_after', 'expand']);
    const startingAfter = stringParam(form, 'starting_after');
    const page = await listWebhookDeliveries(domain, {
      actor,
      endpoint: request.params.endpoint,
      limit: limitParam(form),
      ...(startingAfter === undefined ? {} : { startingAfter }),
    });
    return {
      object: 'list',
      data: page.data,
      has_more: page.has_more,
      url: `${URL_BASE}/${request.params.endpoint}/deliveries`,
    };
  });

  app.post<{ Params: { endpoint: string; delivery: string } }>(
    `${URL_BASE}/:endpoint/deliveries/:delivery/retry`,
    async (request, reply) => {
      const actor = await authenticateAdmin(domain, request);
      return withIdempotency(context, request, reply, actor, async () => {
        rejectUnknownParams(bodyForm(request), ['expand']);
        return retryWebhookDelivery(domain, {
          actor,
          endpoint: request.params.endpoint,
          delivery: request.params.delivery,
        });
      });
    },
  );
}

function limitParam(form: FormObject): number {
  const value = stringParam(form, 'limit');
  if (value === undefined) return 10;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > 100) {
    throw invalidRequest('Invalid limit: must be between 1 and 100.', {
      code: 'parameter_invalid',
      param: 'limit',
    });
  }
  return Number(value);
}

import type { FastifyInstance } from 'fastify';
import type { DataKeyring } from '../../domain/data-keys.js';
import { DomainError } from '../../domain/domain-error.js';
import { EVENT_TYPES } from '../../domain/events.js';
import type { Session } from '../../domain/sessions.js';
import { NO_WEBHOOK_HOSTS, type WebhookUrlPolicy } from '../../domain/webhook-urls.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  updateWebhookEndpoint,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../domain/webhooks.js';
import { readQuery } from '../form.js';
import { dashboardPath, type Html, html } from '../html.js';
import { shownOnce } from '../key-once.js';
import { action, type DashboardDeps, humanMessage, type PageResult, page, param } from '../kit.js';
import { formatUtc, timeTag } from '../layout.js';

/**
 * Webhooks: the account's endpoints in the session's mode with their status (enabled,
 * disabled, failing), adding one (its signing secret shown once), disabling, enabling and
 * deleting (disable and delete ask for confirmation), and each endpoint's recent deliveries
 * with every attempt. Admins act; everyone else looks.
 */

/** What the screen needs beyond the dashboard's deps. */
export interface WebhooksScreenOptions {
  /** Where endpoints may point (`serve --webhook-allow-host`); default: nowhere. */
  readonly policy?: WebhookUrlPolicy;
  /** The data keys signing secrets are sealed under (without them, endpoints cannot be added). */
  readonly keys?: DataKeyring;
}

/** Messages after a redirect: fixed texts only, nothing from the URL is reflected. */
const NOTICES: Readonly<Record<string, string>> = {
  disabled: 'The endpoint is disabled: no events are sent to it until it is enabled again.',
  enabled: 'The endpoint is enabled: events are sent to it again, the ones that waited first.',
  deleted: 'The endpoint is deleted with its deliveries. Nothing more is sent to it.',
  retried: 'The delivery is sent again now.',
};

function notice(code: string | undefined): Html {
  if (code === undefined || !Object.hasOwn(NOTICES, code)) return html``;
  return html`<div class="callout ok" role="status"><p>${NOTICES[code]}</p></div>`;
}

/** `/dashboard/webhooks` and `/dashboard/webhooks/:endpoint…`. */
export function registerWebhooks(
  app: FastifyInstance,
  deps: DashboardDeps,
  options: WebhooksScreenOptions = {},
): void {
  const policy = options.policy ?? NO_WEBHOOK_HOSTS;

  page(app, deps, '/webhooks', async (request, _reply, { session }) =>
    listPage(deps, session, policy, { notice: readQuery(request).get('notice') }),
  );

  action(app, deps, '/webhooks', 'admin', async (_request, _reply, { session }, form) => {
    const url = (form.get('url') ?? '').trim();
    const all = form.get('all_events') === 'on';
    const events = all ? ['*'] : form.all('enabled_events');
    const description = (form.get('description') ?? '').trim();
    const connect = form.get('connect') === 'on';
    if (options.keys === undefined) {
      return listPage(deps, session, policy, {
        error: 'This server holds no data key to keep signing secrets with: ask your operator.',
        values: { url, description, events, connect },
      });
    }
    let endpoint: WebhookEndpoint;
    try {
      endpoint = await createWebhookEndpoint(deps.domain, options.keys, policy, {
        actor: session.actor,
        url,
        enabledEvents: events,
        connect,
        ...(description === '' ? {} : { description }),
      });
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'ERR_PARAMETER_INVALID') throw error;
      const message =
        error.param?.startsWith('enabled_events') === true
          ? 'Choose at least one event type, or all events.'
          : humanMessage(error.message);
      return listPage(deps, session, policy, {
        error: message,
        values: { url, description, events, connect },
      });
    }
    return {
      title: 'Webhook endpoint added',
      section: 'webhooks',
      body: html`<h1>Webhook endpoint added</h1>${secretOnce(endpoint)}`,
    } satisfies PageResult;
  });

  page(app, deps, '/webhooks/:endpoint', async (request, _reply, { session }) => {
    const endpoint = await getWebhookEndpoint(deps.domain, {
      actor: session.actor,
      endpoint: param(request, 'endpoint'),
    });
    const deliveries = await listWebhookDeliveries(deps.domain, {
      actor: session.actor,
      endpoint: endpoint.id,
      limit: 20,
    });
    return endpointPage(session, endpoint, deliveries.data, readQuery(request).get('notice'));
  });

  for (const verb of ['disable', 'delete'] as const) {
    page(app, deps, `/webhooks/:endpoint/${verb}`, async (request, _reply, { session }) => {
      const endpoint = await getWebhookEndpoint(deps.domain, {
        actor: session.actor,
        endpoint: param(request, 'endpoint'),
      });
      return confirmPage(session, endpoint, verb);
    });
  }

  action(app, deps, '/webhooks/:endpoint/disable', 'admin', async (request, reply, { session }) => {
    const endpoint = await updateWebhookEndpoint(deps.domain, policy, {
      actor: session.actor,
      endpoint: param(request, 'endpoint'),
      disabled: true,
    });
    return reply.redirect(`${dashboardPath('webhooks', endpoint.id)}?notice=disabled`, 303);
  });

  action(app, deps, '/webhooks/:endpoint/enable', 'admin', async (request, reply, { session }) => {
    const endpoint = await updateWebhookEndpoint(deps.domain, policy, {
      actor: session.actor,
      endpoint: param(request, 'endpoint'),
      disabled: false,
    });
    return reply.redirect(`${dashboardPath('webhooks', endpoint.id)}?notice=enabled`, 303);
  });

  action(app, deps, '/webhooks/:endpoint/delete', 'admin', async (request, reply, { session }) => {
    await deleteWebhookEndpoint(deps.domain, { actor: session.actor, endpoint: param(request, 'endpoint') });
    return reply.redirect('/dashboard/webhooks?notice=deleted', 303);
  });

  action(
    app,
    deps,
    '/webhooks/:endpoint/deliveries/:delivery/retry',
    'admin',
    async (request, reply, { session }) => {
      const endpoint = param(request, 'endpoint');
      await retryWebhookDelivery(deps.domain, {
        actor: session.actor,
        endpoint,
        delivery: param(request, 'delivery'),
      });
      return reply.redirect(`${dashboardPath('webhooks', endpoint)}?notice=retried`, 303);
    },
  );
}

function statusBadge(endpoint: WebhookEndpoint): Html {
  if (endpoint.status === 'disabled') return html`<span class="badge neutral">Disabled</span>`;
  if (endpoint.failing_since !== null) {
    return html`<span class="badge bad">Failing</span> <span class="small muted">since ${timeTag(endpoint.failing_since)}</span>`;
  }
  return html`<span class="badge ok">Enabled</span>`;
}

function eventsLabel(endpoint: WebhookEndpoint): Html {
  return endpoint.enabled_events.includes('*')
    ? html`All events`
    : html`${endpoint.enabled_events.map((name, i) => html`${i > 0 ? ', ' : ''}<code>${name}</code>`)}`;
}

interface ListState {
  readonly notice?: string | undefined;
  readonly error?: string;
  readonly values?: { url: string; description: string; events: readonly string[]; connect: boolean };
}

async function listPage(
  deps: DashboardDeps,
  session: Session,
  policy: WebhookUrlPolicy,
  state: ListState,
): Promise<PageResult> {
  const endpoints = await listWebhookEndpoints(deps.domain, { actor: session.actor });
  const admin = session.user.role === 'admin';
  const mode = session.mode === 'live' ? 'live' : 'test';
  const values = state.values ?? { url: '', description: '', events: [], connect: false };
  const rows = endpoints.map(
    (endpoint) => html`<tr>
  <td><a href="${dashboardPath('webhooks', endpoint.id)}"><code>${endpoint.url}</code></a>${endpoint.description === null ? '' : html`<br><span class="small muted">${endpoint.description}</span>`}</td>
  <td>${statusBadge(endpoint)}</td>
  <td>${endpoint.connect ? 'Your apps on other accounts' : 'This account'}</td>
  <td class="small">${eventsLabel(endpoint)}</td>
</tr>`,
  );
  const form = admin
    ? html`<section class="card" aria-labelledby="add-title">
  <h2 id="add-title">Add an endpoint</h2>
  ${state.error === undefined ? '' : html`<div class="callout error" role="alert"><p>${state.error}</p></div>`}
  <form method="post" action="/dashboard/webhooks">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <label for="webhook-url">Endpoint URL</label>
    <input id="webhook-url" name="url" type="url" required value="${values.url}" placeholder="https://example.com/appscope/webhooks" aria-describedby="webhook-url-help">
    <p id="webhook-url-help" class="small muted">${
      policy.allowHosts.length === 0
        ? 'Your operator has not allowed any host for webhooks yet (appscope serve --webhook-allow-host).'
        : html`Allowed hosts: ${policy.allowHosts.map((h, i) => html`${i > 0 ? ', ' : ''}<code>${h}</code>`)}. ${mode === 'live' ? 'Live mode needs https.' : ''}`
    }</p>
    <label for="webhook-description">Description (optional)</label>
    <input id="webhook-description" name="description" type="text" value="${values.description}">
    <fieldset>
      <legend>Events to send</legend>
      <label><input type="checkbox" name="all_events"${values.events.includes('*') ? html` checked` : ''}> All events</label>
      ${EVENT_TYPES.map(
        (type) =>
          html`<label><input type="checkbox" name="enabled_events" value="${type}"${values.events.includes(type) ? html` checked` : ''}> <code>${type}</code></label>`,
      )}
    </fieldset>
    <label><input type="checkbox" name="connect"${values.connect ? html` checked` : ''}> Events about installs of this account’s own apps on other accounts (instead of this account’s own)</label>
    <div class="actions-row"><button type="submit" class="primary">Add endpoint</button></div>
  </form>
</section>`
    : html`<p class="muted">Only an admin can add or change webhook endpoints.</p>`;
  return {
    title: 'Webhooks',
    section: 'webhooks',
    body: html`<h1>Webhooks</h1>
${notice(state.notice)}
<p>Events about app installs, approvals and keys are sent to these URLs in ${mode} mode, signed like Stripe’s (<code>Stripe-Signature</code>), and retried for up to three days until they are accepted.</p>
${
  endpoints.length === 0
    ? html`<p class="muted">No webhook endpoints in ${mode} mode yet.</p>`
    : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Webhook endpoints</caption>
<thead><tr><th scope="col">URL</th><th scope="col">Status</th><th scope="col">Events of</th><th scope="col">Event types</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
}
${form}`,
  };
}

function secretOnce(endpoint: WebhookEndpoint): Html {
  return html`<section class="card" aria-labelledby="secret-title" data-key-once>
  <h2 id="secret-title">Signing secret of <code>${endpoint.url}</code></h2>
  ${shownOnce({
    id: 'new-secret',
    what: 'secret',
    note: html`Your receiver checks each request’s <code>Stripe-Signature</code> header with it, e.g. <code>stripe.webhooks.constructEvent(body, header, secret)</code>. If it is lost, delete the endpoint and add it again.`,
    label: 'Signing secret',
    value: endpoint.secret ?? '',
  })}
  <dl class="facts">
    <dt>Endpoint ID</dt><dd><code>${endpoint.id}</code></dd>
    <dt>Mode</dt><dd>${endpoint.livemode ? 'Live' : 'Test'}</dd>
    <dt>Events</dt><dd>${eventsLabel(endpoint)}</dd>
  </dl>
  <div class="actions-row"><a class="button primary" href="${dashboardPath('webhooks', endpoint.id)}">I have stored the secret</a></div>
</section>`;
}

function endpointPage(
  session: Session,
  endpoint: WebhookEndpoint,
  deliveries: readonly WebhookDelivery[],
  code: string | undefined,
): PageResult {
  const admin = session.user.role === 'admin';
  const csrf = html`<input type="hidden" name="csrf" value="${session.csrfToken}">`;
  const actions = admin
    ? html`<div class="actions-row">${
        endpoint.status === 'enabled'
          ? html`<a class="button" href="${dashboardPath('webhooks', endpoint.id, 'disable')}">Disable…</a>`
          : html`<form method="post" action="${dashboardPath('webhooks', endpoint.id, 'enable')}">${csrf}<button type="submit" class="primary">Enable</button></form>`
      }<a class="button danger" href="${dashboardPath('webhooks', endpoint.id, 'delete')}">Delete…</a></div>`
    : '';
  const rows = deliveries.map((delivery) => {
    const last = delivery.attempts.at(-1);
    return html`<tr>
  <td><code>${delivery.event_type}</code><br><span class="small muted"><code>${delivery.event}</code></span></td>
  <td><span class="badge ${delivery.status === 'succeeded' ? 'ok' : delivery.status === 'failed' ? 'bad' : 'pending'}">${delivery.status}</span></td>
  <td>${
    delivery.attempts.length === 0
      ? html`<span class="muted">None yet</span>`
      : html`<details><summary>${delivery.attempt_count} attempt${delivery.attempt_count === 1 ? '' : 's'}, last ${last?.http_status === null || last === undefined ? 'no response' : `HTTP ${last.http_status}`}</summary><ol class="small">${delivery.attempts.map(
          (a) =>
            html`<li>${formatUtc(new Date(a.at))}: ${a.http_status === null ? 'no response' : `HTTP ${a.http_status}`} in ${a.duration_ms} ms${a.error === null ? '' : html` — ${a.error}`}${a.response === null ? '' : html`<br><code>${a.response}</code>`}</li>`,
        )}</ol></details>`
  }</td>
  <td>${delivery.next_attempt_at === null ? html`<span class="muted">—</span>` : html`${formatUtc(new Date(delivery.next_attempt_at))}`}${
    admin && delivery.status !== 'succeeded'
      ? html`<form method="post" action="${dashboardPath('webhooks', endpoint.id, 'deliveries', delivery.id, 'retry')}">${csrf}<button type="submit" class="small">Retry now</button></form>`
      : ''
  }</td>
</tr>`;
  });
  return {
    title: `Webhook endpoint ${endpoint.url}`,
    section: 'webhooks',
    body: html`<p><a href="/dashboard/webhooks">← Webhooks</a></p>
<h1>Webhook endpoint</h1>
${notice(code)}
<div class="card">
  <p><code>${endpoint.url}</code></p>
  <p class="kv">${statusBadge(endpoint)} <span class="badge neutral">${endpoint.livemode ? 'Live' : 'Test'} mode</span></p>
  <dl class="facts">
    <dt>ID</dt><dd><code>${endpoint.id}</code></dd>
    ${endpoint.description === null ? '' : html`<dt>Description</dt><dd>${endpoint.description}</dd>`}
    <dt>Events of</dt><dd>${endpoint.connect ? 'Installs of this account’s own apps on other accounts' : 'This account'}</dd>
    <dt>Event types</dt><dd>${eventsLabel(endpoint)}</dd>
    <dt>Added</dt><dd>${timeTag(endpoint.created)}</dd>
  </dl>
  ${actions}
</div>
<h2>Recent deliveries</h2>
${
  deliveries.length === 0
    ? html`<p class="muted">Nothing was sent to this endpoint yet.</p>`
    : html`<div class="table-wrap"><table>
<caption class="visually-hidden">Recent deliveries, newest first</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Next attempt</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
}`,
  };
}

function confirmPage(session: Session, endpoint: WebhookEndpoint, verb: 'disable' | 'delete'): PageResult {
  const admin = session.user.role === 'admin';
  const title = verb === 'disable' ? 'Disable this webhook endpoint?' : 'Delete this webhook endpoint?';
  const explain =
    verb === 'disable'
      ? 'No events are sent to it while it is disabled. Events that happen meanwhile are not queued for it; deliveries already waiting are sent when it is enabled again (within their three days).'
      : 'Its deliveries and their attempts are deleted with it, and nothing more is sent to it. This cannot be undone; its signing secret is gone too.';
  return {
    title,
    section: 'webhooks',
    body: html`<h1>${title}</h1>
<div class="card">
  <p><code>${endpoint.url}</code></p>
  <p>${explain}</p>
  ${
    admin
      ? html`<form method="post" action="${dashboardPath('webhooks', endpoint.id, verb)}">
    <input type="hidden" name="csrf" value="${session.csrfToken}">
    <div class="actions-row"><button type="submit" class="danger">${verb === 'disable' ? 'Disable endpoint' : 'Delete endpoint'}</button><a class="button" href="${dashboardPath('webhooks', endpoint.id)}">Cancel</a></div>
  </form>`
      : html`<p class="muted">Only an admin can change webhook endpoints.</p>`
  }
</div>`,
  };
}

import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../core/catalog/catalog.js';
import { analyzeUsage } from '../../core/least-privilege/analyze-usage.js';
import { decisionActivity } from '../../domain/decision-activity.js';
import { type ListDecisionsInput, type LoggedDecision, listDecisions } from '../../domain/decisions.js';
import { listInstalls } from '../../domain/installs.js';
import type { Install } from '../../domain/objects.js';
import type { Session } from '../../domain/sessions.js';
import type { DecisionOutcome } from '../../store/store.js';
import { appName, loadAppInfos } from '../app-info.js';
import { type Bucket, requestsChart } from '../chart.js';
import { type FormData, readQuery } from '../form.js';
import { dashboardPath, type Html, html } from '../html.js';
import { type DashboardDeps, page } from '../kit.js';
import { formatUtc } from '../layout.js';

/**
 * Activity: the gateway's decision log for the account and mode, filtered by install, outcome,
 * permission, route and time; requests over time by decision; per install the granted
 * permissions no call used in the window (candidates to drop); and the denied calls with what
 * they lacked.
 */

const WINDOWS = {
  '1h': { label: 'Last hour', ms: 3_600_000, buckets: 12 }, // 5-minute bars
  '24h': { label: 'Last 24 hours', ms: 86_400_000, buckets: 24 }, // hourly
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000, buckets: 28 }, // 6-hourly
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000, buckets: 30 }, // daily (UTC)
} as const;
type WindowKey = keyof typeof WINDOWS;

const OUTCOMES: readonly (readonly [DecisionOutcome, string])[] = [
  ['allowed', 'Allowed'],
  ['denied', 'Denied'],
  ['shadow_denied', 'Shadow denied'],
];

/** Rows of the decision log shown under the chart. */
const LOG_ROWS = 50;

/** Kinds of denied call listed at most (the most recent). */
const DENIED_GROUPS = 100;

interface Filters {
  readonly install?: string;
  readonly outcome?: DecisionOutcome;
  readonly permission?: string;
  readonly route?: string;
  readonly window: WindowKey | 'custom';
  readonly since: number;
  readonly until: number;
  readonly from: string;
  readonly to: string;
}

interface FilterErrors {
  from?: string;
  to?: string;
  permission?: string;
}

function parseUtc(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text)) return undefined;
  const ms = Date.parse(`${text}:00Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

function readFilters(q: FormData, now: number, catalog: Catalog): { filters: Filters; errors: FilterErrors } {
  const errors: FilterErrors = {};
  const windowParam = q.get('window') ?? '24h';
  const from = (q.get('from') ?? '').trim();
  const to = (q.get('to') ?? '').trim();
  const preset: WindowKey = Object.hasOwn(WINDOWS, windowParam) ? (windowParam as WindowKey) : '24h';
  let window: WindowKey | 'custom' = preset;
  let since = now - WINDOWS[preset].ms;
  let until = now + 1;
  if (from !== '' || to !== '') {
    const fromMs = from === '' ? undefined : parseUtc(from);
    const toMs = to === '' ? undefined : parseUtc(to);
    if (from !== '' && fromMs === undefined) errors.from = 'Enter a time as YYYY-MM-DDTHH:MM (UTC).';
    if (to !== '' && toMs === undefined) errors.to = 'Enter a time as YYYY-MM-DDTHH:MM (UTC).';
    if (errors.from === undefined && errors.to === undefined) {
      const start = fromMs ?? (toMs ?? now) - 86_400_000;
      const end = toMs ?? now + 1;
      if (end <= start) errors.to = 'The end must be after the start.';
      else {
        window = 'custom';
        since = start;
        until = end;
      }
    }
  }
  const outcomeParam = q.get('outcome');
  const outcome = OUTCOMES.find(([o]) => o === outcomeParam)?.[0];
  const permission = (q.get('permission') ?? '').trim();
  if (permission !== '' && !catalog.has(permission)) {
    const suggestion = catalog.suggest(permission);
    errors.permission = `No permission is called “${permission}”.${suggestion === undefined ? '' : ` Did you mean “${suggestion}”?`}`;
  }
  const route = (q.get('route') ?? '').trim();
  const install = (q.get('install') ?? '').trim();
  return {
    filters: {
      ...(install === '' ? {} : { install }),
      ...(outcome === undefined ? {} : { outcome }),
      ...(permission === '' || errors.permission !== undefined ? {} : { permission }),
      ...(route === '' ? {} : { route }),
      window,
      since,
      until,
      from,
      to,
    },
    errors,
  };
}

/** Bar widths the chart picks from (ms): whole minutes, hours and days, on the clock (UTC). */
const CHART_STEPS = [
  60_000,
  5 * 60_000,
  10 * 60_000,
  15 * 60_000,
  30 * 60_000,
  3_600_000,
  2 * 3_600_000,
  3 * 3_600_000,
  6 * 3_600_000,
  12 * 3_600_000,
  86_400_000,
  7 * 86_400_000,
  30 * 86_400_000,
];

/**
 * The edges of the chart's bars: `since`, every multiple of the bar width after it (the
 * narrowest step of {@link CHART_STEPS} that the window holds at most `bars` times), and `until`. Bars start
 * on the clock (5-minute, hourly, 6-hourly, daily in UTC) so that they are whole buckets of the
 * decision rollups; only the first and last may be partial.
 * @example
 * chartBoundaries(Date.parse('2026-01-01T10:20:00Z'), Date.parse('2026-01-01T13:00:00Z'), 3);
 * // [10:20, 11:00, 12:00, 13:00]
 */
export function chartBoundaries(since: number, until: number, bars: number): number[] {
  const step = CHART_STEPS.find((s) => Math.floor((until - since) / s) <= bars) ?? CHART_STEPS.at(-1)!;
  const boundaries = [since];
  for (let t = Math.floor(since / step) * step + step; t < until; t += step) boundaries.push(t);
  boundaries.push(until);
  return boundaries;
}

/** The scope every decision query of a session carries: its own account and mode. */
function scope(session: Session): Pick<ListDecisionsInput, 'actor' | 'account' | 'mode'> {
  return { actor: session.actor, account: session.user.account, mode: session.mode };
}

function missingText(missing: readonly (readonly string[])[]): Html {
  if (missing.length === 0) return html`<span class="muted">—</span>`;
  return html`${missing.map(
    (group, i) =>
      html`${i > 0 ? html` <em>and</em> ` : ''}${group.length > 1 ? 'one of ' : ''}${group.map((n, j) => html`${j > 0 ? ', ' : ''}<code>${n}</code>`)}`,
  )}`;
}

function outcomeBadge(outcome: DecisionOutcome): Html {
  const label = OUTCOMES.find(([o]) => o === outcome)?.[1] ?? outcome;
  return html`<span class="badge ${outcome}">${label}</span>`;
}

/** `GET /dashboard/activity`. */
export function registerActivity(app: FastifyInstance, deps: DashboardDeps): void {
  page(app, deps, '/activity', async (request, _reply, { session }) => {
    const { catalog } = deps;
    const now = deps.domain.clock();
    const { filters, errors } = readFilters(readQuery(request), now, catalog);
    const installs: Install[] = (await listInstalls(deps.domain, { actor: session.actor, limit: 100 })).data;
    const infos = await loadAppInfos(
      deps.domain,
      session.actor,
      installs.map((i) => i.app),
    );
    const installName = (id: string | null) => {
      const install = installs.find((i) => i.id === id);
      return install === undefined ? (id ?? '—') : appName(infos.get(install.app), install.app);
    };
    const selected =
      filters.install === undefined ? undefined : installs.find((i) => i.id === filters.install);
    const installError =
      filters.install !== undefined && selected === undefined ? 'No such install in this mode.' : undefined;
    const base = {
      ...scope(session),
      since: filters.since,
      until: filters.until,
      ...(selected === undefined ? {} : { install: selected.id }),
    };
    const filtered = {
      ...base,
      ...(filters.outcome === undefined ? {} : { outcome: filters.outcome }),
      ...(filters.permission === undefined ? {} : { permission: filters.permission }),
      ...(filters.route === undefined ? {} : { route: filters.route }),
    };
    const bars = filters.window === 'custom' ? 24 : WINDOWS[filters.window].buckets;
    const boundaries = chartBoundaries(filters.since, filters.until, bars);
    // Counts, chart, denied calls and unused grants cover every decision in the window: read
    // from the decision rollups (exact, whatever the size of the log); the log table below
    // shows the latest rows.
    const activity =
      installError === undefined
        ? await decisionActivity(deps.domain, { ...filtered, boundaries, deniedLimit: DENIED_GROUPS })
        : undefined;
    const latest =
      installError === undefined
        ? await listDecisions(deps.domain, { ...filtered, limit: LOG_ROWS })
        : { data: [] as LoggedDecision[], has_more: false };
    const decisions = latest.data;
    const buckets: Bucket[] = boundaries.slice(1).map((end, i) => ({
      start: boundaries[i]!,
      end,
      counts: { ...(activity?.ranges[i] ?? { allowed: 0, denied: 0, shadow_denied: 0 }) },
    }));
    const windowLabel =
      filters.window === 'custom'
        ? `${formatUtc(new Date(filters.since))} to ${formatUtc(new Date(filters.until))}`
        : WINDOWS[filters.window].label;
    const counts = activity?.outcomes ?? { allowed: 0, denied: 0, shadow_denied: 0 };
    const total = counts.allowed + counts.denied + counts.shadow_denied;
    const deniedGroups = activity?.denied ?? [];

    // Unused permissions: every active install in scope, from its calls in the window.
    const audited = (selected === undefined ? installs : [selected]).filter((i) => i.status === 'installed');
    const unusedRows =
      activity === undefined
        ? []
        : audited.map((install) => {
            const usage = activity.usage.find((u) => u.install === install.id);
            // the same analysis as `appscope analyze` (src/core/least-privilege/analyze-usage.ts)
            const analysis = analyzeUsage(catalog, install.permissions_granted, usage?.calls ?? []);
            return {
              install,
              allowedCount: usage?.allowed ?? 0,
              unused: analysis.unused,
              wider: analysis.wider,
              suggested: analysis.suggested,
            };
          });
    const routes = activity?.routes ?? [];

    const body = html`<div class="page-head"><div><h1>Activity</h1><p class="subtitle">What apps asked the API for in ${session.mode} mode, and what appscope decided</p></div></div>
<form method="get" action="/dashboard/activity" class="card" aria-labelledby="filters-title">
  <h2 id="filters-title" class="visually-hidden">Filters</h2>
  <div class="filters">
    <div class="field">
      <label for="f-install">Install</label>
      <select id="f-install" name="install"${installError === undefined ? '' : html` aria-invalid="true" aria-describedby="f-install-error"`}>
        <option value="">All installs</option>
        ${installs.map((i) => html`<option value="${i.id}"${i.id === filters.install ? html` selected` : ''}>${installName(i.id)}${i.status === 'installed' ? '' : ' (uninstalled)'}</option>`)}
      </select>
      ${installError === undefined ? '' : html`<p class="field-error" id="f-install-error">${installError}</p>`}
    </div>
    <div class="field">
      <label for="f-outcome">Decision</label>
      <select id="f-outcome" name="outcome">
        <option value="">Allowed and denied</option>
        ${OUTCOMES.map(([o, label]) => html`<option value="${o}"${o === filters.outcome ? html` selected` : ''}>${label}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="f-permission">Permission</label>
      <input id="f-permission" name="permission" type="text" list="permission-names" value="${filters.permission ?? readQuery(request).get('permission') ?? ''}" spellcheck="false" autocapitalize="off"${errors.permission === undefined ? '' : html` aria-invalid="true" aria-describedby="f-permission-error"`}>
      <datalist id="permission-names">${catalog.permissions.map((p) => html`<option value="${p.name}">`)}</datalist>
      ${errors.permission === undefined ? '' : html`<p class="field-error" id="f-permission-error">${errors.permission}</p>`}
    </div>
    <div class="field">
      <label for="f-route">Route</label>
      <input id="f-route" name="route" type="text" list="route-names" value="${filters.route ?? ''}" placeholder="/v1/customers/{customer}" spellcheck="false" autocapitalize="off">
      <datalist id="route-names">${routes.map((r) => html`<option value="${r}">`)}</datalist>
    </div>
    <div class="field">
      <label for="f-window">Time</label>
      <select id="f-window" name="window">
        ${Object.entries(WINDOWS).map(([key, w]) => html`<option value="${key}"${key === filters.window ? html` selected` : ''}>${w.label}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="f-from">From (UTC)</label>
      <input id="f-from" name="from" type="datetime-local" value="${filters.from}"${errors.from === undefined ? '' : html` aria-invalid="true" aria-describedby="f-from-error"`}>
      ${errors.from === undefined ? '' : html`<p class="field-error" id="f-from-error">${errors.from}</p>`}
    </div>
    <div class="field">
      <label for="f-to">To (UTC)</label>
      <input id="f-to" name="to" type="datetime-local" value="${filters.to}"${errors.to === undefined ? '' : html` aria-invalid="true" aria-describedby="f-to-error"`}>
      ${errors.to === undefined ? '' : html`<p class="field-error" id="f-to-error">${errors.to}</p>`}
    </div>
    <div class="field"><button type="submit" class="primary">Apply filters</button> <a href="/dashboard/activity">Reset</a></div>
  </div>
</form>
<div class="stats" role="list">
  <div class="stat" role="listitem"><span class="small muted">Requests</span><strong>${total}</strong></div>
  <div class="stat" role="listitem"><span class="small muted">Allowed</span><strong>${counts.allowed}</strong></div>
  <div class="stat" role="listitem"><span class="small muted">Denied</span><strong>${counts.denied}</strong></div>
  <div class="stat" role="listitem"><span class="small muted">Shadow denied</span><strong>${counts.shadow_denied}</strong></div>
</div>
${requestsChart(buckets, windowLabel)}
<section aria-labelledby="unused-title">
  <h2 id="unused-title">Granted but not used</h2>
  <p class="small muted">Permissions no allowed call needed in this window (${windowLabel}), and the least set that would have allowed every call the install made, as a change to its grant (as <code>appscope analyze</code> reports it). If an app never needs a permission, ask its developer to stop requesting it.</p>
  ${
    unusedRows.length === 0
      ? html`<p class="muted">No active installs in this selection.</p>`
      : html`<div class="table-wrap"><table>
    <thead><tr><th scope="col">Install</th><th scope="col">Allowed calls</th><th scope="col">Not used</th><th scope="col">Least privilege for what it did</th></tr></thead>
    <tbody>${unusedRows.map(
      (row) =>
        html`<tr data-unused-install="${row.install.id}"><td><a href="${dashboardPath('installs', row.install.id)}">${installName(row.install.id)}</a></td><td>${row.allowedCount}</td><td>${
          row.unused.length === 0
            ? html`<span class="muted">Every granted permission was used</span>`
            : row.unused.map((n, i) => html`${i > 0 ? ', ' : ''}<code>${n}</code>`)
        }${row.wider.map(
          (w) =>
            html`<br><span class="small muted"><code>${w.permission}</code> used only where <code>${w.narrower.join(', ')}</code> would do</span>`,
        )}</td><td>${
          row.suggested.add.length === 0 && row.suggested.remove.length === 0
            ? html`<span class="muted">The grant is already the least</span>`
            : html`${row.suggested.add.map((n) => html`<span class="diff-add">+ <code>${n}</code></span> `)}${row.suggested.remove.map((n) => html`<span class="diff-remove">− <code>${n}</code></span> `)}`
        }</td></tr>`,
    )}</tbody>
  </table></div>`
  }
</section>
<section aria-labelledby="denied-title">
  <h2 id="denied-title">Denied calls and what they lacked</h2>
  ${
    deniedGroups.length === 0
      ? html`<p class="muted">No denied calls in this selection.</p>`
      : html`<p class="small muted">Grouped by install, route and what was missing. To allow such calls, the app’s developer must request one of the permissions listed, and an admin approve it.</p>
  <div class="table-wrap"><table>
    <thead><tr><th scope="col">Install</th><th scope="col">Request</th><th scope="col">Decision</th><th scope="col">Times</th><th scope="col">Last (UTC)</th><th scope="col">Lacked</th></tr></thead>
    <tbody>${deniedGroups.map(
      (g) =>
        html`<tr${g.latest.id === undefined ? '' : html` data-denied="${g.latest.id}"`}><td>${installName(g.install)}</td><td><code>${g.method} ${g.route ?? g.path}</code></td><td>${outcomeBadge(g.outcome)}</td><td>${g.count}</td><td>${new Date(g.latest.time).toISOString().slice(0, 19).replace('T', ' ')}</td><td>${missingText(g.missing)}</td></tr>`,
    )}</tbody>
  </table></div>${
    (activity?.deniedGroups ?? 0) > deniedGroups.length
      ? html`<p class="small muted">The ${deniedGroups.length} most recent of ${activity?.deniedGroups} kinds of denied call; narrow the filters to see others.</p>`
      : ''
  }`
  }
</section>
<section aria-labelledby="log-title">
  <h2 id="log-title">Decision log</h2>
  ${
    decisions.length === 0
      ? html`<p class="muted">No requests in this selection.</p>`
      : html`<div class="table-wrap"><table>
    <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Decision</th><th scope="col">Install</th><th scope="col">Request</th><th scope="col">Route</th><th scope="col">Required</th><th scope="col">Status</th></tr></thead>
    <tbody>${decisions
      .slice(0, LOG_ROWS)
      .map(
        (d) =>
          html`<tr><td>${d.time.slice(0, 19).replace('T', ' ')}</td><td>${outcomeBadge(d.outcome)}</td><td>${installName(d.install)}</td><td><code>${d.method} ${d.path}</code></td><td>${d.route === null ? html`<span class="muted">no route</span>` : html`<code>${d.route}</code>`}</td><td>${missingText(d.requirement)}</td><td>${d.status ?? '—'}</td></tr>`,
      )}</tbody>
  </table></div>${latest.has_more ? html`<p class="small muted">The latest ${LOG_ROWS} of ${total}; narrow the filters to see others, or use <code>appscope logs</code>.</p>` : ''}`
  }
</section>`;
    return { title: 'Activity', section: 'activity', body };
  });
}

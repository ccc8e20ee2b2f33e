import type { Session } from '../domain/sessions.js';
import { type Html, html, raw } from './html.js';

/**
 * The page shell: skip link, header with navigation, the signed-in user, the test/live mode
 * switch and sign-out, a mode banner, and a reminder when permissions wait for review (users
 * miss Stripe's "Review permissions" prompt; here it is on every page until handled).
 */

/** What the shell shows about the signed-in user. */
export interface Chrome {
  readonly session: Session;
  readonly accountName: string;
  /** Installs (in the session's mode) with permissions waiting for an admin. */
  readonly pendingReviews: number;
}

/** The sections of the navigation. */
export type Section = 'apps' | 'catalog' | 'activity' | 'audit' | 'team' | 'webhooks' | 'none';

/** Input of {@link renderPage}. */
export interface PageInput {
  readonly title: string;
  readonly body: Html;
  readonly chrome?: Chrome;
  readonly section?: Section;
  /** The current path, to come back to after switching mode. */
  readonly path?: string;
  /** Show the pending-review reminder when something waits (default true). */
  readonly reminder?: boolean;
  /** Go on to this same-origin address at once (`<meta http-equiv="refresh">`; no script needed). */
  readonly refresh?: string;
}

const ROLE_LABEL = { admin: 'Admin', developer: 'Developer', view_only: 'View only' } as const;

/** A complete HTML document. */
export function renderPage(input: PageInput): string {
  const chrome = input.chrome;
  return `<!doctype html>${
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
${
  input.refresh === undefined
    ? ''
    : html`<meta http-equiv="refresh" content="0;url=${input.refresh}">
`
}<title>${input.title} · appscope</title>
<link rel="icon" href="/dashboard/assets/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script src="/dashboard/assets/dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${chrome === undefined ? '' : header(chrome, input.section ?? 'none', input.path ?? '/dashboard/apps')}
<main id="main" tabindex="-1">
${chrome !== undefined && chrome.pendingReviews > 0 && input.reminder !== false ? pendingReminder(chrome) : ''}
${input.body}
</main>
</body>
</html>`.value
  }`;
}

function header(chrome: Chrome, section: Section, path: string): Html {
  const { session } = chrome;
  const live = session.mode === 'live';
  const nav = (id: Section, href: string, label: string) =>
    html`<a href="${href}"${section === id ? raw(' aria-current="page"') : ''}>${label}</a>`;
  return html`<header class="topbar">
  <div class="topbar-inner">
    <a class="brand" href="/dashboard/apps"><img src="/dashboard/assets/logo.svg" alt="">appscope</a>
    <nav class="nav" aria-label="Main">
      ${nav('apps', '/dashboard/apps', 'Apps')}
      ${nav('catalog', '/dashboard/catalog', 'Catalogue')}
      ${nav('activity', '/dashboard/activity', 'Activity')}
      ${nav('audit', '/dashboard/audit', 'Audit log')}
      ${nav('team', '/dashboard/team', 'Team')}
      ${nav('webhooks', '/dashboard/webhooks', 'Webhooks')}
    </nav>
    <div class="who">
      <span><span class="visually-hidden">Account: </span><strong>${chrome.accountName}</strong> · ${session.user.email} <span class="badge neutral">${ROLE_LABEL[session.user.role]}</span></span>
      <form method="post" action="/dashboard/mode">
        <input type="hidden" name="csrf" value="${session.csrfToken}">
        <input type="hidden" name="mode" value="${live ? 'test' : 'live'}">
        <input type="hidden" name="next" value="${path}">
        <button type="submit" class="small" aria-describedby="mode-now">Switch to ${live ? 'test' : 'live'} mode</button>
      </form>
      <form method="post" action="/dashboard/sign-out">
        <input type="hidden" name="csrf" value="${session.csrfToken}">
        <button type="submit" class="small">Sign out</button>
      </form>
    </div>
  </div>
</header>
<p id="mode-now" class="mode-banner${live ? ' live' : ''}">${live ? 'Live mode: changes affect live data and live keys' : 'Test mode: you are viewing test data and test keys'}</p>`;
}

function pendingReminder(chrome: Chrome): Html {
  const n = chrome.pendingReviews;
  return html`<div class="callout warn" role="status">
  <div><p><strong>${n === 1 ? 'An app update is waiting' : `${n} app updates are waiting`} for permission review.</strong></p>
  <p class="small">Until ${chrome.session.user.role === 'admin' ? 'you approve' : 'an admin approves'}, the new permissions are not granted; the apps keep working with what was approved before.</p></div>
  <a class="button small" href="/dashboard/apps#pending">See which</a>
</div>`;
}

/**
 * A unix time as `2026-01-01 12:00 UTC` inside a `<time>` element.
 * @example
 * timeTag(1767225600) // <time datetime="2026-01-01T00:00:00.000Z">2026-01-01 00:00 UTC</time>
 */
export function timeTag(seconds: number | null, empty = '—'): Html {
  if (seconds === null) return html`${empty}`;
  const date = new Date(seconds * 1000);
  return html`<time datetime="${date.toISOString()}">${formatUtc(date)}</time>`;
}

/** `2026-01-01 12:00 UTC` */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

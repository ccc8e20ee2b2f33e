import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Catalog } from '../core/catalog/catalog.js';
import { getAccount } from '../domain/accounts.js';
import type { Domain } from '../domain/context.js';
import { listInstalls } from '../domain/installs.js';
import { csrfMatches, resumeSession, type Session } from '../domain/sessions.js';
import { readCookies, SESSION_COOKIE } from './cookies.js';
import { type FormData, readForm } from './form.js';
import type { Html } from './html.js';
import { type Chrome, renderPage, type Section } from './layout.js';
import type { SignInThrottle } from './sign-in-throttle.js';

/**
 * The plumbing every dashboard route shares: who is signed in, the CSRF and role checks of
 * state-changing requests, and rendering a page or a problem.
 */

/** What the dashboard's routes work with. */
export interface DashboardDeps {
  readonly domain: Domain;
  readonly catalog: Catalog;
  readonly throttle: SignInThrottle;
  /** `true`, `false`, or `auto` (Secure when the request came over https). */
  readonly secureCookies: boolean | 'auto';
  readonly sessionTtlSeconds: number;
}

/** A signed-in request: the session, its cookie value, and the page chrome (loaded on demand). */
export interface Signed {
  readonly session: Session;
  readonly token: string;
  chrome(): Promise<Chrome>;
}

/** A page a handler wants rendered. */
export interface PageResult {
  readonly status?: number;
  readonly title: string;
  readonly body: Html;
  readonly section: Section;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Show the "waiting for permission review" reminder (default true; off where it is the subject). */
  readonly reminder?: boolean;
}

/** Every response under `/dashboard` (and the pages of `/oauth/v2/…`): no framing, no sniffing, no inline script or style, no leaking referrers. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

/**
 * The dashboard's Content-Security-Policy, with `form-action` also allowing `source` (a page
 * whose form is answered with a redirect to another site: browsers check the redirect too).
 * @example
 * contentSecurityPolicy('https://app.example'); // "… form-action 'self' https://app.example; …"
 */
export function contentSecurityPolicy(formActionSource?: string): string {
  const base = SECURITY_HEADERS['content-security-policy']!;
  return formActionSource === undefined
    ? base
    : base.replace("form-action 'self'", `form-action 'self' ${formActionSource}`);
}

/** Who may send a state-changing request: anyone signed in, developers and admins, or admins only. */
export type NeededRole = 'any' | 'developer' | 'admin';

/** A problem answered as a page with a status (403 for CSRF and roles, 400 for bad input). */
export class DashboardProblem extends Error {
  readonly status: number;
  readonly title: string;

  constructor(status: number, title: string, message: string) {
    super(message);
    this.name = 'DashboardProblem';
    this.status = status;
    this.title = title;
  }
}

/** Whether cookies for this request get `Secure`. */
export function secureFor(deps: DashboardDeps, request: FastifyRequest): boolean {
  return deps.secureCookies === 'auto' ? request.protocol === 'https' : deps.secureCookies;
}

/** The signed-in session of a request, if any. */
export async function signedIn(deps: DashboardDeps, request: FastifyRequest): Promise<Signed | undefined> {
  const token = readCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (token === undefined) return undefined;
  const session = await resumeSession(deps.domain, token);
  if (session === undefined) return undefined;
  let chrome: Promise<Chrome> | undefined;
  return {
    session,
    token,
    chrome: () => {
      chrome ??= loadChrome(deps.domain, session);
      return chrome;
    },
  };
}

async function loadChrome(domain: Domain, session: Session): Promise<Chrome> {
  const actor = session.actor;
  const [account, pending] = await Promise.all([
    getAccount(domain, { actor, account: actor.account }),
    listInstalls(domain, { actor, account: actor.account, approvalRequired: true, limit: 100 }),
  ]);
  return { session, accountName: account.name, pendingReviews: pending.data.length };
}

/** Sends an HTML page (never cached: pages show account data and CSRF tokens). */
export function sendHtml(reply: FastifyReply, status: number, document: string): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(document);
}

/** Renders a handler's page, with the chrome of the signed-in user. */
export async function sendPage(
  reply: FastifyReply,
  page: PageResult,
  signed?: Signed,
): Promise<FastifyReply> {
  for (const [name, value] of Object.entries(page.headers ?? {})) reply.header(name, value);
  const chrome = signed === undefined ? undefined : await signed.chrome();
  return sendHtml(
    reply,
    page.status ?? 200,
    renderPage({
      title: page.title,
      body: page.body,
      section: page.section,
      // an install link's consent screen is its query: switching mode comes back to all of it
      path: reply.request.url.startsWith('/dashboard/oauth/')
        ? reply.request.url
        : (reply.request.url.split('?')[0] ?? '/dashboard/apps'),
      reminder: page.reminder ?? true,
      ...(chrome === undefined ? {} : { chrome }),
    }),
  );
}

/** A `next` path that stays inside the dashboard (no open redirects). */
export function safeNext(next: string | undefined, fallback = '/dashboard/apps'): string {
  if (next === undefined || !/^\/dashboard(\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$/.test(next)) return fallback;
  if (next.startsWith('//') || next.includes('\\') || next.includes('/../')) return fallback;
  return next;
}

type PageHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  signed: Signed,
) => Promise<PageResult | FastifyReply>;

type ActionHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  signed: Signed,
  form: FormData,
) => Promise<PageResult | FastifyReply>;

/** The request's signed-in user, remembered for the error handler's page chrome. */
export const SIGNED = new WeakMap<FastifyRequest, Signed>();

/**
 * A GET page for signed-in users; anyone else is sent to sign in (and back here afterwards).
 */
export function page(app: FastifyInstance, deps: DashboardDeps, path: string, handler: PageHandler): void {
  app.get(path, async (request, reply) => {
    const signed = await signedIn(deps, request);
    if (signed === undefined) {
      const next = safeNext(request.url, '/dashboard/apps');
      return reply.redirect(`/dashboard/sign-in?next=${encodeURIComponent(next)}`, 303);
    }
    SIGNED.set(request, signed);
    const result = await handler(request, reply, signed);
    if (!isPageResult(result)) return result;
    return sendPage(reply, result, signed);
  });
}

/**
 * A state-changing POST: refused with 403 unless signed in, carrying the session's CSRF token
 * (compared in constant time), coming from this origin, and made by a role allowed to act.
 */
export function action(
  app: FastifyInstance,
  deps: DashboardDeps,
  path: string,
  role: NeededRole,
  handler: ActionHandler,
): void {
  app.post(path, async (request, reply) => {
    const signed = await signedIn(deps, request);
    if (signed === undefined) {
      throw new DashboardProblem(
        403,
        'Signed out',
        'Your session has ended or you are not signed in. Sign in and try again.',
      );
    }
    SIGNED.set(request, signed);
    checkOrigin(request);
    const form = readForm(request);
    if (!csrfMatches(signed.session, form.get('csrf'))) {
      throw new DashboardProblem(
        403,
        'Request refused',
        'This form is out of date or did not come from the dashboard (its security token is missing or wrong). Go back, reload the page and try again.',
      );
    }
    requireDashboardRole(signed.session, role);
    const result = await handler(request, reply, signed, form);
    if (!isPageResult(result)) return result;
    return sendPage(reply, result, signed);
  });
}

/** 403 unless the session's role may act (`admin` for approvals, uninstalls and keys). */
export function requireDashboardRole(session: Session, role: NeededRole): void {
  const mine = session.user.role;
  if (role === 'any' || mine === 'admin' || (role === 'developer' && mine === 'developer')) return;
  throw new DashboardProblem(
    403,
    'Not allowed',
    role === 'admin'
      ? `Only an admin of this account can do this; you have the ${mine === 'view_only' ? 'view only' : mine} role. Ask an admin.`
      : 'Only an admin or a developer of this account can change app settings. Ask an admin.',
  );
}

/** Refuses a POST whose `Origin` names another site (browsers send it with form posts). */
export function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined || origin === '') return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    host = '';
  }
  if (host === '' || host !== request.headers.host) {
    throw new DashboardProblem(
      403,
      'Request refused',
      'This request came from another site and was refused.',
    );
  }
}

/**
 * A domain error's message for a page: its first line, user input in curly quotes instead of
 * backticks, as a sentence.
 * @example
 * humanMessage('no such install: `appinst_1`'); // 'No such install: “appinst_1”.'
 */
export function humanMessage(message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/`([^`]*)`/g, '“$1”');
  return `${first.charAt(0).toUpperCase()}${first.slice(1)}${/[.!?]$/.test(first) ? '' : '.'}`;
}

/** A route parameter (`:name`) of a request. */
export function param(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string | undefined>)[name] ?? '';
}

function isPageResult(value: PageResult | FastifyReply): value is PageResult {
  return typeof value === 'object' && value !== null && 'section' in value && !('raw' in value);
}

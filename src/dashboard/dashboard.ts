import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Domain } from '../domain/context.js';
import { DomainError } from '../domain/domain-error.js';
import { SESSION_TTL_SECONDS, setSessionMode } from '../domain/sessions.js';
import { httpStatusOf, isAppscopeError } from '../errors.js';
import { LOGO_SVG } from './assets/icons.js';
import { SCRIPT } from './assets/script.js';
import { STYLES } from './assets/styles.js';
import { type Html, html } from './html.js';
import {
  action,
  type DashboardDeps,
  DashboardProblem,
  humanMessage,
  SECURITY_HEADERS,
  SIGNED,
  safeNext,
  sendPage,
  signedIn,
} from './kit.js';
import { renderPage } from './layout.js';
import { registerActivity } from './screens/activity.js';
import { registerApps } from './screens/apps.js';
import { registerAudit } from './screens/audit.js';
import { registerCatalog } from './screens/catalog.js';
import { registerConsent } from './screens/consent.js';
import { registerInstall } from './screens/install.js';
import { registerOAuthConsent } from './screens/oauth-authorize.js';
import { registerOAuthLinks } from './screens/oauth-link.js';
import { registerReview } from './screens/review.js';
import { registerSignIn } from './screens/sign-in.js';
import { registerTeam } from './screens/team.js';
import { registerWebhooks, type WebhooksScreenOptions } from './screens/webhooks.js';
import { SignInThrottle, type ThrottleLimits } from './sign-in-throttle.js';

/** Options of {@link registerDashboard}. */
export interface DashboardOptions {
  /** `Secure` on cookies: always, never, or `auto` (when the request came over https; default). */
  readonly secureCookies?: boolean | 'auto';
  /** Session lifetime in seconds (default 12 hours). */
  readonly sessionTtlSeconds?: number;
  /** Failed sign-in limits (default, in 15 minutes: 5 per email and address, 20 per email, 100 per address). */
  readonly signInThrottle?: Partial<ThrottleLimits>;
  /** The Webhooks screen's URL policy and data keys (`createServer` passes the server's). */
  readonly webhooks?: WebhooksScreenOptions;
}

/** What the dashboard needs from the server. */
export interface DashboardContext {
  readonly domain: Domain;
}

const ASSETS: Readonly<Record<string, { readonly type: string; readonly body: string }>> = Object.freeze({
  'dashboard.css': { type: 'text/css; charset=utf-8', body: STYLES },
  'dashboard.js': { type: 'text/javascript; charset=utf-8', body: SCRIPT },
  'logo.svg': { type: 'image/svg+xml; charset=utf-8', body: LOGO_SVG },
});

/**
 * Serves the dashboard at `/dashboard`: sign-in, install consent, installed apps, Review
 * permissions, keys, activity and audit — server-rendered HTML that works without JavaScript,
 * with every asset served from `/dashboard/assets/`.
 * @example
 * const app = await createServer({ domain, routes });
 * registerDashboard(app, { domain }); // createServer already does this
 */
export function registerDashboard(
  app: FastifyInstance,
  context: DashboardContext,
  options: DashboardOptions = {},
): void {
  const deps: DashboardDeps = {
    domain: context.domain,
    catalog: context.domain.catalog,
    throttle: new SignInThrottle(options.signInThrottle ?? {}, context.domain.clock),
    secureCookies: options.secureCookies ?? 'auto',
    sessionTtlSeconds: options.sessionTtlSeconds ?? SESSION_TTL_SECONDS,
  };
  // OAuth install links live outside `/dashboard` (apps link to them) and lead into it.
  registerOAuthLinks(app, deps);
  app.register(
    async (dashboard) => {
      dashboard.addHook('onRequest', async (_request, reply) => {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      });
      dashboard.setErrorHandler(async (error, request, reply) => sendProblem(deps, request, reply, error));
      dashboard.setNotFoundHandler(async (request, reply) =>
        sendProblem(
          deps,
          request,
          reply,
          new DashboardProblem(404, 'Not found', 'There is no page at this address.'),
        ),
      );

      dashboard.get('/assets/:file', async (request, reply) => {
        const file = (request.params as { file: string }).file;
        const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
        if (asset === undefined) throw new DashboardProblem(404, 'Not found', 'There is no such file.');
        return reply.header('cache-control', 'public, max-age=300').type(asset.type).send(asset.body);
      });

      registerSignIn(dashboard, deps);
      registerApps(dashboard, deps);
      registerConsent(dashboard, deps);
      registerInstall(dashboard, deps);
      registerReview(dashboard, deps);
      registerActivity(dashboard, deps);
      registerAudit(dashboard, deps);
      registerCatalog(dashboard, deps);
      registerTeam(dashboard, deps);
      registerWebhooks(dashboard, deps, options.webhooks ?? {});
      registerOAuthConsent(dashboard, deps);

      action(dashboard, deps, '/mode', 'any', async (_request, reply, signed, form) => {
        const mode = form.get('mode');
        if (mode !== 'test' && mode !== 'live') {
          throw new DashboardProblem(400, 'Invalid mode', 'Choose test or live mode.');
        }
        await setSessionMode(deps.domain, signed.token, mode);
        const next = safeNext(form.get('next'));
        // An install or key page belongs to one mode: after switching, go back to the list.
        return reply.redirect(/^\/dashboard\/(installs|keys)\//.test(next) ? '/dashboard/apps' : next, 303);
      });
    },
    { prefix: '/dashboard' },
  );
}

/** Answers an error as a page: the problem's own status, a domain error's, or a plain 500. */
async function sendProblem(
  deps: DashboardDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
): Promise<FastifyReply> {
  let status = 500;
  let title = 'Something went wrong';
  let message: Html | string =
    `The dashboard could not complete this request. If it keeps happening, tell your operator (request ${request.id}).`;
  if (error instanceof DashboardProblem) {
    status = error.status;
    title = error.title;
    message = error.message;
  } else if (isAppscopeError(error)) {
    status = httpStatusOf(error.code);
    if (status >= 500) {
      request.log.error({ err: error, requestId: request.id }, 'dashboard error');
    } else {
      title =
        error.code === 'ERR_NOT_FOUND'
          ? 'Not found'
          : error.code === 'ERR_FORBIDDEN'
            ? 'Not allowed'
            : 'That did not work';
      message = humanMessage(error.message);
      if (error.code === 'ERR_MODE_MISMATCH' && error instanceof DomainError) title = 'Other mode';
    }
  } else if (isFastifyClientError(error)) {
    status = error.statusCode;
    title = 'Bad request';
    message = 'The request could not be read.';
  } else {
    request.log.error({ err: error, requestId: request.id }, 'unexpected dashboard error');
  }
  const signed =
    SIGNED.get(request) ??
    (status === 404 ? await signedIn(deps, request).catch(() => undefined) : undefined);
  const body = html`<h1>${title}</h1>
<div class="callout ${status >= 500 ? 'error' : 'warn'}" role="alert"><p>${message}</p></div>
<p>${signed === undefined ? html`<a href="/dashboard/sign-in">Sign in</a>` : html`<a href="/dashboard/apps">Back to apps</a>`}</p>`;
  if (signed === undefined) {
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(renderPage({ title, body }));
  }
  return sendPage(reply, { status, title, body, section: 'none' }, signed);
}

function isFastifyClientError(error: unknown): error is { statusCode: number } {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 500;
}

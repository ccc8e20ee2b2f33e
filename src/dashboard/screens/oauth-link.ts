import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkAuthorizeRequest } from '../../domain/oauth.js';
import { issuerOf, OAUTH_AUTHORIZE_PATH, OAUTH_TEST_AUTHORIZE_PATH } from '../../http/oauth-endpoints.js';
import type { Mode } from '../../store/store.js';
import { type Html, html } from '../html.js';
import { type DashboardDeps, DashboardProblem, humanMessage, SECURITY_HEADERS, sendHtml } from '../kit.js';
import { renderPage } from '../layout.js';

/**
 * The install links of OAuth apps: `GET /oauth/v2/authorize` (live mode) and
 * `GET /oauth/v2/test/authorize` (test mode). A link with an unknown client or an unregistered
 * redirect URI gets an error page and is never redirected (RFC 6749 §4.1.2.1); any other problem
 * goes back to the app with `error`, `state` and `iss`; a good link continues to the consent
 * screen in the dashboard.
 *
 * The session cookie is `SameSite=Strict`, so a browser that arrives here from the app's site
 * does not send it along a redirect chain that started there. This page therefore answers with
 * a small same-origin page that moves on by itself (`<meta http-equiv="refresh">`, with a
 * Continue link): that navigation starts on this site, so a signed-in person stays signed in.
 */

/** The dashboard path of the consent screen of a link's mode (its query is the link's query). */
export function consentPath(mode: Mode): string {
  return mode === 'live' ? '/dashboard/oauth/authorize' : '/dashboard/oauth/test/authorize';
}

/** This server's origin: the OAuth issuer (`iss`, RFC 9207); a request without a valid `Host` is a 400. */
export function requestIssuer(request: FastifyRequest): string {
  const issuer = issuerOf(request);
  if (issuer === undefined)
    throw new DashboardProblem(400, 'Bad request', 'The request has no valid Host header.');
  return issuer;
}

/**
 * A request's query as the single-valued map {@link checkAuthorizeRequest} takes, or
 * {@link DashboardProblem} 400 when a parameter is given twice (RFC 6749 §3.1: "Request and
 * response parameters MUST NOT be included more than once").
 * @example
 * authorizeParams('/oauth/v2/authorize?client_id=com.example.app&state=x').get('state'); // 'x'
 */
export function authorizeParams(url: string): Map<string, string> {
  const index = url.indexOf('?');
  const search = new URLSearchParams(index < 0 ? '' : url.slice(index + 1));
  const params = new Map<string, string>();
  for (const [name, value] of search) {
    if (params.has(name)) {
      throw new DashboardProblem(
        400,
        'This install link does not work',
        `The link gives the parameter “${name}” more than once, so it cannot be trusted and you were not sent back to the app. Tell the app’s developer.`,
      );
    }
    params.set(name, value);
  }
  return params;
}

/**
 * The same parameters as a query string that keeps every value exactly (percent-encoded, so
 * that the dashboard's `next` check keeps it whole through sign-in).
 */
export function encodeParams(params: ReadonlyMap<string, string>): string {
  return new URLSearchParams([...params]).toString();
}

/** The problem of a link that must not redirect (unknown client, unregistered redirect URI). */
export function brokenLink(description: string): DashboardProblem {
  return new DashboardProblem(
    400,
    'This install link does not work',
    `${humanMessage(description)} You were not sent back to the app, because the link cannot be trusted. Tell the app’s developer.`,
  );
}

/** `GET /oauth/v2/authorize` and `GET /oauth/v2/test/authorize`. */
export function registerOAuthLinks(app: FastifyInstance, deps: DashboardDeps): void {
  for (const [path, mode] of [
    [OAUTH_AUTHORIZE_PATH, 'live'],
    [OAUTH_TEST_AUTHORIZE_PATH, 'test'],
  ] as const) {
    app.get(path, async (request, reply) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      try {
        const params = authorizeParams(request.url);
        const check = await checkAuthorizeRequest(deps.domain, params, mode, requestIssuer(request));
        if (!check.ok && check.redirect) return reply.redirect(check.location, 303);
        if (!check.ok) throw brokenLink(check.description);
        const next = `${consentPath(mode)}?${encodeParams(params)}`;
        return sendHtml(reply, 200, continuePage(check.request.app.name, mode, next));
      } catch (error) {
        if (error instanceof DashboardProblem) return problemPage(reply, error);
        throw error;
      }
    });
  }
}

function continuePage(appName: string, mode: Mode, next: string): string {
  const body: Html = html`<div class="auth">
  <span class="brand"><img src="/dashboard/assets/logo.svg" alt="">appscope</span>
  <div class="card">
    <h1>Install ${appName}</h1>
    <p>${appName} asks to be installed on your account in ${mode} mode. Next you choose the account and review what the app asks for; nothing is installed until you approve.</p>
    <p><a class="button primary" href="${next}">Continue</a></p>
  </div>
</div>`;
  return renderPage({ title: `Install ${appName}`, body, refresh: next });
}

function problemPage(reply: FastifyReply, problem: DashboardProblem): FastifyReply {
  const body: Html = html`<div class="auth">
  <span class="brand"><img src="/dashboard/assets/logo.svg" alt="">appscope</span>
  <div class="card">
    <h1>${problem.title}</h1>
    <div class="callout error" role="alert"><p>${problem.message}</p></div>
  </div>
</div>`;
  return sendHtml(reply, problem.status, renderPage({ title: problem.title, body }));
}

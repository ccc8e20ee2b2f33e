import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { endSession, sameText, startSession } from '../../domain/sessions.js';
import { checkUserPassword } from '../../domain/users.js';
import { cookieHeader, readCookies, SESSION_COOKIE, SIGN_IN_COOKIE } from '../cookies.js';
import { readForm, readQuery } from '../form.js';
import { type Html, html } from '../html.js';
import {
  checkOrigin,
  type DashboardDeps,
  DashboardProblem,
  safeNext,
  secureFor,
  sendHtml,
  signedIn,
} from '../kit.js';
import { renderPage } from '../layout.js';

/**
 * Sign-in and sign-out. The sign-in form carries a token that must match a cookie set with it
 * (a sign-in cannot be posted from another site); an unknown email and a wrong password get the
 * same answer; repeated failures are slowed down; a successful sign-in starts a new session.
 */

interface FormState {
  readonly email?: string;
  readonly error?: string;
  readonly next: string;
  readonly notice?: string;
}

function signInPage(token: string, state: FormState): string {
  const error = state.error;
  const body: Html = html`<div class="auth">
  <a class="brand" href="/dashboard/sign-in"><img src="/dashboard/assets/logo.svg" alt="">appscope</a>
  <div class="card">
    <h1>Sign in</h1>
    <p class="subtitle">to review and manage the apps installed on your account</p>
    ${state.notice === undefined ? '' : html`<div class="callout ok" role="status"><p>${state.notice}</p></div>`}
    ${
      error === undefined
        ? ''
        : html`<div class="callout error" role="alert" id="sign-in-error"><p>${error}</p></div>`
    }
    <form method="post" action="/dashboard/sign-in" novalidate>
      <input type="hidden" name="token" value="${token}">
      <input type="hidden" name="next" value="${state.next}">
      <div class="field">
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value="${state.email ?? ''}"${error === undefined ? '' : html` aria-invalid="true" aria-describedby="sign-in-error"`}${state.email === undefined ? html` autofocus` : ''}>
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required${error === undefined ? '' : html` aria-invalid="true" aria-describedby="sign-in-error"`}${state.email === undefined ? '' : html` autofocus`}>
      </div>
      <button type="submit" class="primary">Sign in</button>
    </form>
  </div>
  <p class="small muted">No account yet? An operator creates users with <code>appscope users create</code>.</p>
</div>`;
  return renderPage({ title: 'Sign in', body });
}

function sendSignIn(
  deps: DashboardDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  state: FormState,
): FastifyReply {
  const token = randomBytes(24).toString('base64url');
  reply.header(
    'set-cookie',
    cookieHeader(SIGN_IN_COOKIE, token, { secure: secureFor(deps, request), maxAge: 3600 }),
  );
  return sendHtml(reply, status, signInPage(token, state));
}

/** `GET|POST /dashboard/sign-in`, `POST /dashboard/sign-out`. */
export function registerSignIn(app: FastifyInstance, deps: DashboardDeps): void {
  app.get('/sign-in', async (request, reply) => {
    const query = readQuery(request);
    const next = safeNext(query.get('next'));
    if ((await signedIn(deps, request)) !== undefined) return reply.redirect(next, 303);
    const notice = query.get('signed_out') === '1' ? 'You are signed out.' : undefined;
    return sendSignIn(deps, request, reply, 200, { next, ...(notice === undefined ? {} : { notice }) });
  });

  app.post('/sign-in', async (request, reply) => {
    checkOrigin(request);
    const form = readForm(request);
    const next = safeNext(form.get('next'));
    const email = (form.get('email') ?? '').trim();
    const password = form.get('password') ?? '';
    const cookie = readCookies(request.headers.cookie).get(SIGN_IN_COOKIE);
    const submitted = form.get('token');
    if (cookie === undefined || submitted === undefined || !sameText(cookie, submitted)) {
      throw new DashboardProblem(
        403,
        'Request refused',
        'This sign-in form is out of date or did not come from the dashboard. Reload the sign-in page and try again.',
      );
    }
    if (email === '' || password === '') {
      return sendSignIn(deps, request, reply, 400, {
        next,
        email,
        error: 'Enter your email and your password.',
      });
    }
    const key = email.toLowerCase();
    const wait = deps.throttle.retryAfter(key, request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return sendSignIn(deps, request, reply, 429, {
        next,
        email,
        error: `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minute${wait > 60 ? 's' : ''}.`,
      });
    }
    const user = await checkUserPassword(deps.domain, { email, password });
    if (user === undefined) {
      deps.throttle.fail(key, request.ip);
      return sendSignIn(deps, request, reply, 401, {
        next,
        email,
        error: 'That email and password do not match. Check them and try again.',
      });
    }
    deps.throttle.succeed(key, request.ip);
    const previous = readCookies(request.headers.cookie).get(SESSION_COOKIE);
    if (previous !== undefined) await endSession(deps.domain, previous);
    const { token } = await startSession(deps.domain, { user, ttlSeconds: deps.sessionTtlSeconds });
    const secure = secureFor(deps, request);
    reply.header('set-cookie', [
      cookieHeader(SESSION_COOKIE, token, { secure, maxAge: deps.sessionTtlSeconds }),
      cookieHeader(SIGN_IN_COOKIE, '', { secure, maxAge: 0 }),
    ]);
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', async (request, reply) => {
    checkOrigin(request);
    const signed = await signedIn(deps, request);
    if (signed !== undefined) {
      const form = readForm(request);
      if (form.get('csrf') === undefined || !sameText(signed.session.csrfToken, form.get('csrf') ?? '')) {
        throw new DashboardProblem(
          403,
          'Request refused',
          'This form is out of date. Reload the page and try again.',
        );
      }
      await endSession(deps.domain, signed.token);
    }
    reply.header(
      'set-cookie',
      cookieHeader(SESSION_COOKIE, '', { secure: secureFor(deps, request), maxAge: 0 }),
    );
    return reply.redirect('/dashboard/sign-in?signed_out=1', 303);
  });
}

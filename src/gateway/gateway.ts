import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Requirement } from '../core/requirement.js';
import type { RouteTable } from '../core/routes/route-table.js';
import type { Domain } from '../domain/context.js';
import { AppscopeError } from '../errors.js';
import { internalError } from '../http/stripe-error.js';
import { createAuthThrottle } from './auth-throttle.js';
import { createAuthorizer, type Verdict } from './authorize.js';
import type { DecisionSink } from './decision-record.js';
import { ACCEPTED_PERMISSIONS_HEADER } from './denial.js';
import { emulatorUpstream } from './emulator-upstream.js';
import { UpstreamError, upstreamTimeout, upstreamUnavailable } from './errors.js';
import { compileEventVisibility } from './event-visibility.js';
import { type FilteredAnswer, listVisibleEvents, retrieveVisibleEvent } from './events-filter.js';
import { httpUpstream } from './http-upstream.js';
import type { LocalAnswer, LocalRoutes } from './local-routes.js';
import { DEFAULT_GATEWAY_LIMITS, type GatewayLimits, type GatewayOptions } from './options.js';
import { createPrincipalCache } from './principal-cache.js';
import { FORWARDED_REQUEST_HEADERS, type Upstream, type UpstreamRequest } from './upstream.js';

/** Response header set when an install in shadow mode made a request the gateway would deny. */
export const SHADOW_DECISION_HEADER = 'appscope-shadow-decision';

const NOTHING: readonly (readonly string[])[] = Object.freeze([]);
/** Longest path kept in a decision record (refused paths can be long). */
const RECORDED_PATH_LENGTH = 2048;

/** What the gateway needs from the server it is registered on. */
export interface GatewayContext {
  readonly domain: Domain;
  readonly routes: RouteTable;
  /** Where decisions go (the batched decision log in `serve`). */
  readonly decisions: DecisionSink;
  /** Routes answered by appscope itself once authorized (the Secret Store), never forwarded. */
  readonly local?: LocalRoutes;
}

function validLimits(options: GatewayOptions): GatewayLimits {
  const limits = Object.freeze({ ...DEFAULT_GATEWAY_LIMITS, ...options.limits });
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new AppscopeError('ERR_USAGE', `invalid gateway limit \`${name}\`: must be a positive integer`);
    }
  }
  return limits;
}

function createUpstream(options: GatewayOptions): Upstream {
  switch (options.kind) {
    case 'emulator':
      return emulatorUpstream(options.emulator);
    case 'http':
      return httpUpstream(options);
    default:
      throw new AppscopeError(
        'ERR_USAGE',
        `invalid gateway upstream kind \`${String((options as { kind?: unknown }).kind)}\`: use \`emulator\` or \`http\``,
      );
  }
}

/**
 * Registers the enforcement gateway: every request under `/v1/` that no other route serves
 * (the Install API keeps its own routes) is authorized by the one {@link createAuthorizer}
 * (hygiene, credentials, access, parameters read once, route, decision) and then refused
 * (Stripe-shaped, naming every accepted permission) or forwarded to the upstream as its
 * canonical re-serialization: exactly the method, path and parameters that were decided on.
 * Every request is recorded in `context.decisions` from the same verdict. Options are
 * validated here, once.
 * @example
 * const app = await createServer({ domain, routes, gateway: { kind: 'emulator' } });
 * // or, by hand, after the other routes:
 * registerGateway(app, context, { kind: 'http', url: 'https://api.stripe.com', secretKey: process.env.STRIPE_SECRET_KEY!, timeoutMs: 10_000 });
 */
export function registerGateway(
  app: FastifyInstance,
  context: GatewayContext,
  options: GatewayOptions = { kind: 'emulator' },
): void {
  const limits = validLimits(options);
  const upstream = createUpstream(options);
  const sink = context.decisions;
  const cache = createPrincipalCache(context.domain);
  const throttle = options.throttle === false ? undefined : createAuthThrottle(options.throttle);
  const authorizer = createAuthorizer({
    routes: context.routes,
    catalog: context.routes.catalog,
    principals: cache,
    limits,
    serves: (livemode) => upstream.serves(livemode),
    ...(throttle === undefined ? {} : { throttle }),
    onError: (error, stage, requestId) =>
      app.log.error(
        { err: error, requestId },
        stage === 'store'
          ? 'store unavailable or failing while authorizing: request refused'
          : 'unexpected error while authorizing: request refused',
      ),
  });
  const events = compileEventVisibility(context.routes.catalog);
  const requirementNames = new WeakMap<Requirement, readonly (readonly string[])[]>();
  app.addHook('onClose', async () => {
    cache.close();
    await upstream.close();
  });

  function namesOf(requirement: Requirement): readonly (readonly string[])[] {
    let names = requirementNames.get(requirement);
    if (names === undefined) {
      names = Object.freeze(requirement.map((group) => group.anyOf));
      requirementNames.set(requirement, names);
    }
    return names;
  }

  /** Renders a verdict (and the status answered) into the decision log. */
  function record(
    verdict: Verdict,
    request: FastifyRequest,
    started: number,
    status: number,
    outcome: Verdict['outcome'] = verdict.outcome,
    missing: readonly (readonly string[])[] = verdict.denial?.missing ?? NOTHING,
  ): void {
    try {
      if (verdict.unauthenticated !== undefined) {
        sink.recordUnauthenticated({
          time: Date.now(),
          reason: verdict.unauthenticated,
          address: request.raw.socket?.remoteAddress ?? '',
          status,
        });
        return;
      }
      const url = request.raw.url ?? '/';
      const question = url.indexOf('?');
      sink.record({
        time: Date.now(),
        requestId: request.id,
        account: verdict.account,
        install: verdict.install,
        app: verdict.app,
        keyHint: verdict.keyHint === '' ? null : verdict.keyHint,
        livemode: verdict.livemode,
        method: request.raw.method ?? 'GET',
        route: verdict.resolved?.route ?? null,
        path: (question < 0 ? url : url.slice(0, question)).slice(0, RECORDED_PATH_LENGTH),
        requirement: verdict.resolved === undefined ? NOTHING : namesOf(verdict.resolved.requirement),
        outcome,
        missing,
        status,
        latencyMs: performance.now() - started,
      });
    } catch (error) {
      // The decision log must never break a request; it counts its own drops.
      app.log.error({ err: error, requestId: request.id }, 'decision sink failed');
    }
  }

  async function gateway(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const started = performance.now();
    const raw = request.raw;
    const authorizing = authorizer.authorize(
      {
        method: raw.method ?? 'GET',
        target: raw.url ?? '/',
        headers: request.headers,
        rawHeaders: raw.rawHeaders,
        body: Buffer.isBuffer(request.body) ? request.body : undefined,
        address: raw.socket?.remoteAddress ?? '',
        socket: raw.socket,
      },
      request.id,
    );
    const verdict = authorizing instanceof Promise ? await authorizing : authorizing;
    if (verdict.outcome === 'denied') {
      const error = verdict.error!;
      record(verdict, request, started, error.status);
      return reply.code(error.status).headers(error.headers).type('application/json').send(error.toJSON());
    }
    const canonical = verdict.request!;
    const access = verdict.access!;
    const denial = verdict.denial;

    // the apps platform's own routes (the Secret Store): answered here, never forwarded
    const local = context.local;
    if (local?.handles(canonical.method, verdict.resolved!.route)) {
      let answer: LocalAnswer;
      try {
        answer = await local.answer(verdict, request.id);
      } catch (error) {
        app.log.error({ err: error, requestId: request.id }, 'unexpected error in a local route');
        answer = { status: 500, body: internalError(request.id).toJSON() };
      }
      record(verdict, request, started, answer.status);
      const out: Record<string, string> = { ...answer.headers, 'request-id': request.id };
      if (denial !== undefined) {
        out[SHADOW_DECISION_HEADER] = denial.code;
        if (denial.accepted !== undefined) out[ACCEPTED_PERMISSIONS_HEADER] = denial.accepted;
      }
      return reply
        .code(answer.status)
        .headers(out)
        .type('application/json')
        .send(JSON.stringify(answer.body));
    }

    // forward exactly what was decided: the canonical re-serialization, never the raw bytes
    const headers = request.headers;
    const forwardHeaders: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = headers[name];
      if (typeof value === 'string') forwardHeaders[name] = value;
    }
    if (canonical.body !== undefined) forwardHeaders['content-type'] = canonical.body.contentType;
    const forward: UpstreamRequest = {
      method: canonical.method,
      path: canonical.path,
      query: canonical.query,
      body: canonical.body?.bytes,
      params: canonical.params,
      headers: forwardHeaders,
      account: access.account,
      livemode: access.livemode,
      requestId: request.id,
    };
    try {
      const route = verdict.resolved!.route;
      if (
        access.kind === 'install' &&
        verdict.outcome === 'allowed' &&
        canonical.method === 'GET' &&
        (route === '/v1/events' || route === '/v1/events/{id}')
      ) {
        const effective = access.principal.permissions;
        const answer: FilteredAnswer =
          route === '/v1/events'
            ? await listVisibleEvents(upstream, forward, effective, events)
            : await retrieveVisibleEvent(upstream, forward, effective, events);
        // a hidden event is a denial (answered as a 404, as if it did not exist)
        if (answer.missing !== undefined)
          record(verdict, request, started, answer.status, 'denied', [answer.missing]);
        else record(verdict, request, started, answer.status);
        const out = { ...answer.headers };
        delete out['content-length'];
        out['request-id'] = request.id;
        return reply
          .code(answer.status)
          .headers(out)
          .type('application/json')
          .send(JSON.stringify(answer.body));
      }
      const response = await upstream.send(forward, reply.raw);
      record(verdict, request, started, response.status);
      const list = response.headerList;
      if (list !== undefined && response.body instanceof Buffer) {
        // A whole answer (a small one from an HTTP upstream): its headers are already checked
        // and lower-case, so it goes straight to the connection — one writeHead, one write —
        // past fastify's reply pipeline (hooks on send, header normalization, stream handling).
        // onResponse hooks and the request log still run when it finishes.
        list.push('request-id', request.id);
        if (denial !== undefined) {
          list.push(SHADOW_DECISION_HEADER, denial.code);
          if (denial.accepted !== undefined) list.push(ACCEPTED_PERMISSIONS_HEADER, denial.accepted);
        }
        reply.hijack();
        reply.raw.writeHead(response.status, list);
        reply.raw.end(response.body);
        return reply;
      }
      const out: Record<string, string | string[]> = { ...response.headers, 'request-id': request.id };
      if (denial !== undefined) {
        out[SHADOW_DECISION_HEADER] = denial.code;
        if (denial.accepted !== undefined) out[ACCEPTED_PERMISSIONS_HEADER] = denial.accepted;
      }
      reply.code(response.status).headers(out);
      if (typeof response.body === 'string') reply.type('application/json');
      return reply.send(response.body);
    } catch (error) {
      if (error instanceof UpstreamError) {
        app.log.warn({ err: error.cause ?? error, requestId: request.id }, `upstream ${error.kind}`);
        const answer = error.kind === 'timeout' ? upstreamTimeout(upstream.timeoutMs) : upstreamUnavailable();
        record(verdict, request, started, answer.status);
        return reply.code(answer.status).type('application/json').send(answer.toJSON());
      }
      throw error;
    }
  }

  app.all('/v1/*', gateway);
}

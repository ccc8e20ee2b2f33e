import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decide } from '../core/decide.js';
import type { Requirement } from '../core/requirement.js';
import { type ResolvedRequest, resolveRequest } from '../core/routes/resolve.js';
import { hashSecret, maskKey } from '../domain/secrets.js';
import { AppscopeError, isAppscopeError } from '../errors.js';
import { type CredentialResult, readCredentials } from '../http/credentials.js';
import { ApiError, authenticationError, internalError, serviceUnavailable } from '../http/stripe-error.js';
import type { ServerContext } from '../server/app.js';
import { type Access, resolveAccess } from './access.js';
import type { DecisionRecord } from './decision-record.js';
import { ACCEPTED_PERMISSIONS_HEADER, type Denial, DenialBuilder } from './denial.js';
import { emulatorUpstream } from './emulator-upstream.js';
import {
  forbiddenAccount,
  UpstreamError,
  unrecognizedUrl,
  upstreamTimeout,
  upstreamUnavailable,
} from './errors.js';
import { compileEventVisibility } from './event-visibility.js';
import { type FilteredAnswer, listVisibleEvents, retrieveVisibleEvent } from './events-filter.js';
import { httpUpstream } from './http-upstream.js';
import { checkFormBody, checkHeaders, checkTarget } from './hygiene.js';
import { DEFAULT_GATEWAY_LIMITS, type GatewayLimits, type GatewayOptions } from './options.js';
import { createPrincipalCache, MAX_SECRET_LENGTH } from './principal-cache.js';
import { FORWARDED_REQUEST_HEADERS, type Upstream, type UpstreamRequest } from './upstream.js';

/** Response header set when an install in shadow mode made a request the gateway would deny. */
export const SHADOW_DECISION_HEADER = 'appscope-shadow-decision';

type Outcome = DecisionRecord['outcome'];

/** What the decision log learns about one request as the gateway goes along. */
interface Trace {
  readonly started: number;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  keyHint: string | null;
  account: string | null;
  install: string | null;
  app: string | null;
  livemode: boolean;
  route: string | null;
  requirement: readonly (readonly string[])[];
}

const NOTHING: readonly (readonly string[])[] = Object.freeze([]);
/** Longest path kept in a decision record (refused paths can be long). */
const RECORDED_PATH_LENGTH = 2048;

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

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Registers the enforcement gateway: every request under `/v1/` that no other route serves
 * (the Install API keeps its own routes) is checked for hygiene, authenticated, resolved to its
 * requirement on the canonical request, decided against the caller's effective permissions,
 * and then refused (Stripe-shaped, naming every accepted permission) or forwarded to the
 * upstream — exactly the method, path, query and body that were decided on. Every request is
 * recorded in `context.decisions`. Options are validated here, once.
 * @example
 * const app = await createServer({ domain, routes, gateway: { kind: 'emulator' } });
 * // or, by hand, after the other routes:
 * registerGateway(app, context, { kind: 'http', url: 'https://api.stripe.com', secretKey: process.env.STRIPE_SECRET_KEY!, timeoutMs: 10_000 });
 */
export function registerGateway(
  app: FastifyInstance,
  context: ServerContext,
  options: GatewayOptions = { kind: 'emulator' },
): void {
  const limits = validLimits(options);
  const upstream = createUpstream(options);
  const routes = context.routes;
  const sink = context.decisions;
  const cache = createPrincipalCache(context.domain);
  const denials = new DenialBuilder(routes.catalog);
  const events = compileEventVisibility(routes.catalog);
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

  function record(
    trace: Trace,
    outcome: Outcome,
    status: number,
    missing: readonly (readonly string[])[],
  ): void {
    try {
      sink.record({
        time: Date.now(),
        requestId: trace.requestId,
        account: trace.account,
        install: trace.install,
        app: trace.app,
        keyHint: trace.keyHint,
        livemode: trace.livemode,
        method: trace.method,
        route: trace.route,
        path: trace.path,
        requirement: trace.requirement,
        outcome,
        missing,
        status,
        latencyMs: performance.now() - trace.started,
      });
    } catch (error) {
      // The decision log must never break a request; it counts its own drops.
      app.log.error({ err: error, requestId: trace.requestId }, 'decision sink failed');
    }
  }

  function refuse(
    reply: FastifyReply,
    trace: Trace,
    error: ApiError,
    missing: readonly (readonly string[])[] = NOTHING,
  ): FastifyReply {
    record(trace, 'denied', error.status, missing);
    return reply.code(error.status).headers(error.headers).type('application/json').send(error.toJSON());
  }

  /** A store failure while authorizing: 503, never an allow. */
  function failClosed(reply: FastifyReply, trace: Trace, error: unknown): FastifyReply {
    if (isAppscopeError(error) && (error.code === 'ERR_STORE' || error.code === 'ERR_STORE_BUSY')) {
      app.log.error({ err: error, requestId: trace.requestId }, 'store unavailable: request refused');
      return refuse(reply, trace, serviceUnavailable());
    }
    app.log.error({ err: error, requestId: trace.requestId }, 'unexpected error while authorizing');
    return refuse(reply, trace, internalError(trace.requestId));
  }

  async function gateway(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const raw = request.raw;
    const url = raw.url ?? '/';
    const method = raw.method ?? 'GET';
    const headers = request.headers;
    const question = url.indexOf('?');
    const trace: Trace = {
      started: performance.now(),
      requestId: request.id,
      method,
      path: (question < 0 ? url : url.slice(0, question)).slice(0, RECORDED_PATH_LENGTH),
      keyHint: null,
      account: null,
      install: null,
      app: null,
      livemode: false,
      route: null,
      requirement: NOTHING,
    };
    const caller = callerOf(raw.socket, single(headers.authorization));
    const credentials = caller.credentials;
    const secret = credentials.kind === 'key' ? credentials.key : undefined;
    const maskedKey = caller.maskedKey;
    if (secret !== undefined) {
      trace.keyHint = maskedKey;
      trace.livemode = secret.startsWith('_live_', 2);
    }

    // 1. hygiene: refuse what could be read two ways, before anything is decided
    const body = Buffer.isBuffer(request.body) ? request.body : undefined;
    const contentType = headers['content-type'];
    const hygiene =
      checkTarget(url, limits) ??
      checkHeaders(method, headers, raw.rawHeaders) ??
      (body !== undefined && body.length > 0 && (contentType === undefined || isForm(contentType))
        ? checkFormBody(body)
        : undefined);
    if (hygiene !== undefined) return refuse(reply, trace, hygiene);

    // 2. who is calling
    if (secret === undefined) {
      return refuse(
        reply,
        trace,
        authenticationError(
          credentials.kind === 'missing'
            ? 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. `Authorization: Bearer YOUR_SECRET_KEY`).'
            : `Invalid Authorization header: ${(credentials as { reason: string }).reason}.`,
        ),
      );
    }
    let access: Access | ApiError;
    try {
      const auth = cache.cached(secret, caller.hash) ?? (await cache.authenticate(secret, caller.hash));
      if (!auth.ok) return refuse(reply, trace, authenticationError(capitalize(auth.message)));
      trace.livemode = auth.principal.livemode;
      if (auth.principal.type !== 'account') trace.app = auth.principal.app;
      const resolving = resolveAccess(
        cache,
        auth.principal,
        secret,
        maskedKey,
        single(headers['stripe-account']),
      );
      access = resolving instanceof Promise ? await resolving : resolving;
    } catch (error) {
      return failClosed(reply, trace, error);
    }
    if (access instanceof ApiError) return refuse(reply, trace, access);
    trace.account = access.account;
    if (access.kind === 'install') trace.install = access.principal.install;
    if (!upstream.serves(access.livemode)) {
      return refuse(
        reply,
        trace,
        forbiddenAccount(
          `This gateway's upstream serves no ${access.livemode ? 'live' : 'test'}-mode requests: use a ${access.livemode ? 'test' : 'live'}-mode key.`,
          'mode_not_served',
        ),
      );
    }

    // 3. what the request requires, on exactly what will be forwarded
    let resolved: ResolvedRequest;
    try {
      resolved = resolveRequest(routes, {
        method,
        path: url,
        ...(body === undefined ? {} : { body }),
        ...(contentType === undefined ? {} : { contentType }),
      });
    } catch (error) {
      return refuse(reply, trace, resolveError(error, method, trace.path, trace.requestId));
    }
    trace.route = resolved.route;
    trace.requirement = namesOf(resolved.requirement);

    // 4. decide
    let outcome: Outcome = 'allowed';
    let denial: Denial | undefined;
    if (access.kind === 'install') {
      const decision = decide(access.principal.permissions, resolved.requirement);
      if (!decision.allowed) {
        denial = denials.deny({ maskedKey, via: access.via, principal: access.principal }, decision);
        if (!access.principal.shadowMode) return refuse(reply, trace, denial.error, denial.missing);
        outcome = 'shadow_denied';
      }
    }

    // 5. forward exactly what was decided
    const forwardHeaders: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = headers[name];
      if (typeof value === 'string') forwardHeaders[name] = value;
    }
    const canonical = resolved.method;
    const forward: UpstreamRequest = {
      method: canonical,
      path: resolved.path,
      query: question < 0 ? '' : url.slice(question + 1),
      body: canonical === 'GET' || canonical === 'DELETE' ? undefined : body,
      headers: forwardHeaders,
      account: access.account,
      livemode: access.livemode,
      requestId: trace.requestId,
    };
    const missing = denial === undefined ? NOTHING : denial.missing;
    try {
      if (
        access.kind === 'install' &&
        !access.principal.shadowMode &&
        canonical === 'GET' &&
        (resolved.route === '/v1/events' || resolved.route === '/v1/events/{id}')
      ) {
        const effective = access.principal.permissions;
        const answer: FilteredAnswer =
          resolved.route === '/v1/events'
            ? await listVisibleEvents(upstream, forward, effective, events)
            : await retrieveVisibleEvent(upstream, forward, effective, events);
        // a hidden event is a denial (answered as a 404, as if it did not exist)
        if (answer.missing !== undefined) record(trace, 'denied', answer.status, [answer.missing]);
        else record(trace, outcome, answer.status, missing);
        const out = { ...answer.headers };
        delete out['content-length'];
        out['request-id'] = trace.requestId;
        return reply
          .code(answer.status)
          .headers(out)
          .type('application/json')
          .send(JSON.stringify(answer.body));
      }
      const response = await upstream.send(forward, reply.raw);
      record(trace, outcome, response.status, missing);
      const list = response.headerList;
      if (list !== undefined && response.body instanceof Buffer) {
        // A whole answer (a small one from an HTTP upstream): its headers are already checked
        // and lower-case, so it goes straight to the connection — one writeHead, one write —
        // past fastify's reply pipeline (hooks on send, header normalization, stream handling).
        // onResponse hooks and the request log still run when it finishes.
        list.push('request-id', trace.requestId);
        if (denial !== undefined) {
          list.push(SHADOW_DECISION_HEADER, denial.code);
          if (denial.accepted !== undefined) list.push(ACCEPTED_PERMISSIONS_HEADER, denial.accepted);
        }
        reply.hijack();
        reply.raw.writeHead(response.status, list);
        reply.raw.end(response.body);
        return reply;
      }
      const out: Record<string, string | string[]> = { ...response.headers, 'request-id': trace.requestId };
      if (denial !== undefined) {
        out[SHADOW_DECISION_HEADER] = denial.code;
        if (denial.accepted !== undefined) out[ACCEPTED_PERMISSIONS_HEADER] = denial.accepted;
      }
      reply.code(response.status).headers(out);
      if (typeof response.body === 'string') reply.type('application/json');
      return reply.send(response.body);
    } catch (error) {
      if (error instanceof UpstreamError) {
        app.log.warn({ err: error.cause ?? error, requestId: trace.requestId }, `upstream ${error.kind}`);
        const answer = error.kind === 'timeout' ? upstreamTimeout(upstream.timeoutMs) : upstreamUnavailable();
        record(trace, outcome, answer.status, missing);
        return reply.code(answer.status).type('application/json').send(answer.toJSON());
      }
      throw error;
    }
  }

  app.all('/v1/*', gateway);
}

/** What one `Authorization` header says, worked out once per connection (see {@link callerOf}). */
interface Caller {
  readonly authorization: string | undefined;
  readonly credentials: CredentialResult;
  /** The key as messages and logs show it (`''` without a key). */
  readonly maskedKey: string;
  /** `hashSecret(key)`: the principal cache's key (`undefined` without a key). */
  readonly hash: string | undefined;
}

const CALLER = Symbol('appscope.caller');
type CallerSocket = Socket & { [CALLER]?: Caller };

/**
 * The credentials of a request, reusing the previous request's on the same connection when its
 * `Authorization` header is the same string (a keep-alive client sends the same key every
 * time): parsing, masking and hashing the key then happen once per connection, not per request.
 * The memo lives on the socket, so it never outlives the connection nor crosses to another
 * client; it decides nothing by itself (the principal cache does, and it follows every change).
 */
function callerOf(socket: Socket | null, authorization: string | undefined): Caller {
  const holder = socket as CallerSocket | null;
  const known = holder?.[CALLER];
  if (known !== undefined && known.authorization === authorization) return known;
  const credentials = readCredentials(authorization);
  const key = credentials.kind === 'key' ? credentials.key : undefined;
  const caller: Caller = {
    authorization,
    credentials,
    maskedKey: key === undefined ? '' : maskKey(key),
    hash: key === undefined || key.length > MAX_SECRET_LENGTH ? undefined : hashSecret(key),
  };
  if (holder !== null) holder[CALLER] = caller;
  return caller;
}

function resolveError(error: unknown, method: string, path: string, requestId: string): ApiError {
  if (isAppscopeError(error, 'ERR_UNKNOWN_ENDPOINT')) {
    return unrecognizedUrl(method === 'HEAD' ? 'GET' : method, path, `${capitalize(error.message)}.`);
  }
  if (isAppscopeError(error, 'ERR_INVALID_EXPAND')) {
    return new ApiError(400, {
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      param: 'expand',
      message: `${capitalize(error.message)}.`,
    });
  }
  return internalError(requestId);
}

const FORM = 'application/x-www-form-urlencoded';

/** `application/x-www-form-urlencoded`, any case, alone or with parameters. */
function isForm(contentType: string): boolean {
  if (contentType.length < FORM.length) return false;
  const head = contentType.length === FORM.length ? contentType : contentType.slice(0, FORM.length);
  if (head.toLowerCase() !== FORM) return false;
  const next = contentType.charCodeAt(FORM.length);
  return contentType.length === FORM.length || next === 59 || next === 32 || next === 9;
}

function capitalize(text: string): string {
  return text.length > 0 ? text[0]!.toUpperCase() + text.slice(1) : text;
}

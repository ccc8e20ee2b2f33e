import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Catalog } from '../core/catalog/catalog.js';
import { type Decision, decide } from '../core/decide.js';
import { type SerializedBody, serializeBody } from '../core/params/body.js';
import { ParamError, type ParamObject, serializeParams } from '../core/params/params.js';
import type { HttpMethod } from '../core/routes/format.js';
import { matchRoute, type ResolvedRequest, readParams, resolveRoute } from '../core/routes/resolve.js';
import type { RouteTable } from '../core/routes/route-table.js';
import type { Principal } from '../domain/keys.js';
import { hashSecret, maskKey } from '../domain/secrets.js';
import { isAppscopeError } from '../errors.js';
import { type CredentialResult, readCredentials } from '../http/credentials.js';
import { paramError } from '../http/form.js';
import { ApiError, authenticationError, internalError, serviceUnavailable } from '../http/stripe-error.js';
import { type Access, resolveAccess } from './access.js';
import { type AuthThrottle, rateLimitedError } from './auth-throttle.js';
import type { UnauthenticatedReason } from './decision-record.js';
import { type Denial, DenialBuilder } from './denial.js';
import { forbiddenAccount, unrecognizedUrl } from './errors.js';
import { checkHeaders, checkTarget } from './hygiene.js';
import { DEFAULT_GATEWAY_LIMITS, type GatewayLimits } from './options.js';
import { MAX_SECRET_LENGTH, type PrincipalCache } from './principal-cache.js';

/**
 * One verdict: `authorize(request)` settles everything about a request that comes before the
 * upstream — is it readable one way only, who is calling, on which account, which route and
 * requirement, and the decision with its denial. The gateway, the decision log and
 * `appscope explain-request` all render the {@link Verdict} it returns; nothing else computes a
 * denial.
 */

/** A request as received: the target as sent, headers, and the body's bytes. */
export interface AuthorizeInput {
  readonly method: string;
  /** The request target as received: `/path?query`. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  /** The headers as sent, `[name, value, …]` (for refusing duplicates); the parsed ones when absent. */
  readonly rawHeaders?: readonly string[];
  readonly body?: Buffer | undefined;
  /** The client's address, for the authentication throttle and unauthenticated counts. */
  readonly address?: string;
  /** The connection, on which the parsed `Authorization` header is remembered between requests. */
  readonly socket?: Socket | null;
}

/** The request the gateway decided on: exactly what is forwarded. */
export interface CanonicalRequest {
  readonly method: HttpMethod;
  /** The path, as received (only canonical paths pass). */
  readonly path: string;
  /** Every parameter, from the query string and the body, as one structure. */
  readonly params: ParamObject;
  /** The canonical query string (GET and DELETE parameters), `''` when none. */
  readonly query: string;
  /** The canonical body of a POST, PUT or PATCH (its parameters), undefined for GET and DELETE. */
  readonly body: SerializedBody | undefined;
}

/** Where a refusal was settled. */
export type VerdictStage = 'request' | 'authentication' | 'access' | 'route' | 'decision' | 'store';

/** Everything known about a request once it is authorized. */
export interface Verdict {
  /** `allowed` and `shadow_denied` are forwarded; `denied` is answered with {@link Verdict.error}. */
  readonly outcome: 'allowed' | 'denied' | 'shadow_denied';
  /** Where a refusal was settled (undefined when forwarded). */
  readonly stage: VerdictStage | undefined;
  /** The answer to a refused request (for `shadow_denied`, the answer it would have had). */
  readonly error: ApiError | undefined;
  /** Set when the request was refused before a caller was established. */
  readonly unauthenticated: UnauthenticatedReason | undefined;
  /** The key as messages show it (`''` without one). */
  readonly keyHint: string;
  readonly livemode: boolean;
  readonly principal: Principal | undefined;
  readonly access: Access | undefined;
  /** The account whose data the request reaches, once known. */
  readonly account: string | null;
  readonly install: string | null;
  readonly app: string | null;
  /** The canonical request, once its parameters were read. */
  readonly request: CanonicalRequest | undefined;
  /** The route and requirement, once matched. */
  readonly resolved: ResolvedRequest | undefined;
  /** The decision, for an install's request (an account's own key is not decided). */
  readonly decision: Decision | undefined;
  /** For `denied` (by the decision) and `shadow_denied`: the code, the 403 and what would allow it. */
  readonly denial: Denial | undefined;
}

/** What {@link createAuthorizer} needs. */
export interface AuthorizerOptions {
  readonly routes: RouteTable;
  readonly catalog: Catalog;
  /** Who each key is (cached; the same cache the gateway uses). */
  readonly principals: PrincipalCache;
  readonly limits?: Partial<GatewayLimits>;
  /** Which modes the upstream serves (default: both). */
  readonly serves?: (livemode: boolean) => boolean;
  readonly throttle?: AuthThrottle;
  /** Called with unexpected errors (the verdict is then a plain 500). */
  readonly onError?: (error: unknown, stage: VerdictStage, requestId: string) => void;
}

/** Authorizes requests; compiled once per route table and catalog. */
export interface Authorizer {
  /**
   * The verdict on one request: synchronous when the caller's key is cached, a promise when it
   * must be looked up. Never throws; a store failure is a 503 verdict (fail closed).
   */
  authorize(input: AuthorizeInput, requestId: string): Verdict | Promise<Verdict>;
}

/** A verdict being settled: one object per request, filled in stage by stage. */
type Draft = { -readonly [K in keyof Verdict]: Verdict[K] };

function draft(): Draft {
  return {
    outcome: 'allowed',
    stage: undefined,
    error: undefined,
    unauthenticated: undefined,
    keyHint: '',
    livemode: false,
    principal: undefined,
    access: undefined,
    account: null,
    install: null,
    app: null,
    request: undefined,
    resolved: undefined,
    decision: undefined,
    denial: undefined,
  };
}

/**
 * Creates the one authorizer. Stages, in order: header hygiene; credentials (a throttled
 * address gets a 429 before an unknown key is looked up); authentication; access
 * (`Stripe-Account`, mode); the path; the parameters (query and body, read once, into one
 * canonical structure); the route and requirement; the decision.
 * @example
 * const authorizer = createAuthorizer({ routes, catalog, principals: createPrincipalCache(domain) });
 * const verdict = await authorizer.authorize({ method: 'GET', target: '/v1/charges', headers: { authorization: `Bearer ${key}` } }, 'req_1');
 * verdict.outcome; // 'denied'
 * verdict.denial?.code; // 'more_permissions_required'
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const { routes, principals, throttle } = options;
  const limits: GatewayLimits = Object.freeze({ ...DEFAULT_GATEWAY_LIMITS, ...options.limits });
  const serves = options.serves ?? (() => true);
  const denials = new DenialBuilder(options.catalog);

  function refused(
    v: Draft,
    stage: VerdictStage,
    error: ApiError,
    unauthenticated?: UnauthenticatedReason,
  ): Verdict {
    v.outcome = 'denied';
    v.stage = stage;
    v.error = error;
    v.unauthenticated = unauthenticated;
    return v;
  }

  function failClosed(v: Draft, error: unknown, requestId: string): Verdict {
    options.onError?.(error, 'store', requestId);
    if (isAppscopeError(error) && (error.code === 'ERR_STORE' || error.code === 'ERR_STORE_BUSY')) {
      return refused(v, 'store', serviceUnavailable());
    }
    return refused(v, 'store', internalError(requestId));
  }

  function authorize(input: AuthorizeInput, requestId: string): Verdict | Promise<Verdict> {
    const v = draft();
    const method = input.method;
    const headers = input.headers;
    const address = input.address ?? '';
    const hygiene = checkHeaders(method, headers, input.rawHeaders ?? flatten(headers));
    if (hygiene !== undefined) return refused(v, 'request', hygiene, 'malformed_request');

    const caller = callerOf(input.socket ?? null, single(headers.authorization));
    const credentials = caller.credentials;
    if (credentials.kind !== 'key') {
      // an address that keeps failing is refused with a 429 whatever it sends next
      const wait = throttle?.retryAfter(address) ?? 0;
      if (wait > 0) return refused(v, 'authentication', rateLimitedError(wait), 'rate_limited');
      void throttle?.failed(address);
      return refused(
        v,
        'authentication',
        authenticationError(
          credentials.kind === 'missing'
            ? 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. `Authorization: Bearer YOUR_SECRET_KEY`).'
            : `Invalid Authorization header: ${credentials.reason}.`,
        ),
        credentials.kind === 'missing' ? 'missing_key' : 'malformed_authorization',
      );
    }
    const secret = credentials.key;
    v.keyHint = caller.maskedKey;
    v.livemode = secret.startsWith('_live_', 2);
    const cached = principals.cached(secret, caller.hash);
    if (cached !== undefined) return authenticated(input, requestId, secret, v, cached);
    const wait = throttle?.retryAfter(address) ?? 0;
    if (wait > 0) return refused(v, 'authentication', rateLimitedError(wait), 'rate_limited');
    return principals.authenticate(secret, caller.hash).then(
      (auth) => authenticated(input, requestId, secret, v, auth),
      (error: unknown) => failClosed(v, error, requestId),
    );
  }

  function authenticated(
    input: AuthorizeInput,
    requestId: string,
    secret: string,
    v: Draft,
    auth: Awaited<ReturnType<PrincipalCache['authenticate']>>,
  ): Verdict | Promise<Verdict> {
    if (!auth.ok) {
      void throttle?.failed(input.address ?? '');
      return refused(v, 'authentication', authenticationError(capitalize(auth.message)), 'invalid_key');
    }
    const principal = auth.principal;
    v.principal = principal;
    v.livemode = principal.livemode;
    v.app = principal.type === 'account' ? null : principal.app;
    let resolving: ReturnType<typeof resolveAccess>;
    try {
      resolving = resolveAccess(
        principals,
        principal,
        secret,
        v.keyHint,
        single(input.headers['stripe-account']),
      );
    } catch (error) {
      return failClosed(v, error, requestId);
    }
    if (resolving instanceof Promise) {
      return resolving.then(
        (access) => decideFor(input, requestId, v, access),
        (error: unknown) => failClosed(v, error, requestId),
      );
    }
    return decideFor(input, requestId, v, resolving);
  }

  function decideFor(input: AuthorizeInput, requestId: string, v: Draft, access: Access | ApiError): Verdict {
    if (access instanceof ApiError) return refused(v, 'access', access);
    v.access = access;
    v.account = access.account;
    v.livemode = access.livemode;
    v.install = access.kind === 'install' ? access.principal.install : null;
    if (!serves(access.livemode)) {
      return refused(
        v,
        'access',
        forbiddenAccount(
          `This gateway's upstream serves no ${access.livemode ? 'live' : 'test'}-mode requests: use a ${access.livemode ? 'test' : 'live'}-mode key.`,
          'mode_not_served',
        ),
      );
    }

    // the request: its path, then its parameters read once into one structure
    const target = input.target;
    const pathError = checkTarget(target, limits);
    if (pathError !== undefined) return refused(v, 'request', pathError);
    const question = target.indexOf('?');
    const path = question < 0 ? target : target.slice(0, question);
    const method = canonicalMethod(input.method);
    let route: ReturnType<typeof matchRoute>;
    try {
      route = matchRoute(routes, method, path);
    } catch (error) {
      return refused(v, 'route', routeError(error, method, path, requestId, options.onError));
    }
    let request: CanonicalRequest;
    try {
      request = canonicalRequest(
        method,
        path,
        question < 0 ? '' : target.slice(question + 1),
        input,
        route.multipart,
      );
    } catch (error) {
      if (error instanceof ParamError) return refused(v, 'request', paramError(error));
      options.onError?.(error, 'request', requestId);
      return refused(v, 'request', internalError(requestId));
    }
    v.request = request;
    let resolved: ResolvedRequest;
    try {
      resolved = resolveRoute(routes, method, path, route, request.params);
    } catch (error) {
      return refused(v, 'route', routeError(error, method, path, requestId, options.onError));
    }
    v.resolved = resolved;
    if (access.kind !== 'install') return v;
    const decision = decide(access.principal.permissions, resolved.requirement);
    v.decision = decision;
    if (decision.allowed) return v;
    const denial = denials.deny(
      { maskedKey: v.keyHint, via: access.via, principal: access.principal },
      decision,
    );
    v.denial = denial;
    v.outcome = access.principal.shadowMode ? 'shadow_denied' : 'denied';
    v.stage = 'decision';
    v.error = denial.error;
    return v;
  }

  return { authorize };
}

/**
 * The canonical request: the parameters read once ({@link readParams}), re-serialized — a GET's
 * or DELETE's as its query string, a POST's (query and body merged) as its body.
 */
function canonicalRequest(
  method: HttpMethod,
  path: string,
  query: string,
  input: AuthorizeInput,
  multipart: boolean,
): CanonicalRequest {
  const read = readParams(method, query, input.body, single(input.headers['content-type']), multipart);
  if (read.body === undefined) {
    return {
      method,
      path,
      params: read.params,
      query: query === '' ? '' : serializeParams(read.params),
      body: undefined,
    };
  }
  return { method, path, params: read.params, query: '', body: serializeBody(read.body) };
}

/** `HEAD` is decided and forwarded as `GET`; other methods upper-cased. */
function canonicalMethod(method: string): HttpMethod {
  const upper = method === 'GET' || method === 'POST' || method === 'DELETE' ? method : method.toUpperCase();
  return (upper === 'HEAD' ? 'GET' : upper) as HttpMethod;
}

function routeError(
  error: unknown,
  method: string,
  path: string,
  requestId: string,
  onError: AuthorizerOptions['onError'],
): ApiError {
  if (isAppscopeError(error, 'ERR_UNKNOWN_ENDPOINT')) {
    return unrecognizedUrl(method, path, `${capitalize(error.message)}.`);
  }
  if (isAppscopeError(error, 'ERR_INVALID_EXPAND')) {
    return new ApiError(400, {
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      param: 'expand',
      message: `${capitalize(error.message)}.`,
    });
  }
  onError?.(error, 'route', requestId);
  return internalError(requestId);
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

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Parsed headers as a raw list, for callers that have no raw list (one entry per value). */
function flatten(headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) for (const item of value) out.push(name, item);
    else if (value !== undefined) out.push(name, value);
  }
  return out;
}

function capitalize(text: string): string {
  return text.length > 0 ? text[0]!.toUpperCase() + text.slice(1) : text;
}

import { type FormObject, parseForm, stringListParam } from '../http/form.js';
import { newRequestId } from '../http/request-id.js';
import { ApiError, internalError, invalidRequest } from '../http/stripe-error.js';
import { createContext } from './context.js';
import { CardError, unrecognizedUrl } from './errors.js';
import { applyExpand, validateExpand } from './expand.js';
import { IdempotencyCache, type IdempotentOutcome } from './idempotency.js';
import { createIdGenerator, type IdGenerator } from './ids.js';
import { createMemoryStorage } from './memory-storage.js';
import type { HttpMethod, Operation } from './operation.js';
import { compileRegistry } from './registry.js';
import type { RouteMatch } from './router.js';
import type { EmulatorScope, EmulatorStorage } from './storage.js';

/** One API call, as the gateway (in process) or the standalone server hands it over. */
export interface EmulatorRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/v1/customers/cus_123`. */
  readonly path: string;
  /** The raw query string without `?` (GET and DELETE parameters). */
  readonly query: string;
  /** The raw `application/x-www-form-urlencoded` body (POST parameters). */
  readonly body: string;
  /** The account whose data the call sees (`acct_…`). */
  readonly account: string;
  /** Test (`false`) or live (`true`) data. */
  readonly livemode: boolean;
  /** The `Idempotency-Key` header of a POST. */
  readonly idempotencyKey?: string;
  /** The request id to answer with and to record on events (`req_…`); one is made when absent. */
  readonly requestId?: string;
}

/**
 * The answer: Stripe's status and JSON body. The body may share frozen objects with the
 * storage; copy before changing it.
 */
export interface EmulatorResponse {
  readonly status: number;
  /** The JSON body: a Stripe object, a list, or `{error: {…}}`. */
  readonly body: unknown;
  /** Lower-case header names; always `request-id`. */
  readonly headers?: Record<string, string>;
}

/** Options for {@link createEmulator}; every one has a default. */
export interface EmulatorOptions {
  /** Where objects live (default: a fresh in-memory store). */
  readonly storage?: EmulatorStorage;
  /** Milliseconds since the epoch (default `Date.now`); `created` fields are its seconds. */
  readonly clock?: () => number;
  /** Makes object ids (default: base62, ordered by creation within a second). */
  readonly idGenerator?: IdGenerator;
  /** Called with any unexpected error (answered as a plain 500 that leaks nothing). */
  readonly onInternalError?: (error: unknown, request: EmulatorRequest) => void;
  /**
   * stripe-mock compatibility: an id it does not hold is answered with a fixture-like object
   * of the right type carrying that id (as stripe-mock does) instead of a 404. Default false.
   */
  readonly stripeMock?: boolean;
}

/** A Stripe-like API that answers requests in process. */
export interface Emulator {
  handle(request: EmulatorRequest): Promise<EmulatorResponse>;
  /** Every method and path it serves (`/v1/customers/:id` style). */
  readonly routes: readonly { readonly method: HttpMethod; readonly path: string }[];
  readonly storage: EmulatorStorage;
}

/**
 * Creates the built-in Stripe emulator. It is framework-free: `handle()` takes the
 * method, path, raw query and body, account and mode, and answers status, JSON body and
 * headers, so the gateway calls it in process and the standalone server wraps it.
 * @example
 * const emulator = createEmulator();
 * const res = await emulator.handle({ method: 'POST', path: '/v1/customers', query: '',
 *   body: 'email=a%40example.com', account: 'acct_1', livemode: false });
 * res.status; // 200
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const storage = options.storage ?? createMemoryStorage();
  const clock = options.clock ?? Date.now;
  const ids = options.idGenerator ?? createIdGenerator(clock);
  const registry = compileRegistry();
  const idempotency = new IdempotencyCache({ clock });
  const locks = new ScopeLocks();
  const deps = { storage, ids, events: registry.events };

  async function execute(
    request: EmulatorRequest,
    method: HttpMethod,
    match: RouteMatch<Operation>,
    scope: EmulatorScope,
    requestId: string,
    idempotencyKey: string | undefined,
  ): Promise<IdempotentOutcome> {
    let started = false;
    try {
      const form = readParameters(method, request);
      const expand = stringListParam(form, 'expand') ?? [];
      delete form['expand'];
      const op = match.handler;
      const paths = validateExpand(registry.expandRules, op.returns, expand);
      const params = op.parse(form);
      const ctx = createContext(deps, { scope, requestId, idempotencyKey, now: Math.floor(clock() / 1000) });
      started = true;
      const result =
        method === 'GET'
          ? await op.run(ctx, params, match.params)
          : await locks.run(scopeKey(scope), () => op.run(ctx, params, match.params));
      const body =
        paths.length === 0
          ? result
          : await applyExpand(ctx, registry.expandRules, registry.idPrefixes, result, paths);
      return { response: { status: 200, body, headers: { 'request-id': requestId } }, save: true };
    } catch (error) {
      const response = errorResponse(error, requestId, request);
      return { response, save: started && response.status < 500 };
    }
  }

  function errorResponse(
    error: unknown,
    requestId: string,
    request: EmulatorRequest,
  ): EmulatorResponse & {
    headers: Record<string, string>;
  } {
    if (error instanceof ApiError || error instanceof CardError) {
      const headers = error instanceof ApiError ? error.headers : {};
      return { status: error.status, body: error.toJSON(), headers: { ...headers, 'request-id': requestId } };
    }
    options.onInternalError?.(error, request);
    const internal = internalError(requestId);
    return { status: internal.status, body: internal.toJSON(), headers: { 'request-id': requestId } };
  }

  return {
    storage,
    routes: registry.operations.map((op) => ({ method: op.method, path: op.path })),
    async handle(request) {
      const requestId = request.requestId ?? newRequestId();
      const method = request.method.toUpperCase();
      const match = isMethod(method) ? registry.router.match(method, request.path) : undefined;
      if (match === undefined)
        return errorResponse(unrecognizedUrl(method, request.path), requestId, request);
      const scope: EmulatorScope = { account: request.account, livemode: request.livemode };
      const key = method === 'POST' ? request.idempotencyKey : undefined;
      if (key === undefined || key === '') {
        return (await execute(request, method as HttpMethod, match, scope, requestId, undefined)).response;
      }
      try {
        const response = await idempotency.run(
          scopeKey(scope),
          key,
          `${method} ${request.path}\n${request.body}`,
          () => execute(request, method as HttpMethod, match, scope, requestId, key),
        );
        return { ...response, headers: { ...response.headers, 'request-id': requestId } };
      } catch (error) {
        return errorResponse(error, requestId, request);
      }
    },
  };
}

function isMethod(method: string): method is HttpMethod {
  return method === 'GET' || method === 'POST' || method === 'DELETE';
}

function scopeKey(scope: EmulatorScope): string {
  return `${scope.livemode ? 'live' : 'test'}:${scope.account}`;
}

/**
 * GET and DELETE take their parameters from the query string, POST from the form body
 * (as the official SDKs send them). Parameters in the other place are refused rather
 * than silently read or ignored, so a request can be read only one way.
 */
function readParameters(method: HttpMethod, request: EmulatorRequest): FormObject {
  const inQuery = method !== 'POST';
  const used = inQuery ? request.query : request.body;
  const other = inQuery ? request.body : request.query;
  if (other !== '') {
    throw invalidRequest(
      inQuery
        ? `${method} requests take their parameters in the query string, not the request body.`
        : 'POST requests take their parameters in the form body, not the query string.',
      { code: 'parameter_misplaced' },
    );
  }
  return parseForm(used, inQuery ? 'query' : 'body');
}

/** Serializes writes per scope, so read-modify-write operations never interleave. */
class ScopeLocks {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

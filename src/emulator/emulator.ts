import { parseBody } from '../core/params/body.js';
import { ParamError } from '../core/params/params.js';
import { type FormObject, type FormValue, paramError, parseForm, stringListParam } from '../http/form.js';
import { newRequestId } from '../http/request-id.js';
import { ApiError, internalError, invalidRequest } from '../http/stripe-error.js';
import { createContext, type EmulatorContext } from './context.js';
import { CardError, unrecognizedUrl } from './errors.js';
import { applyExpand, type ResolveRef, validateExpand } from './expand.js';
import { RawBody } from './generic/engine.js';
import { idFormat } from './generic/id-prefixes.js';
import type { FileValue } from './generic/validate.js';
import { IdempotencyCache, type IdempotentOutcome } from './idempotency.js';
import { createIdGenerator, type IdGenerator } from './ids.js';
import { createMemoryStorage } from './memory-storage.js';
import type { HttpMethod, Operation } from './operation.js';
import { type Coverage, compileRegistry } from './registry.js';
import type { RouteMatch } from './router.js';
import type { EmulatorScope, EmulatorStorage, StripeObject } from './storage.js';

/** One API call, as the gateway (in process) or the standalone server hands it over. */
export interface EmulatorRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/v1/customers/cus_123`. */
  readonly path: string;
  /** The raw query string without `?` (GET and DELETE parameters). */
  readonly query: string;
  /**
   * The raw body (POST parameters): `application/x-www-form-urlencoded`, or for an upload a
   * `multipart/form-data` body as a binary (latin1) string.
   */
  readonly body: string;
  /** The body's `Content-Type` (default: a form). */
  readonly contentType?: string;
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
  /** The JSON body: a Stripe object, a list, or `{error: {…}}`; raw bytes for a non-JSON answer (a PDF), with its `content-type` header. */
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
   * of the right type carrying that id (as stripe-mock does) instead of a 404, and nothing is
   * stored for it; lists and searches that find nothing answer one such object; a refusal
   * stripe-mock would not make (a business rule of a hand-written operation: an empty
   * balance, a missing price, a state transition) is answered as stripe-mock answers it,
   * statelessly. Parameters are still checked against the description (400
   * `parameter_unknown`, …), card declines (402) stay, and objects it creates are stored and
   * can be read back. Default false.
   */
  readonly stripeMock?: boolean;
}

/** A Stripe-like API that answers requests in process. */
export interface Emulator {
  handle(request: EmulatorRequest): Promise<EmulatorResponse>;
  /** Every method and path it serves (`/v1/customers/:id` style). */
  readonly routes: readonly { readonly method: HttpMethod; readonly path: string }[];
  /** Every operation of the API description and who serves it (a hand-written module or the generic engine). */
  readonly coverage: readonly Coverage[];
  readonly storage: EmulatorStorage;
  /** Created with `stripeMock: true` (the standalone server then also answers as stripe-mock does). */
  readonly stripeMock?: boolean;
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
  const stripeMock = options.stripeMock ?? false;
  const registry = compileRegistry(undefined, { stripeMock });
  const idempotency = new IdempotencyCache({ clock });
  const locks = new ScopeLocks();
  const deps = {
    storage,
    ids,
    events: registry.events,
    // Hand-written modules' objects get every field of their schema (the generic engine's have them).
    complete: (ctx: EmulatorContext, object: StripeObject) =>
      registry.handTypes.has(object.object) && object.object !== 'event'
        ? registry.generic.complete(ctx, object)
        : object,
  };

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
      const op = match.handler;
      const form = readParameters(method, request, op);
      const expand = stringListParam(form as FormObject, 'expand') ?? [];
      delete form['expand'];
      const paths = validateExpand(registry.expandRules, op.returns, expand);
      // stripe-mock mode: where a hand-written operation refuses what stripe-mock answers, the
      // generic operation for the same route answers instead, storing nothing.
      const fallback = stripeMock ? registry.fallbacks.get(op) : undefined;
      let serving = op;
      let params: unknown;
      try {
        params = op.parse(form as FormObject);
      } catch (error) {
        // A value the description allows and the module does not model: only the description counts.
        if (fallback === undefined || !(error instanceof ApiError)) throw error;
        params = fallback.parse(form as FormObject);
        serving = fallback;
      }
      const ctx = createContext(deps, { scope, requestId, idempotencyKey, now: Math.floor(clock() / 1000) });
      started = true;
      const run = async (): Promise<unknown> => {
        try {
          return await serving.run(ctx, params, match.params);
        } catch (error) {
          if (fallback === undefined || serving === fallback || !stripeMockAnswers(error)) throw error;
          return fallback.run(ctx, fallback.parse(form as FormObject), match.params);
        }
      };
      let result = method === 'GET' ? await run() : await locks.run(scopeKey(scope), run);
      if (stripeMock) result = oneItemAtLeast(ctx, op, result, form);
      if (result instanceof RawBody) {
        return {
          response: {
            status: 200,
            body: result.data,
            headers: { 'content-type': result.contentType, 'request-id': requestId },
          },
          save: true,
        };
      }
      const body =
        paths.length === 0
          ? result
          : await applyExpand(ctx, registry.expandRules, resolver(ctx), op.returns, result, paths);
      return { response: { status: 200, body, headers: { 'request-id': requestId } }, save: true };
    } catch (error) {
      const response = errorResponse(error, requestId, request);
      return { response, save: started && response.status < 500 };
    }
  }

  /** stripe-mock lists one made-up item when nothing matches (and no cursor was given): so does its mode. */
  function oneItemAtLeast(
    ctx: EmulatorContext,
    op: Operation,
    result: unknown,
    form: Readonly<Record<string, unknown>>,
  ): unknown {
    if (!('list' in op.returns) || typeof result !== 'object' || result === null) return result;
    const list = result as { object?: unknown; data?: unknown };
    if (list.object !== 'list' || !Array.isArray(list.data) || list.data.length > 0) return result;
    if (form['starting_after'] !== undefined || form['ending_before'] !== undefined) return result;
    const item = registry.generic.fixture(ctx, op.returns.list);
    return item === undefined ? result : { ...list, data: [item] };
  }

  /** Finds what an expanded id names: by its prefix first, then among every candidate type. */
  function resolver(ctx: EmulatorContext): ResolveRef {
    return async (types, id) => {
      const byPrefix = types.filter((type) => {
        const prefix = registry.idPrefixes.get(type) ?? idFormat(type)[0];
        return id.startsWith(`${prefix}_`);
      });
      for (const type of [...byPrefix, ...types.filter((t) => !byPrefix.includes(t))]) {
        if (type.startsWith('#')) continue;
        const found = await ctx.find(type, id);
        if (found !== undefined) return found;
      }
      if (!stripeMock) return undefined;
      const type = byPrefix[0] ?? types.find((t) => !t.startsWith('#'));
      return type === undefined ? undefined : registry.generic.fixture(ctx, type, id);
    };
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
    stripeMock,
    coverage: registry.coverage,
    routes: registry.operations.map((op) => ({ method: op.method, path: op.path })),
    async handle(request) {
      const requestId = request.requestId ?? newRequestId();
      const method = request.method.toUpperCase();
      // stripe-mock (like Stripe) reads `//v1/charges` as `/v1/charges`.
      const path = stripeMock ? request.path.replace(/\/{2,}/g, '/') : request.path;
      const match = isMethod(method) ? registry.router.match(method, path) : undefined;
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

/**
 * The refusals stripe-mock never makes, as a hand-written operation raises them while running:
 * an id it does not hold (404) and Stripe's business rules (400). Parameter checks happen
 * before (in `parse`), and card declines (402) are deliberate test inputs, so both stay.
 */
function stripeMockAnswers(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 404 || error.status === 400) &&
    error.body.type === 'invalid_request_error'
  );
}

function isMethod(method: string): method is HttpMethod {
  return method === 'GET' || method === 'POST' || method === 'DELETE';
}

function scopeKey(scope: EmulatorScope): string {
  return `${scope.livemode ? 'live' : 'test'}:${scope.account}`;
}

/**
 * GET and DELETE take their parameters from the query string, POST from the form body
 * (as the official SDKs send them), or a multipart body where the operation takes an upload.
 * Parameters in the other place are refused rather than silently read or ignored, so a
 * request can be read only one way.
 */
function readParameters(
  method: HttpMethod,
  request: EmulatorRequest,
  op: Operation,
): Record<string, FormValue | FileValue> {
  const inQuery = method !== 'POST';
  const body = request.body;
  const used = inQuery ? request.query : body;
  const other = inQuery ? body : request.query;
  if (other !== '') {
    throw invalidRequest(
      inQuery
        ? `${method} requests take their parameters in the query string, not the request body.`
        : 'POST requests take their parameters in the form body, not the query string.',
      { code: 'parameter_misplaced' },
    );
  }
  if (!inQuery && request.contentType !== undefined && /^\s*multipart\//i.test(request.contentType)) {
    let parsed: ReturnType<typeof parseBody>;
    try {
      parsed = parseBody(Buffer.from(request.body, 'latin1'), request.contentType, {
        multipart: op.multipart === true,
      });
    } catch (error) {
      if (error instanceof ParamError) throw paramError(error);
      throw error;
    }
    const form: Record<string, FormValue | FileValue> = { ...(parsed.params as FormObject) };
    if (parsed.file !== undefined) {
      form[parsed.file.name] = {
        kind: 'file',
        filename: parsed.file.filename,
        contentType: parsed.file.contentType,
        size: parsed.file.data.byteLength,
      };
    }
    return form;
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

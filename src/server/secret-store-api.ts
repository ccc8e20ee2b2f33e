import type { HttpMethod } from '../core/routes/format.js';
import {
  type AppSecretScope,
  deleteAppSecret,
  findAppSecret,
  listAppSecrets,
  type SecretCaller,
  setAppSecret,
} from '../domain/app-secrets.js';
import type { Domain } from '../domain/context.js';
import type { DataKeyring } from '../domain/data-keys.js';
import { isAppscopeError } from '../errors.js';
import type { Verdict } from '../gateway/authorize.js';
import type { LocalAnswer, LocalRoutes } from '../gateway/local-routes.js';
import { type FormObject, rejectUnknownParams, stringParam } from '../http/form.js';
import { ApiError, invalidRequest, parameterMissing } from '../http/stripe-error.js';
import { toApiError } from './errors.js';

/**
 * The Secret Store API, Stripe's shape (`stripe.apps.secrets.create`, `.find`, `.list`,
 * `.deleteWhere`), answered by appscope itself: the gateway authorizes each call like any other
 * (`secret_write`, through the route table and the one verdict) and hands the ones it lets
 * through to these routes instead of an upstream. See docs/secrets.md.
 */

type Operation = 'set' | 'find' | 'list' | 'delete';

const OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  ['POST /v1/apps/secrets', 'set'],
  ['GET /v1/apps/secrets/find', 'find'],
  ['GET /v1/apps/secrets', 'list'],
  ['POST /v1/apps/secrets/delete', 'delete'],
]);

/** The parameters each operation takes (anything else is `parameter_unknown`). */
const PARAMETERS: Readonly<Record<Operation, readonly string[]>> = {
  set: ['name', 'payload', 'scope', 'expires_at', 'expand'],
  find: ['name', 'scope', 'expand'],
  list: ['scope', 'limit', 'starting_after', 'ending_before', 'expand'],
  delete: ['name', 'scope', 'expand'],
};

/** Options of {@link secretStoreRoutes}. */
export interface SecretStoreOptions {
  /** The data keys; without them every call is a 503 (nothing can be encrypted or read). */
  readonly keys?: DataKeyring;
  /** Told of failures the caller only sees as a 500 or 503 (never with a payload in them). */
  readonly onError?: (error: unknown, requestId: string) => void;
}

/**
 * The Secret Store's routes for the gateway ({@link LocalRoutes}).
 * @example
 * registerGateway(app, { ...context, local: secretStoreRoutes(domain, { keys }) }, gatewayOptions);
 */
export function secretStoreRoutes(domain: Domain, options: SecretStoreOptions = {}): LocalRoutes {
  const { keys, onError } = options;
  return {
    // called for every allowed request: a prefix check first, a lookup only for these routes
    handles: (method: HttpMethod, route: string) =>
      route.startsWith('/v1/apps/secrets') && OPERATIONS.has(`${method} ${route}`),
    async answer(verdict: Verdict, requestId: string): Promise<LocalAnswer> {
      const operation = OPERATIONS.get(`${verdict.request!.method} ${verdict.resolved!.route}`)!;
      try {
        const caller = callerOf(verdict);
        if (keys === undefined) throw unavailable();
        return { status: 200, body: await run(domain, keys, operation, caller, verdict.request!.params) };
      } catch (error) {
        if (error instanceof ApiError)
          return { status: error.status, body: error.toJSON(), headers: error.headers };
        if (isAppscopeError(error, 'ERR_DATA_KEY_UNAVAILABLE')) {
          onError?.(error, requestId);
          const answer = unavailable();
          return { status: answer.status, body: answer.toJSON(), headers: answer.headers };
        }
        const { apiError, unexpected } = toApiError(error, requestId);
        if (unexpected) onError?.(error, requestId);
        return { status: apiError.status, body: apiError.toJSON(), headers: apiError.headers };
      }
    },
  };
}

/** The app calling: an install key's, or a platform app's acting on one account. */
function callerOf(verdict: Verdict): SecretCaller {
  const access = verdict.access!;
  if (access.kind !== 'install') {
    throw new ApiError(403, {
      type: 'invalid_request_error',
      code: 'app_key_required',
      message:
        "The Secret Store keeps the secrets of apps: call it with an app's key, an install's restricted key (`rk_…`) or a platform app's secret key with `Stripe-Account`. An account's own secret key is not an app's.",
    });
  }
  const principal = access.principal;
  return {
    app: principal.app,
    install: principal.install,
    account: access.account,
    livemode: access.livemode,
    key: principal.key,
  };
}

function unavailable(): ApiError {
  return new ApiError(
    503,
    {
      type: 'api_error',
      code: 'secret_store_unavailable',
      message:
        'The Secret Store is unavailable: this server does not hold the data key its secrets are encrypted with. The operator has been told; try again later.',
    },
    { 'stripe-should-retry': 'false' },
  );
}

async function run(
  domain: Domain,
  keys: DataKeyring,
  operation: Operation,
  caller: SecretCaller,
  params: FormObject,
): Promise<unknown> {
  rejectUnknownParams(params, PARAMETERS[operation]);
  const scope = scopeParam(params);
  switch (operation) {
    case 'set': {
      const expiresAt = integerParam(params, 'expires_at');
      return setAppSecret(domain, keys, {
        caller,
        name: requiredString(params, 'name'),
        payload: requiredString(params, 'payload'),
        scope,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
    }
    case 'find':
      return findAppSecret(domain, keys, {
        caller,
        name: requiredString(params, 'name'),
        scope,
        // `find` is how an app reads its secret: the payload is always in its answer
        // (`expand[]=payload`, which the Stripe SDK's examples send, is accepted and changes nothing)
        includePayload: true,
      });
    case 'list': {
      const limit = integerParam(params, 'limit');
      const startingAfter = stringParam(params, 'starting_after');
      const endingBefore = stringParam(params, 'ending_before');
      if (startingAfter !== undefined && endingBefore !== undefined) {
        throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
          code: 'parameters_exclusive',
          param: 'ending_before',
        });
      }
      const page = await listAppSecrets(domain, {
        caller,
        scope,
        ...(limit === undefined ? {} : { limit }),
        ...(startingAfter === undefined ? {} : { startingAfter }),
        ...(endingBefore === undefined ? {} : { endingBefore }),
      });
      return { object: 'list', url: '/v1/apps/secrets', has_more: page.has_more, data: page.data };
    }
    case 'delete':
      return deleteAppSecret(domain, { caller, name: requiredString(params, 'name'), scope });
  }
}

/** `scope[type]` (`account` or `user`) and, for `user`, `scope[user]`. */
function scopeParam(params: FormObject): AppSecretScope {
  const scope = params['scope'];
  if (scope === undefined || scope === '') throw parameterMissing('scope');
  if (typeof scope === 'string' || Array.isArray(scope)) {
    throw invalidRequest(
      'Invalid scope: send it as a hash, `scope[type]=account` or `scope[type]=user&scope[user]=usr_…`.',
      {
        code: 'parameter_invalid',
        param: 'scope',
      },
    );
  }
  for (const key of Object.keys(scope)) {
    if (key !== 'type' && key !== 'user') {
      throw invalidRequest(`Received unknown parameter: scope[${key}]`, {
        code: 'parameter_unknown',
        param: `scope[${key}]`,
      });
    }
  }
  const type = scope['type'];
  if (type === undefined || type === '') throw parameterMissing('scope[type]');
  if (type !== 'account' && type !== 'user') {
    throw invalidRequest('Invalid scope[type]: must be one of account, user.', {
      code: 'parameter_invalid',
      param: 'scope[type]',
    });
  }
  const user = scope['user'];
  if (type === 'account') {
    if (user !== undefined) {
      throw invalidRequest('`scope[user]` is given only with `scope[type]=user`.', {
        code: 'parameter_invalid',
        param: 'scope[user]',
      });
    }
    return { type: 'account' };
  }
  if (user === undefined || user === '') throw parameterMissing('scope[user]');
  if (typeof user !== 'string') {
    throw invalidRequest('Invalid scope[user]: must be a user id (`usr_…`).', {
      code: 'parameter_invalid',
      param: 'scope[user]',
    });
  }
  return { type: 'user', user };
}

/** A required string; an empty one is missing, as Stripe reads it. */
function requiredString(params: FormObject, name: string): string {
  const value = stringParam(params, name);
  if (value === undefined || value === '') throw parameterMissing(name);
  return value;
}

function integerParam(params: FormObject, name: string): number | undefined {
  const value = stringParam(params, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw invalidRequest(`Invalid integer: \`${name}\` must be a whole number.`, {
      code: 'parameter_invalid_integer',
      param: name,
    });
  }
  return Number(value);
}

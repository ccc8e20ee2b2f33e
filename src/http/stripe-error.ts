/**
 * Stripe-shaped API errors: `{"error": {"type", "code", "message", "param"?, …}}` with the
 * HTTP status the official SDKs map to their error classes (400/404 invalid request,
 * 401 authentication, 403 permission, 429 rate limit, 5xx API error).
 */
export type StripeErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'api_error'
  | 'idempotency_error';

export interface StripeErrorBody {
  readonly type: StripeErrorType;
  readonly code?: string;
  readonly message: string;
  readonly param?: string;
  readonly [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, body: StripeErrorBody, headers: Record<string, string> = {}) {
    // An ApiError is an answer to the caller, not a fault in appscope: nothing reads its stack.
    // Capturing one (V8 collects the frames when the error is made) was 7.4% of the samples
    // in a CPU profile of a gateway answering denials (docs/benchmarks.md), so none is captured.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(body.message);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  toJSON(): { error: StripeErrorBody } {
    return { error: this.body };
  }
}

export function invalidRequest(
  message: string,
  options: { code?: string; param?: string; status?: number } = {},
): ApiError {
  return new ApiError(options.status ?? 400, {
    type: 'invalid_request_error',
    ...(options.code ? { code: options.code } : {}),
    message,
    ...(options.param ? { param: options.param } : {}),
  });
}

export function parameterUnknown(param: string): ApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });
}

export function parameterMissing(param: string): ApiError {
  return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
}

export function parameterInvalid(param: string, message: string): ApiError {
  return invalidRequest(message, { code: 'parameter_invalid_string', param });
}

export function resourceMissing(kind: string, id: string, param = 'id'): ApiError {
  return invalidRequest(`No such ${kind}: '${id}'`, { code: 'resource_missing', param, status: 404 });
}

export function authenticationError(message: string): ApiError {
  return new ApiError(
    401,
    { type: 'authentication_error', message },
    { 'www-authenticate': 'Bearer realm="appscope"' },
  );
}

export function forbidden(message: string, code = 'secret_key_required'): ApiError {
  return new ApiError(403, { type: 'invalid_request_error', code, message });
}

export function internalError(requestId: string): ApiError {
  return new ApiError(500, {
    type: 'api_error',
    message: `An unexpected error occurred while processing the request (${requestId}). Nothing secret was logged; the operator can find it by this request id.`,
  });
}

export function serviceUnavailable(): ApiError {
  return new ApiError(
    503,
    {
      type: 'api_error',
      code: 'store_unavailable',
      message: 'The permission store is unavailable, so no request can be authorized. Try again shortly.',
    },
    { 'stripe-should-retry': 'true' },
  );
}

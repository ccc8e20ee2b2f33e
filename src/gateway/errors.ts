import { ApiError } from '../http/stripe-error.js';

/**
 * The gateway's own answers, Stripe-shaped. Every code here is listed in docs/gateway.md with
 * its status; the official SDKs pick their error class from the status alone (400/404
 * `StripeInvalidRequestError`, 401 `StripeAuthenticationError`, 403 `StripePermissionError`,
 * 5xx `StripeAPIError`).
 */
export type GatewayErrorCode =
  | 'request_malformed'
  | 'url_too_long'
  | 'method_override_refused'
  | 'body_not_allowed'
  | 'account_invalid'
  | 'stripe_account_required'
  | 'app_not_installed'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'mode_not_served';

/** 400 `invalid_request_error`: a request that could be read two ways, or not at all. */
export function malformed(message: string, code: GatewayErrorCode = 'request_malformed'): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', code, message });
}

/** 414: a path or query string past the gateway's limit. */
export function tooLong(what: 'path' | 'query string', limit: number): ApiError {
  return new ApiError(414, {
    type: 'invalid_request_error',
    code: 'url_too_long',
    message: `The request ${what} is longer than ${limit} bytes.`,
  });
}

/** 404 for a path no route matches: never forwarded. */
export function unrecognizedUrl(method: string, path: string, detail: string): ApiError {
  return new ApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${path}). ${detail}`,
  });
}

/** 403 `invalid_request_error` with a code. */
export function forbiddenAccount(message: string, code: GatewayErrorCode): ApiError {
  return new ApiError(403, { type: 'invalid_request_error', code, message });
}

/** 502: the upstream refused the connection, reset it, or sent something unreadable. */
export function upstreamUnavailable(): ApiError {
  return new ApiError(502, {
    type: 'api_error',
    code: 'upstream_unavailable',
    message: 'The upstream API could not be reached. The request may not have been processed; try again.',
  });
}

/** 504: the upstream did not answer in time. */
export function upstreamTimeout(timeoutMs: number): ApiError {
  return new ApiError(504, {
    type: 'api_error',
    code: 'upstream_timeout',
    message: `The upstream API did not answer within ${timeoutMs} ms. The request may have been processed; retry with the same Idempotency-Key.`,
  });
}

/** Errors an upstream raises, so the gateway can tell a timeout from a connection failure. */
export class UpstreamError extends Error {
  readonly kind: 'unavailable' | 'timeout';

  constructor(kind: 'unavailable' | 'timeout', options?: { cause?: unknown }) {
    super(kind === 'timeout' ? 'upstream timed out' : 'upstream unavailable', options);
    this.name = 'UpstreamError';
    this.kind = kind;
  }
}

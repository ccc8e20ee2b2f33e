import { type AppscopeError, httpStatusOf, isAppscopeError } from '../errors.js';
import { ApiError, internalError } from '../http/stripe-error.js';

/** Stripe error codes for appscope's domain codes, so SDK users see familiar `code`s. */
export const STRIPE_CODE: Partial<Record<AppscopeError['code'], string>> = {
  ERR_NOT_FOUND: 'resource_missing',
  ERR_PARAMETER_INVALID: 'parameter_invalid',
  ERR_MANIFEST_INVALID: 'manifest_invalid',
  ERR_FORBIDDEN: 'secret_key_required',
  ERR_MODE_MISMATCH: 'livemode_mismatch',
  ERR_ACCESS_TYPE_CHANGED: 'parameter_invalid',
  ERR_APP_ID_TAKEN: 'resource_already_exists',
  ERR_VERSION_EXISTS: 'resource_already_exists',
  ERR_VERSION_NOT_RELEASABLE: 'version_not_releasable',
  ERR_APP_NOT_RELEASED: 'app_not_released',
  ERR_ALREADY_INSTALLED: 'app_already_installed',
  ERR_INSTALL_INACTIVE: 'install_inactive',
  ERR_CONSENT_STALE: 'consent_stale',
  ERR_KEY_TYPE: 'parameter_invalid',
  ERR_KEY_NARROWING: 'permissions_not_granted',
  ERR_KEY_INACTIVE: 'key_inactive',
  ERR_LAST_ADMIN: 'last_admin',
  ERR_SECRET_LIMIT: 'secret_limit_exceeded',
  ERR_STORE_BUSY: 'lock_timeout',
};

/**
 * Turns any error into the Stripe-shaped answer the caller gets. Domain errors keep their
 * message and `param`; anything unexpected becomes a plain 500 that leaks nothing (the
 * request id lets the operator find the details in the log).
 */
export function toApiError(error: unknown, requestId: string): { apiError: ApiError; unexpected: boolean } {
  if (error instanceof ApiError) return { apiError: error, unexpected: false };
  if (isAppscopeError(error)) {
    const status = httpStatusOf(error.code);
    if (status >= 500 && error.code !== 'ERR_STORE_BUSY') {
      return { apiError: internalError(requestId), unexpected: true };
    }
    const param = (error as { param?: unknown }).param;
    // Stripe answers state conflicts with 400; the SDK maps 400 to StripeInvalidRequestError.
    const httpStatus = status === 409 ? 400 : status;
    const message =
      error.message.length > 0 ? error.message[0]!.toUpperCase() + error.message.slice(1) : error.message;
    return {
      apiError: new ApiError(httpStatus, {
        type: status === 503 ? 'api_error' : 'invalid_request_error',
        code: STRIPE_CODE[error.code] ?? error.code.toLowerCase().replace(/^err_/, ''),
        message,
        ...(typeof param === 'string' ? { param } : {}),
        ...(error.issues.length > 0 ? { issues: error.issues } : {}),
      }),
      unexpected: false,
    };
  }
  const fastifyCode = (error as { code?: unknown }).code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      apiError: new ApiError(413, {
        type: 'invalid_request_error',
        code: 'request_too_large',
        message: 'The request body is larger than this server accepts.',
      }),
      unexpected: false,
    };
  }
  if (
    fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ||
    fastifyCode === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'
  ) {
    // a Content-Type the server cannot even read (empty, `form`, a list of types): the same
    // answer the parameter parser gives a type it can read but does not take
    return {
      apiError: new ApiError(400, {
        type: 'invalid_request_error',
        code:
          fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'content_type_unsupported' : 'request_malformed',
        message:
          fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'Unsupported or malformed `Content-Type`: send parameters as `application/x-www-form-urlencoded` (UTF-8).'
            : `The request could not be read: ${(error as Error).message}`,
      }),
      unexpected: false,
    };
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return {
      apiError: new ApiError(statusCode, {
        type: 'invalid_request_error',
        message: `The request could not be read: ${(error as Error).message}`,
      }),
      unexpected: false,
    };
  }
  return { apiError: internalError(requestId), unexpected: true };
}

import type { Issue } from './core/issues.js';

/**
 * Every error appscope raises carries a stable `code`. Codes are documented in
 * docs/errors.md; the message is for people and may change, the code does not.
 */
export type ErrorCode =
  | 'ERR_FILE_READ'
  | 'ERR_FILE_WRITE'
  | 'ERR_CATALOG_INVALID'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_MANIFEST_EDIT'
  | 'ERR_UNKNOWN_PERMISSION'
  | 'ERR_UNKNOWN_ENDPOINT'
  | 'ERR_INVALID_REQUEST_LINE'
  | 'ERR_ROUTE_TABLE_INVALID'
  | 'ERR_ROUTE_MAPPING_INVALID'
  | 'ERR_OPENAPI_INVALID'
  | 'ERR_INVALID_EXPAND'
  | 'ERR_USAGE'
  | 'ERR_REMOTE'
  // domain and store (apps, installs, keys, audit)
  | 'ERR_NOT_FOUND'
  | 'ERR_PARAMETER_INVALID'
  | 'ERR_FORBIDDEN'
  | 'ERR_MODE_MISMATCH'
  | 'ERR_ACCESS_TYPE_CHANGED'
  | 'ERR_APP_ID_TAKEN'
  | 'ERR_VERSION_EXISTS'
  | 'ERR_VERSION_NOT_RELEASABLE'
  | 'ERR_APP_NOT_RELEASED'
  | 'ERR_ALREADY_INSTALLED'
  | 'ERR_INSTALL_INACTIVE'
  | 'ERR_CONSENT_STALE'
  | 'ERR_KEY_TYPE'
  | 'ERR_KEY_NARROWING'
  | 'ERR_KEY_INACTIVE'
  | 'ERR_LAST_ADMIN'
  // the Secret Store
  | 'ERR_SECRET_LIMIT'
  | 'ERR_SECRET_UNREADABLE'
  | 'ERR_DATA_KEY_UNAVAILABLE'
  | 'ERR_STORE'
  | 'ERR_STORE_BUSY'
  | 'ERR_STORE_CONFIG'
  | 'ERR_STORE_SCHEMA';

export class AppscopeError extends Error {
  readonly code: ErrorCode;
  /** Every issue found, for errors that come from author-facing validation. */
  readonly issues: readonly Issue[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { issues?: readonly Issue[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppscopeError';
    this.code = code;
    this.issues = options.issues ?? [];
  }
}

export function isAppscopeError(error: unknown, code?: ErrorCode): error is AppscopeError {
  return error instanceof AppscopeError && (code === undefined || error.code === code);
}

/**
 * HTTP status for the codes that edges (Install API, gateway) return to callers. Codes not
 * listed are internal failures and map to 500, so that internals never leak as a 4xx.
 */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_MANIFEST_INVALID: 400,
  ERR_UNKNOWN_PERMISSION: 400,
  ERR_USAGE: 400,
  ERR_NOT_FOUND: 404,
  ERR_PARAMETER_INVALID: 400,
  ERR_FORBIDDEN: 403,
  ERR_MODE_MISMATCH: 400,
  ERR_ACCESS_TYPE_CHANGED: 400,
  ERR_APP_ID_TAKEN: 409,
  ERR_VERSION_EXISTS: 409,
  ERR_VERSION_NOT_RELEASABLE: 409,
  ERR_APP_NOT_RELEASED: 409,
  ERR_ALREADY_INSTALLED: 409,
  ERR_INSTALL_INACTIVE: 409,
  ERR_CONSENT_STALE: 409,
  ERR_KEY_TYPE: 400,
  ERR_KEY_NARROWING: 400,
  ERR_KEY_INACTIVE: 409,
  ERR_LAST_ADMIN: 409,
  ERR_SECRET_LIMIT: 400,
  ERR_DATA_KEY_UNAVAILABLE: 503,
  ERR_STORE_BUSY: 503,
};

/**
 * The HTTP status an edge should answer with for an error code (500 for internal failures).
 * @example
 * httpStatusOf('ERR_NOT_FOUND'); // 404
 */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 500;
}

import type { Issue } from './core/issues.js';

/**
 * Every error appscope raises carries a stable `code`. Codes are documented in
 * docs/errors.md; the message is for people and may change, the code does not.
 */
export type ErrorCode =
  | 'ERR_FILE_READ'
  | 'ERR_FILE_WRITE'
  | 'ERR_JSON_PARSE'
  | 'ERR_CATALOG_INVALID'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_MANIFEST_EDIT'
  | 'ERR_UNKNOWN_PERMISSION'
  | 'ERR_UNKNOWN_ENDPOINT'
  | 'ERR_INVALID_REQUEST_LINE'
  | 'ERR_ROUTE_TABLE_INVALID'
  | 'ERR_USAGE';

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

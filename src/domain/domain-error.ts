import type { Issue } from '../core/issues.js';
import { AppscopeError, type ErrorCode } from '../errors.js';

/**
 * An error from a domain operation: a stable `code`, a message for people (lowercase, user
 * input in backticks) and, when one input caused it, the `param` to blame (Stripe's
 * `error.param`, e.g. `app` or `permissions[1]`).
 */
export class DomainError extends AppscopeError {
  readonly param: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { param?: string; issues?: readonly Issue[]; cause?: unknown } = {},
  ) {
    super(code, message, {
      ...(options.issues === undefined ? {} : { issues: options.issues }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'DomainError';
    this.param = options.param;
  }
}

/**
 * `no such install: \`appinst_…\`` — the same whether the object does not exist or belongs to
 * another account, so that nothing about other accounts leaks.
 */
export function notFound(what: string, id: string, param?: string): DomainError {
  return new DomainError('ERR_NOT_FOUND', `no such ${what}: \`${id}\``, param === undefined ? {} : { param });
}

/** `ERR_PARAMETER_INVALID` blaming `param`. */
export function invalidParameter(param: string, message: string): DomainError {
  return new DomainError('ERR_PARAMETER_INVALID', message, { param });
}

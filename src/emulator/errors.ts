import { ApiError, invalidRequest } from '../http/stripe-error.js';

/**
 * Errors the emulator raises beyond the shared Stripe-shaped ones in
 * `src/http/stripe-error.ts`, each with Stripe's status, code and wording.
 */

/** 404 for a method and path the emulator does not serve, in Stripe's words. */
export function unrecognizedUrl(method: string, path: string): ApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    { status: 404 },
  );
}

/** 400 for an `expand` path that names a field that is not an expandable reference. */
export function cannotExpand(path: string): ApiError {
  return invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
}

/** 400 for an operation the object's current state does not allow. */
export function unexpectedState(message: string, code: string, param?: string): ApiError {
  return invalidRequest(message, param === undefined ? { code } : { code, param });
}

/** 400 when the account's available balance cannot cover a payout or transfer. */
export function balanceInsufficient(message: string): ApiError {
  return invalidRequest(message, { code: 'balance_insufficient' });
}

/** 400 `idempotency_error`: a key reused with a different request. */
export function idempotencyMismatch(key: string): ApiError {
  return new ApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

/**
 * A card decline (HTTP 402, `type: card_error`), which the SDK raises as
 * `StripeCardError`. Kept apart from {@link ApiError}, whose type list has no card errors.
 */
export class CardError extends Error {
  readonly status = 402;
  readonly body: Readonly<Record<string, unknown>>;

  constructor(body: { message: string; code: string; [extra: string]: unknown }) {
    super(body.message);
    this.name = 'CardError';
    this.body = { type: 'card_error', ...body };
  }

  toJSON(): { error: Readonly<Record<string, unknown>> } {
    return { error: this.body };
  }
}

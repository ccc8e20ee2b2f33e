/**
 * What the gateway tells its decision sink. These types belong to the gateway (the layer that
 * emits them); the decision log, the store and the metrics implement or read them.
 */

/**
 * One gateway decision about an authenticated caller, as the decision log, metrics and
 * `appscope logs` see it. Never holds a secret: keys appear only as their masked hint.
 */
export interface DecisionRecord {
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly requestId: string;
  readonly account: string | null;
  readonly install: string | null;
  readonly app: string | null;
  /** Masked key, e.g. `rk_test_***…abcd`. */
  readonly keyHint: string | null;
  readonly livemode: boolean;
  readonly method: string;
  /** Route template, e.g. `/v1/customers/{customer}`; null when no route matched. */
  readonly route: string | null;
  readonly path: string;
  /** The requirement: each group's alternatives. */
  readonly requirement: readonly (readonly string[])[];
  /** `allowed`, `denied`, or `shadow_denied` (would have been denied; forwarded in shadow mode). */
  readonly outcome: 'allowed' | 'denied' | 'shadow_denied';
  /** Unmet groups' alternatives (empty when allowed). */
  readonly missing: readonly (readonly string[])[];
  /** HTTP status returned to the caller, when known. */
  readonly status: number | null;
  /** Time spent deciding and answering, in milliseconds. */
  readonly latencyMs: number;
}

/**
 * Why a request was refused before any caller was established. Such requests are counted
 * (metrics, and one aggregated row per minute, reason and client address), never stored one
 * row each: a flood of bad keys cannot grow the decision log without bound.
 * - `missing_key`: no `Authorization` header;
 * - `malformed_authorization`: an `Authorization` header that is not `Bearer <key>` / Basic `<key>:`;
 * - `invalid_key`: a key that is malformed, unknown, revoked, expired, or of an uninstalled app;
 * - `rate_limited`: refused with a 429 after repeated failures from the same address;
 * - `malformed_request`: refused by request hygiene before the key was looked at.
 */
export type UnauthenticatedReason =
  | 'missing_key'
  | 'malformed_authorization'
  | 'invalid_key'
  | 'rate_limited'
  | 'malformed_request';

/** One request refused before authentication (see {@link UnauthenticatedReason}). */
export interface UnauthenticatedRequest {
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly reason: UnauthenticatedReason;
  /** The client's address as the socket reports it (`127.0.0.1`, `::1`). */
  readonly address: string;
  /** HTTP status answered (401, 400 or 429). */
  readonly status: number;
}

/** Where the gateway sends decisions: both calls must return at once (batching happens behind them). */
export interface DecisionSink {
  record(entry: DecisionRecord): void;
  /** Counts a request refused before authentication; aggregated, never stored one row each. */
  recordUnauthenticated(entry: UnauthenticatedRequest): void;
}

/** A sink that keeps nothing (tests that do not look at decisions). */
export const NO_DECISIONS: DecisionSink = Object.freeze({
  record: () => {},
  recordUnauthenticated: () => {},
});

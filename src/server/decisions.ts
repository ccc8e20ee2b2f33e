/**
 * One gateway decision, as the decision log, metrics and `appscope logs` see it. Never holds a
 * secret: keys appear only as their masked hint.
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

/** Where the gateway sends decisions: must return at once (batching happens behind it). */
export interface DecisionSink {
  record(entry: DecisionRecord): void;
}

/** A sink that keeps nothing (tests that do not look at decisions). */
export const NO_DECISIONS: DecisionSink = Object.freeze({ record: () => {} });

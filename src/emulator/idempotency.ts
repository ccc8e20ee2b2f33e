import { invalidRequest } from '../http/stripe-error.js';
import { idempotencyMismatch } from './errors.js';

/** A response the emulator can replay. */
export interface ReplayableResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** The outcome of running a request: its response, and whether Stripe would save it for replay. */
export interface IdempotentOutcome {
  readonly response: ReplayableResponse;
  /** False when the request failed before it started (validation) or with a 5xx: such results are not saved. */
  readonly save: boolean;
}

interface Entry {
  readonly fingerprint: string;
  readonly expiresAt: number;
  readonly outcome: Promise<IdempotentOutcome>;
}

/** How long a key is remembered (Stripe: at least 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Stripe's limit on key length. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * Remembers POST results by idempotency key (per account and mode, keyed by the caller):
 * the same key with the same request replays the first response (with
 * `Idempotent-Replayed: true` and `Original-Request`); the same key with a different
 * request is a 400 `idempotency_error`. A request still in flight is awaited, not re-run.
 * Memory is bounded: the oldest keys are forgotten first.
 */
export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #clock: () => number;

  constructor(options: { maxEntries?: number; clock?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? 50_000;
    this.#clock = options.clock ?? Date.now;
  }

  async run(
    scopeKey: string,
    key: string,
    fingerprint: string,
    execute: () => Promise<IdempotentOutcome>,
  ): Promise<ReplayableResponse> {
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw invalidRequest(
        `Idempotency keys can be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long; this one has ${key.length}.`,
        { code: 'idempotency_key_too_long' },
      );
    }
    const id = `${scopeKey}\u0000${key}`;
    const now = this.#clock();
    const existing = this.#entries.get(id);
    if (existing !== undefined && existing.expiresAt > now) {
      if (existing.fingerprint !== fingerprint) throw idempotencyMismatch(key);
      const previous = await existing.outcome.catch(() => undefined);
      if (previous?.save) {
        const original = previous.response.headers['request-id'];
        return {
          status: previous.response.status,
          body: previous.response.body,
          headers: {
            ...previous.response.headers,
            'idempotent-replayed': 'true',
            ...(original === undefined ? {} : { 'original-request': original }),
          },
        };
      }
    }
    const outcome = execute();
    const entry: Entry = { fingerprint, expiresAt: now + IDEMPOTENCY_TTL_MS, outcome };
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    this.#evict();
    try {
      const result = await outcome;
      if (!result.save && this.#entries.get(id) === entry) this.#entries.delete(id);
      return result.response;
    } catch (error) {
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
      throw error;
    }
  }

  #evict(): void {
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) return;
      this.#entries.delete(oldest.value);
    }
  }
}

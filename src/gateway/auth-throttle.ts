import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../http/stripe-error.js';

/**
 * Rate limiting of failed authentication: an address that keeps presenting bad keys is refused
 * with a 429 and `Retry-After` before its next key is even looked up. A flood of bad keys then
 * costs one map lookup per request instead of a hash and a store lookup, and the decision log
 * counts it (reason `rate_limited`) instead of growing.
 *
 * Counting is `rate-limiter-flexible`'s `RateLimiterMemory` (a fixed window per address, and a
 * block once the limit is passed; per process, in memory). Its answers are promises; the
 * request path must not wait for one, so the throttle keeps a small map of the addresses the
 * library has blocked, with the time each block ends, and {@link AuthThrottle.retryAfter}
 * answers from that map alone.
 */

/** Options of {@link createAuthThrottle}; each has a default. */
export interface AuthThrottleOptions {
  /** Failed authentications from one address within the window before it is blocked (default 20). */
  readonly failures?: number;
  /** The window failures are counted over, in seconds (default 60). */
  readonly windowSeconds?: number;
  /** How long a blocked address is refused, in seconds (default 60). */
  readonly blockSeconds?: number;
  /** Most addresses remembered as blocked at once (default 100 000); the oldest blocks go first past it. */
  readonly maxBlocked?: number;
  /** Milliseconds since the epoch (default `Date.now`): when a block starts. */
  readonly clock?: () => number;
}

/** The defaults: 20 failures in 60 s block an address for 60 s. */
export const AUTH_THROTTLE_DEFAULTS = Object.freeze({
  failures: 20,
  windowSeconds: 60,
  blockSeconds: 60,
  maxBlocked: 100_000,
});

/** Counts failed authentications per client address and says when to refuse one. */
export interface AuthThrottle {
  /**
   * Seconds `address` must wait before it may authenticate again (rounded up), 0 when it is
   * not blocked. Synchronous: a map lookup, for the hot path. `now` defaults to the clock.
   */
  retryAfter(address: string, now?: number): number;
  /**
   * Counts a failed authentication from `address`. Fire-and-forget: the returned promise never
   * rejects and need not be awaited (tests await it to see the block take effect).
   */
  failed(address: string): Promise<void>;
  /** How many addresses are blocked now (for metrics and tests). */
  blocked(now?: number): number;
}

/**
 * Creates a throttle; options are validated once, here.
 * @example
 * const throttle = createAuthThrottle(); // 20 failures in 60 s → blocked for 60 s
 * const wait = throttle.retryAfter(request.socket.remoteAddress ?? '');
 * if (wait > 0) throw rateLimitedError(wait);
 * // … the key is unknown:
 * void throttle.failed(address);
 */
export function createAuthThrottle(options: AuthThrottleOptions = {}): AuthThrottle {
  const failures = positiveInteger(options.failures, AUTH_THROTTLE_DEFAULTS.failures, 'failures');
  const windowSeconds = positiveInteger(
    options.windowSeconds,
    AUTH_THROTTLE_DEFAULTS.windowSeconds,
    'windowSeconds',
  );
  const blockSeconds = positiveInteger(
    options.blockSeconds,
    AUTH_THROTTLE_DEFAULTS.blockSeconds,
    'blockSeconds',
  );
  const maxBlocked = positiveInteger(options.maxBlocked, AUTH_THROTTLE_DEFAULTS.maxBlocked, 'maxBlocked');
  const clock = options.clock ?? Date.now;
  const limiter = new RateLimiterMemory({
    points: failures,
    duration: windowSeconds,
    blockDuration: blockSeconds,
  });
  /** Blocked addresses and when each block ends (ms), oldest block first. */
  const blockedUntil = new Map<string, number>();

  const block = (address: string, ms: number): void => {
    blockedUntil.delete(address); // re-inserted last: the map stays in order of blocking
    while (blockedUntil.size >= maxBlocked) {
      const oldest = blockedUntil.keys().next().value;
      if (oldest === undefined) break;
      blockedUntil.delete(oldest);
    }
    blockedUntil.set(address, clock() + ms);
  };

  return {
    retryAfter(address, now = clock()) {
      const until = blockedUntil.get(address);
      if (until === undefined) return 0;
      if (until <= now) {
        blockedUntil.delete(address);
        return 0;
      }
      return Math.ceil((until - now) / 1000);
    },
    async failed(address) {
      try {
        await limiter.consume(address);
      } catch (result) {
        // The library rejects with its result when the address has used up its points (and
        // blocks it for blockSeconds); anything else would be a bug in it: never the caller's.
        if (result instanceof RateLimiterRes) block(address, result.msBeforeNext);
      }
    },
    blocked(now = clock()) {
      let count = 0;
      for (const until of blockedUntil.values()) if (until > now) count++;
      return count;
    },
  };
}

/**
 * The 429 a blocked address gets, Stripe-shaped, with `Retry-After` in seconds.
 * @example
 * rateLimitedError(42).toJSON();
 * // { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many failed authentication attempts from this address: retry after 42 seconds' } }
 */
export function rateLimitedError(retryAfterSeconds: number): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new ApiError(
    429,
    {
      type: 'invalid_request_error',
      code: 'rate_limit',
      message: `Too many failed authentication attempts from this address: retry after ${seconds} second${seconds === 1 ? '' : 's'}`,
    },
    { 'retry-after': String(seconds) },
  );
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`auth throttle: \`${name}\` must be a positive integer, not \`${String(value)}\``);
  }
  return value;
}

import { describe, expect, it } from 'vitest';
import {
  AUTH_THROTTLE_DEFAULTS,
  createAuthThrottle,
  rateLimitedError,
} from '../../src/gateway/auth-throttle.js';

// A fake clock decides when blocks end: nothing here waits or asserts on wall-clock time.
function fakeClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('auth throttle (failed authentication per address)', () => {
  it('blocks an address once it passes the limit, and only that address', async () => {
    const clock = fakeClock();
    const throttle = createAuthThrottle({
      failures: 3,
      windowSeconds: 60,
      blockSeconds: 30,
      clock: clock.now,
    });
    for (let i = 0; i < 3; i++) await throttle.failed('10.0.0.1');
    expect(throttle.retryAfter('10.0.0.1')).toBe(0); // three failures are allowed
    await throttle.failed('10.0.0.1');
    expect(throttle.retryAfter('10.0.0.1')).toBe(30);
    expect(throttle.retryAfter('10.0.0.2')).toBe(0);
    expect(throttle.blocked()).toBe(1);
  });

  it('counts down Retry-After on its clock, and lets the address in when the block ends', async () => {
    const clock = fakeClock();
    const throttle = createAuthThrottle({ failures: 1, blockSeconds: 60, clock: clock.now });
    await throttle.failed('::1');
    await throttle.failed('::1');
    expect(throttle.retryAfter('::1')).toBe(60);
    clock.advance(59_001);
    expect(throttle.retryAfter('::1')).toBe(1);
    clock.advance(999);
    expect(throttle.retryAfter('::1')).toBe(0);
    expect(throttle.blocked()).toBe(0);
    // an explicit `now` wins over the clock
    await throttle.failed('192.0.2.1');
    await throttle.failed('192.0.2.1');
    expect(throttle.retryAfter('192.0.2.1', clock.now() + 30_000)).toBe(30);
  });

  it('never lets failed() reject, however often it is called', async () => {
    const throttle = createAuthThrottle({ failures: 2 });
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => throttle.failed('10.1.1.1')));
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(throttle.retryAfter('10.1.1.1')).toBeGreaterThan(0);
  });

  it('remembers at most maxBlocked addresses, dropping the oldest block first', async () => {
    const throttle = createAuthThrottle({ failures: 1, maxBlocked: 2 });
    for (const address of ['a', 'b', 'c']) {
      await throttle.failed(address);
      await throttle.failed(address);
    }
    expect(['a', 'b', 'c'].map((address) => throttle.retryAfter(address) > 0)).toEqual([false, true, true]);
  });

  it('has sane defaults and validates its options once, when created', () => {
    expect(AUTH_THROTTLE_DEFAULTS).toMatchObject({ failures: 20, windowSeconds: 60, blockSeconds: 60 });
    expect(() => createAuthThrottle({ failures: 0 })).toThrow(
      'auth throttle: `failures` must be a positive integer, not `0`',
    );
    expect(() => createAuthThrottle({ windowSeconds: 1.5 })).toThrow(
      'auth throttle: `windowSeconds` must be a positive integer, not `1.5`',
    );
    expect(() => createAuthThrottle({ blockSeconds: -1 })).toThrow(
      'auth throttle: `blockSeconds` must be a positive integer, not `-1`',
    );
  });

  it('builds the Stripe-shaped 429 with Retry-After', () => {
    const error = rateLimitedError(42);
    expect(error.status).toBe(429);
    expect(error.headers).toEqual({ 'retry-after': '42' });
    expect(error.toJSON()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many failed authentication attempts from this address: retry after 42 seconds',
      },
    });
    expect(rateLimitedError(0.2).toJSON().error.message).toBe(
      'Too many failed authentication attempts from this address: retry after 1 second',
    );
    expect(rateLimitedError(0.2).headers).toEqual({ 'retry-after': '1' });
  });
});

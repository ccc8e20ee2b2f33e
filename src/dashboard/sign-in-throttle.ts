/**
 * Slows down password guessing. Failed sign-ins are counted over a window per email and client
 * address, per email alone, and per address alone; past a limit, sign-ins that match it are
 * refused until the window has passed, whether the password is right or not.
 *
 * The limits are layered so that guessing is bounded without making lockouts cheap: the tight
 * one needs both the email and the address (so a stranger elsewhere cannot lock a user out in
 * five tries), the per-email one bounds guessing spread over many addresses, and the per-address
 * one is high because many people may share an address (an office, a proxy). Counters live in
 * memory, per process, and at most 10,000 are kept.
 */

/** Limits of {@link SignInThrottle}. */
export interface ThrottleLimits {
  /** Failures of one email from one address within the window (default 5). */
  readonly perEmailAndAddress: number;
  /** Failures of one email from any address within the window (default 20). */
  readonly perEmail: number;
  /** Failures from one address, any email, within the window (default 100). */
  readonly perAddress: number;
  /** The window, in milliseconds (default 15 minutes). */
  readonly windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = Object.freeze({
  perEmailAndAddress: 5,
  perEmail: 20,
  perAddress: 100,
  windowMs: 15 * 60 * 1000,
});

const MAX_ENTRIES = 10_000;

/** Counts failed sign-ins and says when to refuse. */
export class SignInThrottle {
  readonly #limits: ThrottleLimits;
  readonly #clock: () => number;
  readonly #failures = new Map<string, number[]>();

  constructor(limits: Partial<ThrottleLimits> = {}, clock: () => number = Date.now) {
    this.#limits = Object.freeze({ ...DEFAULT_THROTTLE, ...limits });
    this.#clock = clock;
  }

  /** Seconds until a sign-in for `email` from `address` is accepted again, or 0 when it is now. */
  retryAfter(email: string, address: string): number {
    const now = this.#clock();
    const wait = Math.max(...this.#keys(email, address).map(([key, limit]) => this.#wait(key, limit, now)));
    return Math.ceil(wait / 1000);
  }

  /** Records a failed sign-in. */
  fail(email: string, address: string): void {
    const now = this.#clock();
    for (const [key] of this.#keys(email, address)) {
      const recent = (this.#failures.get(key) ?? []).filter((t) => now - t < this.#limits.windowMs);
      recent.push(now);
      this.#failures.delete(key); // re-insert: the map stays in least-recently-failed order
      this.#failures.set(key, recent);
    }
    while (this.#failures.size > MAX_ENTRIES) {
      const oldest = this.#failures.keys().next().value;
      if (oldest === undefined) break;
      this.#failures.delete(oldest);
    }
  }

  /** Forgets an email's failures from an address after it signed in there. */
  succeed(email: string, address: string): void {
    this.#failures.delete(`ea:${email}\u0000${address}`);
  }

  #keys(email: string, address: string): [string, number][] {
    return [
      [`ea:${email}\u0000${address}`, this.#limits.perEmailAndAddress],
      [`e:${email}`, this.#limits.perEmail],
      [`a:${address}`, this.#limits.perAddress],
    ];
  }

  #wait(key: string, limit: number, now: number): number {
    const recent = (this.#failures.get(key) ?? []).filter((t) => now - t < this.#limits.windowMs);
    if (recent.length < limit) return 0;
    return (recent[recent.length - limit] ?? now) + this.#limits.windowMs - now;
  }
}

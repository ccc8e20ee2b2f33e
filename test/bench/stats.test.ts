import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, medianInterval } from '../../bench/stats.js';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('medianInterval', () => {
  // n values, n … 1: the value of rank r is r
  const ranks = (n: number) => medianInterval(Array.from({ length: n }, (_, i) => n - i));

  it('picks the order statistics of the binomial table (n = 16: the 4th and 13th; n = 100: the 40th and 61st)', () => {
    // P(X ≤ 3) for X ~ Binomial(16, ½) is (1 + 16 + 120 + 560) / 2^16
    expect(ranks(16)).toEqual({ low: 4, high: 13, coverage: 1 - (2 * 697) / 65536 });
    const hundred = ranks(100);
    expect([hundred.low, hundred.high]).toEqual([40, 61]);
    expect(hundred.coverage).toBeGreaterThanOrEqual(0.95);
    expect(hundred.coverage).toBeLessThan(0.97);
  });

  it('gives the whole range, with its lower coverage, when there are too few values', () => {
    expect(ranks(5)).toEqual({ low: 1, high: 5, coverage: 1 - 2 / 32 });
    expect(ranks(1)).toEqual({ low: 1, high: 1, coverage: 0 });
    expect(medianInterval([]).coverage).toBe(0);
  });

  it('always holds the sample median, and reaches the confidence asked once there are enough values (9 for 99%)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(0.8, 0.9, 0.95, 0.99),
        (values, confidence) => {
          const { low, high, coverage } = medianInterval(values, confidence);
          const m = median(values);
          expect(low).toBeLessThanOrEqual(m);
          expect(high).toBeGreaterThanOrEqual(m);
          if (values.length >= 9) expect(coverage).toBeGreaterThanOrEqual(confidence);
        },
      ),
    );
  });

  it('covers the true median about as often as it says (simulated rounds of skewed noise)', () => {
    // a seeded generator: the same draws every run
    let state = 12345;
    const uniform = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    // exponential noise (skewed, like a machine that is sometimes much slower): median ln 2
    const trueMedian = Math.LN2;
    const trials = 4000;
    let covered = 0;
    let claimed = 0;
    for (let t = 0; t < trials; t++) {
      const rounds = Array.from({ length: 16 }, () => -Math.log(1 - uniform()));
      const { low, high, coverage } = medianInterval(rounds);
      if (low <= trueMedian && trueMedian <= high) covered++;
      claimed = coverage;
    }
    // 4000 trials: the observed rate is within ±1.5 points of 97.9% (about 5 standard errors)
    expect(Math.abs(covered / trials - claimed)).toBeLessThan(0.015);
  });
});

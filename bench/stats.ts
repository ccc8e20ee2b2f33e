/**
 * The statistics the gateway benchmark reports: the median of per-round figures, and how far
 * that median can be trusted on a noisy machine.
 */

/** The median of `values` (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A confidence interval of a median, and the confidence it actually has. */
export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** The probability that the interval holds the true median (at least `confidence` when n allows). */
  readonly coverage: number;
}

/**
 * A distribution-free confidence interval for the median of whatever produced `values`, from
 * their order statistics: the k-th smallest to the k-th largest, with the largest k for which
 * the chance that fewer than k values fall below the true median, on either side, is at most
 * (1 − confidence) / 2. The count of values below the median is Binomial(n, ½), so this assumes
 * nothing about the shape of the noise, only that rounds are independent. Too few values for
 * the confidence asked give the whole range and say its lower coverage (5 values: 93.75%).
 * @example
 * medianInterval([81.6, 91.5, 78.3, 94.5, 97.3, 96.1]) // { low: 78.3, high: 97.3, coverage: 0.96875 }
 */
export function medianInterval(values: readonly number[], confidence = 0.95): MedianInterval {
  const n = values.length;
  if (n === 0) return { low: Number.NaN, high: Number.NaN, coverage: 0 };
  const sorted = [...values].sort((x, y) => x - y);
  // below[j] = P(X ≤ j) for X ~ Binomial(n, ½), summed term by term
  let term = 0.5 ** n;
  let below = term;
  let k = 1; // the interval is sorted[k - 1] … sorted[n - k]
  let coverage = 1 - 2 * below;
  for (let j = 1; j < n / 2; j++) {
    term = (term * (n - j + 1)) / j;
    const next = below + term;
    if (1 - 2 * next < confidence) break;
    below = next;
    k = j + 1;
    coverage = 1 - 2 * below;
  }
  return { low: sorted[k - 1]!, high: sorted[n - k]!, coverage };
}

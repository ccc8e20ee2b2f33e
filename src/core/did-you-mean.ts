import { distance } from 'fastest-levenshtein';

/**
 * The closest candidate to `input`, if it is close enough to be a plausible typo:
 * at most a third of the input's length in edits (and at least 2), or a candidate
 * that differs only by case or separators.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const normalized = normalize(input);
  const limit = Math.max(2, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (normalize(candidate) === normalized) return candidate;
    const d = distance(input, candidate);
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

function normalize(value: string): string {
  return value.toLowerCase().replace(/[\s_.-]+/g, '');
}

import type { Catalog } from '../catalog/catalog.js';

/**
 * The exact search behind {@link minimalSet}: given the groups still to satisfy, find the set of
 * permissions S with the smallest effective access |base ∪ closure(S)|, then the fewest names,
 * then the alphabetically first sorted list of names. Internal: the public entry is `minimalSet`.
 *
 * Everything is a bitset over catalog indices (`Uint32Array`, one bit per permission), so a
 * catalog of ~100 permissions costs 4 words per set.
 *
 * ## Why it is exact
 *
 * Write `sat(G)` for the permissions whose closure meets group G's alternatives: S satisfies G iff
 * S ∩ sat(G) ≠ ∅. The search branches on an unsatisfied group G, trying each candidate q of
 * sat(G) in turn. Any feasible S contains some q ∈ sat(G), so following S's own members from the
 * root always reaches a leaf T ⊆ S that satisfies every group; closure(T) ⊆ closure(S) and
 * |T| ≤ |S|, so T is at least as good on the first two keys, and when S is optimal T = S. The
 * optimum is therefore a leaf of the search tree. Two refinements keep that argument:
 * - after exploring candidate q, its siblings exclude q (solutions containing q were all in q's
 *   subtree — the same argument applied from the node that chose q);
 * - a subtree is cut only when a lower bound shows every leaf below it is strictly worse on
 *   (closure size, count). Ties on both keys are searched and decided by name, so the
 *   alphabetical tie-break is exact too.
 * Lower bounds: every leaf below a node has closure ⊇ C ∪ core(G) for each open group G, where
 * core(G) is the intersection of the closures of sat(G) (whichever candidate satisfies G brings
 * at least that); and it has at least one more member per open group in a family of open groups
 * with pairwise disjoint candidate sets.
 */

/** A catalog's closure rows as bitsets, computed once per catalog. */
export interface CompiledCatalog {
  readonly size: number;
  readonly words: number;
  /** closure of each permission, itself included */
  readonly closure: readonly Uint32Array[];
  /** per permission i, every permission whose closure contains i (i included) */
  readonly satisfiers: readonly Uint32Array[];
  /** position of each permission's name in alphabetical order */
  readonly rank: readonly number[];
}

const compiled = new WeakMap<Catalog, CompiledCatalog>();

/** The bitset form of a catalog, built on first use and cached with the catalog. */
export function compileForSearch(catalog: Catalog): CompiledCatalog {
  const hit = compiled.get(catalog);
  if (hit !== undefined) return hit;
  const size = catalog.size;
  const words = Math.max(1, Math.ceil(size / 32));
  const closure: Uint32Array[] = [];
  const satisfiers: Uint32Array[] = [];
  for (let i = 0; i < size; i++) satisfiers.push(new Uint32Array(words));
  for (let i = 0; i < size; i++) {
    const row = new Uint32Array(words);
    catalog.closureOf(i).orInto(row);
    closure.push(row);
    forEachBit(row, (j) => setBit(satisfiers[j]!, i));
  }
  const byName = catalog.permissions.map((p) => p.index).sort((a, b) => compareNames(catalog, a, b));
  const rank = new Array<number>(size);
  byName.forEach((index, position) => {
    rank[index] = position;
  });
  const result: CompiledCatalog = { size, words, closure, satisfiers, rank };
  compiled.set(catalog, result);
  return result;
}

function compareNames(catalog: Catalog, a: number, b: number): number {
  const x = catalog.nameOf(a);
  const y = catalog.nameOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One group to satisfy, in bitset form. */
export interface SearchGroup {
  /** the group's alternatives (known catalog permissions) */
  readonly members: Uint32Array;
  /** permissions whose closure meets `members`: holding any one satisfies the group */
  readonly sat: Uint32Array;
  /** what every satisfier's closure contains: the intersection of their closures */
  readonly core: Uint32Array;
}

/** Builds the bitset form of a group from its known catalog indices (at least one). */
export function searchGroup(cat: CompiledCatalog, indices: readonly number[]): SearchGroup {
  const members = new Uint32Array(cat.words);
  const sat = new Uint32Array(cat.words);
  for (const index of indices) {
    setBit(members, index);
    orInto(sat, cat.satisfiers[index]!);
  }
  const core = new Uint32Array(cat.words).fill(0xffffffff);
  forEachBit(sat, (q) => andInto(core, cat.closure[q]!));
  return { members, sat, core };
}

/**
 * Drops groups that every solution of the remaining ones satisfies anyway, so the search runs
 * over few groups. In order: groups already met by `base`; duplicates (same satisfiers); groups
 * whose satisfiers include another group's (whatever satisfies the smaller satisfies the larger);
 * groups that meet the core of another remaining group (every solution's closure contains that
 * core). Each drop is justified by groups still kept at that moment, and a kept group is only
 * dropped later for the same reason, so by induction the kept groups imply every dropped one.
 */
export function reduceGroups(groups: readonly SearchGroup[], base: Uint32Array): SearchGroup[] {
  const seen = new Set<string>();
  const distinct: SearchGroup[] = [];
  for (const group of groups) {
    if (intersects(group.members, base)) continue;
    const key = group.sat.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    distinct.push(group);
  }
  // fewest satisfiers first: a subset always comes before its supersets
  distinct.sort((a, b) => popcount(a.sat) - popcount(b.sat));
  const kept: SearchGroup[] = [];
  for (const group of distinct) {
    if (!kept.some((other) => isSubset(other.sat, group.sat))) kept.push(group);
  }
  // core reduction, loosest groups first (they are the likeliest to be implied)
  const alive = kept.map(() => true);
  const words = base.length;
  const others = new Uint32Array(words);
  for (let g = kept.length - 1; g >= 0; g--) {
    others.fill(0);
    for (let h = 0; h < kept.length; h++) if (h !== g && alive[h]) orInto(others, kept[h]!.core);
    if (intersects(kept[g]!.members, others)) alive[g] = false;
  }
  return kept.filter((_, g) => alive[g]);
}

/** The best set found: catalog indices (ascending) and its closure. */
export interface SearchResult {
  readonly chosen: number[];
  readonly closure: Uint32Array;
}

/**
 * Exact branch and bound over `groups` (none met by `base`); see the file comment. With `named`,
 * a tie on closure size and count goes to the set with fewer members outside `named`, before the
 * alphabetical tie-break.
 */
export function searchMinimal(
  cat: CompiledCatalog,
  groups: readonly SearchGroup[],
  base: Uint32Array,
  named?: Uint32Array,
): SearchResult {
  const words = cat.words;
  let bestSize = Number.POSITIVE_INFINITY;
  let bestCount = Number.POSITIVE_INFINITY;
  let bestUnnamed = Number.POSITIVE_INFINITY;
  let bestRanks: number[] = [];
  let best: SearchResult = { chosen: [], closure: base.slice() };
  const chosen: number[] = [];
  const bound = new Uint32Array(words);
  const packed = new Uint32Array(words);
  const packedMembers = new Uint32Array(words);

  /**
   * Whether a leaf below, if it ties the best on closure size and count, could still win the
   * tie. Every member added below is a candidate of a group open now, so none ranks before
   * `first`, the best-ranked such candidate: the leaf's sorted names start with the chosen ones
   * ranked before `first`, and continue with a name ranked `first` or later.
   */
  const mayWinTie = (open: readonly SearchGroup[], excluded: Uint32Array): boolean => {
    if (named !== undefined) {
      const unnamed = chosen.filter((i) => !hasBit(named, i)).length; // only grows below
      if (unnamed < bestUnnamed) return true;
      if (unnamed > bestUnnamed) return false;
    }
    let first = Number.POSITIVE_INFINITY;
    for (const group of open) {
      forEachBitMasked(group.sat, excluded, (q) => {
        if (cat.rank[q]! < first) first = cat.rank[q]!;
      });
    }
    const prefix = chosen
      .map((i) => cat.rank[i]!)
      .filter((rank) => rank < first)
      .sort((a, b) => a - b);
    for (let i = 0; i < prefix.length; i++) {
      if (prefix[i] !== bestRanks[i]) return prefix[i]! < bestRanks[i]!;
    }
    // the leaf's next name ranks `first` or later: it wins only if the best's next name does too
    return (bestRanks[prefix.length] ?? Number.POSITIVE_INFINITY) >= first;
  };

  const visit = (closure: Uint32Array, open: readonly SearchGroup[], excluded: Uint32Array): void => {
    // lower bounds on every leaf below
    bound.set(closure);
    packed.fill(0);
    packedMembers.fill(0);
    let extraCount = 0;
    for (const group of open) {
      orInto(bound, group.core);
      if (!intersectsMasked(group.sat, excluded, packed)) {
        extraCount++;
        orMaskedInto(packed, group.sat, excluded);
      }
    }
    let extraSize = 0;
    for (const group of open) {
      if (!intersects(group.members, bound) && !intersects(group.members, packedMembers)) {
        extraSize++;
        orInto(packedMembers, group.members);
      }
    }
    const lowSize = popcount(bound) + extraSize;
    const lowCount = chosen.length + extraCount;
    if (lowSize > bestSize || (lowSize === bestSize && lowCount > bestCount)) return;
    if (lowSize === bestSize && lowCount === bestCount && open.length > 0 && !mayWinTie(open, excluded))
      return;
    if (open.length === 0) {
      // here size ≤ bestSize, and count ≤ bestCount when the sizes are equal (else cut above)
      const ranks = chosen.map((i) => cat.rank[i]!).sort((a, b) => a - b);
      const size = lowSize;
      const count = chosen.length;
      const unnamed = named === undefined ? 0 : chosen.filter((i) => !hasBit(named, i)).length;
      if (
        size < bestSize ||
        count < bestCount ||
        unnamed < bestUnnamed ||
        (unnamed === bestUnnamed && lexLess(ranks, bestRanks))
      ) {
        bestSize = size;
        bestCount = count;
        bestUnnamed = unnamed;
        bestRanks = ranks;
        best = { chosen: [...chosen].sort((a, b) => a - b), closure: closure.slice() };
      }
      return;
    }
    // branch on the open group with the fewest candidates left; among those, the one holding the
    // best-ranked candidate, so that the tie cut (mayWinTie) learns the leading names early
    let pick: SearchGroup | undefined;
    let pickCount = Number.POSITIVE_INFINITY;
    let pickRank = Number.POSITIVE_INFINITY;
    for (const group of open) {
      const count = popcountMasked(group.sat, excluded);
      if (count > pickCount) continue;
      let rank = Number.POSITIVE_INFINITY;
      forEachBitMasked(group.sat, excluded, (q) => {
        if (cat.rank[q]! < rank) rank = cat.rank[q]!;
      });
      if (count < pickCount || rank < pickRank) {
        pick = group;
        pickCount = count;
        pickRank = rank;
      }
    }
    if (pick === undefined || pickCount === 0) return; // every candidate excluded: no leaf here
    const candidates: { index: number; growth: number; rank: number }[] = [];
    forEachBitMasked(pick.sat, excluded, (q) => {
      candidates.push({ index: q, growth: popcountMasked(cat.closure[q]!, closure), rank: cat.rank[q]! });
    });
    candidates.sort((a, b) => a.growth - b.growth || a.rank - b.rank);
    const mine = excluded.slice();
    for (const { index } of candidates) {
      const next = closure.slice();
      orInto(next, cat.closure[index]!);
      const stillOpen = open.filter((group) => !intersects(group.members, next));
      chosen.push(index);
      visit(next, stillOpen, mine);
      chosen.pop();
      setBit(mine, index);
    }
  };

  visit(base.slice(), groups, new Uint32Array(words));
  return best;
}

// ---------------------------------------------------------------------------------------------
// bitsets over Uint32Array (all of one catalog's sets have the same length)

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return a.length < b.length;
}

export function setBit(bits: Uint32Array, index: number): void {
  bits[index >>> 5]! |= 1 << (index & 31);
}

export function hasBit(bits: Uint32Array, index: number): boolean {
  return (bits[index >>> 5]! & (1 << (index & 31))) !== 0;
}

export function orInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i]! |= source[i]!;
}

function andInto(target: Uint32Array, source: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i]! &= source[i]!;
}

function orMaskedInto(target: Uint32Array, source: Uint32Array, mask: Uint32Array): void {
  for (let i = 0; i < target.length; i++) target[i]! |= source[i]! & ~mask[i]!;
}

export function intersects(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & b[i]!) !== 0) return true;
  return false;
}

/** Whether (a minus mask) meets b. */
function intersectsMasked(a: Uint32Array, mask: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & ~mask[i]! & b[i]!) !== 0) return true;
  return false;
}

function isSubset(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
  return true;
}

function bitCount(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0xf0f0f0f) * 0x1010101) >>> 24;
}

export function popcount(bits: Uint32Array): number {
  let count = 0;
  for (let i = 0; i < bits.length; i++) count += bitCount(bits[i]!);
  return count;
}

/** Members of `bits` not in `mask`. */
function popcountMasked(bits: Uint32Array, mask: Uint32Array): number {
  let count = 0;
  for (let i = 0; i < bits.length; i++) count += bitCount(bits[i]! & ~mask[i]!);
  return count;
}

export function forEachBit(bits: Uint32Array, visit: (index: number) => void): void {
  for (let word = 0; word < bits.length; word++) {
    let v = bits[word]!;
    while (v !== 0) {
      const low = v & -v;
      visit(word * 32 + (31 - Math.clz32(low)));
      v ^= low;
    }
  }
}

function forEachBitMasked(bits: Uint32Array, mask: Uint32Array, visit: (index: number) => void): void {
  for (let word = 0; word < bits.length; word++) {
    let v = bits[word]! & ~mask[word]!;
    while (v !== 0) {
      const low = v & -v;
      visit(word * 32 + (31 - Math.clz32(low)));
      v ^= low;
    }
  }
}

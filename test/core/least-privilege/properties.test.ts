import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Catalog, compileCatalog } from '../../../src/core/catalog/catalog.js';
import { decide } from '../../../src/core/decide.js';
import { compareWithManifest } from '../../../src/core/least-privilege/compare-with-manifest.js';
import { type MinimalSetOptions, minimalSet } from '../../../src/core/least-privilege/minimal-set.js';
import { type Requirement, requirementGroup } from '../../../src/core/requirement.js';

// Small random catalogs (1–4 resources of a read, a write or both; random implications, cycles
// included; write ⇒ read on or off) and random requirements over their names, an unknown name
// and empty groups. minimalSet is compared with a brute force over every subset of the catalog.

interface World {
  readonly catalog: Catalog;
  readonly requirements: Requirement[];
  readonly granted: string[];
}

const kinds = fc.constantFrom(['read'], ['write'], ['read', 'write']);

const arbitraryWorld: fc.Arbitrary<World> = fc
  .record({ shape: fc.array(kinds, { minLength: 1, maxLength: 4 }), writeImpliesRead: fc.boolean() })
  .chain(({ shape, writeImpliesRead }) => {
    const names = shape.flatMap((accesses, r) => accesses.map((access) => `r${r}_${access}`));
    const name = fc.constantFrom(...names, 'ghost_read');
    const groupArb = fc.uniqueArray(name, { maxLength: 3 });
    return fc
      .record({
        implies: fc.array(fc.uniqueArray(fc.constantFrom(...names), { maxLength: 3 }), {
          minLength: names.length,
          maxLength: names.length,
        }),
        requirements: fc.array(fc.array(groupArb, { maxLength: 3 }), { maxLength: 5 }),
        granted: fc.uniqueArray(fc.constantFrom(...names), { maxLength: 2 }),
        companion: fc.option(fc.constantFrom(...names), { nil: undefined }),
      })
      .map(({ implies, requirements, granted, companion }): World => {
        let k = 0;
        const resources = shape.map((accesses, r) => ({
          resource: `R${r}`,
          description: `resource ${r}`,
          permissions: accesses.map((access) => ({
            name: `r${r}_${access}`,
            implies: implies[k++]!,
            ...(r === 0 && companion !== undefined
              ? { companions: [{ permission: companion, note: 'also' }] }
              : {}),
          })),
        }));
        const compiled = compileCatalog({ formatVersion: 1, name: 'random', writeImpliesRead, resources });
        if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
        const catalog = compiled.catalog;
        return {
          catalog,
          requirements: requirements.map((groups, i) =>
            groups.map((anyOf, j) => requirementGroup(catalog, anyOf, `call ${i} group ${j}`)),
          ),
          granted,
        };
      });
  });

const satisfiableGroups = (world: World): Requirement =>
  world.requirements.flat().filter((g) => g.anyOf.some((n) => world.catalog.has(n)));

/** The optimum by enumeration: every subset, compared by (closure size, count, [unnamed], names). */
function bruteForce(world: World, options: MinimalSetOptions): { permissions: string[]; closure: string[] } {
  const { catalog } = world;
  const all = catalog.permissions.map((p) => p.name);
  const groups = satisfiableGroups(world);
  const named = new Set(groups.flatMap((g) => g.anyOf));
  const granted = options.granted ?? [];
  let best: { key: (number | string)[]; permissions: string[]; closure: string[] } | undefined;
  for (let mask = 0; mask < 1 << all.length; mask++) {
    const chosen = all.filter((_, i) => (mask & (1 << i)) !== 0).sort();
    const effective = catalog.closure([...granted, ...chosen]);
    if (!decide(effective, groups).allowed) continue;
    const unnamed = options.prefer === 'named' ? chosen.filter((n) => !named.has(n)).length : 0;
    const key = [effective.size, chosen.length, unnamed, ...chosen];
    if (best === undefined || compareKeys(key, best.key) < 0) {
      best = { key, permissions: chosen, closure: catalog.names(effective) };
    }
  }
  if (best === undefined) throw new Error('the whole catalog satisfies every satisfiable group');
  return { permissions: best.permissions, closure: best.closure };
}

function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

const RUNS = { seed: 20240612, numRuns: 1000 };

describe('minimalSet (properties, against a brute force over every subset)', () => {
  it('finds the exact optimum: least closure, then fewest names, then alphabetical', () => {
    fc.assert(
      fc.property(arbitraryWorld, (world) => {
        const result = minimalSet(world.catalog, world.requirements);
        const expected = bruteForce(world, {});
        expect({ permissions: result.permissions, closure: result.closure }).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("finds the exact optimum with prefer: 'named'", () => {
    fc.assert(
      fc.property(arbitraryWorld, (world) => {
        const result = minimalSet(world.catalog, world.requirements, { prefer: 'named' });
        const expected = bruteForce(world, { prefer: 'named' });
        expect({ permissions: result.permissions, closure: result.closure }).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('finds the exact minimal addition to granted permissions', () => {
    fc.assert(
      fc.property(arbitraryWorld, (world) => {
        const options = { granted: world.granted };
        const result = minimalSet(world.catalog, world.requirements, options);
        expect({ permissions: result.permissions, closure: result.closure }).toEqual(
          bruteForce(world, options),
        );
      }),
      RUNS,
    );
  });

  it('satisfies every satisfiable group and reports every other one', () => {
    fc.assert(
      fc.property(arbitraryWorld, (world) => {
        const result = minimalSet(world.catalog, world.requirements);
        expect(decide(world.catalog.closure(result.permissions), satisfiableGroups(world)).allowed).toBe(
          true,
        );
        const unsatisfiable = world.requirements
          .flat()
          .filter((g) => !g.anyOf.some((n) => world.catalog.has(n)));
        const key = (g: { anyOf: readonly string[]; reason: string }) => JSON.stringify([g.anyOf, g.reason]);
        expect(result.unsatisfiable.map(key)).toEqual([...new Set(unsatisfiable.map(key))]);
        expect(result.closure).toEqual(world.catalog.names(world.catalog.closure(result.permissions)));
      }),
      RUNS,
    );
  });

  it('adding a requirement never shrinks the closure', () => {
    fc.assert(
      fc.property(arbitraryWorld, fc.nat(), (world, cut) => {
        const fewer = world.requirements.slice(0, cut % (world.requirements.length + 1));
        const less = minimalSet(world.catalog, fewer);
        const more = minimalSet(world.catalog, world.requirements);
        expect(more.closure.length).toBeGreaterThanOrEqual(less.closure.length);
      }),
      RUNS,
    );
  });

  it('does not depend on the order of calls or groups, nor on duplicates', () => {
    fc.assert(
      fc.property(arbitraryWorld, fc.integer(), (world, seed) => {
        const base = minimalSet(world.catalog, world.requirements);
        let state = seed >>> 0 || 1;
        const random = () => {
          state = (state * 1103515245 + 12345) >>> 0;
          return state / 2 ** 32;
        };
        const shuffle = <T>(items: readonly T[]): T[] =>
          items
            .map((item) => ({ item, k: random() }))
            .sort((a, b) => a.k - b.k)
            .map(({ item }) => item);
        const shaken = shuffle([...world.requirements, ...world.requirements.slice(0, 2)]).map((r) =>
          shuffle([...r, ...r.slice(0, 1)]),
        );
        const other = minimalSet(world.catalog, shaken);
        expect(other.permissions).toEqual(base.permissions);
        expect(other.closure).toEqual(base.closure);
        expect(other.companions).toEqual(base.companions);
        const reasons = (r: typeof base) => r.unsatisfiable.map((g) => g.reason).sort();
        expect(reasons(other)).toEqual(reasons(base));
      }),
      RUNS,
    );
  });
});

describe('compareWithManifest (properties)', () => {
  it('the terms mean what the documentation says', () => {
    fc.assert(
      fc.property(arbitraryWorld, (world) => {
        const { catalog } = world;
        const requested = world.granted;
        const report = compareWithManifest(catalog, requested, world.requirements);
        const groups = satisfiableGroups(world);
        // missing is the minimal addition, and covered says whether it is empty
        expect(report.missing).toEqual(
          minimalSet(catalog, world.requirements, { granted: requested }).permissions,
        );
        expect(report.covered).toBe(report.missing.length === 0);
        expect(decide(catalog.closure([...requested, ...report.missing]), groups).allowed).toBe(true);
        // dropping the unused keeps every call satisfied; dropping the redundant keeps the access
        const used = requested.filter((n) => !report.unused.includes(n));
        expect(decide(catalog.closure([...used, ...report.missing]), groups).allowed).toBe(true);
        const kept = requested.filter((n) => !report.redundant.includes(n));
        expect(catalog.closure(kept).equals(catalog.closure(requested))).toBe(true);
        // an unused permission's closure meets no group
        for (const name of report.unused) {
          const own = catalog.closure([name]);
          expect(groups.some((g) => g.anyOf.some((n) => own.has(catalog.indexOf(n))))).toBe(false);
        }
        // a wider permission's narrower set covers the same groups with less access
        for (const { permission, narrower } of report.wider) {
          const own = catalog.closure([permission]);
          const narrow = catalog.closure(narrower);
          const meets = (set: typeof own) => (g: Requirement[number]) =>
            g.anyOf.some((n) => set.has(catalog.indexOf(n)));
          expect(groups.filter(meets(own)).every(meets(narrow))).toBe(true);
          expect(narrow.size).toBeLessThan(own.size);
        }
      }),
      RUNS,
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { decide, explainDecision, missingGroups } from '../../src/core/decide.js';
import { type Requirement, requirementGroup } from '../../src/core/requirement.js';

const catalog = defaultCatalog();
const names = catalog.permissions.map((p) => p.name);
const anyName = fc.constantFrom(...names);
const grants = fc.array(anyName, { maxLength: 12 });
const group = fc
  .array(
    fc.oneof({ weight: 9, arbitrary: anyName }, { weight: 1, arbitrary: fc.constant('not_a_permission') }),
    {
      maxLength: 4,
    },
  )
  .map((anyOf) => requirementGroup(catalog, anyOf, 'test'));
const requirement = fc.array(group, { maxLength: 4 });

describe('decide', () => {
  it('allows when every group has a granted (or implied) alternative, and says which', () => {
    const effective = catalog.closure(['customer_write', 'balance_transaction_source_read']);
    const req: Requirement = [
      requirementGroup(catalog, ['customer_read'], 'GET /v1/customers'),
      requirementGroup(catalog, ['payout_read', 'charge_read'], 'expand `source`'),
    ];
    const decision = decide(effective, req);
    expect(decision.allowed).toBe(true);
    expect(decision.satisfiedBy.map((i) => catalog.nameOf(i))).toEqual(['customer_read', 'payout_read']);
    const evidence = explainDecision(
      catalog,
      ['customer_write', 'balance_transaction_source_read'],
      decision,
    );
    expect(evidence.groups.map((g) => g.via)).toEqual([
      ['customer_write', 'customer_read'],
      ['balance_transaction_source_read', 'transfer_read', 'payout_read'],
    ]);
  });

  it('denies and lists every alternative of each unmet group', () => {
    const decision = decide(catalog.closure(['customer_read']), [
      requirementGroup(catalog, ['customer_read'], 'a'),
      requirementGroup(catalog, ['invoice_read', 'quote_read'], 'b'),
    ]);
    expect(decision.allowed).toBe(false);
    expect(missingGroups(decision).map((g) => g.anyOf)).toEqual([['invoice_read', 'quote_read']]);
  });

  it('reports pending alternatives separately', () => {
    const decision = decide(catalog.closure([]), [requirementGroup(catalog, ['customer_read'], 'a')]);
    const evidence = explainDecision(catalog, [], decision, ['customer_write']);
    expect(evidence.groups[0]).toMatchObject({ satisfied: false, pending: ['customer_read'] });
  });

  it('never satisfies an empty group or an unknown permission', () => {
    const all = catalog.closure(names);
    expect(decide(all, [requirementGroup(catalog, [], 'unavailable')]).allowed).toBe(false);
    expect(decide(all, [requirementGroup(catalog, ['not_a_permission'], 'x')]).allowed).toBe(false);
  });

  it('allows an empty requirement', () => {
    expect(decide(catalog.closure([]), []).allowed).toBe(true);
  });
});

describe('properties', () => {
  it('closure contains its input, is idempotent and monotone', () => {
    fc.assert(
      fc.property(grants, grants, (a, b) => {
        const closed = catalog.closure(a);
        expect(catalog.set(a).isSubsetOf(closed)).toBe(true);
        expect(catalog.closure(catalog.names(closed)).equals(closed)).toBe(true);
        expect(closed.isSubsetOf(catalog.closure([...a, ...b]))).toBe(true);
      }),
    );
  });

  it('decisions do not depend on grant order or duplicates', () => {
    fc.assert(
      fc.property(grants, requirement, fc.nat(), (granted, req, seed) => {
        const shuffled = [...granted, ...granted].sort(
          (x, y) => ((x.length * 31 + seed) % 7) - ((y.length * 17 + seed) % 5),
        );
        const one = decide(catalog.closure(granted), req);
        const two = decide(catalog.closure(shuffled), req);
        expect(two.allowed).toBe(one.allowed);
        expect(two.satisfiedBy).toEqual(one.satisfiedBy);
      }),
    );
  });

  it('adding a grant never turns an allow into a deny', () => {
    fc.assert(
      fc.property(grants, anyName, requirement, (granted, extra, req) => {
        if (decide(catalog.closure(granted), req).allowed) {
          expect(decide(catalog.closure([...granted, extra]), req).allowed).toBe(true);
        }
      }),
    );
  });

  it('an unknown permission is never satisfied', () => {
    fc.assert(
      fc.property(grants, fc.stringMatching(/^[a-z_]{1,20}$/), (granted, name) => {
        fc.pre(!catalog.has(name));
        expect(
          decide(catalog.closure([...granted, name]), [requirementGroup(catalog, [name], 'x')]).allowed,
        ).toBe(false);
      }),
    );
  });

  it('a decision allows exactly when each group meets the closure', () => {
    fc.assert(
      fc.property(grants, requirement, (granted, req) => {
        const closure = new Set(granted.flatMap((g) => [g, ...catalog.implies(g)]));
        const expected = req.every((g) => g.anyOf.some((n) => closure.has(n)));
        expect(decide(catalog.closure(granted), req).allowed).toBe(expected);
      }),
    );
  });
});

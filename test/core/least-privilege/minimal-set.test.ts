import { describe, expect, it } from 'vitest';
import { compileCatalog } from '../../../src/core/catalog/catalog.js';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import { decide } from '../../../src/core/decide.js';
import { minimalSet } from '../../../src/core/least-privilege/minimal-set.js';
import { type Requirement, requirementGroup } from '../../../src/core/requirement.js';
import { defaultRouteTable } from '../../../src/core/routes/load.js';
import { resolveRequestLine } from '../../../src/core/routes/resolve.js';

const catalog = defaultCatalog();
const table = defaultRouteTable();
const calls = (...lines: string[]): Requirement[] =>
  lines.map((line) => resolveRequestLine(table, line).requirement);
const group = (...anyOf: string[]): Requirement => [
  requirementGroup(catalog, anyOf, `needs ${anyOf.join(' or ')}`),
];

const PORTAL_NOTE =
  'If you’re using the customer portal to manage subscriptions or payment methods, you must also request elements_write.';

describe('minimalSet on the Stripe Apps catalog and route table', () => {
  it('needs nothing for no calls', () => {
    expect(minimalSet(catalog, [])).toEqual({
      permissions: [],
      closure: [],
      unsatisfiable: [],
      companions: [],
    });
  });

  it('retrieving an invoice with its subscription expanded: the invoice group and the expand group', () => {
    const requirements = calls('GET /v1/invoices/in_1?expand[]=subscription');
    // invoice_read and credit_note_read imply each other: the same access, so by default the
    // alphabetical tie-break picks credit_note_read; `prefer: 'named'` picks the name the call uses
    expect(minimalSet(catalog, requirements)).toEqual({
      permissions: ['credit_note_read', 'subscription_read'],
      closure: ['credit_note_read', 'invoice_read', 'subscription_read'],
      unsatisfiable: [],
      companions: [],
    });
    expect(minimalSet(catalog, requirements, { prefer: 'named' }).permissions).toEqual([
      'invoice_read',
      'subscription_read',
    ]);
  });

  it('does not add product_read next to checkout_session_write, which implies it', () => {
    const result = minimalSet(catalog, calls('POST /v1/checkout/sessions', 'GET /v1/products/prod_1'));
    expect(result.permissions).toEqual(['checkout_session_write']);
    expect(result.closure).toEqual(
      [...catalog.implies('checkout_session_write'), 'checkout_session_write'].sort(),
    );
    expect(result.closure).toContain('product_read');
  });

  it('write implies read: reading and updating customers needs customer_write alone', () => {
    const result = minimalSet(catalog, calls('GET /v1/customers/cus_1', 'POST /v1/customers/cus_1'));
    expect(result.permissions).toEqual(['customer_write']);
    expect(result.closure).toEqual(['billing_clock_read', 'customer_read', 'customer_write']);
  });

  it('reading alone stays a read', () => {
    expect(minimalSet(catalog, calls('GET /v1/customers/cus_1', 'GET /v1/customers')).permissions).toEqual([
      'customer_read',
    ]);
  });

  it('an any-of group takes the alternative with the least access, or one another choice already implies', () => {
    // customer_read, invoice_read and credit_note_read (which implies invoice_read) all close
    // over two permissions: the first by name wins, or the first the group names
    const either = [group('invoice_read', 'customer_read')];
    expect(minimalSet(catalog, either).permissions).toEqual(['credit_note_read']);
    expect(minimalSet(catalog, either, { prefer: 'named' }).permissions).toEqual(['customer_read']);
    // invoice_write implies invoice_read: nothing more is needed for the any-of group
    expect(
      minimalSet(catalog, [group('invoice_read', 'customer_read'), ...calls('POST /v1/invoices')])
        .permissions,
    ).toEqual(['invoice_write']);
    // a wide alternative loses to a narrow one
    expect(minimalSet(catalog, [group('checkout_session_write', 'product_read')]).permissions).toEqual([
      'product_read',
    ]);
  });

  it('prints the companion note of a chosen permission, unless the companion is chosen too', () => {
    const portal = calls('POST /v1/billing_portal/sessions');
    expect(minimalSet(catalog, portal).companions).toEqual([
      { of: 'customer_portal_write', permission: 'elements_write', note: PORTAL_NOTE },
    ]);
    const both = minimalSet(catalog, [...portal, group('elements_write')]);
    expect(both.permissions).toEqual(['customer_portal_write', 'elements_write']);
    expect(both.companions).toEqual([]);
  });

  it('reports endpoints not available to apps apart, once each, and still solves the rest', () => {
    const result = minimalSet(
      catalog,
      calls('POST /v1/3d_secure', 'GET /v1/charges', 'POST /v1/3d_secure', 'GET /v1/3d_secure/tds_1'),
    );
    expect(result.permissions).toEqual(['charge_read']);
    expect(result.unsatisfiable.map((g) => g.reason)).toEqual([
      'POST /v1/3d_secure is not available to apps: no permission in the catalog covers legacy 3D Secure objects',
      'GET /v1/3d_secure/{three_d_secure} is not available to apps: no permission in the catalog covers legacy 3D Secure objects',
    ]);
    expect(result.unsatisfiable.every((g) => g.anyOf.length === 0)).toBe(true);
  });

  it('treats a name the catalog does not define as an alternative that never satisfies', () => {
    expect(minimalSet(catalog, [group('ghost_read', 'customer_read')]).permissions).toEqual([
      'customer_read',
    ]);
    const ghost = minimalSet(catalog, [group('ghost_read')]);
    expect(ghost.permissions).toEqual([]);
    expect(ghost.unsatisfiable.map((g) => g.anyOf)).toEqual([['ghost_read']]);
  });

  it('with granted permissions, adds only what is missing and reports the combined access', () => {
    const requirements = calls('GET /v1/customers/cus_1', 'GET /v1/charges', 'POST /v1/checkout/sessions');
    const result = minimalSet(catalog, requirements, { granted: ['customer_write', 'product_read'] });
    expect(result.permissions).toEqual(['charge_read', 'checkout_session_write']);
    expect(result.closure).toContain('customer_write');
    expect(result.closure).toEqual(
      catalog.names(
        catalog.closure(['customer_write', 'product_read', 'charge_read', 'checkout_session_write']),
      ),
    );
    expect(
      minimalSet(catalog, calls('GET /v1/customers'), { granted: ['customer_write'] }).permissions,
    ).toEqual([]);
  });

  it('covers every call of a large mixed workload drawn from the route table', () => {
    const requirements = table.routes.map((route) => route.requirement);
    const result = minimalSet(catalog, requirements);
    const effective = catalog.closure(result.permissions);
    for (const requirement of requirements) {
      const satisfiable = requirement.filter((g) => g.anyOf.some((name) => catalog.has(name)));
      expect(decide(effective, satisfiable).allowed).toBe(true);
    }
    expect(result.unsatisfiable.length).toBe(table.routes.filter((route) => !route.available).length);
    // no chosen permission is implied by another chosen one
    for (const name of result.permissions) {
      expect(
        result.permissions.filter((other) => other !== name && catalog.implies(other).includes(name)),
      ).toEqual([]);
    }
  });
});

describe('minimalSet on a custom catalog', () => {
  it('breaks a tie on closure and count alphabetically, whatever order the search meets the ties in', () => {
    // no implications: every pair below closes over itself; four pairs satisfy all three groups
    const compiled = compileCatalog({
      formatVersion: 1,
      name: 'ties',
      writeImpliesRead: false,
      resources: [
        { resource: 'R0', description: 'r0', permissions: ['r0_read', 'r0_write'] },
        { resource: 'R1', description: 'r1', permissions: ['r1_read', 'r1_write'] },
        { resource: 'R2', description: 'r2', permissions: ['r2_write'] },
      ],
    });
    if (!compiled.ok) throw new Error('catalog');
    const custom = compiled.catalog;
    const requirement = [
      requirementGroup(custom, ['r0_read', 'r0_write', 'r1_read'], 'a'),
      requirementGroup(custom, ['r1_write', 'r2_write'], 'b'),
      requirementGroup(custom, ['r1_read', 'r2_write'], 'c'),
    ];
    expect(minimalSet(custom, [requirement]).permissions).toEqual(['r0_read', 'r2_write']);
  });

  it('follows a cycle of implications to the end', () => {
    const compiled = compileCatalog({
      formatVersion: 1,
      name: 'cycle',
      resources: [
        { resource: 'A', description: 'a', permissions: ['a_read'], implies: ['b_read'] },
        { resource: 'B', description: 'b', permissions: ['b_read'], implies: ['c_read'] },
        { resource: 'C', description: 'c', permissions: ['c_read', 'c_write'], implies: ['a_read'] },
      ],
    });
    if (!compiled.ok) throw new Error('catalog');
    const custom = compiled.catalog;
    const result = minimalSet(custom, [
      [requirementGroup(custom, ['b_read'], 'b')],
      [requirementGroup(custom, ['c_read'], 'c')],
    ]);
    expect(result.permissions).toEqual(['a_read']);
    expect(result.closure).toEqual(['a_read', 'b_read', 'c_read']);
    expect(
      minimalSet(custom, [[requirementGroup(custom, ['a_read'], 'a')]], { prefer: 'named' }).permissions,
    ).toEqual(['a_read']);
  });

  it('settles many equally cheap choices by name instead of enumerating the ties', () => {
    // 40 groups of two alternatives with the same access each: 2⁴⁰ optimal sets by access and count
    const pad = (i: number) => String(i).padStart(2, '0');
    const compiled = compileCatalog({
      formatVersion: 1,
      name: 'pairs',
      resources: Array.from({ length: 40 }, (_, i) => ({
        resource: `R${i}`,
        description: 'r',
        permissions: [`a${pad(i)}_read`, `b${pad(i)}_read`],
      })),
    });
    if (!compiled.ok) throw new Error('catalog');
    const custom = compiled.catalog;
    const requirements = Array.from({ length: 40 }, (_, i) => [
      requirementGroup(custom, [`b${pad(i)}_read`, `a${pad((i + 1) % 40)}_read`], `g${i}`),
    ]);
    const result = minimalSet(custom, requirements);
    expect(result.permissions).toEqual(Array.from({ length: 40 }, (_, i) => `a${pad(i)}_read`));
  });
});

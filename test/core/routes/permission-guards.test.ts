import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileCatalog } from '../../../src/core/catalog/catalog.js';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import type { RouteTableFile } from '../../../src/core/routes/format.js';
import { DEFAULT_ROUTE_TABLE_PATH } from '../../../src/core/routes/load.js';
import {
  GUARDS_END,
  GUARDS_START,
  permissionGuards,
  renderPermissionGuards,
  replacePermissionGuards,
} from '../../../src/core/routes/permission-guards.js';
import { validateRouteTable } from '../../../src/core/routes/route-table.js';
import { STRIPE_GUARD_EXCEPTIONS } from '../../../src/core/routes/stripe-guard-exceptions.js';
import { EVENT_PERMISSIONS } from '../../../src/gateway/event-permissions.js';

const catalog = defaultCatalog();
const validated = validateRouteTable(JSON.parse(readFileSync(DEFAULT_ROUTE_TABLE_PATH, 'utf8')), catalog);
if (!validated.ok) throw new Error('catalogs/stripe-routes.json does not validate');
const stripeRoutes = validated.file;
const report = permissionGuards(catalog, stripeRoutes, STRIPE_GUARD_EXCEPTIONS);
const guardsOf = (name: string) => report.permissions.find((p) => p.permission === name)!;

describe('the Stripe catalog: which routes each permission guards', () => {
  it('every permission guards at least one route or has an exception with a reason, and no exception is stale', () => {
    // an `unguarded_permission` issue: map a route to it or add it to STRIPE_GUARD_EXCEPTIONS;
    // a `stale_exception` issue: the permission guards a route now, remove its exception
    expect(report.issues).toEqual([]);
    expect(report.permissions).toHaveLength(catalog.size);
    for (const guards of report.permissions) {
      if (guards.routes.length === 0) expect(guards.exception, guards.permission).toMatch(/\S/);
      else expect(guards.exception, guards.permission).toBeUndefined();
    }
  });

  it('names every route some permission allows, and only routes of the table', () => {
    const allowed = stripeRoutes.routes
      .filter((r) => r.anyOf !== undefined)
      .map((r) => `${r.method} ${r.path}`);
    const guarded = new Set(report.permissions.flatMap((p) => p.routes.map((r) => `${r.method} ${r.path}`)));
    expect([...guarded].sort()).toEqual([...allowed].sort());
    expect(report.unavailableRoutes).toBe(stripeRoutes.routes.length - allowed.length);
  });

  it('routes through implication are those of the implied permissions the route names', () => {
    expect(guardsOf('customer_read').routes).toContainEqual({ method: 'GET', path: '/v1/customers' });
    const write = guardsOf('customer_write');
    expect(write.routes).not.toContainEqual({ method: 'GET', path: '/v1/customers' });
    expect(write.throughImplication).toContainEqual({
      method: 'GET',
      path: '/v1/customers',
      via: ['customer_read'],
    });
    expect(write.throughImplication).toContainEqual({
      method: 'GET',
      path: '/v1/test_helpers/test_clocks',
      via: ['billing_clock_read'],
    });
    for (const guards of report.permissions) {
      const implied = new Set(catalog.implies(guards.permission));
      const direct = new Set(guards.routes.map((r) => `${r.method} ${r.path}`));
      for (const route of guards.throughImplication) {
        expect(direct.has(`${route.method} ${route.path}`)).toBe(false);
        expect(route.via.every((name) => implied.has(name))).toBe(true);
      }
    }
  });

  it('what the exceptions say of themselves holds', () => {
    const source = guardsOf('balance_transaction_source_read');
    expect(source.expansions).toEqual(['balance_transaction.source']);
    expect(
      report.permissions.filter((p) => p.expansions.includes('balance_transaction.source')),
    ).toHaveLength(1);
    const events = EVENT_PERMISSIONS.filter((rule) => rule.permissions.includes(source.permission));
    expect(events.map((rule) => rule.type).sort()).toEqual(['balance.available', 'payout.*', 'transfer.*']);
    expect(guardsOf('mandate_write').throughImplication).toEqual([
      { method: 'GET', path: '/v1/mandates/{mandate}', via: ['mandate_read'] },
    ]);
    const exceptions = new Set(STRIPE_GUARD_EXCEPTIONS.map((e) => e.permission));
    // no permission of this catalog only filters events: every one the event table names guards a route or is excepted
    for (const rule of EVENT_PERMISSIONS) {
      for (const name of rule.permissions.filter((n) => catalog.has(n))) {
        expect(guardsOf(name).routes.length > 0 || exceptions.has(name), name).toBe(true);
      }
    }
  });

  it('docs/catalog.md shows what the generator produces (`npm run generate:permission-guards` leaves it unchanged)', () => {
    const doc = readFileSync(new URL('../../../docs/catalog.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf(GUARDS_START), doc.indexOf(GUARDS_END) + GUARDS_END.length);
    expect(section).toBe(renderPermissionGuards(report));
    expect(replacePermissionGuards(doc, renderPermissionGuards(report))).toBe(doc);
  });
});

// A small catalog and route table, to pin down each issue code and message.
const small = compileCatalog({
  formatVersion: 1,
  name: 'widgets',
  resources: [
    { resource: 'Widget', description: 'Widgets', permissions: ['widget_read', 'widget_write'] },
    { resource: 'Gadget', description: 'Gadgets', permissions: ['gadget_read'] },
    { resource: 'Badge', description: 'Badges', permissions: ['badge_read'] },
  ],
});
if (!small.ok) throw new Error('the small catalog does not compile');
const smallCatalog = small.catalog;
const smallRoutes: RouteTableFile = {
  formatVersion: 1,
  name: 'widgets-api',
  routes: [
    { method: 'GET', path: '/v1/widgets', operation: 'ListWidgets', response: [], anyOf: ['widget_read'] },
    { method: 'POST', path: '/v1/widgets', operation: 'CreateWidget', response: [], anyOf: ['widget_write'] },
    {
      method: 'DELETE',
      path: '/v1/widgets/{widget}',
      operation: 'DeleteWidget',
      response: [],
      anyOf: ['widget_write'],
    },
    { method: 'GET', path: '/v1/gadgets', operation: 'ListGadgets', response: [], anyOf: ['gadget_read'] },
    { method: 'POST', path: '/v1/admin', operation: 'Admin', response: [], unavailable: 'staff only' },
  ],
  types: {
    widget: { read: ['widget_read'], expand: { gadget: ['gadget'], badge: ['badge'] } },
    gadget: { read: ['gadget_read'] },
    badge: { unavailable: 'no badges' },
    gadget_holder: { expand: { gadget: ['gadget'] }, expandRules: { gadget: { anyOf: ['badge_read'] } } },
  },
};

describe('permissionGuards', () => {
  it('lists direct routes, routes through implication and expansions per permission, in catalog order', () => {
    const result = permissionGuards(smallCatalog, smallRoutes, [
      { permission: 'badge_read', reason: 'badges' },
    ]);
    expect(result.issues).toEqual([]);
    expect(result.unavailableRoutes).toBe(1);
    expect(result.permissions).toEqual([
      {
        permission: 'widget_read',
        routes: [{ method: 'GET', path: '/v1/widgets' }],
        throughImplication: [],
        expansions: [],
        exception: undefined,
      },
      {
        permission: 'widget_write',
        routes: [
          { method: 'POST', path: '/v1/widgets' },
          { method: 'DELETE', path: '/v1/widgets/{widget}' },
        ],
        throughImplication: [{ method: 'GET', path: '/v1/widgets', via: ['widget_read'] }],
        expansions: [],
        exception: undefined,
      },
      {
        permission: 'gadget_read',
        routes: [{ method: 'GET', path: '/v1/gadgets' }],
        throughImplication: [],
        expansions: ['widget.gadget'],
        exception: undefined,
      },
      {
        permission: 'badge_read',
        routes: [],
        throughImplication: [],
        expansions: ['gadget_holder.gadget'],
        exception: 'badges',
      },
    ]);
  });

  it('reports a permission that guards no route and has no exception', () => {
    expect(permissionGuards(smallCatalog, smallRoutes, []).issues).toEqual([
      {
        severity: 'error',
        code: 'unguarded_permission',
        path: '',
        message:
          'permission `badge_read` guards no route of `widgets-api`; map a route to it, or add it to the exceptions with the reason it guards none',
      },
    ]);
  });

  it('reports every problem of the exceptions table: stale, unknown, duplicate, without a reason', () => {
    const result = permissionGuards(smallCatalog, smallRoutes, [
      { permission: 'badge_read', reason: 'badges' },
      { permission: 'widget_write', reason: 'was dashboard-only' },
      { permission: 'gadget_raed', reason: 'typo' },
      { permission: 'badge_read', reason: 'again' },
      { permission: 'gadget_read', reason: ' ' },
    ]);
    expect(result.issues).toEqual([
      {
        severity: 'error',
        code: 'unknown_permission',
        path: 'exceptions[2].permission',
        message: 'permission `gadget_raed` is not in catalog `widgets`; did you mean `gadget_read`?',
        suggestion: 'gadget_read',
      },
      {
        severity: 'error',
        code: 'duplicate_exception',
        path: 'exceptions[3]',
        message: 'permission `badge_read` already has an exception at exceptions[0]',
      },
      {
        severity: 'error',
        code: 'empty_reason',
        path: 'exceptions[4].reason',
        message: 'the exception for `gadget_read` gives no reason',
      },
      {
        severity: 'error',
        code: 'stale_exception',
        path: 'exceptions[1]',
        message:
          'permission `widget_write` guards 2 routes of `widgets-api` now (`POST /v1/widgets`, …); remove its exception',
      },
      {
        severity: 'error',
        code: 'stale_exception',
        path: 'exceptions[4]',
        message:
          'permission `gadget_read` guards 1 route of `widgets-api` now (`GET /v1/gadgets`); remove its exception',
      },
    ]);
  });

  it('renders one row per permission between the markers', () => {
    const result = permissionGuards(smallCatalog, smallRoutes, [
      { permission: 'badge_read', reason: 'badges | pins' },
    ]);
    expect(renderPermissionGuards(result)).toBe(
      [
        GUARDS_START,
        '',
        '4 permissions of `widgets`; 4 routes of `widgets-api` that some permission allows (1 that none does is not listed). 3 permissions guard at least one route; 1 guards none (`badge_read`), each for the reason in its row.',
        '',
        '| permission | routes it guards | through implication | `expand[]` fields |',
        '|---|---|---|---|',
        '| `widget_read` | 1: GET `/v1/widgets` | — | — |',
        '| `widget_write` | 2: POST `/v1/widgets`<br>DELETE `/v1/widgets/{widget}` | 1 via `widget_read` (1) | — |',
        '| `gadget_read` | 1: GET `/v1/gadgets` | — | 1 |',
        '| `badge_read` | **none**: badges \\| pins | — | 1 |',
        '',
        GUARDS_END,
      ].join('\n'),
    );
  });

  it('refuses a document without the markers', () => {
    expect(() => replacePermissionGuards('# no markers\n', 'x')).toThrow(
      'the document has no permission guards markers',
    );
  });
});

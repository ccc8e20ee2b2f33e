import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import { decide } from '../../../src/core/decide.js';
import type { RouteTableFile } from '../../../src/core/routes/format.js';
import { DEFAULT_ROUTE_TABLE_PATH, defaultRouteTable } from '../../../src/core/routes/load.js';
import { resolveRequest } from '../../../src/core/routes/resolve.js';
import type { CompiledRoute } from '../../../src/core/routes/route-table.js';

const table = defaultRouteTable();
const catalog = defaultCatalog();
const file = JSON.parse(readFileSync(DEFAULT_ROUTE_TABLE_PATH, 'utf8')) as RouteTableFile;
const routes = table.routes;
const permissionNames = catalog.permissions.map((p) => p.name);

/** A concrete path for a template: each parameter becomes an id-like value. */
function instantiate(template: string, ids: readonly string[]): string {
  let n = 0;
  return template.replace(/\{[^}]+\}/g, () => ids[n++ % ids.length]!);
}

/** Every valid expand path of a route, up to three segments (walking the table's types). */
function expandPaths(route: CompiledRoute): string[] {
  const out: string[] = [];
  const walk = (types: readonly string[], prefix: string, depth: number): void => {
    if (depth > 3) return;
    const fields = new Map<string, { expandable: boolean; next: string[] }>();
    for (const type of types) {
      const entry = file.types[type];
      for (const [field, targets] of Object.entries(entry?.expand ?? {})) {
        const known = fields.get(field) ?? { expandable: false, next: [] };
        fields.set(field, {
          expandable: true,
          next: [...known.next, ...(entry?.nested?.[field] ?? targets)],
        });
      }
      for (const [field, targets] of Object.entries(entry?.nested ?? {})) {
        const known = fields.get(field) ?? { expandable: false, next: [] };
        if (entry?.expand?.[field] === undefined)
          fields.set(field, { ...known, next: [...known.next, ...targets] });
      }
    }
    for (const [field, { expandable, next }] of fields) {
      const path = prefix === '' ? field : `${prefix}.${field}`;
      if (expandable) out.push(path);
      walk([...new Set(next)], path, depth + 1);
    }
  };
  walk(route.response, '', 1);
  return out.sort();
}

const idArb = fc.stringMatching(/^[a-z]{2,4}_[A-Za-z0-9]{1,12}$/);
const availableRoutes = routes.filter((r) => r.available);
const expandableRoutes = availableRoutes
  .map((route) => ({ route, paths: expandPaths(route) }))
  .filter((r) => r.paths.length > 0);

/** Routes are drawn by index so that counterexamples print small. */
const requestArb = fc.integer({ min: 0, max: expandableRoutes.length - 1 }).chain((index) =>
  fc.record({
    index: fc.constant(index),
    ids: fc.array(idArb, { minLength: 1, maxLength: 3 }),
    expand: fc.array(fc.constantFrom(...expandableRoutes[index]!.paths), { maxLength: 4 }),
    indexed: fc.boolean(),
  }),
);

const routeOf = (index: number): CompiledRoute => expandableRoutes[index]!.route;

function query(expand: readonly string[], indexed: boolean): string {
  return expand.map((p, i) => `expand${indexed ? `[${i}]` : '[]'}=${encodeURIComponent(p)}`).join('&');
}

describe('route resolution properties', () => {
  it('has expandable routes to test with', () => {
    expect(expandableRoutes.length).toBeGreaterThan(150);
  });

  it('is deterministic and every group names only catalog permissions', () => {
    fc.assert(
      fc.property(requestArb, ({ index, ids, expand, indexed }) => {
        const route = routeOf(index);
        const path = instantiate(route.path, ids);
        const request = { method: route.method, path: `${path}?${query(expand, indexed)}` };
        const first = resolveRequest(table, request);
        const second = resolveRequest(table, { ...request });
        expect(second.requirement).toEqual(first.requirement);
        expect(first.route).toBe(route.path);
        expect(first.requirement[0]).toBe(route.requirement[0]);
        for (const group of first.requirement) {
          for (const name of group.anyOf) expect(catalog.has(name), name).toBe(true);
          expect(group.indices).toEqual(group.anyOf.map((name) => catalog.indexOf(name)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order, repetition or spelling of expand parameters', () => {
    fc.assert(
      fc.property(requestArb, fc.boolean(), ({ index, ids, expand }, indexed) => {
        const route = routeOf(index);
        const path = instantiate(route.path, ids);
        const once = resolveRequest(table, {
          method: route.method,
          path: `${path}?${query(expand, indexed)}`,
        });
        const shuffled = [...expand].reverse().concat(expand);
        const again = resolveRequest(table, {
          method: route.method,
          path: `${path}?${query(shuffled, !indexed)}`,
        });
        const key = (r: typeof once) => r.requirement.map((g) => g.anyOf.join('|')).sort();
        expect(key(again)).toEqual(key(once));
        expect([...again.expand].sort()).toEqual([...once.expand].sort());
      }),
      { numRuns: 200 },
    );
  });

  it('a write grant satisfies every GET on the same resource', () => {
    for (const get of availableRoutes.filter((r) => r.method === 'GET' && r.resource !== undefined)) {
      const writers = availableRoutes.filter((r) => r.method !== 'GET' && r.resource === get.resource);
      for (const writer of writers) {
        for (const grant of writer.requirement[0]!.anyOf) {
          const decision = decide(catalog.closure([grant]), get.requirement);
          expect(decision.allowed, `${grant} ⇒ ${get.method} ${get.path}`).toBe(true);
        }
      }
    }
  });

  it('adding grants never turns an allow into a deny', () => {
    fc.assert(
      fc.property(
        requestArb,
        fc.subarray(permissionNames),
        fc.subarray(permissionNames),
        ({ index, ids, expand, indexed }, granted, extra) => {
          const route = routeOf(index);
          const resolved = resolveRequest(table, {
            method: route.method,
            path: `${instantiate(route.path, ids)}?${query(expand, indexed)}`,
          });
          const before = decide(catalog.closure(granted), resolved.requirement).allowed;
          const after = decide(catalog.closure([...granted, ...extra]), resolved.requirement).allowed;
          expect(!before || after).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('no grant allows an unavailable endpoint (deny by default)', () => {
    const everything = catalog.closure(permissionNames);
    for (const route of routes.filter((r) => !r.available)) {
      const resolved = resolveRequest(table, {
        method: route.method,
        path: instantiate(route.path, ['x_1']),
      });
      expect(resolved.available).toBe(false);
      expect(decide(everything, resolved.requirement).allowed).toBe(false);
    }
  });
});

describe('route matching against a reference model', () => {
  /** The reference: every template that fits, the one with static segments earliest wins. */
  function reference(method: string, path: string): string | undefined {
    const segments = path.split('/').slice(1);
    let best: { path: string; rank: string } | undefined;
    for (const route of routes) {
      if (route.method !== method) continue;
      const parts = route.path.split('/').slice(1);
      if (parts.length !== segments.length) continue;
      let rank = '';
      let fits = true;
      parts.forEach((part, i) => {
        const segment = segments[i]!;
        if (part.startsWith('{')) {
          if (segment === '' || segment === '.' || segment === '..') fits = false;
          rank += '1';
        } else {
          if (part !== segment) fits = false;
          rank += '0';
        }
      });
      if (fits && (best === undefined || rank < best.rank)) best = { path: route.path, rank };
    }
    return best?.path;
  }

  const words = [
    ...new Set(routes.flatMap((r) => r.path.split('/').filter((s) => s !== '' && !s.startsWith('{')))),
  ];
  const pathArb = fc
    .record({
      index: fc.integer({ min: 0, max: routes.length - 1 }),
      method: fc.constantFrom('GET', 'POST', 'DELETE'),
      choices: fc.array(fc.oneof(idArb, fc.constantFrom(...words), fc.constantFrom('', '.', '..')), {
        minLength: 8,
        maxLength: 8,
      }),
      mutate: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    })
    .map(({ index, method, choices, mutate }) => {
      const parts = routes[index]!.path.split('/').slice(1);
      const path = `/${parts.map((p, i) => (p.startsWith('{') || mutate[i] ? choices[i]! : p)).join('/')}`;
      return { method, path };
    });

  it('the trie picks the same route as the reference for any path', () => {
    fc.assert(
      fc.property(pathArb, ({ method, path }) => {
        expect(table.match(method, path)?.path).toBe(reference(method, path));
      }),
      { numRuns: 3000 },
    );
  });
});

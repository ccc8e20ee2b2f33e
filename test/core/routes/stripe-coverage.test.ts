import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import { generateRouteTable, serializeRouteTable } from '../../../src/core/routes/generate.js';
import { DEFAULT_ROUTE_TABLE_PATH, defaultRouteTable } from '../../../src/core/routes/load.js';
import { STRIPE_MAPPING } from '../../../src/core/routes/stripe-mapping.js';
import { STRIPE_SECRET_STORE } from '../../../src/core/routes/stripe-secret-store.js';

const SPEC_PATH = fileURLToPath(
  new URL('../../../../shared/stripe-openapi/spec3-2022-04-12.json', import.meta.url),
);
const hasSpec = existsSync(SPEC_PATH);
const catalog = defaultCatalog();

/** Every permission name the Stripe mapping mentions. */
function mappingPermissions(): string[] {
  const names: string[] = [];
  const add = (value: string | readonly string[] | undefined): void => {
    if (value === undefined) return;
    names.push(...(typeof value === 'string' ? [value] : value));
  };
  for (const p of Object.values(STRIPE_MAPPING.resources)) {
    add(p.read);
    add(p.write);
  }
  for (const rule of [
    ...Object.values(STRIPE_MAPPING.paths ?? {}),
    ...Object.values(STRIPE_MAPPING.operations ?? {}),
  ]) {
    if (typeof rule !== 'string' && 'anyOf' in rule) add(rule.anyOf);
  }
  for (const rule of Object.values(STRIPE_MAPPING.expansions ?? {})) if ('anyOf' in rule) add(rule.anyOf);
  return [...new Set(names)].sort();
}

describe('the Stripe mapping', () => {
  it('names only permissions that exist in the catalog', () => {
    const names = mappingPermissions();
    expect(names.length).toBeGreaterThan(60);
    expect(names.filter((name) => !catalog.has(name))).toEqual([]);
  });

  it('gives every resource without a read or write permission a reason', () => {
    for (const [resource, p] of Object.entries(STRIPE_MAPPING.resources)) {
      if (p.read === undefined && p.write === undefined) expect(p.unavailable, resource).toBeTruthy();
    }
  });

  it('the committed table covers every operation once, each mapped or unavailable with a reason', () => {
    const table = defaultRouteTable();
    // the description's 417 operations and the Secret Store's 4 (the supplement)
    expect(table.routes).toHaveLength(421);
    for (const route of table.routes) {
      const group = route.requirement[0]!;
      expect(route.requirement).toHaveLength(1);
      if (route.available) expect(group.anyOf.length, `${route.method} ${route.path}`).toBeGreaterThan(0);
      else expect(group.reason, `${route.method} ${route.path}`).toMatch(/ is not available to apps: \S/);
    }
    expect(table.routes.filter((r) => !r.available)).toHaveLength(91);
  });

  it('adds the Secret Store (newer than the description), every call guarded by `secret_write`', () => {
    const table = defaultRouteTable();
    const store = table.routes.filter((r) => r.path.startsWith('/v1/apps/secrets'));
    expect(store.map((r) => `${r.method} ${r.path} ${r.operation}`).sort()).toEqual([
      'GET /v1/apps/secrets GetAppsSecrets',
      'GET /v1/apps/secrets/find GetAppsSecretsFind',
      'POST /v1/apps/secrets PostAppsSecrets',
      'POST /v1/apps/secrets/delete PostAppsSecretsDelete',
    ]);
    for (const route of store) expect(route.requirement.map((g) => g.anyOf)).toEqual([['secret_write']]);
    expect(table.source).toContain('supplement: Secret Store API');
  });
});

if (!hasSpec) {
  console.warn(
    `skipping the Stripe OpenAPI coverage checks: ${SPEC_PATH} does not exist (it lives outside the package)`,
  );
}

describe.skipIf(!hasSpec)(
  'the Stripe OpenAPI description (skipped when ../shared/stripe-openapi is absent)',
  () => {
    const spec: unknown = hasSpec ? JSON.parse(readFileSync(SPEC_PATH, 'utf8')) : undefined;
    const operations = (): string[] => {
      const paths = (spec as { paths: Record<string, Record<string, unknown>> }).paths;
      const out: string[] = [];
      for (const [path, item] of Object.entries(paths)) {
        for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
          if (item[method] !== undefined) out.push(`${method.toUpperCase()} ${path}`);
        }
      }
      return out.sort();
    };

    it('every operation in the spec is in the table, mapped or explicitly unavailable', () => {
      const ops = operations();
      expect(ops).toHaveLength(417);
      const table = defaultRouteTable();
      const routes = new Set(table.routes.map((r) => `${r.method} ${r.path}`));
      expect(ops.filter((op) => !routes.has(op))).toEqual([]);
      // the only routes the description lacks are the supplement's
      const supplement = Object.entries(STRIPE_SECRET_STORE.paths).flatMap(([path, item]) =>
        Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect([...routes].filter((route) => !ops.includes(route)).sort()).toEqual(supplement.sort());
    });

    it('the generator covers the spec with no gaps (it throws on any unmapped type or stale rule)', () => {
      const file = generateRouteTable(spec, STRIPE_MAPPING, { catalog });
      expect(file.routes.every((r) => (r.anyOf === undefined) !== (r.unavailable === undefined))).toBe(true);
    });

    it('catalogs/stripe-routes.json is what the generator produces (run `npm run generate:routes`)', () => {
      const file = generateRouteTable(spec, STRIPE_MAPPING, { catalog });
      expect(readFileSync(DEFAULT_ROUTE_TABLE_PATH, 'utf8')).toBe(serializeRouteTable(file));
    });
  },
);

import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import type { RouteTableFile } from '../../../src/core/routes/format.js';
import { defaultRouteTable, parseRouteTable } from '../../../src/core/routes/load.js';
import { RouteTable, validateRouteTable } from '../../../src/core/routes/route-table.js';
import { AppscopeError } from '../../../src/errors.js';

const catalog = defaultCatalog();

function file(routes: RouteTableFile['routes'], types: RouteTableFile['types'] = {}): RouteTableFile {
  return { formatVersion: 1, name: 'test', routes, types };
}

function errorOf(run: () => unknown): AppscopeError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppscopeError) return error;
    throw error;
  }
  throw new Error('expected an AppscopeError');
}

describe('RouteTable.compile', () => {
  it('reports every problem of a table with ERR_ROUTE_TABLE_INVALID', () => {
    const bad = file(
      [
        { method: 'GET', path: '/v1/a', operation: 'A', response: ['a'], anyOf: ['customer_raed'] },
        { method: 'GET', path: '/v1/a', operation: 'A2', response: [], anyOf: ['customer_read'] },
        { method: 'GET', path: '/v1/b/{x}', operation: 'B', response: [], anyOf: ['customer_read'] },
        { method: 'GET', path: '/v1/b/{y}', operation: 'B2', response: [], anyOf: ['customer_read'] },
        { method: 'POST', path: '/v1//c', operation: 'C', response: [], anyOf: ['customer_write'] },
        {
          method: 'POST',
          path: '/v1/d',
          operation: 'D',
          response: [],
          anyOf: ['customer_write'],
          unavailable: 'no',
        },
        { method: 'DELETE', path: '/v1/e', operation: 'E', response: [] },
      ],
      {
        a: {
          expand: { owner: ['ghost'], pet: ['b'] },
          nested: { inner: ['nowhere'] },
          expandRules: { x: { anyOf: ['customer_read'] } },
        },
        b: { read: ['plan_read'], unavailable: 'both' },
      },
    );
    const error = errorOf(() => RouteTable.compile(bad, catalog, 'bad.json'));
    expect(error.code).toBe('ERR_ROUTE_TABLE_INVALID');
    expect(error.issues.map((i) => [i.code, i.path])).toEqual([
      ['unknown_permission', 'routes[0].anyOf[0]'],
      ['duplicate_route', 'routes[1]'],
      ['conflicting_route', 'routes[3].path'],
      ['invalid_path', 'routes[4].path'],
      ['invalid_route', 'routes[5]'],
      ['invalid_route', 'routes[6]'],
      ['unknown_type', 'types["a"].expand.owner'],
      ['invalid_expand_rule', 'types["a"].expandRules.x'],
      ['unknown_type', 'types["a"].nested.inner'],
      ['invalid_type', 'types["b"]'],
    ]);
    expect(error.message.split('\n')[0]).toBe('route table `bad.json` is invalid (10 problems):');
    expect(error.issues[0]!.message).toBe(
      'permission `customer_raed` is not in catalog `stripe-apps`; did you mean `customer_read`?',
    );
    expect(error.issues[2]!.message).toBe(
      'route `GET /v1/b/{y}` matches the same requests as routes[2] (`/v1/b/{x}`)',
    );
  });

  it('reports structural problems through the shared zod issue codes', () => {
    const result = validateRouteTable(
      { formatVersion: 2, name: 'X', routes: [{ method: 'TRACE' }] },
      catalog,
    );
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => i.code)).toContain('missing_field');
    expect(result.issues.map((i) => i.path)).toContain('routes[0].method');
  });

  it('parseRouteTable reports JSON syntax errors with ERR_ROUTE_TABLE_INVALID', () => {
    const error = errorOf(() => parseRouteTable('{"routes": [', catalog, 'broken.json'));
    expect(error.code).toBe('ERR_ROUTE_TABLE_INVALID');
    expect(error.issues[0]!.code).toBe('invalid_json');
  });
});

describe('RouteTable.match', () => {
  const table = RouteTable.compile(
    file([
      { method: 'GET', path: '/v1/items', operation: 'List', response: [], anyOf: ['product_read'] },
      { method: 'GET', path: '/v1/items/{item}', operation: 'Get', response: [], anyOf: ['product_read'] },
      { method: 'GET', path: '/v1/items/search', operation: 'Search', response: [], anyOf: ['product_read'] },
      {
        method: 'GET',
        path: '/v1/items/search/recent',
        operation: 'Recent',
        response: [],
        anyOf: ['product_read'],
      },
      {
        method: 'GET',
        path: '/v1/items/{item}/parts',
        operation: 'Parts',
        response: [],
        anyOf: ['product_read'],
      },
      {
        method: 'POST',
        path: '/v1/items/{item}',
        operation: 'Update',
        response: [],
        anyOf: ['product_write'],
      },
    ]),
    catalog,
  );
  const op = (method: string, path: string) => table.match(method, path)?.operation;

  it('prefers static segments, backtracks to parameters, and respects the method', () => {
    expect(op('GET', '/v1/items')).toBe('List');
    expect(op('GET', '/v1/items/it_1')).toBe('Get');
    expect(op('GET', '/v1/items/search')).toBe('Search');
    expect(op('GET', '/v1/items/search/recent')).toBe('Recent');
    expect(op('GET', '/v1/items/search/parts')).toBe('Parts');
    expect(op('POST', '/v1/items/search')).toBe('Update');
    expect(op('DELETE', '/v1/items/it_1')).toBeUndefined();
    expect(op('GET', '/v1/items/it_1/parts/x')).toBeUndefined();
    expect(op('GET', 'v1/items')).toBeUndefined();
  });

  it('reads only up to `end`, so a query string can stay attached', () => {
    const path = '/v1/items/it_1?x=/y';
    expect(table.match('GET', path, path.indexOf('?'))?.operation).toBe('Get');
  });

  it('decodes escaped segments and refuses encoded slashes and dot segments', () => {
    expect(op('GET', '/v1/%69tems/%73earch')).toBe('Search');
    expect(op('GET', '/v1/items/it%5F1')).toBe('Get');
    expect(op('GET', '/v1/items/a%2Fb')).toBeUndefined();
    expect(op('GET', '/v1/items/%2E')).toBeUndefined();
    expect(op('GET', '/v1/items/.')).toBeUndefined();
    expect(op('GET', '/v1/items/../parts')).toBeUndefined();
    expect(op('GET', '/v1/items/...')).toBe('Get');
  });

  it('finds routes by template and suggests near ones', () => {
    expect(table.route('get', '/v1/items/{item}')?.operation).toBe('Get');
    expect(table.suggest('GET', '/v1/itemz')).toBe('GET /v1/items');
    expect(table.suggest('GET', '/v1/items/it_1/partz')).toBe('GET /v1/items/{item}/parts');
    expect(table.methodsFor('/v1/items/it_1')).toEqual(['GET', 'POST']);
  });

  it('expand() refuses routes of another table', () => {
    const other = defaultRouteTable().route('GET', '/v1/customers')!;
    expect(() => table.expand(other, ['data.default_source'])).toThrow(RangeError);
  });
});

describe('defaultRouteTable', () => {
  it('is compiled once and knows the Stripe catalog', () => {
    expect(defaultRouteTable()).toBe(defaultRouteTable());
    expect(defaultRouteTable().name).toBe('stripe');
    expect(defaultRouteTable().catalog).toBe(catalog);
  });
});

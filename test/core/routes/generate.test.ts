import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/core/decide.js';
import { generateRouteTable, serializeRouteTable } from '../../../src/core/routes/generate.js';
import type { ResourceMapping } from '../../../src/core/routes/mapping.js';
import { resolveRequestLine } from '../../../src/core/routes/resolve.js';
import { RouteTable } from '../../../src/core/routes/route-table.js';
import { AppscopeError } from '../../../src/errors.js';
import { notesCatalog, notesMapping, notesOpenApi } from './notes-api.js';

function errorOf(run: () => unknown): AppscopeError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppscopeError) return error;
    throw error;
  }
  throw new Error('expected an AppscopeError');
}

describe('generateRouteTable (platform mode)', () => {
  const catalog = notesCatalog();

  it('derives routes from response types, path rules and operation rules', () => {
    const file = generateRouteTable(notesOpenApi(), notesMapping(), { catalog });
    expect(file.name).toBe('notes-api');
    expect(file.source).toBe('notes fixture');
    expect(file.routes).toEqual([
      {
        method: 'POST',
        path: '/v1/admin/purge',
        operation: 'Purge',
        response: [],
        unavailable: 'purging is for platform staff only',
      },
      {
        method: 'GET',
        path: '/v1/notes',
        operation: 'ListNotes',
        resource: 'note',
        response: ['list<note>'],
        anyOf: ['note_read'],
      },
      {
        method: 'POST',
        path: '/v1/notes',
        operation: 'CreateNote',
        resource: 'note',
        response: ['note'],
        anyOf: ['note_write'],
      },
      {
        method: 'GET',
        path: '/v1/notes/search',
        operation: 'SearchNotes',
        resource: 'note',
        response: ['list<note>'],
        anyOf: ['note_read'],
      },
      {
        method: 'GET',
        path: '/v1/notes/{note}',
        operation: 'GetNote',
        resource: 'note',
        response: ['deleted_note', 'note'],
        anyOf: ['note_read'],
      },
      {
        method: 'DELETE',
        path: '/v1/notes/{note}',
        operation: 'DeleteNote',
        resource: 'note', // `deleted_note` falls back to `note`
        response: ['deleted_note'],
        anyOf: ['note_write'],
      },
      {
        method: 'GET',
        path: '/v1/notes/{note}/attachments',
        operation: 'ListAttachments',
        resource: 'note',
        response: ['list<attachment>'],
        anyOf: ['note_read'],
      },
      {
        method: 'GET',
        path: '/v1/users/{user}',
        operation: 'GetUser',
        resource: 'user',
        response: ['user'],
        anyOf: ['user_read'],
      },
    ]);
  });

  it('keeps only the types expansion needs, with the permissions of expansion targets', () => {
    const file = generateRouteTable(notesOpenApi(), notesMapping(), { catalog });
    expect(file.types).toEqual({
      attachment: { read: ['note_read'] },
      'list<attachment>': {},
      'list<note>': { nested: { data: ['note'] } },
      note: {
        expand: { attachments: ['attachment'], author: ['user'] },
        nested: { attachments: ['list<attachment>'], meta: ['note_meta'] },
      },
      note_meta: { expand: { editor: ['user'] } },
      org: { unavailable: 'organisations are private' },
      user: { read: ['user_read'], expand: { org: ['org'] } },
    });
  });

  it('produces a table that compiles and resolves, expand included', () => {
    const table = RouteTable.compile(generateRouteTable(notesOpenApi(), notesMapping()), catalog);
    const resolved = resolveRequestLine(
      table,
      'GET /v1/notes?expand[]=data.author.org&expand[]=data.meta.editor',
    );
    expect(resolved.requirement.map((g) => [g.anyOf, g.reason])).toEqual([
      [['note_read'], 'GET /v1/notes reads note'],
      [['user_read'], 'expand `data.author`'],
      [[], 'expand `data.author.org` is not available to apps: organisations are private (`org`)'],
      [['user_read'], 'expand `data.meta.editor`'],
    ]);
    expect(resolveRequestLine(table, 'GET /v1/notes/n_1').route).toBe('/v1/notes/{note}');
    expect(resolveRequestLine(table, 'GET /v1/notes/search').route).toBe('/v1/notes/search');
    const purge = resolveRequestLine(table, 'POST /v1/admin/purge');
    expect(purge.available).toBe(false);
    expect(decide(catalog.closure(['note_write', 'user_read']), purge.requirement).allowed).toBe(false);
  });

  it('is deterministic: the order of the document does not matter', () => {
    const doc = notesOpenApi();
    const paths = doc['paths'] as Record<string, unknown>;
    const reversed = { ...doc, paths: Object.fromEntries(Object.entries(paths).reverse()) };
    const a = serializeRouteTable(generateRouteTable(doc, notesMapping()));
    const b = serializeRouteTable(generateRouteTable(reversed, notesMapping()));
    expect(b).toBe(a);
    expect(JSON.parse(a)).toEqual(generateRouteTable(doc, notesMapping()));
    expect(a.split('\n').filter((line) => line.startsWith('    {"method"'))).toHaveLength(8);
  });

  it('reports every unmapped resource type, for routes and expansions, in one error', () => {
    const { user: _user, ...resources } = notesMapping().resources;
    const mapping: ResourceMapping = { ...notesMapping(), resources };
    const error = errorOf(() => generateRouteTable(notesOpenApi(), mapping));
    expect(error.code).toBe('ERR_ROUTE_MAPPING_INVALID');
    expect(error.issues.map((i) => [i.code, i.path])).toEqual([
      ['unmapped_resource', 'paths["/v1/users/{user}"].get'],
      ['unmapped_expansion', 'expansions["note.author"]'],
    ]);
    expect(error.message).toMatch(
      /^mapping `notes-api` does not cover the OpenAPI document \(2 problems\):\n/,
    );
    expect(error.issues[0]!.message).toBe(
      'resource type `user` (the response of `GET /v1/users/{user}`) is not in `resources`; map it or add an `operations` or `paths` rule',
    );
  });

  it("with `unmapped: 'unavailable'`, denies what the mapping does not cover instead", () => {
    const { user: _user, ...resources } = notesMapping().resources;
    const file = generateRouteTable(
      notesOpenApi(),
      { ...notesMapping(), resources },
      { unmapped: 'unavailable' },
    );
    expect(file.routes.find((r) => r.path === '/v1/users/{user}')?.unavailable).toBe(
      'no permission is mapped to resource type `user`',
    );
    expect(file.types['user']?.unavailable).toBe('no permission is mapped to resource type `user`');
  });

  it('refuses stale rules, unknown rule resources, unknown permissions and missing reasons', () => {
    const mapping: ResourceMapping = {
      ...notesMapping(),
      resources: {
        ...notesMapping().resources,
        note: { read: 'note_raed' }, // a typo, and no write or reason
      },
      paths: { '/v1/notes/{note}/attachments': 'note', '/v1/nowhere': 'note' },
      operations: {
        'POST /v1/admin/purge': { unavailable: 'staff only' },
        'GET /v1/users/{user}': 'person',
      },
      expansions: { 'note.nothing': { anyOf: ['note_read'] } },
    };
    const error = errorOf(() => generateRouteTable(notesOpenApi(), mapping, { catalog }));
    expect(error.issues.map((i) => [i.code, i.path])).toEqual([
      ['unknown_permission', 'resources["note"].read'],
      ['missing_unavailable_reason', 'resources.note'],
      ['missing_unavailable_reason', 'resources.note'],
      ['unknown_resource', 'operations["GET /v1/users/{user}"]'],
      ['unused_rule', 'paths["/v1/nowhere"]'],
      ['unused_rule', 'expansions["note.nothing"]'],
    ]);
    expect(error.issues[0]!.message).toBe(
      'permission `note_raed` is not in catalog `notes-api`; did you mean `note_read`?',
    );
  });

  it('asks for a rule when an operation returns types with different permissions', () => {
    const doc = notesOpenApi();
    (doc['paths'] as Record<string, unknown>)['/v1/things/{id}'] = {
      get: {
        operationId: 'GetThing',
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: {
                  anyOf: [{ $ref: '#/components/schemas/note' }, { $ref: '#/components/schemas/user' }],
                },
              },
            },
          },
        },
      },
    };
    const error = errorOf(() => generateRouteTable(doc, notesMapping()));
    expect(error.issues.map((i) => i.code)).toEqual(['ambiguous_resource']);
  });

  describe('a supplement: operations the document does not describe', () => {
    const widgetSupplement = (): NonNullable<ResourceMapping['supplement']> => ({
      source: 'widgets reference',
      paths: {
        '/v1/widgets/find': {
          get: {
            operationId: 'FindWidget',
            responses: {
              '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/widget' } } } },
            },
          },
        },
      },
      schemas: {
        widget: {
          type: 'object',
          'x-resourceId': 'widget',
          // `code` is a value listed as expandable: included only on request
          'x-expandableFields': ['code', 'owner'],
          properties: {
            id: { type: 'string' },
            code: { type: 'string', nullable: true },
            owner: { anyOf: [{ type: 'string' }, { $ref: '#/components/schemas/user' }] },
          },
        },
      },
    });
    const withWidgets = (extra: Partial<ResourceMapping> = {}): ResourceMapping => ({
      ...notesMapping(),
      resources: { ...notesMapping().resources, widget: { read: 'note_read', write: 'note_write' } },
      expansions: { 'widget.code': { anyOf: ['note_write'], note: 'codes are write-only' } },
      supplement: widgetSupplement(),
      ...extra,
    });

    it('merges its operations and schemas into the document, and names it in the source', () => {
      const doc = notesOpenApi();
      const before = JSON.stringify(doc);
      const file = generateRouteTable(doc, withWidgets(), { catalog });
      expect(JSON.stringify(doc)).toBe(before); // the input is not changed
      expect(file.source).toBe('notes fixture; supplement: widgets reference');
      expect(file.routes.find((r) => r.path === '/v1/widgets/find')).toEqual({
        method: 'GET',
        path: '/v1/widgets/find',
        operation: 'FindWidget',
        resource: 'widget',
        response: ['widget'],
        anyOf: ['note_read'],
      });
      expect(file.types['widget']).toEqual({
        expand: { code: [], owner: ['user'] },
        expandRules: { code: { anyOf: ['note_write'], note: 'codes are write-only' } },
      });
    });

    it('gates a value included on request by its rule, and refuses expanding inside it', () => {
      const table = RouteTable.compile(generateRouteTable(notesOpenApi(), withWidgets()), catalog);
      const resolved = resolveRequestLine(table, 'GET /v1/widgets/find?expand[]=code&expand[]=owner');
      expect(resolved.requirement.map((g) => [g.anyOf, g.reason])).toEqual([
        [['note_read'], 'GET /v1/widgets/find reads widget'],
        [['note_write'], 'expand `code`: codes are write-only'],
        [['user_read'], 'expand `owner`'],
      ]);
      expect(decide(catalog.closure(['note_read']), resolved.requirement).allowed).toBe(false);
      expect(errorOf(() => resolveRequestLine(table, 'GET /v1/widgets/find?expand[]=code.x')).message).toBe(
        'cannot expand `code.x` on `GET /v1/widgets/find`: `code` is a value, not an object: nothing inside it can be expanded',
      );
    });

    it('asks for a rule for a value included on request, and refuses a table that lacks one', () => {
      const error = errorOf(() => generateRouteTable(notesOpenApi(), withWidgets({ expansions: {} })));
      expect(error.issues.map((i) => [i.code, i.path])).toEqual([
        ['unmapped_expansion', 'expansions["widget.code"]'],
      ]);
      const file = generateRouteTable(notesOpenApi(), withWidgets({ expansions: {} }), {
        unmapped: 'unavailable',
      });
      expect(file.types['widget']?.expandRules).toEqual({
        code: { unavailable: 'no permission is mapped to including `widget.code`' },
      });
      const { expandRules: _rules, ...bare } = file.types['widget']!;
      const invalid = errorOf(() =>
        RouteTable.compile({ ...file, types: { ...file.types, widget: bare } }, catalog),
      );
      expect(invalid.issues.map((i) => [i.code, i.path])).toEqual([
        ['invalid_type', 'types["widget"].expand.code'],
      ]);
    });

    it('refuses operations and schemas the document already has', () => {
      const supplement = widgetSupplement();
      const error = errorOf(() =>
        generateRouteTable(
          notesOpenApi(),
          withWidgets({
            supplement: {
              ...supplement,
              paths: { ...supplement.paths, '/v1/notes': { get: { operationId: 'Again', responses: {} } } },
              schemas: { ...supplement.schemas, note: { type: 'object' } },
            },
          }),
        ),
      );
      expect(error.issues.map((i) => [i.code, i.path, i.message])).toEqual([
        [
          'supplement_conflict',
          'supplement.paths["/v1/notes"].get',
          'the OpenAPI document already describes `GET /v1/notes`: remove it from the supplement',
        ],
        [
          'supplement_conflict',
          'supplement.schemas["note"]',
          'the OpenAPI document already has a schema `note`: remove it from the supplement',
        ],
      ]);
    });
  });

  it('refuses documents that are not OpenAPI 3', () => {
    expect(errorOf(() => generateRouteTable({ swagger: '2.0', paths: {} }, notesMapping())).message).toBe(
      'not an OpenAPI 3 document: `openapi` is missing',
    );
    expect(errorOf(() => generateRouteTable([], notesMapping())).code).toBe('ERR_OPENAPI_INVALID');
  });
});

/**
 * A small platform-mode fixture: a "notes" API described in OpenAPI 3 without Stripe's
 * vendor extensions except where noted, its own catalog and its resource mapping.
 */
import { compileCatalog } from '../../../src/core/catalog/catalog.js';
import type { ResourceMapping } from '../../../src/core/routes/mapping.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ '200': { content: { 'application/json': { schema } } } });
const list = (item: unknown) => ({
  type: 'object',
  properties: { object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: item } },
});

export function notesOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.0.0',
    info: { title: 'Notes', version: '1' },
    paths: {
      '/v1/notes': {
        get: { operationId: 'ListNotes', responses: json(list(ref('note'))) },
        post: { operationId: 'CreateNote', responses: json(ref('note')) },
      },
      '/v1/notes/search': { get: { operationId: 'SearchNotes', responses: json(list(ref('note'))) } },
      '/v1/notes/{note}': {
        get: { operationId: 'GetNote', responses: json({ anyOf: [ref('note'), ref('deleted_note')] }) },
        delete: { operationId: 'DeleteNote', responses: json(ref('deleted_note')) },
      },
      '/v1/notes/{note}/attachments': {
        get: { operationId: 'ListAttachments', responses: json(list(ref('attachment'))) },
      },
      '/v1/users/{user}': { get: { operationId: 'GetUser', responses: json(ref('user')) } },
      '/v1/admin/purge': {
        post: {
          operationId: 'Purge',
          responses: json({ type: 'object', properties: { ok: { type: 'boolean' } } }),
        },
      },
    },
    components: {
      schemas: {
        note: {
          type: 'object',
          'x-resourceId': 'note',
          properties: {
            id: { type: 'string' },
            // the `anyOf: [string id, $ref]` convention marks an expandable field
            author: { anyOf: [{ type: 'string' }, ref('user')] },
            meta: ref('note_meta'),
            attachments: list(ref('attachment')),
          },
        },
        note_meta: {
          type: 'object',
          properties: {
            editor: {
              anyOf: [{ type: 'string' }, ref('user')],
              'x-expansionResources': { oneOf: [ref('user')] },
            },
          },
        },
        deleted_note: {
          type: 'object',
          properties: { id: { type: 'string' }, deleted: { type: 'boolean' } },
        },
        user: {
          type: 'object',
          'x-resourceId': 'user',
          properties: { id: { type: 'string' }, org: { anyOf: [{ type: 'string' }, ref('org')] } },
        },
        org: { type: 'object', properties: { name: { type: 'string' } } },
        attachment: { type: 'object', properties: { id: { type: 'string' } } },
      },
    },
  };
}

export function notesMapping(): ResourceMapping {
  return {
    name: 'notes-api',
    source: 'notes fixture',
    resources: {
      note: { read: 'note_read', write: 'note_write' },
      user: { read: 'user_read', unavailable: 'users are managed by the platform' },
      org: { unavailable: 'organisations are private' },
      attachment: { read: 'note_read' },
    },
    paths: { '/v1/notes/{note}/attachments': 'note' },
    operations: { 'POST /v1/admin/purge': { unavailable: 'purging is for platform staff only' } },
  };
}

export function notesCatalog() {
  const result = compileCatalog({
    formatVersion: 1,
    name: 'notes-api',
    resources: [
      { resource: 'Note', description: 'Notes', permissions: ['note_read', 'note_write'] },
      { resource: 'User', description: 'Users', permissions: ['user_read'] },
    ],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.catalog;
}

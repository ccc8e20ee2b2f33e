import type { Access } from '../catalog/catalog.js';

/**
 * The permissions that cover one resource type. A GET needs one of `read` (or of `write`
 * when the resource has no read permission); a POST, PUT, PATCH or DELETE needs one of
 * `write`. Expanding a field that holds an object of this type needs one of `read` too.
 * Whatever is missing is not available to apps, for the reason in `unavailable`.
 * @example
 * { read: 'customer_read', write: 'customer_write' }
 * { read: 'webhook_read', unavailable: 'webhook endpoints are read-only for apps' }
 * { unavailable: 'Radar has no permission in this catalog' }
 */
export interface ResourcePermissions {
  readonly read?: string | readonly string[];
  readonly write?: string | readonly string[];
  /** Why reads, writes or both are not available; required when `read` or `write` is missing. */
  readonly unavailable?: string;
}

/**
 * How one operation (or every operation under a path) is covered, when its response type
 * does not say. A string is short for `{ resource }`.
 * - `{ resource }`: act on this resource type; GET reads, other methods write (or `access`).
 * - `{ anyOf }`: exactly these permissions, any one of which suffices.
 * - `{ unavailable }`: not available to apps, for this reason.
 */
export type RouteRule =
  | string
  | { readonly resource: string; readonly access?: Access; readonly note?: string }
  | { readonly anyOf: readonly string[]; readonly note?: string }
  | { readonly unavailable: string };

/** Who may expand one field, when it is not "read access to one of the types it expands to". */
export type ExpansionRule =
  | { readonly anyOf: readonly string[]; readonly note?: string }
  | { readonly unavailable: string };

/**
 * What a platform writes by hand to derive its route table from its OpenAPI document:
 * resource types (schema names or `x-resourceId`s) mapped to permissions, plus the few
 * operations and expandable fields whose types do not tell. See docs/routes.md.
 *
 * An operation is covered by, in order: its `operations` rule (`"POST /v1/accounts"`),
 * the longest `paths` rule whose template is a segment-wise prefix of its path, or the
 * resource type of its response (list responses: their items; `deleted_x`: `x` when
 * `deleted_x` itself is not mapped).
 * @example
 * const mapping: ResourceMapping = {
 *   name: 'notes-api',
 *   resources: { note: { read: 'note_read', write: 'note_write' } },
 *   paths: { '/v1/notes/{note}/attachments': 'note' },
 * };
 */
export interface ResourceMapping {
  /** Name of the route table this mapping produces, e.g. `stripe`. */
  readonly name: string;
  /** Where the OpenAPI document came from, copied into the table. */
  readonly source?: string;
  readonly resources: Readonly<Record<string, ResourcePermissions>>;
  /** Path template prefix (segment-wise, e.g. `/v1/customers/{customer}/sources`) → rule. */
  readonly paths?: Readonly<Record<string, RouteRule>>;
  /** `METHOD /path/template` → rule; wins over `paths` and response types. */
  readonly operations?: Readonly<Record<string, RouteRule>>;
  /** `type.field` (schema name, then field) → rule for expanding that field. */
  readonly expansions?: Readonly<Record<string, ExpansionRule>>;
  /**
   * Operations the OpenAPI document does not describe (an API newer than the document), in
   * the document's own form; merged into it before anything is derived, so the same rules
   * cover them. An operation or schema the document already has is an error
   * (`supplement_conflict`): drop it from the supplement when the document catches up.
   */
  readonly supplement?: OpenApiSupplement;
}

/**
 * A fragment of an OpenAPI 3 document: `paths` entries (operations with their responses) and
 * the component schemas they reference. See {@link ResourceMapping.supplement}.
 * @example
 * const supplement: OpenApiSupplement = {
 *   source: 'https://docs.example.com/api/widgets',
 *   paths: { '/v1/widgets': { get: { operationId: 'ListWidgets', responses: { … } } } },
 *   schemas: { widget: { type: 'object', properties: { … } } },
 * };
 */
export interface OpenApiSupplement {
  /** Where the operations are documented; appended to the table's `source`. */
  readonly source: string;
  /** Path template → OpenAPI path item (`get`, `post`, … operations). */
  readonly paths: Readonly<Record<string, unknown>>;
  /** Schema name → OpenAPI schema, as under `components.schemas`. */
  readonly schemas?: Readonly<Record<string, unknown>>;
}

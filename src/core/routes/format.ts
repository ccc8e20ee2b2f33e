import { z } from 'zod';
import type { ResourceMapping } from './mapping.js';

/**
 * The route table file format (version 1): what a request to each endpoint requires, and
 * the expansion graph needed to gate `expand[]`. Generated from an OpenAPI document and a
 * {@link ResourceMapping} by `generateRouteTable`; see docs/routes.md.
 * @example
 * const parsed = routeTableFileSchema.safeParse(JSON.parse(text));
 */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const nonEmpty = z.string().min(1);
const names = z.array(nonEmpty);

const expansionRuleSchema = z.union([
  z.strictObject({ anyOf: names.min(1), note: nonEmpty.optional() }),
  z.strictObject({ unavailable: nonEmpty }),
]);

export const routeEntrySchema = z.strictObject({
  method: z.enum(HTTP_METHODS),
  path: z.string().regex(/^\/\S*$/, { error: 'must start with `/` and contain no spaces' }),
  operation: nonEmpty,
  /** The resource type whose permissions cover the route (absent for explicit `anyOf` rules). */
  resource: nonEmpty.optional(),
  /** Type names of the response (`list<x>` for lists); empty when it is not a JSON object. */
  response: names,
  /** Any one of these satisfies the route. Exactly one of `anyOf` and `unavailable`. */
  anyOf: names.min(1).optional(),
  /** Why the route is not available to apps. */
  unavailable: nonEmpty.optional(),
  /** Shown as the requirement's reason instead of the generated one. */
  note: nonEmpty.optional(),
  /** `multipart`: the body may also be `multipart/form-data` (a file upload); absent: form bodies only. */
  body: z.literal('multipart').optional(),
});

export const typeEntrySchema = z.strictObject({
  /** Permissions, any one of which allows reading (so expanding to) an object of this type. */
  read: names.min(1).optional(),
  /** Why no permission covers objects of this type. */
  unavailable: nonEmpty.optional(),
  /**
   * Expandable field → the types it can expand to; none for a value included only on request
   * (which then needs an `expandRules` entry).
   */
  expand: z.record(z.string(), names).optional(),
  /** Expandable field → who may expand it, instead of its types' `read`. */
  expandRules: z.record(z.string(), expansionRuleSchema).optional(),
  /** Field that holds expandable fields (nested object, array, list) → the types inside. */
  nested: z.record(z.string(), names.min(1)).optional(),
});

export const routeTableFileSchema = z.strictObject({
  $schema: z.string().optional(),
  formatVersion: z.literal(1),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: 'must be lowercase letters, digits, `.`, `_` or `-`' }),
  source: z.string().optional(),
  routes: z.array(routeEntrySchema),
  types: z.record(z.string(), typeEntrySchema),
});

export type RouteTableFile = z.infer<typeof routeTableFileSchema>;
export type RouteEntry = z.infer<typeof routeEntrySchema>;
export type TypeEntry = z.infer<typeof typeEntrySchema>;
export type ExpansionRuleEntry = z.infer<typeof expansionRuleSchema>;

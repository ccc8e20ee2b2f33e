/**
 * Building blocks for the OpenAPI fragments (src/server/openapi/*.ts): references, Stripe-shaped
 * error responses, form bodies and list envelopes. A fragment exports `paths` (an OpenAPI 3.1
 * Paths Object, `{param}` templates) and `schemas` (merged into `components.schemas`); index.ts
 * merges them. `Error` is defined once, in index.ts.
 */

/** A `$ref` to a schema in `components.schemas`. */
export function ref(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/** A JSON response with this schema. */
export function json(description: string, schema: unknown): Record<string, unknown> {
  return { description, content: { 'application/json': { schema } } };
}

/** The error responses every authenticated operation can give (Stripe-shaped bodies). */
export function errorResponses(...statuses: readonly number[]): Record<string, unknown> {
  const descriptions: Record<number, string> = {
    400: 'Invalid request: a parameter is unknown, missing, invalid or misplaced (`error.param` names it)',
    401: 'No key, or a malformed, unknown, revoked or expired key',
    403: 'The key may not call this endpoint (e.g. an `rk_…` key on the Install API)',
    404: 'No such object (also for another account’s object, so nothing is revealed)',
    409: 'Conflict',
    413: 'The body is over the size limit',
    500: 'Unexpected failure (the message names the request id)',
    503: 'The database cannot answer: nothing was changed',
  };
  const out: Record<string, unknown> = {};
  for (const status of [...new Set([400, 401, ...statuses, 500, 503])].sort((a, b) => a - b)) {
    out[String(status)] = json(descriptions[status] ?? 'Error', ref('Error'));
  }
  return out;
}

/** A form-encoded request body (Stripe's convention: `a=1&b[]=x&b[]=y`). */
export function formBody(
  properties: Record<string, unknown>,
  required: readonly string[] = [],
): Record<string, unknown> {
  return {
    required: required.length > 0,
    content: {
      'application/x-www-form-urlencoded': {
        schema: {
          type: 'object',
          properties,
          ...(required.length > 0 ? { required: [...required] } : {}),
          additionalProperties: false,
        },
      },
    },
  };
}

/** A path parameter (a string id). */
export function pathParam(name: string, description: string): Record<string, unknown> {
  return { name, in: 'path', required: true, description, schema: { type: 'string' } };
}

/** A query parameter. */
export function queryParam(
  name: string,
  description: string,
  schema: unknown = { type: 'string' },
): Record<string, unknown> {
  return { name, in: 'query', required: false, description, schema };
}

/** `created`, `created[gt]` … `created[lte]` (unix seconds), as Stripe's list endpoints take it. */
export function createdParam(): Record<string, unknown> {
  return {
    name: 'created',
    in: 'query',
    required: false,
    description: 'unix seconds: one time, or a range with `created[gt]`, `[gte]`, `[lt]`, `[lte]`',
    style: 'deepObject',
    explode: true,
    schema: {
      oneOf: [
        { type: 'integer' },
        {
          type: 'object',
          properties: {
            gt: { type: 'integer' },
            gte: { type: 'integer' },
            lt: { type: 'integer' },
            lte: { type: 'integer' },
          },
          additionalProperties: false,
        },
      ],
    },
  };
}

/** Stripe's list envelope around items of one schema. */
export function listOf(item: string): Record<string, unknown> {
  return {
    type: 'object',
    required: ['object', 'data', 'has_more', 'url'],
    properties: {
      object: { const: 'list' },
      data: { type: 'array', items: ref(item) },
      has_more: { type: 'boolean' },
      url: { type: 'string' },
    },
  };
}

/** `expand[]`: accepted for Stripe SDK compatibility (appscope's objects have nothing to expand). */
export const EXPAND = {
  type: 'array',
  items: { type: 'string' },
  description: 'accepted for SDK compatibility; nothing is expandable',
};

/** An `Idempotency-Key` header parameter (honoured on every POST). */
export const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'a retry with the same key and the same request gets the first answer again',
  schema: { type: 'string', maxLength: 255 },
};

import { readFileSync } from 'node:fs';

/** A JSON-schema subset: what the emulator keeps of the description's schemas. */
export interface ModelSchema {
  /** The name of a component schema (the description's `#/components/schemas/` dropped). */
  readonly $ref?: string;
  readonly type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  readonly nullable?: boolean;
  readonly enum?: readonly (string | number | boolean)[];
  readonly format?: 'unix-time' | 'binary';
  readonly maxLength?: number;
  /** A response string's pattern (a list's `url`: `^/v1/balance_transactions`). */
  readonly pattern?: string;
  /** Stripe's `x-stripeBypassValidation`: the enum lists known values, others are accepted too. */
  readonly bypass?: boolean;
  readonly properties?: Readonly<Record<string, ModelSchema>>;
  readonly required?: readonly string[];
  readonly items?: ModelSchema;
  readonly anyOf?: readonly ModelSchema[];
  readonly additionalProperties?: boolean | ModelSchema;
  /** `x-expandableFields`: fields that expand, or lead to fields that do. */
  readonly expandable?: readonly string[];
  readonly resourceId?: string;
}

/** One operation of the description. */
export interface ModelOperation {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** `/v1/customers/{customer}` style, as in the description. */
  readonly path: string;
  readonly operationId: string;
  /** The parameters as one object schema: the query's for GET and DELETE, the body's for POST. */
  readonly params: ModelSchema;
  /** The body is `multipart/form-data` (file uploads). */
  readonly multipart?: boolean;
  readonly response: ModelSchema;
  /** The response's media type when it is not JSON (`application/pdf` for a quote's PDF). */
  readonly responseType?: string;
}

/** `catalogs/stripe-api-model.json`. */
export interface ApiModel {
  readonly formatVersion: 1;
  /** The description it was generated from. */
  readonly source: string;
  readonly operations: readonly ModelOperation[];
  readonly schemas: Readonly<Record<string, ModelSchema>>;
}

/** Where the generated model lives in the package. */
export const API_MODEL_URL = new URL('../../../catalogs/stripe-api-model.json', import.meta.url);

let cached: ApiModel | undefined;

/** The package's API model, read once per process. */
export function loadApiModel(): ApiModel {
  if (cached === undefined) cached = JSON.parse(readFileSync(API_MODEL_URL, 'utf8')) as ApiModel;
  return cached;
}

/** Follows `$ref`s to the schema itself. */
export function resolveSchema(model: ApiModel, schema: ModelSchema): ModelSchema {
  let current = schema;
  for (let i = 0; current.$ref !== undefined; i++) {
    const next = model.schemas[current.$ref];
    if (next === undefined || i > 16) throw new Error(`unresolvable schema reference ${current.$ref}`);
    current = next;
  }
  return current;
}

/** The `object` value a schema fixes (`tax_rate`), if it has one. */
export function objectName(model: ApiModel, schema: ModelSchema): string | undefined {
  const resolved = resolveSchema(model, schema);
  const values = resolved.properties?.['object']?.enum;
  return values !== undefined && values.length === 1 && typeof values[0] === 'string' ? values[0] : undefined;
}

/** A list envelope's item schema, if `schema` is a list (`object: list` with `data`). */
export function listItemSchema(model: ApiModel, schema: ModelSchema): ModelSchema | undefined {
  const resolved = resolveSchema(model, schema);
  const object = resolved.properties?.['object']?.enum;
  const data = resolved.properties?.['data'];
  if (object?.length === 1 && (object[0] === 'list' || object[0] === 'search_result') && data?.items) {
    return data.items;
  }
  return undefined;
}

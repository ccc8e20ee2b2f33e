/**
 * Turns Stripe's OpenAPI description into the emulator's compact API model
 * (`catalogs/stripe-api-model.json`): every operation's parameters and response, and the
 * component schemas they reach, with descriptions and other prose dropped. The emulator's
 * generic engine serves, validates and expands from this model; the description itself is
 * never read at run time. Run by `npm run generate:api-model`.
 */
import type { ApiModel, ModelOperation, ModelSchema } from './model.js';

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'delete'] as const;

/** Builds the model from the parsed description; throws if it is not the shape expected. */
export function generateApiModel(spec: unknown, source: string): ApiModel {
  const root = spec as Json;
  const paths = root['paths'] as Record<string, Json> | undefined;
  const components = (root['components'] as Json | undefined)?.['schemas'] as
    | Record<string, Json>
    | undefined;
  if (paths === undefined || components === undefined) {
    throw new Error('not an OpenAPI description: `paths` or `components.schemas` is missing');
  }
  const reached = new Set<string>();
  const pending: string[] = [];
  const note = (name: string): void => {
    if (!reached.has(name)) {
      if (components[name] === undefined) throw new Error(`$ref to a missing schema: ${name}`);
      reached.add(name);
      pending.push(name);
    }
  };

  const operations: ModelOperation[] = [];
  for (const path of Object.keys(paths).sort()) {
    const item = paths[path]!;
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (op === undefined) continue;
      const content = ((op['responses'] as Json)['200'] as Json | undefined)?.['content'] as
        | Record<string, Json>
        | undefined;
      const [mediaType, response] = Object.entries(content ?? {})[0] ?? [];
      if (response === undefined) throw new Error(`${method.toUpperCase()} ${path} has no 200 response`);
      const out: ModelOperation = {
        method: method.toUpperCase() as ModelOperation['method'],
        path,
        operationId: String(op['operationId']),
        response: compact(response['schema'] as Json, note, false),
        ...(mediaType === 'application/json' || mediaType === undefined ? {} : { responseType: mediaType }),
        ...paramsOf(method, op, note),
      };
      operations.push(out);
    }
  }
  const schemas: Record<string, ModelSchema> = {};
  while (pending.length > 0) {
    const name = pending.pop()!;
    schemas[name] = compact(components[name]!, note, false);
  }
  const sorted: Record<string, ModelSchema> = {};
  for (const name of Object.keys(schemas).sort()) sorted[name] = schemas[name]!;
  return { formatVersion: 1, source, operations, schemas: sorted };
}

function paramsOf(
  method: string,
  op: Json,
  note: (name: string) => void,
): Pick<ModelOperation, 'params' | 'multipart'> {
  if (method === 'post') {
    const content = (op['requestBody'] as Json | undefined)?.['content'] as Json | undefined;
    const form = content?.['application/x-www-form-urlencoded'] as Json | undefined;
    const multipart = content?.['multipart/form-data'] as Json | undefined;
    const schema = (form ?? multipart)?.['schema'] as Json | undefined;
    const params = schema === undefined ? emptyObject() : compact(schema, note, true);
    return form === undefined && multipart !== undefined ? { params, multipart: true } : { params };
  }
  const properties: Record<string, ModelSchema> = {};
  const required: string[] = [];
  for (const parameter of (op['parameters'] as Json[] | undefined) ?? []) {
    if (parameter['in'] !== 'query') continue;
    const name = String(parameter['name']);
    properties[name] = compact(parameter['schema'] as Json, note, true);
    if (parameter['required'] === true) required.push(name);
  }
  return {
    params: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) },
  };
}

function emptyObject(): ModelSchema {
  return { type: 'object', properties: {} };
}

/**
 * Keeps what the engine needs of a JSON schema: types, nullability, enums, structure,
 * references (`$ref` becomes the bare schema name), `unix-time`/`binary` formats, the
 * expandable fields and resource id, and (for parameters) `maxLength` and Stripe's
 * `x-stripeBypassValidation` (an enum that is a hint, not a rule).
 */
function compact(schema: Json, note: (name: string) => void, isParam: boolean): ModelSchema {
  if (typeof schema['$ref'] === 'string') {
    const name = schema['$ref'].replace('#/components/schemas/', '');
    note(name);
    return { $ref: name };
  }
  const out: { -readonly [K in keyof ModelSchema]: ModelSchema[K] } = {};
  if (typeof schema['type'] === 'string') out.type = schema['type'] as NonNullable<ModelSchema['type']>;
  if (schema['nullable'] === true) out.nullable = true;
  if (Array.isArray(schema['enum'])) out.enum = schema['enum'] as (string | number | boolean)[];
  if (schema['format'] === 'unix-time' || schema['format'] === 'binary') out.format = schema['format'];
  if (isParam && typeof schema['maxLength'] === 'number') out.maxLength = schema['maxLength'];
  if (!isParam && typeof schema['pattern'] === 'string') out.pattern = schema['pattern'];
  if (isParam && schema['x-stripeBypassValidation'] === true) out.bypass = true;
  if (schema['properties'] !== undefined) {
    const properties: Record<string, ModelSchema> = {};
    for (const [name, value] of Object.entries(schema['properties'] as Record<string, Json>)) {
      properties[name] = compact(value, note, isParam);
    }
    out.properties = properties;
  }
  if (Array.isArray(schema['required']) && schema['required'].length > 0) {
    out.required = [...(schema['required'] as string[])];
  }
  if (schema['items'] !== undefined) out.items = compact(schema['items'] as Json, note, isParam);
  if (Array.isArray(schema['anyOf']))
    out.anyOf = (schema['anyOf'] as Json[]).map((s) => compact(s, note, isParam));
  if (schema['additionalProperties'] !== undefined) {
    const extra = schema['additionalProperties'];
    out.additionalProperties = typeof extra === 'boolean' ? extra : compact(extra as Json, note, isParam);
  }
  if (Array.isArray(schema['x-expandableFields']) && schema['x-expandableFields'].length > 0) {
    out.expandable = [...(schema['x-expandableFields'] as string[])];
  }
  if (typeof schema['x-resourceId'] === 'string') out.resourceId = schema['x-resourceId'];
  return out;
}

/** The model as committed: stable key order, one operation per line. */
export function serializeApiModel(model: ApiModel): string {
  const ops = model.operations.map((op) => `    ${JSON.stringify(op)}`).join(',\n');
  const schemas = Object.entries(model.schemas)
    .map(([name, schema]) => `    ${JSON.stringify(name)}: ${JSON.stringify(schema)}`)
    .join(',\n');
  return `{\n  "formatVersion": ${model.formatVersion},\n  "source": ${JSON.stringify(model.source)},\n  "operations": [\n${ops}\n  ],\n  "schemas": {\n${schemas}\n  }\n}\n`;
}

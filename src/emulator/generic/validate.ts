import type { FormValue } from '../../http/form.js';
import {
  type ApiError,
  invalidRequest,
  parameterMissing,
  parameterUnknown,
} from '../../http/stripe-error.js';
import { type ApiModel, type ModelSchema, resolveSchema } from './model.js';

/** A parameter value after validation: strings, numbers, booleans, lists and hashes. */
export type ParamJson = string | number | boolean | ParamJson[] | { [key: string]: ParamJson } | FileValue;

/** The file of a multipart upload, as the validator passes it through. */
export interface FileValue {
  readonly kind: 'file';
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
}

/**
 * Checks parsed parameters against an operation's parameter schema from the description,
 * as Stripe does, and answers them typed (`"3"` → 3 for an integer, `"true"` → true). Refuses,
 * naming the parameter in Stripe's bracket notation:
 * - a name the schema does not have, at any depth → 400 `parameter_unknown`
 *   (`Received unknown parameter: address[planet]`);
 * - a required one that is absent → 400 `parameter_missing`;
 * - a value of the wrong type or outside the enum → 400 `parameter_invalid_*`;
 * - an empty string for a number, a boolean or an enum without `''` → 400 `parameter_invalid_empty`.
 * An empty string for a string stays `''` (Stripe's "unset"; the description does not say
 * everywhere where Stripe accepts it, so it is never refused for a plain string).
 * @example
 * validateParams(model, op.params, { percentage: '7.5', inclusive: 'false', display_name: 'VAT' });
 * // { percentage: 7.5, inclusive: false, display_name: 'VAT' }
 */
export function validateParams(
  model: ApiModel,
  schema: ModelSchema,
  form: Readonly<Record<string, FormValue | FileValue>>,
  skip: readonly string[] = [],
): Record<string, ParamJson> {
  const resolved = resolveSchema(model, schema);
  const out: Record<string, ParamJson> = {};
  for (const [name, value] of Object.entries(form)) {
    if (skip.includes(name)) continue;
    const property = resolved.properties?.[name];
    if (property === undefined) throw parameterUnknown(name);
    out[name] = check(model, property, value, name);
  }
  for (const name of resolved.required ?? []) {
    if (form[name] === undefined && !skip.includes(name)) throw parameterMissing(name);
  }
  return out;
}

type Input = FormValue | FileValue;

function isFile(value: Input): value is FileValue {
  return (
    typeof value === 'object' &&
    !Array.isArray(value) &&
    (value as FileValue).kind === 'file' &&
    'size' in value
  );
}

function shape(value: Input): 'string' | 'array' | 'object' {
  if (typeof value === 'string') return 'string';
  return Array.isArray(value) ? 'array' : 'object';
}

function schemaShape(model: ApiModel, schema: ModelSchema): 'string' | 'array' | 'object' | 'any' {
  const s = resolveSchema(model, schema);
  if (s.type === 'array') return 'array';
  if (s.type === 'object' || s.properties !== undefined) return s.format === 'binary' ? 'string' : 'object';
  if (s.type === undefined && s.anyOf === undefined) return 'any';
  if (s.format === 'binary') return 'object';
  return 'string';
}

function check(model: ApiModel, schema: ModelSchema, value: Input, name: string): ParamJson {
  const s = resolveSchema(model, schema);
  if (s.anyOf !== undefined) return checkAnyOf(model, s.anyOf, value, name);
  if (s.format === 'binary') {
    if (isFile(value)) return value;
    throw invalidRequest(`Invalid ${name}: must be a file uploaded as multipart/form-data.`, {
      code: 'parameter_invalid_file',
      param: name,
    });
  }
  switch (s.type) {
    case 'string':
      // An upload's file part is described as a string.
      return isFile(value) ? value : checkString(s, value, name);
    case 'integer':
      return checkNumber(value, name, true);
    case 'number':
      return checkNumber(value, name, false);
    case 'boolean': {
      const text = scalar(value, name, 'boolean');
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw invalidRequest(`Invalid boolean: ${text}`, { code: 'parameter_invalid_boolean', param: name });
    }
    case 'array':
      return checkArray(model, s, value, name);
    case 'object':
      return checkObject(model, s, value, name);
    default:
      if (s.properties !== undefined) return checkObject(model, s, value, name);
      return plain(value);
  }
}

/** Tries the alternatives whose shape fits the value (string, list or hash), in order. */
function checkAnyOf(
  model: ApiModel,
  alternatives: readonly ModelSchema[],
  value: Input,
  name: string,
): ParamJson {
  const kind = isFile(value) ? 'string' : shape(value);
  let first: unknown;
  for (const alternative of alternatives) {
    const fits = schemaShape(model, alternative);
    if (fits !== 'any' && fits !== kind && !(kind === 'string' && value === '' && fits !== 'string'))
      continue;
    try {
      return check(model, alternative, value, name);
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
  throw wrongShape(model, alternatives[0]!, value, name);
}

function wrongShape(model: ApiModel, schema: ModelSchema, value: Input, name: string): ApiError {
  const wanted = schemaShape(model, schema);
  const noun = wanted === 'array' ? 'array' : wanted === 'object' ? 'hash' : 'string';
  const got = shape(value) === 'array' ? 'an array' : shape(value) === 'object' ? 'a hash' : 'a string';
  return invalidRequest(
    `Invalid ${noun}: ${name} must be ${noun === 'hash' ? 'a' : 'an'} ${noun}, not ${got}.`,
    {
      code: noun === 'string' ? 'parameter_invalid_string' : `parameter_invalid_${noun}`,
      param: name,
    },
  );
}

function scalar(value: Input, name: string, noun: string): string {
  if (typeof value === 'string') return value;
  throw invalidRequest(
    `Invalid ${noun}: ${name} must be a ${noun}, not ${Array.isArray(value) ? 'an array' : 'a hash'}.`,
    {
      code: `parameter_invalid_${noun}`,
      param: name,
    },
  );
}

function emptyNotAllowed(name: string): ApiError {
  return invalidRequest(
    `You passed an empty string for '${name}'. We assume empty values are an attempt to unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your request or supply a non-empty value.`,
    { code: 'parameter_invalid_empty', param: name },
  );
}

function checkString(s: ModelSchema, value: Input, name: string): string {
  const text = scalar(value, name, 'string');
  if (s.enum !== undefined && !s.enum.includes(text) && s.bypass !== true) {
    if (text === '') throw emptyNotAllowed(name);
    throw invalidRequest(`Invalid ${name}: must be one of ${oneOf(s.enum)}`, {
      code: 'parameter_invalid_string',
      param: name,
    });
  }
  if (s.maxLength !== undefined && text.length > s.maxLength) {
    throw invalidRequest(`Invalid ${name}: must be at most ${s.maxLength} characters`, {
      code: 'parameter_invalid_string',
      param: name,
    });
  }
  return text;
}

function oneOf(values: readonly (string | number | boolean)[]): string {
  const shown = values.map(String);
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')}, or ${shown[shown.length - 1]}`;
}

function checkNumber(value: Input, name: string, integer: boolean): number {
  const text = scalar(value, name, integer ? 'integer' : 'decimal');
  if (text === '') throw emptyNotAllowed(name);
  const ok = integer ? /^-?\d{1,16}$/.test(text) : /^-?(\d{1,16}(\.\d{0,12})?|\.\d{1,12})$/.test(text);
  if (!ok) {
    throw invalidRequest(`Invalid ${integer ? 'integer' : 'decimal'}: ${text}`, {
      code: integer ? 'parameter_invalid_integer' : 'parameter_invalid_decimal',
      param: name,
    });
  }
  return Number(text);
}

function checkArray(model: ApiModel, s: ModelSchema, value: Input, name: string): ParamJson[] {
  if (value === '') return [];
  if (!Array.isArray(value)) throw wrongShape(model, s, value, name);
  const items = s.items;
  return value.map((item, i) =>
    items === undefined ? plain(item) : check(model, items, item, `${name}[${i}]`),
  );
}

function checkObject(
  model: ApiModel,
  s: ModelSchema,
  value: Input,
  name: string,
): { [key: string]: ParamJson } {
  if (typeof value === 'string' || Array.isArray(value) || isFile(value))
    throw wrongShape(model, s, value, name);
  const out: { [key: string]: ParamJson } = {};
  for (const [key, item] of Object.entries(value)) {
    const property = s.properties?.[key];
    const inner = `${name}[${key}]`;
    if (property !== undefined) out[key] = check(model, property, item, inner);
    else if (
      s.additionalProperties === true ||
      (s.additionalProperties === undefined && s.properties === undefined)
    )
      out[key] = plain(item);
    else if (typeof s.additionalProperties === 'object') {
      // A free-form hash (`metadata`): an empty value unsets its key.
      out[key] = item === '' ? '' : check(model, s.additionalProperties, item, inner);
    } else throw parameterUnknown(inner);
  }
  for (const key of s.required ?? []) {
    if (value[key] === undefined) throw parameterMissing(`${name}[${key}]`);
  }
  return out;
}

function plain(value: Input): ParamJson {
  if (typeof value === 'string' || isFile(value)) return value;
  if (Array.isArray(value)) return value.map(plain);
  const out: { [key: string]: ParamJson } = {};
  for (const [key, item] of Object.entries(value)) out[key] = plain(item);
  return out;
}

import { ParamError, type ParamValue, parseParams } from '../core/params/params.js';
import { ApiError, invalidRequest } from './stripe-error.js';

export type FormValue = ParamValue;
/** Parsed parameters (objects without a prototype); the emulator may remove the names it has read. */
export type FormObject = { [key: string]: FormValue };

/**
 * Parses a query string or an `application/x-www-form-urlencoded` body with the one parameter
 * parser ({@link parseParams}: the gateway's, the emulator's and the Install API's), refusing
 * what it cannot read one way only with a Stripe-shaped 400 that names the parameter.
 * @example
 * parseForm('metadata[k]=v&expand[0]=customer'); // { metadata: { k: 'v' }, expand: ['customer'] }
 */
export function parseForm(text: string, where: 'body' | 'query' = 'body'): FormObject {
  try {
    return parseParams(text, where) as FormObject;
  } catch (error) {
    if (error instanceof ParamError) throw paramError(error);
    throw error;
  }
}

/** The 400 for parameters that could be read two ways: its code, the parameter, the reason. */
export function paramError(error: ParamError): ApiError {
  return new ApiError(400, {
    type: 'invalid_request_error',
    code: error.code,
    ...(error.param === undefined ? {} : { param: error.param }),
    message: error.message,
  });
}

/**
 * Reads a form value as a string, or undefined when absent. A list is refused as not a string;
 * a hash (`name[key]=…`) is refused as an unknown parameter naming its first key, so a sub-key
 * is never silently dropped.
 */
export function stringParam(form: FormObject, name: string): string | undefined {
  const value = form[name];
  if (value === undefined || typeof value === 'string') return value;
  if (!Array.isArray(value)) throw unknownSubKey(name, value);
  throw invalidRequest(`Invalid string: ${name} must be a string, not a list.`, {
    code: 'parameter_invalid_string',
    param: name,
  });
}

/**
 * Reads a form value as a list of strings (`a[0]=x&a[1]=y`, `a[]=x`, or a single `a=x`). A hash
 * (`a[key]=x`) is an unknown parameter, naming its first key; nested values are refused.
 */
export function stringListParam(form: FormObject, name: string): string[] | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) throw unknownSubKey(name, value);
  return value.map((item, i) => {
    if (typeof item === 'string') return item;
    throw invalidRequest(`Invalid array: ${name}[${i}] must be a string.`, {
      code: 'parameter_invalid',
      param: `${name}[${i}]`,
    });
  });
}

function unknownSubKey(name: string, value: { [key: string]: FormValue }): ApiError {
  const key = Object.keys(value)[0] ?? '';
  return invalidRequest(`Received unknown parameter: ${name}[${key}]`, {
    code: 'parameter_unknown',
    param: `${name}[${key}]`,
  });
}

/** Refuses any parameter not in `allowed`, naming it, the way Stripe does. */
export function rejectUnknownParams(form: FormObject, allowed: readonly string[]): void {
  for (const key of Object.keys(form)) {
    if (!allowed.includes(key)) {
      throw invalidRequest(`Received unknown parameter: ${key}`, { code: 'parameter_unknown', param: key });
    }
  }
}

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

/** Reads a form value as a string, or undefined when absent; refuses hashes and arrays. */
export function stringParam(form: FormObject, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw invalidRequest(`Invalid string: ${name} must be a string, not a hash or an array.`, {
      code: 'parameter_invalid_string',
      param: name,
    });
  }
  return value;
}

/** Reads a form value as a list of strings (`a[]=x&a[]=y` or `a[0]=x`). */
export function stringListParam(form: FormObject, name: string): string[] | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.values(value);
  if (!items.every((item): item is string => typeof item === 'string')) {
    throw invalidRequest(`Invalid array: ${name} must be a list of strings.`, {
      code: 'parameter_invalid',
      param: name,
    });
  }
  return items;
}

/** Refuses any parameter not in `allowed`, naming it, the way Stripe does. */
export function rejectUnknownParams(form: FormObject, allowed: readonly string[]): void {
  for (const key of Object.keys(form)) {
    if (!allowed.includes(key)) {
      throw invalidRequest(`Received unknown parameter: ${key}`, { code: 'parameter_unknown', param: key });
    }
  }
}

import type { FastifyRequest } from 'fastify';
import { parseBody } from '../core/params/body.js';
import { ParamError } from '../core/params/params.js';
import { type FormObject, paramError, parseForm, stringParam } from '../http/form.js';
import { invalidRequest, parameterMissing } from '../http/stripe-error.js';

/**
 * How appscope's own APIs (Install API, apps API, webhooks API) read a request's parameters, in
 * Stripe's convention: a POST's in the form body, a GET's or DELETE's in the query string — each
 * by the one parser (src/core/params), never both places at once.
 */

/** A POST's parameters: the form body (a query string is refused as misplaced). */
export function bodyForm(request: FastifyRequest): FormObject {
  const query = queryString(request);
  if (query !== '') {
    throw invalidRequest('Parameters of a POST request belong in the form body, not in the query string.', {
      code: 'parameter_misplaced',
    });
  }
  const bytes = Buffer.isBuffer(request.body) ? request.body : undefined;
  if (bytes === undefined || bytes.length === 0) return parseForm('', 'body');
  // the one parser, by the declared type: a form in UTF-8, nothing else
  try {
    return parseBody(bytes, request.headers['content-type'], { multipart: false }).params as FormObject;
  } catch (error) {
    if (error instanceof ParamError) throw paramError(error);
    throw error;
  }
}

/** A GET's or DELETE's parameters: the query string (a body is refused as misplaced). */
export function queryForm(request: FastifyRequest): FormObject {
  if (Buffer.isBuffer(request.body) && request.body.length > 0) {
    throw invalidRequest(
      `A ${request.method} request cannot have a body; send parameters in the query string.`,
      {
        code: 'parameter_misplaced',
      },
    );
  }
  return parseForm(queryString(request), 'query');
}

function queryString(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q < 0 ? '' : request.url.slice(q + 1);
}

/** A string parameter that must be present and non-empty (`parameter_missing`). */
export function required(form: FormObject, name: string): string {
  const value = stringParam(form, name);
  if (value === undefined || value === '') throw parameterMissing(name);
  return value;
}

/** An optional integer parameter (`parameter_invalid_integer`). */
export function integerParam(form: FormObject, name: string): number | undefined {
  const value = stringParam(form, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(value)) {
    throw invalidRequest(`Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param: name });
  }
  return Number(value);
}

/** `true` or `false` (`parameter_invalid`). */
export function booleanValue(value: string, name: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${value}`, { code: 'parameter_invalid', param: name });
}

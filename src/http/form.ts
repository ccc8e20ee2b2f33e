import qs from 'qs';
import { invalidRequest } from './stripe-error.js';

/** Limits for form bodies and query strings; a request past them is refused, never truncated. */
export const FORM_LIMITS = Object.freeze({ parameters: 1000, depth: 8, arrayLength: 200 });

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/**
 * Parses `application/x-www-form-urlencoded` text the way Stripe's SDKs write it:
 * `metadata[k]=v`, `items[0][price]=p`, `expand[]=a` and `expand[0]=a`. Refuses, with a
 * precise error, what it cannot read one way only: too many parameters, nesting deeper
 * than the limit, malformed percent-encoding, or a key given both as a value and a hash.
 */
export function parseForm(text: string, where: 'body' | 'query' = 'body'): FormObject {
  if (text === '') return {};
  const pairs = text.split('&');
  if (pairs.length > FORM_LIMITS.parameters) {
    throw invalidRequest(
      `Too many parameters in the request ${where} (the limit is ${FORM_LIMITS.parameters}).`,
      {
        code: 'parameters_exceeded_max',
      },
    );
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    try {
      decodeURIComponent(pair.replace(/\+/g, ' '));
    } catch {
      throw invalidRequest(`Invalid percent-encoding in the request ${where} near \`${truncate(pair)}\`.`, {
        code: 'parameter_invalid_encoding',
      });
    }
    const key = safeDecode(rawKey);
    const depth = (key.match(/\[/g) ?? []).length;
    if (depth > FORM_LIMITS.depth) {
      throw invalidRequest(
        `Parameter \`${truncate(key)}\` is nested too deeply (the limit is ${FORM_LIMITS.depth} levels).`,
        {
          code: 'parameter_invalid',
          param: key,
        },
      );
    }
    if (key === '' && pair !== '') {
      throw invalidRequest(`Invalid parameter in the request ${where}: \`${truncate(pair)}\` has no name.`, {
        code: 'parameter_invalid',
      });
    }
  }
  const parsed = qs.parse(text, {
    depth: FORM_LIMITS.depth,
    arrayLimit: FORM_LIMITS.arrayLength,
    parameterLimit: FORM_LIMITS.parameters,
    allowPrototypes: false,
    allowDots: false,
    duplicates: 'combine',
    strictDepth: true,
    throwOnLimitExceeded: true,
  }) as Record<string, unknown>;
  return normalize(parsed) as FormObject;
}

function normalize(value: unknown): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: FormObject = Object.create(null) as FormObject;
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v);
    return out;
  }
  return '';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
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

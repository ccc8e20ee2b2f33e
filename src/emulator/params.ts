import type { FormObject, FormValue } from '../http/form.js';
import { type ApiError, invalidRequest, parameterMissing, parameterUnknown } from '../http/stripe-error.js';

/**
 * A tiny, data-driven reader for Stripe request parameters: each parameter is declared
 * once with its type, and {@link parseParams} turns the parsed form into typed values,
 * refusing unknown (also nested, e.g. `address[foo]`), missing and malformed parameters
 * with the errors Stripe gives.
 */
export interface ParamSpec<T> {
  /** Reads a present value; `name` is the full bracketed name for messages (`items[0][price]`). */
  readonly read: (value: FormValue, name: string) => T;
}

/** Parameter name → its type: the declaration of an operation's parameters. */
export type ParamShape = { readonly [name: string]: ParamSpec<unknown> };

/** The values a shape parses to; every parameter is optional unless checked as required. */
export type Parsed<S extends ParamShape> = {
  -readonly [K in keyof S]?: S[K] extends ParamSpec<infer T> ? T : never;
};

/** A metadata update: a value sets the key, `null` removes it; `null` as a whole clears all keys. */
export type MetadataUpdate = Readonly<Record<string, string | null>> | null;

const spec = <T>(read: (value: FormValue, name: string) => T): ParamSpec<T> => ({ read });

function emptyNotAllowed(name: string): ApiError {
  return invalidRequest(
    `You passed an empty string for '${name}'. We assume empty values are an attempt to unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your request or supply a non-empty value.`,
    { code: 'parameter_invalid_empty', param: name },
  );
}

function scalar(value: FormValue, name: string): string {
  if (typeof value !== 'string') {
    throw invalidRequest(`Invalid string: ${name} must be a string, not a hash or an array.`, {
      code: 'parameter_invalid_string',
      param: name,
    });
  }
  return value;
}

function nonEmpty(value: FormValue, name: string): string {
  const s = scalar(value, name);
  if (s === '') throw emptyNotAllowed(name);
  return s;
}

function integer(value: FormValue, name: string, min: number, max: number): number {
  const s = nonEmpty(value, name);
  if (!/^-?\d{1,15}$/.test(s)) {
    throw invalidRequest(`Invalid integer: ${s}`, { code: 'parameter_invalid_integer', param: name });
  }
  const n = Number(s);
  if (n < min) {
    throw invalidRequest(`This value must be greater than or equal to ${min}.`, {
      code: 'parameter_invalid_integer',
      param: name,
    });
  }
  if (n > max) {
    throw invalidRequest(`This value must be less than or equal to ${max}.`, {
      code: 'parameter_invalid_integer',
      param: name,
    });
  }
  return n;
}

/** Items of a form list: `a[]=x`/`a[0]=x` parse to an array; sparse or large indices to an object. */
function listItems(value: FormValue, name: string): { item: FormValue; name: string }[] {
  if (Array.isArray(value)) return value.map((item, i) => ({ item, name: `${name}[${i}]` }));
  if (typeof value === 'object') {
    const out: { item: FormValue; name: string }[] = [];
    for (const [key, item] of Object.entries(value)) {
      if (!/^\d+$/.test(key)) {
        throw invalidRequest(`Invalid array: ${name} must be an array.`, {
          code: 'parameter_invalid',
          param: `${name}[${key}]`,
        });
      }
      out.push({ item, name: `${name}[${key}]` });
    }
    return out;
  }
  if (value === '') return [];
  throw invalidRequest(`Invalid array: ${name} must be an array.`, {
    code: 'parameter_invalid',
    param: name,
  });
}

/** Parameter types. */
export const p = {
  /** A non-empty string. */
  string: (options: { maxLength?: number } = {}): ParamSpec<string> =>
    spec((value, name) => {
      const s = nonEmpty(value, name);
      if (options.maxLength !== undefined && s.length > options.maxLength) {
        throw invalidRequest(`Invalid ${name}: must be at most ${options.maxLength} characters`, {
          code: 'parameter_invalid_string',
          param: name,
        });
      }
      return s;
    }),
  /** A string that an empty value unsets (`description=` → `null`), as on Stripe's updates. */
  nullableString: (): ParamSpec<string | null> =>
    spec((value, name) => {
      const s = scalar(value, name);
      return s === '' ? null : s;
    }),
  integer: (options: { min?: number; max?: number } = {}): ParamSpec<number> =>
    spec((value, name) => integer(value, name, options.min ?? 0, options.max ?? 99_999_999_999)),
  /** A unix timestamp in seconds. */
  timestamp: (): ParamSpec<number> => spec((value, name) => integer(value, name, 0, 253_402_300_799)),
  boolean: (): ParamSpec<boolean> =>
    spec((value, name) => {
      const s = nonEmpty(value, name);
      if (s === 'true') return true;
      if (s === 'false') return false;
      throw invalidRequest(`Invalid boolean: ${s}`, { param: name });
    }),
  enum: <const V extends string>(values: readonly V[]): ParamSpec<V> =>
    spec((value, name) => {
      const s = nonEmpty(value, name);
      if ((values as readonly string[]).includes(s)) return s as V;
      throw invalidRequest(`Invalid ${name}: must be one of ${oneOf(values)}`, { param: name });
    }),
  /** A three-letter ISO currency code, lowercased. */
  currency: (): ParamSpec<string> =>
    spec((value, name) => {
      const s = nonEmpty(value, name).toLowerCase();
      if (!/^[a-z]{3}$/.test(s)) {
        throw invalidRequest(
          `Invalid currency: ${s}. Stripe currently supports three-letter ISO currency codes.`,
          {
            param: name,
          },
        );
      }
      return s;
    }),
  /** An id of some object (`cus_…`); its existence is checked by the operation. */
  id: (): ParamSpec<string> => spec((value, name) => nonEmpty(value, name)),
  /** Like {@link p.id}, but an empty value unsets the reference. */
  nullableId: (): ParamSpec<string | null> =>
    spec((value, name) => {
      const s = scalar(value, name);
      return s === '' ? null : s;
    }),
  /** `metadata[key]=value`; empty values remove keys, `metadata=` clears all. Stripe's limits apply. */
  metadata: (): ParamSpec<MetadataUpdate> =>
    spec((value, name) => {
      if (value === '') return null;
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw invalidRequest(`Invalid object: ${name} must be a hash of keys to string values.`, {
          code: 'parameter_invalid',
          param: name,
        });
      }
      const out: Record<string, string | null> = {};
      const keys = Object.keys(value);
      if (keys.length > 50) {
        throw invalidRequest('Invalid metadata: metadata can have at most 50 keys.', { param: name });
      }
      for (const key of keys) {
        if (key.length > 40) {
          throw invalidRequest(`Metadata keys can have up to 40 characters; \`${key}\` has ${key.length}.`, {
            param: `${name}[${key}]`,
          });
        }
        const v = scalar(value[key]!, `${name}[${key}]`);
        if (v.length > 500) {
          throw invalidRequest(`Metadata values can have up to 500 characters; \`${key}\` has ${v.length}.`, {
            param: `${name}[${key}]`,
          });
        }
        out[key] = v === '' ? null : v;
      }
      return out;
    }),
  /** A nested hash with its own shape; unknown keys are refused by their full name. */
  hash: <S extends ParamShape>(
    shape: S,
    required: readonly (keyof S & string)[] = [],
  ): ParamSpec<Parsed<S>> =>
    spec((value, name) => {
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw invalidRequest(`Invalid object: ${name} must be a hash.`, {
          code: 'parameter_invalid',
          param: name,
        });
      }
      return readShape(value, shape, required, name);
    }),
  /** A hash that an empty value unsets. */
  nullableHash: <S extends ParamShape>(
    shape: S,
    required: readonly (keyof S & string)[] = [],
  ): ParamSpec<Parsed<S> | null> =>
    spec((value, name) => {
      if (value === '') return null;
      return p.hash(shape, required).read(value, name);
    }),
  /** A list (`a[0]=x`, `a[]=x`); an empty value is an empty list. */
  list: <T>(item: ParamSpec<T>, options: { max?: number } = {}): ParamSpec<T[]> =>
    spec((value, name) => {
      const items = listItems(value, name);
      if (options.max !== undefined && items.length > options.max) {
        throw invalidRequest(`Invalid array: ${name} can have at most ${options.max} items.`, {
          code: 'parameter_invalid',
          param: name,
        });
      }
      return items.map((entry) => item.read(entry.item, entry.name));
    }),
  /** Accepted for SDK compatibility and ignored (the emulator does not model it). */
  ignored: (): ParamSpec<FormValue> => spec((value) => value),
};

function oneOf(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')}, or ${values[values.length - 1]}`;
}

function readShape<S extends ParamShape>(
  form: FormObject,
  shape: S,
  required: readonly (keyof S & string)[],
  parent: string | undefined,
): Parsed<S> {
  const out: Record<string, unknown> = {};
  const nameOf = (key: string): string => (parent === undefined ? key : `${parent}[${key}]`);
  for (const key of Object.keys(form)) {
    const param = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (param === undefined) throw parameterUnknown(nameOf(key));
    out[key] = param.read(form[key]!, nameOf(key));
  }
  for (const key of required) {
    if (out[key] === undefined) throw parameterMissing(nameOf(key));
  }
  return out as Parsed<S>;
}

/**
 * Reads the request's parameters against a shape: unknown → `parameter_unknown`,
 * missing required → `parameter_missing`, malformed → a precise `invalid_request_error`.
 * @example
 * const params = parseParams(form, { email: p.string(), metadata: p.metadata() });
 */
export function parseParams<S extends ParamShape>(
  form: FormObject,
  shape: S,
  required: readonly (keyof S & string)[] = [],
): Parsed<S> {
  return readShape(form, shape, required, undefined);
}

/** Applies a metadata update to the current metadata, returning a new object. */
export function applyMetadata(
  current: Readonly<Record<string, string>> | undefined,
  update: MetadataUpdate | undefined,
): Record<string, string> {
  if (update === undefined) return { ...(current ?? {}) };
  if (update === null) return {};
  const out: Record<string, string> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

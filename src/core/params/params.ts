/**
 * Request parameters, read one way only. Query strings and form bodies are parsed by
 * {@link parseParams} into one canonical structure, and {@link serializeParams} writes that
 * structure back in Stripe's own form encoding (`a[b][0]=…`). The gateway decides on the
 * structure and forwards its serialization, so what the upstream reads is exactly what was
 * checked. Anything the canonical form cannot represent unambiguously is refused with a
 * {@link ParamError} naming the parameter, before any decision. The rules and limits are in
 * docs/gateway.md ("Parameters").
 */

/** A parameter's value: a string, a list (`a[0]=…`, `a[]=…`) or a hash (`a[b]=…`). */
export type ParamValue = string | ParamValue[] | ParamObject;

/** Parameters by name; objects made by the parser have no prototype. */
export interface ParamObject {
  readonly [name: string]: ParamValue;
}

/** Limits on one query string or body; a request past one is refused, never truncated. */
export interface ParamLimits {
  /** Parameters (`name=value` pairs, or multipart fields) at most (default 1000). */
  readonly parameters: number;
  /** Subscripts in one name at most: `a[b][c]` has 2 (default 8). */
  readonly depth: number;
  /** Items in one list at most (default 200). */
  readonly arrayLength: number;
  /** Characters in one decoded name at most (default 512). */
  readonly nameLength: number;
}

export const PARAM_LIMITS: ParamLimits = Object.freeze({
  parameters: 1000,
  depth: 8,
  arrayLength: 200,
  nameLength: 512,
});

/** Stable codes of {@link ParamError}, as the `code` of the 400 answer. */
export type ParamErrorCode =
  | 'parameter_invalid_name'
  | 'parameter_unknown'
  | 'parameter_invalid_encoding'
  | 'parameter_duplicate'
  | 'parameter_mixed_types'
  | 'parameter_invalid_index'
  | 'parameter_too_deep'
  | 'parameters_exceeded_max'
  | 'content_type_unsupported'
  | 'body_invalid';

/** A query string or body the canonical form cannot represent one way only. */
export class ParamError extends Error {
  readonly code: ParamErrorCode;
  /** The parameter's name as decoded (truncated), when one is to blame. */
  readonly param: string | undefined;

  constructor(code: ParamErrorCode, message: string, param?: string) {
    super(message);
    this.name = 'ParamError';
    this.code = code;
    this.param = param;
  }
}

/**
 * Names no parameter may have at any depth: the properties of `Object.prototype` (and
 * `prototype`). A parser that builds plain objects could read them as something else.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'toLocaleString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  ...Object.getOwnPropertyNames(Object.prototype),
]);

/** Where the text came from, for messages. */
export type ParamSource = 'query' | 'body';

/** A list the parser is building, and how its items are written (`[]` or `[0]`). */
export interface Building {
  readonly pushed: Set<unknown[]>;
  readonly indexed: Set<unknown[]>;
  count: number;
}

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/**
 * Parses a query string (without `?`) or an `application/x-www-form-urlencoded` body into its
 * canonical structure. Throws a {@link ParamError} for anything that could be read two ways.
 * @example
 * parseParams('expand[0]=customer&metadata[k]=v', 'query'); // { expand: ['customer'], metadata: { k: 'v' } }
 * parseParams('[expand][]=charge', 'query');                 // throws parameter_invalid_name
 */
export function parseParams(
  text: string,
  where: ParamSource,
  limits: ParamLimits = PARAM_LIMITS,
): ParamObject {
  const root = Object.create(null) as Record<string, unknown>;
  if (text === '') return root as ParamObject;
  checkCharacters(text, where);
  const state: Building = { pushed: new Set(), indexed: new Set(), count: 0 };
  const length = text.length;
  let pos = 0;
  while (pos < length) {
    let amp = text.indexOf('&', pos);
    if (amp < 0) amp = length;
    if (amp === pos) {
      pos++; // an empty pair (`&&`, a leading or trailing `&`) carries nothing
      continue;
    }
    let eq = text.indexOf('=', pos);
    if (eq < 0 || eq > amp) eq = amp;
    const rawName = text.slice(pos, eq);
    const rawValue = eq < amp ? text.slice(eq + 1, amp) : '';
    pos = amp + 1;
    const name = decodeName(rawName, where);
    const value = decodeValue(rawValue, name, where);
    addParam(root, name, value, state, limits, where);
  }
  return root as ParamObject;
}

/**
 * Adds one decoded `name=value` to a structure being built (also used for multipart fields),
 * enforcing every rule of the canonical form. `state` is shared across one request's parameters.
 */
export function addParam(
  root: Record<string, unknown>,
  name: string,
  value: string,
  state: Building,
  limits: ParamLimits,
  where: ParamSource,
): void {
  if (++state.count > limits.parameters) {
    throw new ParamError(
      'parameters_exceeded_max',
      `Too many parameters in the request ${where}: the limit is ${limits.parameters}.`,
    );
  }
  const path = splitName(name, limits);
  let container: Record<string, unknown> | unknown[] = root;
  let key: string | number = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const sub = path[i]!;
    const wantList = sub === '' || isIndex(sub, name, limits);
    let next = (container as Record<string | number, unknown>)[key];
    if (next === undefined) {
      next = wantList ? [] : (Object.create(null) as Record<string, unknown>);
      if (Array.isArray(container)) container.push(next);
      else container[key as string] = next;
      if (wantList) (sub === '' ? state.pushed : state.indexed).add(next as unknown[]);
    } else if (typeof next === 'string') {
      throw mixed(name, path, i);
    } else if (Array.isArray(next) !== wantList) {
      throw mixed(name, path, i);
    } else if (wantList && (sub === '' ? state.indexed : state.pushed).has(next as unknown[])) {
      throw new ParamError(
        'parameter_mixed_types',
        `Invalid parameter \`${shown(name)}\`: one list is written both with \`[]\` and with indices (\`[0]\`); use one notation.`,
        shown(prefixOf(path, i)),
      );
    }
    container = next as Record<string, unknown> | unknown[];
    if (sub === '') key = (container as unknown[]).length;
    else if (wantList) {
      const index = Number(sub);
      const items = container as unknown[];
      if (index > items.length) {
        throw new ParamError(
          'parameter_invalid_index',
          `Invalid parameter \`${shown(name)}\`: list indices must count up from 0 without gaps (expected \`[${items.length}]\` or an earlier index).`,
          shown(name),
        );
      }
      key = index;
    } else key = sub;
  }
  if (Array.isArray(container)) {
    const index = key as number;
    if (index < container.length) {
      throw typeof container[index] === 'string' ? duplicate(name) : mixed(name, path, path.length);
    }
    if (container.length >= limits.arrayLength) {
      throw new ParamError(
        'parameter_invalid_index',
        `Invalid parameter \`${shown(name)}\`: a list holds at most ${limits.arrayLength} items.`,
        shown(prefixOf(path, path.length - 1)),
      );
    }
    container.push(value);
    return;
  }
  const existing = container[key as string];
  if (existing !== undefined) {
    throw typeof existing === 'string' ? duplicate(name) : mixed(name, path, path.length);
  }
  container[key as string] = value;
}

/** A fresh parse state, for callers of {@link addParam}. */
export function newParamState(): Building {
  return { pushed: new Set(), indexed: new Set(), count: 0 };
}

function duplicate(name: string): ParamError {
  return new ParamError(
    'parameter_duplicate',
    `Parameter \`${shown(name)}\` is given more than once: send one value (lists are written \`${shown(name)}[0]=…&${shown(name)}[1]=…\`).`,
    shown(name),
  );
}

function mixed(name: string, path: readonly string[], at: number): ParamError {
  const prefix = prefixOf(path, at);
  return new ParamError(
    'parameter_mixed_types',
    `Invalid parameter \`${shown(name)}\`: \`${shown(prefix)}\` is given as more than one of a value, a list and a hash.`,
    shown(prefix),
  );
}

/** `a[b][c]` for the first `at` parts of a split name. */
function prefixOf(path: readonly string[], at: number): string {
  let out = path[0]!;
  for (let i = 1; i < at; i++) out += `[${path[i]}]`;
  return out;
}

/**
 * Whether a subscript is a list index: digits only. An index is written canonically (`0`,
 * `12`; not `01`) and is below the list limit; other all-digit subscripts are refused, so that
 * a hash never has a key that one parser reads as an index and another as a name.
 */
function isIndex(sub: string, name: string, limits: ParamLimits): boolean {
  const length = sub.length;
  for (let i = 0; i < length; i++) {
    const c = sub.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if ((length > 1 && sub.charCodeAt(0) === 48) || length > 9 || Number(sub) >= limits.arrayLength) {
    throw new ParamError(
      'parameter_invalid_index',
      `Invalid parameter \`${shown(name)}\`: \`[${shown(sub)}]\` is not a list index (indices are written without leading zeros, from 0 to ${limits.arrayLength - 1}).`,
      shown(name),
    );
  }
  return true;
}

/** Whether `c` may stand in a top-level name: letters, digits, `_` and `-`. */
function isRootChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/**
 * Splits a decoded name into its root and subscripts (`''` for `[]`), checking its grammar:
 * `root([sub])*`, the root a letter or digit followed by letters, digits, `_` or `-`; each
 * subscript non-empty except a final `[]`; no bracket inside a subscript, nothing after the
 * last `]`; no reserved name at any depth; at most `limits.depth` subscripts.
 */
export function splitName(name: string, limits: ParamLimits = PARAM_LIMITS): string[] {
  const length = name.length;
  if (length === 0) {
    throw new ParamError('parameter_invalid_name', 'Invalid parameter: a parameter has no name (`=…`).');
  }
  if (length > limits.nameLength) {
    throw new ParamError(
      'parameter_invalid_name',
      `Invalid parameter \`${shown(name)}\`: names are at most ${limits.nameLength} characters.`,
      shown(name),
    );
  }
  let end = name.indexOf('[');
  if (end < 0) end = length;
  const first = name.charCodeAt(0);
  if (end === 0 || !isRootChar(first) || first === 95 || first === 45) {
    throw invalidName(name, 'a name starts with a letter or a digit');
  }
  for (let i = 1; i < end; i++) {
    const c = name.charCodeAt(i);
    if (!isRootChar(c)) {
      throw invalidName(
        name,
        c === 93
          ? 'it has a `]` without a `[`'
          : 'a name has only letters, digits, `_` and `-` before its first `[`',
      );
    }
  }
  const root = name.slice(0, end);
  if (RESERVED_NAMES.has(root)) throw reserved(name, root);
  const path = [root];
  let pos = end;
  while (pos < length) {
    // here name[pos] is `[`
    const close = name.indexOf(']', pos + 1);
    if (close < 0) throw invalidName(name, 'it has a `[` without a `]`');
    const sub = name.slice(pos + 1, close);
    if (sub.indexOf('[') >= 0) throw invalidName(name, 'a subscript has a `[` inside it');
    if (sub === '' && close + 1 < length) throw invalidName(name, '`[]` may only come last');
    if (RESERVED_NAMES.has(sub)) throw reserved(name, sub);
    path.push(sub);
    if (path.length - 1 > limits.depth) {
      throw new ParamError(
        'parameter_too_deep',
        `Invalid parameter \`${shown(name)}\`: names are nested at most ${limits.depth} levels deep.`,
        shown(name),
      );
    }
    pos = close + 1;
    if (pos < length && name.charCodeAt(pos) !== 91) {
      throw invalidName(
        name,
        name.charCodeAt(pos) === 93 ? 'it has a `]` without a `[`' : 'it has text after a `]`',
      );
    }
  }
  return path;
}

function invalidName(name: string, why: string): ParamError {
  return new ParamError(
    'parameter_invalid_name',
    `Invalid parameter name \`${shown(name)}\`: ${why}. Names are written \`name\`, \`name[key]\`, \`name[0]\` or \`name[]\`.`,
    shown(name),
  );
}

function reserved(name: string, part: string): ParamError {
  return new ParamError(
    'parameter_unknown',
    `Received unknown parameter: ${shown(name)} (\`${part}\` is a reserved name and is never a parameter).`,
    shown(name),
  );
}

/** Names and values as messages show them: at most 60 characters, controls as `?`. */
function shown(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return short.replace(/[\u0000-\u001f\u007f]/g, '?');
}

/**
 * The raw text may hold only printable ASCII: no spaces, no bytes above 127 (percent-encode
 * them as UTF-8), no `;` (a separator to some parsers), in a query no `#`; every `%` starts a
 * well-formed escape.
 */
function checkCharacters(text: string, where: ParamSource): void {
  const length = text.length;
  const place = where === 'query' ? 'query string' : 'form body';
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127) {
      throw badCharacter(
        text,
        i,
        `The request ${place} has ${c === 32 ? 'a space' : c < 32 || c === 127 ? 'a control character' : 'a non-ASCII character'}: percent-encode every name and value (UTF-8).`,
      );
    }
    if (c === 59 /* ; */) {
      throw badCharacter(
        text,
        i,
        `The request ${place} has a \`;\`: separate parameters with \`&\` and percent-encode \`;\` in values.`,
      );
    }
    if (c === 35 /* # */ && where === 'query') {
      throw badCharacter(text, i, 'The request target has a fragment (`#`).');
    }
    if (c === 37 /* % */) {
      const hi = text.charCodeAt(i + 1);
      const lo = text.charCodeAt(i + 2);
      if (!(hi < 128 && lo < 128 && HEX[hi]! >= 0 && HEX[lo]! >= 0)) {
        throw badCharacter(
          text,
          i,
          `The request ${place} has a malformed percent-encoding near \`${shown(text.slice(i, i + 6))}\`.`,
        );
      }
      i += 2;
    }
  }
}

/** An encoding error at `at`, naming the parameter (the raw name of the pair it is in) when it has one. */
function badCharacter(text: string, at: number, message: string): ParamError {
  const start = text.lastIndexOf('&', at) + 1;
  let end = text.indexOf('&', start);
  if (end < 0) end = text.length;
  let eq = text.indexOf('=', start);
  if (eq < 0 || eq > end) eq = end;
  const name = text.slice(start, eq);
  return new ParamError('parameter_invalid_encoding', message, name === '' ? undefined : shown(name));
}

/** Decodes `+` and `%XX` (UTF-8); throws on bytes that are not UTF-8. */
function decode(raw: string, what: () => string, where: ParamSource, param: string): string {
  const plus = raw.indexOf('+') >= 0;
  if (raw.indexOf('%') < 0) return plus ? raw.replaceAll('+', ' ') : raw;
  try {
    return decodeURIComponent(plus ? raw.replaceAll('+', ' ') : raw);
  } catch {
    throw new ParamError(
      'parameter_invalid_encoding',
      `${what()} in the request ${where === 'query' ? 'query string' : 'body'} percent-encodes bytes that are not UTF-8.`,
      shown(param),
    );
  }
}

function decodeName(raw: string, where: ParamSource): string {
  if (raw.indexOf('%') >= 0 && /%5[bd]/i.test(raw)) {
    throw new ParamError(
      'parameter_invalid_name',
      `Invalid parameter name \`${shown(raw)}\`: brackets in names are written as they are, never percent-encoded (\`%5B\`, \`%5D\`).`,
      shown(raw),
    );
  }
  const name = decode(raw, () => `The parameter name \`${shown(raw)}\``, where, raw);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 32 || c === 127) {
      throw new ParamError(
        'parameter_invalid_name',
        `Invalid parameter name \`${shown(name)}\`: names have no control characters.`,
        shown(name),
      );
    }
  }
  return name;
}

function decodeValue(raw: string, name: string, where: ParamSource): string {
  const value = decode(raw, () => `The value of \`${shown(name)}\``, where, name);
  if (value !== raw) checkValueText(value, name);
  return value;
}

/** Values may hold tabs and line breaks, never other control characters (`%00`, `%1B`, `%7F`). */
export function checkValueText(value: string, name: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) {
      throw new ParamError(
        'parameter_invalid_encoding',
        `The value of \`${shown(name)}\` has a control character (such as \`%00\`): only tabs and line breaks are accepted.`,
        shown(name),
      );
    }
  }
}

/**
 * Writes parameters in Stripe's form encoding: names as `root[key][0]`, brackets literal,
 * every name part and value percent-encoded as UTF-8 (`encodeURIComponent`), lists by index,
 * keys in insertion order. `parseParams(serializeParams(p))` equals `p` for every structure
 * the parser makes.
 * @example
 * serializeParams({ expand: ['customer'], metadata: { 'a b': 'c&d' } }); // 'expand[0]=customer&metadata[a%20b]=c%26d'
 */
export function serializeParams(params: ParamObject): string {
  const parts: string[] = [];
  for (const name in params) write(parts, encodeURIComponent(name), params[name]!);
  return parts.join('&');
}

function write(parts: string[], prefix: string, value: ParamValue): void {
  if (typeof value === 'string') {
    parts.push(`${prefix}=${encodeURIComponent(value)}`);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) write(parts, `${prefix}[${i}]`, value[i]!);
  } else {
    const object = value as ParamObject;
    for (const key in object) write(parts, `${prefix}[${encodeURIComponent(key)}]`, object[key]!);
  }
}

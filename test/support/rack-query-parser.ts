/**
 * A small reference model of Rack's nested query parser (`Rack::QueryParser` of Rack 2:
 * `parse_nested_query` and `normalize_params`), the reader a Ruby upstream applies to a query
 * string or form body. It is what the parser-differential tests compare the gateway's canonical
 * serialization against; it is not used by src/.
 *
 * What it keeps of Rack, on purpose:
 * - pairs are split on `&` and `;` (each optionally followed by spaces); empty pairs are skipped;
 *   a pair without `=` has the value `null` (Ruby `nil`);
 * - names and values are decoded as `URI.decode_www_form_component` does (`+` is a space, `%XX`
 *   a byte; a malformed escape is an error);
 * - a name is split as `normalize_params` splits it: `\A[\[\]]*([^\[\]]+)\]*` takes the key (so a
 *   leading run of brackets is stripped: `[expand][]` is `expand`), `[]` appends to a list,
 *   `[]` followed by `[k]` puts a hash inside a list, `[x]` nests into a hash; integer-looking
 *   keys stay hash keys (Rack has no index notation);
 * - a later value for the same name replaces the earlier one; a name used as two types is an
 *   error (`ParameterTypeError`), as is nesting deeper than the depth limit (100).
 */

/** A value as Rack reads it: a string (or `null` for a pair without `=`), a list or a hash. */
export type RackValue = string | null | RackValue[] | RackHash;
export interface RackHash {
  [key: string]: RackValue;
}

/** Raised where Rack raises (`ParameterTypeError`, `ParamsTooDeepError`, `ArgumentError`). */
export class RackError extends Error {
  override readonly name = 'RackError';
}

const DEPTH_LIMIT = 100;
const SEPARATOR = /[&;] */;

/** Decodes like Ruby's `URI.decode_www_form_component` (bytes read as UTF-8). */
export function rackUnescape(text: string): string {
  if (!/^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(text)) throw new RackError(`invalid %-encoding (${text})`);
  const withSpaces = text.replaceAll('+', ' ');
  if (withSpaces.indexOf('%') < 0) return withSpaces;
  const bytes: number[] = [];
  for (let i = 0; i < withSpaces.length; i++) {
    const c = withSpaces.charCodeAt(i);
    if (c === 37) {
      bytes.push(Number.parseInt(withSpaces.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 128) bytes.push(c);
    else for (const b of Buffer.from(withSpaces[i]!, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `Rack::Utils.parse_nested_query(text)`. */
export function rackParseNestedQuery(text: string): RackHash {
  const params: RackHash = Object.create(null) as RackHash;
  for (const pair of text.split(SEPARATOR)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = rackUnescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? null : rackUnescape(pair.slice(eq + 1));
    normalizeParams(params, name, value, DEPTH_LIMIT);
  }
  return params;
}

function isHash(value: RackValue | undefined): value is RackHash {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `params_hash_has_key?`: whether `a[b]`-style `key` already leads to a value in `hash`. */
function hashHasKey(hash: RackHash, key: string): boolean {
  if (/\[\]/.test(key)) return false;
  let current: RackValue = hash;
  for (const part of key.split(/[[\]]+/)) {
    if (part === '') continue;
    if (!isHash(current) || !Object.hasOwn(current, part)) return false;
    current = current[part]!;
  }
  return true;
}

/** Rack 2's `normalize_params(params, name, v, depth)`, returning `params`. */
export function normalizeParams(
  params: RackHash,
  name: string,
  value: RackValue,
  depth: number,
): RackHash | RackValue[] | undefined {
  if (depth <= 0) throw new RackError('params too deep');
  const match = /^[[\]]*([^[\]]+)\]*/.exec(name);
  const key = match?.[1] ?? '';
  const after = match === null ? '' : name.slice(match[0].length);
  if (key === '') {
    if (value !== null && name === '[]') return [value];
    return undefined;
  }
  if (after === '') {
    params[key] = value;
  } else if (after === '[') {
    params[name] = value;
  } else if (after === '[]') {
    params[key] ??= [];
    const list = params[key];
    if (!Array.isArray(list)) throw new RackError(`expected Array for param \`${key}'`);
    list.push(value);
  } else {
    const arrayChild = /^\[\]\[([^[\]]+)\]$/.exec(after) ?? /^\[\](.+)$/.exec(after);
    if (arrayChild !== null) {
      const childKey = arrayChild[1]!;
      params[key] ??= [];
      const list = params[key];
      if (!Array.isArray(list)) throw new RackError(`expected Array for param \`${key}'`);
      const last = list.at(-1);
      if (isHash(last) && !hashHasKey(last, childKey)) {
        normalizeParams(last, childKey, value, depth - 1);
      } else {
        list.push(normalizeParams(Object.create(null) as RackHash, childKey, value, depth - 1) ?? null);
      }
    } else {
      params[key] ??= Object.create(null) as RackHash;
      const hash = params[key];
      if (!isHash(hash)) throw new RackError(`expected Hash for param \`${key}'`);
      params[key] = normalizeParams(hash, after, value, depth - 1) ?? null;
    }
  }
  return params;
}

/**
 * Rack has no index notation: `a[0]=x&a[1]=y` is the hash `{"0" => "x", "1" => "y"}`. To compare
 * with a structure that has lists, hashes below the top level whose keys are exactly `"0"` …
 * `"n-1"` become lists (the top level is always a hash of names).
 */
export function rackListsFromIndexedHashes(params: RackHash): RackHash {
  const out = Object.create(null) as RackHash;
  for (const key of Object.keys(params)) out[key] = listify(params[key]!);
  return out;
}

function listify(value: RackValue): RackValue {
  if (value === null || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(listify);
  const keys = Object.keys(value);
  const indexed =
    keys.length > 0 && keys.every((key) => /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < keys.length);
  if (indexed) {
    const list: RackValue[] = [];
    for (let i = 0; i < keys.length; i++) list.push(listify(value[String(i)]!));
    return list;
  }
  const out = Object.create(null) as RackHash;
  for (const key of keys) out[key] = listify(value[key]!);
  return out;
}

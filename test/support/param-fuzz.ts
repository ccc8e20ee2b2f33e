import fc from 'fast-check';
import qs from 'qs';
import { type ParsedBody, parseBody, serializeBody } from '../../src/core/params/body.js';
import {
  ParamError,
  type ParamObject,
  type ParamValue,
  parseParams,
  serializeParams,
} from '../../src/core/params/params.js';
import {
  normalizeParams,
  type RackHash,
  rackListsFromIndexedHashes,
  rackParseNestedQuery,
} from './rack-query-parser.js';

/**
 * The parser-differential property, shared by test/gateway/parser-differential.test.ts (a few
 * thousand cases in `npm test`) and scripts/fuzz-params.ts (`npm run fuzz`, a million):
 *
 * for every query string or body, either the one parser refuses it (with a `ParamError`, never
 * another exception), or the bytes the gateway forwards — `serializeParams(parsed)` — read by
 * `qs` (with the options the emulator used to have) and by a model of Rack's nested query parser
 * give exactly the structure the gateway decided on, and in particular the same `expand` values;
 * the serialization parses back to the same structure and is a fixed point.
 *
 * Inputs come from two families: names and values built from a grammar of adversarial tokens
 * (brackets raw and percent-encoded, `expand` in many spellings, prototype names, indices,
 * `+`, spaces, `=` and `&`, unicode, control escapes, deep nesting, duplicates, empty pairs),
 * and random structures written in one of their many accepted spellings (indices or `[]`,
 * optional percent-encoding, `+` for spaces), sometimes perturbed. Bodies add content types
 * and strict multipart.
 */

/** The options the emulator parsed with before it used the one parser. */
export const QS_OPTIONS = Object.freeze({
  depth: 8,
  arrayLimit: 200,
  parameterLimit: 1000,
  allowPrototypes: false,
  allowDots: false,
  duplicates: 'combine',
  strictDepth: true,
  throwOnLimitExceeded: true,
} as const);

// ---------------------------------------------------------------- comparing structures

/** A value as a reader returns it (qs makes plain objects, Rack null-prototype hashes). */
type Read = string | null | undefined | readonly Read[] | { readonly [key: string]: Read };

/**
 * Where two structures differ (`''` when they are the same): strings equal, lists of the same
 * length item by item, hashes with the same keys (in any order) key by key. Prototypes are
 * ignored; a list never equals a hash.
 */
export function structureDifference(expected: Read, actual: Read, at = '$'): string {
  if (typeof expected === 'string' || typeof actual === 'string' || expected == null || actual == null) {
    return expected === actual ? '' : `${at}: ${JSON.stringify(expected)} ≠ ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected) !== Array.isArray(actual)) {
    return `${at}: ${Array.isArray(expected) ? 'a list' : 'a hash'} ≠ ${Array.isArray(actual) ? 'a list' : 'a hash'}`;
  }
  if (Array.isArray(expected)) {
    const list = actual as readonly Read[];
    if (expected.length !== list.length) return `${at}: ${expected.length} items ≠ ${list.length} items`;
    for (let i = 0; i < expected.length; i++) {
      const difference = structureDifference(expected[i], list[i], `${at}[${i}]`);
      if (difference !== '') return difference;
    }
    return '';
  }
  const a = expected as { readonly [key: string]: Read };
  const b = actual as { readonly [key: string]: Read };
  const keysA = Object.keys(a).sort();
  const keysB = Object.keys(b).sort();
  if (keysA.join('\u0000') !== keysB.join('\u0000')) {
    return `${at}: keys ${JSON.stringify(keysA)} ≠ ${JSON.stringify(keysB)}`;
  }
  for (const key of keysA) {
    const difference = structureDifference(a[key], b[key], `${at}[${JSON.stringify(key)}]`);
    if (difference !== '') return difference;
  }
  return '';
}

/** Every string under `expand` (at any depth), sorted: what a reader would expand. */
export function expandValues(params: Read): string[] {
  const out: string[] = [];
  const walk = (value: Read): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) for (const item of value) walk(item);
    else if (value != null) for (const key of Object.keys(value)) walk((value as Record<string, Read>)[key]);
  };
  if (params != null && typeof params === 'object' && !Array.isArray(params)) {
    walk((params as Record<string, Read>)['expand']);
  }
  return out.sort();
}

/** qs's reading of a query string or form body, with {@link QS_OPTIONS}. */
export function qsRead(text: string): Read {
  return qs.parse(text, QS_OPTIONS) as Read;
}

/** Rack's reading, with indexed hashes turned into lists for comparison. */
export function rackRead(text: string): Read {
  return rackListsFromIndexedHashes(rackParseNestedQuery(text)) as Read;
}

// ---------------------------------------------------------------- the property

/** What became of one input. */
export type Outcome =
  | { readonly kind: 'refused'; readonly code: string }
  | { readonly kind: 'accepted'; readonly params: ParamObject; readonly forwarded: string };

/** A counterexample: the property does not hold for this input. */
export class PropertyViolation extends Error {
  override readonly name = 'PropertyViolation';
}

function violation(input: string, why: string): PropertyViolation {
  return new PropertyViolation(`${why}\n  input: ${JSON.stringify(input)}`);
}

/**
 * Checks the forwarded text of parameters the gateway accepted: it parses back to the same
 * structure, is a fixed point of parse-then-serialize, and qs and Rack read it as that
 * structure with the same `expand` values.
 */
export function checkForwarded(input: string, params: ParamObject, forwarded: string): void {
  const expand = expandValues(params as Read).join('\u0000');
  for (const [reader, read] of [
    ['qs', qsRead],
    ['Rack', rackRead],
  ] as const) {
    let seen: Read;
    try {
      seen = read(forwarded);
    } catch (error) {
      throw violation(
        input,
        `${reader} refuses the forwarded text ${JSON.stringify(forwarded)}: ${String(error)}`,
      );
    }
    const difference = structureDifference(params as Read, seen);
    if (difference !== '') {
      throw violation(
        input,
        `${reader} reads the forwarded text ${JSON.stringify(forwarded)} differently: ${difference}`,
      );
    }
    if (expandValues(seen).join('\u0000') !== expand) {
      throw violation(
        input,
        `${reader} expands ${JSON.stringify(expandValues(seen))}, the gateway decided on ${JSON.stringify(expandValues(params as Read))}`,
      );
    }
  }
  let again: ParamObject;
  try {
    again = parseParams(forwarded, 'body');
  } catch (error) {
    throw violation(input, `the forwarded text ${JSON.stringify(forwarded)} is refused: ${String(error)}`);
  }
  const roundTrip = structureDifference(params as Read, again as Read);
  if (roundTrip !== '') throw violation(input, `parse(serialize(p)) differs from p at ${roundTrip}`);
  const fixed = serializeParams(again);
  if (fixed !== forwarded) {
    throw violation(
      input,
      `serialize is not a fixed point: ${JSON.stringify(forwarded)} → ${JSON.stringify(fixed)}`,
    );
  }
}

/** The property for a query string or form body text. Throws {@link PropertyViolation}. */
export function checkParamText(text: string, where: 'query' | 'body' = 'query'): Outcome {
  let params: ParamObject;
  try {
    params = parseParams(text, where);
  } catch (error) {
    if (error instanceof ParamError) return { kind: 'refused', code: error.code };
    throw violation(text, `parseParams threw something other than a ParamError: ${String(error)}`);
  }
  const forwarded = serializeParams(params);
  checkForwarded(text, params, forwarded);
  return { kind: 'accepted', params, forwarded };
}

/** A request body as generated: its bytes, declared type, and whether the route takes uploads. */
export interface BodyInput {
  readonly bytes: Uint8Array;
  readonly contentType: string | undefined;
  readonly multipart: boolean;
}

function describeBody(body: BodyInput): string {
  return `${JSON.stringify(body.contentType)} ${body.multipart ? '(upload route)' : ''} ${JSON.stringify(Buffer.from(body.bytes).toString('latin1'))}`;
}

/**
 * The property for a body: refused with a `ParamError`, or the canonical bytes are read back
 * (a form: by qs and Rack; multipart: by the parser and by a Rack-style multipart reading) as
 * the structure decided on, with the same file.
 */
export function checkBody(body: BodyInput): Outcome {
  const shown = describeBody(body);
  let parsed: ParsedBody;
  try {
    parsed = parseBody(body.bytes, body.contentType, { multipart: body.multipart });
  } catch (error) {
    if (error instanceof ParamError) return { kind: 'refused', code: error.code };
    throw violation(shown, `parseBody threw something other than a ParamError: ${String(error)}`);
  }
  const serialized = serializeBody(parsed);
  const text = serialized.bytes.toString('latin1');
  if (parsed.kind === 'form') {
    if (serialized.contentType !== 'application/x-www-form-urlencoded') {
      throw violation(shown, `a form is forwarded as ${serialized.contentType}`);
    }
    if (text !== serializeParams(parsed.params))
      throw violation(shown, 'the forwarded form is not serializeParams(params)');
    checkForwarded(shown, parsed.params, text);
    return { kind: 'accepted', params: parsed.params, forwarded: text };
  }
  let again: ParsedBody;
  try {
    again = parseBody(serialized.bytes, serialized.contentType, { multipart: true });
  } catch (error) {
    throw violation(shown, `the forwarded multipart body is refused: ${String(error)}`);
  }
  const difference = structureDifference(parsed.params as Read, again.params as Read);
  if (difference !== '')
    throw violation(shown, `the forwarded multipart body reads differently: ${difference}`);
  // Rack reads the fields and the file into one hash: the file's name must not also be a field's
  const expected = Object.assign(Object.create(null) as Record<string, Read>, parsed.params as Read);
  if (parsed.file !== undefined) {
    if (expected[parsed.file.name] !== undefined) {
      throw violation(
        shown,
        `the file's name \`${parsed.file.name}\` is also a field: readers keep one or the other`,
      );
    }
    expected[parsed.file.name] = FILE_MARK;
  }
  const rack = rackListsFromIndexedHashes(rackMultipartFields(serialized.bytes, serialized.contentType));
  const rackDifference = structureDifference(expected, rack as Read);
  if (rackDifference !== '') {
    throw violation(shown, `Rack reads the forwarded multipart body differently: ${rackDifference}`);
  }
  const [a, b] = [parsed.file, again.file];
  if (
    (a === undefined) !== (b === undefined) ||
    (a !== undefined &&
      b !== undefined &&
      (a.name !== b.name ||
        a.filename !== b.filename ||
        a.contentType !== b.contentType ||
        !Buffer.from(a.data).equals(Buffer.from(b.data))))
  ) {
    throw violation(shown, 'the forwarded multipart body carries a different file');
  }
  if (serializeBody(again).bytes.equals(serialized.bytes) === false) {
    throw violation(shown, 'serializeBody is not a fixed point on multipart');
  }
  return { kind: 'accepted', params: parsed.params, forwarded: text };
}

/** What {@link rackMultipartFields} puts where the file is. */
const FILE_MARK = '\u0000file';

/**
 * The parts of a canonical multipart body as Rack's multipart parser hands them to
 * `normalize_params`: names as written, values as UTF-8, the file as {@link FILE_MARK}.
 */
export function rackMultipartFields(bytes: Buffer, contentType: string): RackHash {
  const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
  if (boundary === undefined) throw new Error('no boundary');
  const params = Object.create(null) as RackHash;
  const parts = bytes.toString('latin1').split(`--${boundary}`);
  for (const part of parts.slice(1, -1)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.slice(2, headerEnd);
    const name = /name="([^"]*)"/.exec(headers)![1]!;
    const value = /filename="/.test(headers)
      ? FILE_MARK
      : Buffer.from(part.slice(headerEnd + 4, -2), 'latin1').toString('utf8');
    normalizeParams(params, Buffer.from(name, 'latin1').toString('utf8'), value, 100);
  }
  return params;
}

// ---------------------------------------------------------------- inputs: the grammar family

const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  '__lookupSetter__',
  'toLocaleString',
  'propertyIsEnumerable',
] as const;

/** `expand` as raw text in many spellings (some decode to `expand`, some only look like it). */
export const EXPAND_SPELLINGS = [
  'expand',
  '%65xpand',
  'ex%70and',
  'expan%64',
  '%65%78%70%61%6e%64',
  '%45xpand',
  'Expand',
  'EXPAND',
  'e%78pand',
  'expand%20',
  'expand+',
  '+expand',
  '%20expand',
  '.expand',
  '_expand',
  '-expand',
  'expand.',
  'exp and',
  'expand%00',
  'expand%09',
  'exp%C3%A4nd',
  'еxpand', // Cyrillic е
] as const;

const ROOT_TOKENS = [
  'metadata',
  'a',
  'b',
  'limit',
  'email',
  'items',
  'x',
  '0',
  '1',
  '01',
  '-1',
  '',
  '_x',
  '-x',
  '%5F',
  '%61',
  '%C3%A9',
  'é',
  '\u0000',
  '%00',
  '%1b',
  '%7F',
  'a%3Db',
  'a%26b',
  'a=b',
  'a&b',
  '%',
  '%zz',
  '%E2%80%AE',
  '%F0%9F%98%80',
  '%ED%A0%80',
  'a;b',
  'a#b',
  'a b',
  'a+b',
  'a.b',
  '%2B',
  '%25',
  '%255B',
] as const;

const KEY_TOKENS = [
  '',
  '',
  '0',
  '0',
  '1',
  '2',
  '00',
  '01',
  '199',
  '200',
  '1000000000',
  '-1',
  ' 0',
  '0 ',
  '1e1',
  '0x1',
  '+1',
  '%30',
  'a',
  'b',
  'c',
  'expand',
  '%65xpand',
  'data',
  'charge',
  ' ',
  '+',
  '%20',
  '.',
  'a.b',
  '=',
  '%3D',
  '&',
  '%26',
  '[',
  ']',
  '%5B',
  '%5D',
  '%5b',
  '%5d',
  'é',
  '%C3%A9',
  '%00',
  '%0a',
  '%C0%AE',
  '%FF',
  '\t',
  '０',
  '%EF%BC%90',
  '%25',
  '%255D',
  ';',
  '#',
  '"',
  "'",
  ...PROTOTYPE_NAMES,
] as const;

const VALUE_TOKENS = [
  'charge',
  'data.charge',
  'customer',
  'x',
  '',
  ' ',
  '+',
  '%20',
  '%2B',
  '=',
  '&',
  '%26',
  '%3D',
  '[',
  ']',
  '%5B',
  '%5D',
  '%00',
  '%09',
  '%0A',
  '%0D',
  '%1F',
  '%7F',
  '%C3%A9',
  'é',
  '%E2%80%AE',
  '%F0%9F%98%80',
  '%ED%A0%80',
  '%FF',
  '%C0%AE',
  '%',
  '%z',
  '%2',
  ';',
  '#',
  '\u0000',
  '\n',
  'expand[]=charge',
  '%25',
  '%2525',
  '..',
  '😀',
] as const;

/** Tokens that alone make a text unreadable: bad escapes, raw controls, spaces or non-ASCII, `;`, `#`. */
const HOSTILE = /%(?![0-9A-Fa-f]{2})|%(?:00|0[aAdD9]|1[bBfF]|7[fF]|FF|ff|C0|ED)|[^\x21-\x7e]|[;#]/;

/** The grammar's arbitraries, over all tokens or only the ones a text can pass with. */
interface Grammar {
  readonly name: fc.Arbitrary<string>;
  readonly value: fc.Arbitrary<string>;
  readonly pair: fc.Arbitrary<string>;
  readonly text: fc.Arbitrary<string>;
}

function grammar(hostile: boolean): Grammar {
  const tokens = (list: readonly string[]) =>
    fc.constantFrom(...(hostile ? list : list.filter((token) => !HOSTILE.test(token))));
  /** One subscript: an opening, a key, a closing (each raw or percent-encoded, or missing). */
  const subscript = fc
    .tuple(
      fc.oneof(
        { weight: 16, arbitrary: fc.constant('[') },
        { weight: 1, arbitrary: fc.constantFrom('%5B', '%5b', '', '[[') },
      ),
      fc.oneof(
        { weight: 6, arbitrary: tokens(KEY_TOKENS) },
        { weight: 1, arbitrary: tokens(EXPAND_SPELLINGS) },
      ),
      fc.oneof(
        { weight: 16, arbitrary: fc.constant(']') },
        { weight: 1, arbitrary: fc.constantFrom('%5D', '%5d', '', ']]') },
      ),
    )
    .map(([open, key, close]) => `${open}${key}${close}`);
  /** A name: optional root, 0–10 subscripts, rarely trailing junk. */
  const name = fc
    .tuple(
      fc.oneof(
        { weight: 4, arbitrary: tokens(EXPAND_SPELLINGS) },
        { weight: 4, arbitrary: tokens(ROOT_TOKENS) },
        { weight: 1, arbitrary: tokens(PROTOTYPE_NAMES) },
        { weight: 1, arbitrary: fc.constant('') },
      ),
      fc.oneof(
        { weight: 6, arbitrary: fc.array(subscript, { maxLength: 3 }) },
        { weight: 1, arbitrary: fc.array(subscript, { minLength: 7, maxLength: 10 }) },
      ),
      fc.oneof(
        { weight: 12, arbitrary: fc.constant('') },
        { weight: 1, arbitrary: tokens([']', '[', 'x', '.', '%5D', ' ', '+']) },
      ),
    )
    .map(([root, subscripts, tail]) => `${root}${subscripts.join('')}${tail}`);
  const value = fc.array(tokens(VALUE_TOKENS), { maxLength: 4 }).map((parts) => parts.join(''));
  const pair = fc
    .tuple(name, fc.constantFrom('=', '=', '=', '=', '=', '=', '', '=='), value)
    .map(([n, eq, v]) => (eq === '' ? n : `${n}${eq}${v}`));
  /** Pairs, separators, duplicates, empty pairs. */
  const text = fc
    .tuple(
      fc.oneof({ weight: 2, arbitrary: fc.array(pair, { maxLength: 2 }) }, fc.array(pair, { maxLength: 8 })),
      fc.array(fc.nat(), { maxLength: 2 }),
      tokens(['&', '&', '&', '&', '&', '&', '&', '&', '&&', ';', '&amp;']),
      fc.constantFrom('', '', '', '', '&', '?'),
    )
    .map(([pairs, duplicates, separator, lead]) => {
      const all = [...pairs];
      if (pairs.length > 0) for (const d of duplicates) all.push(pairs[d % pairs.length]!);
      return lead + all.join(separator);
    });
  return { name, value, pair, text };
}

const ANY = grammar(true);
const PASSABLE = grammar(false);

/** A parameter name from the grammar. */
export const nameArbitrary: fc.Arbitrary<string> = fc.oneof(PASSABLE.name, ANY.name);
/** A value from the grammar: 0–4 tokens. */
export const valueArbitrary: fc.Arbitrary<string> = fc.oneof(PASSABLE.value, ANY.value);
const pairArbitrary: fc.Arbitrary<string> = fc.oneof(PASSABLE.pair, ANY.pair);

/**
 * A query string or form body from the grammar. Three in four use only tokens that a text can
 * pass with (so that most reach the name, nesting and list rules); the rest use every token.
 */
export const grammarTextArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: PASSABLE.text },
  { weight: 1, arbitrary: ANY.text },
);

// ---------------------------------------------------------------- inputs: the structure family

const ROOT_NAMES = ['expand', 'metadata', 'a', 'b', 'items', 'x0', '0', 'A-b_c', 'Z9'] as const;
const SUB_KEYS = [
  'a',
  'b',
  'c',
  'k',
  'x y',
  'é',
  '=',
  '&',
  '%',
  '+',
  '.',
  'data.charge',
  '😀',
  ' 1',
  '1a',
  '-1',
  '#',
  ';',
  "'",
  '!*()',
  'expand',
  'Constructor',
  '__proto',
] as const;
const VALUE_CHARS = [
  'a',
  'b',
  'Z',
  '0',
  ' ',
  '&',
  '=',
  '+',
  '%',
  '#',
  ';',
  '[',
  ']',
  '\t',
  '\n',
  'é',
  '😀',
  '.',
  '~',
  '/',
  '?',
];

/** A random canonical structure: what a correct client means to send. */
export const structureArbitrary: fc.Arbitrary<ParamObject> = fc
  .letrec<{ value: ParamValue; hash: ParamObject; list: ParamValue[] }>((tie) => ({
    value: fc.oneof(
      { maxDepth: 3, depthSize: 'small' },
      { weight: 5, arbitrary: fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 6 }) },
      { weight: 1, arbitrary: tie('hash') },
      { weight: 1, arbitrary: tie('list') },
    ),
    hash: fc
      .uniqueArray(fc.tuple(fc.constantFrom(...SUB_KEYS), tie('value')), {
        minLength: 1,
        maxLength: 3,
        selector: ([key]) => key,
      })
      .map((entries) => hashOf(entries)),
    list: fc.array(tie('value'), { minLength: 1, maxLength: 3 }),
  }))
  .value.chain(() =>
    fc
      .uniqueArray(
        fc.tuple(
          fc.constantFrom(...ROOT_NAMES),
          fc.oneof(
            fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 6 }),
            fc.array(fc.constantFrom('charge', 'data.charge', 'customer', 'a.b'), {
              minLength: 1,
              maxLength: 3,
            }),
            structureValue(),
          ),
        ),
        { maxLength: 4, selector: ([key]) => key },
      )
      .map((entries) => hashOf(entries)),
  );

function structureValue(): fc.Arbitrary<ParamValue> {
  return fc.letrec<{ value: ParamValue }>((tie) => ({
    value: fc.oneof(
      { maxDepth: 4, depthSize: 'small' },
      { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 6 }) },
      {
        weight: 1,
        arbitrary: fc
          .uniqueArray(fc.tuple(fc.constantFrom(...SUB_KEYS), tie('value')), {
            minLength: 1,
            maxLength: 3,
            selector: ([key]) => key,
          })
          .map((entries) => hashOf(entries)),
      },
      { weight: 1, arbitrary: fc.array(tie('value'), { minLength: 1, maxLength: 3 }) },
    ),
  })).value;
}

function hashOf(entries: readonly (readonly [string, ParamValue])[]): ParamObject {
  const hash = Object.create(null) as Record<string, ParamValue>;
  for (const [key, value] of entries) hash[key] = value;
  return hash;
}

/** How one structure is spelled: encoding choices, drawn once per input. */
export interface Spelling {
  /** Percent-encode letters and digits where this is true (cycled). */
  readonly encodeUnreserved: readonly boolean[];
  /** Lower-case hex digits in escapes. */
  readonly lowerHex: boolean;
  /** Write spaces as `+`. */
  readonly plusForSpace: boolean;
  /** Write the lists whose items are strings with `[]` (cycled per list). */
  readonly pushNotation: readonly boolean[];
  /** Put the `expand` leaf pairs first, last or where they are. */
  readonly order: 'as-is' | 'reversed-hashes';
}

const spellingArbitrary: fc.Arbitrary<Spelling> = fc.record({
  encodeUnreserved: fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
  lowerHex: fc.boolean(),
  plusForSpace: fc.boolean(),
  pushNotation: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
  order: fc.constantFrom('as-is', 'reversed-hashes'),
});

function escapeByte(byte: number, lower: boolean): string {
  const hex = byte.toString(16).padStart(2, '0');
  return `%${lower ? hex : hex.toUpperCase()}`;
}

/** Encodes a name part or value in one of its accepted spellings. */
function spell(text: string, spelling: Spelling, counter: { n: number }): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (/^[A-Za-z0-9]$/.test(char)) {
      const encode = spelling.encodeUnreserved[counter.n++ % spelling.encodeUnreserved.length]!;
      out += encode ? escapeByte(code, spelling.lowerHex) : char;
    } else if (char === ' ') {
      out += spelling.plusForSpace ? '+' : escapeByte(32, spelling.lowerHex);
    } else if (/^[-_.~!*'()]$/.test(char)) {
      out += char;
    } else {
      for (const byte of Buffer.from(char, 'utf8')) out += escapeByte(byte, spelling.lowerHex);
    }
  }
  return out;
}

/** Writes a structure as `name=value` pairs in a given spelling (always accepted by the parser). */
export function spellStructure(params: ParamObject, spelling: Spelling): string[] {
  const pairs: string[] = [];
  const counter = { n: 0 };
  let lists = 0;
  const write = (prefix: string, value: ParamValue): void => {
    if (typeof value === 'string') {
      pairs.push(`${prefix}=${spell(value, spelling, counter)}`);
    } else if (Array.isArray(value)) {
      const push =
        value.every((item) => typeof item === 'string') &&
        spelling.pushNotation[lists++ % spelling.pushNotation.length]!;
      value.forEach((item, i) => {
        write(`${prefix}[${push ? '' : i}]`, item);
      });
    } else {
      const keys = Object.keys(value);
      if (spelling.order === 'reversed-hashes') keys.reverse();
      for (const key of keys)
        write(`${prefix}[${spell(key, spelling, counter)}]`, (value as ParamObject)[key]!);
    }
  };
  const roots = Object.keys(params);
  if (spelling.order === 'reversed-hashes') roots.reverse();
  for (const root of roots) write(spell(root, spelling, counter), params[root]!);
  return pairs;
}

/** A spelled structure, with the structure it means (undefined once perturbed). */
export interface SpelledInput {
  readonly text: string;
  readonly meant: ParamObject | undefined;
}

const PERTURBATIONS = [
  'none',
  'none',
  'none',
  'duplicate',
  'encode-bracket',
  'leading-bracket',
  'insert',
  'drop-char',
] as const;

/** A structure in one of its spellings, sometimes perturbed into something else. */
export const spelledArbitrary: fc.Arbitrary<SpelledInput> = fc
  .tuple(structureArbitrary, spellingArbitrary, fc.constantFrom(...PERTURBATIONS), fc.nat(), pairArbitrary)
  .map(([params, spelling, perturbation, at, extra]) => {
    const pairs = spellStructure(params, spelling);
    const text = pairs.join('&');
    if (perturbation === 'none' || pairs.length === 0) return { text, meant: params };
    const i = at % pairs.length;
    const pair = pairs[i]!;
    switch (perturbation) {
      case 'duplicate':
        pairs.push(pair);
        break;
      case 'encode-bracket':
        pairs[i] = pair.replace(/[[\]]/, (b) => (b === '[' ? '%5B' : '%5D'));
        break;
      case 'leading-bracket':
        pairs[i] = `[${pair.replace('[', '][')}`.replace(/^\[([^\]=]*)=/, '[$1]=');
        break;
      case 'insert':
        pairs.splice(i, 0, extra);
        break;
      case 'drop-char': {
        const j = at % pair.length;
        pairs[i] = pair.slice(0, j) + pair.slice(j + 1);
        break;
      }
    }
    return { text: pairs.join('&'), meant: undefined };
  });

// ---------------------------------------------------------------- bodies

const FORM_TYPES = [
  undefined,
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'application/x-www-form-urlencoded;charset="utf-8"',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/x-www-form-urlencoded; charset=latin1',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/x-www-form-urlencoded; charset=utf-16',
  'application/x-www-form-urlencoded; charset=utf-8; charset=latin1',
  'application/x-www-form-urlencoded; boundary=x',
  'application/x-www-form-urlencoded;',
  'application/x-www-form-urlencoded, text/plain',
  'application/json',
  'text/plain',
  'text/plain; charset=utf-8',
  'multipart/form-data',
  '',
  'form',
] as const;

const formBodyArbitrary: fc.Arbitrary<BodyInput> = fc
  .tuple(
    fc.oneof(
      grammarTextArbitrary,
      spelledArbitrary.map((input) => input.text),
    ),
    fc.constantFrom(...FORM_TYPES),
    fc.constantFrom('latin1', 'latin1', 'latin1', 'utf8', 'utf16le') as fc.Arbitrary<BufferEncoding>,
    fc.boolean(),
  )
  .map(([text, contentType, encoding, multipart]) => ({
    bytes: new Uint8Array(Buffer.from(text, encoding)),
    contentType,
    multipart,
  }));

/** One part of a generated multipart body. */
interface PartSpec {
  readonly name: string;
  readonly value: string;
  readonly file: boolean;
  readonly headerStyle:
    | 'plain'
    | 'text-type'
    | 'other-type'
    | 'no-disposition'
    | 'two-dispositions'
    | 'extra-header'
    | 'lf';
  readonly latin1Value: boolean;
}

const partArbitrary: fc.Arbitrary<PartSpec> = fc.record({
  name: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'purpose',
        'expand[]',
        'expand[0]',
        'metadata[k]',
        'file',
        'file[x]',
        'file[0]',
        'expand',
        'a[b][c]',
      ),
    },
    { weight: 1, arbitrary: nameArbitrary.filter((name) => !/["\r\n]/.test(name)) },
  ),
  value: fc.oneof(
    fc.constantFrom('charge', 'dispute_evidence', 'data.charge', '', 'é', '--B', '\r\n--B--'),
    valueArbitrary,
  ),
  file: fc.constantFrom(false, false, false, true),
  headerStyle: fc.constantFrom(
    'plain',
    'plain',
    'plain',
    'plain',
    'text-type',
    'other-type',
    'no-disposition',
    'two-dispositions',
    'extra-header',
    'lf',
  ),
  latin1Value: fc.boolean(),
});

const multipartBodyArbitrary: fc.Arbitrary<BodyInput> = fc
  .tuple(
    fc.array(partArbitrary, { minLength: 1, maxLength: 4 }),
    fc.constantFrom('', '', '', 'preamble\r\n'),
    fc.constantFrom('\r\n', '\r\n', '', 'epilogue', '\r\nexpand[]=charge', '\r\n\r\n'),
    fc.constantFrom('B', 'B', 'XyZ', 'a b', ''),
    fc.boolean(),
    fc.constantFrom('multipart/form-data', 'multipart/form-data', 'Multipart/Form-Data', 'multipart/mixed'),
    fc.constantFrom('', '', '; charset=utf-8', '; charset=latin1', '; x=y'),
    fc.boolean(),
  )
  .map(([parts, preamble, epilogue, boundary, multipart, media, extra, wellFormed]) => {
    if (wellFormed) {
      // one in two is an upload as a client writes it, so that the field and file rules are reached
      [preamble, boundary, multipart, media, extra] = ['', 'XyZ', true, 'multipart/form-data', ''];
      epilogue = epilogue === '' ? '' : '\r\n';
      parts = parts.map((part) => ({
        ...part,
        headerStyle: part.headerStyle === 'text-type' ? 'text-type' : 'plain',
      }));
    }
    const chunks: Buffer[] = [Buffer.from(preamble)];
    for (const part of parts) {
      const eol = part.headerStyle === 'lf' ? '\n' : '\r\n';
      const disposition = `Content-Disposition: form-data; name="${part.name}"${part.file ? '; filename="a.txt"' : ''}`;
      const headers: string[] = [];
      if (part.headerStyle !== 'no-disposition') headers.push(disposition);
      if (part.headerStyle === 'two-dispositions') headers.push(disposition);
      if (part.headerStyle === 'text-type') headers.push('Content-Type: text/plain; charset=utf-8');
      if (part.headerStyle === 'other-type') headers.push('Content-Type: application/json');
      if (part.headerStyle === 'extra-header') headers.push('Content-Transfer-Encoding: base64');
      chunks.push(
        Buffer.from(`--${boundary}${eol}${headers.join(eol)}${eol}${eol}`, 'latin1'),
        Buffer.from(part.value, part.latin1Value ? 'latin1' : 'utf8'),
        Buffer.from(eol),
      );
    }
    chunks.push(Buffer.from(`--${boundary}--${epilogue}`));
    return {
      bytes: new Uint8Array(Buffer.concat(chunks)),
      contentType: `${media}; boundary=${boundary.includes(' ') ? `"${boundary}"` : boundary}${extra}`,
      multipart,
    };
  });

/** A body: a form in some declared type and encoding, or a multipart message (strict or not). */
export const bodyArbitrary: fc.Arbitrary<BodyInput> = fc.oneof(
  { weight: 3, arbitrary: formBodyArbitrary },
  { weight: 2, arbitrary: multipartBodyArbitrary },
);

// ---------------------------------------------------------------- one fuzz case

/** One case of the fuzz: parameter text (grammar or spelled structure) or a body. */
export type FuzzCase =
  | { readonly kind: 'grammar'; readonly where: 'query' | 'body'; readonly text: string }
  | { readonly kind: 'spelled'; readonly where: 'query' | 'body'; readonly input: SpelledInput }
  | { readonly kind: 'body'; readonly body: BodyInput };

export const fuzzCaseArbitrary: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('grammar' as const),
      where: fc.constantFrom('query' as const, 'body' as const),
      text: grammarTextArbitrary,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('spelled' as const),
      where: fc.constantFrom('query' as const, 'body' as const),
      input: spelledArbitrary,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('body' as const), body: bodyArbitrary }) },
);

/**
 * Checks one fuzz case. A spelled structure that was not perturbed must also be accepted and
 * parse to exactly the structure it spells. Throws {@link PropertyViolation}.
 */
export function checkFuzzCase(c: FuzzCase): Outcome {
  if (c.kind === 'body') return checkBody(c.body);
  if (c.kind === 'grammar') return checkParamText(c.text, c.where);
  const outcome = checkParamText(c.input.text, c.where);
  if (c.input.meant !== undefined) {
    if (outcome.kind === 'refused') {
      throw violation(
        c.input.text,
        `a correct spelling of ${JSON.stringify(c.input.meant)} is refused (${outcome.code})`,
      );
    }
    const difference = structureDifference(c.input.meant as Read, outcome.params as Read);
    if (difference !== '')
      throw violation(c.input.text, `the spelling parses to another structure: ${difference}`);
  }
  return outcome;
}

/** A case as text, for reports. */
export function describeCase(c: FuzzCase): string {
  if (c.kind === 'body') return `body ${describeBody(c.body)}`;
  return `${c.where} ${JSON.stringify(c.kind === 'grammar' ? c.text : c.input.text)}`;
}

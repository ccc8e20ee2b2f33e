import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PARAM_LIMITS,
  ParamError,
  type ParamObject,
  parseParams,
  RESERVED_NAMES,
  serializeParams,
  splitName,
} from '../../../src/core/params/params.js';
import { structureArbitrary, structureDifference } from '../../support/param-fuzz.js';

/** The error `parseParams` throws for a text (fails the test when it parses). */
function refusal(text: string, where: 'query' | 'body' = 'query'): ParamError {
  try {
    parseParams(text, where);
  } catch (error) {
    if (error instanceof ParamError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('parseParams: what it reads', () => {
  it('reads names, hashes, lists by index and by [] into null-prototype objects', () => {
    const params = parseParams(
      'email=a%40b.c&metadata[k]=v&expand[]=a&expand[]=b&items[0][price]=p',
      'query',
    );
    expect(plain(params)).toEqual({
      email: 'a@b.c',
      metadata: { k: 'v' },
      expand: ['a', 'b'],
      items: [{ price: 'p' }],
    });
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(Object.getPrototypeOf(params['metadata'])).toBeNull();
  });

  it('decodes + as a space and percent-escapes as UTF-8, in names and values', () => {
    expect(plain(parseParams('metadata[a+b]=c+d&%65mail=%C3%A9%F0%9F%98%80', 'body'))).toEqual({
      metadata: { 'a b': 'c d' },
      email: 'é😀',
    });
  });

  it('skips empty pairs and reads a pair without = as an empty value', () => {
    expect(plain(parseParams('&&a=1&&b&', 'query'))).toEqual({ a: '1', b: '' });
    expect(plain(parseParams('', 'query'))).toEqual({});
  });

  it('keeps = inside a value and accepts tabs and line breaks there', () => {
    expect(plain(parseParams('a=b=c&t=%09%0A%0D', 'query'))).toEqual({ a: 'b=c', t: '\t\n\r' });
  });

  it('reads digit-first and dotted keys as hash keys, and indices 0 to 199 as list positions', () => {
    expect(plain(parseParams('m[1a]=x&m[a.b]=y&m[-1]=z', 'query'))).toEqual({
      m: { '1a': 'x', 'a.b': 'y', '-1': 'z' },
    });
    const list = Array.from({ length: 200 }, (_, i) => `a[${i}]=${i}`).join('&');
    expect((parseParams(list, 'query')['a'] as string[]).length).toBe(200);
  });
});

describe('parseParams: every refusal, with its code, param and message', () => {
  const cases: readonly (readonly [string, string, string | undefined, RegExp])[] = [
    // [text, code, param, message]
    ['=v', 'parameter_invalid_name', undefined, /^Invalid parameter: a parameter has no name \(`=…`\)\.$/],
    [
      '[expand][]=charge',
      'parameter_invalid_name',
      '[expand][]',
      /^Invalid parameter name `\[expand\]\[\]`: a name starts with a letter or a digit\. Names are written `name`, `name\[key\]`, `name\[0\]` or `name\[\]`\.$/,
    ],
    ['_x=1', 'parameter_invalid_name', '_x', /a name starts with a letter or a digit/],
    ['-x=1', 'parameter_invalid_name', '-x', /a name starts with a letter or a digit/],
    ['+x=1', 'parameter_invalid_name', ' x', /a name starts with a letter or a digit/],
    ['.x=1', 'parameter_invalid_name', '.x', /a name starts with a letter or a digit/],
    [
      'a.b=1',
      'parameter_invalid_name',
      'a.b',
      /a name has only letters, digits, `_` and `-` before its first `\[`/,
    ],
    ['a]=1', 'parameter_invalid_name', 'a]', /it has a `\]` without a `\[`/],
    ['a[b=1', 'parameter_invalid_name', 'a[b', /it has a `\[` without a `\]`/],
    ['a[[b]]=1', 'parameter_invalid_name', 'a[[b]]', /a subscript has a `\[` inside it/],
    ['a[][b]=1', 'parameter_invalid_name', 'a[][b]', /`\[\]` may only come last/],
    ['a[b]c=1', 'parameter_invalid_name', 'a[b]c', /it has text after a `\]`/],
    ['a[b]]=1', 'parameter_invalid_name', 'a[b]]', /it has a `\]` without a `\[`/],
    [
      'expand%5B%5D=x',
      'parameter_invalid_name',
      'expand%5B%5D',
      /^Invalid parameter name `expand%5B%5D`: brackets in names are written as they are, never percent-encoded \(`%5B`, `%5D`\)\.$/,
    ],
    ['a[b%5d=x', 'parameter_invalid_name', 'a[b%5d', /never percent-encoded/],
    [
      'a%01=x',
      'parameter_invalid_name',
      'a?',
      /^Invalid parameter name `a\?`: names have no control characters\.$/,
    ],
    ['__proto__=x', 'parameter_invalid_name', '__proto__', /a name starts with a letter or a digit/],
    [
      'constructor=x',
      'parameter_unknown',
      'constructor',
      /^Received unknown parameter: constructor \(`constructor` is a reserved name and is never a parameter\)\.$/,
    ],
    ['a[__proto__]=x', 'parameter_unknown', 'a[__proto__]', /`__proto__` is a reserved name/],
    ['a[b][toString]=x', 'parameter_unknown', 'a[b][toString]', /`toString` is a reserved name/],
    ['a[0][hasOwnProperty]=x', 'parameter_unknown', 'a[0][hasOwnProperty]', /`hasOwnProperty`/],
    [
      'a=1&a=2',
      'parameter_duplicate',
      'a',
      /^Parameter `a` is given more than once: send one value \(lists are written `a\[0\]=…&a\[1\]=…`\)\.$/,
    ],
    ['a[0]=1&a[0]=2', 'parameter_duplicate', 'a[0]', /^Parameter `a\[0\]` is given more than once/],
    [
      'a=1&a[b]=2',
      'parameter_mixed_types',
      'a',
      /^Invalid parameter `a\[b\]`: `a` is given as more than one of a value, a list and a hash\.$/,
    ],
    [
      'a[b]=1&a=2',
      'parameter_mixed_types',
      'a',
      /`a` is given as more than one of a value, a list and a hash/,
    ],
    ['a[b]=1&a[0]=2', 'parameter_mixed_types', 'a', /more than one of a value, a list and a hash/],
    ['a[0]=1&a[b]=2', 'parameter_mixed_types', 'a', /more than one of a value, a list and a hash/],
    ['a[b][c]=1&a[b]=2', 'parameter_mixed_types', 'a[b]', /`a\[b\]` is given as more than one/],
    [
      'a[]=1&a[1]=2',
      'parameter_mixed_types',
      'a',
      /^Invalid parameter `a\[1\]`: one list is written both with `\[\]` and with indices \(`\[0\]`\); use one notation\.$/,
    ],
    ['a[0]=1&a[]=2', 'parameter_mixed_types', 'a', /one list is written both with `\[\]` and with indices/],
    [
      'a[1]=x',
      'parameter_invalid_index',
      'a[1]',
      /^Invalid parameter `a\[1\]`: list indices must count up from 0 without gaps \(expected `\[0\]` or an earlier index\)\.$/,
    ],
    [
      'a[01]=x',
      'parameter_invalid_index',
      'a[01]',
      /^Invalid parameter `a\[01\]`: `\[01\]` is not a list index \(indices are written without leading zeros, from 0 to 199\)\.$/,
    ],
    ['a[200]=x', 'parameter_invalid_index', 'a[200]', /`\[200\]` is not a list index/],
    ['a[1000000000]=x', 'parameter_invalid_index', 'a[1000000000]', /is not a list index/],
    [
      'a b=1',
      'parameter_invalid_encoding',
      'a b',
      /^The request query string has a space: percent-encode every name and value \(UTF-8\)\.$/,
    ],
    ['a=\u00e9', 'parameter_invalid_encoding', 'a', /has a non-ASCII character/],
    ['a=\u0001', 'parameter_invalid_encoding', 'a', /has a control character/],
    [
      'a=1;b=2',
      'parameter_invalid_encoding',
      'a',
      /^The request query string has a `;`: separate parameters with `&` and percent-encode `;` in values\.$/,
    ],
    ['a=1#b', 'parameter_invalid_encoding', 'a', /^The request target has a fragment \(`#`\)\.$/],
    [
      'a=%zz',
      'parameter_invalid_encoding',
      'a',
      /^The request query string has a malformed percent-encoding near `%zz`\.$/,
    ],
    ['a=%2', 'parameter_invalid_encoding', 'a', /malformed percent-encoding near `%2`/],
    [
      'a=%C3%28',
      'parameter_invalid_encoding',
      'a',
      /^The value of `a` in the request query string percent-encodes bytes that are not UTF-8\.$/,
    ],
    [
      'a%FF=1',
      'parameter_invalid_encoding',
      'a%FF',
      /^The parameter name `a%FF` in the request query string percent-encodes bytes that are not UTF-8\.$/,
    ],
    [
      'a=%00',
      'parameter_invalid_encoding',
      'a',
      /^The value of `a` has a control character \(such as `%00`\): only tabs and line breaks are accepted\.$/,
    ],
    ['a=%7F', 'parameter_invalid_encoding', 'a', /has a control character/],
  ];

  for (const [text, code, param, message] of cases) {
    it(`${JSON.stringify(text)} → ${code}`, () => {
      const error = refusal(text);
      expect(error).toBeInstanceOf(ParamError);
      expect(error.name).toBe('ParamError');
      expect([error.code, error.param]).toEqual([code, param]);
      expect(error.message).toMatch(message);
    });
  }

  it('names the source in encoding messages: a body is a form body', () => {
    expect(refusal('a b=1', 'body').message).toBe(
      'The request form body has a space: percent-encode every name and value (UTF-8).',
    );
    // `#` is only a fragment in a query; in a body it is an ordinary (if odd) character
    expect(plain(parseParams('a=1#b', 'body'))).toEqual({ a: '1#b' });
  });

  it('refuses every reserved name at every depth', () => {
    for (const name of RESERVED_NAMES) {
      for (const text of [
        `${name}=x`,
        `a[${name}]=x`,
        `a[b][${name}]=x`,
        `a[0][${name}]=x`,
        `a[${name}][b]=x`,
      ]) {
        const error = refusal(text);
        expect(['parameter_unknown', 'parameter_invalid_name'], text).toContain(error.code);
        if (!name.startsWith('_')) expect(error.code, text).toBe('parameter_unknown');
      }
    }
  });

  it('shows at most 60 characters of a name, controls as ?', () => {
    const long = `a${'b'.repeat(100)}.c=1`;
    const error = refusal(long);
    expect(error.param).toBe(`a${'b'.repeat(56)}...`);
    expect(error.param!.length).toBe(60);
  });
});

describe('parseParams: limits, at and past each boundary', () => {
  const { parameters, depth, arrayLength, nameLength } = PARAM_LIMITS;

  it('has the documented limits', () => {
    expect(PARAM_LIMITS).toEqual({ parameters: 1000, depth: 8, arrayLength: 200, nameLength: 512 });
    expect(Object.isFrozen(PARAM_LIMITS)).toBe(true);
  });

  it(`${parameters} parameters pass, ${parameters + 1} are refused (empty pairs do not count)`, () => {
    const at = Array.from({ length: parameters }, (_, i) => `p${i}=1`).join('&');
    expect(Object.keys(parseParams(`${at}&&&`, 'body')).length).toBe(parameters);
    const error = refusal(`${at}&x=1`, 'body');
    expect([error.code, error.param, error.message]).toEqual([
      'parameters_exceeded_max',
      undefined,
      'Too many parameters in the request body: the limit is 1000.',
    ]);
  });

  it(`${depth} subscripts pass, ${depth + 1} are refused`, () => {
    const name = (n: number) => `a${'[b]'.repeat(n)}`;
    expect(() => parseParams(`${name(depth)}=1`, 'query')).not.toThrow();
    const error = refusal(`${name(depth + 1)}=1`);
    expect([error.code, error.param, error.message]).toEqual([
      'parameter_too_deep',
      name(depth + 1),
      `Invalid parameter \`${name(depth + 1)}\`: names are nested at most 8 levels deep.`,
    ]);
  });

  it(`${arrayLength} list items pass, ${arrayLength + 1} are refused, by index or by []`, () => {
    const pushed = (n: number) => Array.from({ length: n }, () => 'a[]=x').join('&');
    expect((parseParams(pushed(arrayLength), 'query')['a'] as string[]).length).toBe(arrayLength);
    const error = refusal(pushed(arrayLength + 1));
    expect([error.code, error.param, error.message]).toEqual([
      'parameter_invalid_index',
      'a',
      'Invalid parameter `a[]`: a list holds at most 200 items.',
    ]);
    expect(refusal(`a[${arrayLength}]=x`).code).toBe('parameter_invalid_index');
  });

  it(`${nameLength}-character names pass, longer ones are refused (decoded length)`, () => {
    const name = `a${'b'.repeat(nameLength - 1)}`;
    expect(() => parseParams(`${name}=1`, 'query')).not.toThrow();
    // encoded, the same name is longer than the limit and still passes
    expect(() => parseParams(`%61${'b'.repeat(nameLength - 1)}=1`, 'query')).not.toThrow();
    const error = refusal(`${name}b=1`);
    expect([error.code, error.message]).toEqual([
      'parameter_invalid_name',
      `Invalid parameter \`${name}b\`: names are at most 512 characters.`.replace(
        `${name}b`,
        `${name.slice(0, 57)}...`,
      ),
    ]);
  });

  it('takes other limits', () => {
    const limits = { parameters: 2, depth: 1, arrayLength: 2, nameLength: 8 };
    expect(() => parseParams('a=1&b=2', 'query', limits)).not.toThrow();
    expect(() => parseParams('a=1&b=2&c=3', 'query', limits)).toThrow(/the limit is 2/);
    expect(() => parseParams('a[b][c]=1', 'query', limits)).toThrow(/at most 1 levels/);
    expect(() => parseParams('a[2]=1', 'query', limits)).toThrow(/from 0 to 1/);
    expect(() => parseParams('abcdefghi=1', 'query', limits)).toThrow(/at most 8 characters/);
  });
});

describe('splitName', () => {
  it('splits a name into its root and subscripts', () => {
    expect(splitName('a')).toEqual(['a']);
    expect(splitName('a[b][0][]')).toEqual(['a', 'b', '0', '']);
    expect(splitName('0[x y]')).toEqual(['0', 'x y']);
  });
});

describe('serializeParams', () => {
  it("writes Stripe's form encoding: literal brackets, encoded parts, lists by index", () => {
    const params = parseParams('expand[]=customer&metadata[a+b]=c%26d&items[0][x]=1&items[1][x]=2', 'query');
    expect(serializeParams(params)).toBe(
      'expand[0]=customer&metadata[a%20b]=c%26d&items[0][x]=1&items[1][x]=2',
    );
    expect(serializeParams(Object.create(null) as ParamObject)).toBe('');
  });

  it('round-trips every generated structure: parseParams(serializeParams(p)) deep-equals p', () => {
    fc.assert(
      fc.property(structureArbitrary, (params) => {
        const text = serializeParams(params);
        expect(structureDifference(params, parseParams(text, 'query'))).toBe('');
        expect(structureDifference(params, parseParams(text, 'body'))).toBe('');
      }),
      { numRuns: 2000, seed: 1204 },
    );
  });

  it('is a fixed point on canonical text: serializeParams(parseParams(s)) === s', () => {
    fc.assert(
      fc.property(structureArbitrary, (params) => {
        const canonical = serializeParams(params);
        expect(serializeParams(parseParams(canonical, 'query'))).toBe(canonical);
      }),
      { numRuns: 2000, seed: 1205 },
    );
    for (const canonical of [
      'a=1',
      'expand[0]=a&expand[1]=b',
      'm[%C3%A9]=%F0%9F%98%80',
      'm[a%2Cb]=1',
      'x=',
    ]) {
      expect(serializeParams(parseParams(canonical, 'query'))).toBe(canonical);
    }
  });

  it('orders keys as the structure holds them (integer-like top-level names first, as JavaScript does)', () => {
    // not a difference a reader can see (hashes have no order), but worth knowing
    expect(serializeParams(parseParams('b=1&0=2&a=3', 'query'))).toBe('0=2&b=1&a=3');
  });
});

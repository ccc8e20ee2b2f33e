import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical-json.js';
import {
  generateSecret,
  hashesMatch,
  hashSecret,
  maskKey,
  parseSecret,
  randomBase62,
  SECRET_ENTROPY_BITS,
  secretHint,
} from '../../src/domain/secrets.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('secrets', () => {
  it('have a prefix, at least 192 random bits and a checksum', () => {
    expect(SECRET_ENTROPY_BITS).toBeGreaterThanOrEqual(192);
    for (const [type, mode] of [
      ['sk', 'test'],
      ['sk', 'live'],
      ['rk', 'test'],
      ['rk', 'live'],
    ] as const) {
      const secret = generateSecret(type, mode);
      expect(secret).toMatch(new RegExp(`^${type}_${mode}_[0-9A-Za-z]{42}$`));
      expect(parseSecret(secret)).toEqual({ type, mode });
    }
    const many = new Set(Array.from({ length: 2000 }, () => generateSecret('rk', 'test')));
    expect(many.size).toBe(2000);
  });

  it('refuses any single-character change without a lookup', () => {
    const secret = generateSecret('rk', 'live');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: secret.length - 1 }),
        fc.constantFrom(...ALPHABET, '_', '-'),
        (position, replacement) => {
          fc.pre(secret[position] !== replacement);
          const edited = secret.slice(0, position) + replacement + secret.slice(position + 1);
          expect(parseSecret(edited)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses wrong shapes', () => {
    const secret = generateSecret('sk', 'test');
    for (const bad of [
      '',
      'sk_test_',
      secret.slice(0, -1),
      `${secret}0`,
      secret.replace('sk_', 'pk_'),
      ` ${secret}`,
    ]) {
      expect(parseSecret(bad)).toBeUndefined();
    }
    expect(parseSecret(undefined as unknown as string)).toBeUndefined();
  });

  it('random base62 uses every character', () => {
    const sample = randomBase62(20_000);
    expect(sample).toMatch(/^[0-9A-Za-z]{20000}$/);
    expect(new Set(sample).size).toBe(62);
  });

  it('are stored as a SHA-256 hash and a four-character hint, compared in constant time', () => {
    const secret = generateSecret('rk', 'test');
    const hash = hashSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashesMatch(hash, hashSecret(secret))).toBe(true);
    expect(hashesMatch(hash, hashSecret(generateSecret('rk', 'test')))).toBe(false);
    expect(hashesMatch(hash, 'abc')).toBe(false);
    expect(secretHint(secret)).toBe(secret.slice(-4));
  });

  it('are masked to their prefix and last four characters', () => {
    expect(maskKey('rk_test_abcdefghijklmnopwxyz')).toBe('rk_test_***…wxyz');
    expect(maskKey('sk_live_4eC39HqLyjWDarjtT1zdp7dc9Xk2LmQpR8sYvB1c0k3ZQw')).toBe('sk_live_***…3ZQw');
    expect(maskKey('rk_test_short')).toBe('rk_test_***');
    expect(maskKey('hunter2')).toBe('***');
    expect(maskKey('Bearer-something-long-enough')).toBe('***…ough');
  });
});

describe('canonical JSON', () => {
  it('is independent of key order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }], u: undefined })).toBe(
      '{"a":[true,{"c":"x","d":null}],"b":1}',
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

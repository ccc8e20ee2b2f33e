import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseParams } from '../../src/core/params/params.js';
import { checkHeaders, checkTarget } from '../../src/gateway/hygiene.js';
import { DEFAULT_GATEWAY_LIMITS } from '../../src/gateway/options.js';

const ok = (url: string) => checkTarget(url, DEFAULT_GATEWAY_LIMITS) === undefined;

describe('checkTarget', () => {
  it('accepts what the SDKs send', () => {
    expect(ok('/v1/customers')).toBe(true);
    expect(ok('/v1/customers/cus_123?expand[0]=default_source&limit=3')).toBe(true);
    expect(ok('/v1/customers?created[gte]=1700000000&email=a%40b.c')).toBe(true);
    expect(ok('/v1/coupons/caf%C3%A9')).toBe(true); // UTF-8, percent-encoded
    expect(ok('/v1/customers/search?query=email%3A%27a%40b.c%27')).toBe(true);
  });

  it('refuses non-canonical paths', () => {
    for (const url of [
      'v1/customers',
      '/v1//customers',
      '/v1/./customers',
      '/v1/customers/..',
      '/v1/customers/%2e',
      '/v1/customers/%2F',
      '/v1/customers/%25',
      '/v1/customers/%41',
      '/v1/customers/%7e',
      '/v1/customers/%3b',
      '/v1/customers/%0a',
      '/v1/customers/%c0%af',
      '/v1/customers/%',
      '/v1/customers/%4',
      '/v1/customers/%g0',
      '/v1/customers;a',
      '/v1/customers\\a',
      '/v1/customers#a',
      '/v1/cust\u00e9mers',
      '/v1/cus tomers',
    ]) {
      expect(ok(url), url).toBe(false);
    }
  });

  it('leaves the query to the one parameter parser, which refuses ambiguous queries', () => {
    const parses = (url: string): boolean => {
      try {
        parseParams(url.slice(url.indexOf('?') + 1), 'query');
        return true;
      } catch {
        return false;
      }
    };
    for (const url of [
      '/v1/x?a=1;b=2',
      '/v1/x?a=%00',
      '/v1/x?a=%1f',
      '/v1/x?a=%zz',
      '/v1/x?a=%ff',
      '/v1/x?_method=PUT',
      '/v1/x?%5Fmethod=PUT',
      '/v1/x?a=1#f',
    ]) {
      expect(ok(url), url).toBe(true);
      expect(parses(url), url).toBe(false);
    }
    expect(parses('/v1/x?a_method=1&method=2&methods_=3')).toBe(true);
  });

  it('never throws, and accepts every path made of safe segments', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        checkTarget(`/${text}`, DEFAULT_GATEWAY_LIMITS);
      }),
    );
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (segments) =>
        ok(`/v1/${segments.join('/')}`),
      ),
    );
  });

  it('bounds the path and query', () => {
    expect(checkTarget(`/${'a'.repeat(2048)}`, DEFAULT_GATEWAY_LIMITS)?.status).toBe(414);
    expect(checkTarget(`/${'a'.repeat(2047)}`, DEFAULT_GATEWAY_LIMITS)).toBeUndefined();
    expect(checkTarget(`/v1/x?${'a'.repeat(8193)}`, DEFAULT_GATEWAY_LIMITS)?.status).toBe(414);
  });
});

describe('checkHeaders', () => {
  it('refuses bodies on GET, HEAD and DELETE but not an empty Content-Length', () => {
    expect(checkHeaders('GET', { 'content-length': '0' }, ['Content-Length', '0'])).toBeUndefined();
    expect(checkHeaders('DELETE', { 'content-length': '2' }, ['Content-Length', '2'])?.body.code).toBe(
      'body_not_allowed',
    );
    expect(
      checkHeaders('HEAD', { 'transfer-encoding': 'chunked' }, ['Transfer-Encoding', 'chunked'])?.status,
    ).toBe(400);
    expect(
      checkHeaders('POST', { 'transfer-encoding': 'chunked' }, ['Transfer-Encoding', 'chunked']),
    ).toBeUndefined();
  });

  it('refuses duplicates only of headers that matter', () => {
    const raw = ['Accept', 'a', 'accept', 'b'];
    expect(checkHeaders('GET', { accept: 'a, b' }, raw)).toBeUndefined();
    const twice = ['Idempotency-Key', 'a', 'idempotency-key', 'b'];
    expect(checkHeaders('POST', { 'idempotency-key': 'a, b' }, twice)?.body.message).toContain(
      'idempotency-key',
    );
  });
});

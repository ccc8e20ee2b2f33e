import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectBodyExpand, collectExpand, decodeComponent } from '../../../src/core/routes/query.js';

const values = (query: string) => (collectExpand(query, 0, undefined) ?? []).map((v) => decodeComponent(v));

describe('collectExpand', () => {
  it('finds every spelling of expand', () => {
    expect(values('expand[]=a&expand[0]=b&expand=c&expand[x]=d')).toEqual(['a', 'b', 'c', 'd']);
    expect(values('expand%5B%5D=a&expand%5b1%5d=b&%65xpand[]=c')).toEqual(['a', 'b', 'c']);
    expect(values('limit=3;expand[]=a&+expand[]=b& expand[]=c')).toEqual(['a', 'b', 'c']);
    expect(values('expand[]=data.customer%2Edefault_source&expand[]=a+b')).toEqual([
      'data.customer.default_source',
      'a b',
    ]);
    expect(values('expand[]')).toEqual(['']);
  });

  it('ignores other parameters, including look-alikes', () => {
    expect(collectExpand('limit=3&starting_after=cus_1', 0, undefined)).toBeUndefined();
    expect(
      collectExpand('expanded=1&expand_all=1&x[expand][]=a&xexpand[]=b&q=expand[]', 0, undefined),
    ).toBeUndefined();
    expect(collectExpand('email=a%40b.c', 0, undefined)).toBeUndefined();
    expect(collectExpand('exp%zzand[]=a', 0, undefined)).toBeUndefined();
  });

  it('starts at the given offset and appends to an existing list', () => {
    const out = ['first'];
    expect(collectExpand('/v1/x?expand[]=a', 6, out)).toBe(out);
    expect(out).toEqual(['first', 'a']);
  });
});

describe('collectBodyExpand', () => {
  it('reads form bodies, with or without a content type', () => {
    expect(collectBodyExpand('expand[]=a', undefined, undefined)).toEqual(['a']);
    expect(
      collectBodyExpand('expand[]=a', 'application/x-www-form-urlencoded; charset=utf-8', undefined),
    ).toEqual(['a']);
    expect(
      collectBodyExpand(
        new TextEncoder().encode('expand[0]=b'),
        'application/x-www-form-urlencoded',
        undefined,
      ),
    ).toEqual(['b']);
  });

  it('reads a multipart body as multipart even when its boundary looks like a form type', () => {
    const body =
      '--form-urlencoded\r\nContent-Disposition: form-data; name="expand[]"\r\n\r\nlinks\r\n--form-urlencoded--\r\n';
    const out = collectBodyExpand(body, 'multipart/form-data; boundary=form-urlencoded', undefined);
    expect(out?.map((v) => decodeComponent(v))).toEqual(['links']);
  });

  it('reads the top-level expand of a JSON body, and scans anything else as a form', () => {
    expect(collectBodyExpand('{"\\u0065xpand":["a","b"]}', 'application/json', undefined)).toEqual([
      'a',
      'b',
    ]);
    expect(collectBodyExpand('{"metadata":{"expand":"x"}}', 'application/json', undefined)).toBeUndefined();
    expect(collectBodyExpand('expand[]=a', 'text/plain', undefined)).toEqual(['a']);
  });
});

describe('decodeComponent', () => {
  it('decodes leniently', () => {
    expect(decodeComponent('a%20b+c')).toBe('a b c');
    expect(decodeComponent('a+b', false)).toBe('a+b');
    expect(decodeComponent('100%+%41')).toBe('100% A');
  });
});

describe('collectExpand scans with and without escapes alike', () => {
  it('gives the same values whether or not the text holds a `%` escape elsewhere', () => {
    const chars = ['e', 'x', 'p', 'a', 'n', 'd', '[', ']', '=', '&', ';', '+', ' ', '0', 'q'];
    const textArb = fc
      .array(
        fc.oneof(fc.constantFrom(...chars), fc.constantFrom('expand', 'expand[]', 'expand[0]', '&expand')),
        {
          maxLength: 30,
        },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(textArb, (text) => {
        const plain = collectExpand(text, 0, undefined) ?? [];
        // an extra pair with an escape forces the general scan; it is not an expand parameter
        const escaped = collectExpand(`${text}&q%41=1`, 0, undefined) ?? [];
        expect(escaped).toEqual(plain);
      }),
      { numRuns: 2000 },
    );
  });
});

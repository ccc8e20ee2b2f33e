import { describe, expect, it } from 'vitest';
import {
  checkConnectSrc,
  checkExternalUrl,
  checkImageSrc,
  checkRedirectUri,
  connectSrcCovers,
} from '../../../src/core/manifest/url-rules.js';

describe('checkConnectSrc (Stripe’s docs: HTTPS, a path, left-most wildcard, not Stripe)', () => {
  it.each([
    'https://api.example.com/v1/',
    'https://api.example.com/v1/customers',
    'https://*.api.example.com/path/',
    'https://api.example.com:8443/v1/',
    'https://localhost/dev/',
    'https://10.0.0.1/api/',
  ])('accepts %s', (url) => {
    expect(checkConnectSrc(url)).toBeUndefined();
  });

  it.each([
    ['', 'a connect-src URL must not be empty; use a URL such as `https://api.example.com/v1/`'],
    [
      'api.example.com/v1/',
      '`api.example.com/v1/` is not a URL; use one such as `https://api.example.com/v1/`',
    ],
    [
      'http://api.example.com/v1/',
      '`http://api.example.com/v1/` must use HTTPS: `https://api.example.com/v1/`',
    ],
    ['wss://api.example.com/v1/', '`wss://api.example.com/v1/` must be an `https://` URL'],
    [
      'https://api.example.com',
      '`https://api.example.com` must contain a path, e.g. `https://api.example.com/api/` (a trailing `/` allows every sub-path)',
    ],
    [
      'https://api.example.com/',
      '`https://api.example.com/` must contain a path, e.g. `https://api.example.com/api/` (a trailing `/` allows every sub-path)',
    ],
    [
      'https://api.*.example.com/v1/',
      '`https://api.*.example.com/v1/` may use a wildcard only as the whole left-most DNS label, e.g. `https://*.example.com/api/`',
    ],
    [
      'https://a*.example.com/v1/',
      '`https://a*.example.com/v1/` may use a wildcard only as the whole left-most DNS label, e.g. `https://*.example.com/api/`',
    ],
    [
      'https://*.com/v1/',
      '`https://*.com/v1/` is too broad: a wildcard must be followed by at least two DNS labels, e.g. `*.example.com`',
    ],
    [
      'https://api.stripe.com/v1/',
      '`https://api.stripe.com/v1/` is a Stripe URL; Stripe API calls go through the UI extension SDK, not connect-src',
    ],
    [
      'https://*.stripe.com/v1/',
      '`https://*.stripe.com/v1/` is a Stripe URL; Stripe API calls go through the UI extension SDK, not connect-src',
    ],
    [
      'https://user:pw@api.example.com/v1/',
      '`https://user:pw@api.example.com/v1/` must not contain a user name or password',
    ],
    [
      'https://api.example.com/v1/?key=1',
      '`https://api.example.com/v1/?key=1` must not contain a query string (`?key=1`)',
    ],
    [
      'https://api.example.com/v1/#top',
      '`https://api.example.com/v1/#top` must not contain a fragment (`#top`)',
    ],
    ['https://api.example.com:99999/v1/', '`https://api.example.com:99999/v1/` has an invalid port `99999`'],
    ['https://api..example.com/v1/', '`https://api..example.com/v1/` has an invalid host `api..example.com`'],
    ['https:///v1/', '`https:///v1/` has no host'],
    ['https://api.example.com/v 1/', '`https://api.example.com/v 1/` must not contain spaces'],
  ])('rejects %j', (url, message) => {
    expect(checkConnectSrc(url)).toBe(message);
  });
});

describe('the other URL fields', () => {
  it('image-src allows http and no path, and keeps the wildcard rule', () => {
    expect(checkImageSrc('http://images.example.com')).toBeUndefined();
    expect(checkImageSrc('https://*.cdn.example.com/')).toBeUndefined();
    expect(checkImageSrc('https://cdn.*.example.com/')).toBe(
      '`https://cdn.*.example.com/` may use a wildcard only as the whole left-most DNS label, e.g. `https://*.example.com/api/`',
    );
  });

  it('redirect URIs need a path, allow a query, refuse wildcards and fragments', () => {
    expect(checkRedirectUri('http://localhost:3000/callback')).toBeUndefined();
    expect(checkRedirectUri('https://example.com/cb?from=stripe')).toBeUndefined();
    expect(checkRedirectUri('https://*.example.com/cb')).toBe(
      '`https://*.example.com/cb` must not contain a wildcard',
    );
    expect(checkRedirectUri('https://example.com/')).toBe(
      '`https://example.com/` must contain a path, e.g. `https://example.com/stripe/installed`',
    );
  });

  it('an external post-install URL is any http(s) URL', () => {
    expect(checkExternalUrl('https://example.com')).toBeUndefined();
    expect(checkExternalUrl('https://example.com/setup?step=1#start')).toBeUndefined();
    expect(checkExternalUrl('mailto:me@example.com')).toBe(
      '`mailto:me@example.com` is not a URL; use one such as `https://example.com/setup`',
    );
  });
});

describe('connectSrcCovers', () => {
  it.each([
    ['https://api.example.com/v1/', 'https://api.example.com/v1/', true],
    ['https://api.example.com/v1/', 'https://api.example.com/v1/customers', true],
    ['https://api.example.com/v1/', 'https://API.example.com/v1/x/y', true],
    ['https://api.example.com/v1', 'https://api.example.com/v1/customers', false],
    ['https://api.example.com/v1/', 'https://api.example.com/v2/', false],
    ['https://api.example.com/v1/', 'https://other.example.com/v1/x', false],
    ['https://api.example.com:8443/v1/', 'https://api.example.com/v1/x', false],
  ] as const)('%s covers %s: %s', (allowed, url, expected) => {
    expect(connectSrcCovers(allowed, url)).toBe(expected);
  });
});

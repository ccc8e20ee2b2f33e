/**
 * The URL rules of a Stripe App manifest, shared by validation and by `grantUrl`.
 * Each check returns the problem as a message (lowercase, user input in backticks),
 * or `undefined` when the URL is acceptable.
 *
 * - `connect-src` (docs rules, stricter than Stripe's JSON schema): HTTPS only, must contain a
 *   path (a trailing `/` allows every sub-path), a wildcard only as the whole left-most DNS label,
 *   and never a Stripe API host (the UI calls Stripe through the extension SDK).
 * - `image-src`: `http` or `https`, a valid host, same wildcard rule.
 * - `allowed_redirect_uris`: `http` or `https`, a valid host, a path, no wildcard, no fragment.
 * - `post_install_action.url`: `http` or `https`, a valid host, no wildcard.
 */

interface ParsedUrl {
  readonly scheme: string;
  readonly authority: string;
  readonly host: string;
  readonly port: string | undefined;
  readonly path: string;
  readonly query: string | undefined;
  readonly fragment: string | undefined;
}

const URL_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/s;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;
const IPV6 = /^\[[0-9a-f:.]+\]$/i;

function parseUrl(url: string): ParsedUrl | undefined {
  const match = URL_SHAPE.exec(url);
  if (match === null) return undefined;
  const authority = match[2] ?? '';
  const portMatch = /^(.*?)(?::(\d*))?$/s.exec(authority);
  return {
    scheme: (match[1] ?? '').toLowerCase(),
    authority,
    host: (portMatch?.[1] ?? authority).toLowerCase(),
    port: portMatch?.[2],
    path: match[3] ?? '',
    query: match[4],
    fragment: match[5],
  };
}

type Rules = {
  readonly what: string;
  readonly example: string;
  readonly schemes: readonly string[];
  readonly wildcard: boolean;
  readonly needsPath: boolean;
  readonly allowQuery: boolean;
  readonly allowFragment: boolean;
  readonly noStripe: boolean;
  /** how to fix a URL without a path, given its `scheme://host` */
  readonly pathHint: (base: string) => string;
};

function check(url: string, rules: Rules): string | undefined {
  if (url.trim() === '') return `${rules.what} must not be empty; use a URL such as \`${rules.example}\``;
  if (/\s/.test(url)) return `\`${url}\` must not contain spaces`;
  const parsed = parseUrl(url);
  if (parsed === undefined) return `\`${url}\` is not a URL; use one such as \`${rules.example}\``;
  if (!rules.schemes.includes(parsed.scheme)) {
    if (parsed.scheme === 'http' && rules.schemes.length === 1)
      return `\`${url}\` must use HTTPS: \`${url.replace(/^http:/i, 'https:')}\``;
    return `\`${url}\` must be an ${rules.schemes.map((s) => `\`${s}://\``).join(' or ')} URL`;
  }
  if (parsed.authority.includes('@')) return `\`${url}\` must not contain a user name or password`;
  const hostProblem = checkHost(url, parsed, rules);
  if (hostProblem !== undefined) return hostProblem;
  if (rules.noStripe && (parsed.host === 'stripe.com' || parsed.host.endsWith('.stripe.com')))
    return `\`${url}\` is a Stripe URL; Stripe API calls go through the UI extension SDK, not connect-src`;
  if (!rules.allowFragment && parsed.fragment !== undefined)
    return `\`${url}\` must not contain a fragment (\`${parsed.fragment}\`)`;
  if (!rules.allowQuery && parsed.query !== undefined)
    return `\`${url}\` must not contain a query string (\`${parsed.query}\`)`;
  if (rules.needsPath && parsed.path.length < 2 && !(parsed.path === '/' && parsed.query !== undefined)) {
    const base = url.slice(0, url.indexOf('://') + 3 + parsed.authority.length);
    return `\`${url}\` must contain a path, ${rules.pathHint(base)}`;
  }
  return undefined;
}

function checkHost(url: string, parsed: ParsedUrl, rules: Rules): string | undefined {
  const { host, port } = parsed;
  if (host === '') return `\`${url}\` has no host`;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535))
    return `\`${url}\` has an invalid port \`${port}\``;
  if (IPV6.test(host)) return undefined;
  const labels = host.split('.');
  const wildcardAt = labels.findIndex((label) => label.includes('*'));
  if (wildcardAt >= 0) {
    if (!rules.wildcard) return `\`${url}\` must not contain a wildcard`;
    if (wildcardAt !== 0 || labels[0] !== '*' || labels.slice(1).some((label) => label.includes('*')))
      return `\`${url}\` may use a wildcard only as the whole left-most DNS label, e.g. \`https://*.example.com/api/\``;
    if (labels.length < 3)
      return `\`${url}\` is too broad: a wildcard must be followed by at least two DNS labels, e.g. \`*.example.com\``;
  }
  const bad = labels.find((label, i) => !(i === 0 && label === '*' && rules.wildcard) && !LABEL.test(label));
  if (bad !== undefined) return `\`${url}\` has an invalid host \`${host}\``;
  return undefined;
}

const CONNECT_SRC: Rules = {
  what: 'a connect-src URL',
  example: 'https://api.example.com/v1/',
  schemes: ['https'],
  wildcard: true,
  needsPath: true,
  allowQuery: false,
  allowFragment: false,
  noStripe: true,
  pathHint: (base) => `e.g. \`${base}/api/\` (a trailing \`/\` allows every sub-path)`,
};

const IMAGE_SRC: Rules = {
  what: 'an image-src URL',
  example: 'https://images.example.com/',
  schemes: ['https', 'http'],
  wildcard: true,
  needsPath: false,
  allowQuery: false,
  allowFragment: false,
  noStripe: false,
  pathHint: (base) => `e.g. \`${base}/\``,
};

const REDIRECT_URI: Rules = {
  what: 'a redirect URI',
  example: 'https://example.com/stripe/installed',
  schemes: ['https', 'http'],
  wildcard: false,
  needsPath: true,
  allowQuery: true,
  allowFragment: false,
  noStripe: false,
  pathHint: (base) => `e.g. \`${base}/stripe/installed\``,
};

const EXTERNAL_URL: Rules = {
  what: 'a URL',
  example: 'https://example.com/setup',
  schemes: ['https', 'http'],
  wildcard: false,
  needsPath: false,
  allowQuery: true,
  allowFragment: true,
  noStripe: false,
  pathHint: (base) => `e.g. \`${base}/\``,
};

/**
 * Checks one `ui_extension.content_security_policy.connect-src` entry.
 * @example
 * checkConnectSrc('https://*.api.example.com/path/'); // undefined
 * checkConnectSrc('http://api.example.com/v1/'); // '`http://api.example.com/v1/` must use HTTPS: …'
 */
export function checkConnectSrc(url: string): string | undefined {
  return check(url, CONNECT_SRC);
}

/**
 * Checks one `ui_extension.content_security_policy.image-src` entry.
 * @example
 * checkImageSrc('https://images.example.com/'); // undefined
 */
export function checkImageSrc(url: string): string | undefined {
  return check(url, IMAGE_SRC);
}

/**
 * Checks one `allowed_redirect_uris` entry.
 * @example
 * checkRedirectUri('https://example.com/stripe/installed'); // undefined
 */
export function checkRedirectUri(url: string): string | undefined {
  return check(url, REDIRECT_URI);
}

/**
 * Checks `post_install_action.url`.
 * @example
 * checkExternalUrl('https://example.com/setup'); // undefined
 */
export function checkExternalUrl(url: string): string | undefined {
  return check(url, EXTERNAL_URL);
}

/**
 * Whether connect-src entry `allowed` already allows `url`: the same URL, or `allowed` ends in
 * `/` and `url` is below it on the same scheme, host and port (host compared case-insensitively).
 * @example
 * connectSrcCovers('https://api.example.com/v1/', 'https://api.example.com/v1/users'); // true
 */
export function connectSrcCovers(allowed: string, url: string): boolean {
  if (allowed === url) return true;
  const a = parseUrl(allowed);
  const b = parseUrl(url);
  if (a === undefined || b === undefined) return false;
  if (a.scheme !== b.scheme || a.host !== b.host || a.port !== b.port) return false;
  if (a.query !== undefined || a.fragment !== undefined) return false;
  if (a.path === b.path && b.query === undefined && b.fragment === undefined) return true;
  return a.path.endsWith('/') && b.path.startsWith(a.path);
}

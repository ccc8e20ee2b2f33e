import type { IncomingHttpHeaders } from 'node:http';
import type { ApiError } from '../http/stripe-error.js';
import { malformed, tooLong } from './errors.js';
import type { GatewayLimits } from './options.js';

/**
 * Request hygiene: the gateway decides on exactly the bytes it forwards, so anything that a
 * server, a proxy or a framework could read two ways is refused before it is decided. Each
 * check scans its input once, character by character, and allocates only to build an error.
 * The table of rules is in docs/gateway.md.
 */

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

/** The byte of the `%XX` escape at `at`, or -1 when the two characters after `%` are not hex. */
function escapedByte(text: string, at: number): number {
  const hi = text.charCodeAt(at + 1);
  const lo = text.charCodeAt(at + 2);
  if (!(hi < 128) || !(lo < 128)) return -1;
  const h = HEX[hi]!;
  const l = HEX[lo]!;
  return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

/** RFC 3986 unreserved: letters, digits, `-`, `.`, `_`, `~` — never percent-encoded in a canonical path. */
function isUnreserved(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 126
  );
}

function validUtf8(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a request target (`/path?query`, as received): the path must be canonical and both
 * parts within their limits. Returns the error to answer with, or undefined.
 * @example
 * checkTarget('/v1/customers/%2e%2e/x', DEFAULT_GATEWAY_LIMITS); // 400: percent-encoded `.`
 */
export function checkTarget(url: string, limits: GatewayLimits): ApiError | undefined {
  if (url.charCodeAt(0) !== 47 /* / */) {
    return malformed('The request target must be a path starting with `/` (absolute URLs are refused).');
  }
  const length = url.length;
  let end = url.indexOf('?');
  if (end < 0) end = length;
  if (end > limits.pathBytes) return tooLong('path', limits.pathBytes);
  if (length - end - 1 > limits.queryBytes) return tooLong('query string', limits.queryBytes);

  let segmentStart = 1;
  let highEscapes = false;
  for (let i = 1; i <= end; i++) {
    const c = i < end ? url.charCodeAt(i) : 47; // a virtual `/` closes the last segment
    if (c === 47 /* / */) {
      const size = i - segmentStart;
      if (size === 0 && i < end) return malformed('The request path has an empty segment (`//`).');
      if (
        (size === 1 && url.charCodeAt(segmentStart) === 46) ||
        (size === 2 && url.charCodeAt(segmentStart) === 46 && url.charCodeAt(segmentStart + 1) === 46)
      ) {
        return malformed('The request path has a `.` or `..` segment.');
      }
      segmentStart = i + 1;
      continue;
    }
    if (c <= 32 || c >= 127) {
      return malformed('The request path has a control character, a space or a non-ASCII byte.');
    }
    if (c === 92 /* \ */) return malformed('The request path has a backslash.');
    if (c === 59 /* ; */) return malformed('The request path has a `;` (path parameters are refused).');
    if (c === 35 /* # */) return malformed('The request target has a fragment (`#`).');
    if (c === 37 /* % */) {
      const byte = escapedByte(url, i);
      if (byte < 0) return malformed('The request path has a malformed percent-encoding.');
      if (byte === 47 || byte === 92) {
        return malformed('The request path has a percent-encoded `/` or `\\`.');
      }
      if (byte === 37) return malformed('The request path is percent-encoded twice (`%25`).');
      if (byte < 32 || byte === 127) {
        return malformed('The request path has a percent-encoded control character.');
      }
      if (byte === 59) return malformed('The request path has a percent-encoded `;`.');
      if (byte < 128 && isUnreserved(byte)) {
        return malformed(
          `The request path percent-encodes \`${String.fromCharCode(byte)}\`, which is never encoded in a canonical path.`,
        );
      }
      if (byte >= 128) highEscapes = true;
      i += 2;
    }
  }
  if (highEscapes && !validUtf8(url.slice(0, end))) {
    return malformed('The request path percent-encodes bytes that are not valid UTF-8.');
  }
  // the query string is read by the one parameter parser (src/core/params), which refuses
  // anything it cannot read one way only
  return undefined;
}

function methodOverride(what: string): ApiError {
  return malformed(
    `Method overrides (${what}) are refused: send the request with the method you mean.`,
    'method_override_refused',
  );
}

const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

/**
 * Headers that decide who is calling, on what account, or how the body is framed and read:
 * Node keeps the first of some duplicates and joins others, so a second copy is refused.
 */
const SINGLE_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'stripe-account',
  'stripe-context',
  'content-type',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'idempotency-key',
  'stripe-version',
  'host',
]);

/**
 * Checks the headers: no method overrides, no second copy of a header that matters, only
 * `chunked` transfer coding, no content coding, and no body at all on GET, HEAD and DELETE.
 * (Node's parser already refuses `Content-Length` together with `Transfer-Encoding`, differing
 * or repeated `Content-Length`s, a coding after `chunked`, bare LF line ends and obs-fold.)
 */
export function checkHeaders(
  method: string,
  headers: IncomingHttpHeaders,
  rawHeaders: readonly string[],
): ApiError | undefined {
  for (const name of OVERRIDE_HEADERS) {
    if (headers[name] !== undefined) return methodOverride(`\`${name}\``);
  }
  // Only when some header came twice can the raw list be longer than the parsed one.
  if (rawHeaders.length > 2 * countKeys(headers)) {
    const seen = new Set<string>();
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toLowerCase();
      if (!SINGLE_HEADERS.has(name)) continue;
      if (seen.has(name)) return malformed(`The request has more than one \`${name}\` header.`);
      seen.add(name);
    }
  }
  const te = headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') {
    return malformed(`\`Transfer-Encoding: ${te}\` is refused: only \`chunked\` is accepted.`);
  }
  const ce = headers['content-encoding'];
  if (ce !== undefined && ce.toLowerCase() !== 'identity') {
    return malformed(`\`Content-Encoding: ${ce}\` is refused: send the request body uncompressed.`);
  }
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
    const length = headers['content-length'];
    if (te !== undefined || (length !== undefined && length !== '0')) {
      return malformed(
        `${method} requests take their parameters in the query string, not a request body.`,
        'body_not_allowed',
      );
    }
  }
  return undefined;
}

function countKeys(headers: IncomingHttpHeaders): number {
  let n = 0;
  for (const _ in headers) n++;
  return n;
}

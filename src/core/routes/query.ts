/**
 * Reading `expand` out of query strings and request bodies, without `URL` or
 * `URLSearchParams`: the hot path scans the string once and allocates only for the values
 * it returns. Parsing errs on the side of seeing more: `&` and `;` both separate pairs,
 * leading spaces in a name are ignored, names are percent-decoded, and every name that is
 * `expand` or starts with `expand[` counts (`expand[]`, `expand[0]`, `expand%5B%5D`).
 */

const EXPAND = 'expand';

/**
 * Percent-decodes a URL component leniently: with `form`, `+` is a space; a malformed `%`
 * sequence is left as it is instead of throwing.
 * @example
 * decodeComponent('expand%5B%5D'); // 'expand[]'
 */
export function decodeComponent(raw: string, form = true): string {
  const plus = form && raw.indexOf('+') >= 0;
  if (raw.indexOf('%') < 0) return plus ? raw.replaceAll('+', ' ') : raw;
  const text = plus ? raw.replaceAll('+', ' ') : raw;
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}

/**
 * Appends the raw (still encoded) values of the `expand` parameters of a form-encoded
 * string, from `start` on, to `out` (created on the first value) and returns it.
 * @example
 * collectExpand('limit=3&expand[0]=data.customer', 0, undefined); // ['data.customer']
 */
export function collectExpand(text: string, start: number, out: string[] | undefined): string[] | undefined {
  if (text.indexOf('%', start) >= 0) return collectEscaped(text, start, out);
  // no escapes: a name can only be `expand` where the text literally says so. Searching for
  // one character (`x`, rare in queries) is much cheaper than searching for a word.
  const length = text.length;
  let x = text.indexOf('x', start + 1);
  while (x >= 0) {
    const at = x - 1;
    if (!isExpandAt(text, at)) {
      x = text.indexOf('x', x + 1);
      continue;
    }
    let before = at - 1;
    while (before >= start && (text.charCodeAt(before) === 32 || text.charCodeAt(before) === 43)) before--;
    const after = at + EXPAND.length;
    const next = after < length ? text.charCodeAt(after) : 38;
    if (
      (before < start || text.charCodeAt(before) === 38 /* & */ || text.charCodeAt(before) === 59) /* ; */ &&
      (next === 91 /* [ */ || next === 61 /* = */ || next === 38 || next === 59)
    ) {
      const separator = separatorFrom(text, after);
      const equals = text.indexOf('=', after);
      out ??= [];
      out.push(equals < 0 || equals > separator ? '' : text.slice(equals + 1, separator));
      x = text.indexOf('x', separator + 1);
    } else x = text.indexOf('x', x + 1);
  }
  return out;
}

/** Whether `text` spells `expand` at `at`. */
function isExpandAt(text: string, at: number): boolean {
  return (
    at >= 0 &&
    text.charCodeAt(at) === 101 /* e */ &&
    text.charCodeAt(at + 2) === 112 /* p */ &&
    text.charCodeAt(at + 3) === 97 /* a */ &&
    text.charCodeAt(at + 4) === 110 /* n */ &&
    text.charCodeAt(at + 5) === 100 /* d */
  );
}

/** The index of the first `&` or `;` at or after `from`, or the text's length. */
function separatorFrom(text: string, from: number): number {
  const amp = text.indexOf('&', from);
  const semicolon = text.indexOf(';', from);
  if (amp < 0) return semicolon < 0 ? text.length : semicolon;
  return semicolon < 0 || amp < semicolon ? amp : semicolon;
}

/** The general scan, for text with `%` escapes (which may hide an `expand` name). */
function collectEscaped(text: string, start: number, out: string[] | undefined): string[] | undefined {
  const length = text.length;
  let pos = start;
  while (pos < length) {
    let separator = pos;
    let equals = -1;
    let escaped = false;
    for (; separator < length; separator++) {
      const c = text.charCodeAt(separator);
      if (c === 38 /* & */ || c === 59 /* ; */) break;
      if (equals < 0) {
        if (c === 61 /* = */) equals = separator;
        else if (c === 37 /* % */) escaped = true;
      }
    }
    const nameEnd = equals < 0 ? separator : equals;
    if (escaped ? isEscapedExpandName(text.slice(pos, nameEnd)) : isExpandName(text, pos, nameEnd)) {
      out ??= [];
      out.push(equals < 0 ? '' : text.slice(equals + 1, separator));
    }
    pos = separator + 1;
  }
  return out;
}

/** Whether `text[start, end)`, which has no `%` escape, names `expand` (`expand`, `expand[…`). */
function isExpandName(text: string, start: number, end: number): boolean {
  while (start < end) {
    const c = text.charCodeAt(start);
    if (c !== 32 /* space */ && c !== 43 /* + */) break;
    start++;
  }
  const length = end - start;
  if (length < 6) return false;
  if (
    text.charCodeAt(start) !== 101 /* e */ ||
    text.charCodeAt(start + 1) !== 120 /* x */ ||
    text.charCodeAt(start + 2) !== 112 /* p */ ||
    text.charCodeAt(start + 3) !== 97 /* a */ ||
    text.charCodeAt(start + 4) !== 110 /* n */ ||
    text.charCodeAt(start + 5) !== 100 /* d */
  ) {
    return false;
  }
  return length === 6 || text.charCodeAt(start + 6) === 91; /* [ */
}

function isEscapedExpandName(raw: string): boolean {
  const name = decodeComponent(raw).trimStart();
  return name === EXPAND || name.startsWith('expand[');
}

/**
 * Appends the raw values of `expand` parameters of a request body to `out`, by content type:
 * `multipart/form-data` parts and the top-level `expand` of a JSON object are read; every
 * other body (form-encoded, no content type, or anything else) is scanned as form-encoded,
 * so that nothing upstream might read as `expand` goes unseen.
 * @example
 * collectBodyExpand('email=a%40b.c&expand[0]=test_clock', 'application/x-www-form-urlencoded', undefined); // ['test_clock']
 */
export function collectBodyExpand(
  body: string | Uint8Array,
  contentType: string | undefined,
  out: string[] | undefined,
): string[] | undefined {
  const text = typeof body === 'string' ? body : new TextDecoder('latin1').decode(body);
  if (text.length === 0) return out;
  if (contentType === undefined || isFormType(contentType)) return collectExpand(text, 0, out);
  const media = mediaType(contentType);
  if (media === 'multipart/form-data') {
    const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    const value = boundary?.[1] ?? boundary?.[2];
    if (value !== undefined) return collectMultipartExpand(text, value, out);
  } else if (media !== undefined && (media === 'application/json' || media.endsWith('+json'))) {
    return collectJsonExpand(text, out);
  }
  return collectExpand(text, 0, out);
}

function collectJsonExpand(text: string, out: string[] | undefined): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return collectExpand(text, 0, out);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('expand' in value)) return out;
  const expand = (value as { expand: unknown }).expand;
  out ??= [];
  for (const item of Array.isArray(expand) ? expand : [expand]) {
    out.push(encodeURIComponent(typeof item === 'string' ? item : JSON.stringify(item)));
  }
  return out;
}

const FORM = 'application/x-www-form-urlencoded';

/** `application/x-www-form-urlencoded`, alone or with parameters, without allocating. */
function isFormType(contentType: string): boolean {
  if (contentType.indexOf(FORM) !== 0) return false;
  if (contentType.length === FORM.length) return true;
  const c = contentType.charCodeAt(FORM.length);
  return c === 59 /* ; */ || c === 32 /* space */ || c === 9; /* tab */
}

function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const media = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return media === '' ? undefined : media;
}

function collectMultipartExpand(
  text: string,
  boundary: string,
  out: string[] | undefined,
): string[] | undefined {
  const delimiter = `--${boundary}`;
  let pos = text.indexOf(delimiter);
  while (pos >= 0) {
    const partStart = pos + delimiter.length;
    if (text.startsWith('--', partStart)) break;
    const headerEnd = text.indexOf('\r\n\r\n', partStart);
    if (headerEnd < 0) break;
    const next = text.indexOf(`\r\n${delimiter}`, headerEnd + 4);
    const valueEnd = next < 0 ? text.length : next;
    const name = /\bname="([^"]*)"/i.exec(text.slice(partStart, headerEnd))?.[1];
    if (name !== undefined && isEscapedExpandName(name)) {
      out ??= [];
      // values in multipart bodies are literal; encode them so that decoding gives them back
      out.push(encodeURIComponent(text.slice(headerEnd + 4, valueEnd)));
    }
    pos = next < 0 ? -1 : next + 2;
  }
  return out;
}

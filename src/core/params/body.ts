import {
  addParam,
  checkValueText,
  newParamState,
  PARAM_LIMITS,
  ParamError,
  type ParamLimits,
  type ParamObject,
  parseParams,
  serializeParams,
  splitName,
} from './params.js';

/**
 * Request bodies, read one way only. The Stripe API takes `application/x-www-form-urlencoded`
 * bodies (charset UTF-8), and `multipart/form-data` only where the route takes a file upload.
 * A body is parsed into canonical parameters (and, for an upload, its one file) and written
 * back canonically by {@link serializeBody}; anything else is refused with a {@link ParamError}.
 */

/** The file of a `multipart/form-data` upload. */
export interface UploadedFile {
  /** The part's name (`file`). */
  readonly name: string;
  readonly filename: string;
  /** The part's `Content-Type` (`application/octet-stream` when it has none). */
  readonly contentType: string;
  readonly data: Uint8Array;
}

/** A parsed request body. */
export interface ParsedBody {
  readonly kind: 'form' | 'multipart';
  readonly params: ParamObject;
  /** The uploaded file of a multipart body, when it has one. */
  readonly file?: UploadedFile;
}

/** Canonical bytes of a body, with the `Content-Type` that goes with them. */
export interface SerializedBody {
  readonly contentType: string;
  readonly bytes: Buffer;
}

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** What a route's body may be: form only, or form and multipart (file uploads). */
export interface BodyOptions {
  readonly multipart: boolean;
  readonly limits?: ParamLimits;
}

/**
 * Parses a request body by its declared `Content-Type`. A body without one is read as a form
 * (as Stripe does). Throws a {@link ParamError}: `content_type_unsupported` for any other type,
 * a charset other than UTF-8, or multipart where the route takes no upload; `body_invalid`
 * for a multipart body that is not exactly one well-formed message; and the parameter codes of
 * {@link parseParams} for its parameters.
 * @example
 * parseBody(Buffer.from('email=a%40b.c'), 'application/x-www-form-urlencoded', { multipart: false }).params; // { email: 'a@b.c' }
 */
export function parseBody(
  body: Uint8Array,
  contentType: string | undefined,
  options: BodyOptions,
): ParsedBody {
  const limits = options.limits ?? PARAM_LIMITS;
  const type = contentType === undefined ? undefined : parseContentType(contentType);
  if (type === undefined || type.media === FORM_CONTENT_TYPE) {
    if (type !== undefined) checkParameters(type, ['charset']);
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
    return { kind: 'form', params: parseParams(text, 'body', limits) };
  }
  if (type.media === 'multipart/form-data') {
    if (!options.multipart) {
      throw new ParamError(
        'content_type_unsupported',
        'This endpoint takes `application/x-www-form-urlencoded` bodies: `multipart/form-data` is accepted only for file uploads.',
      );
    }
    checkParameters(type, ['boundary', 'charset']);
    const boundary = type.parameters.get('boundary');
    if (boundary === undefined || !/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(boundary)) {
      throw new ParamError(
        'body_invalid',
        "A `multipart/form-data` body needs a `boundary` of 1 to 70 letters, digits or `'()+_,-./:=?`.",
      );
    }
    return parseMultipart(Buffer.from(body.buffer, body.byteOffset, body.byteLength), boundary, limits);
  }
  throw new ParamError(
    'content_type_unsupported',
    `Unsupported \`Content-Type: ${shownType(type.media)}\`: send parameters as \`application/x-www-form-urlencoded\` (UTF-8).`,
  );
}

interface ContentType {
  readonly media: string;
  readonly parameters: Map<string, string>;
}

function shownType(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return short.replace(/[^\x20-\x7e]/g, '?');
}

/** `type/subtype; name=value; name="quoted"`, names and the media type lower-cased. */
function parseContentType(header: string): ContentType {
  const semicolon = header.indexOf(';');
  const media = (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const parameters = new Map<string, string>();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(media)) {
    throw new ParamError('content_type_unsupported', `Malformed \`Content-Type: ${shownType(header)}\`.`);
  }
  let rest = semicolon < 0 ? '' : header.slice(semicolon + 1);
  const parameter = /^\s*([A-Za-z0-9!#$&^_.+-]+)=(?:"([^"\\\r\n]*)"|([^;\s"]+))\s*(?:;|$)/;
  while (rest.trim() !== '') {
    const match = parameter.exec(rest);
    if (match === null) {
      throw new ParamError('content_type_unsupported', `Malformed \`Content-Type: ${shownType(header)}\`.`);
    }
    const name = match[1]!.toLowerCase();
    if (parameters.has(name)) {
      throw new ParamError(
        'content_type_unsupported',
        `\`Content-Type\` gives \`${name}\` more than once: \`${shownType(header)}\`.`,
      );
    }
    parameters.set(name, match[2] ?? match[3]!);
    rest = rest.slice(match[0].length);
  }
  return { media, parameters };
}

/** Only the named parameters; `charset`, when given, must be UTF-8. */
function checkParameters(type: ContentType, allowed: readonly string[]): void {
  for (const [name, value] of type.parameters) {
    if (!allowed.includes(name)) {
      throw new ParamError(
        'content_type_unsupported',
        `Unsupported \`Content-Type\` parameter \`${shownType(name)}\` on \`${type.media}\`.`,
      );
    }
    if (name === 'charset' && value.toLowerCase() !== 'utf-8') {
      throw new ParamError(
        'content_type_unsupported',
        `Unsupported charset \`${shownType(value)}\`: request bodies are UTF-8 (\`charset=utf-8\`, or none).`,
      );
    }
  }
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function malformedMultipart(why: string): ParamError {
  return new ParamError('body_invalid', `Malformed \`multipart/form-data\` body: ${why}.`);
}

/**
 * A multipart body read strictly: it starts with the first delimiter (no preamble), every part
 * has a `Content-Disposition: form-data; name="…"` (with `filename="…"` for the one file) and
 * at most a `Content-Type`, and nothing follows the closing delimiter but one line break.
 * Field names follow the parameter grammar, written as they are (never percent-decoded).
 */
function parseMultipart(body: Buffer, boundary: string, limits: ParamLimits): ParsedBody {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, delimiter.length).equals(delimiter)) {
    throw malformedMultipart('it must start with the boundary delimiter (no preamble)');
  }
  const root = Object.create(null) as Record<string, unknown>;
  const state = newParamState();
  let file: UploadedFile | undefined;
  let pos = delimiter.length;
  for (;;) {
    if (body[pos] === 45 && body[pos + 1] === 45) {
      const rest = body.subarray(pos + 2);
      if (rest.length === 0 || rest.equals(CRLF)) break;
      throw malformedMultipart('text follows the closing delimiter');
    }
    if (!(body[pos] === 13 && body[pos + 1] === 10)) {
      throw malformedMultipart('a delimiter must be followed by a line break or `--`');
    }
    const headersStart = pos + 2;
    const headersEnd = body.indexOf(HEADER_END, headersStart);
    if (headersEnd < 0) throw malformedMultipart('a part has no end of headers');
    const end = body.indexOf(next, headersEnd + 4);
    if (end < 0) throw malformedMultipart('the closing delimiter is missing');
    const headers = readPartHeaders(body.subarray(headersStart, headersEnd));
    const content = body.subarray(headersEnd + 4, end);
    if (headers.filename !== undefined) {
      if (file !== undefined) throw malformedMultipart('it has more than one file');
      if (headers.name.indexOf('[') >= 0) {
        throw new ParamError(
          'parameter_invalid_name',
          `Invalid file part name \`${headers.name}\`: a file's name has no subscripts.`,
          headers.name,
        );
      }
      // the name is checked and counted like a field's, and taken: a field of that name is a duplicate
      addParam(root, headers.name, '', state, limits, 'body');
      delete root[headers.name];
      file = {
        name: headers.name,
        filename: headers.filename,
        contentType: headers.contentType ?? 'application/octet-stream',
        data: Uint8Array.prototype.slice.call(content),
      };
    } else {
      if (
        headers.contentType !== undefined &&
        !/^text\/plain(\s*;\s*charset="?utf-8"?)?$/i.test(headers.contentType)
      ) {
        throw malformedMultipart(
          `field \`${headers.name}\` must be UTF-8 text, not \`${shownType(headers.contentType)}\``,
        );
      }
      let value: string;
      try {
        value = UTF8.decode(content);
      } catch {
        throw new ParamError(
          'parameter_invalid_encoding',
          `The value of \`${headers.name}\` is not UTF-8.`,
          headers.name,
        );
      }
      checkValueText(value, headers.name);
      // the file holds its name: a field under it after the file (`file`, `file[x]`) is refused
      // as it is before the file, whatever the order of the parts
      if (file !== undefined && splitName(headers.name, limits)[0] === file.name) {
        throw new ParamError(
          'parameter_mixed_types',
          `Invalid parameter \`${headers.name}\`: \`${file.name}\` is the uploaded file and cannot also be a value, a list or a hash.`,
          file.name,
        );
      }
      addParam(root, headers.name, value, state, limits, 'body');
    }
    pos = end + next.length;
  }
  return { kind: 'multipart', params: root as ParamObject, ...(file === undefined ? {} : { file }) };
}

interface PartHeaders {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
}

function readPartHeaders(raw: Buffer): PartHeaders {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of raw.toString('latin1').split('\r\n')) {
    if (!/^[\x20-\x7e]*$/.test(line))
      throw malformedMultipart('a part header has a character outside printable ASCII');
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedMultipart(`\`${shownType(line)}\` is not a header`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-disposition' && disposition === undefined) disposition = value;
    else if (name === 'content-type' && contentType === undefined) contentType = value;
    else {
      throw malformedMultipart(
        name === 'content-disposition' || name === 'content-type'
          ? `a part has more than one \`${name}\``
          : `a part may have only \`Content-Disposition\` and \`Content-Type\` headers, not \`${shownType(name)}\``,
      );
    }
  }
  if (disposition === undefined) throw malformedMultipart('a part has no `Content-Disposition`');
  const match = /^form-data\s*;\s*name="([^"\\]+)"(?:\s*;\s*filename="([^"\\]*)")?$/i.exec(disposition);
  if (match === null) {
    throw malformedMultipart(
      `\`Content-Disposition: ${shownType(disposition)}\` must be \`form-data; name="…"\` (and \`; filename="…"\` for the file)`,
    );
  }
  return { name: match[1]!, filename: match[2], contentType };
}

/**
 * The canonical bytes of a parsed body: a form as {@link serializeParams} writes it; a
 * multipart body re-written with every field (canonical names, in order) and its file, under a
 * boundary that occurs in none of them.
 */
export function serializeBody(body: ParsedBody): SerializedBody {
  if (body.kind === 'form') {
    return { contentType: FORM_CONTENT_TYPE, bytes: Buffer.from(serializeParams(body.params), 'latin1') };
  }
  const fields: [string, string][] = [];
  for (const pair of serializeParams(body.params).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    fields.push([decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1))]);
  }
  const contents = fields.map(([, value]) => Buffer.from(value, 'utf8'));
  if (body.file !== undefined) contents.push(Buffer.from(body.file.data));
  let boundary = 'appscope-boundary';
  for (let n = 1; contents.some((content) => content.includes(`--${boundary}`)); n++)
    boundary = `appscope-boundary-${n}`;
  const chunks: Buffer[] = [];
  fields.forEach(([name], i) => {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`, 'utf8'),
      contents[i]!,
      CRLF,
    );
  });
  if (body.file !== undefined) {
    const { name, filename, contentType } = body.file;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
        'latin1',
      ),
      contents[contents.length - 1]!,
      CRLF,
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/form-data; boundary=${boundary}`, bytes: Buffer.concat(chunks) };
}

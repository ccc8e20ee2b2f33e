import { describe, expect, it } from 'vitest';
import {
  type BodyOptions,
  FORM_CONTENT_TYPE,
  parseBody,
  serializeBody,
} from '../../../src/core/params/body.js';
import { ParamError } from '../../../src/core/params/params.js';

const FORM: BodyOptions = { multipart: false };
const UPLOAD: BodyOptions = { multipart: true };
const bytes = (text: string, encoding: BufferEncoding = 'latin1') =>
  new Uint8Array(Buffer.from(text, encoding));
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function refusal(body: Uint8Array, contentType: string | undefined, options: BodyOptions): ParamError {
  try {
    parseBody(body, contentType, options);
  } catch (error) {
    if (error instanceof ParamError) return error;
    throw error;
  }
  throw new Error('expected the body to be refused');
}

/** A multipart message from parts, each `[headers, content]`, with CRLF line breaks. */
function multipart(parts: readonly (readonly [readonly string[], string])[], boundary = 'XyZ'): string {
  let out = '';
  for (const [headers, content] of parts)
    out += `--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n${content}\r\n`;
  return `${out}--${boundary}--\r\n`;
}
const field = (name: string, value: string) =>
  [[`Content-Disposition: form-data; name="${name}"`], value] as const;
const file = (name = 'file', content = 'hello') =>
  [
    [`Content-Disposition: form-data; name="${name}"; filename="a.txt"`, 'Content-Type: text/plain'],
    content,
  ] as const;
const MP = 'multipart/form-data; boundary=XyZ';

describe('parseBody: content types', () => {
  it('reads a form body with or without its type, charset utf-8 in any case, quoted or not', () => {
    for (const type of [
      undefined,
      FORM_CONTENT_TYPE,
      'Application/X-WWW-Form-Urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/x-www-form-urlencoded; charset=UTF-8',
      'application/x-www-form-urlencoded;charset="utf-8"',
    ]) {
      const parsed = parseBody(bytes('email=a%40b.c&expand[]=x'), type, FORM);
      expect([parsed.kind, plain(parsed.params)], String(type)).toEqual([
        'form',
        { email: 'a@b.c', expand: ['x'] },
      ]);
    }
  });

  it('refuses a charset other than UTF-8', () => {
    for (const charset of ['latin1', 'iso-8859-1', 'utf-16', 'us-ascii', 'utf8']) {
      const error = refusal(bytes('a=1'), `${FORM_CONTENT_TYPE}; charset=${charset}`, FORM);
      expect([error.code, error.param, error.message]).toEqual([
        'content_type_unsupported',
        undefined,
        `Unsupported charset \`${charset}\`: request bodies are UTF-8 (\`charset=utf-8\`, or none).`,
      ]);
    }
  });

  it('refuses unknown Content-Type parameters, and a parameter given twice', () => {
    expect(refusal(bytes('a=1'), `${FORM_CONTENT_TYPE}; boundary=x`, FORM).message).toBe(
      'Unsupported `Content-Type` parameter `boundary` on `application/x-www-form-urlencoded`.',
    );
    expect(refusal(bytes('a=1'), `${FORM_CONTENT_TYPE}; charset=utf-8; charset=latin1`, FORM).message).toBe(
      // the header is shown to 60 characters
      '`Content-Type` gives `charset` more than once: `application/x-www-form-urlencoded; charset=utf-8; charset...`.',
    );
  });

  it('refuses JSON, text/plain and any other type, with content_type_unsupported', () => {
    for (const type of ['application/json', 'text/plain', 'application/xml', 'text/plain; charset=utf-8']) {
      const error = refusal(bytes('{"x[toString]":"&expand[]=charge&metadata[a]=","y":1}'), type, FORM);
      expect([error.code, error.param], type).toEqual(['content_type_unsupported', undefined]);
      expect(error.message, type).toBe(
        `Unsupported \`Content-Type: ${type.split(';')[0]}\`: send parameters as \`application/x-www-form-urlencoded\` (UTF-8).`,
      );
    }
  });

  it('refuses a malformed Content-Type', () => {
    for (const type of ['', 'form', 'application/x-www-form-urlencoded, text/plain', 'a/b; x']) {
      expect(refusal(bytes('a=1'), type, FORM).message, type).toMatch(/^Malformed `Content-Type: .*`\.$/);
    }
  });

  it('reads JSON without a type as a form, and so refuses it by the parameter rules', () => {
    expect(refusal(bytes('{"expand":["charge"]}'), undefined, FORM).code).toBe('parameter_invalid_name');
  });

  it('refuses bytes that are not ASCII in a form body (percent-encode them)', () => {
    expect(refusal(bytes('name=Zo\u00eb'), FORM_CONTENT_TYPE, FORM).code).toBe('parameter_invalid_encoding');
    expect(refusal(bytes('a=1', 'utf16le'), FORM_CONTENT_TYPE, FORM).code).toBe('parameter_invalid_encoding');
    expect(refusal(bytes('name=%C3%28'), FORM_CONTENT_TYPE, FORM).code).toBe('parameter_invalid_encoding');
  });

  it('refuses multipart where the route takes no upload', () => {
    const error = refusal(bytes(multipart([field('purpose', 'x')])), MP, FORM);
    expect([error.code, error.message]).toEqual([
      'content_type_unsupported',
      'This endpoint takes `application/x-www-form-urlencoded` bodies: `multipart/form-data` is accepted only for file uploads.',
    ]);
    // a form body declared multipart is refused the same way
    expect(refusal(bytes('expand[]=charge'), MP, FORM).code).toBe('content_type_unsupported');
  });
});

describe('parseBody: strict multipart', () => {
  it('reads fields by the parameter grammar and one file', () => {
    const parsed = parseBody(
      bytes(multipart([field('purpose', 'dispute_evidence'), field('expand[]', 'links'), file()])),
      MP,
      UPLOAD,
    );
    expect(parsed.kind).toBe('multipart');
    expect(plain(parsed.params)).toEqual({ purpose: 'dispute_evidence', expand: ['links'] });
    expect(parsed.file).toMatchObject({ name: 'file', filename: 'a.txt', contentType: 'text/plain' });
    expect(Buffer.from(parsed.file!.data).toString()).toBe('hello');
  });

  it('does not percent-decode field names', () => {
    expect(refusal(bytes(multipart([field('%65xpand[]', 'links')])), MP, UPLOAD).code).toBe(
      'parameter_invalid_name',
    );
    expect(plain(parseBody(bytes(multipart([field('m[%41]', 'v')])), MP, UPLOAD).params)).toEqual({
      m: { '%41': 'v' },
    });
  });

  const malformed: readonly (readonly [string, string, RegExp])[] = [
    [
      'a preamble',
      `preamble\r\n${multipart([field('a', '1')])}`,
      /^Malformed `multipart\/form-data` body: it must start with the boundary delimiter \(no preamble\)\.$/,
    ],
    ['an epilogue', `${multipart([field('a', '1')])}epilogue`, /text follows the closing delimiter/],
    [
      'a form after the closing boundary',
      `${multipart([field('a', '1')])}expand[]=charge`,
      /text follows the closing delimiter/,
    ],
    [
      'two Content-Dispositions',
      multipart([
        [
          ['Content-Disposition: form-data; name="a"', 'Content-Disposition: form-data; name="expand[]"'],
          'x',
        ],
      ]),
      /a part has more than one `content-disposition`/,
    ],
    [
      'two Content-Types',
      multipart([
        [
          [
            'Content-Disposition: form-data; name="a"',
            'Content-Type: text/plain',
            'Content-Type: text/plain',
          ],
          'x',
        ],
      ]),
      /a part has more than one `content-type`/,
    ],
    [
      'another header',
      multipart([
        [['Content-Disposition: form-data; name="a"', 'Content-Transfer-Encoding: base64'], 'eA=='],
      ]),
      /may have only `Content-Disposition` and `Content-Type` headers, not `content-transfer-encoding`/,
    ],
    [
      'no Content-Disposition',
      multipart([[['Content-Type: text/plain'], 'x']]),
      /a part has no `Content-Disposition`/,
    ],
    [
      'a disposition other than form-data',
      multipart([[['Content-Disposition: attachment; name="a"'], 'x']]),
      /must be `form-data; name="…"`/,
    ],
    ['two files', multipart([file('file'), file('other')]), /it has more than one file/],
    [
      'a field that is not text',
      multipart([[['Content-Disposition: form-data; name="a"', 'Content-Type: application/json'], '{}']]),
      /field `a` must be UTF-8 text, not `application\/json`/,
    ],
    [
      'no closing delimiter',
      '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n',
      /the closing delimiter is missing/,
    ],
    [
      'LF line breaks',
      multipart([field('a', '1')]).replaceAll('\r\n', '\n'),
      /Malformed `multipart\/form-data` body/,
    ],
  ];

  for (const [label, body, message] of malformed) {
    it(`refuses ${label} (body_invalid)`, () => {
      const error = refusal(bytes(body), MP, UPLOAD);
      expect([error.code, error.param]).toEqual(['body_invalid', undefined]);
      expect(error.message).toMatch(message);
    });
  }

  it('refuses a field that is not UTF-8', () => {
    const error = refusal(bytes(multipart([field('metadata[k]', '\u00ff\u00fe')])), MP, UPLOAD);
    expect([error.code, error.param, error.message]).toEqual([
      'parameter_invalid_encoding',
      'metadata[k]',
      'The value of `metadata[k]` is not UTF-8.',
    ]);
  });

  it('refuses a field given twice, and a field named like the file after it', () => {
    expect(refusal(bytes(multipart([field('a', '1'), field('a', '2')])), MP, UPLOAD).code).toBe(
      'parameter_duplicate',
    );
    expect(refusal(bytes(multipart([file(), field('file', 'x')])), MP, UPLOAD).message).toBe(
      'Invalid parameter `file`: `file` is the uploaded file and cannot also be a value, a list or a hash.',
    );
    expect(refusal(bytes(multipart([field('file', 'x'), file()])), MP, UPLOAD).code).toBe(
      'parameter_duplicate',
    );
    // a field under the file's name, before the file
    expect(refusal(bytes(multipart([field('file[x]', 'v'), file()])), MP, UPLOAD).code).toBe(
      'parameter_mixed_types',
    );
  });

  // Found by the fuzz: after the file part, a field under the file's name was accepted, so the order
  // of the parts decided, and the canonical re-serialization (fields first) was refused by parseBody.
  it('refuses a field under the file name after the file (file, then file[x]), as before it', () => {
    const body = bytes(multipart([file(), field('file[x]', 'v')]));
    expect(refusal(body, MP, UPLOAD).code).toBe('parameter_mixed_types');
  });

  it('refuses a file part whose name has subscripts', () => {
    const error = refusal(bytes(multipart([file('file[0]')])), MP, UPLOAD);
    expect([error.code, error.param, error.message]).toEqual([
      'parameter_invalid_name',
      'file[0]',
      "Invalid file part name `file[0]`: a file's name has no subscripts.",
    ]);
  });

  it('needs a boundary of 1 to 70 allowed characters, and refuses other parameters', () => {
    for (const type of [
      'multipart/form-data',
      'multipart/form-data; boundary="a b"',
      `multipart/form-data; boundary=${'a'.repeat(71)}`,
    ]) {
      expect(refusal(bytes('--a\r\n'), type, UPLOAD).code, type).toBe('body_invalid');
    }
    expect(refusal(bytes(multipart([field('a', '1')])), `${MP}; x=y`, UPLOAD).code).toBe(
      'content_type_unsupported',
    );
    expect(refusal(bytes(multipart([field('a', '1')])), `${MP}; charset=latin1`, UPLOAD).code).toBe(
      'content_type_unsupported',
    );
  });
});

describe('serializeBody', () => {
  it('writes a form canonically, with its own Content-Type', () => {
    const serialized = serializeBody(parseBody(bytes('expand[]=a&metadata[k]=v+w'), undefined, FORM));
    expect(serialized.contentType).toBe(FORM_CONTENT_TYPE);
    expect(serialized.bytes.toString('latin1')).toBe('expand[0]=a&metadata[k]=v%20w');
  });

  it('writes multipart canonically under a boundary found in no part, and reads back the same', () => {
    const original = parseBody(
      bytes(
        multipart([
          field('expand[]', 'links'),
          field('note', '--appscope-boundary'),
          file('file', 'x--appscope-boundary-1y'),
        ]),
      ),
      MP,
      UPLOAD,
    );
    const serialized = serializeBody(original);
    expect(serialized.contentType).toBe('multipart/form-data; boundary=appscope-boundary-2');
    const again = parseBody(serialized.bytes, serialized.contentType, UPLOAD);
    expect(plain(again.params)).toEqual({ expand: ['links'], note: '--appscope-boundary' });
    expect(again.file).toMatchObject({ name: 'file', filename: 'a.txt', contentType: 'text/plain' });
    expect(Buffer.from(again.file!.data).toString()).toBe('x--appscope-boundary-1y');
    expect(serializeBody(again).bytes.equals(serialized.bytes)).toBe(true);
    expect(serialized.bytes.toString('latin1')).toContain('name="expand[0]"');
  });
});

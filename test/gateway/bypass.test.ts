import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { decide } from '../../src/core/decide.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { resolveRequest } from '../../src/core/routes/resolve.js';
import { type RecordingUpstream, startRecordingUpstream } from './recording-upstream.js';
import { type GatewayWorld, startGateway } from './support.js';

/**
 * The bypass corpus: crafted requests sent byte for byte over a raw socket. Each must be
 * refused (4xx, never forwarded) or decided exactly as its canonical form — and then the
 * upstream (a recording HTTP server) must have seen exactly that canonical request.
 */

const catalog = defaultCatalog();
const table = defaultRouteTable();
const GRANTS = { reader: ['customer_read'], writer: ['customer_write'] } as const;
type Who = keyof typeof GRANTS;

/** Smuggling target: needs `payment_method_read`, which neither grant has. */
const PM = 'invoice_settings.default_payment_method';

interface Case {
  readonly name: string;
  readonly who?: Who;
  readonly method: string;
  readonly target: string;
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  /** Write the body without a Content-Length (chunked, or nothing). */
  readonly rawFraming?: string;
  /**
   * `refused`: a 4xx before any decision (optionally this status); `denied`: 403 from the
   * decision; `forwarded`: allowed, and the upstream saw this method and target (default: as sent).
   */
  readonly expect:
    | { readonly refused: number | true }
    | { readonly denied: true }
    | { readonly forwarded: true; readonly method?: string; readonly target?: string };
}

const refused = (status: number | true = 400) => ({ refused: status }) as const;
const denied = { denied: true } as const;
const forwarded = { forwarded: true } as const;
const form = ['Content-Type', 'application/x-www-form-urlencoded'] as const;

const CASES: readonly Case[] = [
  // ---- path encodings and traversal
  { name: 'encoded slash', method: 'GET', target: '/v1/customers%2Fcus_1', expect: refused() },
  { name: 'encoded slash, lower case', method: 'GET', target: '/v1/customers%2fcus_1', expect: refused() },
  {
    name: 'encoded traversal',
    method: 'GET',
    target: '/v1/customers/cus_1%2F..%2Fcharges',
    expect: refused(),
  },
  { name: 'encoded dot segment', method: 'GET', target: '/v1/customers/%2e%2e/charges', expect: refused() },
  {
    name: 'encoded dot segment, upper case',
    method: 'GET',
    target: '/v1/customers/%2E%2E/charges',
    expect: refused(),
  },
  { name: 'dot-dot segment', method: 'GET', target: '/v1/customers/../charges', expect: refused() },
  { name: 'dot segment', method: 'GET', target: '/v1/./customers', expect: refused() },
  { name: 'trailing dot-dot', method: 'GET', target: '/v1/charges/..', expect: refused() },
  { name: 'empty segment', method: 'GET', target: '/v1//customers', expect: refused() },
  { name: 'leading double slash', method: 'GET', target: '//v1/customers', expect: refused(true) },
  { name: 'path parameter', method: 'GET', target: '/v1/customers/cus_1;jsessionid=x', expect: refused() },
  { name: 'path parameter mid-path', method: 'GET', target: '/v1/customers;x/cus_1', expect: refused() },
  {
    name: 'double encoding',
    method: 'GET',
    target: '/v1/customers/cus_1%252F..%252Fcharges',
    expect: refused(),
  },
  { name: 'encoded NUL', method: 'GET', target: '/v1/customers/cus_1%00', expect: refused() },
  {
    name: 'encoded CRLF',
    method: 'GET',
    target: '/v1/customers/cus_1%0d%0aX-Injected:%201',
    expect: refused(),
  },
  { name: 'backslash', method: 'GET', target: '/v1/customers\\cus_1', expect: refused() },
  { name: 'encoded backslash', method: 'GET', target: '/v1/customers/%5c..%5ccharges', expect: refused() },
  {
    name: 'overlong UTF-8 dots',
    method: 'GET',
    target: '/v1/customers/%c0%ae%c0%ae/charges',
    expect: refused(),
  },
  { name: 'encoded unreserved letter', method: 'GET', target: '/v1/%63ustomers', expect: refused() },
  {
    name: 'encoded letter in a static route',
    method: 'GET',
    target: '/v1/customers/%73earch',
    expect: refused(),
  },
  { name: 'malformed escape', method: 'GET', target: '/v1/customers/cus_%zz', expect: refused() },
  { name: 'fragment', method: 'GET', target: '/v1/customers/cus_1#x', expect: refused() },
  {
    name: 'absolute-form target',
    method: 'GET',
    target: 'http://evil.example/v1/customers',
    expect: refused(),
  },
  { name: 'raw NUL (Node parser)', method: 'GET', target: '/v1/customers/cus\u00001', expect: refused() },
  {
    name: 'raw non-ASCII byte (Node parser)',
    method: 'GET',
    target: '/v1/customers/cus_\u00e9',
    expect: refused(),
  },
  { name: 'raw tab (Node parser)', method: 'GET', target: '/v1/customers/\tcus_1', expect: refused() },
  {
    name: 'overlong path',
    method: 'GET',
    target: `/v1/customers/cus_${'a'.repeat(3000)}`,
    expect: refused(414),
  },
  {
    name: 'overlong query',
    method: 'GET',
    target: `/v1/customers?limit=1&x=${'a'.repeat(9000)}`,
    expect: refused(414),
  },
  // ---- case and near-misses: never forwarded as something else
  { name: 'upper-case path', method: 'GET', target: '/V1/Customers', expect: refused(404) },
  { name: 'mixed-case resource', method: 'GET', target: '/v1/Customers', expect: refused(404) },
  { name: 'trailing slash', method: 'GET', target: '/v1/customers/', expect: refused(404) },
  { name: 'unknown method', method: 'PUT', target: '/v1/customers', expect: refused(404) },
  { name: 'OPTIONS', method: 'OPTIONS', target: '/v1/customers', expect: refused(404) },
  { name: 'lower-case method (Node parser)', method: 'get', target: '/v1/customers', expect: refused() },
  // ---- expand in every spelling (reader lacks payment_method_read)
  { name: 'expand[]', method: 'GET', target: `/v1/customers/cus_1?expand[]=${PM}`, expect: denied },
  {
    name: 'expand[0] (the SDK)',
    method: 'GET',
    target: `/v1/customers/cus_1?expand[0]=${PM}`,
    expect: denied,
  },
  { name: 'expand%5B%5D', method: 'GET', target: `/v1/customers/cus_1?expand%5B%5D=${PM}`, expect: denied },
  { name: 'expand%5b0%5d', method: 'GET', target: `/v1/customers/cus_1?expand%5b0%5d=${PM}`, expect: denied },
  {
    name: 'encoded name %65xpand',
    method: 'GET',
    target: `/v1/customers/cus_1?%65xpand[]=${PM}`,
    expect: denied,
  },
  { name: 'bare expand', method: 'GET', target: `/v1/customers/cus_1?expand=${PM}`, expect: denied },
  {
    name: 'encoded dot in value',
    method: 'GET',
    target: '/v1/customers/cus_1?expand[]=invoice_settings%2Edefault_payment_method',
    expect: denied,
  },
  { name: 'expand[][]', method: 'GET', target: `/v1/customers/cus_1?expand[][]=${PM}`, expect: denied },
  { name: 'expand[a]', method: 'GET', target: `/v1/customers/cus_1?expand[a]=${PM}`, expect: denied },
  {
    name: 'leading plus in the name',
    method: 'GET',
    target: `/v1/customers/cus_1?+expand[]=${PM}`,
    expect: denied,
  },
  {
    name: 'allowed expand first, smuggled second',
    method: 'GET',
    target: `/v1/customers/cus_1?expand[]=default_source&expand[]=${PM}`,
    expect: denied,
  },
  {
    name: 'duplicate expand, two spellings',
    method: 'GET',
    target: `/v1/customers/cus_1?expand[0]=default_source&expand[]=${PM}`,
    expect: denied,
  },
  {
    name: 'nested expand on a list',
    method: 'GET',
    target: `/v1/customers?expand[]=data.${PM}`,
    expect: denied,
  },
  {
    name: 'HEAD with a smuggled expand',
    method: 'HEAD',
    target: `/v1/customers/cus_1?expand[]=${PM}`,
    expect: denied,
  },
  {
    name: '; between pairs',
    method: 'GET',
    target: `/v1/customers/cus_1?limit=1;expand[]=${PM}`,
    expect: refused(),
  },
  { name: '%00 in a value', method: 'GET', target: '/v1/customers?email=a%00b', expect: refused() },
  {
    name: 'malformed escape in the query',
    method: 'GET',
    target: '/v1/customers?email=%zz',
    expect: refused(),
  },
  {
    name: 'invalid UTF-8 in the query',
    method: 'GET',
    target: '/v1/customers?email=%c0%ae',
    expect: refused(),
  },
  {
    name: 'unicode look-alike expand value',
    method: 'GET',
    target: '/v1/customers/cus_1?expand[]=%E2%80%AEdefault_source',
    expect: refused(),
  },
  {
    name: 'wrong-case expand value',
    method: 'GET',
    target: '/v1/customers/cus_1?expand[]=DEFAULT_SOURCE',
    expect: refused(),
  },
  {
    name: 'expand value with a trailing space',
    method: 'GET',
    target: `/v1/customers/cus_1?expand[]=${PM}%20`,
    expect: refused(),
  },
  // ---- allowed, forwarded exactly as sent
  { name: 'plain retrieve', method: 'GET', target: '/v1/customers/cus_1', expect: forwarded },
  {
    name: 'covered expand',
    method: 'GET',
    target: '/v1/customers/cus_1?expand[]=default_source',
    expect: forwarded,
  },
  {
    name: 'duplicate parameters pass as sent',
    method: 'GET',
    target: '/v1/customers?limit=1&limit=100',
    expect: forwarded,
  },
  {
    name: 'Expand (capital E) is not expand',
    method: 'GET',
    target: `/v1/customers/cus_1?Expand[]=${PM}`,
    expect: forwarded,
  },
  {
    name: 'HEAD is decided and forwarded as GET',
    method: 'HEAD',
    target: '/v1/customers/cus_1',
    expect: { forwarded: true, method: 'GET' },
  },
  {
    name: 'encoded reserved character in an id',
    method: 'GET',
    target: '/v1/customers/cus%3A1',
    expect: forwarded,
  },
  // ---- method overrides
  {
    name: 'X-HTTP-Method-Override',
    method: 'GET',
    target: '/v1/customers/cus_1',
    headers: [['X-HTTP-Method-Override', 'DELETE']],
    expect: refused(),
  },
  {
    name: 'X-HTTP-Method',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [['X-HTTP-Method', 'DELETE'], form],
    body: 'a=1',
    who: 'writer',
    expect: refused(),
  },
  {
    name: 'X-Method-Override',
    method: 'GET',
    target: '/v1/customers/cus_1',
    headers: [['X-Method-Override', 'DELETE']],
    expect: refused(),
  },
  {
    name: '_method in the query',
    method: 'GET',
    target: '/v1/customers/cus_1?_method=DELETE',
    expect: refused(),
  },
  {
    name: '_method in a form body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: '_method=DELETE',
    expect: refused(),
  },
  {
    name: 'encoded %5Fmethod in a form body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: 'email=a&%5Fmethod=DELETE',
    expect: refused(),
  },
  { name: '_METHOD in the query', method: 'GET', target: '/v1/customers?_METHOD=POST', expect: refused() },
  // ---- bodies where none belongs, and expand in bodies
  {
    name: 'expand in a GET body',
    method: 'GET',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: `expand[]=${PM}`,
    expect: refused(),
  },
  {
    name: 'chunked GET body',
    method: 'GET',
    target: '/v1/customers/cus_1',
    headers: [['Transfer-Encoding', 'chunked']],
    rawFraming: `${`expand[]=${PM}`.length.toString(16)}\r\nexpand[]=${PM}\r\n0\r\n\r\n`,
    expect: refused(),
  },
  {
    name: 'DELETE with a body',
    who: 'writer',
    method: 'DELETE',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: `expand[]=${PM}`,
    expect: refused(),
  },
  {
    name: 'HEAD with a body',
    method: 'HEAD',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: `expand[]=${PM}`,
    expect: refused(),
  },
  {
    name: 'expand smuggled in a POST body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: `email=a%40b.c&expand[]=${PM}`,
    expect: denied,
  },
  {
    name: 'encoded expand name in a POST body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: `expand%5B0%5D=${PM}`,
    expect: denied,
  },
  {
    name: 'expand in a POST query',
    who: 'writer',
    method: 'POST',
    target: `/v1/customers/cus_1?expand[]=${PM}`,
    headers: [form],
    body: 'email=a%40b.c',
    expect: denied,
  },
  {
    name: 'POST without Content-Type (read as a form)',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    body: `expand[]=${PM}`,
    expect: denied,
  },
  {
    name: 'JSON body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [['Content-Type', 'application/json']],
    body: `{"expand":["${PM}"]}`,
    expect: denied,
  },
  {
    name: 'text/plain body read as a form',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [['Content-Type', 'text/plain']],
    body: `expand[]=${PM}`,
    expect: denied,
  },
  {
    name: 'multipart body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [['Content-Type', 'multipart/form-data; boundary=XyZ']],
    body: `--XyZ\r\nContent-Disposition: form-data; name="expand[]"\r\n\r\n${PM}\r\n--XyZ--\r\n`,
    expect: denied,
  },
  {
    name: '; in a form body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: `email=a;expand[]=${PM}`,
    expect: refused(),
  },
  {
    name: 'raw non-ASCII in a form body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: 'name=Zo\u00eb',
    expect: refused(),
  },
  {
    name: '%00 in a form body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: 'name=a%00',
    expect: refused(),
  },
  {
    name: 'allowed POST forwarded byte for byte',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: 'email=a%40b.c&metadata[k]=v%20w',
    expect: forwarded,
  },
  {
    name: 'chunked POST body is forwarded with a length',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form, ['Transfer-Encoding', 'chunked']],
    rawFraming: '5\r\nemail\r\n4\r\n=a%4\r\n4\r\n0b.c\r\n0\r\n\r\n',
    expect: forwarded,
  },
  // ---- framing and duplicate headers
  {
    name: 'Content-Length with Transfer-Encoding (Node parser)',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form, ['Content-Length', '5'], ['Transfer-Encoding', 'chunked']],
    rawFraming: '0\r\n\r\n',
    expect: refused(),
  },
  {
    name: 'two Content-Lengths (Node parser)',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form, ['Content-Length', '3'], ['Content-Length', '3']],
    rawFraming: 'a=1',
    expect: refused(),
  },
  {
    name: 'differing Content-Lengths (Node parser)',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form, ['Content-Length', '3'], ['Content-Length', '4']],
    rawFraming: 'a=12',
    expect: refused(),
  },
  {
    name: 'a coding before chunked',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form, ['Transfer-Encoding', 'gzip, chunked']],
    rawFraming: '3\r\na=1\r\n0\r\n\r\n',
    expect: refused(),
  },
  {
    name: 'Content-Encoding: gzip',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form, ['Content-Encoding', 'gzip']],
    body: 'a=1',
    expect: refused(),
  },
  {
    name: 'two Authorization headers',
    method: 'GET',
    target: '/v1/customers',
    headers: [['Authorization', 'Bearer sk_test_other']],
    expect: refused(),
  },
  {
    name: 'two Stripe-Account headers',
    method: 'GET',
    target: '/v1/customers',
    headers: [
      ['Stripe-Account', 'acct_1'],
      ['Stripe-Account', 'acct_2'],
    ],
    expect: refused(),
  },
  {
    name: 'Stripe-Account of another account on an rk_ key',
    method: 'GET',
    target: '/v1/customers',
    headers: [['Stripe-Account', 'acct_someoneelse']],
    expect: refused(403),
  },
  {
    name: 'malformed Stripe-Account',
    method: 'GET',
    target: '/v1/customers',
    headers: [['Stripe-Account', 'acct_1, acct_2']],
    expect: refused(),
  },
  {
    name: 'Stripe-Context is never forwarded',
    method: 'GET',
    target: '/v1/customers',
    headers: [['Stripe-Context', 'acct_other']],
    expect: forwarded,
  },
];

function buildRequest(test: Case, key: string): string {
  const lines = [`${test.method} ${test.target} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: Bearer ${key}`];
  for (const [name, value] of test.headers ?? []) lines.push(`${name}: ${value}`);
  if (test.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(test.body, 'latin1')}`);
  lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${test.rawFraming ?? test.body ?? ''}`;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function send(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from(text, 'latin1')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const end = raw.indexOf('\r\n\r\n');
      const head = raw.slice(0, end).split('\r\n');
      const status = Number(head[0]?.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: raw.slice(end + 4) });
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

/** What `decide()` says about a request as the gateway would forward it. */
function referenceAllows(test: Case, who: Who): boolean {
  const contentType = test.headers?.find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const resolved = resolveRequest(table, {
    method: test.method,
    path: test.target,
    ...(test.body === undefined ? {} : { body: test.body }),
    ...(contentType === undefined ? {} : { contentType }),
  });
  return decide(catalog.closure(GRANTS[who]), resolved.requirement).allowed;
}

describe('bypass corpus', () => {
  let upstream: RecordingUpstream;
  let w: GatewayWorld;
  const keys = {} as Record<Who, string>;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    w = await startGateway({
      gateway: {
        kind: 'http',
        url: upstream.url,
        secretKey: 'sk_test_upstream',
        multiAccount: true,
        timeoutMs: 5000,
      },
    });
    for (const who of Object.keys(GRANTS) as Who[]) {
      await w.publish(`com.example.${who}`, '1.0.0', GRANTS[who]);
      keys[who] = (await w.install(`com.example.${who}`)).key!.secret;
    }
  });

  afterAll(async () => {
    await w.close();
    await upstream.close();
  });

  it('has at least 50 crafted requests', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(50);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  for (const test of CASES) {
    it(test.name, async () => {
      const who = test.who ?? 'reader';
      const before = upstream.seen.length;
      const response = await send(w.port, buildRequest(test, keys[who]));
      expect(response.headers['request-id'], 'every answer has a request id').toMatch(/^req_/);
      const expectation = test.expect;
      if ('refused' in expectation) {
        if (expectation.refused === true) expect(response.status).toBeGreaterThanOrEqual(400);
        else expect(response.status).toBe(expectation.refused);
        expect(response.status).toBeLessThan(500);
        expect(upstream.seen.length, 'a refused request is never forwarded').toBe(before);
        if (test.method !== 'HEAD' && response.body !== '') {
          expect(JSON.parse(response.body).error.type).toBe('invalid_request_error');
        }
        return;
      }
      if ('denied' in expectation) {
        expect(response.status).toBe(403);
        expect(upstream.seen.length).toBe(before);
        expect(referenceAllows(test, who), 'the canonical form is denied too').toBe(false);
        if (test.method !== 'HEAD') {
          const error = JSON.parse(response.body).error;
          expect(error.code).toBe('more_permissions_required');
          expect(error.message).toContain("'payment_method_read'");
        }
        return;
      }
      expect(response.status).toBe(200);
      expect(upstream.seen.length).toBe(before + 1);
      const seen = upstream.seen.at(-1)!;
      expect(seen.method).toBe(expectation.method ?? test.method);
      expect(seen.url).toBe(expectation.target ?? test.target);
      const sentBody = test.rawFraming === undefined ? (test.body ?? '') : 'email=a%40b.c';
      expect(seen.body.toString('latin1')).toBe(sentBody);
      expect(referenceAllows({ ...test, body: sentBody }, who), 'the canonical form is allowed too').toBe(
        true,
      );
      expect(seen.headers.authorization).toBe('Bearer sk_test_upstream');
      expect(seen.headers['stripe-context']).toBeUndefined();
      for (const name of [
        'x-http-method-override',
        'x-http-method',
        'x-method-override',
        'transfer-encoding',
      ]) {
        expect(seen.headers[name]).toBeUndefined();
      }
    });
  }
});

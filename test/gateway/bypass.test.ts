import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { decide } from '../../src/core/decide.js';
import { parseBody } from '../../src/core/params/body.js';
import { parseParams, serializeParams } from '../../src/core/params/params.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { mergeParams, resolveRequest } from '../../src/core/routes/resolve.js';
import { type RecordingUpstream, startRecordingUpstream } from './recording-upstream.js';
import { type GatewayWorld, startGateway } from './support.js';

/**
 * The bypass corpus: crafted requests sent byte for byte over a raw socket, each through two
 * gateways — one forwarding to a recording HTTP upstream, one to the in-process emulator (with a
 * real customer and a paid invoice that has a charge). Each request must be refused (a 4xx before
 * any decision, with its code, never forwarded), denied (403 `more_permissions_required` naming
 * the missing permission, never forwarded), or allowed and forwarded as exactly the canonical
 * serialization of what was decided (`expand[]=x` arrives as `expand[0]=x`, a POST's query
 * parameters in its body). No answer may carry an object the install may not read.
 */

const catalog = defaultCatalog();
const table = defaultRouteTable();
const GRANTS = {
  reader: ['customer_read'],
  writer: ['customer_write'],
  /** Reads invoices but not charges: `expand[]=charge` on an invoice is the smuggling target. */
  invoices: ['invoice_read'],
  invoiceWriter: ['invoice_write'],
  /** Reads invoices and charges: the control that the leak check sees an expanded charge. */
  billing: ['invoice_read', 'charge_read'],
} as const;
type Who = keyof typeof GRANTS;

/** Smuggling target on customers: needs `payment_method_read`, which no grant has. */
const PM = 'invoice_settings.default_payment_method';
/** Placeholders in targets, replaced by each world's real ids. */
const INVOICE = '{invoice}';
const CUSTOMER = '{customer}';

/** Objects a reader of each permission may see expanded; an answer to anyone else must not hold them. */
const OBJECTS = [
  ['charge', 'charge_read'],
  ['payment_method', 'payment_method_read'],
] as const;

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
   * `refused`: a 4xx before any decision (this status, or any 4xx for `true`) with this `code`;
   * `denied`: 403 from the decision, naming this missing permission; `forwarded`: allowed, and
   * the upstream saw this method, canonical query and canonical body (computed from the
   * parser's reading when not given).
   */
  readonly expect:
    | { readonly refused: number | true; readonly code?: string }
    | { readonly denied: string }
    | { readonly forwarded: { readonly method?: string; readonly query?: string; readonly body?: string } };
  /** For allowed cases in the emulator world: the answer must hold an expanded object of this type. */
  readonly reveals?: string;
}

const refused = (status: number | true = 400) => ({ refused: status }) as const;
const refusedWith = (code: string, status = 400) => ({ refused: status, code }) as const;
const denied = { denied: 'payment_method_read' } as const;
const deniedFor = (permission: string) => ({ denied: permission }) as const;
const forwardedAs = (seen: { method?: string; query?: string; body?: string } = {}) =>
  ({ forwarded: seen }) as const;
const form = ['Content-Type', 'application/x-www-form-urlencoded'] as const;

const HAND_WRITTEN: readonly Case[] = [
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
  {
    name: 'expand%5B%5D',
    method: 'GET',
    target: `/v1/customers/cus_1?expand%5B%5D=${PM}`,
    expect: refusedWith('parameter_invalid_name'),
  },
  {
    name: 'expand%5b0%5d',
    method: 'GET',
    target: `/v1/customers/cus_1?expand%5b0%5d=${PM}`,
    expect: refusedWith('parameter_invalid_name'),
  },
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
  {
    name: 'expand[][]',
    method: 'GET',
    target: `/v1/customers/cus_1?expand[][]=${PM}`,
    expect: refusedWith('parameter_invalid_name'),
  },
  {
    name: 'expand[a] (a hash is not a list of fields)',
    method: 'GET',
    target: `/v1/customers/cus_1?expand[a]=${PM}`,
    expect: refusedWith('parameter_invalid'),
  },
  {
    name: 'leading plus in the name',
    method: 'GET',
    target: `/v1/customers/cus_1?+expand[]=${PM}`,
    expect: refusedWith('parameter_invalid_name'),
  },
  {
    name: 'allowed expand first, smuggled second',
    method: 'GET',
    target: `/v1/customers/cus_1?expand[]=default_source&expand[]=${PM}`,
    expect: denied,
  },
  {
    name: 'one list in two notations',
    method: 'GET',
    target: `/v1/customers/cus_1?expand[0]=default_source&expand[]=${PM}`,
    expect: refusedWith('parameter_mixed_types'),
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
  // ---- allowed, forwarded canonically
  {
    name: 'plain retrieve',
    method: 'GET',
    target: '/v1/customers/cus_1',
    expect: forwardedAs({ query: '' }),
  },
  {
    name: 'covered expand',
    method: 'GET',
    target: '/v1/customers/cus_1?expand[]=default_source',
    expect: forwardedAs({ query: 'expand[0]=default_source' }),
  },
  {
    name: 'a parameter given twice is refused',
    method: 'GET',
    target: '/v1/customers?limit=1&limit=100',
    expect: refusedWith('parameter_duplicate'),
  },
  {
    name: 'Expand (capital E) is not expand',
    method: 'GET',
    target: `/v1/customers/cus_1?Expand[]=${PM}`,
    expect: forwardedAs({ query: `Expand[0]=${PM}` }),
  },
  {
    name: 'HEAD is decided and forwarded as GET',
    method: 'HEAD',
    target: '/v1/customers/cus_1',
    expect: forwardedAs({ method: 'GET', query: '' }),
  },
  {
    name: 'encoded reserved character in an id',
    method: 'GET',
    target: '/v1/customers/cus%3A1',
    expect: forwardedAs({ query: '' }),
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
    expect: refusedWith('parameter_invalid_name'),
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
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'text/plain body (no longer read as a form)',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [['Content-Type', 'text/plain']],
    body: `expand[]=${PM}`,
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'multipart body',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [['Content-Type', 'multipart/form-data; boundary=XyZ']],
    body: `--XyZ\r\nContent-Disposition: form-data; name="expand[]"\r\n\r\n${PM}\r\n--XyZ--\r\n`,
    expect: refusedWith('content_type_unsupported'),
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
    name: 'allowed POST (already canonical) forwarded byte for byte',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form],
    body: 'email=a%40b.c&metadata[k]=v%20w',
    expect: forwardedAs({ body: 'email=a%40b.c&metadata[k]=v%20w' }),
  },
  {
    name: 'chunked POST body is forwarded with a length',
    who: 'writer',
    method: 'POST',
    target: '/v1/customers/cus_1',
    headers: [form, ['Transfer-Encoding', 'chunked']],
    rawFraming: '5\r\nemail\r\n4\r\n=a%4\r\n4\r\n0b.c\r\n0\r\n\r\n',
    expect: forwardedAs({ body: 'email=a%40b.c' }),
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
    expect: forwardedAs({ query: '' }),
  },
];

// ---- issue 11: every spelling of `expand`, in the query of a GET (retrieve and list), the body of
// a POST and the query of a POST, asking for `charge` with an install that reads invoices only

interface Spelling {
  readonly label: string;
  /** The name as sent (`{i}` is replaced by 0, 1, … for a second item). */
  readonly name: string;
  /** What becomes of it: refused with a code, or read as `expand` (and denied `charge_read`). */
  readonly outcome: string | 'expand';
}

const SPELLINGS: readonly Spelling[] = [
  { label: '[expand][]', name: '[expand][]', outcome: 'parameter_invalid_name' },
  { label: '%5Bexpand%5D%5B%5D', name: '%5Bexpand%5D%5B%5D', outcome: 'parameter_invalid_name' },
  { label: '[expand][0]', name: '[expand][0]', outcome: 'parameter_invalid_name' },
  { label: '[expand]', name: '[expand]', outcome: 'parameter_invalid_name' },
  { label: '[%65xpand][]', name: '[%65xpand][]', outcome: 'parameter_invalid_name' },
  { label: '[expand][a]', name: '[expand][a]', outcome: 'parameter_invalid_name' },
  { label: 'expand%5B%5D', name: 'expand%5B%5D', outcome: 'parameter_invalid_name' },
  { label: 'expand%5b0%5d', name: 'expand%5b0%5d', outcome: 'parameter_invalid_name' },
  { label: '%65xpand%5B%5D', name: '%65xpand%5B%5D', outcome: 'parameter_invalid_name' },
  { label: 'expand%5B]', name: 'expand%5B]', outcome: 'parameter_invalid_name' },
  { label: ']expand[]', name: ']expand[]', outcome: 'parameter_invalid_name' },
  { label: 'expand] (stray close)', name: 'expand]', outcome: 'parameter_invalid_name' },
  { label: 'expand[ (unclosed)', name: 'expand[', outcome: 'parameter_invalid_name' },
  { label: 'expand[[]]', name: 'expand[[]]', outcome: 'parameter_invalid_name' },
  { label: 'expand[]]', name: 'expand[]]', outcome: 'parameter_invalid_name' },
  { label: 'expand[][]', name: 'expand[][]', outcome: 'parameter_invalid_name' },
  { label: 'expand[]x (text after ])', name: 'expand[]x', outcome: 'parameter_invalid_name' },
  { label: '+expand[] (a space)', name: '+expand[]', outcome: 'parameter_invalid_name' },
  { label: '%20expand[]', name: '%20expand[]', outcome: 'parameter_invalid_name' },
  { label: '.expand[]', name: '.expand[]', outcome: 'parameter_invalid_name' },
  { label: '_expand[]', name: '_expand[]', outcome: 'parameter_invalid_name' },
  { label: '-expand[]', name: '-expand[]', outcome: 'parameter_invalid_name' },
  { label: 'expand%00[]', name: 'expand%00[]', outcome: 'parameter_invalid_name' },
  { label: 'expand[a] (a hash)', name: 'expand[a]', outcome: 'parameter_invalid' },
  { label: 'expand[0][0] (a list of lists)', name: 'expand[0][0]', outcome: 'parameter_invalid' },
  { label: 'expand[00]', name: 'expand[00]', outcome: 'parameter_invalid_index' },
  { label: 'expand[1] (a gap)', name: 'expand[1]', outcome: 'parameter_invalid_index' },
  { label: 'expand[toString]', name: 'expand[toString]', outcome: 'parameter_unknown' },
  { label: 'expand[__proto__]', name: 'expand[__proto__]', outcome: 'parameter_unknown' },
  { label: 'expand[]', name: 'expand[]', outcome: 'expand' },
  { label: 'expand[0]', name: 'expand[0]', outcome: 'expand' },
  { label: 'expand (bare)', name: 'expand', outcome: 'expand' },
  { label: '%65xpand[] (an encoded letter is still expand)', name: '%65xpand[]', outcome: 'expand' },
  { label: 'exp%61nd[0]', name: 'exp%61nd[0]', outcome: 'expand' },
];

interface Place {
  readonly label: string;
  readonly who: Who;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** The field to expand there (`charge` on an invoice, `data.charge` on a list). */
  readonly field: string;
  readonly inBody: boolean;
}

const PLACES: readonly Place[] = [
  {
    label: 'GET retrieve query',
    who: 'invoices',
    method: 'GET',
    path: `/v1/invoices/${INVOICE}`,
    field: 'charge',
    inBody: false,
  },
  {
    label: 'GET list query',
    who: 'invoices',
    method: 'GET',
    path: '/v1/invoices',
    field: 'data.charge',
    inBody: false,
  },
  {
    label: 'POST retrieve body',
    who: 'invoiceWriter',
    method: 'POST',
    path: `/v1/invoices/${INVOICE}`,
    field: 'charge',
    inBody: true,
  },
  {
    label: 'POST retrieve query',
    who: 'invoiceWriter',
    method: 'POST',
    path: `/v1/invoices/${INVOICE}`,
    field: 'charge',
    inBody: false,
  },
];

function spellingCase(spelling: Spelling, place: Place): Case {
  const pairs = `${spelling.name}=${place.field}`;
  const request = place.inBody
    ? { target: place.path, headers: [form], body: pairs }
    : { target: `${place.path}?${pairs}` };
  return {
    name: `issue 11: ${spelling.label} asking for ${place.field}, ${place.label}`,
    who: place.who,
    method: place.method,
    ...request,
    expect: spelling.outcome === 'expand' ? deniedFor('charge_read') : refusedWith(spelling.outcome),
  };
}

const SPELLING_CASES = SPELLINGS.flatMap((spelling) => PLACES.map((place) => spellingCase(spelling, place)));

// ---- reserved names at every depth, in a GET query and a POST body

const RESERVED = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'] as const;
const DEPTHS = [
  (name: string) => name,
  (name: string) => `metadata[${name}]`,
  (name: string) => `metadata[a][${name}]`,
  (name: string) => `${name}[expand][0]`,
  (name: string) => `items[0][${name}]`,
] as const;

const RESERVED_CASES: readonly Case[] = RESERVED.flatMap((reserved) =>
  DEPTHS.flatMap((at, depth) => {
    // as a top-level name, `__proto__` is refused for its first character before its name is looked at
    const code =
      reserved.startsWith('_') && at(reserved).startsWith('_')
        ? 'parameter_invalid_name'
        : 'parameter_unknown';
    const pair = `${at(reserved)}=charge`;
    return [
      {
        name: `reserved name ${reserved} at depth ${depth}, GET query`,
        method: 'GET',
        target: `/v1/customers?${pair}`,
        expect: refusedWith(code),
      },
      {
        name: `reserved name ${reserved} at depth ${depth}, POST body`,
        who: 'writer' as const,
        method: 'POST',
        target: `/v1/customers/${CUSTOMER}`,
        headers: [form],
        body: `email=a%40b.c&${pair}`,
        expect: refusedWith(code),
      },
    ];
  }),
);

// ---- the canonical form's other rules and limits, each in a GET query and a POST body

const deep = (levels: number) => `metadata${Array.from({ length: levels }, (_, i) => `[k${i}]`).join('')}=v`;
const many = (count: number) => Array.from({ length: count }, (_, i) => `metadata[k${i}]=v`).join('&');
const list = (count: number) => Array.from({ length: count }, (_, i) => `items[${i}]=v`).join('&');

const RULES: readonly (readonly [string, string, string | undefined])[] = [
  ['a scalar given twice', 'email=a&email=b', 'parameter_duplicate'],
  ['a list item given twice', 'items[0]=a&items[0]=b', 'parameter_duplicate'],
  ['a value and a hash', 'metadata=a&metadata[k]=b', 'parameter_mixed_types'],
  ['a hash and a value', 'metadata[k]=b&metadata=a', 'parameter_mixed_types'],
  ['a hash and a list', 'metadata[k]=a&metadata[0]=b', 'parameter_mixed_types'],
  ['a list and a hash', 'items[0]=a&items[k]=b', 'parameter_mixed_types'],
  ['[] and [0] in one list', 'items[]=a&items[1]=b', 'parameter_mixed_types'],
  ['[0] and [] in one list', 'items[0]=a&items[]=b', 'parameter_mixed_types'],
  ['an index with a leading zero', 'items[01]=a', 'parameter_invalid_index'],
  ['an index past the list limit', 'items[200]=a', 'parameter_invalid_index'],
  ['a list of 201 items', list(201), 'parameter_invalid_index'],
  ['a list of 200 items', list(200), undefined],
  ['1,001 parameters', many(1001), 'parameters_exceeded_max'],
  ['1,000 parameters', many(1000), undefined],
  ['nested 9 levels', deep(9), 'parameter_too_deep'],
  ['nested 8 levels', deep(8), undefined],
  ['a 513-character name', `m${'a'.repeat(512)}=v`, 'parameter_invalid_name'],
  ['a 512-character name', `m${'a'.repeat(511)}=v`, undefined],
  ['a name with no root', '=v', 'parameter_invalid_name'],
  ['a percent-encoded ] in a key', 'metadata[a%5D=v', 'parameter_invalid_name'],
  ['a control character in a name', 'meta%01data=v', 'parameter_invalid_name'],
  ['a control character in a value', 'email=a%1Bb', 'parameter_invalid_encoding'],
  ['invalid UTF-8 in a value', 'email=%C3%28', 'parameter_invalid_encoding'],
  ['a lone continuation byte', 'email=%80', 'parameter_invalid_encoding'],
  ['an encoded surrogate', 'email=%ED%A0%80', 'parameter_invalid_encoding'],
  ['invalid UTF-8 in a name', 'metadata[%FF]=v', 'parameter_invalid_encoding'],
  ['a malformed escape', 'email=%G1', 'parameter_invalid_encoding'],
  ['a truncated escape', 'email=a%2', 'parameter_invalid_encoding'],
  ['a `;` between pairs', 'email=a;metadata[k]=v', 'parameter_invalid_encoding'],
  ['= and & inside names, encoded', 'metadata[a%3Db%26c]=v', undefined],
  ['empty pairs', '&&email=a%40b.c&&metadata[k]=v&', undefined],
  ['+ for a space', 'metadata[k+1]=a+b', undefined],
  ['unicode, encoded', 'metadata[%C3%A9]=%F0%9F%98%80', undefined],
  ['a digit-first key', 'metadata[1a]=v', undefined],
];

const RULE_CASES: readonly Case[] = RULES.flatMap(([label, pairs, code]) => {
  const expectation = code === undefined ? forwardedAs() : refusedWith(code);
  const cases: Case[] = [
    {
      name: `${label}, POST body`,
      who: 'writer',
      method: 'POST',
      target: `/v1/customers/${CUSTOMER}`,
      headers: [form],
      body: pairs,
      expect: expectation,
    },
  ];
  // a GET's query is limited to 8 KiB: the long ones are tested in bodies only
  if (pairs.length < 2000) {
    cases.push({
      name: `${label}, GET query`,
      method: 'GET',
      target: `/v1/customers?${pairs}`,
      expect: expectation,
    });
  }
  return cases;
});

// ---- bodies: declared types, charsets, multipart, bodies where none belongs, query and body

const multipart = (parts: string, boundary = 'XyZ') =>
  `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\ndispute_evidence\r\n${parts}--${boundary}--`;
const filePart =
  '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n';
const mp = ['Content-Type', 'multipart/form-data; boundary=XyZ'] as const;
const onInvoice = { who: 'invoiceWriter', method: 'POST', target: `/v1/invoices/${INVOICE}` } as const;

const BODY_CASES: readonly Case[] = [
  {
    name: 'JSON body asking for charge',
    ...onInvoice,
    headers: [['Content-Type', 'application/json']],
    body: '{"expand":["charge"]}',
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'JSON body hiding a form in a key',
    ...onInvoice,
    headers: [['Content-Type', 'application/json']],
    body: '{"x[toString]":"&expand[]=charge&metadata[a]=","y":1}',
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'JSON body hiding a form in a key, declared a form',
    ...onInvoice,
    headers: [form],
    body: '{"x[toString]":"&expand[]=charge&metadata[a]=","y":1}',
    expect: refusedWith('parameter_invalid_name'),
  },
  {
    name: 'JSON body without a Content-Type (read as a form)',
    ...onInvoice,
    body: '{"x":"&expand[]=charge"}',
    expect: refusedWith('parameter_invalid_name'),
  },
  {
    name: 'application/json; charset=utf-8',
    ...onInvoice,
    headers: [['Content-Type', 'application/json; charset=utf-8']],
    body: 'expand[]=charge',
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'text/plain form',
    ...onInvoice,
    headers: [['Content-Type', 'text/plain']],
    body: 'expand[]=charge',
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'a form body declared multipart',
    ...onInvoice,
    headers: [mp],
    body: 'expand[]=charge',
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'a multipart body where the route takes no upload',
    ...onInvoice,
    headers: [mp],
    body: multipart('--XyZ\r\nContent-Disposition: form-data; name="expand[]"\r\n\r\ncharge\r\n'),
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'multipart on /v1/files: text after the closing boundary',
    who: 'writer',
    method: 'POST',
    target: '/v1/files',
    headers: [mp],
    body: `${multipart(filePart)}\r\nexpand[]=charge`,
    expect: refusedWith('body_invalid'),
  },
  {
    name: 'multipart on /v1/files: a preamble',
    who: 'writer',
    method: 'POST',
    target: '/v1/files',
    headers: [mp],
    body: `expand[]=charge\r\n${multipart(filePart)}`,
    expect: refusedWith('body_invalid'),
  },
  {
    name: 'multipart on /v1/files: two files',
    who: 'writer',
    method: 'POST',
    target: '/v1/files',
    headers: [mp],
    body: multipart(filePart + filePart.replace('name="file"', 'name="other"')),
    expect: refusedWith('body_invalid'),
  },
  {
    name: 'multipart on /v1/files: two Content-Dispositions',
    who: 'writer',
    method: 'POST',
    target: '/v1/files',
    headers: [mp],
    body: multipart(
      '--XyZ\r\nContent-Disposition: form-data; name="expand[]"\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nlinks\r\n',
    ),
    expect: refusedWith('body_invalid'),
  },
  {
    name: 'multipart on /v1/files: a part without Content-Disposition',
    who: 'writer',
    method: 'POST',
    target: '/v1/files',
    headers: [mp],
    body: multipart('--XyZ\r\nContent-Type: text/plain\r\n\r\nlinks\r\n'),
    expect: refusedWith('body_invalid'),
  },
  {
    name: 'multipart on /v1/files: a field that is not UTF-8',
    who: 'writer',
    method: 'POST',
    target: '/v1/files',
    headers: [mp],
    body: multipart('--XyZ\r\nContent-Disposition: form-data; name="metadata[k]"\r\n\r\n\u00ff\u00fe\r\n'),
    expect: refusedWith('parameter_invalid_encoding'),
  },
  {
    name: 'multipart on /v1/files with a query string',
    who: 'writer',
    method: 'POST',
    target: '/v1/files?expand[]=links',
    headers: [mp],
    body: multipart(filePart),
    expect: refusedWith('content_type_unsupported'),
  },
  ...(['latin1', 'iso-8859-1', 'utf-16', 'UTF-16LE', 'us-ascii', 'utf8'] as const).map(
    (charset): Case => ({
      name: `charset=${charset}`,
      ...onInvoice,
      headers: [['Content-Type', `application/x-www-form-urlencoded; charset=${charset}`]],
      body: 'expand[]=charge',
      expect: refusedWith('content_type_unsupported'),
    }),
  ),
  {
    name: 'a UTF-16 body',
    ...onInvoice,
    headers: [['Content-Type', 'application/x-www-form-urlencoded; charset=utf-16']],
    body: Buffer.from('expand[]=charge', 'utf16le').toString('latin1'),
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'a UTF-16 body declared a form',
    ...onInvoice,
    headers: [form],
    body: Buffer.from('expand[]=charge', 'utf16le').toString('latin1'),
    expect: refusedWith('parameter_invalid_encoding'),
  },
  {
    name: 'an unknown Content-Type parameter',
    ...onInvoice,
    headers: [['Content-Type', 'application/x-www-form-urlencoded; boundary=x']],
    body: 'expand[]=charge',
    expect: refusedWith('content_type_unsupported'),
  },
  {
    name: 'charset=utf-8 is read as a form (and denied)',
    ...onInvoice,
    headers: [['Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8']],
    body: 'expand[]=charge',
    expect: deniedFor('charge_read'),
  },
  {
    name: 'raw invalid UTF-8 in a form body',
    ...onInvoice,
    headers: [form],
    body: 'metadata[k]=\u00c3(',
    expect: refusedWith('parameter_invalid_encoding'),
  },
  {
    name: 'raw invalid UTF-8 in a query',
    who: 'invoices',
    method: 'GET',
    target: `/v1/invoices/${INVOICE}?expand[]=charge&x=\u00ff`,
    expect: refused(),
  },
  {
    name: 'a form body on a GET',
    who: 'invoices',
    method: 'GET',
    target: `/v1/invoices/${INVOICE}`,
    headers: [form],
    body: 'expand[]=charge',
    expect: refused(),
  },
  {
    name: 'a form body on a list GET',
    who: 'invoices',
    method: 'GET',
    target: '/v1/invoices',
    headers: [form],
    body: 'expand[]=data.charge',
    expect: refused(),
  },
  {
    name: 'a form body on a DELETE',
    ...onInvoice,
    method: 'DELETE',
    headers: [form],
    body: 'expand[]=charge',
    expect: refused(),
  },
  {
    name: 'expand in both the query and the body of a POST',
    ...onInvoice,
    target: `/v1/invoices/${INVOICE}?expand[]=charge`,
    headers: [form],
    body: 'expand[]=charge',
    expect: refusedWith('parameter_duplicate'),
  },
  {
    name: 'expand in the query, metadata in the body of a POST',
    ...onInvoice,
    target: `/v1/invoices/${INVOICE}?expand[]=charge`,
    headers: [form],
    body: 'metadata[k]=v',
    expect: deniedFor('charge_read'),
  },
  {
    name: 'a hash split between the query and the body of a POST',
    who: 'writer',
    method: 'POST',
    target: `/v1/customers/${CUSTOMER}?metadata[a]=1`,
    headers: [form],
    body: 'metadata[b]=2',
    expect: refusedWith('parameter_duplicate'),
  },
  {
    name: "a POST's query parameters arrive in its body",
    who: 'writer',
    method: 'POST',
    target: `/v1/customers/${CUSTOMER}?metadata[a]=1`,
    headers: [form],
    body: 'email=a%40b.c',
    expect: forwardedAs({ query: '', body: 'email=a%40b.c&metadata[a]=1' }),
  },
];

// ---- allowed: forwarded canonically, and the leak check's control

const ALLOWED_CASES: readonly Case[] = [
  {
    name: 'invoice retrieve without expand: no charge in the answer',
    who: 'invoices',
    method: 'GET',
    target: `/v1/invoices/${INVOICE}`,
    expect: forwardedAs({ query: '' }),
  },
  {
    name: 'invoice list without expand: no charge in the answer',
    who: 'invoices',
    method: 'GET',
    target: '/v1/invoices?limit=3',
    expect: forwardedAs({ query: 'limit=3' }),
  },
  {
    name: 'charge_read holder: expand[]=charge is forwarded as expand[0] and reveals the charge',
    who: 'billing',
    method: 'GET',
    target: `/v1/invoices/${INVOICE}?expand[]=charge`,
    expect: forwardedAs({ query: 'expand[0]=charge' }),
    reveals: 'charge',
  },
  {
    name: 'charge_read holder: expand=data.charge on the list is forwarded as a string',
    who: 'billing',
    method: 'GET',
    target: '/v1/invoices?expand=data.charge',
    expect: forwardedAs({ query: 'expand=data.charge' }),
    reveals: 'charge',
  },
  {
    name: 'charge_read holder: %65xpand[]=charge is forwarded as expand[0]=charge',
    who: 'billing',
    method: 'GET',
    target: `/v1/invoices/${INVOICE}?%65xpand[]=charge`,
    expect: forwardedAs({ query: 'expand[0]=charge' }),
    reveals: 'charge',
  },
  {
    name: 'a covered expand on a list, [] spelling',
    method: 'GET',
    target: '/v1/customers?expand[]=data.default_source&limit=2',
    expect: forwardedAs({ query: 'expand[0]=data.default_source&limit=2' }),
  },
  {
    name: 'escapes are re-encoded canonically',
    method: 'GET',
    target: '/v1/customers?email=a%40b%2ec&limit=%32',
    expect: forwardedAs({ query: 'email=a%40b.c&limit=2' }),
  },
];

const CASES: readonly Case[] = [
  ...HAND_WRITTEN,
  ...SPELLING_CASES,
  ...RESERVED_CASES,
  ...RULE_CASES,
  ...BODY_CASES,
  ...ALLOWED_CASES,
];

function buildRequest(test: Case, key: string, ids: Ids): string {
  const lines = [
    `${test.method} ${withIds(test.target, ids)} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Authorization: Bearer ${key}`,
  ];
  for (const [name, value] of test.headers ?? []) lines.push(`${name}: ${value}`);
  if (test.body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(test.body, 'latin1')}`);
  lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${test.rawFraming ?? test.body ?? ''}`;
}

interface Ids {
  readonly invoice: string;
  readonly customer: string;
}

function withIds(text: string, ids: Ids): string {
  return text.replaceAll(INVOICE, ids.invoice).replaceAll(CUSTOMER, ids.customer);
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

/** The body as the gateway received it (a chunked one reassembled). */
function receivedBody(test: Case): string {
  return test.rawFraming === undefined ? (test.body ?? '') : 'email=a%40b.c';
}

/**
 * The canonical request of an allowed case, from the one parser: a GET's or DELETE's parameters
 * as its query, a POST's (query and body merged) as its body.
 */
function canonical(test: Case, ids: Ids): { method: string; query: string; body: string } {
  const target = withIds(test.target, ids);
  const question = target.indexOf('?');
  const query = parseParams(question < 0 ? '' : target.slice(question + 1), 'query');
  const method = test.method === 'HEAD' ? 'GET' : test.method;
  if (method !== 'POST') return { method, query: serializeParams(query), body: '' };
  const contentType = test.headers?.find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const body = parseBody(Buffer.from(receivedBody(test), 'latin1'), contentType, { multipart: false }).params;
  return { method, query: '', body: serializeParams(mergeParams(query, body)) };
}

/** What `decide()` says about a request as the gateway would forward it. */
function referenceAllows(test: Case, who: Who, ids: Ids): boolean {
  const contentType = test.headers?.find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const body = receivedBody(test);
  const resolved = resolveRequest(table, {
    method: test.method,
    path: withIds(test.target, ids),
    ...(body === '' ? {} : { body: Buffer.from(body, 'latin1') }),
    ...(contentType === undefined ? {} : { contentType }),
  });
  return decide(catalog.closure(GRANTS[who]), resolved.requirement).allowed;
}

/** One upstream as the tests see it: what it received, in the same shape for both kinds. */
interface World {
  readonly gateway: GatewayWorld;
  readonly keys: Record<Who, string>;
  readonly ids: Ids;
  /** Requests the upstream received so far: method, path, canonical query and body. */
  seen(): readonly {
    method: string;
    path: string;
    query: string;
    body: string;
    authorization?: string;
    headers?: Record<string, unknown>;
  }[];
  close(): Promise<void>;
}

async function install(gateway: GatewayWorld): Promise<Record<Who, string>> {
  const keys = {} as Record<Who, string>;
  for (const who of Object.keys(GRANTS) as Who[]) {
    await gateway.publish(`com.example.${who}`, '1.0.0', GRANTS[who]);
    keys[who] = (await gateway.install(`com.example.${who}`)).key!.secret;
  }
  return keys;
}

async function httpWorld(): Promise<World> {
  const upstream: RecordingUpstream = await startRecordingUpstream();
  const gateway = await startGateway({
    gateway: {
      kind: 'http',
      url: upstream.url,
      secretKey: 'sk_test_upstream',
      multiAccount: true,
      timeoutMs: 5000,
    },
  });
  const keys = await install(gateway);
  return {
    gateway,
    keys,
    ids: { invoice: 'in_1', customer: 'cus_1' },
    seen: () =>
      upstream.seen.map((request) => {
        const question = request.url.indexOf('?');
        return {
          method: request.method,
          path: question < 0 ? request.url : request.url.slice(0, question),
          query: question < 0 ? '' : request.url.slice(question + 1),
          body: request.body.toString('latin1'),
          headers: request.headers,
        };
      }),
    async close() {
      await gateway.close();
      await upstream.close();
    },
  };
}

async function emulatorWorld(): Promise<World> {
  const gateway = await startGateway();
  const keys = await install(gateway);
  // a customer and a paid invoice with a charge, made through the gateway with the account's own key
  const stripe = gateway.stripe(gateway.merchant.sk.test);
  const customer = await stripe.customers.create({
    email: 'bill@example.com',
    invoice_settings: { default_payment_method: 'pm_card_visa' },
  });
  const invoice = await stripe.invoices.create({ customer: customer.id });
  await stripe.invoiceItems.create({
    customer: customer.id,
    invoice: invoice.id,
    amount: 500,
    currency: 'usd',
  });
  await stripe.invoices.finalizeInvoice(invoice.id);
  const paid = await stripe.invoices.pay(invoice.id);
  expect((paid as unknown as { charge: string }).charge).toMatch(/^ch_/);
  return {
    gateway,
    keys,
    ids: { invoice: invoice.id, customer: customer.id },
    seen: () =>
      gateway.upstreamSeen.map((request) => ({
        method: request.method,
        path: request.path,
        query: request.query,
        body: request.body,
      })),
    close: () => gateway.close(),
  };
}

const WORLDS = { 'HTTP upstream': httpWorld, 'emulator upstream': emulatorWorld } as const;

it('has at least 300 crafted requests with distinct names', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(300);
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
});

for (const [kind, start] of Object.entries(WORLDS)) {
  describe(`bypass corpus, ${kind}`, () => {
    let world: World;

    beforeAll(async () => {
      world = await start();
    });
    afterAll(async () => {
      await world.close();
    });

    for (const test of CASES) {
      it(test.name, async () => {
        const who = test.who ?? 'reader';
        const ids = world.ids;
        const before = world.seen().length;
        const response = await send(world.gateway.port, buildRequest(test, world.keys[who], ids));
        expect(response.headers['request-id'], 'every answer has a request id').toMatch(/^req_/);
        // nothing leaks: no expanded object the install may not read, whatever the answer
        for (const [object, permission] of OBJECTS) {
          if (!catalog.names(catalog.closure(GRANTS[who])).includes(permission)) {
            expect(response.body, `an expanded ${object}`).not.toContain(`"object":"${object}"`);
          }
        }
        const expectation = test.expect;
        if ('refused' in expectation) {
          if (expectation.refused === true) expect(response.status).toBeGreaterThanOrEqual(400);
          else expect(response.status).toBe(expectation.refused);
          expect(response.status).toBeLessThan(500);
          expect(world.seen().length, 'a refused request is never forwarded').toBe(before);
          if (test.method !== 'HEAD' && response.body !== '') {
            const error = JSON.parse(response.body).error;
            expect(error.type).toBe('invalid_request_error');
            if (expectation.code !== undefined) expect(error.code).toBe(expectation.code);
          } else {
            expect(expectation.code).toBeUndefined();
          }
          return;
        }
        if ('denied' in expectation) {
          expect(response.status).toBe(403);
          expect(world.seen().length, 'a denied request is never forwarded').toBe(before);
          expect(referenceAllows(test, who, ids), 'the canonical form is denied too').toBe(false);
          if (test.method !== 'HEAD') {
            const error = JSON.parse(response.body).error;
            expect(error.code).toBe('more_permissions_required');
            expect(error.message).toContain(`'${expectation.denied}'`);
          }
          return;
        }
        expect(world.seen().length, 'forwarded once').toBe(before + 1);
        const seen = world.seen().at(-1)!;
        const path = withIds(test.target, ids).split('?')[0]!;
        const want = canonical(test, ids);
        if (expectation.forwarded.method !== undefined)
          expect(want.method).toBe(expectation.forwarded.method);
        if (expectation.forwarded.query !== undefined) expect(want.query).toBe(expectation.forwarded.query);
        if (expectation.forwarded.body !== undefined) expect(want.body).toBe(expectation.forwarded.body);
        expect([seen.method, seen.path, seen.query, seen.body]).toEqual([
          want.method,
          path,
          want.query,
          want.body,
        ]);
        expect(referenceAllows(test, who, ids), 'the canonical form is allowed too').toBe(true);
        if (seen.headers !== undefined) {
          expect(seen.headers['authorization']).toBe('Bearer sk_test_upstream');
          for (const name of [
            'stripe-context',
            'x-http-method-override',
            'x-http-method',
            'x-method-override',
            'transfer-encoding',
          ]) {
            expect(seen.headers[name]).toBeUndefined();
          }
        }
        if (test.reveals !== undefined && kind === 'emulator upstream') {
          expect(response.status).toBe(200);
          expect(response.body, 'the leak check can see an expanded object').toContain(
            `"object":"${test.reveals}"`,
          );
        }
      });
    }
  });
}

import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AppscopeError } from '../errors.js';
import { UpstreamError } from './errors.js';
import type { HttpUpstreamOptions } from './options.js';
import type { Downstream, Upstream, UpstreamJson, UpstreamRequest, UpstreamResponse } from './upstream.js';

/** Response headers that belong to one connection, never passed on (RFC 9110 §7.6.1). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Answers up to this size with a `Content-Length` are read whole and sent in one write. */
const BUFFERED_ANSWER_BYTES = 64 * 1024;

/** Largest upstream answer read whole (event lists, for filtering). */
const MAX_JSON_BYTES = 32 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

interface UpstreamKeys {
  readonly test: string | undefined;
  readonly live: string | undefined;
}

function configError(message: string): AppscopeError {
  return new AppscopeError('ERR_USAGE', `invalid gateway upstream: ${message}`);
}

function checkKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key === '' || /[\s\u0000-\u001f\u007f]/.test(key)) {
    throw configError(`${what} must be a non-empty key without spaces or control characters`);
  }
  return key;
}

/** One key per mode: a `…_test_…`/`…_live_…` key serves its mode only; any other key serves both. */
function upstreamKeys(secretKey: HttpUpstreamOptions['secretKey']): UpstreamKeys {
  if (typeof secretKey === 'string') {
    const key = checkKey(secretKey, '`secretKey`');
    const mode = /^[a-z]{2}_(test|live)_/.exec(key)?.[1];
    return { test: mode === 'live' ? undefined : key, live: mode === 'test' ? undefined : key };
  }
  if (typeof secretKey !== 'object' || secretKey === null) throw configError('`secretKey` is required');
  const test = secretKey.test === undefined ? undefined : checkKey(secretKey.test, '`secretKey.test`');
  const live = secretKey.live === undefined ? undefined : checkKey(secretKey.live, '`secretKey.live`');
  if (test === undefined && live === undefined) throw configError('`secretKey` needs a `test` or `live` key');
  return { test, live };
}

/**
 * A Stripe-compatible API over HTTP(S) as the upstream. Each forwarded request carries the
 * canonical method, path, query and body, the whitelisted headers, the upstream key (`Bearer`)
 * and, for a multi-account upstream, `Stripe-Account`. Answers stream back; hop-by-hop headers
 * are dropped and the upstream's `Request-Id` is passed on as `Upstream-Request-Id`. Connections
 * are kept alive and reused. An upstream that refuses or resets the connection is an
 * `UpstreamError('unavailable')`; one that is silent for `timeoutMs` an `UpstreamError('timeout')`.
 * The key is never logged or echoed.
 * @example
 * const upstream = httpUpstream({ kind: 'http', url: 'https://api.stripe.com', secretKey: process.env.STRIPE_SECRET_KEY!, timeoutMs: 10_000 });
 */
export function httpUpstream(options: HttpUpstreamOptions): Upstream {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw configError(`\`url\` is not a URL: \`${String(options.url)}\``);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw configError(`\`url\` must be http or https, not \`${base.protocol}\``);
  }
  if (base.username !== '' || base.password !== '' || base.search !== '' || base.hash !== '') {
    throw configError('`url` must not carry credentials, a query or a fragment');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw configError('`timeoutMs` must be a positive integer');
  const keys = upstreamKeys(options.secretKey);
  const multiAccount = options.multiAccount === true;
  const secure = base.protocol === 'https:';
  const transport = secure ? https : http;
  // The time limit is the sockets' idle timeout, set once per connection: a connection silent
  // for `timeoutMs` (connecting, waiting for the answer, or in the middle of it) times out, and
  // an idle pooled one is closed. No timer is armed per request.
  const agentOptions = { keepAlive: true, maxSockets: 256, timeout: timeoutMs };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const prefix = base.pathname.endsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
  const hostname = base.hostname.startsWith('[') ? base.hostname.slice(1, -1) : base.hostname;
  const port = base.port === '' ? (secure ? 443 : 80) : Number(base.port);
  const host = base.host;

  function send(request: UpstreamRequest, downstream?: Downstream): Promise<UpstreamResponse> {
    const key = request.livemode ? keys.live : keys.test;
    if (key === undefined) return Promise.reject(new UpstreamError('unavailable'));
    // Headers as a flat list (the `rawHeaders` form): node:http writes them as they are, after
    // checking each once, without building its own header map for every request.
    const headers: string[] = ['host', host, 'authorization', `Bearer ${key}`];
    if (multiAccount) headers.push('stripe-account', request.account);
    if (request.body !== undefined) headers.push('content-length', String(request.body.length));
    for (const name in request.headers) headers.push(name, request.headers[name]!);
    return new Promise((resolve, reject) => {
      const outgoing = transport.request({
        agent,
        hostname,
        port,
        method: request.method,
        path: `${prefix}${request.path}${request.query === '' ? '' : `?${request.query}`}`,
        headers,
      }) as Tagged<http.ClientRequest>;
      const exchange = new Exchange(resolve, reject, outgoing, downstream);
      outgoing[EXCHANGE] = exchange;
      outgoing.once('response', onResponse);
      outgoing.once('timeout', onTimeout);
      outgoing.on('error', onOutgoingError);
      if (downstream !== undefined) {
        (downstream as Tagged<Downstream>)[EXCHANGE] = exchange;
        downstream.once('close', onDownstreamClose);
      }
      outgoing.end(request.body);
    });
  }

  return {
    kind: 'http',
    timeoutMs,
    send,
    async json(request): Promise<UpstreamJson> {
      const response = await send(request);
      const text =
        response.body instanceof Buffer
          ? response.body.toString('utf8')
          : await readAll(response.body as IncomingMessage);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new UpstreamError('unavailable', { cause: error });
      }
      return { status: response.status, headers: response.headers, body };
    },
    serves: (livemode) => (livemode ? keys.live : keys.test) !== undefined,
    close: async () => {
      agent.destroy();
    },
  };
}

/**
 * One forwarded call in flight. The listeners below are shared functions that find their
 * exchange on the emitter (`EXCHANGE`), not closures made for every request.
 */
class Exchange {
  settled = false;
  /** Why the exchange was cut short by us (a time limit, the caller leaving), if it was. */
  cut: UpstreamError | undefined;
  status = 0;
  /** The answer's headers to pass on, as a flat `[name, value, …]` list (a whole answer). */
  headerList: string[] = [];
  readonly chunks: Buffer[] = [];

  constructor(
    readonly resolve: (response: UpstreamResponse) => void,
    readonly reject: (error: UpstreamError) => void,
    readonly outgoing: http.ClientRequest,
    readonly downstream: Downstream | undefined,
  ) {}

  done(): void {
    this.settled = true;
    this.downstream?.removeListener('close', onDownstreamClose);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.done();
    this.reject(
      this.cut ??
        (error instanceof UpstreamError ? error : new UpstreamError('unavailable', { cause: error })),
    );
  }

  stop(reason: UpstreamError): void {
    this.cut ??= reason;
    this.outgoing.destroy(reason);
  }
}

const EXCHANGE = Symbol('appscope.exchange');
type Tagged<T> = T & { [EXCHANGE]?: Exchange };

function onResponse(this: Tagged<http.ClientRequest>, incoming: IncomingMessage): void {
  const exchange = this[EXCHANGE]!;
  exchange.status = incoming.statusCode ?? 502;
  const raw = incoming.rawHeaders;
  let length = Number.NaN;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 14 && raw[i]!.toLowerCase() === 'content-length') length = Number(raw[i + 1]);
  }
  if (!(length <= BUFFERED_ANSWER_BYTES)) {
    exchange.done();
    exchange.resolve({
      status: exchange.status,
      headers: headersObject(passRawHeaders(raw)),
      body: incoming,
    });
    return;
  }
  // A small answer of known length is read whole and sent in one write: cheaper than piping a
  // stream (listeners, backpressure, end-of-stream bookkeeping) per request. Its headers go on
  // as a list straight from the raw ones: node:http never builds a header object for it.
  exchange.headerList = passRawHeaders(raw);
  (incoming as Tagged<IncomingMessage>)[EXCHANGE] = exchange;
  incoming.on('data', onData);
  incoming.once('end', onEnd);
  // a body cut short (the upstream closed, or `stop`) ends in an `aborted` error
  incoming.once('error', onIncomingError);
}

function onData(this: Tagged<IncomingMessage>, chunk: Buffer): void {
  this[EXCHANGE]!.chunks.push(chunk);
}

function onEnd(this: Tagged<IncomingMessage>): void {
  const exchange = this[EXCHANGE]!;
  if (exchange.settled) return;
  exchange.done();
  const chunks = exchange.chunks;
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  exchange.resolve(new WholeAnswer(exchange.status, exchange.headerList, body));
}

/** A whole (small) answer: its headers as a list, and as an object only when someone asks. */
class WholeAnswer implements UpstreamResponse {
  #headers: Record<string, string | string[]> | undefined;

  constructor(
    readonly status: number,
    readonly headerList: string[],
    readonly body: Buffer,
  ) {}

  get headers(): Readonly<Record<string, string | string[]>> {
    this.#headers ??= headersObject(this.headerList);
    return this.#headers;
  }
}

function onIncomingError(this: Tagged<IncomingMessage>, error: Error): void {
  this[EXCHANGE]!.fail(error);
}

function onOutgoingError(this: Tagged<http.ClientRequest>, error: Error): void {
  this[EXCHANGE]!.fail(error);
}

function onTimeout(this: Tagged<http.ClientRequest>): void {
  this[EXCHANGE]!.stop(new UpstreamError('timeout'));
}

function onDownstreamClose(this: Tagged<Downstream>): void {
  this[EXCHANGE]?.stop(new UpstreamError('unavailable'));
}

/** A `[name, value, …]` list as an object; a repeated name gets an array of its values. */
function headersObject(list: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    const value = list[i + 1]!;
    const known = out[name];
    if (known === undefined) out[name] = value;
    else out[name] = Array.isArray(known) ? [...known, value] : [known, value];
  }
  return out;
}

/**
 * The answer headers to pass on, from the raw ones, as a flat `[name, value, …]` list with
 * lower-case names: hop-by-hop headers and those a `Connection` header names are dropped (RFC
 * 9110 §7.6.1; `keep-alive` and `close` name none but themselves), and the upstream's
 * `Request-Id` becomes `Upstream-Request-Id`.
 */
function passRawHeaders(raw: readonly string[]): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 10 || raw[i]!.toLowerCase() !== 'connection') continue;
    const connection = raw[i + 1]!.toLowerCase();
    if (connection === 'keep-alive' || connection === 'close') continue;
    named ??= new Set();
    for (const token of connection.split(',')) named.add(token.trim());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || named?.has(name) === true) continue;
    out.push(name === 'request-id' ? 'upstream-request-id' : name, raw[i + 1]!);
  }
  return out;
}

async function readAll(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > MAX_JSON_BYTES) {
        stream.destroy();
        throw new UpstreamError('unavailable');
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw error instanceof UpstreamError ? error : new UpstreamError('unavailable', { cause: error });
  }
  return Buffer.concat(chunks).toString('utf8');
}

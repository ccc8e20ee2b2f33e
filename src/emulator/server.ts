import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { newRequestId } from '../http/request-id.js';
import { type ApiError, invalidRequest } from '../http/stripe-error.js';
import { createEmulator, type Emulator } from './emulator.js';
import { authenticateStandalone } from './standalone-auth.js';

/** Options for {@link startEmulatorServer}. */
export interface EmulatorServerOptions {
  /** Port to listen on; 0 (the default) lets the OS choose. */
  readonly port?: number;
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** The emulator to serve (default: a new one with in-memory storage). */
  readonly emulator?: Emulator;
  /** Largest accepted request body in bytes (default 1 MiB); larger ones get a 413. */
  readonly maxBodyBytes?: number;
}

/** A running standalone emulator. */
export interface EmulatorServer {
  /** `http://host:port`, ready for `new Stripe(key, {host, port, protocol: 'http'})`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly emulator: Emulator;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The API version the server reports when the client sends none. */
const DEFAULT_STRIPE_VERSION = '2022-04-12';

/**
 * Starts the emulator as a standalone HTTP server on fastify (measured against plain
 * node:http, which was not faster; numbers in docs/emulator.md). Any
 * `sk_test_…`/`sk_live_…` key is accepted (see `authenticateStandalone`): the mode comes
 * from the key, the account from `Stripe-Account` or the key. Every response, errors
 * included, carries a `Request-Id`. For an emulator in stripe-mock mode it also accepts
 * `rk_test_…` keys, sends `Stripe-Mock-Version` on every response and echoes `Idempotency-Key`.
 * @example
 * const server = await startEmulatorServer({ port: 0 });
 * const stripe = new Stripe('sk_test_123', { host: '127.0.0.1', port: server.port, protocol: 'http' });
 * await stripe.customers.create({ email: 'a@example.com' });
 * await server.close();
 */
export async function startEmulatorServer(options: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  const emulator = options.emulator ?? createEmulator();
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  const app = Fastify({
    logger: false,
    bodyLimit: maxBodyBytes,
    genReqId: () => newRequestId(),
    requestIdHeader: false,
    forceCloseConnections: true,
    return503OnClosing: false,
    keepAliveTimeout: 5_000,
    connectionTimeout: 30_000,
    frameworkErrors: (error, request, reply) => {
      sendError(
        reply,
        invalidRequest(`The request could not be read: ${error.message}`, { code: 'request_malformed' }),
        request,
      );
    },
  });
  app.removeAllContentTypeParsers();
  // Bytes, read as text by type: a multipart upload stays binary (latin1), anything else is UTF-8.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    const multipart = /^\s*multipart\//i.test(header(request, 'content-type') ?? '');
    done(null, bytes.toString(multipart ? 'latin1' : 'utf8'));
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    const message =
      status === 413
        ? `The request body is larger than ${maxBodyBytes} bytes.`
        : 'The request could not be read.';
    sendError(
      reply,
      invalidRequest(message, {
        status: status >= 500 ? 400 : status,
        code: status === 413 ? 'request_too_large' : 'request_malformed',
      }),
      request,
    );
  });

  // stripe-mock mode: restricted keys too, and stripe-mock's headers on every answer.
  const stripeMock = emulator.stripeMock === true;
  if (stripeMock) {
    app.addHook('onSend', async (request, reply) => {
      // Suites check that they reach stripe-mock by this header (a HEAD request without a key),
      // and accept `master`, the version a stripe-mock built from source reports, as any version.
      reply.header('stripe-mock-version', 'master');
      const key = header(request, 'idempotency-key');
      if (key !== undefined) reply.header('idempotency-key', key);
    });
  }

  app.all('/*', async (request, reply) => {
    const auth = authenticateStandalone(header(request, 'authorization'), header(request, 'stripe-account'), {
      restrictedKeys: stripeMock,
    });
    if (!auth.ok) {
      sendError(reply, auth.error, request);
      return reply;
    }
    const refused = unreadableBody(request);
    if (refused !== undefined) {
      sendError(reply, refused, request);
      return reply;
    }
    const url = request.url;
    const q = url.indexOf('?');
    const idempotencyKey = header(request, 'idempotency-key');
    const contentType = header(request, 'content-type');
    const response = await emulator.handle({
      method: request.method,
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      body: typeof request.body === 'string' ? request.body : '',
      ...(contentType === undefined ? {} : { contentType }),
      account: auth.scope.account,
      livemode: auth.scope.livemode,
      requestId: request.id,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
    send(reply, request, response.status, response.body, response.headers);
    return reply;
  });

  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the emulator server has no TCP address');
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    emulator,
    close: () => app.close(),
  };
}

/**
 * Bodies the emulator cannot read one way only: JSON (Stripe takes form bodies), and a
 * body on a GET, which fastify does not read and which must not be silently dropped.
 */
function unreadableBody(request: FastifyRequest): ApiError | undefined {
  const type = header(request, 'content-type') ?? '';
  if (/^application\/json\b/i.test(type)) {
    return invalidRequest(
      'Request bodies must be application/x-www-form-urlencoded (as Stripe takes them), not JSON.',
      { code: 'request_malformed' },
    );
  }
  if (typeof request.body !== 'string') {
    const length = Number(header(request, 'content-length') ?? '0');
    if (length > 0 || header(request, 'transfer-encoding') !== undefined) {
      return invalidRequest(
        `${request.method} requests take their parameters in the query string, not the request body.`,
        { code: 'parameter_misplaced' },
      );
    }
  }
  return undefined;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendError(reply: FastifyReply, error: ApiError, request: FastifyRequest): void {
  send(reply, request, error.status, error.toJSON(), error.headers);
}

function send(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> | undefined,
): void {
  const raw = Buffer.isBuffer(body);
  reply
    .code(status)
    .headers({
      ...headers,
      'content-type': raw ? (headers?.['content-type'] ?? 'application/octet-stream') : 'application/json',
      'request-id': headers?.['request-id'] ?? request.id,
      'stripe-version': header(request, 'stripe-version') ?? DEFAULT_STRIPE_VERSION,
    })
    .send(raw ? body : JSON.stringify(body));
}

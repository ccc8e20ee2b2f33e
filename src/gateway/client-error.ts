import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { newRequestId } from '../http/request-id.js';

/** What Node's HTTP parser says about a request it refused (`clientError`). */
export interface ClientError extends Error {
  readonly code?: string;
  readonly reason?: string;
}

/**
 * Answers a request Node's HTTP parser refused before any route saw it — `Content-Length`
 * with `Transfer-Encoding`, repeated or differing `Content-Length`s, a coding after `chunked`,
 * control characters or non-ASCII bytes in the request line, bare LF line ends, obs-fold,
 * lower-case methods, oversized headers, a slow client — Stripe-shaped, with a `Request-Id`,
 * and closes the connection (what follows on it cannot be framed). For fastify's
 * `clientErrorHandler`.
 * @example
 * Fastify({ clientErrorHandler: answerClientError });
 */
export function answerClientError(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  const status =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const detail =
    status === 408
      ? 'The request was not received in time.'
      : status === 431
        ? 'The request headers are too large.'
        : `The request could not be parsed as HTTP/1.1${typeof error.reason === 'string' && error.reason !== '' ? ` (${error.reason.replace(/[^\x20-\x7e]/g, '?')})` : ''}.`;
  const body = JSON.stringify({
    error: { type: 'invalid_request_error', code: 'request_malformed', message: detail },
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nRequest-Id: ${newRequestId()}\r\n\r\n${body}`,
  );
}

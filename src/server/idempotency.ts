import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../domain/actor.js';
import { redactSecrets } from '../domain/redact-secrets.js';
import { ApiError } from '../http/stripe-error.js';
import type { ServerContext } from './app.js';
import { toApiError } from './errors.js';

/** How long a key is remembered: Stripe's 24 hours. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const MAX_KEY_LENGTH = 255;

/**
 * Runs a POST handler honouring `Idempotency-Key`, like Stripe: the first request with a key
 * runs and its answer (success or 4xx) is stored; a retry with the same key and the same
 * request gets that answer again (`Idempotent-Replayed: true`) without running twice; the same
 * key with a different request is refused with `idempotency_error`. Concurrent requests with
 * one key wait for each other. Keys are scoped to the caller's account and mode.
 *
 * No secret is kept: the stored answer goes through {@link redactSecrets} (a created key's
 * `secret` becomes `null` with `secret_redacted: true`, so a replay returns the key without
 * it), and the request is kept only as a SHA-256 fingerprint of its method, URL and body.
 */
export async function withIdempotency(
  context: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  actor: Actor,
  run: () => Promise<unknown>,
): Promise<unknown> {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return run();
  const key = Array.isArray(header) ? (header[0] ?? '') : header;
  if (key === '' || key.length > MAX_KEY_LENGTH) {
    throw new ApiError(400, {
      type: 'invalid_request_error',
      code: 'idempotency_key_invalid',
      message: `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters long.`,
    });
  }
  const scope =
    actor.type === 'account_key' ? `${actor.account}:${actor.livemode ? 'live' : 'test'}` : 'operator';
  const fingerprint = requestFingerprint(request);
  const lockKey = `${scope}\n${key}`;
  const previous = locks.get(lockKey);
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  locks.set(lockKey, mine);
  try {
    if (previous !== undefined) await previous;
    const { store } = context.domain;
    const now = Math.floor(context.domain.clock() / 1000);
    const saved = await store.transaction(
      (tx) => tx.getIdempotencyRecord(scope, key, now - IDEMPOTENCY_TTL_SECONDS),
      {
        readOnly: true,
      },
    );
    if (saved !== undefined) {
      if (saved.fingerprint !== fingerprint) {
        throw new ApiError(400, {
          type: 'idempotency_error',
          message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        });
      }
      reply.header('idempotent-replayed', 'true').header('original-request', saved.request_id);
      reply.code(saved.status);
      return JSON.parse(saved.body) as unknown;
    }
    let status = 200;
    let body: unknown;
    try {
      body = await run();
    } catch (error) {
      const { apiError, unexpected } = toApiError(error, request.id);
      if (unexpected || apiError.status >= 500 || apiError.status === 401 || apiError.status === 429)
        throw error;
      status = apiError.status;
      body = apiError.toJSON();
      for (const [name, value] of Object.entries(apiError.headers)) reply.header(name, value);
    }
    await store.transaction((tx) =>
      tx.putIdempotencyRecord({
        scope,
        key,
        fingerprint,
        status,
        body: JSON.stringify(redactSecrets(body)),
        request_id: request.id,
        created: now,
      }),
    );
    reply.code(status);
    return body;
  } finally {
    release();
    if (locks.get(lockKey) === mine) locks.delete(lockKey);
  }
}

const locks = new Map<string, Promise<void>>();

/**
 * What the store keeps of a request to tell a retry from a different request: the hex SHA-256
 * of its method, URL and raw body, never the body itself.
 */
export function requestFingerprint(request: Pick<FastifyRequest, 'method' | 'url' | 'rawBody'>): string {
  return createHash('sha256')
    .update(`${request.method}\n${request.url}\n`)
    .update(request.rawBody ?? Buffer.alloc(0))
    .digest('hex');
}

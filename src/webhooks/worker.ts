import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Domain } from '../domain/context.js';
import type { DataKeyring } from '../domain/data-keys.js';
import type { WebhookUrlPolicy } from '../domain/webhook-urls.js';
import {
  type AttemptOutcome,
  claimWebhookDeliveries,
  endpointSecret,
  type RetrySchedule,
  recordWebhookAttempt,
  signPayload,
  WEBHOOK_RETRY_WINDOW_MS,
} from '../domain/webhooks.js';
import type { ClaimedWebhookDelivery } from '../store/store.js';
import { type Resolver, sendWebhook } from './sender.js';

/** Sends one delivery (injectable for tests; default {@link sendWebhook}). */
export type WebhookSend = (
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
) => Promise<AttemptOutcome>;

/** Where the worker reports (a pino logger fits). */
export interface WorkerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Options of {@link startWebhookWorker}. */
export interface WebhookWorkerOptions {
  readonly domain: Domain;
  /** The data keys the endpoints' signing secrets are sealed under. */
  readonly keys: DataKeyring;
  readonly policy: WebhookUrlPolicy;
  /** This worker's name in claims and attempts (default `host:pid:random`). */
  readonly workerId?: string;
  /** Deadline of one request (ms, default 10 s). */
  readonly timeoutMs?: number;
  /** How long a claim holds (ms, default twice the timeout plus 5 s): a crashed worker's claims are taken again after it. */
  readonly leaseMs?: number;
  /** How often the store is asked for due deliveries when idle (ms, default 1 s). */
  readonly pollMs?: number;
  /** Deliveries claimed and sent at once (default 10). */
  readonly batch?: number;
  /** The most deliveries of one endpoint in flight from this worker at once (default 5, at most `batch`). */
  readonly perEndpoint?: number;
  /** First retry delay (ms, default 1 minute); doubles per failure. */
  readonly retryBaseMs?: number;
  /** Longest delay between retries (ms, default 6 hours). */
  readonly retryCapMs?: number;
  /** How long a delivery is retried (ms, default three days). */
  readonly retryWindowMs?: number;
  /** Jitter source in [0, 1) (default `Math.random`; seed it in tests). */
  readonly random?: () => number;
  /** Time in ms (default the domain's clock). */
  readonly clock?: () => number;
  readonly send?: WebhookSend;
  /** The resolver the default sender uses (tests map names to addresses). */
  readonly resolve?: Resolver;
  readonly log?: WorkerLog;
  /** Start polling at once (default true); false: only {@link WebhookWorker.runOnce}. */
  readonly poll?: boolean;
}

/** A running delivery worker. */
export interface WebhookWorker {
  readonly id: string;
  /** Claims and sends what is due now; resolves with how many deliveries it attempted. */
  runOnce(): Promise<number>;
  /**
   * Stops polling and waits up to `graceMs` for attempts in flight; those still running are
   * then abandoned (their claims run out and another worker sends them again).
   */
  stop(graceMs?: number): Promise<void>;
}

const SILENT: WorkerLog = { info() {}, warn() {}, error() {} };

/**
 * Starts the webhook delivery worker: it claims due deliveries from the store (one worker per
 * delivery, also across processes), signs each event body with its endpoint's secret
 * (`Stripe-Signature`), POSTs it through the SSRF guard, and records the attempt, scheduling
 * retries with exponential backoff and jitter for up to three days.
 * @example
 * const worker = startWebhookWorker({ domain, keys, policy: { allowHosts: ['hooks.example.com'] } });
 * await worker.stop();
 */
export function startWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? 2 * timeoutMs + 5000;
  const pollMs = options.pollMs ?? 1000;
  const batch = options.batch ?? 10;
  const perEndpoint = Math.min(batch, options.perEndpoint ?? 5);
  const clock = options.clock ?? options.domain.clock;
  const log = options.log ?? SILENT;
  const schedule: RetrySchedule = {
    baseMs: options.retryBaseMs ?? 60_000,
    capMs: options.retryCapMs ?? 6 * 60 * 60 * 1000,
    windowMs: options.retryWindowMs ?? WEBHOOK_RETRY_WINDOW_MS,
    random: options.random ?? Math.random,
  };
  const send: WebhookSend =
    options.send ??
    ((url, body, headers, signal) =>
      sendWebhook(
        url,
        body,
        headers,
        {
          policy: options.policy,
          timeoutMs,
          ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
        },
        signal,
      ));
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per attempt in flight (up to `batch`)
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<number> | undefined;

  const attempt = async (claimed: ClaimedWebhookDelivery): Promise<void> => {
    const at = clock();
    let outcome: AttemptOutcome;
    try {
      const secret = endpointSecret(claimed.endpoint, options.keys);
      const { header } = signPayload(claimed.body, secret, Math.floor(at / 1000));
      outcome = await send(claimed.endpoint.url, claimed.body, { 'Stripe-Signature': header }, abort.signal);
    } catch (error) {
      outcome = {
        ok: false,
        httpStatus: null,
        durationMs: 0,
        error: (error as Error).message,
        response: null,
      };
    }
    if (abort.signal.aborted && !outcome.ok) return; // abandoned at shutdown: the lease runs out, another worker retries
    const result = await recordWebhookAttempt(options.domain, {
      worker: id,
      delivery: claimed.delivery.id,
      at,
      outcome,
      schedule,
    });
    const fields = {
      delivery: claimed.delivery.id,
      endpoint: claimed.endpoint.id,
      event: claimed.delivery.event_id,
      attempt: claimed.delivery.attempts + 1,
      httpStatus: outcome.httpStatus,
      durationMs: Math.round(outcome.durationMs),
    };
    if (!result.recorded) {
      log.warn(
        fields,
        'webhook: the attempt was not recorded: the delivery was deleted with its endpoint, or its claim ran out and another worker took it',
      );
    } else if (outcome.ok) {
      log.info(fields, 'webhook delivered');
    } else {
      log.warn(
        { ...fields, error: outcome.error, status: result.status, nextAttemptAt: result.nextAttemptAt },
        'webhook attempt failed',
      );
    }
  };

  const runOnce = async (): Promise<number> => {
    const now = clock();
    const claimed = await claimWebhookDeliveries(options.domain, {
      worker: id,
      now,
      claimedUntil: now + leaseMs,
      limit: batch,
      perEndpoint,
    });
    await Promise.all(
      claimed.map((one) =>
        attempt(one).catch((error: unknown) =>
          log.error(
            { err: error, delivery: one.delivery.id },
            'webhook: recording an attempt failed; it will be retried after its claim runs out',
          ),
        ),
      ),
    );
    return claimed.length;
  };

  const loop = (): void => {
    if (stopped) return;
    round = runOnce();
    round.then(
      (count) => {
        round = undefined;
        if (stopped) return;
        timer = setTimeout(loop, count > 0 ? 0 : pollMs); // more may be due at once
      },
      (error: unknown) => {
        round = undefined;
        log.error({ err: error }, 'webhook: claiming deliveries failed; will retry');
        if (!stopped) timer = setTimeout(loop, pollMs);
      },
    );
  };
  if (options.poll !== false) timer = setTimeout(loop, 0);

  return {
    id,
    runOnce,
    async stop(graceMs = 5000) {
      stopped = true;
      clearTimeout(timer);
      const current = round;
      if (current === undefined) return;
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        current.catch(() => 0),
        new Promise<void>((resolve) => {
          grace = setTimeout(() => {
            abort.abort();
            resolve();
          }, graceMs);
        }),
      ]);
      clearTimeout(grace);
      abort.abort();
      await current.catch(() => 0);
    },
  };
}

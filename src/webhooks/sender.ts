import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostAllowance, hostOf, isPublicAddress, type WebhookUrlPolicy } from '../domain/webhook-urls.js';
import type { AttemptOutcome } from '../domain/webhooks.js';

/** One resolved address. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to its addresses (default: the system resolver, `dns.lookup`). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Options of {@link sendWebhook}. */
export interface SendOptions {
  readonly policy: WebhookUrlPolicy;
  /** The whole request, connecting to reading the response (ms). */
  readonly timeoutMs: number;
  /** The most response bytes read (the rest is discarded unread); default 2 KiB. */
  readonly maxResponseBytes?: number;
  /** How much of the response is kept as the attempt's excerpt (characters); default 300. */
  readonly excerptChars?: number;
  readonly resolve?: Resolver;
  readonly userAgent?: string;
}

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses);
    });
  });

/** A refusal by the SSRF guard (no connection was made). */
export class WebhookAddressError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS';
}

/**
 * The `lookup` the outgoing connection uses: every address the name resolves to must be
 * public (unless the policy allows private ones). Checked when connecting, so a name that
 * resolved to a public address at registration and to a private one now (DNS rebinding) is
 * refused.
 */
function guardedLookup(policy: WebhookUrlPolicy, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = typeof options.family === 'number' ? options.family : 0;
        const addresses = found.filter((a) => family === 0 || a.family === family);
        const blocked = addresses.find((a) => !isPublicAddress(a.address));
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`\`${hostname}\` has no address`), { code: 'ENOTFOUND' }), '', 4);
        } else if (blocked !== undefined && policy.allowPrivate !== true) {
          callback(
            new WebhookAddressError(
              `\`${hostname}\` resolves to ${blocked.address}, which is not a public address (appscope serve --webhook-allow-private allows it)`,
            ),
            '',
            4,
          );
        } else if (options.all === true) {
          (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [...addresses]);
        } else {
          callback(null, addresses[0]!.address, addresses[0]!.family);
        }
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 4),
    );
  };
}

/**
 * POSTs one signed event to a webhook URL, guarded against SSRF: the host must still be
 * allowed, an IP literal or every resolved address must be public (unless allowed), no
 * redirect is followed (a 3xx is a failed attempt), the whole request has a deadline, and only
 * the first `maxResponseBytes` of the response are read. Never throws: the outcome says what
 * happened.
 * @example
 * const outcome = await sendWebhook(url, body, { 'Stripe-Signature': header }, { policy, timeoutMs: 10_000 });
 */
export function sendWebhook(
  target: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  options: SendOptions,
  signal?: AbortSignal,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const fail = (
    error: string,
    httpStatus: number | null = null,
    response: string | null = null,
  ): AttemptOutcome => ({
    ok: false,
    httpStatus,
    durationMs: performance.now() - started,
    error,
    response,
  });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.resolve(fail(`\`${target}\` is not a URL`));
  }
  const host = hostOf(url);
  if (hostAllowance(options.policy, host) === undefined) {
    return Promise.resolve(
      fail(`\`${host}\` is no longer an allowed webhook host (appscope serve --webhook-allow-host)`),
    );
  }
  if (isIP(host) !== 0 && options.policy.allowPrivate !== true && !isPublicAddress(host)) {
    return Promise.resolve(
      fail(`\`${host}\` is not a public address (appscope serve --webhook-allow-private allows it)`),
    );
  }
  const maxBytes = options.maxResponseBytes ?? 2048;
  const excerptChars = options.excerptChars ?? 300;
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (transport === undefined) return Promise.resolve(fail(`\`${url.protocol}\` is not http or https`));
  const payload = Buffer.from(body, 'utf8');

  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const request = transport.request(url, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(options.policy, options.resolve ?? systemResolver),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(payload.length),
        'user-agent': options.userAgent ?? 'appscope-webhooks',
        accept: '*/*; q=0.5, application/json',
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const onAbort = (): void => {
      request.destroy(new Error('stopped: the worker is shutting down'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted === true) onAbort();
    request.on('error', (error) => settle(fail(error.message)));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const finish = (): void => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, excerptChars);
        const excerpt = text === '' ? null : text;
        if (status >= 200 && status < 300) {
          settle({
            ok: true,
            httpStatus: status,
            durationMs: performance.now() - started,
            error: null,
            response: excerpt,
          });
        } else {
          const why =
            status >= 300 && status < 400
              ? `the receiver answered ${status} (a redirect): webhooks do not follow redirects`
              : `the receiver answered ${status}`;
          settle(fail(why, status, excerpt));
        }
      };
      response.on('data', (chunk: Buffer) => {
        if (bytes >= maxBytes) return;
        const room = maxBytes - bytes;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        bytes += Math.min(chunk.length, room);
        if (bytes >= maxBytes) {
          finish();
          response.destroy();
        }
      });
      response.on('end', finish);
      response.on('error', () => finish());
      response.on('close', finish);
    });
    request.end(payload);
  });
}

import type { Readable } from 'node:stream';
import type { ParamObject } from '../core/params/params.js';
import type { HttpMethod } from '../core/routes/format.js';

/** The request the gateway decided on, exactly as it is forwarded. */
export interface UpstreamRequest {
  /** The canonical method (`HEAD` is forwarded as `GET`). */
  readonly method: HttpMethod;
  /** The canonical path, as received (the gateway refuses any other spelling). */
  readonly path: string;
  /** The canonical query string without `?` (`''` when none): GET and DELETE parameters. */
  readonly query: string;
  /** The canonical body of a POST, PUT or PATCH (its `content-type` is in `headers`); never one for GET or DELETE. */
  readonly body: Buffer | undefined;
  /** The parameters that `query` or `body` serializes: the structure that was decided on. */
  readonly params: ParamObject;
  /** Forwarded request headers (lower-case names, from the whitelist only; `content-type` is the canonical body's). */
  readonly headers: Readonly<Record<string, string>>;
  /** The account whose data the call reaches (the install's, or the account key's own). */
  readonly account: string;
  readonly livemode: boolean;
  /** The gateway's request id (`req_…`). */
  readonly requestId: string;
}

/** An upstream answer: status, headers (lower-case, hop-by-hop removed) and a body. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** JSON text (in process), the whole answer (a small HTTP one), or the response stream. */
  readonly body: string | Buffer | Readable;
  /**
   * With a whole answer from an HTTP upstream: the same headers as a flat `[name, value, …]`
   * list, which can be written as it is (and is the caller's to extend).
   */
  readonly headerList?: string[];
}

/** An upstream answer read as JSON (for event filtering). */
export interface UpstreamJson {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: unknown;
}

/**
 * The caller's side of a forwarded call (the gateway passes its `ServerResponse`): when it
 * closes before the upstream has answered, the caller has gone and the upstream call is given
 * up. A plain listener, not an `AbortSignal`: on Node 20 an `AbortController` and its
 * `EventTarget` listener per request showed up in profiles of the forwarding path.
 */
export interface Downstream {
  once(event: 'close', listener: () => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
}

/**
 * Where allowed requests go. `send` streams; `json` reads the whole answer. Both throw an
 * `UpstreamError` (`unavailable` or `timeout`) when the upstream cannot answer.
 */
export interface Upstream {
  readonly kind: 'emulator' | 'http';
  /** Forwards `request`; gives up (`unavailable`) if `downstream` closes before the answer. */
  send(request: UpstreamRequest, downstream?: Downstream): Promise<UpstreamResponse>;
  json(request: UpstreamRequest): Promise<UpstreamJson>;
  /** Whether this upstream serves live (`true`) or test (`false`) requests; the others get a 403. */
  serves(livemode: boolean): boolean;
  /** The upstream's time limit, for the 504 message. */
  readonly timeoutMs: number;
  close(): Promise<void>;
}

/** Request headers forwarded upstream; everything else (credentials, `Stripe-Account`, hop-by-hop) is dropped. */
export const FORWARDED_REQUEST_HEADERS: readonly string[] = Object.freeze([
  'accept',
  'accept-language',
  'idempotency-key',
  'stripe-version',
  'user-agent',
  'x-stripe-client-user-agent',
]);

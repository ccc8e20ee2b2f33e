import type { Emulator } from '../emulator/emulator.js';
import type { AuthThrottleOptions } from './auth-throttle.js';

/**
 * The built-in emulator, called in process (no HTTP hop): the default upstream. Data is kept
 * per account and mode, exactly as the gateway names them.
 */
export interface EmulatorUpstreamOptions {
  readonly kind: 'emulator';
  /** The emulator to call (default: a new one with in-memory storage). */
  readonly emulator?: Emulator;
}

/**
 * A Stripe-compatible API over HTTP: the real Stripe API, the standalone emulator, or a
 * platform's own API. appscope holds the upstream key; callers never see it.
 */
export interface HttpUpstreamOptions {
  readonly kind: 'http';
  /** Base URL, e.g. `https://api.stripe.com` (a path prefix is kept: `http://host/prefix`). */
  readonly url: string;
  /**
   * The upstream's secret key (from the environment; never logged). One key serves the mode
   * its prefix says (`sk_test_…`, `rk_live_…`) or, without such a prefix, both; or one key per mode.
   */
  readonly secretKey: string | { readonly test?: string; readonly live?: string };
  /**
   * True when one upstream key reaches many accounts (a Stripe platform with Connect, or the
   * standalone emulator): the gateway sends `Stripe-Account: <the install's account>`. False
   * (default): the upstream key is the account.
   */
  readonly multiAccount?: boolean;
  /** Time allowed for the upstream to answer, and to stay idle while streaming, in ms (default 30 s). */
  readonly timeoutMs?: number;
}

/** Where allowed requests go. */
export type GatewayUpstreamOptions = EmulatorUpstreamOptions | HttpUpstreamOptions;

/** Request-target limits; a request past one is refused, never truncated. */
export interface GatewayLimits {
  /** Longest path, in bytes (default 2048). */
  readonly pathBytes: number;
  /** Longest query string, in bytes (default 8192). */
  readonly queryBytes: number;
}

/** 2 KiB of path and 8 KiB of query: far above what the SDKs send, far below Node's 16 KiB header limit. */
export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = Object.freeze({ pathBytes: 2048, queryBytes: 8192 });

/**
 * Options of {@link registerGateway}: the upstream, and optionally tighter or looser
 * request-target limits (body size and timeouts are the server's `limits`).
 * @example
 * const options: GatewayOptions = { kind: 'http', url: 'https://api.stripe.com', secretKey: process.env.STRIPE_SECRET_KEY!, timeoutMs: 10_000 };
 */
export type GatewayOptions = GatewayUpstreamOptions & {
  readonly limits?: Partial<GatewayLimits>;
  /**
   * Blocks an address that fails authentication too often (429 with `Retry-After`): by default
   * 20 failures in 60 s block it for 60 s; `false` turns the throttle off.
   */
  readonly throttle?: AuthThrottleOptions | false;
};

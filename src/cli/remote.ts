import type { Issue } from '../core/issues.js';
import { AppscopeError, type ErrorCode } from '../errors.js';
import { STRIPE_CODE } from '../server/errors.js';
import type { CliIo } from './io.js';

/** Options of the commands that can act on a remote appscope server instead of the local store. */
export interface RemoteOptions {
  readonly url?: string;
  readonly apiKey?: string;
}

/** How long one request may take before the command gives up. */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * A client for a remote appscope server's apps API, authenticated with an account's secret
 * key. Every failure becomes an `AppscopeError`: the server's Stripe-shaped error keeps its
 * message (lowercased like the CLI's own) and its `issues`, so a remote upload fails with the
 * same lines a local one prints.
 */
export class RemoteApi {
  readonly #base: string;
  readonly #key: string;

  constructor(base: string, key: string) {
    this.#base = base.replace(/\/+$/, '');
    this.#key = key;
  }

  /** A GET with query parameters, or a POST with a form body; the parsed JSON answer. */
  async request(
    method: 'GET' | 'POST',
    path: string,
    params: Readonly<Record<string, string>> = {},
  ): Promise<Record<string, unknown>> {
    const form = new URLSearchParams(params).toString();
    const url = `${this.#base}${path}${method === 'GET' && form !== '' ? `?${form}` : ''}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#key}`,
          ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(method === 'POST' ? { body: form } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new AppscopeError('ERR_REMOTE', `cannot reach \`${this.#base}\`: ${reason}`, { cause: error });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppscopeError(
        'ERR_REMOTE',
        `\`${url}\` answered ${response.status} without a JSON object: is \`${this.#base}\` an appscope server?`,
      );
    }
    const error = (body as { error?: unknown }).error;
    if (!response.ok || error !== undefined) throw remoteError(response.status, error);
    return body as Record<string, unknown>;
  }

  /** Every object of a list, following `has_more` with `starting_after` (pages of 100). */
  async listAll<T>(path: string, cursor: (item: T) => string): Promise<T[]> {
    const all: T[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.request('GET', path, {
        limit: '100',
        ...(after === undefined ? {} : { starting_after: after }),
      });
      const data = page['data'] as T[];
      all.push(...data);
      if (page['has_more'] !== true || data.length === 0) return all;
      after = cursor(data.at(-1)!);
    }
  }
}

/**
 * The remote API to use, or undefined for the local store: `--url` selects it, the key comes
 * from `--api-key` or `APPSCOPE_API_KEY`. (`APPSCOPE_URL` is not read: the demo exports it for
 * curl, and a variable must not silently turn local commands into remote ones.)
 */
export function remoteApi(
  io: CliIo,
  options: RemoteOptions & { readonly account?: string },
): RemoteApi | undefined {
  if (options.url === undefined) {
    if (options.apiKey !== undefined) {
      throw new AppscopeError(
        'ERR_USAGE',
        '--api-key needs --url: the key is sent to a remote appscope server',
      );
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new AppscopeError(
      'ERR_USAGE',
      `--url: \`${options.url}\` is not a URL; use e.g. \`http://127.0.0.1:4242\``,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppscopeError('ERR_USAGE', `--url: \`${options.url}\` is not an http(s) URL`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new AppscopeError('ERR_USAGE', `--url: \`${options.url}\` must not have a query or fragment`);
  }
  if (options.account !== undefined) {
    throw new AppscopeError(
      'ERR_USAGE',
      '--account is for the local store: over --url the API key names the account',
    );
  }
  const key = options.apiKey ?? io.env['APPSCOPE_API_KEY'];
  if (key === undefined || key === '') {
    throw new AppscopeError(
      'ERR_USAGE',
      "pass the account's secret key (`sk_…`) with --api-key, or in APPSCOPE_API_KEY (keeps it out of shell history)",
    );
  }
  return new RemoteApi(url.href, key);
}

/** appscope's code for a Stripe `code` that stands for one code only. */
const APPSCOPE_CODE: ReadonlyMap<string, ErrorCode> = (() => {
  const byStripe = new Map<string, ErrorCode[]>();
  for (const [code, stripe] of Object.entries(STRIPE_CODE) as [ErrorCode, string][]) {
    byStripe.set(stripe, [...(byStripe.get(stripe) ?? []), code]);
  }
  return new Map(
    [...byStripe].filter(([, codes]) => codes.length === 1).map(([stripe, [code]]) => [stripe, code!]),
  );
})();

/** The server's Stripe-shaped error as the CLI reports it. */
function remoteError(status: number, error: unknown): AppscopeError {
  const body = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    param?: unknown;
    issues?: unknown;
    type?: unknown;
  };
  const stripeCode = typeof body.code === 'string' ? body.code : undefined;
  const raw = typeof body.message === 'string' && body.message !== '' ? body.message : `HTTP ${status}`;
  const message = raw[0]!.toLowerCase() + raw.slice(1);
  let code: ErrorCode = 'ERR_REMOTE';
  if (stripeCode === 'resource_already_exists') {
    code = body.param === 'manifest.id' ? 'ERR_APP_ID_TAKEN' : 'ERR_VERSION_EXISTS';
  } else if (stripeCode !== undefined && APPSCOPE_CODE.has(stripeCode)) {
    code = APPSCOPE_CODE.get(stripeCode)!;
  } else if (status === 401 || status === 403) {
    code = 'ERR_FORBIDDEN';
  }
  const issues = Array.isArray(body.issues) ? (body.issues as Issue[]) : [];
  return new AppscopeError(code, message, { issues });
}

import type { HttpMethod } from '../core/routes/format.js';
import type { Verdict } from './authorize.js';

/** An answer appscope gives itself: a status and a JSON body. */
export interface LocalAnswer {
  readonly status: number;
  /** Serialized as JSON. */
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Routes of the route table that appscope answers itself — the apps platform's own APIs, such
 * as the Secret Store — instead of forwarding them. They go through the one verdict like every
 * other call (route, requirement, decision, the decision log); only what happens after it
 * differs: a request the verdict lets through is answered by {@link LocalRoutes.answer}, never
 * sent upstream.
 * @example
 * registerGateway(app, { domain, routes, decisions, local: secretStoreRoutes(domain, keys) }, options);
 */
export interface LocalRoutes {
  /** Whether `METHOD route` (the matched route template) is answered here. */
  handles(method: HttpMethod, route: string): boolean;
  /**
   * The answer to a request the verdict let through (`allowed`, or `shadow_denied` in shadow
   * mode). Errors are answers too: it throws only for the unexpected (a plain 500 then).
   */
  answer(verdict: Verdict, requestId: string): Promise<LocalAnswer>;
}

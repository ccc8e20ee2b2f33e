import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Catalog } from '../core/catalog/catalog.js';
import type { RouteTable } from '../core/routes/route-table.js';
import { type DashboardOptions, registerDashboard } from '../dashboard/dashboard.js';
import type { Domain } from '../domain/context.js';
import type { DataKeyring } from '../domain/data-keys.js';
import type { WebhookUrlPolicy } from '../domain/webhook-urls.js';
import { answerClientError } from '../gateway/client-error.js';
import { type DecisionSink, NO_DECISIONS } from '../gateway/decision-record.js';
import { registerGateway } from '../gateway/gateway.js';
import type { GatewayOptions } from '../gateway/options.js';
import { newRequestId } from '../http/request-id.js';
import { ApiError } from '../http/stripe-error.js';
import { registerAppsApi } from './apps-api.js';
import { toApiError } from './errors.js';
import { type HealthOptions, registerHealth } from './health.js';
import { registerInstallApi } from './install-api.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { type OAuthApiOptions, registerOAuthApi } from './oauth-api.js';
import { recordRoutes, registerOpenApi } from './openapi/index.js';
import { secretStoreRoutes } from './secret-store-api.js';
import { registerWebhooksApi } from './webhooks-api.js';

/** Limits every request is held to; a request past one is refused, never truncated. */
export interface ServerLimits {
  /** Largest request body, in bytes (default 1 MiB). */
  readonly bodyBytes: number;
  /** Time allowed for a whole request, headers and body, in ms (default 30 s): slow clients time out. */
  readonly requestTimeoutMs: number;
  /** Time allowed for the request headers, in ms (default 10 s). */
  readonly headersTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  bodyBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
});

export interface ServerOptions {
  readonly domain: Domain;
  readonly routes: RouteTable;
  /** A pino logger for structured JSON logs, or false for none (tests). */
  readonly logger?: Logger | false;
  readonly limits?: Partial<ServerLimits>;
  /** Where gateway decisions go (the batched decision log in `serve`). */
  readonly decisions?: DecisionSink;
  /** Options of the web dashboard at `/dashboard` (cookies, sessions, sign-in limits). */
  readonly dashboard?: DashboardOptions;
  /** Serve the Stripe API under `/v1/` through the enforcement gateway, to this upstream. */
  readonly gateway?: GatewayOptions;
  /** Metrics served at `GET /metrics` (default: a fresh registry for this server). */
  readonly metrics?: GatewayMetrics;
  /**
   * The Secret Store's data keys (`appscope serve` loads or creates them). Without them the
   * gateway still authorizes Secret Store calls, and answers those it allows with a 503.
   */
  readonly secretKeys?: DataKeyring;
  /** `/healthz` and `/readyz` (the decision log to watch, the store probe's timeout). */
  readonly health?: HealthOptions;
  /** Where webhook endpoints may point (`serve --webhook-allow-host`); default: nowhere. */
  readonly webhookPolicy?: WebhookUrlPolicy;
  /**
   * Behind a reverse proxy (`serve --trust-proxy`): take the client's address, protocol and host
   * from `X-Forwarded-For`, `-Proto` and `-Host` (the OAuth issuer, `Secure` cookies, rate limits
   * per address). Off by default: those headers are then ignored.
   */
  readonly trustProxy?: boolean;
  /** The OAuth endpoints: the rate limiting of failed client authentication. */
  readonly oauth?: OAuthApiOptions;
}

/** What route plugins get: the domain, the compiled route table and the catalog. */
export interface ServerContext {
  readonly domain: Domain;
  readonly routes: RouteTable;
  readonly catalog: Catalog;
  readonly limits: ServerLimits;
  readonly decisions: DecisionSink;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The raw request body, exactly as received (undefined when there was none). */
    rawBody: Buffer | undefined;
  }
}

/**
 * Builds the appscope HTTP server: the Install API under `/v1/apps/…`. Every response carries
 * a `Request-Id`; every error is Stripe-shaped; bodies are kept as raw bytes so that what is
 * decided on is exactly what is forwarded.
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const limits: ServerLimits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
  const app: FastifyInstance = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    genReqId: () => newRequestId(),
    trustProxy: options.trustProxy === true,
    requestIdHeader: false,
    // No child logger per request (a measurable share of a gateway request): every line that
    // concerns a request names it itself (`requestId`).
    childLoggerFactory: (logger) => logger,
    // one request line is written by `serve` itself (with the decision); fastify's own are off
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.requestTimeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, request, reply) => {
      reply.header('request-id', request.id);
      sendError(reply, request, error);
    },
    routerOptions: {
      maxParamLength: 256,
      caseSensitive: true,
      ignoreTrailingSlash: false,
      ignoreDuplicateSlashes: false,
    },
  });
  app.server.headersTimeout = limits.headersTimeoutMs;
  recordRoutes(app); // for the test that checks the OpenAPI document against the routes

  // Bodies stay raw; each route reads them with the parser it needs (form, for the Stripe API).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.decorateRequest('rawBody', {
    getter(this: FastifyRequest): Buffer | undefined {
      return Buffer.isBuffer(this.body) ? this.body : undefined;
    },
  });

  // Callback style: an async hook costs a promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('request-id', request.id);
    done();
  });

  app.setErrorHandler(async (error, request, reply) => sendError(reply, request, error));
  app.setNotFoundHandler(async (request, reply) =>
    sendError(
      reply,
      request,
      new ApiError(404, {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${request.method}: ${request.url.split('?')[0]}).`,
      }),
    ),
  );

  const context: ServerContext = {
    domain: options.domain,
    routes: options.routes,
    catalog: options.domain.catalog,
    limits,
    decisions: options.decisions ?? NO_DECISIONS,
  };
  registerHealth(app, options.domain.store, options.health);
  registerInstallApi(app, context);
  registerAppsApi(app, context);
  registerOAuthApi(app, context, options.oauth);
  registerWebhooksApi(app, context, {
    ...(options.webhookPolicy === undefined ? {} : { policy: options.webhookPolicy }),
    ...(options.secretKeys === undefined ? {} : { keys: options.secretKeys }),
  });
  registerOpenApi(app);
  registerDashboard(app, context, {
    ...options.dashboard,
    webhooks: {
      ...(options.webhookPolicy === undefined ? {} : { policy: options.webhookPolicy }),
      ...(options.secretKeys === undefined ? {} : { keys: options.secretKeys }),
    },
  });
  if (options.gateway !== undefined) {
    const local = secretStoreRoutes(options.domain, {
      ...(options.secretKeys === undefined ? {} : { keys: options.secretKeys }),
      onError: (error, requestId) => app.log.error({ err: error, requestId }, 'secret store: request failed'),
    });
    registerGateway(app, { ...context, local }, options.gateway);
  }
  const metrics = options.metrics ?? createMetrics();
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
  return app;
}

/** Sends any error Stripe-shaped; unexpected ones are logged with the request id and become a plain 500. */
export function sendError(reply: FastifyReply, request: FastifyRequest, error: unknown): FastifyReply {
  const { apiError, unexpected } = toApiError(error, request.id);
  if (unexpected) request.log.error({ err: error, requestId: request.id }, 'unexpected error');
  for (const [name, value] of Object.entries(apiError.headers)) reply.header(name, value);
  return reply.code(apiError.status).type('application/json').send(apiError.toJSON());
}

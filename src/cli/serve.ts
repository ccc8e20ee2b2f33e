import { dirname, relative } from 'node:path';
import type { Command } from 'commander';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import pino from 'pino';
import { DecisionLog } from '../decision-log/decision-log.js';
import { type JsonLinesOutput, openJsonLines } from '../decision-log/json-lines.js';
import { DEFAULT_DECISION_LOG_MAX_BYTES, DecisionLogRetention } from '../decision-log/retention.js';
import { dataKeyStatus, pruneExpiredAppSecrets } from '../domain/app-secrets.js';
import { createDomain, type OAuthLifetimes } from '../domain/context.js';
import { pruneWebhookDeliveries } from '../domain/webhooks.js';
import { createEmulator, type Emulator } from '../emulator/emulator.js';
import { createMemoryStorage, DEFAULT_MAX_OBJECTS_PER_SCOPE } from '../emulator/memory-storage.js';
import { AppscopeError } from '../errors.js';
import type { DecisionRecord, DecisionSink } from '../gateway/decision-record.js';
import type { GatewayOptions } from '../gateway/options.js';
import { createServer } from '../server/app.js';
import { IDEMPOTENCY_TTL_SECONDS } from '../server/idempotency.js';
import { createMetrics } from '../server/metrics.js';
import { DEFAULT_DATA_DIR, openStore, resolveStoreTarget, storeTargetFrom } from '../store/open.js';
import { formatRequestLine, jsonText, missingText } from '../store/request-line.js';
import { openSqliteDecisionWriter } from '../store/sqlite-decision-writer.js';
import { startWebhookWorker, type WebhookWorker } from '../webhooks/worker.js';
import { parseByteSize } from './byte-size.js';
import { catalogPath, type GlobalOptions, resolvePath } from './context.js';
import { describeSource, loadDataKeys } from './data-keys.js';
import { demoBanner, seedDemo, seedDemoUpstream } from './demo.js';
import { checkMaxObjects, type EvictionWarnings, evictionWarnings, parseMaxObjects } from './emulator.js';
import { routesPath, routeTableFor } from './endpoints-resolve.js';
import type { CliIo } from './io.js';
import { createLogDestination } from './log-destination.js';
import { untilSignal } from './signals.js';
import { parseDuration } from './store-context.js';

/** Options of `appscope serve` (CLI flags and the environment). */
export interface ServeOptions {
  /** 0 lets the OS choose (the real port is printed). Default 4242. */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** The embedded database's directory (default `./.appscope`; or `APPSCOPE_DATABASE_URL`). */
  readonly dataDir?: string;
  /** A Stripe-compatible API to forward allowed calls to; its key comes from `APPSCOPE_UPSTREAM_KEY`. */
  readonly upstream?: string;
  /** The upstream reaches many accounts (Stripe Connect platform, the standalone emulator): send `Stripe-Account`. */
  readonly upstreamMultiAccount?: boolean;
  /** Seed (once) and print demo data. */
  readonly demo?: boolean;
  /**
   * A route table generated for the catalog (`--routes`, else `APPSCOPE_ROUTES`); without one, the
   * built-in Stripe table. The catalog itself is a global option (`--catalog`, `APPSCOPE_CATALOG`).
   */
  readonly routes?: string;
  /** Also write every decision as JSON lines to this file, or `-` for standard output. */
  readonly decisionLogJsonl?: string;
  /** How long decisions are kept, e.g. `30d`; `off` keeps them forever. Default `30d`. */
  readonly decisionLogRetention?: string;
  /**
   * Largest the decision log may grow, e.g. `256MiB` or a byte count; past it the oldest
   * decisions go first. `off`: no size limit. Default 256 MiB.
   */
  readonly decisionLogMaxBytes?: string;
  /** pino level: fatal, error, warn, info (default), debug, trace, silent. */
  readonly logLevel?: string;
  /** How long a graceful shutdown waits for in-flight requests before closing connections (ms, default 10 s). */
  readonly shutdownTimeoutMs?: number;
  /**
   * The built-in emulator (no `upstream`): objects kept per account and mode before the oldest
   * are evicted, with a warning in the log (default 50,000).
   */
  readonly emulatorMaxObjects?: number;
  /** The built-in emulator (no `upstream`): stripe-mock compatibility (unknown ids answer a fixture-like object). */
  readonly emulatorStripeMock?: boolean;
  /**
   * File descriptor the JSON log lines are written to (default 2, standard error). The caller
   * keeps it open until `close()` resolves.
   */
  readonly logFd?: number;
  /** Take the client's address, protocol and host from a reverse proxy's `X-Forwarded-*` headers. */
  readonly trustProxy?: boolean;
  /** OAuth lifetimes in seconds (`--oauth-code-ttl`, `--oauth-access-token-ttl`, `--oauth-refresh-token-ttl`). */
  readonly oauth?: Partial<OAuthLifetimes>;
  /** Hosts webhooks may be sent to: exact names, `*.example.com`, or `*` (default: none). */
  readonly webhookAllowHosts?: readonly string[];
  /** Let webhooks reach loopback, private, link-local… addresses (default false). */
  readonly webhookAllowPrivate?: boolean;
  /** Deadline of one webhook request (ms, default 10 s). */
  readonly webhookTimeoutMs?: number;
  /** Delay before a failed webhook's first retry (ms, default 1 minute; doubles per failure). */
  readonly webhookFirstRetryMs?: number;
}

/** A running `appscope serve`. */
export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly decisionLog: DecisionLog;
  /**
   * Graceful shutdown: stop accepting, finish in-flight requests, flush the decision log,
   * close the store. Safe to call more than once.
   */
  close(): Promise<void>;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

/**
 * Fields that never reach a log line (pino `redact`, replaced by `[redacted]`): credentials in
 * headers and any field named like a secret, wherever appscope or fastify could log them. Static
 * paths only: wildcard paths cost time on every log line.
 */
export const LOG_REDACT_PATHS: readonly string[] = Object.freeze([
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  'request.headers.cookie',
  'err.headers.authorization',
  'err.config.headers.authorization',
  'secret',
  'secretKey',
  'upstreamKey',
  'password',
  'gateway.secretKey',
]);

/**
 * Starts appscope's HTTP server: the gateway (in front of the built-in emulator, or of
 * `upstream`), the Install API and `/metrics`, with the batched decision log and structured
 * JSON logs on standard error. Prints the URL (and, with `demo`, the demo data) on standard
 * output — on standard error instead when decisions go to standard output as JSON lines.
 * @example
 * const server = await startServe(processIo, { port: 0, demo: true });
 * console.log(server.url);
 * await server.close();
 */
export async function startServe(
  io: CliIo,
  options: ServeOptions,
  globals: GlobalOptions = {},
): Promise<RunningServer> {
  const port = options.port ?? 4242;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new AppscopeError('ERR_USAGE', `--port: \`${String(options.port)}\` is not a port from 0 to 65535`);
  }
  const host = options.host ?? '127.0.0.1';
  const level = options.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new AppscopeError('ERR_USAGE', `--log-level: \`${level}\` is not one of ${LOG_LEVELS.join(', ')}`);
  }
  const retentionMs =
    options.decisionLogRetention === undefined
      ? 30 * 24 * HOUR_MS
      : options.decisionLogRetention === 'off'
        ? undefined
        : parseDuration(options.decisionLogRetention, '--decision-log-retention') * 1000;
  const maxBytes =
    options.decisionLogMaxBytes === undefined
      ? DEFAULT_DECISION_LOG_MAX_BYTES
      : options.decisionLogMaxBytes === 'off'
        ? undefined
        : parseByteSize(options.decisionLogMaxBytes, '--decision-log-max-bytes');
  if (options.upstream !== undefined) {
    for (const [given, flag, instead] of [
      [options.emulatorMaxObjects !== undefined, '--emulator-max-objects', '--max-objects'],
      [options.emulatorStripeMock === true, '--emulator-stripe-mock', '--stripe-mock'],
    ] as const) {
      if (given) {
        throw new AppscopeError(
          'ERR_USAGE',
          `${flag} applies to the built-in emulator, not to --upstream (give \`appscope emulator\` ${instead} instead)`,
        );
      }
    }
  }
  const emulatorMaxObjects = options.emulatorMaxObjects ?? DEFAULT_MAX_OBJECTS_PER_SCOPE;
  checkMaxObjects(emulatorMaxObjects, '--emulator-max-objects');
  const upstream = upstreamOptions(io, options);
  const jsonlToStdout = options.decisionLogJsonl === '-';
  const say = jsonlToStdout ? io.stderr : io.stdout;

  const logFd = options.logFd ?? 2;
  const destination = createLogDestination(logFd);
  const logger = pino(
    {
      level,
      base: { service: 'appscope', pid: process.pid },
      // Epoch milliseconds: an ISO string cost a measurable share of each request line.
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
    },
    // Buffered (one write per 16 KiB, at least every second, and at shutdown): a line costs a
    // string append, no system call of its own.
    destination,
  );

  // The catalog and its route table first: a mismatch fails before anything is opened.
  const routes = routeTableFor(io, globals, options.routes);
  const catalogFile = catalogPath(io, globals);
  const routesFile = routesPath(io, options.routes);
  const catalogLabel =
    catalogFile === undefined ? 'built-in Stripe Apps catalog' : shortPath(io, catalogFile);
  const routesLabel = routesFile === undefined ? 'built-in Stripe route table' : shortPath(io, routesFile);

  const target = storeTargetFrom({
    ...(options.dataDir === undefined ? {} : { dataDir: resolvePath(io, options.dataDir) }),
    env: io.env,
  });
  const storeTarget = target ?? { dataDir: resolvePath(io, DEFAULT_DATA_DIR) };
  const store = await openStore(storeTarget, {
    onBackgroundError: (error) => logger.warn({ err: error }, 'store background error'),
  });
  let jsonl: JsonLinesOutput | undefined;
  let decisionLog: DecisionLog | undefined;
  let app: FastifyInstance | undefined;
  let evictions: EvictionWarnings | undefined;
  let webhooks: WebhookWorker | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    const domain = createDomain({
      store,
      catalog: routes.catalog,
      ...(options.oauth === undefined ? {} : { oauth: options.oauth }),
    });
    const webhookPolicy = {
      allowHosts: [...(options.webhookAllowHosts ?? [])],
      allowPrivate: options.webhookAllowPrivate === true,
    };
    // the Secret Store's data keys: the operator's, or one kept in the data directory
    const secretKeys = loadDataKeys(io, { dataDir: options.dataDir, create: true })!;
    const keyStatus = await dataKeyStatus(domain, secretKeys.keyring);
    if (options.decisionLogJsonl !== undefined) {
      jsonl = await openJsonLines(jsonlToStdout ? '-' : resolvePath(io, options.decisionLogJsonl));
    }
    const metrics = createMetrics();
    // An embedded SQLite file is written from a worker thread: its writes are synchronous.
    const resolvedTarget = resolveStoreTarget(storeTarget);
    // One log line per request (`info`), with its decision when the gateway made one. With an
    // embedded SQLite file, the writer thread writes the lines of the decisions it stores (off
    // the request thread); every other request's line is written here.
    const logRequests = logger.isLevelEnabled('info');
    const writer =
      resolvedTarget.dialect === 'sqlite' && resolvedTarget.path !== ':memory:'
        ? openSqliteDecisionWriter(resolvedTarget.path, {
            ...(logRequests ? { requestLines: { fd: logFd, service: 'appscope', pid: process.pid } } : {}),
          })
        : undefined;
    const writerLogs = writer?.writesRequestLines === true;
    decisionLog = new DecisionLog({
      store,
      // The SQLite writer thread gets batches of 50, not 200, so that its bursts of work are
      // short; when it has fallen behind, one write takes up to 200 (the default maxBatchSize,
      // 4 × batchSize), one commit for all of them. `appscope_decision_log_batch_size` shows
      // what the writes actually hold.
      ...(writer === undefined ? {} : { writer, batchSize: SQLITE_WRITER_BATCH }),
      metrics,
      ...(jsonl === undefined ? {} : { jsonl }),
      onError: (error) =>
        logger.error({ err: error }, 'decision log: a batch could not be written; retrying'),
    });
    const log = decisionLog;

    const decided = new Map<string, DecisionRecord | typeof LOGGED_BY_WRITER>();
    const sink: DecisionSink = logRequests
      ? {
          record(entry) {
            const queued = log.record(entry);
            if (decided.size >= 10_000) decided.clear(); // only aborted requests leave entries behind
            // a dropped decision never reaches the writer: its line is written here
            decided.set(entry.requestId, writerLogs && queued ? LOGGED_BY_WRITER : entry);
          },
          recordUnauthenticated: (entry) => log.recordUnauthenticated(entry),
        }
      : log;

    let emulator: Emulator | undefined;
    let gateway: GatewayOptions;
    if (upstream === undefined) {
      evictions = evictionWarnings((fields, message) => logger.warn(fields, message), {
        maxObjects: emulatorMaxObjects,
        flag: '--emulator-max-objects',
      });
      emulator = createEmulator({
        storage: createMemoryStorage({ maxObjectsPerScope: emulatorMaxObjects, onEvict: evictions.onEvict }),
        onInternalError: (error) => logger.error({ err: error }, 'emulator: unexpected error'),
        ...(options.emulatorStripeMock === true ? { stripeMock: true } : {}),
      });
      gateway = { kind: 'emulator', emulator };
    } else {
      gateway = upstream;
    }
    const server = await createServer({
      domain,
      routes,
      logger,
      decisions: sink,
      metrics,
      gateway,
      secretKeys: secretKeys.keyring,
      health: { decisionLog: log },
      webhookPolicy,
      ...(options.trustProxy === true ? { trustProxy: true } : {}),
    });
    app = server;
    if (logRequests) {
      // The request line is built from a template, not by pino: its fields are known and
      // secret-free (the key is masked, the query left out), and a template costs a fraction of
      // a pino call with redaction. The SQLite decision writer uses the same formatter.
      const bindings = `,"service":"appscope","pid":${process.pid},`;
      const writeLine = (
        request: FastifyRequest,
        status: number,
        elapsedMs: number,
        decision: DecisionRecord | undefined,
      ): void => {
        const url = request.url;
        const q = url.indexOf('?');
        destination.write(
          formatRequestLine(
            bindings,
            Date.now(),
            request.id,
            request.method,
            jsonText(q < 0 ? url : url.slice(0, q)),
            jsonText(decision?.route ?? request.routeOptions.url ?? null),
            status,
            elapsedMs,
            decision === undefined
              ? null
              : {
                  outcome: decision.outcome,
                  account: jsonText(decision.account),
                  install: jsonText(decision.install),
                  key: jsonText(decision.keyHint),
                  missing: missingText(decision.missing),
                },
          ),
        );
      };
      server.addHook('onResponse', (request, reply, done) => {
        const decision = decided.get(request.id);
        if (decision === LOGGED_BY_WRITER) {
          decided.delete(request.id);
        } else if (decision !== undefined) {
          decided.delete(request.id);
          writeLine(request, reply.statusCode, reply.elapsedTime, decision);
        } else {
          // The gateway records before it answers; anything else could record in a later hook.
          const status = reply.statusCode;
          const elapsed = reply.elapsedTime;
          setImmediate(() => {
            const late = decided.get(request.id);
            if (late !== undefined) decided.delete(request.id);
            if (late !== LOGGED_BY_WRITER) writeLine(request, status, elapsed, late);
          });
        }
        done();
      });
      server.addHook('onRequestAbort', (request, done) => {
        decided.delete(request.id);
        done();
      });
    }

    let demo: Awaited<ReturnType<typeof seedDemo>> | undefined;
    if (options.demo) {
      demo = await seedDemo(domain);
      if (emulator !== undefined) await seedDemoUpstream(emulator, demo.account);
    }

    try {
      await server.listen({ port, host });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new AppscopeError(
          'ERR_USAGE',
          `cannot listen on ${host}:${port} (${String(code)}): pick another --port (0 picks a free one) or --host`,
        );
      }
      throw error;
    }
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('the server has no TCP address');
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${urlHost}:${address.port}`;

    // Housekeeping, off the request path: idempotency answers past their 24 hours (hourly);
    // the decision log by age and size (every minute: a flood can fill it faster than hourly
    // checks would notice). Deletes go in short transactions with the event loop yielded between.
    const pruneIdempotency = async (): Promise<void> => {
      try {
        const before = Math.floor(Date.now() / 1000) - IDEMPOTENCY_TTL_SECONDS;
        const idempotency = await store.transaction((tx) => tx.pruneIdempotencyRecords(before));
        if (idempotency > 0) logger.info({ idempotency }, 'pruned old records');
        const expiredSecrets = await pruneExpiredAppSecrets(domain);
        if (expiredSecrets > 0) logger.info({ expiredSecrets }, 'pruned expired secrets');
        const webhookDeliveries = await pruneWebhookDeliveries(domain);
        if (webhookDeliveries > 0) logger.info({ webhookDeliveries }, 'pruned old webhook deliveries');
      } catch (error) {
        logger.warn({ err: error }, 'pruning old records failed; will retry');
      }
    };
    const retention = new DecisionLogRetention(store, { maxAgeMs: retentionMs, maxBytes });
    let pruning = false;
    const pruneDecisionLog = async (): Promise<void> => {
      if (pruning) return; // the previous round is still deleting
      pruning = true;
      try {
        const result = await retention.prune(Date.now());
        if (result.byAge + result.bySize > 0) {
          logger.info(
            { decisions: result.byAge, decisionsOverSize: result.bySize, decisionLogBytes: result.bytes },
            'pruned old records',
          );
        }
      } catch (error) {
        logger.warn({ err: error }, 'pruning the decision log failed; will retry');
      } finally {
        pruning = false;
      }
    };
    // Webhook deliveries: claimed from the store (shared by every serve process on the database).
    webhooks = startWebhookWorker({
      domain,
      keys: secretKeys.keyring,
      policy: webhookPolicy,
      ...(options.webhookTimeoutMs === undefined ? {} : { timeoutMs: options.webhookTimeoutMs }),
      ...(options.webhookFirstRetryMs === undefined ? {} : { retryBaseMs: options.webhookFirstRetryMs }),
      log: logger,
    });
    for (const [run, every] of [
      [pruneIdempotency, HOUR_MS],
      [pruneDecisionLog, MINUTE_MS],
    ] as const) {
      const timer = setInterval(() => void run(), every);
      timer.unref();
      timers.push(timer);
      void run();
    }

    const upstreamLabel = upstream === undefined ? 'built-in emulator (in process)' : upstream.url;
    logger.info(
      {
        url,
        upstream: upstreamLabel,
        store: store.location,
        catalog: catalogLabel,
        routes: routesLabel,
        decisionLogJsonl: options.decisionLogJsonl ?? null,
        retentionDays: retentionMs === undefined ? null : retentionMs / (24 * HOUR_MS),
        decisionLogMaxBytes: maxBytes ?? null,
      },
      'listening',
    );
    const keySource = describeSource(secretKeys);
    logger.info(
      { dataKeys: secretKeys.keyring.ids, source: keySource, created: secretKeys.created },
      "the Secret Store's data keys",
    );
    if (keyStatus.missing.length > 0) {
      logger.warn(
        { missing: keyStatus.missing, held: secretKeys.keyring.ids },
        "the Secret Store's secrets need data keys this process does not hold: they cannot be read, and none can be written if the encrypting key is among them",
      );
    }
    if (secretKeys.created && resolvedTarget.dialect === 'postgres') {
      logger.warn(
        { keyFile: secretKeys.path },
        "a data key was generated for the Secret Store in this process's data directory, but the database is shared: give every serve process the same key (APPSCOPE_SECRET_KEY_FILE)",
      );
    }
    if (emulator !== undefined && resolvedTarget.dialect === 'postgres') {
      // A shared database suggests several processes; each would have its own emulator objects.
      logger.warn(
        'the built-in emulator keeps its objects in this process: several serve processes on one PostgreSQL database would each see different Stripe objects; let them share one standalone emulator (`appscope emulator --port 12111`, then `appscope serve --upstream http://127.0.0.1:12111 --upstream-multi-account` with APPSCOPE_UPSTREAM_KEY=sk_test_…)',
      );
    }
    say(`appscope listening on ${url}\n`);
    say(`  upstream: ${upstreamLabel}\n  database: ${store.location}\n  metrics:  ${url}/metrics\n`);
    say(
      `  catalog:  ${catalogLabel}\n  routes:   ${routesLabel}\n  health:   ${url}/healthz, ${url}/readyz\n`,
    );
    say(
      `  secrets:  data key ${secretKeys.keyring.primary.id} ${
        secretKeys.created
          ? `generated in ${shortPath(io, secretKeys.path!)} (mode 0600): back it up, the Secret Store's secrets cannot be read without it`
          : `from ${secretKeys.source === 'env' ? keySource : shortPath(io, keySource)}`
      }\n`,
    );
    say(
      `  webhooks: ${
        webhookPolicy.allowHosts.length === 0
          ? 'no host allowed (--webhook-allow-host HOST)'
          : `to ${webhookPolicy.allowHosts.join(', ')}${webhookPolicy.allowPrivate ? ', private addresses allowed' : ''}`
      }\n`,
    );
    if (keyStatus.missing.length > 0) {
      say(
        `  warning:  stored secrets need data key${keyStatus.missing.length === 1 ? '' : 's'} ${keyStatus.missing.join(', ')}, which this process does not hold (see \`appscope secrets status\`)\n`,
      );
    }
    say('\n');
    if (demo !== undefined) {
      const dataDirArg =
        options.dataDir === undefined ? '' : ` --data-dir ${shortPath(io, resolvePath(io, options.dataDir))}`;
      say(
        demoBanner(demo, {
          url,
          host: address.address,
          port: address.port,
          cli: `npx appscope${dataDirArg}`,
          dataLocation:
            resolvedTarget.dialect === 'sqlite'
              ? shortPath(io, dirname(resolvedTarget.path))
              : store.location,
        }),
      );
    }

    let closing: Promise<void> | undefined;
    const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        logger.info('shutting down: finishing in-flight requests');
        const force = setTimeout(() => server.server.closeAllConnections(), shutdownTimeoutMs);
        force.unref();
        try {
          await server.close();
        } finally {
          clearTimeout(force);
        }
        await webhooks?.stop(Math.min(shutdownTimeoutMs, 5000));
        // A JSON lines reader that stopped reading (`--decision-log-jsonl -` into a stalled pipe)
        // would hold the flush forever: shutdown waits for it at most --shutdown-timeout.
        let waited: NodeJS.Timeout | undefined;
        const stats = await Promise.race([
          log.close(),
          new Promise<undefined>((resolve) => {
            waited = setTimeout(() => resolve(undefined), shutdownTimeoutMs);
          }),
        ]).finally(() => clearTimeout(waited));
        if (stats === undefined) {
          logger.warn(
            { decisionLog: log.stats() },
            'the decision log could not finish writing within --shutdown-timeout (is its JSON lines output being read?); stopping anyway',
          );
        }
        await store.close();
        evictions?.close();
        logger.info({ decisionLog: stats }, 'stopped');
        destination.end();
      })();
      return closing;
    };
    return { url, host: address.address, port: address.port, app: server, decisionLog: log, close };
  } catch (error) {
    for (const timer of timers) clearInterval(timer);
    await webhooks?.stop(0);
    evictions?.close();
    await app?.close().catch(() => {});
    await decisionLog?.close().catch(() => {});
    await jsonl?.close().catch(() => {});
    await store.close();
    destination.end();
    throw error;
  }
}

/** Decisions per batch for the embedded SQLite writer thread (see where it is used). */
const SQLITE_WRITER_BATCH = 50;

/** Marks a request whose log line the decision writer thread writes. */
const LOGGED_BY_WRITER = Symbol('logged by the decision writer');

/** A path relative to the working directory when it lies inside it, else absolute. */
function shortPath(io: CliIo, path: string): string {
  const rel = relative(io.cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/** `--upstream URL` with `APPSCOPE_UPSTREAM_KEY`, checked; undefined for the built-in emulator (also used by `record`). */
export function upstreamOptions(
  io: CliIo,
  options: Pick<ServeOptions, 'upstream' | 'upstreamMultiAccount'>,
): (GatewayOptions & { kind: 'http' }) | undefined {
  if (options.upstream === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(options.upstream);
  } catch {
    throw new AppscopeError('ERR_USAGE', `--upstream: \`${options.upstream}\` is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppscopeError(
      'ERR_USAGE',
      `--upstream: use an http:// or https:// URL, not \`${url.protocol}\``,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppscopeError(
      'ERR_USAGE',
      '--upstream: do not put credentials in the URL; set the upstream key in APPSCOPE_UPSTREAM_KEY',
    );
  }
  const secretKey = io.env['APPSCOPE_UPSTREAM_KEY'];
  if (secretKey === undefined || secretKey.trim() === '') {
    throw new AppscopeError(
      'ERR_USAGE',
      "--upstream needs the upstream's secret key in the environment: set APPSCOPE_UPSTREAM_KEY (it is never logged)",
    );
  }
  return {
    kind: 'http',
    url: url.toString().replace(/\/$/, ''),
    secretKey: secretKey.trim(),
    ...(options.upstreamMultiAccount === true ? { multiAccount: true } : {}),
  };
}

interface ServeFlags {
  port: string;
  host: string;
  upstream?: string;
  upstreamMultiAccount?: boolean;
  routes?: string;
  demo?: boolean;
  decisionLogJsonl?: string;
  decisionLogRetention: string;
  decisionLogMaxBytes: string;
  logLevel: string;
  shutdownTimeout: string;
  emulatorMaxObjects?: string;
  emulatorStripeMock?: boolean;
  webhookAllowHost: string[];
  webhookAllowPrivate?: boolean;
  webhookTimeout: string;
  webhookFirstRetry: string;
  trustProxy?: boolean;
  oauthCodeTtl: string;
  oauthAccessTokenTtl: string;
  oauthRefreshTokenTtl: string;
}

/**
 * `appscope serve [--port 4242] [--host 127.0.0.1] [--data-dir DIR] [--upstream URL] [--demo]
 * [--decision-log-jsonl PATH|-] [--decision-log-retention 30d] [--decision-log-max-bytes 256MiB]
 * [--log-level info] [--emulator-max-objects 50000] [--emulator-stripe-mock]
 * [--webhook-allow-host HOST]… [--webhook-allow-private] [--webhook-timeout 10s] [--webhook-first-retry 1m]
 * [--trust-proxy] [--oauth-code-ttl 5m] [--oauth-access-token-ttl 1h] [--oauth-refresh-token-ttl 90d]`: runs until SIGTERM or SIGINT, then shuts
 * down gracefully and exits 0 (a second signal exits at once with 1).
 */
export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the gateway, the Install API and /metrics (built-in emulator unless --upstream)')
    .option('--port <port>', 'port to listen on; 0 picks a free one', '4242')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--upstream <url>', 'forward allowed calls to this API (its key: APPSCOPE_UPSTREAM_KEY)')
    .option('--upstream-multi-account', 'the upstream key reaches many accounts: send Stripe-Account')
    .option(
      '--catalog <path>',
      'a custom catalog file instead of the built-in Stripe Apps one (or APPSCOPE_CATALOG)',
    )
    .option('--routes <path>', 'the route table generated for that catalog (or APPSCOPE_ROUTES)')
    .option('--demo', 'seed demo data once and print its keys, a curl and an SDK snippet')
    .option('--decision-log-jsonl <path>', 'also write decisions as JSON lines to PATH (- for stdout)')
    .option('--decision-log-retention <duration>', 'keep decisions this long (e.g. 7d), or off', '30d')
    .option(
      '--decision-log-max-bytes <size>',
      'keep the decision log under this size (e.g. 64MiB, 1GiB), oldest first, or off',
      '256MiB',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .option('--shutdown-timeout <duration>', 'longest wait for in-flight requests on shutdown', '10s')
    .option(
      '--emulator-max-objects <n>',
      `built-in emulator: objects kept per account and mode, oldest evicted past it (default ${DEFAULT_MAX_OBJECTS_PER_SCOPE})`,
    )
    .option(
      '--emulator-stripe-mock',
      'built-in emulator: stripe-mock compatibility (unknown ids answer a fixture)',
    )
    .option(
      '--webhook-allow-host <host>',
      'send webhooks to this host (exact, *.example.com, or *); repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--webhook-allow-private', 'let webhooks reach loopback and private addresses')
    .option('--webhook-timeout <duration>', 'deadline of one webhook request', '10s')
    .option(
      '--webhook-first-retry <duration>',
      'delay before the first retry of a failed webhook (doubles)',
      '1m',
    )
    .option('--trust-proxy', 'behind a reverse proxy: trust its X-Forwarded-For, -Proto and -Host headers')
    .option('--oauth-code-ttl <duration>', 'how long an OAuth authorization code works', '5m')
    .option('--oauth-access-token-ttl <duration>', 'how long an OAuth access token works', '1h')
    .option(
      '--oauth-refresh-token-ttl <duration>',
      'how long an OAuth refresh token works (rotated on use)',
      '90d',
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & { dataDir?: string }>();
      const port = Number(flags.port);
      if (flags.port.trim() === '' || !Number.isInteger(port)) {
        throw new AppscopeError('ERR_USAGE', `--port: \`${flags.port}\` is not a port from 0 to 65535`);
      }
      const running = await startServe(
        io,
        {
          port,
          host: flags.host,
          ...(globals.dataDir === undefined ? {} : { dataDir: globals.dataDir }),
          ...(flags.upstream === undefined ? {} : { upstream: flags.upstream }),
          ...(flags.upstreamMultiAccount ? { upstreamMultiAccount: true } : {}),
          ...(flags.routes === undefined ? {} : { routes: flags.routes }),
          ...(flags.demo ? { demo: true } : {}),
          ...(flags.decisionLogJsonl === undefined ? {} : { decisionLogJsonl: flags.decisionLogJsonl }),
          decisionLogRetention: flags.decisionLogRetention,
          decisionLogMaxBytes: flags.decisionLogMaxBytes,
          logLevel: flags.logLevel,
          shutdownTimeoutMs: parseDuration(flags.shutdownTimeout, '--shutdown-timeout') * 1000,
          ...(flags.emulatorMaxObjects === undefined
            ? {}
            : { emulatorMaxObjects: parseMaxObjects(flags.emulatorMaxObjects, '--emulator-max-objects') }),
          ...(flags.emulatorStripeMock ? { emulatorStripeMock: true } : {}),
          webhookAllowHosts: flags.webhookAllowHost,
          ...(flags.webhookAllowPrivate ? { webhookAllowPrivate: true } : {}),
          webhookTimeoutMs: positiveDuration(flags.webhookTimeout, '--webhook-timeout') * 1000,
          webhookFirstRetryMs: positiveDuration(flags.webhookFirstRetry, '--webhook-first-retry') * 1000,
          ...(flags.trustProxy ? { trustProxy: true } : {}),
          oauth: {
            codeTtlSeconds: positiveDuration(flags.oauthCodeTtl, '--oauth-code-ttl'),
            accessTokenTtlSeconds: positiveDuration(flags.oauthAccessTokenTtl, '--oauth-access-token-ttl'),
            refreshTokenTtlSeconds: positiveDuration(flags.oauthRefreshTokenTtl, '--oauth-refresh-token-ttl'),
          },
        },
        globals,
      );
      await untilSignal();
      await running.close();
      // Everything is closed. A standard stream whose reader stopped reading can still hold
      // queued writes that keep the process alive: do not wait on them for more than a second.
      setTimeout(() => process.exit(), 1000).unref();
    });
}

/** A duration flag that must be at least one second (in seconds). */
function positiveDuration(text: string, option: string): number {
  const seconds = parseDuration(text, option);
  if (seconds < 1) throw new AppscopeError('ERR_USAGE', `${option}: \`${text}\` must be at least 1s`);
  return seconds;
}

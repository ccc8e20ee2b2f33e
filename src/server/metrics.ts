import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricType,
  type MetricValueWithName,
  Registry,
} from 'prom-client';
import type { DecisionRecord, UnauthenticatedReason } from '../gateway/decision-record.js';

/**
 * Decision latency buckets, in seconds: a decision is a few microseconds of lookups, an
 * answered request well under a millisecond on a warm process, so the low end is fine-grained
 * (50 µs … 1 ms); the high end catches slow upstreams.
 */
export const DECISION_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5,
]);

/** Decision log batch sizes (decisions per store write). */
const DECISION_BATCH_BUCKETS: readonly number[] = Object.freeze([1, 10, 25, 50, 100, 200, 400, 800, 1600]);
/** Decision log store writes, in seconds: 0.5 ms (a small batch on an idle machine) to 5 s (the SQLite writer's busy timeout). */
const DECISION_WRITE_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]);

/** Methods counted under their own name; any other is `OTHER` (the last slot). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'] as const;
const METHOD_SLOT = new Map<string, number>(METHODS.map((method, slot) => [method, slot]));
const OUTCOMES: readonly DecisionRecord['outcome'][] = ['allowed', 'denied', 'shadow_denied'];
const OUTCOME_SLOT = new Map<string, number>(OUTCOMES.map((outcome, slot) => [outcome, slot]));
/** Past this many distinct routes, new ones are counted as `other` (label cardinality stays bounded). */
const MAX_ROUTES = 1000;
const REQUEST_LABELS = ['outcome', 'route', 'method'] as const;
type RequestLabel = (typeof REQUEST_LABELS)[number];
const LATENCY_NAME = 'appscope_gateway_decision_latency_seconds';
const LATENCY_HELP = 'Time the gateway spent deciding and answering a request, by outcome';

/**
 * `appscope_gateway_decision_latency_seconds{outcome}`: a prom-client histogram whose
 * observations are plain array bumps (no label hashing per request); exported as prom-client
 * exports histograms.
 */
class LatencyHistogram extends Histogram<'outcome'> {
  // Plain (not #private) fields: prom-client's constructor calls reset() before they exist.
  private readonly bounds: readonly number[] = DECISION_LATENCY_BUCKETS;
  private readonly series = new Map<string, { buckets: Float64Array; sum: number; count: number }>();

  constructor(registry: Registry) {
    super({
      name: LATENCY_NAME,
      help: LATENCY_HELP,
      labelNames: ['outcome'],
      buckets: [...DECISION_LATENCY_BUCKETS],
      registers: [registry],
    });
  }

  /** Counts one observation (instead of `observe`, which hashes its labels). */
  record(outcome: string, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    let series = this.series.get(outcome);
    if (series === undefined) {
      series = { buckets: new Float64Array(this.bounds.length), sum: 0, count: 0 };
      this.series.set(outcome, series);
    }
    const bounds = this.bounds;
    let b = 0;
    while (b < bounds.length && seconds > bounds[b]!) b++;
    if (b < bounds.length) series.buckets[b]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  override reset(): void {
    this.series?.clear();
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<'outcome' | 'le'>>> {
    const values: MetricValueWithName<'outcome' | 'le'>[] = [];
    for (const [outcome, series] of this.series) {
      let cumulative = 0;
      this.bounds.forEach((le, b) => {
        cumulative += series.buckets[b]!;
        values.push({ labels: { le, outcome }, value: cumulative, metricName: `${LATENCY_NAME}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf', outcome }, value: series.count, metricName: `${LATENCY_NAME}_bucket` },
        { labels: { outcome }, value: series.sum, metricName: `${LATENCY_NAME}_sum` },
        { labels: { outcome }, value: series.count, metricName: `${LATENCY_NAME}_count` },
      );
    }
    return {
      name: LATENCY_NAME,
      help: LATENCY_HELP,
      type: 'histogram' as unknown as MetricType, // prom-client declares an enum it does not export at runtime
      values,
      aggregator: 'sum',
      collect: () => {},
    };
  }

  /** The registry prefers this to `get()` when rendering text. */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<'outcome' | 'le'>>> {
    return this.get();
  }
}

/**
 * The Prometheus metrics of one appscope server, on a registry of its own (never the global
 * default registry, so that servers and tests do not share counters).
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  /** Counts a decision and observes its latency (called by the decision log's `record`). */
  observeDecision(entry: DecisionRecord): void;
  /** Counts a request refused before authentication (called by the decision log's `recordUnauthenticated`). */
  observeUnauthenticated(reason: UnauthenticatedReason): void;
  /**
   * Decisions the log wrote; `seconds` is how long the store write of that batch took
   * (undefined when no store was written: JSON lines only).
   */
  decisionsWritten(count: number, seconds?: number): void;
  /** Decisions the log dropped because its queue was full. */
  decisionsDropped(count: number): void;
  /** A batch the log failed to write (it is retried). */
  writeFailed(): void;
  /** Reads the log's queue depth at every scrape. */
  trackQueueDepth(read: () => number): void;
  /** The text exposition format, and its content type. */
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag, GC; default true). */
  readonly defaultMetrics?: boolean;
}

/**
 * Creates a registry with appscope's metrics:
 * `appscope_gateway_requests_total{outcome,route,method}`,
 * `appscope_gateway_decision_latency_seconds{outcome}`, `appscope_decision_log_queue_depth`,
 * `appscope_decision_log_dropped_total`, `appscope_decision_log_written_total`,
 * `appscope_decision_log_write_errors_total`, `appscope_unauthenticated_requests_total{reason}`,
 * and Node's default process metrics.
 * @example
 * const metrics = createMetrics();
 * const log = new DecisionLog({ store, metrics });
 * const app = await createServer({ domain, routes, decisions: log, metrics });
 * // GET /metrics → text exposition format
 */
export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  // The per-decision work is two plain counter bumps; prom-client sees the totals at scrape time.
  // Series are found by route (the route table's own strings), then by outcome and method slot:
  // no label key is built per request.
  interface Series {
    readonly labels: Record<RequestLabel, string>;
    count: number;
  }
  /** One route's series, by outcome and method slot; `label` is the route label (or `other`). */
  interface RouteSeries {
    readonly label: string;
    readonly slots: (Series | undefined)[];
  }
  const byRoute = new Map<string | null, RouteSeries>();
  let other: RouteSeries | undefined;
  /** Each series once, in creation order. */
  const allSeries: Series[] = [];
  new Counter({
    name: 'appscope_gateway_requests_total',
    help: 'API requests decided by the gateway, by outcome (allowed, denied, shadow_denied), route template and method',
    labelNames: REQUEST_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const series of allSeries) this.inc(series.labels, series.count);
    },
  });
  const latency = new LatencyHistogram(registry);
  const written = new Counter({
    name: 'appscope_decision_log_written_total',
    help: 'Decisions written to the store by the decision log',
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'appscope_decision_log_batch_size',
    help: 'Decisions per store write of the decision log (writes grow when the writer falls behind)',
    buckets: [...DECISION_BATCH_BUCKETS],
    registers: [registry],
  });
  const writeSeconds = new Histogram({
    name: 'appscope_decision_log_write_duration_seconds',
    help: 'Time one decision log store write took, from handing the batch over to its commit',
    buckets: [...DECISION_WRITE_BUCKETS],
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'appscope_decision_log_dropped_total',
    help: 'Decisions dropped because the decision log queue was full',
    registers: [registry],
  });
  const writeErrors = new Counter({
    name: 'appscope_decision_log_write_errors_total',
    help: 'Decision log batches that failed to be written (they are retried)',
    registers: [registry],
  });
  // One plain number per reason (five of them), handed to prom-client at scrape time.
  const unauthenticated = new Map<UnauthenticatedReason, number>();
  new Counter({
    name: 'appscope_unauthenticated_requests_total',
    help: 'Requests refused before a caller was authenticated, by reason (missing_key, malformed_authorization, invalid_key, rate_limited, malformed_request)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of unauthenticated) this.inc({ reason }, count);
    },
  });
  const depthReaders: (() => number)[] = [];
  new Gauge({
    name: 'appscope_decision_log_queue_depth',
    help: 'Decisions waiting in the decision log queue',
    registers: [registry],
    collect() {
      let depth = 0;
      for (const read of depthReaders) depth += read();
      this.set(depth);
    },
  });

  return {
    registry,
    observeDecision(entry) {
      let route = byRoute.get(entry.route);
      if (route === undefined) {
        if (byRoute.size >= MAX_ROUTES) route = other ??= { label: 'other', slots: [] };
        else {
          route = { label: entry.route ?? 'unmatched', slots: [] };
          byRoute.set(entry.route, route);
        }
      }
      const method = METHOD_SLOT.get(entry.method) ?? METHODS.length - 1;
      const slot = (OUTCOME_SLOT.get(entry.outcome) ?? 0) * METHODS.length + method;
      let series = route.slots[slot];
      if (series === undefined) {
        series = {
          labels: { outcome: entry.outcome, route: route.label, method: METHODS[method]! },
          count: 0,
        };
        route.slots[slot] = series;
        allSeries.push(series);
      }
      series.count += 1;
      latency.record(entry.outcome, entry.latencyMs / 1000);
    },
    observeUnauthenticated(reason) {
      unauthenticated.set(reason, (unauthenticated.get(reason) ?? 0) + 1);
    },
    decisionsWritten(count, seconds) {
      if (count > 0) written.inc(count);
      if (seconds !== undefined) {
        batchSize.observe(count);
        writeSeconds.observe(seconds);
      }
    },
    decisionsDropped(count) {
      if (count > 0) dropped.inc(count);
    },
    writeFailed() {
      writeErrors.inc();
    },
    trackQueueDepth(read) {
      depthReaders.push(read);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

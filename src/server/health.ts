import type { FastifyInstance } from 'fastify';
import { SCHEMA_VERSION } from '../store/migrations/index.js';
import type { Store } from '../store/store.js';

/** What `/readyz` needs to know about the decision log (a {@link DecisionLog} has both). */
export interface DecisionBacklog {
  /** `queued`: decisions waiting to be written; `dropped`: dropped so far (this process). */
  stats(): { readonly queued: number; readonly dropped: number };
  /** Most decisions the log holds before it drops new ones. */
  readonly capacity: number;
}

/** Options of the health endpoints. */
export interface HealthOptions {
  /** The batched decision log (`serve`): `/readyz` fails while it is backed up or dropping. */
  readonly decisionLog?: DecisionBacklog;
  /** Longest the store probe may take, in ms (default 1000): past it the store counts as unreachable. */
  readonly storeTimeoutMs?: number;
  /** How long one answer of `/readyz` is reused, in ms (default 1000): probes stay cheap under load. */
  readonly cacheMs?: number;
  /** A decision log whose queue holds this share of its capacity is backed up (default 0.5). */
  readonly backlogRatio?: number;
  /** A decision log that dropped decisions within this many ms is not ready (default 30 s). */
  readonly dropWindowMs?: number;
  readonly clock?: () => number;
}

/** One readiness check: `ok`, or what is wrong. */
interface Check {
  readonly ok: boolean;
  readonly [detail: string]: unknown;
}

/** The body of `/readyz`. */
export interface Readiness {
  readonly status: 'ready' | 'unavailable';
  readonly checks: { readonly store: Check; readonly migrations: Check; readonly decision_log: Check };
  /** One line per failing check, for people. */
  readonly problems: readonly string[];
}

/**
 * Registers the load balancer's probes, both unauthenticated and cheap:
 * - `GET /healthz`: the process is up and answering (always 200).
 * - `GET /readyz`: 200 when the store answers a trivial query within `storeTimeoutMs`, its schema
 *   is the version this code expects, and the decision log is neither backed up nor dropping;
 *   503 otherwise, with a JSON body naming each problem. An answer is reused for `cacheMs`, and at
 *   most one store probe is in flight at a time.
 * And `GET /` redirects to the dashboard.
 */
export function registerHealth(app: FastifyInstance, store: Store, options: HealthOptions = {}): void {
  const clock = options.clock ?? Date.now;
  const storeTimeoutMs = options.storeTimeoutMs ?? 1000;
  const cacheMs = options.cacheMs ?? 1000;
  const backlogRatio = options.backlogRatio ?? 0.5;
  const dropWindowMs = options.dropWindowMs ?? 30_000;
  let cached: { readonly at: number; readonly readiness: Readiness } | undefined;
  let probing: Promise<Readiness> | undefined;
  /** The store query of an earlier probe that has not answered yet: waited on again, never doubled. */
  let storeQuery: Promise<number> | undefined;
  let lastDropped = options.decisionLog?.stats().dropped ?? 0;
  let lastDropAt: number | undefined;

  const decisionLogCheck = (now: number): Check => {
    const log = options.decisionLog;
    if (log === undefined) return { ok: true };
    const { queued, dropped } = log.stats();
    if (dropped > lastDropped) {
      lastDropped = dropped;
      lastDropAt = now;
    }
    const limit = Math.max(1, Math.floor(log.capacity * backlogRatio));
    const droppingRecently = lastDropAt !== undefined && now - lastDropAt < dropWindowMs;
    const ok = queued < limit && !droppingRecently;
    return { ok, queued, capacity: log.capacity, dropped };
  };

  const probe = async (): Promise<Readiness> => {
    const problems: string[] = [];
    let storeCheck: Check;
    let migrations: Check;
    let timer: NodeJS.Timeout | undefined;
    try {
      storeQuery ??= store
        .transaction((tx) => tx.schemaVersion(), { readOnly: true })
        .finally(() => {
          storeQuery = undefined;
        });
      const version = await Promise.race([
        storeQuery,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${storeTimeoutMs} ms`)),
            storeTimeoutMs,
          );
        }),
      ]);
      storeCheck = { ok: true };
      migrations = { ok: version === SCHEMA_VERSION, version, expected: SCHEMA_VERSION };
      if (version < SCHEMA_VERSION) {
        problems.push(
          `the database schema is at version ${version}, this appscope needs ${SCHEMA_VERSION}: migrations are pending`,
        );
      } else if (version > SCHEMA_VERSION) {
        problems.push(
          `the database schema is at version ${version}, newer than this appscope (${SCHEMA_VERSION}): upgrade appscope`,
        );
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      storeCheck = { ok: false, error: message };
      migrations = { ok: false, expected: SCHEMA_VERSION };
      problems.push(`the store is unreachable: ${message}`);
    } finally {
      clearTimeout(timer);
    }
    const decisionLog = decisionLogCheck(clock());
    if (!decisionLog.ok) {
      problems.push(
        `the decision log is backed up: ${String(decisionLog['queued'])} decisions queued (capacity ${String(decisionLog['capacity'])}), ${String(decisionLog['dropped'])} dropped so far`,
      );
    }
    return {
      status: problems.length === 0 ? 'ready' : 'unavailable',
      checks: { store: storeCheck, migrations, decision_log: decisionLog },
      problems,
    };
  };

  const readiness = async (): Promise<Readiness> => {
    const now = clock();
    if (cached !== undefined && now - cached.at < cacheMs) return cached.readiness;
    probing ??= probe().finally(() => {
      probing = undefined;
    });
    const result = await probing;
    cached = { at: clock(), readiness: result };
    return result;
  };

  app.get('/healthz', async (_request, reply) =>
    reply
      .header('cache-control', 'no-store')
      .send({ status: 'ok', uptime_seconds: Math.floor(process.uptime()) }),
  );
  app.get('/readyz', async (_request, reply) => {
    const result = await readiness();
    return reply
      .code(result.status === 'ready' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(result);
  });
  app.get('/', async (_request, reply) => reply.redirect('/dashboard', 302));
}

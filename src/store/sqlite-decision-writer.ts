import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppscopeError } from '../errors.js';
import { encodeRows } from './decision-batch.js';
import type {
  DecisionWorkerData,
  DecisionWorkerMessage,
  DecisionWorkerReply,
} from './sqlite-decision-worker.js';
import type { DecisionDropRow, NewDecisionRow, Store, UnauthenticatedCountRow } from './store.js';

/** Where the decision log writes its batches: one call per batch, all or nothing. */
export interface DecisionWriter {
  /**
   * Writes a batch of decisions and, when given, a drop record and counts of unauthenticated
   * requests (added to the stored counts), in one transaction.
   */
  write(
    rows: readonly NewDecisionRow[],
    drop?: DecisionDropRow,
    unauthenticated?: readonly UnauthenticatedCountRow[],
  ): Promise<void>;
  /** True when this writer also writes each written decision's request log line. */
  readonly writesRequestLines?: boolean;
  close(): Promise<void>;
}

/** Options of {@link openSqliteDecisionWriter}. */
export interface SqliteDecisionWriterOptions {
  /** How long a write waits for another writer, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /**
   * Also write serve's request log line for every decision of each committed batch, to this
   * file descriptor (standard error: 2), off the request thread. `service` and `pid` are the
   * log's bindings.
   */
  readonly requestLines?: { readonly fd: number; readonly service: string; readonly pid: number };
}

/**
 * Writes batches through a store's own transactions (any backend; PostgreSQL writes are
 * asynchronous anyway).
 * @example
 * const log = new DecisionLog({ writer: storeDecisionWriter(store) });
 */
export function storeDecisionWriter(store: Store): DecisionWriter {
  return {
    async write(rows, drop, unauthenticated) {
      await store.transaction(async (tx) => {
        if (rows.length > 0) await tx.insertDecisions(rows);
        if (drop !== undefined) await tx.insertDecisionDrop(drop);
        if (unauthenticated !== undefined && unauthenticated.length > 0) {
          await tx.addUnauthenticatedCounts(unauthenticated);
        }
      });
    },
    async close() {},
  };
}

// The worker thread is a module of its own (`sqlite-decision-worker.ts`). From dist/, its
// compiled `.js` sits next to this file; run from the TypeScript sources (vitest, tsx), the
// `.ts` is loaded through tsx's API, since Node 20 gives a worker's entry module no `--import`
// hooks.
const COMPILED_WORKER = new URL('./sqlite-decision-worker.js', import.meta.url);
const SOURCE_WORKER = new URL('./sqlite-decision-worker.ts', import.meta.url);

/** The URL of tsx's ESM API (`tsx/esm/api` under the `import` condition). */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exported = (
    JSON.parse(readFileSync(manifest, 'utf8')) as {
      exports: Record<string, { import?: { default?: string } }>;
    }
  ).exports['./esm/api']?.import?.default;
  if (exported === undefined) throw new Error('tsx exports no `./esm/api` for import');
  return new URL(exported, pathToFileURL(manifest)).href;
}

function startWorker(data: DecisionWorkerData): Worker {
  if (existsSync(fileURLToPath(COMPILED_WORKER))) return new Worker(COMPILED_WORKER, { workerData: data });
  let tsx: string;
  try {
    tsx = tsxEsmApi();
  } catch (error) {
    throw new AppscopeError(
      'ERR_STORE',
      `cannot start the decision writer from the TypeScript sources without tsx (run \`npm run build\` and use dist/): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(SOURCE_WORKER.href)}, ${JSON.stringify(SOURCE_WORKER.href)}))`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

/**
 * The writer thread's nice value (0 normal, 19 lowest); see the worker source. 19 rather than
 * 10: in `npm run bench:gateway`, where three processes share two cores, two full runs at each
 * value, alternating, gave (c)/(d) 91.6% and 97.1% at 19 against 86.2% and 76.4% at 10, with
 * no decision dropped at either; the machine's noise is large (seven runs at 19 gave 77–99%,
 * docs/benchmarks.md), but a background writer should yield to requests in any case.
 */
const WRITER_NICE = 19;

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Writes decision batches to an embedded SQLite file from a worker thread with its own
 * connection, so that SQLite's synchronous work (statements, commits, WAL checkpoints) never
 * blocks the thread that answers requests. The file must already have the schema (open the
 * store first). A worker that dies fails every later write (the decision log retries, then
 * counts drops).
 * @example
 * const store = await openStore({ dataDir: '.appscope' });
 * const writer = openSqliteDecisionWriter('.appscope/appscope.db');
 * const log = new DecisionLog({ store, writer });
 */
export function openSqliteDecisionWriter(
  path: string,
  options: SqliteDecisionWriterOptions = {},
): DecisionWriter {
  const worker = startWorker({
    path,
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    nice: WRITER_NICE,
    requestLines:
      options.requestLines === undefined
        ? undefined
        : {
            fd: options.requestLines.fd,
            bindings: `,"service":${JSON.stringify(options.requestLines.service)},"pid":${options.requestLines.pid},`,
          },
  });
  worker.unref();
  const pending = new Map<number, Pending>();
  let next = 0;
  let failure: Error | undefined;
  let closed = false;
  const fail = (error: Error): void => {
    failure ??= error;
    for (const waiting of pending.values()) waiting.reject(failure);
    pending.clear();
  };
  worker.on('message', (message: DecisionWorkerReply) => {
    const waiting = pending.get(message.id);
    if (waiting === undefined) return;
    pending.delete(message.id);
    if (message.error === undefined) waiting.resolve();
    else {
      const busy = message.code === 'SQLITE_BUSY' || message.code === 'SQLITE_LOCKED';
      waiting.reject(
        new AppscopeError(
          busy ? 'ERR_STORE_BUSY' : 'ERR_STORE',
          `${busy ? 'the store is busy, try again' : 'the store failed'}: ${message.error}`,
        ),
      );
    }
  });
  worker.on('error', (error) =>
    fail(new AppscopeError('ERR_STORE', `the decision writer failed: ${error.message}`)),
  );
  worker.on('exit', () => {
    if (!closed) fail(new AppscopeError('ERR_STORE', 'the decision writer stopped'));
  });

  return {
    writesRequestLines: options.requestLines !== undefined,
    write(rows, drop, unauthenticated) {
      if (closed) return Promise.reject(new AppscopeError('ERR_STORE', 'the decision writer is closed'));
      if (failure !== undefined) return Promise.reject(failure);
      const id = next++;
      const batch = encodeRows(rows);
      const message: DecisionWorkerMessage = {
        id,
        batch,
        drop: drop === undefined ? undefined : [drop.time, drop.dropped, drop.first_time, drop.last_time],
        unauthenticated: unauthenticated ?? [],
      };
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref(); // keep the process alive while a batch is in flight
        worker.postMessage(message, [batch.cells.buffer, batch.numbers.buffer]);
      }).finally(() => {
        if (pending.size === 0) worker.unref();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (failure !== undefined) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      worker.postMessage({ close: true } satisfies DecisionWorkerMessage);
      await exited;
    },
  };
}

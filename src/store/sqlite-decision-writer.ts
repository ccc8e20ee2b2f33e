import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { formatRequestLine, missingText } from '../decision-log/request-line.js';
import { AppscopeError } from '../errors.js';
import { DECISION_COLUMNS, DECISION_NUMBER_COLUMNS, DECISION_TEXT_COLUMNS } from './decision-columns.js';
import type { DecisionDropRow, NewDecisionRow, Store } from './store.js';

/** Where the decision log writes its batches: one call per batch, all or nothing. */
export interface DecisionWriter {
  /** Writes a batch of decisions and, when given, a drop record, in one transaction. */
  write(rows: readonly NewDecisionRow[], drop?: DecisionDropRow): Promise<void>;
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
    async write(rows, drop) {
      await store.transaction(async (tx) => {
        if (rows.length > 0) await tx.insertDecisions(rows);
        if (drop !== undefined) await tx.insertDecisionDrop(drop);
      });
    },
    async close() {},
  };
}

/** The columns a batch carries: texts (`request_id` first), then numbers (`null` travels as NaN). */
const TEXT_COLUMNS = DECISION_TEXT_COLUMNS;
const NUMBER_COLUMNS = DECISION_NUMBER_COLUMNS;

/**
 * A batch as it crosses to the worker: each distinct text once (`texts`), every row's texts as
 * indexes into it (`cells`, -1 for null) and its numbers (`numbers`); both typed arrays are
 * transferred, not copied. A busy gateway sends the same account, install, route and
 * requirement over and over: cloning 15 values per decision cost more of the request thread
 * than a few map lookups do.
 */
interface EncodedBatch {
  readonly texts: string[];
  readonly cells: Int32Array<ArrayBuffer>;
  readonly numbers: Float64Array<ArrayBuffer>;
}

function encodeRows(rows: readonly NewDecisionRow[]): EncodedBatch {
  const texts: string[] = [];
  const seen = new Map<string, number>();
  const cells = new Int32Array(rows.length * TEXT_COLUMNS.length);
  const numbers = new Float64Array(rows.length * NUMBER_COLUMNS.length);
  let cell = 0;
  let number = 0;
  for (const row of rows) {
    // request ids are all different: no point looking them up
    cells[cell++] = texts.push(row.request_id) - 1;
    for (let c = 1; c < TEXT_COLUMNS.length; c++) {
      const value = row[TEXT_COLUMNS[c]!];
      if (value === null) {
        cells[cell++] = -1;
        continue;
      }
      let at = seen.get(value);
      if (at === undefined) {
        at = texts.push(value) - 1;
        seen.set(value, at);
      }
      cells[cell++] = at;
    }
    for (const column of NUMBER_COLUMNS) {
      const value = row[column];
      numbers[number++] = value === null ? Number.NaN : value;
    }
  }
  return { texts, cells, numbers };
}

// The worker is plain JavaScript (CommonJS, evaluated), so it runs the same from dist/ and from
// the TypeScript sources. It prepares its statements once, decodes each batch (see
// `EncodedBatch`) and writes it in one transaction on its own connection.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
try {
  // Linux: nice applies to this thread only. Writing the log is background work: under load,
  // the threads answering requests get the CPU first; the queue in front absorbs the wait, and
  // a writer that fell behind catches up in larger writes (see DecisionLog's maxBatchSize).
  require('node:os').setPriority(workerData.nice);
} catch {
  // not permitted or not supported: run at normal priority
}
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
db.pragma('synchronous = NORMAL');
const TEXTS = workerData.textColumns;
const NUMBERS = workerData.numberColumns;
// A batch's cells, decoded (see EncodedBatch): text column c and number column c of row r.
const textAt = (batch, r, c) => {
  const at = batch.cells[r * TEXTS + c];
  return at < 0 ? null : batch.texts[at];
};
const numberAt = (batch, r, c) => {
  const value = batch.numbers[r * NUMBERS + c];
  return Number.isNaN(value) ? null : value;
};
const valueAt = (batch, r, column) => (column.text ? textAt(batch, r, column.at) : numberAt(batch, r, column.at));
// A column's raw cell in row r: a text's index in the batch or the number itself. Within a
// batch, equal cells are equal values.
const cellAt = (batch, r, column) =>
  column.text ? batch.cells[r * TEXTS + column.at] : batch.numbers[r * NUMBERS + column.at];
const rowsOf = (batch) => batch.cells.length / TEXTS;
// Contexts: a busy gateway writes the same account, install, app, key, mode, method, route,
// requirement, outcome and unmet groups in decision after decision. Each distinct set of them
// is kept once, in a temporary table of this connection, and the INSERT takes them from there:
// a row binds its own five values and its context's id, not fifteen values (a bound text is
// measured, copied and copied again).
db.pragma('temp_store = memory');
db.exec(workerData.contextsSql);
const addContext = db.prepare(workerData.addContextSql);
const CONTEXT = workerData.contextColumns;
const OWN = workerData.ownColumns;
const contexts = new Map();
const MAX_CONTEXTS = 10000;
// After a rollback (or past MAX_CONTEXTS), the table and the map start over together.
function forgetContexts() {
  contexts.clear();
  db.exec(workerData.clearContextsSql);
}
// Most rows have the context of the row before them: the write compares their cells first.
function sameContext(batch, r, q) {
  for (const column of CONTEXT) if (cellAt(batch, r, column) !== cellAt(batch, q, column)) return false;
  return true;
}
// The id of row r's context: looked up once per distinct set of dictionary indexes in a batch
// (\`seen\`), and added to the table the first time it is seen at all.
function contextOf(batch, r, seen) {
  let key = '';
  for (const column of CONTEXT) key += cellAt(batch, r, column) + ',';
  let id = seen.get(key);
  if (id !== undefined) return id;
  const values = CONTEXT.map((column) => valueAt(batch, r, column));
  const name = JSON.stringify(values);
  id = contexts.get(name);
  if (id === undefined) {
    id = contexts.size + 1;
    addContext.run(id, ...values);
    contexts.set(name, id);
  }
  seen.set(key, id);
  return id;
}
// Rows go in INSERTs of up to ROWS_PER_INSERT rows each: one statement run (binding, VDBE
// start-up, the call into the driver) per chunk instead of per row.
const ROWS_PER_INSERT = workerData.rowsPerInsert;
const insertSql = (rows) =>
  workerData.insertPrefix +
  new Array(rows).fill('(' + new Array(OWN.length + 1).fill('?').join(', ') + ')').join(', ') +
  workerData.insertSuffix;
const inserts = new Map();
const insertOf = (rows) => {
  let statement = inserts.get(rows);
  if (statement === undefined) {
    statement = db.prepare(insertSql(rows));
    inserts.set(rows, statement);
  }
  return statement;
};
const drop = db.prepare(workerData.dropSql);
const write = db.transaction((batch, dropRow) => {
  const rows = rowsOf(batch);
  const seen = new Map();
  let context = 0;
  for (let first = 0; first < rows; first += ROWS_PER_INSERT) {
    const count = Math.min(ROWS_PER_INSERT, rows - first);
    const values = new Array(count * (OWN.length + 1));
    let v = 0;
    for (let r = first; r < first + count; r++) {
      for (const column of OWN) values[v++] = valueAt(batch, r, column);
      if (r === 0 || !sameContext(batch, r, r - 1)) context = contextOf(batch, r, seen);
      values[v++] = context;
    }
    // A row whose context were missing would be left out silently: fail the batch instead.
    const written = insertOf(count).run(values).changes;
    if (written !== count) throw new Error('decision contexts out of step: ' + written + ' of ' + count + ' rows written');
  }
  if (dropRow) drop.run(dropRow);
});
// Request log lines (serve at --log-level info): one per decision of a committed batch, in the
// shape serve writes for every other request, in line-aligned writes of at most 4096 bytes
// (PIPE_BUF: a write that size to a pipe is never interleaved with another thread's).
const lines = workerData.requestLines;
const fs = require('node:fs');
const SLEEP = new Int32Array(new SharedArrayBuffer(4));
let linesClosed = false;
const T = workerData.textIndex;
const N = workerData.numberIndex;
function writeOut(bytes, length) {
  let offset = 0;
  while (offset < length && !linesClosed) {
    try {
      offset += fs.writeSync(lines.fd, bytes, offset, length - offset);
    } catch (error) {
      if (error && error.code === 'EAGAIN') Atomics.wait(SLEEP, 0, 0, 1);
      else linesClosed = true;
    }
  }
}
// Lines are encoded straight into one reused buffer, written out whenever the next line
// might not fit (a line's UTF-8 length is at most three bytes per UTF-16 unit; a line that
// might not fit the empty buffer is written on its own). A batch sends each distinct text
// once (see EncodedBatch): each is escaped as JSON once per batch, not once per line.
const CHUNK = Buffer.allocUnsafe(4096);
// convert(text), made once for each distinct text of the batch (looked up by its index).
function perText(batch, convert) {
  const done = new Array(batch.texts.length);
  return (at) => {
    let value = done[at];
    if (value === undefined) done[at] = value = convert(batch.texts[at]);
    return value;
  };
}
function writeLines(batch) {
  const rows = rowsOf(batch);
  const escaped = perText(batch, (text) => JSON.stringify(text));
  const unmet = perText(batch, (text) => (text === '[]' ? null : missingText(JSON.parse(text))));
  const quoted = (r, c) => {
    const at = batch.cells[r * TEXTS + c];
    return at < 0 ? 'null' : escaped(at);
  };
  const missingOf = (r) => {
    const at = batch.cells[r * TEXTS + T.missing];
    return at < 0 ? null : unmet(at);
  };
  let used = 0;
  for (let r = 0; r < rows && !linesClosed; r++) {
    const line = formatRequestLine(lines.bindings, numberAt(batch, r, N.time), textAt(batch, r, T.request_id),
      textAt(batch, r, T.method), quoted(r, T.path), quoted(r, T.route), numberAt(batch, r, N.status),
      numberAt(batch, r, N.latency_ms) ?? 0, {
        outcome: textAt(batch, r, T.outcome),
        account: quoted(r, T.account_id),
        install: quoted(r, T.install_id),
        key: quoted(r, T.key_hint),
        missing: missingOf(r),
      });
    const most = line.length * 3;
    if (used + most > CHUNK.length && used > 0) {
      writeOut(CHUNK, used);
      used = 0;
    }
    if (most > CHUNK.length) {
      const bytes = Buffer.from(line, 'utf8');
      writeOut(bytes, bytes.length);
      continue;
    }
    used += CHUNK.write(line, used);
  }
  if (used > 0) writeOut(CHUNK, used);
}
parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.close();
    return;
  }
  try {
    if (contexts.size > MAX_CONTEXTS) forgetContexts();
    write.immediate(message.batch, message.drop);
  } catch (error) {
    try {
      forgetContexts(); // the rollback took this batch's new contexts with it
    } catch {
      // the next write fails too, and says why
    }
    parentPort.postMessage({ id: message.id, error: String(error && error.message), code: error && error.code });
    return;
  }
  if (lines) writeLines(message.batch);
  parentPort.postMessage({ id: message.id });
});
// Run from the TypeScript sources through esbuild (tsx), the embedded function calls esbuild's
// \`__name\` helper, which only exists in the module it came from.
var __name = (target) => target;
${formatRequestLine.toString()}
${missingText.toString()}
`;

/** The columns each decision binds itself; the rest come from its context (see the worker). */
const OWN_COLUMNS = ['request_id', 'path', 'time', 'status', 'latency_ms'] as const;
const CONTEXT_COLUMNS = DECISION_COLUMNS.filter(
  (column) => !(OWN_COLUMNS as readonly string[]).includes(column),
);

/** Where the worker finds a column in a batch: its text or number column index. */
function workerColumn(column: (typeof DECISION_COLUMNS)[number]): { text: boolean; at: number } {
  const text = (TEXT_COLUMNS as readonly string[]).indexOf(column);
  return text >= 0
    ? { text: true, at: text }
    : { text: false, at: (NUMBER_COLUMNS as readonly string[]).indexOf(column) };
}

const quote = (column: string): string => `"${column}"`;

/** The worker's SQL, made once. */
const WORKER_SQL = {
  contextsSql: `create temp table decision_contexts (id integer primary key, ${CONTEXT_COLUMNS.map(quote).join(', ')})`,
  addContextSql: `insert into temp.decision_contexts values (${new Array(CONTEXT_COLUMNS.length + 1).fill('?').join(', ')})`,
  clearContextsSql: 'delete from temp.decision_contexts',
  // OR FAIL: a multi-row INSERT that may abort half-way makes SQLite copy every page it touches
  // into a statement journal first, to undo just that statement; a failing row here fails the
  // whole transaction instead (the batch is all or nothing either way). CROSS JOIN keeps the
  // VALUES rows as the outer loop: rows are inserted, and numbered, in the batch's order.
  insertPrefix: `insert or fail into decisions (${[...OWN_COLUMNS, ...CONTEXT_COLUMNS].map(quote).join(', ')}) select ${[
    ...OWN_COLUMNS.map((_, i) => `v.column${i + 1}`),
    ...CONTEXT_COLUMNS.map((column) => `c.${quote(column)}`),
  ].join(', ')} from (values `,
  insertSuffix: `) as v cross join temp.decision_contexts as c where c.id = v.column${OWN_COLUMNS.length + 1}`,
};

/**
 * Rows per INSERT statement in the writer thread (6 parameters each: 300 in all, far below
 * SQLite's limit of 32766).
 */
const ROWS_PER_INSERT = 50;

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
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver,
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
      textIndex: Object.fromEntries(TEXT_COLUMNS.map((column, i) => [column, i])),
      numberIndex: Object.fromEntries(NUMBER_COLUMNS.map((column, i) => [column, i])),
      ...WORKER_SQL,
      ownColumns: OWN_COLUMNS.map(workerColumn),
      contextColumns: CONTEXT_COLUMNS.map(workerColumn),
      rowsPerInsert: ROWS_PER_INSERT,
      textColumns: TEXT_COLUMNS.length,
      numberColumns: NUMBER_COLUMNS.length,
      dropSql: 'insert into decision_drops ("time", dropped, first_time, last_time) values (?, ?, ?, ?)',
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
  worker.on('message', (message: { id: number; error?: string; code?: string }) => {
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
    write(rows, drop) {
      if (closed) return Promise.reject(new AppscopeError('ERR_STORE', 'the decision writer is closed'));
      if (failure !== undefined) return Promise.reject(failure);
      const id = next++;
      const batch = encodeRows(rows);
      const dropTuple =
        drop === undefined ? undefined : [drop.time, drop.dropped, drop.first_time, drop.last_time];
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref(); // keep the process alive while a batch is in flight
        worker.postMessage({ id, batch, drop: dropTuple }, [batch.cells.buffer, batch.numbers.buffer]);
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
      worker.postMessage({ close: true });
      await exited;
    },
  };
}

/**
 * The SQLite decision writer's worker thread (started by `openSqliteDecisionWriter`, never
 * imported): it opens its own connection, prepares its statements once, decodes each batch
 * (see `EncodedBatch`) and writes it in one transaction, then — when asked — writes the batch's
 * request log lines. Everything here runs off the thread that answers requests.
 */
import { writeSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  type CellAt,
  cellAt,
  cellOf,
  type EncodedBatch,
  numberAt,
  rowsOf,
  TEXT_CELLS,
  textAt,
  valueAt,
} from './decision-batch.js';
import {
  ADD_CONTEXT_SQL,
  DECISION_CONTEXT_COLUMNS,
  DECISION_NUMBER_COLUMNS,
  DECISION_TEXT_COLUMNS,
  findContextSql,
  latencyMicros,
  STORED_DECISION_COLUMNS,
  storedPath,
} from './decision-columns.js';
import { rollupIncrements, SQLITE_ROLLUP_ROWS, sqliteRollupUpsert } from './decision-rollups.js';
import { formatRequestLine, missingText } from './request-line.js';
import type { UnauthenticatedCountRow } from './store.js';

/** What the worker is started with. */
export interface DecisionWorkerData {
  readonly path: string;
  readonly busyTimeoutMs: number;
  /** The thread's nice value (Linux: this thread only). */
  readonly nice: number;
  /** Write each stored decision's request line to `fd`; `bindings` is `,"service":…,"pid":…,`. */
  readonly requestLines: { readonly fd: number; readonly bindings: string } | undefined;
}

/** A message to the worker: a batch to write, or the request to close. */
export type DecisionWorkerMessage =
  | { readonly close: true }
  | {
      readonly id: number;
      readonly batch: EncodedBatch;
      /** `[time, dropped, first_time, last_time]` of a drop record. */
      readonly drop: readonly [number, number, number, number] | undefined;
      readonly unauthenticated: readonly UnauthenticatedCountRow[];
    };

/** The worker's answer to a batch: no `error` when it committed. */
export interface DecisionWorkerReply {
  readonly id: number;
  readonly error?: string;
  readonly code?: string;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-decision-worker runs as a worker thread');
const data = workerData as DecisionWorkerData;

try {
  // Linux: nice applies to this thread only. Writing the log is background work: under load,
  // the threads answering requests get the CPU first; the queue in front absorbs the wait, and
  // a writer that fell behind catches up in larger writes (see DecisionLog's maxBatchSize).
  setPriority(data.nice);
} catch {
  // not permitted or not supported: run at normal priority
}

const db = new Database(data.path, { timeout: data.busyTimeoutMs });
db.pragma('synchronous = NORMAL');

const T = Object.fromEntries(DECISION_TEXT_COLUMNS.map((column, i) => [column, i])) as Record<
  (typeof DECISION_TEXT_COLUMNS)[number],
  number
>;
const N = Object.fromEntries(DECISION_NUMBER_COLUMNS.map((column, i) => [column, i])) as Record<
  (typeof DECISION_NUMBER_COLUMNS)[number],
  number
>;

// Contexts (migration 8): a busy gateway writes the same account, install, app, key, mode,
// method, route, requirement, outcome and unmet groups in decision after decision. Each
// distinct set is a `decision_contexts` row, found or added once and remembered here by its
// values; a decision row binds only its own values and its context's id. Contexts are never
// updated or deleted, so a remembered id stays valid — unless the transaction that added it
// rolled back: then the map starts over.
const CONTEXT: readonly CellAt[] = DECISION_CONTEXT_COLUMNS.map(cellOf);
/** The lookup statement for each pattern of null values (at most 2⁵: five columns may be null). */
const finds = new Map<string, Database.Statement<unknown[], number>>();
function findContext(values: readonly (string | number | null)[]): number | undefined {
  const nulls = values.map((value) => value === null);
  const pattern = nulls.map(Number).join('');
  let statement = finds.get(pattern);
  if (statement === undefined) {
    statement = db.prepare<unknown[], number>(findContextSql(nulls)).pluck();
    finds.set(pattern, statement);
  }
  return statement.get(...values.filter((value) => value !== null));
}
const addContext = db.prepare(ADD_CONTEXT_SQL);
const contexts = new Map<string, number>();
const MAX_CONTEXTS = 10_000;

/** True when rows `r` and `q` of a batch share their context (compared by cell, no lookup). */
function sameContext(batch: EncodedBatch, r: number, q: number): boolean {
  for (const column of CONTEXT) if (cellAt(batch, r, column) !== cellAt(batch, q, column)) return false;
  return true;
}

/**
 * The id of row `r`'s context: looked up once per distinct set of cells in a batch (`seen`),
 * in the remembered ids, in the table, or added to it.
 */
function contextOf(batch: EncodedBatch, r: number, seen: Map<string, number>): number {
  let key = '';
  for (const column of CONTEXT) key += `${cellAt(batch, r, column)},`;
  let id = seen.get(key);
  if (id !== undefined) return id;
  const values = CONTEXT.map((column) => valueAt(batch, r, column));
  const name = JSON.stringify(values);
  id = contexts.get(name);
  if (id === undefined) {
    id = findContext(values) ?? Number(addContext.run(...values).lastInsertRowid);
    contexts.set(name, id);
  }
  seen.set(key, id);
  return id;
}

// Rows go in INSERTs of up to ROWS_PER_INSERT rows each: one statement run (binding, VDBE
// start-up, the call into the driver) per chunk instead of per row. OR FAIL: a multi-row
// INSERT that may abort half-way makes SQLite copy every page it touches into a statement
// journal first, to undo just that statement; a failing row here fails the whole transaction
// instead (the batch is all or nothing either way).
const ROWS_PER_INSERT = 50;
const COLUMNS = STORED_DECISION_COLUMNS.length;
const inserts = new Map<number, Database.Statement>();
function insertOf(rows: number): Database.Statement {
  let statement = inserts.get(rows);
  if (statement === undefined) {
    const row = `(${new Array<string>(COLUMNS).fill('?').join(', ')})`;
    statement = db.prepare(
      `insert or fail into decisions (${STORED_DECISION_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${new Array<string>(rows).fill(row).join(', ')}`,
    );
    inserts.set(rows, statement);
  }
  return statement;
}

// Rollups (migration 12): the batch's counts per context and minute, hour and day, added in
// the batch's transaction.
const upserts = new Map<number, Database.Statement>();
function upsertOf(rows: number): Database.Statement {
  let statement = upserts.get(rows);
  if (statement === undefined) {
    statement = db.prepare(sqliteRollupUpsert(rows));
    upserts.set(rows, statement);
  }
  return statement;
}

const dropStatement = db.prepare(
  'insert into decision_drops ("time", dropped, first_time, last_time) values (?, ?, ?, ?)',
);
const countStatement = db.prepare(
  `insert into unauthenticated_requests (minute, reason, address, count) values (?, ?, ?, ?)
   on conflict (minute, reason, address) do update set count = count + excluded.count`,
);

const write = db.transaction(
  (
    batch: EncodedBatch,
    drop: readonly [number, number, number, number] | undefined,
    unauthenticated: readonly UnauthenticatedCountRow[],
  ) => {
    const rows = rowsOf(batch);
    const seen = new Map<string, number>();
    const times = new Float64Array(rows);
    const contextIds = new Float64Array(rows);
    let context = 0;
    for (let first = 0; first < rows; first += ROWS_PER_INSERT) {
      const count = Math.min(ROWS_PER_INSERT, rows - first);
      const values = new Array<unknown>(count * COLUMNS);
      let v = 0;
      for (let r = first; r < first + count; r++) {
        if (r === 0 || !sameContext(batch, r, r - 1)) context = contextOf(batch, r, seen);
        times[r] = numberAt(batch, r, N.time) ?? 0;
        contextIds[r] = context;
        values[v++] = numberAt(batch, r, N.time);
        values[v++] = context;
        values[v++] = textAt(batch, r, T.request_id);
        values[v++] = storedPath(textAt(batch, r, T.path) ?? '', textAt(batch, r, T.route));
        values[v++] = numberAt(batch, r, N.status);
        values[v++] = latencyMicros(numberAt(batch, r, N.latency_ms) ?? 0);
      }
      insertOf(count).run(values);
    }
    const increments = rollupIncrements(times, contextIds);
    for (let i = 0; i < increments.length; i += SQLITE_ROLLUP_ROWS * 4) {
      const parameters = increments.slice(i, i + SQLITE_ROLLUP_ROWS * 4);
      upsertOf(parameters.length / 4).run(parameters);
    }
    if (drop !== undefined) dropStatement.run(drop);
    for (const row of unauthenticated) countStatement.run(row.minute, row.reason, row.address, row.count);
  },
);

// Request log lines (serve at --log-level info): one per decision of a committed batch, in the
// shape serve writes for every other request, in line-aligned writes of at most 4096 bytes
// (PIPE_BUF: a write that size to a pipe is never interleaved with another thread's).
const lines = data.requestLines;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));
let linesClosed = false;
/** Longest a write waits for a full pipe (ms); past it this batch's lines are dropped (see log-destination.ts). */
const STALL_MS = 1000;
/** The last write gave up on a full pipe: the next ones are tried once, never waited on. */
let linesStalled = false;

function writeOut(fd: number, bytes: Buffer, length: number): void {
  let offset = 0;
  let waitingSince: number | undefined;
  while (offset < length && !linesClosed) {
    try {
      offset += writeSync(fd, bytes, offset, length - offset);
      waitingSince = undefined;
      linesStalled = false;
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== 'EAGAIN') {
        linesClosed = true;
        return;
      }
      // A reader that stopped reading must not hold up the decisions (nor a shutdown waiting
      // for them): past STALL_MS the rest of these lines is dropped.
      waitingSince ??= Date.now();
      if (linesStalled || Date.now() - waitingSince >= STALL_MS) {
        linesStalled = true;
        return;
      }
      Atomics.wait(SLEEP, 0, 0, 1);
    }
  }
}

// Lines are encoded straight into one reused buffer, written out whenever the next line
// might not fit (a line's UTF-8 length is at most three bytes per UTF-16 unit; a line that
// might not fit the empty buffer is written on its own). A batch sends each distinct text
// once (see EncodedBatch): each is escaped as JSON once per batch, not once per line.
const CHUNK = Buffer.allocUnsafe(4096);

/** `convert(text)`, made once for each distinct text of the batch (looked up by its index). */
function perText<T>(batch: EncodedBatch, convert: (text: string) => T): (at: number) => T {
  const done = new Array<T | undefined>(batch.texts.length);
  return (at) => {
    let value = done[at];
    if (value === undefined) done[at] = value = convert(batch.texts[at]!);
    return value;
  };
}

function writeLines(batch: EncodedBatch, fd: number, bindings: string): void {
  const rows = rowsOf(batch);
  const escaped = perText(batch, (text) => JSON.stringify(text));
  const unmet = perText(batch, (text) =>
    text === '[]' ? null : missingText(JSON.parse(text) as string[][]),
  );
  const quoted = (r: number, c: number): string => {
    const at = batch.cells[r * TEXT_CELLS + c]!;
    return at < 0 ? 'null' : escaped(at);
  };
  const missingOf = (r: number): string | null => {
    const at = batch.cells[r * TEXT_CELLS + T.missing]!;
    return at < 0 ? null : unmet(at);
  };
  let used = 0;
  for (let r = 0; r < rows && !linesClosed; r++) {
    const line = formatRequestLine(
      bindings,
      numberAt(batch, r, N.time) ?? 0,
      textAt(batch, r, T.request_id) ?? '',
      textAt(batch, r, T.method) ?? '',
      quoted(r, T.path),
      quoted(r, T.route),
      numberAt(batch, r, N.status),
      numberAt(batch, r, N.latency_ms) ?? 0,
      {
        outcome: textAt(batch, r, T.outcome) ?? '',
        account: quoted(r, T.account_id),
        install: quoted(r, T.install_id),
        key: quoted(r, T.key_hint),
        missing: missingOf(r),
      },
    );
    const most = line.length * 3;
    if (used + most > CHUNK.length && used > 0) {
      writeOut(fd, CHUNK, used);
      used = 0;
    }
    if (most > CHUNK.length) {
      const bytes = Buffer.from(line, 'utf8');
      writeOut(fd, bytes, bytes.length);
      continue;
    }
    used += CHUNK.write(line, used);
  }
  if (used > 0) writeOut(fd, CHUNK, used);
}

port.on('message', (message: DecisionWorkerMessage) => {
  if ('close' in message) {
    db.close();
    port.close();
    return;
  }
  try {
    if (contexts.size > MAX_CONTEXTS) contexts.clear();
    write.immediate(message.batch, message.drop, message.unauthenticated);
  } catch (error) {
    contexts.clear(); // the rollback may have taken contexts this batch added with it
    const failure = error as { message?: unknown; code?: unknown } | null;
    const reply: DecisionWorkerReply = {
      id: message.id,
      error: String(failure?.message),
      ...(typeof failure?.code === 'string' ? { code: failure.code } : {}),
    };
    port.postMessage(reply);
    return;
  }
  if (lines !== undefined) writeLines(message.batch, lines.fd, lines.bindings);
  port.postMessage({ id: message.id } satisfies DecisionWorkerReply);
});

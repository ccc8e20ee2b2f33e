import type { DecisionRecord, DecisionSink, UnauthenticatedRequest } from '../gateway/decision-record.js';
import type { GatewayMetrics } from '../server/metrics.js';
import { type DecisionWriter, storeDecisionWriter } from '../store/sqlite-decision-writer.js';
import type { Store, UnauthenticatedCountRow } from '../store/store.js';
import type { JsonLinesOutput } from './json-lines.js';
import { toDecisionJson, toDecisionRow } from './rows.js';

/** Options for {@link DecisionLog}; every one has a default. */
export interface DecisionLogOptions {
  /** Where batches are written (omit for JSON lines only). */
  readonly store?: Store;
  /**
   * How batches reach the store (default: the store's own transactions). `serve` uses
   * `openSqliteDecisionWriter` for an embedded SQLite file, off the request thread.
   */
  readonly writer?: DecisionWriter;
  /** Also write every decision as one JSON line here (`--decision-log-jsonl`). */
  readonly jsonl?: JsonLinesOutput;
  /** Counted on `record()`; queue depth, writes and drops are reported too. */
  readonly metrics?: GatewayMetrics;
  /** Most decisions held in memory; past it, new ones are dropped and counted (default 100 000). */
  readonly maxQueue?: number;
  /** Decisions per write; a full batch is written at once (default 200). */
  readonly batchSize?: number;
  /**
   * Most decisions per write when the writer has fallen behind (default 4 × `batchSize`): what
   * queued up during the previous write goes in one write (group commit), so the cost of a
   * write (a transaction, a round trip to the writer thread) is paid once for all of it.
   */
  readonly maxBatchSize?: number;
  /** Longest a decision waits before it is written, in ms (default 500). */
  readonly flushIntervalMs?: number;
  /**
   * Most distinct (minute, reason, address) counts of unauthenticated requests held between two
   * writes (default 10 000); past it, further addresses are counted under `other`.
   */
  readonly maxUnauthenticatedKeys?: number;
  /** Milliseconds since the epoch (default `Date.now`), for drop records. */
  readonly clock?: () => number;
  /** Told about every failed write (the batch is kept and retried). Default: ignored. */
  readonly onError?: (error: unknown) => void;
}

/** What the log has done so far (this process only). */
export interface DecisionLogStats {
  /** Waiting to be written (including batches being retried). */
  readonly queued: number;
  readonly written: number;
  /** Dropped because the queue was full, or because the store still failed at close. */
  readonly dropped: number;
  readonly writeErrors: number;
  /** Requests refused before authentication, counted (and aggregated per minute, reason and address). */
  readonly unauthenticated: number;
}

/** The address under which unauthenticated requests are counted once too many distinct ones wait. */
export const OTHER_ADDRESSES = 'other';

/** The start of the minute (ms) a time (ms) falls in. */
export function minuteOf(time: number): number {
  return Math.floor(time / 60_000) * 60_000;
}

interface PendingDrop {
  count: number;
  first: number;
  last: number;
}

/**
 * The decision log: a {@link DecisionSink} whose `record()` only counts the decision in the
 * metrics and pushes it on a bounded in-memory queue. Batches leave the queue off the request
 * path — when `batchSize` decisions are waiting, or every `flushIntervalMs` — and go to the
 * store (one transaction per batch, through `writer`) and, optionally, out as JSON lines.
 *
 * Requests refused before a caller was authenticated (`recordUnauthenticated`) are counted in
 * `appscope_unauthenticated_requests_total{reason}` and added up in memory per minute, reason
 * and client address; the counts go out with the next write, where a row for the same minute,
 * reason and address adds to the stored one. A flood of bad keys grows the store by at most one
 * row per minute, reason and address, never by a row per request.
 *
 * When the queue is full, new decisions are dropped: counted in
 * `appscope_decision_log_dropped_total`, in {@link DecisionLog.stats}, and written to the store
 * as a `decision_drops` row with the next batch, so `appscope logs --stats` shows the gap. A
 * batch the store refuses is kept and retried on the next flush. `close()` writes what is left.
 *
 * @example
 * const log = new DecisionLog({ store, metrics, jsonl: await openJsonLines('-') });
 * const app = await createServer({ domain, routes, decisions: log, metrics });
 * // … on SIGTERM, after the server stopped:
 * await log.close();
 */
export class DecisionLog implements DecisionSink {
  readonly #writer: DecisionWriter | undefined;
  readonly #jsonl: JsonLinesOutput | undefined;
  readonly #metrics: GatewayMetrics | undefined;
  readonly #maxQueue: number;
  readonly #batchSize: number;
  readonly #maxBatchSize: number;
  readonly #maxUnauthenticatedKeys: number;
  readonly #clock: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #timer: NodeJS.Timeout;

  /** New decisions, not yet written anywhere. */
  #queue: DecisionRecord[] = [];
  /** Decisions already sent to JSON lines whose store write failed: retried first. */
  #retry: DecisionRecord[] = [];
  #pendingDrop: PendingDrop | undefined;
  /** Unauthenticated requests not yet written, by minute, reason and address. */
  #unauthenticatedCounts = new Map<
    string,
    { -readonly [K in keyof UnauthenticatedCountRow]: UnauthenticatedCountRow[K] }
  >();
  #unauthenticated = 0;
  #flushScheduled = false;
  /**
   * How many decisions at the head of the queue must be written even in a partial batch: those
   * that were queued when the timer ticked or `flush()`/`close()` was called. Past them, only
   * full batches are written, so a busy gateway sends one write per `batchSize` decisions, not
   * one per handful that arrived during the previous write — also while a drain that a tick
   * started keeps finding new decisions under sustained load.
   */
  #owed = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #written = 0;
  #dropped = 0;
  #writeErrors = 0;

  constructor(options: DecisionLogOptions = {}) {
    this.#writer =
      options.writer ?? (options.store === undefined ? undefined : storeDecisionWriter(options.store));
    this.#jsonl = options.jsonl;
    this.#metrics = options.metrics;
    this.#maxQueue = positive(options.maxQueue, 100_000, 'maxQueue');
    this.#batchSize = positive(options.batchSize, 200, 'batchSize');
    this.#maxBatchSize = positive(options.maxBatchSize, 4 * this.#batchSize, 'maxBatchSize');
    if (this.#maxBatchSize < this.#batchSize) {
      throw new RangeError(
        `maxBatchSize (${this.#maxBatchSize}) must be at least batchSize (${this.#batchSize})`,
      );
    }
    this.#maxUnauthenticatedKeys = positive(options.maxUnauthenticatedKeys, 10_000, 'maxUnauthenticatedKeys');
    this.#clock = options.clock ?? Date.now;
    this.#onError = options.onError ?? (() => {});
    const interval = positive(options.flushIntervalMs, 500, 'flushIntervalMs');
    // A drain in progress picks up whatever arrives meanwhile: the timer and full batches only
    // start one when none is running.
    this.#timer = setInterval(() => this.#kick(true), interval);
    this.#timer.unref();
    this.#metrics?.trackQueueDepth(() => this.#queue.length + this.#retry.length);
  }

  /**
   * Counts a request refused before authentication: in the metrics, and in memory under its
   * minute, reason and address, written with the next batch. Returns at once and never throws.
   */
  recordUnauthenticated(entry: UnauthenticatedRequest): void {
    this.#metrics?.observeUnauthenticated(entry.reason);
    this.#unauthenticated += 1;
    if (this.#closed) return;
    const minute = minuteOf(entry.time);
    const counts = this.#unauthenticatedCounts;
    let key = `${minute} ${entry.reason} ${entry.address}`;
    let count = counts.get(key);
    if (count === undefined) {
      let address = entry.address;
      if (counts.size >= this.#maxUnauthenticatedKeys) {
        address = OTHER_ADDRESSES;
        key = `${minute} ${entry.reason} ${address}`;
        count = counts.get(key);
      }
      if (count === undefined) {
        count = { minute, reason: entry.reason, address, count: 0 };
        counts.set(key, count);
      }
    }
    count.count += 1;
  }

  /**
   * Counts the decision and queues it; returns at once and never throws. True when it was
   * queued, false when it was dropped (the queue was full, or the log is closed).
   */
  record(entry: DecisionRecord): boolean {
    this.#metrics?.observeDecision(entry);
    if (this.#closed || this.#queue.length + this.#retry.length >= this.#maxQueue) {
      this.#drop(1, entry.time, entry.time);
      return false;
    }
    this.#queue.push(entry);
    if (this.#queue.length >= this.#batchSize && !this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#kick(false);
      });
    }
    return true;
  }

  /**
   * Writes everything queued now, in batches; resolves when done. Never rejects: a failed
   * batch stays queued (and is reported to `onError`) for the next flush.
   */
  flush(): Promise<void> {
    return this.#start(true);
  }

  /** One drain at a time; a drain asked for during another runs right after it. */
  #start(all: boolean): Promise<void> {
    const previous = this.#flushing ?? Promise.resolve();
    const next = previous.then(() => {
      if (all) this.#owe();
      return this.#drain();
    });
    this.#flushing = next.finally(() => {
      if (this.#flushing === tracked) this.#flushing = undefined;
    });
    const tracked = this.#flushing;
    return tracked;
  }

  /**
   * Stops taking decisions (later ones are dropped and counted), writes what is queued, and
   * closes the JSON lines output. Decisions the store still refuses are counted as dropped.
   */
  async close(): Promise<DecisionLogStats> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#timer);
      await this.flush();
      if (this.#retry.length > 0 || this.#queue.length > 0) await this.flush(); // one more try
      const lost = this.#retry.length + this.#queue.length;
      if (lost > 0) {
        this.#retry = [];
        this.#queue = [];
        this.#drop(lost, this.#clock(), this.#clock());
      }
      for (const output of [this.#jsonl, this.#writer]) {
        try {
          await output?.close();
        } catch (error) {
          this.#onError(error);
        }
      }
    }
    return this.stats();
  }

  /** Most decisions the queue holds; past it new ones are dropped (`maxQueue`). */
  get capacity(): number {
    return this.#maxQueue;
  }

  /** What this log has queued, written and dropped so far (this process). */
  stats(): DecisionLogStats {
    return {
      queued: this.#queue.length + this.#retry.length,
      written: this.#written,
      dropped: this.#dropped,
      writeErrors: this.#writeErrors,
      unauthenticated: this.#unauthenticated,
    };
  }

  /** Starts a drain unless one is under way; `all` also makes it write everything queued now. */
  #kick(all: boolean): void {
    if (all) this.#owe();
    if (this.#flushing === undefined) void this.#start(all);
  }

  /** Everything queued now goes out with the drain under way (or the next one). */
  #owe(): void {
    this.#owed = this.#queue.length;
  }

  /** Counts dropped decisions and remembers them for the next `decision_drops` row. */
  #drop(count: number, first: number, last: number): void {
    this.#dropped += count;
    this.#metrics?.decisionsDropped(count);
    this.#remember({ count, first, last });
  }

  #remember(drop: PendingDrop): void {
    const pending = this.#pendingDrop;
    if (pending === undefined) this.#pendingDrop = { ...drop };
    else {
      pending.count += drop.count;
      pending.first = Math.min(pending.first, drop.first);
      pending.last = Math.max(pending.last, drop.last);
    }
  }

  async #drain(): Promise<void> {
    // Retries first (already sent as JSON lines), then new decisions, batch by batch; requests
    // get the event loop between batches (an embedded SQLite write does not yield by itself).
    while (this.#retry.length > 0) {
      const batch = this.#retry.splice(0, this.#maxBatchSize);
      if (!(await this.#writeStore(batch))) return;
      await yieldToRequests();
    }
    while (this.#queue.length >= this.#batchSize || (this.#owed > 0 && this.#queue.length > 0)) {
      const batch = this.#queue.splice(0, this.#maxBatchSize);
      this.#owed = Math.max(0, this.#owed - batch.length);
      await this.#writeJsonLines(batch);
      if (!(await this.#writeStore(batch))) return;
      await yieldToRequests();
    }
    if (this.#pendingDrop !== undefined || this.#unauthenticatedCounts.size > 0) await this.#writeStore([]);
  }

  /** Takes the counts waiting to be written (they are put back if the write fails). */
  #takeUnauthenticated(): UnauthenticatedCountRow[] {
    if (this.#unauthenticatedCounts.size === 0) return [];
    const counts = [...this.#unauthenticatedCounts.values()];
    this.#unauthenticatedCounts = new Map();
    return counts;
  }

  /** Puts counts back after a failed write, as far as there is room (the rest are lost: they are in the metrics). */
  #restoreUnauthenticated(rows: readonly UnauthenticatedCountRow[]): void {
    const counts = this.#unauthenticatedCounts;
    for (const row of rows) {
      const key = `${row.minute} ${row.reason} ${row.address}`;
      const count = counts.get(key);
      if (count !== undefined) count.count += row.count;
      else if (counts.size < this.#maxUnauthenticatedKeys) counts.set(key, { ...row });
    }
  }

  async #writeJsonLines(batch: readonly DecisionRecord[]): Promise<void> {
    if (this.#jsonl === undefined) return;
    let text = '';
    for (const entry of batch) text += `${JSON.stringify(toDecisionJson(entry))}\n`;
    try {
      await this.#jsonl.write(text);
    } catch (error) {
      this.#onError(error);
    }
  }

  /** One transaction: the batch and any drop record. False when the store refused it. */
  async #writeStore(batch: DecisionRecord[]): Promise<boolean> {
    const writer = this.#writer;
    if (writer === undefined) {
      this.#pendingDrop = undefined; // JSON lines only: the counters are all there is
      this.#unauthenticatedCounts.clear();
      this.#written += batch.length;
      this.#metrics?.decisionsWritten(batch.length);
      return true;
    }
    const drop = this.#pendingDrop;
    this.#pendingDrop = undefined;
    const unauthenticated = this.#takeUnauthenticated();
    const started = performance.now();
    try {
      await writer.write(
        batch.map(toDecisionRow),
        drop === undefined
          ? undefined
          : {
              time: this.#clock(),
              dropped: drop.count,
              first_time: Math.round(drop.first),
              last_time: Math.round(drop.last),
            },
        unauthenticated,
      );
      this.#written += batch.length;
      this.#metrics?.decisionsWritten(batch.length, (performance.now() - started) / 1000);
      return true;
    } catch (error) {
      this.#writeErrors += 1;
      this.#metrics?.writeFailed();
      this.#onError(error);
      if (drop !== undefined) this.#remember(drop); // the drop record is written with the next batch
      this.#restoreUnauthenticated(unauthenticated);
      // Keep the batch for the next flush, as far as the queue has room.
      const room = Math.max(0, this.#maxQueue - this.#queue.length - this.#retry.length);
      const kept = batch.slice(0, room);
      this.#retry.unshift(...kept);
      if (kept.length < batch.length) {
        const lost = batch.slice(kept.length);
        this.#drop(lost.length, lost[0]!.time, lost.at(-1)!.time);
      }
      return false;
    }
  }
}

function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

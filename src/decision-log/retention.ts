import type { DecisionLogSize, Store } from '../store/store.js';

/** The default `--decision-log-max-bytes`: 256 MiB. */
export const DEFAULT_DECISION_LOG_MAX_BYTES = 256 * 1024 * 1024;

/** Options of {@link DecisionLogRetention}. */
export interface DecisionLogRetentionOptions {
  /** Delete decisions older than this (ms); undefined keeps them whatever their age. */
  readonly maxAgeMs?: number | undefined;
  /** Keep the decision log under this many bytes (see `DecisionLogSize`); undefined: no limit. */
  readonly maxBytes?: number | undefined;
  /** Decisions per delete (default 1000): each is one short transaction. */
  readonly chunk?: number;
  /** Pruning for size aims this far under the limit (default 0.9), so it does not run at every check. */
  readonly headroom?: number;
}

/** What one {@link DecisionLogRetention.prune} did. */
export interface PruneResult {
  /** Decisions deleted for their age. */
  readonly byAge: number;
  /** Decisions deleted (oldest first) to bring the log under its size limit. */
  readonly bySize: number;
  /** The log's size when the pruning ended, in bytes (as `DecisionLogSize` measures it). */
  readonly bytes: number;
}

/**
 * Keeps the decision log bounded by age and by size, deleting the oldest first, in short
 * transactions of `chunk` decisions with the event loop yielded between them (a backlog never
 * stalls requests). `serve` runs it every minute.
 *
 * Size: when the log is over `maxBytes`, the oldest decisions (and drop records and
 * unauthenticated counts of the same time) go until about `headroom × maxBytes` remain: the
 * share to delete is estimated from the bytes and the range of `seq`, then SQLite (whose
 * measure counts pages in use, so it shrinks as rows go) is measured again, up to four rounds.
 * PostgreSQL's relation sizes do not shrink when rows are deleted (VACUUM makes the space
 * reusable, not smaller): there, the number of decisions left after pruning becomes the cap,
 * and later checks delete only what grew past it while the size stays over the limit.
 * @example
 * const retention = new DecisionLogRetention(store, { maxAgeMs: 30 * 86_400_000, maxBytes: 256 * 2 ** 20 });
 * setInterval(() => void retention.prune(Date.now()), 60_000);
 */
export class DecisionLogRetention {
  readonly #store: Store;
  readonly #maxAgeMs: number | undefined;
  readonly #maxBytes: number | undefined;
  readonly #chunk: number;
  readonly #headroom: number;
  /** PostgreSQL: how many decisions the last size pruning left. */
  #cap: number | undefined;

  constructor(store: Store, options: DecisionLogRetentionOptions = {}) {
    this.#store = store;
    if (options.maxAgeMs !== undefined && !(options.maxAgeMs > 0)) {
      throw new RangeError('maxAgeMs must be a positive number of milliseconds');
    }
    if (options.maxBytes !== undefined && !(Number.isSafeInteger(options.maxBytes) && options.maxBytes > 0)) {
      throw new RangeError('maxBytes must be a positive integer');
    }
    const chunk = options.chunk ?? 1000;
    if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError('chunk must be a positive integer');
    const headroom = options.headroom ?? 0.9;
    if (!(headroom > 0 && headroom <= 1)) throw new RangeError('headroom must be in (0, 1]');
    this.#maxAgeMs = options.maxAgeMs;
    this.#maxBytes = options.maxBytes;
    this.#chunk = chunk;
    this.#headroom = headroom;
  }

  /** Prunes by age, then by size; `now` is milliseconds since the epoch. */
  async prune(now: number): Promise<PruneResult> {
    const byAge = this.#maxAgeMs === undefined ? 0 : await this.#deleteBefore(now - this.#maxAgeMs);
    let bySize = 0;
    let size = await this.#size();
    const maxBytes = this.#maxBytes;
    if (maxBytes === undefined) return { byAge, bySize, bytes: size.bytes };
    const exact = this.#store.dialect === 'sqlite';
    for (let round = 0; round < 4 && size.bytes > maxBytes; round++) {
      const rows =
        size.oldestSeq === null || size.newestSeq === null ? 0 : size.newestSeq - size.oldestSeq + 1;
      let keep = Math.floor((rows * this.#headroom * maxBytes) / size.bytes);
      if (!exact) {
        if (this.#cap !== undefined && rows <= this.#cap) break; // the excess is space waiting for reuse
        keep = this.#cap ?? keep;
      }
      const cutoff = await this.#cutoff(size, rows - keep, 1 - (this.#headroom * maxBytes) / size.bytes);
      if (cutoff === undefined) break;
      const deleted = await this.#deleteBefore(cutoff);
      bySize += deleted;
      if (!exact) {
        this.#cap = keep;
        break;
      }
      const before = size.bytes;
      size = await this.#size();
      if (size.bytes >= before) break; // nothing left that pruning frees
    }
    return { byAge, bySize, bytes: size.bytes };
  }

  #size(): Promise<DecisionLogSize> {
    return this.#store.transaction((tx) => tx.decisionLogSize(), { readOnly: true });
  }

  /**
   * The time before which to delete: that of the first decision past the `excess` oldest, or,
   * with no decision to delete, a `share` of the range of unauthenticated counts' minutes.
   */
  async #cutoff(size: DecisionLogSize, excess: number, share: number): Promise<number | undefined> {
    if (size.oldestSeq !== null && excess > 0) {
      const time = await this.#store.transaction((tx) => tx.decisionTimeFrom(size.oldestSeq! + excess), {
        readOnly: true,
      });
      return time ?? Number.MAX_SAFE_INTEGER;
    }
    if (size.oldestMinute !== null && size.newestMinute !== null) {
      const span = size.newestMinute - size.oldestMinute + 60_000;
      return size.oldestMinute + Math.max(60_000, Math.ceil((share * span) / 60_000) * 60_000);
    }
    return undefined;
  }

  /** Deletes decisions older than `before` in chunks, yielding between them; returns how many. */
  async #deleteBefore(before: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.#store.transaction((tx) => tx.pruneDecisions(before, this.#chunk));
      total += deleted;
      if (deleted < this.#chunk) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

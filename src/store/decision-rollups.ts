/**
 * Decision rollups (migration 12): decisions counted per context and per minute, hour and UTC
 * day bucket. Writers add a batch's counts in the batch's transaction (see
 * {@link rollupIncrements}); pruning takes the pruned decisions' counts off again; readers split
 * a time range into whole buckets, read from the rollups, and the partial minutes at its edges,
 * counted from the decisions themselves (see {@link splitRange}). The answers are exact.
 */

/** The bucket sizes kept, narrowest first (ms): a minute, an hour, a day. */
export const ROLLUP_SPANS = [60_000, 3_600_000, 86_400_000] as const;

/** A piece of a time range: whole buckets of one span, or raw decisions (`span` 0). */
export interface RangePiece {
  /** The bucket size, or 0 for decisions counted one by one. */
  readonly span: number;
  /** Milliseconds, inclusive (for buckets: the first bucket's start). */
  readonly from: number;
  /** Milliseconds, exclusive (for buckets: the end of the last one). */
  readonly to: number;
}

/**
 * Splits `[since, until)` into whole buckets, widest first, and the raw edges no whole minute
 * covers (at most a minute on each side).
 * @example
 * splitRange(90_000, 7_230_000);
 * // raw [90 s, 120 s), minutes [120 s, 1 h), hours [1 h, 2 h), raw [2 h, 2 h 30 s)
 */
export function splitRange(since: number, until: number): RangePiece[] {
  const pieces: RangePiece[] = [];
  const cover = (from: number, to: number, level: number): void => {
    if (from >= to) return;
    if (level < 0) {
      pieces.push({ span: 0, from, to });
      return;
    }
    const span = ROLLUP_SPANS[level]!;
    const first = Math.ceil(from / span) * span;
    const last = Math.floor(to / span) * span;
    if (first >= last) {
      cover(from, to, level - 1);
      return;
    }
    cover(from, first, level - 1);
    pieces.push({ span, from: first, to: last });
    cover(last, to, level - 1);
  };
  cover(Math.max(0, since), Math.max(0, until), ROLLUP_SPANS.length - 1);
  return pieces;
}

/**
 * The rollup counts a batch adds: one `[span, context id, bucket, count]` per distinct bucket
 * of each span, in a flat array (four numbers a row), so one statement can add them all.
 * @example
 * rollupIncrements([60_000, 61_000], [7, 7]); // [60000, 7, 60000, 2, 3600000, 7, 0, 2, 86400000, 7, 0, 2]
 */
export function rollupIncrements(times: ArrayLike<number>, contexts: ArrayLike<number>): number[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < times.length; i++) {
    const minute = Math.floor(times[i]! / 60_000) * 60_000;
    const key = `${contexts[i]!},${minute}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return widen(counts);
}

/**
 * Minute counts (`"context,minute"` → count) to every span's rows, sorted by span, context and
 * bucket: writers on one PostgreSQL then lock the rows they share in the same order, so two
 * batches adding to the same buckets wait for each other instead of deadlocking.
 */
function widen(minutes: Map<string, number>): number[] {
  const rows: number[] = [];
  for (const span of ROLLUP_SPANS) {
    const counts = new Map<string, number>();
    for (const [key, count] of minutes) {
      const comma = key.indexOf(',');
      const bucket = Math.floor(Number(key.slice(comma + 1)) / span) * span;
      const wider = `${key.slice(0, comma)},${bucket}`;
      counts.set(wider, (counts.get(wider) ?? 0) + count);
    }
    const sorted = [...counts].map(([key, count]) => {
      const comma = key.indexOf(',');
      return [Number(key.slice(0, comma)), Number(key.slice(comma + 1)), count] as const;
    });
    sorted.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [context, bucket, count] of sorted) rows.push(span, context, bucket, count);
  }
  return rows;
}

/** Rows an SQLite rollup upsert takes at most (four parameters each). */
export const SQLITE_ROLLUP_ROWS = 200;

const sqliteUpserts = new Map<number, string>();
/**
 * SQLite: adds `rows` rollup counts (`?` four a row, as {@link rollupIncrements} lays them out);
 * a bucket already there adds to its count. Cached per row count.
 */
export function sqliteRollupUpsert(rows: number): string {
  let text = sqliteUpserts.get(rows);
  if (text === undefined) {
    text = `insert into decision_rollups (span, context_id, bucket, count) values ${new Array<string>(rows)
      .fill('(?, ?, ?, ?)')
      .join(', ')} on conflict (span, context_id, bucket) do update set count = count + excluded.count`;
    sqliteUpserts.set(rows, text);
  }
  return text;
}

/** PostgreSQL: the same, one array parameter per column (rows must be distinct buckets). */
export const POSTGRES_ROLLUP_UPSERT = `insert into decision_rollups (span, context_id, bucket, count)
  select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])
  on conflict (span, context_id, bucket) do update set count = decision_rollups.count + excluded.count`;

/**
 * Pruning takes the pruned decisions' counts off (one parameter: the rows of
 * {@link rollupIncrements} as a JSON array), then deletes the buckets left empty.
 */
export const SQLITE_ROLLUP_SUBTRACT = [
  `update decision_rollups set count = decision_rollups.count - j.n
    from (select value ->> 0 as span, value ->> 1 as context_id, value ->> 2 as bucket, value ->> 3 as n
      from json_each(?)) as j
    where decision_rollups.span = j.span and decision_rollups.context_id = j.context_id
      and decision_rollups.bucket = j.bucket`,
  `delete from decision_rollups where count <= 0 and (span, context_id, bucket) in
    (select value ->> 0, value ->> 1, value ->> 2 from json_each(?))`,
] as const;

/** PostgreSQL: the same, with one array parameter per column. */
export const POSTGRES_ROLLUP_SUBTRACT = [
  `update decision_rollups r set count = r.count - u.n
    from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) as u(span, context_id, bucket, n)
    where r.span = u.span and r.context_id = u.context_id and r.bucket = u.bucket`,
  `delete from decision_rollups r
    using unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) as u(span, context_id, bucket, n)
    where r.span = u.span and r.context_id = u.context_id and r.bucket = u.bucket and r.count <= 0`,
] as const;

/** Rows of {@link rollupIncrements} (four numbers each) as four columns. */
export function rollupColumns(rows: readonly number[]): [number[], number[], number[], number[]] {
  const columns: [number[], number[], number[], number[]] = [[], [], [], []];
  for (let i = 0; i < rows.length; i++) columns[i % 4]!.push(rows[i]!);
  return columns;
}

/** Rows of {@link rollupIncrements} as a JSON array of four-number arrays. */
export function rollupJson(rows: readonly number[]): string {
  const out: number[][] = [];
  for (let i = 0; i < rows.length; i += 4) out.push(rows.slice(i, i + 4));
  return JSON.stringify(out);
}

import { DECISION_NUMBER_COLUMNS, DECISION_TEXT_COLUMNS } from './decision-columns.js';
import type { NewDecisionRow } from './store.js';

/**
 * A batch of decisions as it crosses to the SQLite decision writer's worker thread: each
 * distinct text once (`texts`), every row's texts as indexes into it (`cells`, -1 for null, in
 * `DECISION_TEXT_COLUMNS` order) and its numbers (`numbers`, NaN for null, in
 * `DECISION_NUMBER_COLUMNS` order); both typed arrays are transferred, not copied. A busy
 * gateway sends the same account, install, route and requirement over and over: cloning 15
 * values per decision cost more of the request thread than a few map lookups do.
 */
export interface EncodedBatch {
  readonly texts: string[];
  readonly cells: Int32Array<ArrayBuffer>;
  readonly numbers: Float64Array<ArrayBuffer>;
}

/** How many text and number cells a row has. */
export const TEXT_CELLS = DECISION_TEXT_COLUMNS.length;
export const NUMBER_CELLS = DECISION_NUMBER_COLUMNS.length;

/** Where a column's cell is in a row: its text or number column index. */
export interface CellAt {
  readonly text: boolean;
  readonly at: number;
}

/** Where to find `column` in an encoded row. */
export function cellOf(column: keyof NewDecisionRow): CellAt {
  const text = (DECISION_TEXT_COLUMNS as readonly string[]).indexOf(column);
  if (text >= 0) return { text: true, at: text };
  const number = (DECISION_NUMBER_COLUMNS as readonly string[]).indexOf(column);
  if (number < 0) throw new RangeError(`\`${column}\` is not a column of an encoded batch`);
  return { text: false, at: number };
}

/**
 * Encodes rows for the worker (see {@link EncodedBatch}).
 * @example
 * const batch = encodeRows(rows);
 * worker.postMessage({ id, batch }, [batch.cells.buffer, batch.numbers.buffer]);
 */
export function encodeRows(rows: readonly NewDecisionRow[]): EncodedBatch {
  const texts: string[] = [];
  const seen = new Map<string, number>();
  const cells = new Int32Array(rows.length * TEXT_CELLS);
  const numbers = new Float64Array(rows.length * NUMBER_CELLS);
  let cell = 0;
  let number = 0;
  for (const row of rows) {
    // request ids are all different: no point looking them up
    cells[cell++] = texts.push(row.request_id) - 1;
    for (let c = 1; c < TEXT_CELLS; c++) {
      const value = row[DECISION_TEXT_COLUMNS[c]!];
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
    for (const column of DECISION_NUMBER_COLUMNS) {
      const value = row[column];
      numbers[number++] = value === null ? Number.NaN : value;
    }
  }
  return { texts, cells, numbers };
}

/** Rows in a batch. */
export function rowsOf(batch: EncodedBatch): number {
  return batch.cells.length / TEXT_CELLS;
}

/** Text column `c` of row `r`, or null. */
export function textAt(batch: EncodedBatch, r: number, c: number): string | null {
  const at = batch.cells[r * TEXT_CELLS + c]!;
  return at < 0 ? null : batch.texts[at]!;
}

/** Number column `c` of row `r`, or null. */
export function numberAt(batch: EncodedBatch, r: number, c: number): number | null {
  const value = batch.numbers[r * NUMBER_CELLS + c]!;
  return Number.isNaN(value) ? null : value;
}

/** A column's value in row `r`. */
export function valueAt(batch: EncodedBatch, r: number, column: CellAt): string | number | null {
  return column.text ? textAt(batch, r, column.at) : numberAt(batch, r, column.at);
}

/**
 * A column's raw cell in row `r`: a text's index in the batch or the number itself. Within a
 * batch, equal cells are equal values.
 */
export function cellAt(batch: EncodedBatch, r: number, column: CellAt): number {
  return column.text
    ? batch.cells[r * TEXT_CELLS + column.at]!
    : batch.numbers[r * NUMBER_CELLS + column.at]!;
}

import type { TestDatabase } from '../store/dialects.js';

/** One place that may hold a secret: a cell (`table.column (row i)`) or a file, and its text. */
export interface Place {
  readonly where: string;
  readonly text: string;
}

/** Text of one cell, whatever the driver returned (bytes as latin1, so any byte can be found). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Every cell of every table in the database, listed from the catalog (so a table added later is
 * scanned too), with each table's row count. For the tests that look for secrets at rest.
 */
export async function everyCell(
  db: TestDatabase,
  dialect: string,
): Promise<{ rows: Map<string, number>; cells: Place[] }> {
  const tables = (
    await db.exec(
      dialect === 'sqlite'
        ? `select name from sqlite_master where type = 'table' order by name`
        : `select table_name as name from information_schema.tables
           where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
    )
  ).map((row) => String(row['name']));
  const cells: Place[] = [];
  const counts = new Map<string, number>();
  for (const table of tables) {
    const rows = await db.exec(`select * from "${table}"`);
    counts.set(table, rows.length);
    rows.forEach((row, i) => {
      for (const [column, value] of Object.entries(row)) {
        cells.push({ where: `${table}.${column} (row ${i})`, text: cellText(value) });
      }
    });
  }
  return { rows: counts, cells };
}

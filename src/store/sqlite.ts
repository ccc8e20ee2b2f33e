import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { AppscopeError } from '../errors.js';
import { type DialectAdapter, KyselyStore, type TransactionKind } from './kysely-store.js';
import type { Database } from './schema.js';
import type { Store, StoreChange } from './store.js';

/** Options for the embedded SQLite store. */
export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a private in-memory database (tests). */
  readonly path: string;
  /** How long a writer waits for another process's write transaction, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /**
   * How often, in ms, to check whether a write transaction of another process (or connection)
   * notified changes while change listeners are registered (default 500). Such changes are
   * reported as one `{kind: 'reset'}`.
   */
  readonly pollIntervalMs?: number;
}

/**
 * Opens (creating if needed) a SQLite database with better-sqlite3 and applies migrations.
 * WAL journal, `synchronous=NORMAL` (durable across process crashes; a power loss may drop the
 * last transactions but never corrupts), foreign keys on. Writers are serialized with
 * `BEGIN IMMEDIATE`, waiting asynchronously so a second store in the same process cannot
 * block the event loop.
 *
 * @example
 * const store = await openSqliteStore({ path: ':memory:' });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const memory = options.path === ':memory:';
  let raw: BetterSqlite3.Database;
  try {
    if (!memory) mkdirSync(dirname(options.path), { recursive: true });
    raw = new BetterSqlite3(options.path, { timeout: busyTimeoutMs });
    if (!memory) raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
  } catch (error) {
    throw new AppscopeError(
      'ERR_STORE',
      `cannot open the SQLite database \`${options.path}\`: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });

  const begin = async (_conn: Kysely<Database>, kind: TransactionKind): Promise<void> => {
    if (kind === 'read') {
      raw.exec('begin');
      return;
    }
    // Take the write lock up front (no deadlock between two upgrading readers). Try without
    // SQLite's synchronous busy wait, and wait between tries with timers instead.
    const deadline = Date.now() + busyTimeoutMs;
    let wait = 1;
    for (;;) {
      raw.pragma('busy_timeout = 0');
      try {
        raw.exec('begin immediate');
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      } finally {
        raw.pragma(`busy_timeout = ${busyTimeoutMs}`);
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 25);
    }
  };

  const adapter: DialectAdapter = {
    dialect: 'sqlite',
    location: memory ? 'sqlite::memory:' : `sqlite:${options.path}`,
    db,
    begin,
    async publish(conn) {
      // Same-process listeners are told after COMMIT by the store; other processes poll the
      // counter this moves in the same transaction (and only for changes, never for decision
      // batches or sessions, which would empty their caches for nothing).
      await sql`update change_counter set seq = seq + 1 where id = 1`.execute(conn);
    },
    watch(emit: (change: StoreChange) => void): () => void {
      if (memory) return () => {};
      const read = raw.prepare('select seq from change_counter where id = 1').pluck();
      const changeCount = (): number => read.get() as number;
      let seen = changeCount();
      const timer = setInterval(() => {
        let now: number;
        try {
          now = changeCount();
        } catch {
          return; // closed or busy: the next tick tries again
        }
        if (now !== seen) {
          seen = now;
          emit({ kind: 'reset' });
        }
      }, pollIntervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    classify(error: unknown) {
      return isBusy(error) ? 'busy' : 'store';
    },
    async destroy() {
      await db.destroy();
    },
  };
  const store = new KyselyStore(adapter);
  try {
    // SQLite's way to change a table's constraints is to rebuild it, which foreign keys must
    // not see half-done: they are off for the migration's transaction (the pragma is a no-op
    // inside one), and `migrate` checks every reference before it commits.
    raw.pragma('foreign_keys = OFF');
    try {
      await store.migrate();
    } finally {
      raw.pragma('foreign_keys = ON');
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

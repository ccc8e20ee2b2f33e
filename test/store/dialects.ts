import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { type OpenStoreOptions, openStore } from '../../src/store/open.js';
import type { Store, StoreDialect } from '../../src/store/store.js';

/**
 * The databases every store suite runs on. PostgreSQL comes from `APPSCOPE_TEST_POSTGRES_URL`;
 * when that is unset and no server answers on the default URL, its suites are skipped with the
 * reason in their title. (When the variable is set, an unreachable server fails the suites.)
 */
export interface TestDialect {
  readonly name: StoreDialect;
  /** Why this dialect's suites are skipped, or undefined when they run. */
  readonly skip: string | undefined;
  /** A fresh, empty database. */
  database(): Promise<TestDatabase>;
}

/** One empty database (a temporary file, or a fresh PostgreSQL schema). */
export interface TestDatabase {
  /** Opens a store on it (call again for a second store on the same database). */
  open(options?: OpenStoreOptions): Promise<Store>;
  /** Runs SQL directly, outside appscope (for tampering and inspection). */
  exec(text: string): Promise<Record<string, unknown>[]>;
  /** SQLite: the database's files (main, `-wal`, `-shm`), present or not; PostgreSQL: none. */
  readonly files: readonly string[];
  /**
   * A database URL for the CLI (`APPSCOPE_DATABASE_URL`): `sqlite:PATH`, or the PostgreSQL URL
   * with the schema as its `search_path` (open a store first: that creates the schema).
   */
  readonly url: string;
  /** Closes every store opened on it and removes it. */
  drop(): Promise<void>;
}

const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

async function probePostgres(): Promise<{ url: string; skip: string | undefined }> {
  const fromEnv = process.env['APPSCOPE_TEST_POSTGRES_URL'];
  const url = fromEnv === undefined || fromEnv === '' ? DEFAULT_POSTGRES_URL : fromEnv;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { url, skip: undefined };
  } catch (error) {
    if (fromEnv !== undefined && fromEnv !== '') return { url, skip: undefined }; // set: fail loudly
    return {
      url,
      skip: `APPSCOPE_TEST_POSTGRES_URL is unset and no PostgreSQL answers at ${url} (${(error as Error).message})`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

const postgres = await probePostgres();

function sqliteDialect(): TestDialect {
  return {
    name: 'sqlite',
    skip: undefined,
    async database() {
      const dir = mkdtempSync(join(tmpdir(), 'appscope-test-'));
      const path = join(dir, 'appscope.db');
      const stores: Store[] = [];
      return {
        files: [path, `${path}-wal`, `${path}-shm`],
        url: `sqlite:${path}`,
        async open(options) {
          const store = await openStore(`sqlite:${path}`, options);
          stores.push(store);
          return store;
        },
        async exec(text) {
          const raw = new BetterSqlite3(path);
          try {
            const statement = raw.prepare(text);
            if (statement.reader) return statement.all() as Record<string, unknown>[];
            statement.run();
            return [];
          } finally {
            raw.close();
          }
        },
        async drop() {
          for (const store of stores) await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

function postgresDialect(): TestDialect {
  return {
    name: 'postgres',
    skip: postgres.skip,
    async database() {
      const schema = `appscope_test_${randomBytes(6).toString('hex')}`;
      const stores: Store[] = [];
      return {
        files: [],
        url: `${postgres.url}${postgres.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
        async open(options) {
          const store = await openStore(postgres.url, { schema, channel: schema, ...options });
          stores.push(store);
          return store;
        },
        async exec(text) {
          const client = new pg.Client({
            connectionString: postgres.url,
            options: `-c search_path=${schema}`,
          });
          await client.connect();
          try {
            return (await client.query(text)).rows as Record<string, unknown>[];
          } finally {
            await client.end();
          }
        },
        async drop() {
          for (const store of stores) await store.close();
          const client = new pg.Client({ connectionString: postgres.url });
          await client.connect();
          try {
            await client.query(`drop schema if exists ${schema} cascade`);
          } finally {
            await client.end();
          }
        },
      };
    },
  };
}

/** Every dialect, in the order suites run. */
export const DIALECTS: readonly TestDialect[] = [sqliteDialect(), postgresDialect()];

/** The suite title: the dialect, and the skip reason when there is one. */
export function suiteTitle(dialect: TestDialect, what: string): string {
  return dialect.skip === undefined
    ? `${what} (${dialect.name})`
    : `${what} (${dialect.name}) — skipped: ${dialect.skip}`;
}

/**
 * Fresh databases for each test of a suite, dropped after each test.
 * @example
 * const fresh = freshDatabases(dialect);
 * it('…', async () => { const db = await fresh(); const store = await db.open(); … });
 */
export function freshDatabases(dialect: TestDialect): () => Promise<TestDatabase> {
  const open: TestDatabase[] = [];
  const dropAll = async (): Promise<void> => {
    for (const db of open.splice(0)) await db.drop();
  };
  afterEach(dropAll);
  afterAll(dropAll);
  return async () => {
    const db = await dialect.database();
    open.push(db);
    return db;
  };
}

/**
 * Builds the schema as it was before migration `version` (the migrations below it, recorded as
 * applied), so that a test can store rows in an old schema and then open a store, which
 * migrates them.
 * @example
 * await schemaBefore(db, dialect, 13); // schema 12
 * const store = await db.open(); // runs migration 13 over the rows written meanwhile
 */
export async function schemaBefore(db: TestDatabase, dialect: TestDialect, version: number): Promise<void> {
  if (dialect.name === 'postgres') {
    // the store creates its schema when it opens; here the old tables come first
    const [setting] = await db.exec('show search_path');
    await db.exec(`create schema if not exists ${String(setting?.['search_path'])}`);
  }
  await db.exec(
    'create table appscope_migrations (version integer primary key, name text not null, applied_at text not null)',
  );
  for (const migration of MIGRATIONS.filter((m) => m.version < version)) {
    for (const statement of migration.up(dialect.name)) await db.exec(statement);
    await db.exec(
      `insert into appscope_migrations (version, name, applied_at) values (${migration.version}, '${migration.name}', 'then')`,
    );
  }
}

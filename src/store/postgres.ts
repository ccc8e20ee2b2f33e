import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { AppscopeError } from '../errors.js';
import { type DialectAdapter, KyselyStore, type TransactionKind } from './kysely-store.js';
import type { Database } from './schema.js';
import type { Store, StoreChange } from './store.js';

/** Options for the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** `postgres://user[:password]@host[:port]/database`. */
  readonly url: string;
  /** Schema for appscope's tables (created if missing; default: the server's `search_path`). */
  readonly schema?: string;
  /** LISTEN/NOTIFY channel for change notifications (default `appscope_changes`). */
  readonly channel?: string;
  /** How long a writer waits for the write lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Most connections the pool opens (default 10). */
  readonly poolSize?: number;
  /** Called with errors on idle pool connections and the LISTEN connection (default: ignored). */
  readonly onBackgroundError?: (error: Error) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

/**
 * Opens a PostgreSQL store on a `pg` pool and applies migrations. Write transactions lock the
 * audit chain head row (`SELECT … FOR UPDATE`) before anything else, so writers are serialized
 * exactly as on SQLite and the chain never forks; reads use `REPEATABLE READ READ ONLY`
 * snapshots and never wait. Changes are announced with `NOTIFY` inside the transaction, which
 * PostgreSQL delivers only after COMMIT.
 *
 * @example
 * const store = await openPostgresStore({ url: 'postgres://postgres@127.0.0.1:5432/appscope' });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema;
  const channel = options.channel ?? 'appscope_changes';
  for (const [what, value] of [
    ['schema', schema],
    ['channel', channel],
  ] as const) {
    if (value !== undefined && !IDENTIFIER.test(value)) {
      throw new AppscopeError(
        'ERR_STORE_CONFIG',
        `invalid PostgreSQL ${what} \`${value}\`: use lowercase letters, digits and \`_\``,
      );
    }
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const onBackgroundError = options.onBackgroundError ?? (() => {});
  const origin = randomUUID();
  const location = maskUrl(options.url) + (schema === undefined ? '' : ` (schema ${schema})`);

  const clientConfig: pg.ClientConfig = {
    connectionString: options.url,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? parseInt8
          : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
    },
  };
  if (schema !== undefined) {
    const setup = new pg.Client({ connectionString: options.url });
    try {
      await setup.connect();
      await setup.query(`create schema if not exists ${schema}`);
    } catch (error) {
      throw new AppscopeError(
        'ERR_STORE',
        `cannot prepare PostgreSQL schema \`${schema}\` at ${maskUrl(options.url)}: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      await setup.end().catch(() => {});
    }
  }
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 10 });
  pool.on('error', (error) => onBackgroundError(error));
  // A connection lost while checked out (in a transaction) emits `error` on its client, which the
  // pool only listens for while the client is idle: unheard, it would crash the process. The
  // transaction's query fails with the same error, so this listener only reports it.
  pool.on('connect', (client) => client.on('error', (error) => onBackgroundError(error)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

  const begin = async (conn: Kysely<Database>, kind: TransactionKind): Promise<void> => {
    if (kind === 'read') {
      await sql`begin isolation level repeatable read read only`.execute(conn);
      return;
    }
    await sql`begin`.execute(conn);
    await sql.raw(`set local lock_timeout = ${Math.max(1, Math.floor(busyTimeoutMs))}`).execute(conn);
    if (kind === 'migrate') {
      await sql`select pg_advisory_xact_lock(hashtext('appscope.migrate.' || current_schema()))`.execute(
        conn,
      );
    } else {
      await sql`select seq from audit_head where id = 1 for update`.execute(conn);
    }
  };

  const adapter: DialectAdapter = {
    dialect: 'postgres',
    location,
    db,
    begin,
    async publish(conn, changes) {
      for (const change of changes) {
        await sql`select pg_notify(${channel}, ${JSON.stringify({ ...change, origin })})`.execute(conn);
      }
    },
    watch(emit: (change: StoreChange) => void): () => void {
      let stopped = false;
      let client: pg.Client | undefined;
      let retry: NodeJS.Timeout | undefined;
      let delay = 100;
      const connect = async (): Promise<void> => {
        const listener = new pg.Client(clientConfig);
        listener.on('notification', (message) => {
          if (message.channel !== channel || message.payload === undefined) return;
          const change = parseChange(message.payload, origin);
          if (change !== undefined) emit(change);
        });
        listener.on('error', (error) => {
          onBackgroundError(error);
          lost(listener);
        });
        listener.on('end', () => lost(listener));
        try {
          await listener.connect();
          await listener.query(`listen ${channel}`);
        } catch (error) {
          onBackgroundError(error as Error);
          lost(listener);
          return;
        }
        if (stopped) {
          await listener.end().catch(() => {});
          return;
        }
        client = listener;
        delay = 100;
        // Anything cached before this point may have missed a change.
        emit({ kind: 'reset' });
      };
      const lost = (listener: pg.Client): void => {
        if (client === listener) client = undefined;
        listener.end().catch(() => {});
        if (stopped || retry !== undefined) return;
        emit({ kind: 'reset' });
        retry = setTimeout(() => {
          retry = undefined;
          void connect();
        }, delay);
        retry.unref();
        delay = Math.min(delay * 2, 5000);
      };
      void connect();
      return () => {
        stopped = true;
        if (retry !== undefined) clearTimeout(retry);
        const current = client;
        client = undefined;
        current?.end().catch(() => {});
      };
    },
    classify(error: unknown) {
      const code = (error as { code?: unknown } | null)?.code;
      // lock_not_available, serialization_failure, deadlock_detected, too_many_connections
      return code === '55P03' || code === '40001' || code === '40P01' || code === '53300' ? 'busy' : 'store';
    },
    async destroy() {
      await db.destroy();
    },
  };
  const store = new KyselyStore(adapter);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${value} does not fit a JavaScript number`);
  return n;
}

function parseChange(payload: string, origin: string): StoreChange | undefined {
  try {
    const parsed = JSON.parse(payload) as { kind?: unknown; id?: unknown; origin?: unknown };
    if (parsed.origin === origin) return undefined; // this process was told after its own COMMIT
    if (parsed.kind === 'reset') return { kind: 'reset' };
    if (
      (parsed.kind === 'account' ||
        parsed.kind === 'app' ||
        parsed.kind === 'install' ||
        parsed.kind === 'key' ||
        parsed.kind === 'oauth_grant') &&
      typeof parsed.id === 'string'
    ) {
      return { kind: parsed.kind, id: parsed.id };
    }
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * A connection URL with its password replaced by `***`, safe to print.
 * @example
 * maskUrl('postgres://app:s3cret@db:5432/prod'); // 'postgres://app:***@db:5432/prod'
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CompiledQuery,
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type RawBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import { AppscopeError, isAppscopeError } from '../errors.js';
import {
  DECISION_CONTEXT_COLUMNS,
  latencyMicros,
  STORED_DECISION_COLUMNS,
  storedPath,
} from './decision-columns.js';
import {
  POSTGRES_ROLLUP_SUBTRACT,
  POSTGRES_ROLLUP_UPSERT,
  rollupColumns,
  rollupIncrements,
  rollupJson,
  SQLITE_ROLLUP_ROWS,
  SQLITE_ROLLUP_SUBTRACT,
  splitRange,
  sqliteRollupUpsert,
} from './decision-rollups.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.js';
import type { Database } from './schema.js';
import type {
  AccountRow,
  AppFilter,
  AppPatch,
  AppRow,
  AppSecretFilter,
  AppSecretPatch,
  AppSecretRow,
  AppVersionRow,
  AuditHead,
  AuditRow,
  ChangeListener,
  ClaimedWebhookDelivery,
  ContextCount,
  DecisionContextRow,
  DecisionCounts,
  DecisionDropRow,
  DecisionFilter,
  DecisionLogSize,
  DecisionOutcome,
  DecisionRow,
  EventFilter,
  EventRow,
  IdempotencyRow,
  InstallFilter,
  InstallPatch,
  InstallRow,
  KeyFilter,
  KeyPatch,
  KeyRow,
  LatestDecision,
  Mode,
  NewDecisionRow,
  NewEventRow,
  OAuthCodeRow,
  OAuthGrantRow,
  OAuthTokenRow,
  PathCount,
  SessionRow,
  Store,
  StoreChange,
  StoreDialect,
  StoreTransaction,
  TimeRange,
  TimeWindow,
  TransactionOptions,
  UnauthenticatedCountRow,
  UnauthenticatedFilter,
  UserLinkRow,
  UserRoleName,
  UserRow,
  WebhookAttemptRow,
  WebhookClaim,
  WebhookDeliveryPatch,
  WebhookDeliveryRow,
  WebhookEndpointPatch,
  WebhookEndpointRow,
} from './store.js';

/** How a transaction starts: a snapshot read, a serialized write, or a schema migration. */
export type TransactionKind = 'read' | 'write' | 'migrate';

/**
 * The slice of a database engine the shared store needs: how to start each kind of
 * transaction, how to tell other processes about changes, and how to classify driver errors.
 * Everything else (the queries) is one kysely code for both engines.
 */
export interface DialectAdapter {
  readonly dialect: StoreDialect;
  readonly location: string;
  readonly db: Kysely<Database>;
  begin(conn: Kysely<Database>, kind: TransactionKind): Promise<void>;
  /** Called inside a write transaction just before COMMIT (PostgreSQL sends NOTIFY here). */
  publish(conn: Kysely<Database>, changes: readonly StoreChange[]): Promise<void>;
  /** Starts delivering other processes' changes to `emit`; returns a function that stops it. */
  watch(emit: (change: StoreChange) => void): () => void;
  /** `busy` for lock timeouts and contention; anything else the driver throws is a store failure. */
  classify(error: unknown): 'busy' | 'store';
  destroy(): Promise<void>;
}

const MAX_LIST = 1000;
/** Most decision contexts a store remembers (then it starts over; the table has them all). */
const MAX_CONTEXTS = 10_000;

/** Runs one driver call, turning what it throws into `ERR_STORE` / `ERR_STORE_BUSY`. */
type DriverGuard = <T>(operation: () => Promise<T>) => Promise<T>;

/**
 * The one `Store` implementation, over a kysely instance and a dialect adapter.
 * @internal open it with `openStore`
 */
export class KyselyStore implements Store {
  readonly dialect: StoreDialect;
  readonly location: string;
  readonly #adapter: DialectAdapter;
  /**
   * Marks the async context of an open transaction, to refuse a nested one (which would wait
   * for itself). Node 20's AsyncLocalStorage runs async hooks for every promise in the process
   * while it is enabled, a tenth of a gateway request's CPU: it is enabled only while a
   * transaction is open (`#open` counts them) and disabled again when the last one ends.
   */
  readonly #inTransaction = new AsyncLocalStorage<true>();
  #open = 0;
  readonly #listeners = new Set<ChangeListener>();
  /**
   * Decision context ids by their values (JSON), as committed: contexts are never updated or
   * deleted, so a committed id stays valid for every process.
   */
  readonly #contexts = new Map<string, number>();
  #stopWatching: (() => void) | undefined;
  #closed = false;

  constructor(adapter: DialectAdapter) {
    this.#adapter = adapter;
    this.dialect = adapter.dialect;
    this.location = adapter.location;
  }

  /** Applies every pending migration in one transaction; refuses a database newer than this code. */
  async migrate(): Promise<void> {
    await this.#run('migrate', async (conn, driver) =>
      driver(async () => {
        await sql`create table if not exists appscope_migrations (
        version integer primary key,
        name text not null,
        applied_at text not null
      )`.execute(conn);
        const applied = new Set(
          (await conn.selectFrom('appscope_migrations').select('version').execute()).map((r) => r.version),
        );
        const newest = Math.max(0, ...applied);
        if (newest > SCHEMA_VERSION) {
          throw new AppscopeError(
            'ERR_STORE_SCHEMA',
            `the database at ${this.location} has schema version ${newest}, newer than this appscope (${SCHEMA_VERSION}): upgrade appscope`,
          );
        }
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          for (const statement of migration.up(this.dialect)) await sql.raw(statement).execute(conn);
          await conn
            .insertInto('appscope_migrations')
            .values({
              version: migration.version,
              name: migration.name,
              applied_at: new Date().toISOString(),
            })
            .execute();
        }
        if (this.dialect === 'sqlite') {
          // foreign keys are off while SQLite migrates (tables are rebuilt): check them all now
          const broken = await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(conn);
          if (broken.rows.length > 0) {
            const first = broken.rows[0]!;
            throw new AppscopeError(
              'ERR_STORE',
              `migrating ${this.location} would break ${broken.rows.length} foreign key reference(s), the first from \`${first.table}\` to \`${first.parent}\`: nothing was changed`,
            );
          }
        }
        return [];
      }),
    );
  }

  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.#inTransaction.getStore() === true) {
      throw new Error('store transactions cannot nest: pass the open transaction down instead');
    }
    const kind: TransactionKind = options?.readOnly === true ? 'read' : 'write';
    let result!: T;
    this.#open++;
    let changes: readonly StoreChange[];
    let opened: KyselyTransaction | undefined;
    try {
      changes = await this.#run(kind, async (conn, driver) => {
        const tx = new KyselyTransaction(conn, kind === 'read', driver, this.dialect, this.#contexts);
        opened = tx;
        result = await this.#inTransaction.run(true, () => fn(tx));
        return tx.changes;
      });
    } finally {
      if (--this.#open === 0) this.#inTransaction.disable();
    }
    // Committed: the contexts this transaction found or added may be remembered.
    const found = opened?.contexts;
    if (found !== undefined && found.size > 0) {
      if (this.#contexts.size + found.size > MAX_CONTEXTS) this.#contexts.clear();
      for (const [key, id] of found) this.#contexts.set(key, id);
    }
    for (const change of changes) this.#emit(change);
    return result;
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1 && !this.#closed) {
      this.#stopWatching = this.#adapter.watch((change) => this.#emit(change));
    }
    return () => {
      if (!this.#listeners.delete(listener)) return;
      if (this.#listeners.size === 0) {
        this.#stopWatching?.();
        this.#stopWatching = undefined;
      }
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    this.#listeners.clear();
    await this.#adapter.destroy();
  }

  /** One transaction on one connection; returns the changes to emit after COMMIT. */
  async #run(
    kind: TransactionKind,
    body: (conn: Kysely<Database>, driver: DriverGuard) => Promise<readonly StoreChange[]>,
  ): Promise<readonly StoreChange[]> {
    if (this.#closed) throw new AppscopeError('ERR_STORE', 'the store is closed');
    const driver: DriverGuard = async (operation) => {
      try {
        return await operation();
      } catch (error) {
        throw this.#storeError(error);
      }
    };
    // Errors from the caller's function pass through as they are; everything the driver throws
    // (connecting, BEGIN, queries, COMMIT) becomes ERR_STORE or ERR_STORE_BUSY.
    let failedInBody = false;
    try {
      return await this.#adapter.db.connection().execute(async (conn) => {
        try {
          // Inside the try: a BEGIN that half-succeeded (PostgreSQL: BEGIN ran, the lock timed out)
          // must be rolled back before the connection goes back to the pool.
          await driver(() => this.#adapter.begin(conn, kind));
          let changes: StoreChange[];
          try {
            changes = dedupe(await body(conn, driver));
          } catch (error) {
            failedInBody = true;
            throw error;
          }
          if (changes.length > 0) await driver(() => this.#adapter.publish(conn, changes));
          await driver(() => sql`commit`.execute(conn));
          return changes;
        } catch (error) {
          try {
            await sql`rollback`.execute(conn);
          } catch {
            // The connection is broken; the original error is the one to report.
          }
          throw error;
        }
      });
    } catch (error) {
      throw failedInBody ? error : this.#storeError(error);
    }
  }

  #storeError(error: unknown): unknown {
    if (isAppscopeError(error)) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return this.#adapter.classify(error) === 'busy'
      ? new AppscopeError('ERR_STORE_BUSY', `the store is busy, try again: ${detail}`, { cause: error })
      : new AppscopeError('ERR_STORE', `the store failed: ${detail}`, { cause: error });
  }

  #emit(change: StoreChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; it must not undo a committed change or stop the others.
      }
    }
  }
}

function dedupe(changes: readonly StoreChange[]): StoreChange[] {
  const seen = new Set<string>();
  const out: StoreChange[] = [];
  for (const change of changes) {
    const key = change.kind === 'reset' ? 'reset' : `${change.kind}:${change.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(change);
  }
  return out;
}

/** An install as the domain sees it: `shadow_mode` a boolean (SQLite stores 0/1). */
function installRow(
  row: (Omit<InstallRow, 'shadow_mode'> & { shadow_mode: boolean | number }) | undefined,
): InstallRow | undefined {
  if (row === undefined) return undefined;
  return { ...row, shadow_mode: row.shadow_mode === true || row.shadow_mode === 1 };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_LIST;
  return Math.max(1, Math.min(MAX_LIST, Math.floor(limit)));
}

/** The operations of one open transaction, on one connection. */
class KyselyTransaction implements StoreTransaction {
  readonly changes: StoreChange[] = [];
  /** Decision contexts this transaction looked up or added, remembered by the store on commit. */
  readonly contexts = new Map<string, number>();
  readonly #conn: Kysely<Database>;
  readonly #readOnly: boolean;
  readonly #driver: DriverGuard;
  readonly #dialect: StoreDialect;
  readonly #known: ReadonlyMap<string, number>;

  constructor(
    conn: Kysely<Database>,
    readOnly: boolean,
    driver: DriverGuard,
    dialect: StoreDialect,
    known: ReadonlyMap<string, number>,
  ) {
    this.#conn = conn;
    this.#readOnly = readOnly;
    this.#driver = driver;
    this.#dialect = dialect;
    this.#known = known;
  }

  #writable(): Kysely<Database> {
    if (this.#readOnly) throw new Error('a read-only transaction cannot write');
    return this.#conn;
  }

  insertAccount(row: AccountRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('accounts').values(row).execute();
    });
  }

  getAccount(id: string): Promise<AccountRow | undefined> {
    return this.#driver(async () => {
      return this.#conn.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    });
  }

  listAccounts(): Promise<AccountRow[]> {
    return this.#driver(async () => {
      return this.#conn.selectFrom('accounts').selectAll().orderBy('created').orderBy('id').execute();
    });
  }

  insertApp(row: AppRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('apps').values(row).execute();
    });
  }

  getApp(id: string): Promise<AppRow | undefined> {
    return this.#driver(async () => {
      return this.#conn.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
    });
  }

  updateApp(id: string, patch: AppPatch): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().updateTable('apps').set(patch).where('id', '=', id).execute();
    });
  }

  listApps(filter: AppFilter): Promise<AppRow[]> {
    return this.#driver(async () => {
      let query = this.#conn.selectFrom('apps').selectAll();
      if (filter.ownerAccountId !== undefined)
        query = query.where('owner_account_id', '=', filter.ownerAccountId);
      if (filter.distributionType !== undefined) {
        query = query.where('distribution_type', '=', filter.distributionType);
      }
      if (filter.released !== undefined) {
        query = query.where('current_version', filter.released ? 'is not' : 'is', null);
      }
      if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
      query = query.orderBy('id');
      if (filter.limit !== undefined) query = query.limit(filter.limit);
      return query.execute();
    });
  }

  insertAppVersion(row: AppVersionRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('app_versions').values(row).execute();
    });
  }

  getAppVersion(appId: string, version: string): Promise<AppVersionRow | undefined> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('app_versions')
        .selectAll()
        .where('app_id', '=', appId)
        .where('version', '=', version)
        .executeTakeFirst();
    });
  }

  setAppVersionReleased(appId: string, version: string, released: number): Promise<void> {
    return this.#driver(async () => {
      await this.#writable()
        .updateTable('app_versions')
        .set({ released })
        .where('app_id', '=', appId)
        .where('version', '=', version)
        .where('released', 'is', null)
        .execute();
    });
  }

  listAppVersions(appId: string): Promise<AppVersionRow[]> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('app_versions')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('seq')
        .execute();
    });
  }

  insertInstall(row: InstallRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable()
        .insertInto('installs')
        .values({ ...row, shadow_mode: row.shadow_mode === true ? 1 : 0 })
        .execute();
    });
  }

  getInstall(id: string): Promise<InstallRow | undefined> {
    return this.#driver(async () => {
      return installRow(
        await this.#conn.selectFrom('installs').selectAll().where('id', '=', id).executeTakeFirst(),
      );
    });
  }

  findActiveInstall(appId: string, accountId: string, mode: Mode): Promise<InstallRow | undefined> {
    return this.#driver(async () => {
      return installRow(
        await this.#conn
          .selectFrom('installs')
          .selectAll()
          .where('app_id', '=', appId)
          .where('account_id', '=', accountId)
          .where('mode', '=', mode)
          .where('status', '=', 'installed')
          .executeTakeFirst(),
      );
    });
  }

  listInstalls(filter: InstallFilter): Promise<InstallRow[]> {
    return this.#driver(async () => {
      let query = this.#conn.selectFrom('installs').selectAll();
      if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
      if (filter.appId !== undefined) query = query.where('app_id', '=', filter.appId);
      if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      if (filter.createdBy !== undefined) query = query.where('created_by', '=', filter.createdBy);
      if (filter.approvalRequired === true) {
        query = query.where('status', '=', 'installed').where('permissions_pending', '<>', '[]');
      } else if (filter.approvalRequired === false) {
        query = query.where((eb) =>
          eb.or([eb('status', '<>', 'installed'), eb('permissions_pending', '=', '[]')]),
        );
      }
      query = whereCreated(query, filter.created);
      const after = filter.after;
      if (after !== undefined) {
        query = query.where((eb) =>
          eb.or([
            eb('created', '<', after.created),
            eb.and([eb('created', '=', after.created), eb('id', '<', after.id)]),
          ]),
        );
      }
      const rows = await query
        .orderBy('created', 'desc')
        .orderBy('id', 'desc')
        .limit(clampLimit(filter.limit))
        .execute();
      return rows.map((row) => installRow(row)!);
    });
  }

  updateInstall(id: string, patch: InstallPatch): Promise<void> {
    return this.#driver(async () => {
      const { shadow_mode, ...rest } = patch;
      await this.#writable()
        .updateTable('installs')
        .set(shadow_mode === undefined ? rest : { ...rest, shadow_mode: shadow_mode ? 1 : 0 })
        .where('id', '=', id)
        .execute();
    });
  }

  insertKey(row: KeyRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('api_keys').values(row).execute();
    });
  }

  getKey(id: string): Promise<KeyRow | undefined> {
    return this.#driver(async () => {
      return this.#conn.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    });
  }

  getKeyBySecretHash(secretHash: string): Promise<KeyRow | undefined> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('api_keys')
        .selectAll()
        .where('secret_hash', '=', secretHash)
        .executeTakeFirst();
    });
  }

  listKeys(filter: KeyFilter): Promise<KeyRow[]> {
    return this.#driver(async () => {
      let query = this.#conn.selectFrom('api_keys').selectAll();
      if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
      if (filter.appId !== undefined) query = query.where('app_id', '=', filter.appId);
      if (filter.installId !== undefined) query = query.where('install_id', '=', filter.installId);
      if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
      if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode);
      if (filter.unrevoked === true) query = query.where('revoked', 'is', null);
      return query.orderBy('created').orderBy('id').execute();
    });
  }

  updateKey(id: string, patch: KeyPatch): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().updateTable('api_keys').set(patch).where('id', '=', id).execute();
    });
  }

  insertEvent(row: NewEventRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('events').values(row).execute();
    });
  }

  getEvent(id: string): Promise<EventRow | undefined> {
    return this.#driver(async () => {
      return this.#conn.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    });
  }

  listEvents(filter: EventFilter): Promise<EventRow[]> {
    return this.#driver(async () => {
      let query = this.#conn.selectFrom('events').selectAll();
      if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
      if (filter.appId !== undefined) query = query.where('app_id', '=', filter.appId);
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode);
      if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
      query = whereCreated(query, filter.created);
      return query.orderBy('seq', 'desc').limit(clampLimit(filter.limit)).execute();
    });
  }

  getAuditHead(): Promise<AuditHead> {
    return this.#driver(async () => {
      const head = await this.#conn
        .selectFrom('audit_head')
        .select(['seq', 'hash'])
        .where('id', '=', 1)
        .executeTakeFirst();
      if (head === undefined) throw new AppscopeError('ERR_STORE', 'the audit chain head is missing');
      return head;
    });
  }

  appendAudit(row: AuditRow): Promise<void> {
    return this.#driver(async () => {
      const conn = this.#writable();
      await conn.insertInto('audit_log').values(row).execute();
      const moved = await conn
        .updateTable('audit_head')
        .set({ seq: row.seq, hash: row.hash })
        .where('id', '=', 1)
        .where('seq', '=', row.seq - 1)
        .where('hash', '=', row.prev_hash)
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) {
        throw new AppscopeError('ERR_STORE', `audit row ${row.seq} does not follow the chain head`);
      }
    });
  }

  listAudit(afterSeq: number, limit: number): Promise<AuditRow[]> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(clampLimit(limit))
        .execute();
    });
  }

  getIdempotencyRecord(scope: string, key: string, since: number): Promise<IdempotencyRow | undefined> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('scope', '=', scope)
        .where('key', '=', key)
        .where('created', '>=', since)
        .executeTakeFirst();
    });
  }

  putIdempotencyRecord(row: IdempotencyRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable()
        .insertInto('idempotency_keys')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['scope', 'key']).doUpdateSet({
            fingerprint: row.fingerprint,
            status: row.status,
            body: row.body,
            request_id: row.request_id,
            created: row.created,
          }),
        )
        .execute();
    });
  }

  pruneIdempotencyRecords(before: number): Promise<number> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .deleteFrom('idempotency_keys')
        .where('created', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  insertDecisions(rows: readonly NewDecisionRow[]): Promise<void> {
    return this.#driver(async () => {
      const conn = this.#writable();
      // The hot write path of the decision log: precompiled SQL, no query builder per row.
      const stored: unknown[][] = STORED_DECISION_COLUMNS.map(() => []);
      let previous: NewDecisionRow | undefined;
      let context = 0;
      for (const row of rows) {
        if (previous === undefined || !sameContext(row, previous)) context = await this.#contextId(row);
        previous = row;
        stored[0]!.push(row.time);
        stored[1]!.push(context);
        stored[2]!.push(row.request_id);
        stored[3]!.push(storedPath(row.path, row.route));
        stored[4]!.push(row.status);
        stored[5]!.push(latencyMicros(row.latency_ms));
      }
      if (rows.length === 0) return;
      // Rollups (migration 12) in the same transaction: a batch commits with its counts or not at all.
      const increments = rollupIncrements(stored[0] as number[], stored[1] as number[]);
      if (this.#dialect === 'postgres') {
        await conn.executeQuery(CompiledQuery.raw(POSTGRES_DECISION_INSERT, stored));
        await conn.executeQuery(CompiledQuery.raw(POSTGRES_ROLLUP_UPSERT, rollupColumns(increments)));
        return;
      }
      for (let i = 0; i < rows.length; i += DECISION_CHUNK) {
        const count = Math.min(DECISION_CHUNK, rows.length - i);
        const parameters: unknown[] = [];
        for (let r = i; r < i + count; r++) for (const column of stored) parameters.push(column[r]);
        await conn.executeQuery(CompiledQuery.raw(sqliteDecisionInsert(count), parameters));
      }
      for (let i = 0; i < increments.length; i += SQLITE_ROLLUP_ROWS * 4) {
        const parameters = increments.slice(i, i + SQLITE_ROLLUP_ROWS * 4);
        await conn.executeQuery(CompiledQuery.raw(sqliteRollupUpsert(parameters.length / 4), parameters));
      }
    });
  }

  /** The id of a decision's context: remembered, found, or added (inside the write transaction). */
  async #contextId(row: NewDecisionRow): Promise<number> {
    const values = DECISION_CONTEXT_COLUMNS.map((column) => row[column]);
    const key = JSON.stringify(values);
    const known = this.contexts.get(key) ?? this.#known.get(key);
    if (known !== undefined) return known;
    const conn = this.#writable();
    const found = await sql<{ id: number }>`select id from decision_contexts where ${sql.join(
      DECISION_CONTEXT_COLUMNS.map((column, c) =>
        values[c] === null ? sql`${sql.ref(column)} is null` : sql`${sql.ref(column)} = ${values[c]}`,
      ),
      sql` and `,
    )} limit 1`.execute(conn);
    let id = found.rows[0]?.id;
    if (id === undefined) {
      const added = await conn
        .insertInto('decision_contexts')
        .values({
          account_id: row.account_id,
          install_id: row.install_id,
          app_id: row.app_id,
          key_hint: row.key_hint,
          livemode: row.livemode,
          method: row.method,
          route: row.route,
          requirement: row.requirement,
          outcome: row.outcome,
          missing: row.missing,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = added.id;
    }
    this.contexts.set(key, Number(id));
    return Number(id);
  }

  listDecisions(filter: DecisionFilter): Promise<DecisionRow[]> {
    return this.#driver(async () => {
      const limit = clampLimit(filter.limit);
      const conditions = contextConditions(filter);
      if (filter.seq === undefined && filter.requestId === undefined && conditions.length > 0) {
        // A filter that only a few contexts match (a quiet install, denied calls on one route):
        // each context's newest rows by the `(context_id, time)` index, merged, instead of
        // walking every decision by time until enough match (issue 15: at millions of
        // decisions that walk took seconds).
        const ids = await sql<{ id: number | string }>`select id from decision_contexts where ${sql.join(
          conditions,
          sql` and `,
        )} limit ${FEW_CONTEXTS + 1}`.execute(this.#conn);
        if (ids.rows.length <= FEW_CONTEXTS) {
          const rows: DecisionRow[] = [];
          for (const { id } of ids.rows) rows.push(...(await this.#listDecisions(filter, limit, Number(id))));
          rows.sort((a, b) => b.time - a.time || b.seq - a.seq);
          return rows.slice(0, limit);
        }
      }
      return this.#listDecisions(filter, limit, undefined);
    });
  }

  /** Decisions newest first over `filter`, of one context when given. */
  async #listDecisions(
    filter: DecisionFilter,
    limit: number,
    contextId: number | undefined,
  ): Promise<DecisionRow[]> {
    const before = filter.before;
    const rows = await this.#conn
      .selectFrom('decisions as d')
      .innerJoin('decision_contexts as c', 'c.id', 'd.context_id')
      .select([
        'd.seq',
        'd.time',
        'd.request_id',
        'c.account_id',
        'c.install_id',
        'c.app_id',
        'c.key_hint',
        'c.livemode',
        'c.method',
        'c.route',
        'd.path',
        'c.requirement',
        'c.outcome',
        'c.missing',
        'd.status',
        'd.latency_us',
      ])
      .where((eb) => {
        const conditions = decisionConditions(eb, filter);
        if (contextId !== undefined) conditions.push(eb('d.context_id', '=', contextId));
        if (before !== undefined) {
          // the upper bound first, so that an index on time can start there
          conditions.push(eb('d.time', '<=', before.time));
          conditions.push(eb.or([eb('d.time', '<', before.time), eb('d.seq', '<', before.seq)]));
        }
        return eb.and(conditions);
      })
      .orderBy('d.time', 'desc')
      .orderBy('d.seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map(({ latency_us, ...row }) => ({
      ...row,
      seq: Number(row.seq),
      time: Number(row.time),
      livemode: Number(row.livemode),
      path: row.path ?? row.route ?? '',
      latency_ms: Number(latency_us) / 1000,
    }));
  }

  countDecisions(filter: DecisionFilter): Promise<DecisionCounts> {
    return this.#driver(async () => {
      const outcomes = { allowed: 0, denied: 0, shadow_denied: 0 };
      if (filter.requestId !== undefined || filter.seq !== undefined) {
        // one request's decision: a lookup, no rollup needed
        const rows = await this.#conn
          .selectFrom('decisions as d')
          .innerJoin('decision_contexts as c', 'c.id', 'd.context_id')
          .select((eb) => ['c.outcome', eb.fn.countAll().as('count')])
          .where((eb) => eb.and(decisionConditions(eb, filter)))
          .groupBy('c.outcome')
          .execute();
        for (const row of rows) outcomes[row.outcome] = Number(row.count);
      } else {
        // whole buckets from the rollups, the edges from the decisions (migration 12)
        const window = { since: filter.since ?? 0, until: filter.until ?? Number.MAX_SAFE_INTEGER };
        const byContext = new Map<number, number>();
        for (const [key, count] of await this.#countByContext(filter, [window])) {
          byContext.set(Number(key.slice(key.indexOf(',') + 1)), count);
        }
        if (byContext.size > 0) {
          const outcomeOf = new Map<number, DecisionOutcome>();
          for (const context of await this.#contexts([...byContext.keys()])) {
            outcomeOf.set(context.id, context.outcome);
          }
          for (const [id, count] of byContext) outcomes[outcomeOf.get(id)!] += count;
        }
      }
      const drops = await this.#conn
        .selectFrom('decision_drops')
        .select((eb) => [eb.fn.sum<number>('dropped').as('dropped'), eb.fn.max('time').as('last')])
        .where((eb) => {
          const conditions: Expression<SqlBool>[] = [];
          if (filter.since !== undefined) conditions.push(eb('time', '>=', filter.since));
          if (filter.until !== undefined) conditions.push(eb('time', '<', filter.until));
          return eb.and(conditions);
        })
        .executeTakeFirst();
      return {
        outcomes,
        dropped: Number(drops?.dropped ?? 0),
        lastDrop: drops?.last === null || drops?.last === undefined ? null : Number(drops.last),
      };
    });
  }

  insertDecisionDrop(row: DecisionDropRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable()
        .insertInto('decision_drops')
        .values({ ...row })
        .execute();
    });
  }

  pruneDecisions(before: number, limit?: number): Promise<number> {
    return this.#driver(async () => {
      const conn = this.#writable();
      // In chunks even without a limit: each chunk's rollup counts (migration 12) come off with it.
      const chunk = limit === undefined ? PRUNE_CHUNK : Math.max(1, Math.floor(limit));
      let deleted = 0;
      for (;;) {
        const gone = await conn
          .deleteFrom('decisions')
          .where('seq', 'in', (eb) =>
            eb.selectFrom('decisions').select('seq').where('time', '<', before).orderBy('seq').limit(chunk),
          )
          .returning(['time', 'context_id'])
          .execute();
        deleted += gone.length;
        if (gone.length > 0) {
          const rows = rollupIncrements(
            gone.map((row) => Number(row.time)),
            gone.map((row) => Number(row.context_id)),
          );
          if (this.#dialect === 'postgres') {
            const columns = rollupColumns(rows);
            for (const text of POSTGRES_ROLLUP_SUBTRACT)
              await conn.executeQuery(CompiledQuery.raw(text, columns));
          } else {
            const json = rollupJson(rows);
            for (const text of SQLITE_ROLLUP_SUBTRACT)
              await conn.executeQuery(CompiledQuery.raw(text, [json]));
          }
        }
        if (limit !== undefined || gone.length < chunk) break;
      }
      await conn.deleteFrom('decision_drops').where('time', '<', before).execute();
      await conn
        .deleteFrom('unauthenticated_requests')
        .where('minute', '<=', before - MINUTE_MS)
        .execute();
      return deleted;
    });
  }

  addUnauthenticatedCounts(rows: readonly UnauthenticatedCountRow[]): Promise<void> {
    return this.#driver(async () => {
      const conn = this.#writable();
      // One row per minute, reason and address within a statement (PostgreSQL refuses to
      // update a row twice in one INSERT … ON CONFLICT).
      const merged = new Map<string, UnauthenticatedCountRow>();
      for (const row of rows) {
        if (!(row.count > 0)) continue;
        const key = JSON.stringify([row.minute, row.reason, row.address]);
        const seen = merged.get(key);
        merged.set(key, seen === undefined ? { ...row } : { ...seen, count: seen.count + row.count });
      }
      const all = [...merged.values()];
      for (let i = 0; i < all.length; i += UNAUTHENTICATED_CHUNK) {
        await conn
          .insertInto('unauthenticated_requests')
          .values(all.slice(i, i + UNAUTHENTICATED_CHUNK))
          .onConflict((oc) =>
            oc.columns(['minute', 'reason', 'address']).doUpdateSet((eb) => ({
              count: eb('unauthenticated_requests.count', '+', eb.ref('excluded.count')),
            })),
          )
          .execute();
      }
    });
  }

  listUnauthenticatedCounts(filter: UnauthenticatedFilter): Promise<UnauthenticatedCountRow[]> {
    return this.#driver(async () => {
      let query = this.#conn.selectFrom('unauthenticated_requests').selectAll();
      if (filter.reason !== undefined) query = query.where('reason', '=', filter.reason);
      if (filter.address !== undefined) query = query.where('address', '=', filter.address);
      if (filter.since !== undefined) query = query.where('minute', '>=', filter.since);
      if (filter.until !== undefined) query = query.where('minute', '<', filter.until);
      const rows = await query
        .orderBy('minute', 'desc')
        .orderBy('reason')
        .orderBy('address')
        .limit(clampLimit(filter.limit))
        .execute();
      return rows.map((row) => ({ ...row, minute: Number(row.minute), count: Number(row.count) }));
    });
  }

  decisionLogSize(): Promise<DecisionLogSize> {
    return this.#driver(async () => {
      const conn = this.#conn;
      const size =
        this.#dialect === 'postgres'
          ? await sql<{ bytes: number | string }>`select ${sql.join(
              DECISION_LOG_TABLES.map(
                (table) => sql`coalesce(pg_total_relation_size(to_regclass(${table})), 0)`,
              ),
              sql` + `,
            )} as bytes`.execute(conn)
          : await sql<{ bytes: number }>`select (page_count - freelist_count) * page_size as bytes
              from pragma_page_count(), pragma_freelist_count(), pragma_page_size()`.execute(conn);
      const seqs = await conn
        .selectFrom('decisions')
        .select((eb) => [eb.fn.min('seq').as('oldest'), eb.fn.max('seq').as('newest')])
        .executeTakeFirst();
      const minutes = await conn
        .selectFrom('unauthenticated_requests')
        .select((eb) => [eb.fn.min('minute').as('oldest'), eb.fn.max('minute').as('newest')])
        .executeTakeFirst();
      const number = (value: unknown): number | null =>
        value === null || value === undefined ? null : Number(value);
      return {
        bytes: Number(size.rows[0]?.bytes ?? 0),
        oldestSeq: number(seqs?.oldest),
        newestSeq: number(seqs?.newest),
        oldestMinute: number(minutes?.oldest),
        newestMinute: number(minutes?.newest),
      };
    });
  }

  decisionTimeFrom(seq: number): Promise<number | undefined> {
    return this.#driver(async () => {
      const row = await this.#conn
        .selectFrom('decisions')
        .select('time')
        .where('seq', '>=', seq)
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : Number(row.time);
    });
  }

  insertAppSecret(row: AppSecretRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('app_secrets').values(row).execute();
    });
  }

  getAppSecret(id: string): Promise<AppSecretRow | undefined> {
    return this.#driver(async () => {
      return this.#conn.selectFrom('app_secrets').selectAll().where('id', '=', id).executeTakeFirst();
    });
  }

  listAppSecrets(filter: AppSecretFilter): Promise<AppSecretRow[]> {
    return this.#driver(async () => {
      let query = this.#conn.selectFrom('app_secrets').selectAll();
      if (filter.developerAccountId !== undefined)
        query = query.where('developer_account_id', '=', filter.developerAccountId);
      if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
      if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode);
      if (filter.scopeType !== undefined) query = query.where('scope_type', '=', filter.scopeType);
      if (filter.scopeUser !== undefined) query = query.where('scope_user', '=', filter.scopeUser);
      if (filter.name !== undefined) query = query.where('name', '=', filter.name);
      const liveAt = filter.liveAt;
      if (liveAt !== undefined) {
        query = query.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', liveAt)]));
      }
      if (filter.keyIdNot !== undefined) query = query.where('key_id', '<>', filter.keyIdNot);
      if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
      return query.orderBy('id').limit(clampLimit(filter.limit)).execute();
    });
  }

  updateAppSecret(id: string, patch: AppSecretPatch): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().updateTable('app_secrets').set(patch).where('id', '=', id).execute();
    });
  }

  deleteAppSecrets(ids: readonly string[]): Promise<number> {
    return this.#driver(async () => {
      if (ids.length === 0) return 0;
      const result = await this.#writable()
        .deleteFrom('app_secrets')
        .where('id', 'in', [...ids])
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  deleteExpiredAppSecrets(now: number): Promise<number> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .deleteFrom('app_secrets')
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  countAppSecretsByKey(): Promise<{ readonly keyId: string; readonly count: number }[]> {
    return this.#driver(async () => {
      const rows = await this.#conn
        .selectFrom('app_secrets')
        .select((eb) => ['key_id', eb.fn.countAll().as('count')])
        .groupBy('key_id')
        .orderBy('key_id')
        .execute();
      return rows.map((row) => ({ keyId: row.key_id, count: Number(row.count) }));
    });
  }

  getAppSecretKeyId(): Promise<string | undefined> {
    return this.#driver(async () => {
      const row = await this.#conn
        .selectFrom('app_secret_state')
        .select('current_key_id')
        .where('id', '=', 1)
        .executeTakeFirst();
      return row?.current_key_id;
    });
  }

  setAppSecretKeyId(keyId: string): Promise<void> {
    return this.#driver(async () => {
      await this.#writable()
        .insertInto('app_secret_state')
        .values({ id: 1, current_key_id: keyId })
        .onConflict((oc) => oc.column('id').doUpdateSet({ current_key_id: keyId }))
        .execute();
    });
  }

  insertUser(row: UserRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('users').values(row).execute();
    });
  }

  getUser(id: string): Promise<UserRow | undefined> {
    return this.#driver(async () => {
      return this.#conn.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    });
  }

  listUsersByEmail(email: string): Promise<UserRow[]> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email)
        .orderBy('created')
        .orderBy('id')
        .execute();
    });
  }

  listUsers(accountId: string): Promise<UserRow[]> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('users')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created')
        .orderBy('id')
        .execute();
    });
  }

  insertSession(row: SessionRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('sessions').values(row).execute();
    });
  }

  getSession(idHash: string): Promise<SessionRow | undefined> {
    return this.#driver(async () => {
      return this.#conn.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    });
  }

  updateSessionMode(idHash: string, mode: Mode): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().updateTable('sessions').set({ mode }).where('id_hash', '=', idHash).execute();
    });
  }

  deleteSession(idHash: string): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    });
  }

  pruneSessions(now: number): Promise<number> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .deleteFrom('sessions')
        .where('expires', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  notify(change: StoreChange): void {
    if (this.#readOnly) throw new Error('a read-only transaction cannot notify changes');
    this.changes.push(change);
  }

  // ---- Team (issue 15, dashboard): changing and removing users, one-time invite and reset links.

  updateUser(
    id: string,
    patch: { readonly role?: UserRoleName; readonly password_hash?: string },
  ): Promise<void> {
    return this.#driver(async () => {
      if (patch.role === undefined && patch.password_hash === undefined) return;
      await this.#writable().updateTable('users').set(patch).where('id', '=', id).execute();
    });
  }

  deleteUser(id: string): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().deleteFrom('users').where('id', '=', id).execute();
    });
  }

  deleteUserSessions(userId: string): Promise<number> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .deleteFrom('sessions')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  insertUserLink(row: UserLinkRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('user_links').values(row).execute();
    });
  }

  getUserLinkByHash(tokenHash: string): Promise<UserLinkRow | undefined> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('user_links')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
    });
  }

  listUserLinks(accountId: string, limit: number): Promise<UserLinkRow[]> {
    return this.#driver(async () => {
      return this.#conn
        .selectFrom('user_links')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    });
  }

  claimUserLink(id: string, at: number): Promise<boolean> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .updateTable('user_links')
        .set({ used: at })
        .where('id', '=', id)
        .where('used', 'is', null)
        .where('revoked', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  updateUserLink(id: string, patch: { readonly used?: number; readonly revoked?: number }): Promise<void> {
    return this.#driver(async () => {
      if (patch.used === undefined && patch.revoked === undefined) return;
      await this.#writable().updateTable('user_links').set(patch).where('id', '=', id).execute();
    });
  }

  // --- Operations (issue 15): readiness -------------------------------------------------

  schemaVersion(): Promise<number> {
    return this.#driver(async () => {
      const row = await this.#conn
        .selectFrom('appscope_migrations')
        .select((eb) => eb.fn.max('version').as('version'))
        .executeTakeFirst();
      return Number(row?.version ?? 0);
    });
  }

  // ---- webhooks (migration 10)

  insertWebhookEndpoint(row: WebhookEndpointRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('webhook_endpoints').values(row).execute();
    });
  }

  getWebhookEndpoint(id: string): Promise<WebhookEndpointRow | undefined> {
    return this.#driver(async () =>
      this.#conn.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst(),
    );
  }

  listWebhookEndpoints(accountId: string, mode: Mode): Promise<WebhookEndpointRow[]> {
    return this.#driver(async () =>
      this.#conn
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('mode', '=', mode)
        .orderBy('created', 'desc')
        .orderBy('id', 'desc')
        .limit(MAX_LIST)
        .execute(),
    );
  }

  updateWebhookEndpoint(id: string, patch: WebhookEndpointPatch): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().updateTable('webhook_endpoints').set(patch).where('id', '=', id).execute();
    });
  }

  deleteWebhookEndpoint(id: string): Promise<void> {
    return this.#driver(async () => {
      const conn = this.#writable();
      await conn
        .deleteFrom('webhook_attempts')
        .where('delivery_id', 'in', (eb) =>
          eb.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id),
        )
        .execute();
      await conn.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      await conn.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
    });
  }

  countWebhookSecretsByKey(): Promise<{ readonly keyId: string; readonly count: number }[]> {
    return this.#driver(async () => {
      const rows = await this.#conn
        .selectFrom('webhook_endpoints')
        .select((eb) => ['key_id', eb.fn.countAll().as('count')])
        .groupBy('key_id')
        .orderBy('key_id')
        .execute();
      return rows.map((row) => ({ keyId: row.key_id, count: Number(row.count) }));
    });
  }

  listWebhookEndpointsNotUnderKey(
    keyId: string,
    limit: number,
    afterId?: string,
  ): Promise<WebhookEndpointRow[]> {
    return this.#driver(async () => {
      let query = this.#conn.selectFrom('webhook_endpoints').selectAll().where('key_id', '<>', keyId);
      if (afterId !== undefined) query = query.where('id', '>', afterId);
      return query.orderBy('id').limit(clampLimit(limit)).execute();
    });
  }

  listWebhookTargets(target: {
    accountId: string;
    appId: string | null;
    mode: Mode;
  }): Promise<WebhookEndpointRow[]> {
    return this.#driver(async () => {
      const { accountId, appId, mode } = target;
      return this.#conn
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('mode', '=', mode)
        .where('status', '=', 'enabled')
        .where((eb) => {
          const own = eb.and([eb('account_id', '=', accountId), eb('connect', '=', 0)]);
          if (appId === null) return own;
          return eb.or([
            own,
            eb.and([
              eb('connect', '=', 1),
              eb('account_id', '<>', accountId),
              eb('account_id', '=', eb.selectFrom('apps').select('owner_account_id').where('id', '=', appId)),
            ]),
          ]);
        })
        .orderBy('id')
        .execute();
    });
  }

  insertWebhookDeliveries(rows: readonly WebhookDeliveryRow[]): Promise<void> {
    return this.#driver(async () => {
      if (rows.length === 0) return;
      await this.#writable()
        .insertInto('webhook_deliveries')
        .values(rows.map((row) => ({ ...row })))
        .execute();
    });
  }

  getWebhookDelivery(id: string): Promise<WebhookDeliveryRow | undefined> {
    return this.#driver(async () =>
      this.#conn.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst(),
    );
  }

  updateWebhookDelivery(id: string, patch: WebhookDeliveryPatch): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().updateTable('webhook_deliveries').set(patch).where('id', '=', id).execute();
    });
  }

  claimWebhookDeliveries(claim: WebhookClaim): Promise<ClaimedWebhookDelivery[]> {
    return this.#driver(async () => {
      const conn = this.#writable();
      const { now } = claim;
      let due = conn
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select(['d.id', 'd.endpoint_id'])
        .where('d.status', '=', 'pending')
        .where('e.status', '=', 'enabled')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<=', now)]))
        .orderBy('d.next_attempt_at')
        .orderBy('d.id');
      const limit = Math.max(1, Math.min(MAX_LIST, Math.floor(claim.limit)));
      const perEndpoint = claim.perEndpoint ?? limit;
      // candidates beyond the limit, so that a busy endpoint's backlog leaves room for others
      due = due.limit(perEndpoint < limit ? Math.min(MAX_LIST, limit * 4) : limit);
      // PostgreSQL: rows another worker is claiming right now are skipped, not waited for.
      if (this.#dialect === 'postgres') due = due.forUpdate(['d']).skipLocked();
      const taken = new Map<string, number>();
      const ids: string[] = [];
      for (const row of await due.execute()) {
        const count = taken.get(row.endpoint_id) ?? 0;
        if (count >= perEndpoint) continue;
        taken.set(row.endpoint_id, count + 1);
        ids.push(row.id);
        if (ids.length >= limit) break;
      }
      if (ids.length === 0) return [];
      await conn
        .updateTable('webhook_deliveries')
        .set({ claimed_by: claim.worker, claimed_until: claim.claimedUntil })
        .where('id', 'in', ids)
        .execute();
      const deliveries = await conn
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', 'in', ids)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .execute();
      const endpointIds = [...new Set(deliveries.map((row) => row.endpoint_id))];
      const endpoints = new Map(
        (await conn.selectFrom('webhook_endpoints').selectAll().where('id', 'in', endpointIds).execute()).map(
          (row) => [row.id, row],
        ),
      );
      const eventIds = [...new Set(deliveries.map((row) => row.event_id))];
      const bodies = new Map(
        (await conn.selectFrom('events').select(['id', 'body']).where('id', 'in', eventIds).execute()).map(
          (row) => [row.id, row.body],
        ),
      );
      return deliveries.map((delivery) => ({
        delivery,
        endpoint: endpoints.get(delivery.endpoint_id)!,
        body: bodies.get(delivery.event_id)!,
      }));
    });
  }

  hasDueWebhookDeliveries(now: number): Promise<boolean> {
    return this.#driver(async () => {
      const row = await this.#conn
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select('d.id')
        .where('d.status', '=', 'pending')
        .where('e.status', '=', 'enabled')
        .where('d.next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<=', now)]))
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    });
  }

  listWebhookDeliveries(filter: {
    endpointId: string;
    limit: number;
    before?: { created: number; id: string };
  }): Promise<WebhookDeliveryRow[]> {
    return this.#driver(async () => {
      let query = this.#conn
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('endpoint_id', '=', filter.endpointId);
      const before = filter.before;
      if (before !== undefined) {
        query = query.where((eb) =>
          eb.or([
            eb('created', '<', before.created),
            eb.and([eb('created', '=', before.created), eb('id', '<', before.id)]),
          ]),
        );
      }
      return query.orderBy('created', 'desc').orderBy('id', 'desc').limit(clampLimit(filter.limit)).execute();
    });
  }

  insertWebhookAttempt(row: WebhookAttemptRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('webhook_attempts').values(row).execute();
    });
  }

  pruneWebhookDeliveries(before: number, limit: number): Promise<number> {
    return this.#driver(async () => {
      const conn = this.#writable();
      const ids = (
        await conn
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', 'in', ['succeeded', 'failed'])
          .where('created', '<', before)
          .limit(clampLimit(limit))
          .execute()
      ).map((row) => row.id);
      if (ids.length === 0) return 0;
      await conn.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
      await conn.deleteFrom('webhook_deliveries').where('id', 'in', ids).execute();
      return ids.length;
    });
  }

  listWebhookAttempts(deliveryIds: readonly string[]): Promise<WebhookAttemptRow[]> {
    return this.#driver(async () => {
      if (deliveryIds.length === 0) return [];
      return this.#conn
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', 'in', [...deliveryIds])
        .orderBy('delivery_id')
        .orderBy('attempt')
        .execute();
    });
  }

  // --- Decision rollups (issue 15, scale; migration 12) ---

  countDecisionsByContext(filter: DecisionFilter, ranges: readonly TimeWindow[]): Promise<ContextCount[]> {
    return this.#driver(async () => {
      const out: ContextCount[] = [];
      // all ranges in a few statements (a round trip each on PostgreSQL), at most
      // RANGE_PIECES pieces a statement (SQLite allows 500 terms in a compound select)
      let first = 0;
      while (first < ranges.length) {
        let last = first;
        let pieces = 0;
        while (last < ranges.length) {
          const more = splitRange(ranges[last]!.since, ranges[last]!.until).length;
          if (pieces > 0 && pieces + more > RANGE_PIECES) break;
          pieces += more;
          last++;
        }
        const counts = await this.#countByContext(filter, ranges.slice(first, last));
        for (const [key, count] of counts) {
          const [range, contextId] = key.split(',').map(Number) as [number, number];
          out.push({ range: first + range, contextId, count });
        }
        first = last;
      }
      return out;
    });
  }

  getDecisionContexts(ids: readonly number[]): Promise<DecisionContextRow[]> {
    return this.#driver(() => this.#contexts(ids));
  }

  latestDecisions(contextIds: readonly number[], window: TimeWindow): Promise<LatestDecision[]> {
    return this.#driver(async () => {
      // one index lookup per context (`decisions_context_time`), in one statement per chunk
      const ids = [...new Set(contextIds)];
      const out: LatestDecision[] = [];
      for (let i = 0; i < ids.length; i += LATEST_CHUNK) {
        const parts = ids.slice(i, i + LATEST_CHUNK).map(
          (id) => sql`select * from (select context_id, seq, "time" from decisions
            where context_id = ${id} and "time" >= ${window.since} and "time" < ${window.until}
            order by "time" desc, seq desc limit 1) as ${sql.ref(`l${id}`)}`,
        );
        const result = await sql<{
          context_id: number | string;
          seq: number | string;
          time: number | string;
        }>`${sql.join(parts, sql` union all `)}`.execute(this.#conn);
        for (const row of result.rows) {
          out.push({ contextId: Number(row.context_id), seq: Number(row.seq), time: Number(row.time) });
        }
      }
      return out;
    });
  }

  countDecisionPaths(contextIds: readonly number[], window: TimeWindow): Promise<PathCount[]> {
    return this.#driver(async () => {
      const ids = [...new Set(contextIds)];
      if (ids.length === 0) return [];
      const rows = await this.#conn
        .selectFrom('decisions as d')
        .innerJoin('decision_contexts as c', 'c.id', 'd.context_id')
        .select((eb) => [
          'd.context_id',
          'd.path',
          'c.route',
          eb.fn.countAll().as('count'),
          eb.fn.max('d.time').as('latest'),
        ])
        .where('d.context_id', 'in', ids)
        .where('d.time', '>=', window.since)
        .where('d.time', '<', window.until)
        .groupBy(['d.context_id', 'd.path', 'c.route'])
        .execute();
      return rows.map((row) => ({
        contextId: Number(row.context_id),
        path: row.path ?? row.route ?? '',
        count: Number(row.count),
        latest: Number(row.latest),
      }));
    });
  }

  /**
   * Decisions per range and context (`"range,context"` → count) over `filter`'s context
   * conditions, in one statement: whole buckets from the rollups, edges from the decisions.
   */
  async #countByContext(filter: DecisionFilter, ranges: readonly TimeWindow[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const conditions = contextConditions(filter);
    const where = conditions.length === 0 ? sql`` : sql` where ${sql.join(conditions, sql` and `)}`;
    // The pieces as a VALUES list, counted in two statements whatever the number of ranges.
    // Whole buckets are looked up by primary key, piece by piece and context by context (the
    // join order is forced: SQLite's CROSS JOIN, PostgreSQL's LATERAL; left to itself,
    // PostgreSQL hashed whole tables); the edges are read by time. Every value is an integer
    // computed here, written as a literal.
    const rolled: RawBuilder<unknown>[] = [];
    const raw: RawBuilder<unknown>[] = [];
    ranges.forEach((window, range) => {
      for (const piece of splitRange(window.since, window.until)) {
        const values = [range, piece.span, piece.from, piece.to].map((n) => sql.lit(Math.floor(n)));
        (piece.span === 0 ? raw : rolled).push(sql`(${sql.join(values)})`);
      }
    });
    const pg = this.#dialect === 'postgres';
    const contexts = sql`select id from decision_contexts${where}`;
    const statements: RawBuilder<{ r: number | string; context_id: number | string; n: number | string }>[] =
      [];
    if (rolled.length > 0) {
      const p = sql`p (r, span, f, t) as (values ${sql.join(rolled)})`;
      statements.push(
        pg
          ? sql`with ${p}, c as materialized (${contexts})
            select p.r as r, c.id as context_id, x.n as n from p cross join c cross join lateral
              (select sum(count) as n from decision_rollups
                where span = p.span and context_id = c.id and bucket >= p.f and bucket < p.t) as x
            where x.n is not null`
          : sql`with ${p}, c (id) as (${contexts})
            select p.r as r, x.context_id as context_id, sum(x.count) as n
            from p cross join c cross join decision_rollups as x
            where x.span = p.span and x.context_id = c.id and x.bucket >= p.f and x.bucket < p.t
            group by p.r, x.context_id`,
      );
    }
    if (raw.length > 0) {
      const p = sql`p (r, span, f, t) as (values ${sql.join(raw)})`;
      const inContexts = conditions.length === 0 ? sql`` : sql` and x.context_id in (${contexts})`;
      statements.push(
        pg
          ? sql`with ${p}
            select p.r as r, x.context_id as context_id, x.n as n from p cross join lateral
              (select x.context_id, count(*) as n from decisions as x
                where x."time" >= p.f and x."time" < p.t${inContexts} group by x.context_id) as x`
          : sql`with ${p}
            select p.r as r, x.context_id as context_id, count(*) as n
            from p cross join decisions as x
            where x."time" >= p.f and x."time" < p.t${inContexts}
            group by p.r, x.context_id`,
      );
    }
    for (const statement of statements) {
      const result = await statement.execute(this.#conn);
      for (const row of result.rows) {
        const n = Number(row.n);
        if (!(n > 0)) continue;
        const key = `${Number(row.r)},${Number(row.context_id)}`;
        counts.set(key, (counts.get(key) ?? 0) + n);
      }
    }
    return counts;
  }

  // --- OAuth (issue 16; migration 13) ---

  insertOAuthCode(row: OAuthCodeRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('oauth_codes').values(row).execute();
    });
  }

  getOAuthCodeByHash(codeHash: string): Promise<OAuthCodeRow | undefined> {
    return this.#driver(async () =>
      this.#conn.selectFrom('oauth_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst(),
    );
  }

  claimOAuthCode(id: string, at: number, grantId: string): Promise<boolean> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .updateTable('oauth_codes')
        .set({ used: at, grant_id: grantId })
        .where('id', '=', id)
        .where('used', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  expireOAuthCodes(installId: string, at: number): Promise<number> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .updateTable('oauth_codes')
        .set({ expires_at: at })
        .where('install_id', '=', installId)
        .where('used', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  pruneOAuthCodes(before: number): Promise<number> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .deleteFrom('oauth_codes')
        .where('expires_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  insertOAuthGrant(row: OAuthGrantRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('oauth_grants').values(row).execute();
    });
  }

  getOAuthGrant(id: string): Promise<OAuthGrantRow | undefined> {
    return this.#driver(async () =>
      this.#conn.selectFrom('oauth_grants').selectAll().where('id', '=', id).executeTakeFirst(),
    );
  }

  listOAuthGrants(installId: string): Promise<OAuthGrantRow[]> {
    return this.#driver(async () =>
      this.#conn
        .selectFrom('oauth_grants')
        .selectAll()
        .where('install_id', '=', installId)
        .orderBy('created', 'desc')
        .orderBy('id', 'desc')
        .execute(),
    );
  }

  revokeOAuthGrant(id: string, at: number, reason: string): Promise<boolean> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .updateTable('oauth_grants')
        .set({ revoked: at, revoked_reason: reason })
        .where('id', '=', id)
        .where('revoked', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  insertOAuthToken(row: OAuthTokenRow): Promise<void> {
    return this.#driver(async () => {
      await this.#writable().insertInto('oauth_tokens').values(row).execute();
    });
  }

  getOAuthTokenByHash(tokenHash: string): Promise<OAuthTokenRow | undefined> {
    return this.#driver(async () =>
      this.#conn
        .selectFrom('oauth_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst(),
    );
  }

  claimOAuthToken(id: string, at: number, expiresAt: number): Promise<boolean> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .updateTable('oauth_tokens')
        .set({ used: at, expires_at: expiresAt })
        .where('id', '=', id)
        .where('used', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  pruneOAuthTokens(before: number): Promise<number> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .deleteFrom('oauth_tokens')
        .where('expires_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  revokeOAuthToken(id: string, at: number): Promise<boolean> {
    return this.#driver(async () => {
      const result = await this.#writable()
        .updateTable('oauth_tokens')
        .set({ revoked: at })
        .where('id', '=', id)
        .where('revoked', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  latestOAuthAccessExpiry(grantIds: readonly string[]): Promise<Map<string, number>> {
    return this.#driver(async () => {
      const out = new Map<string, number>();
      if (grantIds.length === 0) return out;
      const rows = await this.#conn
        .selectFrom('oauth_tokens')
        .select(['grant_id', (eb) => eb.fn.max('expires_at').as('expires_at')])
        .where('grant_id', 'in', [...grantIds])
        .where('kind', '=', 'access')
        .groupBy('grant_id')
        .execute();
      for (const row of rows) out.set(row.grant_id, Number(row.expires_at));
      return out;
    });
  }

  async #contexts(ids: readonly number[]): Promise<DecisionContextRow[]> {
    const out: DecisionContextRow[] = [];
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += CONTEXT_CHUNK) {
      const rows = await this.#conn
        .selectFrom('decision_contexts')
        .selectAll()
        .where('id', 'in', unique.slice(i, i + CONTEXT_CHUNK))
        .execute();
      for (const row of rows) out.push({ ...row, id: Number(row.id), livemode: Number(row.livemode) });
    }
    return out;
  }
}

/** SQLite rows per statement: 6 parameters a row stays well under SQLite's limit of 32 766. */
const DECISION_CHUNK = 500;
const UNAUTHENTICATED_CHUNK = 200;
const MINUTE_MS = 60_000;

/** The tables the decision log's size counts (PostgreSQL; SQLite counts the whole file). */
const DECISION_LOG_TABLES = [
  'decisions',
  'decision_contexts',
  'decision_drops',
  'unauthenticated_requests',
  'decision_rollups',
];

/** Decisions `pruneDecisions` deletes per statement when it has no limit. */
const PRUNE_CHUNK = 10_000;

/** True when two decisions share their context (compared before looking the context up). */
function sameContext(a: NewDecisionRow, b: NewDecisionRow): boolean {
  for (const column of DECISION_CONTEXT_COLUMNS) if (a[column] !== b[column]) return false;
  return true;
}

/** PostgreSQL: the whole batch in one statement, one array parameter per column. */
const POSTGRES_DECISION_INSERT = `insert into decisions (${STORED_DECISION_COLUMNS.map((c) => `"${c}"`).join(', ')})
  select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::integer[], $6::bigint[])`;

const sqliteInserts = new Map<number, string>();
/**
 * SQLite: `insert or fail … values (?, …), …` for `count` rows (cached per count). OR FAIL
 * spares SQLite a statement journal (a copy of every page the statement touches, kept to undo
 * it alone); it always runs in a transaction, which a failing row rolls back whole.
 */
function sqliteDecisionInsert(count: number): string {
  let text = sqliteInserts.get(count);
  if (text === undefined) {
    const row = `(${STORED_DECISION_COLUMNS.map(() => '?').join(', ')})`;
    text = `insert or fail into decisions (${STORED_DECISION_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${new Array<string>(count).fill(row).join(', ')}`;
    sqliteInserts.set(count, text);
  }
  return text;
}

/** The tables of a decision listing: decisions `d` joined to their contexts `c`. */
type DecisionTables = Database & { d: Database['decisions']; c: Database['decision_contexts'] };

/** The WHERE conditions of a decision filter (everything but the cursor and the limit). */
function decisionConditions(
  eb: ExpressionBuilder<DecisionTables, 'd' | 'c'>,
  filter: DecisionFilter,
): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.accountId !== undefined) conditions.push(eb('c.account_id', '=', filter.accountId));
  if (filter.installId !== undefined) conditions.push(eb('c.install_id', '=', filter.installId));
  if (filter.appId !== undefined) conditions.push(eb('c.app_id', '=', filter.appId));
  if (filter.livemode !== undefined) conditions.push(eb('c.livemode', '=', filter.livemode ? 1 : 0));
  if (filter.outcome !== undefined) conditions.push(eb('c.outcome', '=', filter.outcome));
  if (filter.route !== undefined) conditions.push(eb('c.route', '=', filter.route));
  if (filter.requestId !== undefined) conditions.push(eb('d.request_id', '=', filter.requestId));
  if (filter.seq !== undefined) conditions.push(eb('d.seq', '=', filter.seq));
  if (filter.since !== undefined) conditions.push(eb('d.time', '>=', filter.since));
  if (filter.until !== undefined) conditions.push(eb('d.time', '<', filter.until));
  if (filter.permission !== undefined) {
    // The requirement is canonical JSON text: a name appears quoted. `_` and `%` are escaped.
    const pattern = `%${JSON.stringify(filter.permission).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(sql<SqlBool>`${sql.ref('c.requirement')} like ${pattern} escape '\\'`);
  }
  return conditions;
}

/** Context ids a rollup query looks up at once. */
const CONTEXT_CHUNK = 500;

/** Pieces of ranges (see `splitRange`) one rollup statement counts at most. */
const RANGE_PIECES = 400;

/** At most this many matching contexts, `listDecisions` reads context by context. */
const FEW_CONTEXTS = 64;

/** Contexts whose newest decision one statement finds. */
const LATEST_CHUNK = 200;

/** A decision filter's conditions on `decision_contexts` (unqualified columns). */
function contextConditions(filter: DecisionFilter): RawBuilder<unknown>[] {
  const conditions: RawBuilder<unknown>[] = [];
  const equal = (column: string, value: string | number | undefined) => {
    if (value !== undefined) conditions.push(sql`${sql.ref(column)} = ${value}`);
  };
  equal('account_id', filter.accountId);
  equal('install_id', filter.installId);
  equal('app_id', filter.appId);
  equal('livemode', filter.livemode === undefined ? undefined : filter.livemode ? 1 : 0);
  equal('outcome', filter.outcome);
  equal('route', filter.route);
  if (filter.permission !== undefined) {
    const pattern = `%${JSON.stringify(filter.permission).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(sql`requirement like ${pattern} escape '\\'`);
  }
  return conditions;
}

// biome-ignore lint/suspicious/noExplicitAny: the helper applies to any select over a table with `created`
function whereCreated<Q extends { where: (...args: any[]) => Q }>(query: Q, range: TimeRange | undefined): Q {
  if (range === undefined) return query;
  if (range.gt !== undefined) query = query.where('created', '>', range.gt);
  if (range.gte !== undefined) query = query.where('created', '>=', range.gte);
  if (range.lt !== undefined) query = query.where('created', '<', range.lt);
  if (range.lte !== undefined) query = query.where('created', '<=', range.lte);
  return query;
}

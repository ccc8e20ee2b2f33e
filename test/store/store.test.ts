import { describe, expect, it } from 'vitest';
import { isAppscopeError } from '../../src/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import { GENESIS_HASH } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from './dialects.js';

const account = (id: string) => ({ id, name: `Account ${id}`, created: 1 });

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'store conformance'), () => {
    const fresh = freshDatabases(dialect);

    it('applies migrations once, records them, and refuses a newer schema', async () => {
      const db = await fresh();
      const first = await db.open();
      const head = await first.transaction((tx) => tx.getAuditHead(), { readOnly: true });
      expect(head).toEqual({ seq: 0, hash: GENESIS_HASH });
      await db.open(); // again: nothing to apply
      const applied = await db.exec('select version, name from appscope_migrations order by version');
      expect(applied.map((row) => [Number(row['version']), row['name']])).toEqual(
        MIGRATIONS.map((m) => [m.version, m.name]),
      );
      expect(applied.slice(0, 2).map((row) => row['name'])).toEqual(['initial', 'idempotency_keys']);
      await db.exec(`insert into appscope_migrations (version, name, applied_at) values (99, 'future', 'x')`);
      const error = await db.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAppscopeError(error, 'ERR_STORE_SCHEMA')).toBe(true);
      expect((error as Error).message).toMatch(
        new RegExp(
          `has schema version 99, newer than this appscope \\(${SCHEMA_VERSION}\\): upgrade appscope$`,
        ),
      );
    });

    it('commits on success, rolls back everything on a throw', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.transaction(async (tx) => tx.insertAccount(account('acct_a')));
      const failure = new Error('stop');
      await expect(
        store.transaction(async (tx) => {
          await tx.insertAccount(account('acct_b'));
          throw failure;
        }),
      ).rejects.toBe(failure);
      const ids = await store.transaction(async (tx) => (await tx.listAccounts()).map((a) => a.id), {
        readOnly: true,
      });
      expect(ids).toEqual(['acct_a']);
    });

    it('turns driver failures into ERR_STORE and keeps the caller’s own errors', async () => {
      const db = await fresh();
      const store = await db.open();
      await store.transaction(async (tx) => tx.insertAccount(account('acct_a')));
      const error = await store
        .transaction(async (tx) => tx.insertAccount(account('acct_a')))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isAppscopeError(error, 'ERR_STORE')).toBe(true);
      expect((error as Error).message).toMatch(/^the store failed: .*(unique|UNIQUE)/);
    });

    it('refuses writes in read-only transactions, nested transactions, and broken chain appends', async () => {
      const db = await fresh();
      const store = await db.open();
      await expect(
        store.transaction(async (tx) => tx.insertAccount(account('acct_a')), { readOnly: true }),
      ).rejects.toThrow('a read-only transaction cannot write');
      await expect(store.transaction(async () => store.transaction(async () => 1))).rejects.toThrow(
        'store transactions cannot nest',
      );
      // The guard is switched off between transactions and on again for the next one, also
      // while another transaction is open, and concurrent (not nested) ones are never refused.
      const concurrent = await Promise.all([
        store.transaction(async () => 'first', { readOnly: true }),
        store.transaction(async () => 'second', { readOnly: true }),
      ]);
      expect(concurrent).toEqual(['first', 'second']);
      let release!: () => void;
      let started!: () => void;
      const running = new Promise<void>((resolve) => (started = resolve));
      const held = store.transaction(
        () =>
          new Promise<string>((resolve) => {
            release = () => resolve('held');
            started();
          }),
        { readOnly: true },
      );
      await running;
      // (SQLite has one connection: this one waits for `held`, which ends first.)
      const nested = store.transaction(async () => store.transaction(async () => 1), { readOnly: true });
      // Handled from the start: `nested` may reject while `held` is still being awaited below.
      const nestedRefused = expect(nested).rejects.toThrow('store transactions cannot nest');
      release();
      await expect(held).resolves.toBe('held');
      await nestedRefused;
      await expect(store.transaction(async () => store.transaction(async () => 1))).rejects.toThrow(
        'store transactions cannot nest',
      );
      const row = {
        seq: 2,
        at: 'x',
        actor: '{}',
        action: 'a',
        target_type: 't',
        target_id: 'i',
        before: null,
        after: null,
        prev_hash: GENESIS_HASH,
        hash: 'f'.repeat(64),
      };
      await expect(store.transaction(async (tx) => tx.appendAudit(row))).rejects.toThrow(
        'audit row 2 does not follow the chain head',
      );
    });

    it('serializes writers across stores: every append sees the latest head', async () => {
      const db = await fresh();
      const stores = [await db.open(), await db.open()];
      await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          stores[i % 2]!.transaction(async (tx) => {
            const head = await tx.getAuditHead();
            await new Promise((resolve) => setTimeout(resolve, 1)); // let the other store try to interleave
            await tx.appendAudit({
              seq: head.seq + 1,
              at: 'x',
              actor: '{}',
              action: 'test',
              target_type: 't',
              target_id: String(i),
              before: null,
              after: null,
              prev_hash: head.hash,
              hash: String(head.seq + 1).padStart(64, '0'),
            });
          }),
        ),
      );
      const head = await stores[0]!.transaction((tx) => tx.getAuditHead(), { readOnly: true });
      expect(head.seq).toBe(24);
    });

    it('keeps idempotency answers per scope and key, with expiry and pruning', async () => {
      const db = await fresh();
      const store = await db.open();
      const row = {
        scope: 'acct_a:test',
        key: 'k1',
        fingerprint: 'f1',
        status: 200,
        body: '{"ok":true}',
        request_id: 'req_1',
        created: 100,
      };
      await store.transaction(async (tx) => tx.putIdempotencyRecord(row));
      const read = (scope: string, since: number) =>
        store.transaction((tx) => tx.getIdempotencyRecord(scope, 'k1', since), { readOnly: true });
      expect(await read('acct_a:test', 50)).toEqual(row);
      expect(await read('acct_a:live', 50)).toBeUndefined();
      expect(await read('acct_a:test', 101)).toBeUndefined(); // expired
      await store.transaction(async (tx) =>
        tx.putIdempotencyRecord({ ...row, fingerprint: 'f2', created: 200 }),
      );
      expect((await read('acct_a:test', 150))?.fingerprint).toBe('f2');
      expect(await store.transaction(async (tx) => tx.pruneIdempotencyRecords(300))).toBe(1);
      expect(await read('acct_a:test', 0)).toBeUndefined();
    });

    it('a writer that cannot get the lock in time fails with ERR_STORE_BUSY', async () => {
      const db = await fresh();
      const holder = await db.open();
      const waiter = await db.open({ busyTimeoutMs: 100 });
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holding = holder.transaction(async (tx) => {
        await tx.insertAccount(account('acct_holder'));
        locked();
        await held;
      });
      await isLocked;
      const error = await waiter
        .transaction(async (tx) => tx.insertAccount(account('acct_waiter')))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      release();
      await holding;
      expect(isAppscopeError(error, 'ERR_STORE_BUSY')).toBe(true);
      // readers never wait for the writer
      expect(
        await waiter.transaction(async (tx) => (await tx.listAccounts()).length, { readOnly: true }),
      ).toBe(1);
    });
  });
}

describe('SQLite specifics', () => {
  it('uses WAL, synchronous=NORMAL and foreign keys on a file', async () => {
    const db = await DIALECTS[0]!.database();
    try {
      await db.open();
      expect(await db.exec('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      const store = await db.open();
      await expect(
        store.transaction(async (tx) =>
          tx.insertInstall({
            id: 'appinst_x',
            app_id: 'no-such-app',
            account_id: 'acct_none',
            mode: 'test',
            status: 'installed',
            permissions_granted: '[]',
            permissions_pending: '[]',
            created_by: 'operator',
            created: 1,
            updated: 1,
          }),
        ),
      ).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      await db.drop();
    }
  });

  it('in-memory stores are private and ready at once', async () => {
    const a = await openStore('sqlite::memory:');
    const b = await openStore(':memory:');
    await a.transaction(async (tx) => tx.insertAccount(account('acct_a')));
    expect(await b.transaction(async (tx) => tx.listAccounts(), { readOnly: true })).toEqual([]);
    expect(a.location).toBe('sqlite::memory:');
    await a.close();
    await b.close();
    await a.close(); // closing twice is fine
    await expect(a.transaction(async () => 1)).rejects.toThrow('the store is closed');
  });
});

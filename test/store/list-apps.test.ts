import { describe, expect, it } from 'vitest';
import type { AppFilter, AppRow, Store } from '../../src/store/store.js';
import { DIALECTS, freshDatabases, suiteTitle } from './dialects.js';

function app(id: string, overrides: Partial<AppRow> = {}): AppRow {
  return {
    id,
    owner_account_id: 'acct_dev1',
    name: id,
    access_type: 'restricted_api_key',
    distribution_type: 'public',
    current_version: '1.0.0',
    created: 1,
    updated: 1,
    ...overrides,
  };
}

/**
 * Two developers' apps, inserted out of id order, with ids whose order differs between a byte
 * comparison and a natural-language collation (`-` and `.`, upper and lower case, a digit).
 * The expected order is byte order: SQLite's, and PostgreSQL's on a `C`-collated database (the
 * test database); a database created with a language collation would order these differently.
 */
const ROWS: readonly AppRow[] = [
  app('com.example.zeta'),
  app('com.example.Alpha', { current_version: null }),
  app('com.example.beta', { distribution_type: 'private' }),
  app('com.example-two.app', { owner_account_id: 'acct_dev2' }),
  app('com.example.alpha', {
    owner_account_id: 'acct_dev2',
    distribution_type: 'private',
    current_version: null,
  }),
  app('com.example.9lives'),
];

async function seed(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    for (const id of ['acct_dev1', 'acct_dev2']) await tx.insertAccount({ id, name: id, created: 1 });
    for (const row of ROWS) await tx.insertApp(row);
  });
}

/** What listApps must answer: the filter applied to ROWS, in code-unit (byte) order of id. */
function expected(filter: AppFilter): string[] {
  const ids = ROWS.filter(
    (row) =>
      (filter.ownerAccountId === undefined || row.owner_account_id === filter.ownerAccountId) &&
      (filter.distributionType === undefined || row.distribution_type === filter.distributionType) &&
      (filter.released === undefined || (row.current_version !== null) === filter.released) &&
      (filter.afterId === undefined || row.id > filter.afterId),
  )
    .map((row) => row.id)
    .sort();
  return filter.limit === undefined ? ids : ids.slice(0, filter.limit);
}

const FILTERS: readonly AppFilter[] = [
  {},
  { ownerAccountId: 'acct_dev1' },
  { ownerAccountId: 'acct_dev2' },
  { ownerAccountId: 'acct_nobody' },
  { distributionType: 'public' },
  { distributionType: 'private' },
  { released: true },
  { released: false },
  { distributionType: 'public', released: true },
  { ownerAccountId: 'acct_dev1', released: false },
  { limit: 2 },
  { afterId: 'com.example.Alpha' },
  { afterId: 'com.example.alpha', limit: 1 },
  { distributionType: 'public', released: true, afterId: 'com.example-two.app', limit: 10 },
];

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'store: listApps'), () => {
    const fresh = freshDatabases(dialect);

    it('filters by owner, distribution and release, in id order', async () => {
      const db = await fresh();
      const store = await db.open();
      await seed(store);
      for (const filter of FILTERS) {
        const rows = await store.transaction((tx) => tx.listApps(filter), { readOnly: true });
        expect({ filter, ids: rows.map((row) => row.id) }).toEqual({ filter, ids: expected(filter) });
      }
      // whole rows come back as stored
      const [beta] = await store.transaction(
        (tx) => tx.listApps({ distributionType: 'private', released: true }),
        {
          readOnly: true,
        },
      );
      expect(beta).toEqual(ROWS[2]);
    });

    it('pages through every app with afterId without gaps or repeats', async () => {
      const db = await fresh();
      const store = await db.open();
      await seed(store);
      const seen: string[] = [];
      let afterId: string | undefined;
      for (let n = 0; n < ROWS.length + 1; n++) {
        const page = await store.transaction(
          (tx) => tx.listApps({ limit: 2, ...(afterId === undefined ? {} : { afterId }) }),
          { readOnly: true },
        );
        if (page.length === 0) break;
        seen.push(...page.map((row) => row.id));
        afterId = page.at(-1)!.id;
      }
      expect(seen).toEqual(ROWS.map((row) => row.id).sort());
    });
  });
}

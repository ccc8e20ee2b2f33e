import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, resolveStoreTarget, storeTargetFrom } from '../../src/store/open.js';
import { maskUrl } from '../../src/store/postgres.js';

describe('store targets', () => {
  it('maps URLs and data directories to a dialect', () => {
    expect(resolveStoreTarget()).toEqual({ dialect: 'sqlite', path: join('.appscope', 'appscope.db') });
    expect(resolveStoreTarget('postgres://u@h:5432/db')).toEqual({
      dialect: 'postgres',
      url: 'postgres://u@h:5432/db',
    });
    expect(resolveStoreTarget('postgresql://h/db').dialect).toBe('postgres');
    expect(resolveStoreTarget('sqlite:./data/x.db')).toEqual({ dialect: 'sqlite', path: './data/x.db' });
    expect(resolveStoreTarget('sqlite:///var/lib/x.db')).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/x.db',
    });
    expect(resolveStoreTarget('sqlite::memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
    expect(resolveStoreTarget({ dataDir: '/srv/appscope' })).toEqual({
      dialect: 'sqlite',
      path: '/srv/appscope/appscope.db',
    });
    expect(resolveStoreTarget({ url: 'sqlite:a.db' })).toEqual({ dialect: 'sqlite', path: 'a.db' });
  });

  it('refuses other URLs without printing a password', () => {
    expect(() => resolveStoreTarget('mysql://root:hunter2@db/app')).toThrowError(
      'unsupported database url `mysql://root:***@db/app`: use `postgres://…`, `sqlite:PATH` or a data directory',
    );
    expect(() => resolveStoreTarget('sqlite:')).toThrowError('database url `sqlite:` names no file');
  });

  it('masks passwords in URLs', () => {
    expect(maskUrl('postgres://app:s3cret@db:5432/prod')).toBe('postgres://app:***@db:5432/prod');
    expect(maskUrl('postgres://app@db/prod')).toBe('postgres://app@db/prod');
  });

  it('--data-dir wins over APPSCOPE_DATABASE_URL, which wins over the default', () => {
    const env = { APPSCOPE_DATABASE_URL: 'postgres://h/db' };
    expect(storeTargetFrom({ dataDir: 'd', env })).toEqual({ dataDir: 'd' });
    expect(storeTargetFrom({ env })).toBe('postgres://h/db');
    expect(storeTargetFrom({ env: {} })).toBeUndefined();
    expect(storeTargetFrom({ dataDir: undefined, env: { APPSCOPE_DATABASE_URL: '' } })).toBeUndefined();
  });

  it('creates the data directory and the database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-open-'));
    try {
      const store = await openStore({ dataDir: join(dir, 'nested', 'data') });
      expect(store.dialect).toBe('sqlite');
      expect(existsSync(join(dir, 'nested', 'data', 'appscope.db'))).toBe(true);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a database it cannot open as ERR_STORE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appscope-open-'));
    try {
      const file = join(dir, 'not-a-directory');
      writeFileSync(file, '');
      await expect(openStore(`sqlite:${join(file, 'x.db')}`)).rejects.toMatchObject({
        code: 'ERR_STORE',
        message: expect.stringMatching(/^cannot open the SQLite database `.*x\.db`: /),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

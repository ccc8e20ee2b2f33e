import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { verifyAudit } from '../../src/domain/audit.js';
import { createDomain } from '../../src/domain/context.js';
import { openStore } from '../../src/store/open.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'appscope-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the writer, lets it get `rounds` rounds plus a random moment in, and SIGKILLs it. */
async function killMidBurst(path: string, rounds: number): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    let seen = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      seen += (chunk.toString().match(/^round /gm) ?? []).length;
      if (seen >= rounds) resolve();
    });
    child.on('exit', () => reject(new Error(`the writer exited before it was killed:\n${stderr}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 40)));
  child.kill('SIGKILL');
  return exited;
}

describe('crash safety (SQLite file, SIGKILL mid-burst)', () => {
  it('leaves a database that opens, verifies, and holds no half-finished install', async () => {
    const path = join(dir, 'appscope.db');
    for (let i = 1; i <= 3; i++) expect(await killMidBurst(path, i)).toBe('SIGKILL');

    const store = await openStore(`sqlite:${path}`);
    const domain = createDomain({ store });
    const audit = await verifyAudit(domain);
    expect(audit).toMatchObject({ ok: true });
    await createAccount(domain, { actor: OPERATOR, name: 'after the crash' }); // writable again
    expect(await verifyAudit(domain)).toMatchObject({ ok: true });
    await store.close();

    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      const installs = raw.prepare('select id, status from installs').all() as {
        id: string;
        status: string;
      }[];
      expect(installs.length).toBeGreaterThan(0);
      const audits = raw
        .prepare(`select action, target_id from audit_log where target_type = 'install'`)
        .all() as { action: string; target_id: string }[];
      const events = (
        raw.prepare('select type, body from events').all() as { type: string; body: string }[]
      ).map((row) => ({
        type: row.type,
        object: (JSON.parse(row.body) as { data: { object: { id: string } } }).data.object.id,
      }));
      const count = <T>(rows: T[], match: (row: T) => boolean) => rows.filter(match).length;
      for (const install of installs) {
        const where = `install ${install.id} (${install.status})`;
        expect(
          count(audits, (a) => a.target_id === install.id && a.action === 'install.created'),
          where,
        ).toBe(1);
        expect(
          count(events, (e) => e.object === install.id && e.type === 'apps.install.created'),
          where,
        ).toBe(1);
        const gone = install.status === 'uninstalled' ? 1 : 0;
        expect(
          count(audits, (a) => a.target_id === install.id && a.action === 'install.uninstalled'),
          where,
        ).toBe(gone);
        expect(
          count(events, (e) => e.object === install.id && e.type === 'apps.install.deleted'),
          where,
        ).toBe(gone);
      }
      const ids = new Set(installs.map((i) => i.id));
      expect(audits.filter((a) => !ids.has(a.target_id))).toEqual([]);
      const installEvents = events.filter(
        (e) => e.type.startsWith('apps.install.') && !e.type.startsWith('apps.install.key.'),
      );
      expect(installEvents.filter((e) => !ids.has(e.object))).toEqual([]);
      const keys = (raw.prepare('select id from api_keys').all() as { id: string }[]).map((k) => k.id).sort();
      // an install key's creation event commits with the key, or neither does
      const keyIds = new Set(keys);
      const keyEvents = events.filter((e) => e.type === 'apps.install.key.created').map((e) => e.object);
      expect(keyEvents.filter((id) => !keyIds.has(id))).toEqual([]);
      const keyAudits = (
        raw.prepare(`select target_id from audit_log where action = 'key.created'`).all() as {
          target_id: string;
        }[]
      )
        .map((a) => a.target_id)
        .sort();
      expect(keyAudits).toEqual(keys);
      // every install key of an uninstalled install is revoked
      const live = raw
        .prepare(
          `select k.id from api_keys k join installs i on i.id = k.install_id where i.status = 'uninstalled' and k.revoked is null`,
        )
        .all();
      expect(live).toEqual([]);
    } finally {
      raw.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { openJsonLines } from '../../src/decision-log/json-lines.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain } from '../../src/domain/context.js';
import { type DataKey, DataKeyring, generateDataKey } from '../../src/domain/data-keys.js';
import { installApp } from '../../src/domain/installs.js';
import { createUser } from '../../src/domain/users.js';
import { createServer } from '../../src/server/app.js';
import { manifest } from '../gateway/support.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { everyCell, type Place } from '../support/every-cell.js';
import { runCli } from '../support/run-cli.js';

/**
 * No payload at rest, in any log, or in any answer but `find`'s: apps store secrets through
 * the gateway (both scopes, replaced, expiring, deleted, refused over a limit), then every cell of
 * every table — and, for SQLite, the raw database files — the decision log's JSON lines and the
 * server's log are searched for each payload and for slices of it. The names are found (the
 * search sees the data); no payload is. Then `appscope secrets rotate-key` runs on the same
 * database, and every secret is still readable, with the new key alone.
 */

const APP = 'com.example.vault';

/** Where a payload, or a 16-character slice of it (start, middle, end), appears. */
function findPayloads(payloads: readonly string[], places: readonly Place[]): string[] {
  const found: string[] = [];
  for (const payload of payloads) {
    const middle = Math.max(0, Math.floor(payload.length / 2) - 8);
    const needles = new Set([
      payload,
      payload.slice(0, 16),
      payload.slice(middle, middle + 16),
      payload.slice(-16),
    ]);
    for (const needle of needles) {
      for (const place of places)
        if (place.text.includes(needle)) found.push(`\`${needle}\` in ${place.where}`);
    }
  }
  return found;
}

/** A payload no other text of the system could hold by chance. */
function payload(label: string, length = 48): string {
  let text = `${label}-`;
  while (text.length < length) text += randomBytes(24).toString('hex');
  return text.slice(0, length);
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'Secret Store payloads at rest'), () => {
    const fresh = freshDatabases(dialect);

    it('stores no payload in plain text, logs none, and the rotation command leaves every secret readable', async () => {
      const db = await fresh();
      const store = await db.open();
      const domain = createDomain({ store, catalog: defaultCatalog() });
      const dir = mkdtempSync(join(tmpdir(), 'appscope-app-secrets-'));
      const jsonlPath = join(dir, 'decisions.jsonl');
      const decisions = new DecisionLog({ store, jsonl: await openJsonLines(jsonlPath) });
      let logText = '';
      const logger = pino(
        { level: 'trace' },
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            logText += chunk.toString('utf8');
            done();
          },
        }),
      );
      // the key a file would hold, as `serve` loads it (the CLI reads it from APPSCOPE_SECRET_KEY)
      const first: DataKey = generateDataKey();
      const servers: FastifyInstance[] = [];
      const server = async (keys: DataKeyring) => {
        const app = await createServer({
          domain,
          routes: defaultRouteTable(),
          logger,
          decisions,
          gateway: { kind: 'emulator' },
          secretKeys: keys,
        });
        servers.push(app);
        return app;
      };
      cleanup = async () => {
        for (const app of servers) await app.close();
        await decisions.close();
        rmSync(dir, { recursive: true, force: true });
      };

      const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
      const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account.id,
        manifest: manifest(APP, '1.0.0', ['secret_write']),
      });
      const installed = await installApp(domain, {
        actor: OPERATOR,
        account: merchant.account.id,
        mode: 'test',
        app: APP,
      });
      const rk = installed.key!.secret;
      const { user } = await createUser(domain, {
        actor: OPERATOR,
        account: merchant.account.id,
        email: 'ada@merchant.example',
        role: 'admin',
      });

      const app = await server(new DataKeyring([first]));
      const call = async (method: 'GET' | 'POST', url: string, body?: string) => {
        const response = await app.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${rk}`,
            ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          ...(body === undefined ? {} : { payload: body }),
        });
        return { status: response.statusCode, text: response.body };
      };
      // names as they are (the gateway refuses percent-encoded brackets), values encoded
      const form = (fields: Record<string, string>) =>
        Object.entries(fields)
          .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
          .join('&');

      // what stays stored, by name and scope
      const stored = new Map<string, { readonly scope: Record<string, string>; readonly payload: string }>([
        ['crm_api_key', { scope: { 'scope[type]': 'account' }, payload: payload('ACCOUNT-KEY') }],
        [
          'oauth_token',
          { scope: { 'scope[type]': 'user', 'scope[user]': user.id }, payload: payload('USER-TOKEN') },
        ],
        [
          'pem',
          {
            scope: { 'scope[type]': 'account' },
            payload: `${payload('PEM-HEAD')}\n${payload('PEM-BODY', 4000)}\n`,
          },
        ],
        ['expiring', { scope: { 'scope[type]': 'account' }, payload: payload('EXPIRING') }],
      ]);
      // what passed through and must be gone too: replaced, deleted, refused
      const gone = [
        payload('REPLACED'),
        payload('DELETED'),
        payload('TOO-LONG', 5001),
        payload('OVER-LIMIT'),
      ];

      expect(
        (
          await call(
            'POST',
            '/v1/apps/secrets',
            form({ name: 'crm_api_key', payload: gone[0]!, 'scope[type]': 'account' }),
          )
        ).status,
      ).toBe(200);
      for (const [name, { scope, payload: value }] of stored) {
        const extra =
          name === 'expiring' ? { expires_at: String(Math.floor(Date.now() / 1000) + 86_400) } : {};
        const answer = await call(
          'POST',
          '/v1/apps/secrets',
          form({ name, payload: value, ...scope, ...extra }),
        );
        expect(answer.status, answer.text).toBe(200);
        expect(answer.text).not.toContain(value.slice(0, 16)); // set answers without the payload
      }
      await call(
        'POST',
        '/v1/apps/secrets',
        form({ name: 'temporary', payload: gone[1]!, 'scope[type]': 'account' }),
      );
      expect(
        (await call('POST', '/v1/apps/secrets/delete', form({ name: 'temporary', 'scope[type]': 'account' })))
          .status,
      ).toBe(200);
      const tooLong = await call(
        'POST',
        '/v1/apps/secrets',
        form({ name: 'big', payload: gone[2]!, 'scope[type]': 'account' }),
      );
      expect(tooLong.status).toBe(400);
      expect(findPayloads(gone.slice(2, 3), [{ where: 'the 400', text: tooLong.text }])).toEqual([]);
      for (let i = 0; i < 7; i++) {
        await call(
          'POST',
          '/v1/apps/secrets',
          form({ name: `filler_${i}`, payload: 'x', 'scope[type]': 'account' }),
        );
      }
      const full = await call(
        'POST',
        '/v1/apps/secrets',
        form({ name: 'one_too_many', payload: gone[3]!, 'scope[type]': 'account' }),
      );
      expect([full.status, JSON.parse(full.text).error.code]).toEqual([400, 'secret_limit_exceeded']);
      expect(findPayloads(gone.slice(3), [{ where: 'the 400', text: full.text }])).toEqual([]);

      // find returns each payload, and only find
      const find = (name: string, scope: Record<string, string>, keysApp = app) =>
        keysApp.inject({
          method: 'GET',
          url: `/v1/apps/secrets/find?${form({ name, ...scope, 'expand[]': 'payload' })}`,
          headers: { authorization: `Bearer ${rk}` },
        });
      for (const [name, { scope, payload: value }] of stored) {
        expect(JSON.parse((await find(name, scope)).body).payload, name).toBe(value);
      }
      const list = await call('GET', `/v1/apps/secrets?${form({ 'scope[type]': 'account', limit: '100' })}`);
      expect(JSON.parse(list.text).data).toHaveLength(10);
      const payloads = [...[...stored.values()].map((s) => s.payload), ...gone];
      expect(findPayloads(payloads, [{ where: 'the list', text: list.text }])).toEqual([]);

      // failures are logged, without the payload: a server without the key, and a tampered value
      const stranger = await server(new DataKeyring([generateDataKey()]));
      expect((await find('crm_api_key', { 'scope[type]': 'account' }, stranger)).statusCode).toBe(503);
      await db.exec(
        `update app_secrets set ciphertext = (select ciphertext from app_secrets where name = 'crm_api_key'),
           nonce = (select nonce from app_secrets where name = 'crm_api_key') where name = 'filler_0'`,
      );
      expect((await find('filler_0', { 'scope[type]': 'account' })).statusCode).toBe(500);
      await db.exec(`delete from app_secrets where name = 'filler_0'`);
      expect(logText).toContain('secret store: request failed');
      expect(logText).toMatch(/does not decrypt under data key/);

      await decisions.close();

      // the search sees the data: names, key ids and ciphertext are there…
      const { rows, cells } = await everyCell(db, dialect.name);
      expect(rows.get('app_secrets')).toBe(10);
      expect(cells.some((c) => c.where.startsWith('app_secrets.name') && c.text === 'oauth_token')).toBe(
        true,
      );
      expect(
        cells.some((c) => c.where.startsWith('audit_log.after') && c.text.includes('"crm_api_key"')),
      ).toBe(true);
      expect(
        cells.filter((c) => c.where.startsWith('app_secrets.key_id')).every((c) => c.text === first.id),
      ).toBe(true);
      // …and no payload, nor a slice of one, in any table, the decision log's lines or the log
      expect(findPayloads(payloads, cells)).toEqual([]);
      const jsonl = readFileSync(jsonlPath, 'utf8');
      expect(jsonl.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(20);
      expect(findPayloads(payloads, [{ where: 'decisions.jsonl', text: jsonl }])).toEqual([]);
      expect(findPayloads(payloads, [{ where: 'the server log', text: logText }])).toEqual([]);
      // nor the data key
      expect(cells.some((c) => c.text.includes(first.export()))).toBe(false);
      expect(logText).not.toContain(first.export());

      // SQLite: the raw files (WAL included)
      const files = (): Place[] =>
        db.files
          .filter((f) => existsSync(f))
          .map((f) => ({ where: f, text: readFileSync(f).toString('latin1') }));
      if (dialect.name === 'sqlite') {
        expect(files().length).toBeGreaterThanOrEqual(1);
        expect(findPayloads(payloads, files())).toEqual([]);
      }

      // the rotation command, on this same database: every secret moves to the new key…
      const next = generateDataKey();
      const rotated = await runCli(['secrets', 'rotate-key', '--json'], {
        env: {
          APPSCOPE_DATABASE_URL: db.url,
          APPSCOPE_SECRET_KEY: next.export(),
          APPSCOPE_SECRET_KEY_PREVIOUS: first.export(),
        },
      });
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.json()).toEqual({
        to: next.id,
        from: [first.id],
        reencrypted: 10,
        discarded: 0,
        keyFile: null,
      });
      const after = await everyCell(db, dialect.name);
      expect(
        after.cells.filter((c) => c.where.startsWith('app_secrets.key_id')).every((c) => c.text === next.id),
      ).toBe(true);
      expect(findPayloads(payloads, after.cells)).toEqual([]);
      // …and reads back with the new key alone
      const rotatedServer = await server(new DataKeyring([next]));
      for (const [name, { scope, payload: value }] of stored) {
        expect(JSON.parse((await find(name, scope, rotatedServer)).body).payload, name).toBe(value);
      }
      if (dialect.name === 'sqlite') {
        for (const app of servers.splice(0)) await app.close();
        await store.close();
        expect(findPayloads(payloads, files())).toEqual([]);
      }
    });
  });
}

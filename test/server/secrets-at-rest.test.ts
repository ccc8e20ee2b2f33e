import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { DecisionLog } from '../../src/decision-log/decision-log.js';
import { openJsonLines } from '../../src/decision-log/json-lines.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain } from '../../src/domain/context.js';
import { createAccountSecretKey, createAppSecretKey } from '../../src/domain/keys.js';
import { hashSecret } from '../../src/domain/secrets.js';
import { createUser } from '../../src/domain/users.js';
import { createServer } from '../../src/server/app.js';
import { agent, csrfOf, hiddenValues } from '../dashboard/agent.js';
import { actorFor, manifest } from '../domain/helpers.js';
import { DIALECTS, freshDatabases, suiteTitle, type TestDatabase } from '../store/dialects.js';
import { everyCell, type Place } from '../support/every-cell.js';

/**
 * No secret at rest: a whole lifecycle over the Install API, the dashboard and the gateway,
 * collecting every secret the system hands out (account, app and install keys, the dashboard's
 * session ids, CSRF and sign-in form tokens, passwords), then every cell of every table — and,
 * for SQLite, the raw database files — is searched for each secret and for its last 16
 * characters. Key hashes must be found (the search sees the data); no secret may be.
 */

const APP = 'com.example.crm-sync';
const PLATFORM = 'com.example.platform-sync';
const KEY_VALUE = /value="((?:rk|sk)_(?:test|live)_[0-9A-Za-z]{42})"/;

/** The places (cells or files) that hold a secret or its last 16 characters. */
function findSecrets(secrets: ReadonlyMap<string, string>, places: readonly Place[]): string[] {
  const found: string[] = [];
  for (const [secret, what] of secrets) {
    for (const needle of [secret, secret.slice(-16)]) {
      for (const place of places) {
        if (place.text.includes(needle)) found.push(`${what} (\`${needle}\`) in ${place.where}`);
      }
    }
  }
  return found;
}

/** The SQLite files that exist now, each as one place. */
function rawFiles(db: TestDatabase): Place[] {
  return db.files
    .filter((file) => existsSync(file))
    .map((file) => ({ where: file, text: readFileSync(file).toString('latin1') }));
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'secrets at rest'), () => {
    const fresh = freshDatabases(dialect);

    it('a whole lifecycle leaves no secret it handed out in any table, row or file', async () => {
      const db = await fresh();
      const store = await db.open();
      const domain = createDomain({ store, catalog: defaultCatalog() });
      const dir = mkdtempSync(join(tmpdir(), 'appscope-secrets-'));
      const jsonlPath = join(dir, 'decisions.jsonl');
      const decisions = new DecisionLog({ store, jsonl: await openJsonLines(jsonlPath) });
      const app: FastifyInstance = await createServer({
        domain,
        routes: defaultRouteTable(),
        logger: false,
        decisions,
        gateway: { kind: 'emulator' },
      });
      cleanup = async () => {
        await app.close();
        await decisions.close();
        rmSync(dir, { recursive: true, force: true });
      };

      /** Every secret handed out during the walk, with what it was. */
      const handedOut = new Map<string, string>();
      /** Key secrets only: their hashes must be in the database. */
      const keySecrets: string[] = [];
      const keep = (what: string, secret: unknown): string => {
        expect(typeof secret, what).toBe('string');
        expect((secret as string).length, what).toBeGreaterThanOrEqual(16);
        handedOut.set(secret as string, what);
        if (/^(?:sk|rk)_/.test(secret as string)) keySecrets.push(secret as string);
        return secret as string;
      };

      const api = async (
        method: 'GET' | 'POST',
        url: string,
        key: string,
        body?: string,
        headers: Record<string, string> = {},
      ) => {
        const response = await app.inject({
          method,
          url,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
            ...headers,
          },
          ...(body === undefined ? {} : { payload: body }),
        });
        return {
          status: response.statusCode,
          body: response.json() as Record<string, unknown>,
          replayed: response.headers['idempotent-replayed'],
        };
      };

      // accounts (each comes with a test and a live secret key), and one more key
      const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
      const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
      for (const [name, account] of [
        ['developer', developer],
        ['merchant', merchant],
      ] as const) {
        keep(`${name} sk test`, account.secretKeys.test.secret);
        keep(`${name} sk live`, account.secretKeys.live.secret);
      }
      const sk = merchant.secretKeys.test.secret;
      const merchantAccount = merchant.account.id;
      keep(
        'extra account key',
        (await createAccountSecretKey(domain, { actor: OPERATOR, account: merchantAccount, mode: 'test' }))
          .secret,
      );

      // apps and versions with permissions: a restricted-key app and a platform app
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account.id,
        manifest: manifest(APP, '1.0.0', ['customer_read', 'invoice_read']),
      });
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account.id,
        manifest: manifest(PLATFORM, '1.0.0', ['customer_read'], 'platform'),
      });
      const developerActor = await actorFor(domain, developer.secretKeys.test.secret);
      const appKey = keep(
        'platform app secret key',
        (await createAppSecretKey(domain, { actor: developerActor, app: PLATFORM })).secret,
      );

      // install over the Install API with an Idempotency-Key, then replay it
      const installed = await api('POST', '/v1/apps/installs', sk, `app=${APP}`, {
        'idempotency-key': 'walk-install',
      });
      expect(installed.status).toBe(200);
      const installId = installed.body['id'] as string;
      const firstKey = installed.body['key'] as Record<string, unknown>;
      const firstSecret = keep('install key (Install API)', firstKey['secret']);
      const installReplay = await api('POST', '/v1/apps/installs', sk, `app=${APP}`, {
        'idempotency-key': 'walk-install',
      });
      expect(installReplay.replayed).toBe('true');
      expect(installReplay.body['key']).toEqual({ ...firstKey, secret: null, secret_redacted: true });

      // keys over the Install API: without and with an Idempotency-Key, a replay, a roll, a revoke
      const keysUrl = `/v1/apps/installs/${installId}/keys`;
      const plain = await api('POST', keysUrl, sk, '');
      keep('install key (no Idempotency-Key)', plain.body['secret']);
      const narrowed = await api('POST', keysUrl, sk, 'permissions[]=customer_read', {
        'idempotency-key': 'walk-key',
      });
      const narrowedSecret = keep('install key (Idempotency-Key)', narrowed.body['secret']);
      const narrowedReplay = await api('POST', keysUrl, sk, 'permissions[]=customer_read', {
        'idempotency-key': 'walk-key',
      });
      expect(narrowedReplay.replayed).toBe('true');
      expect(narrowedReplay.body).toEqual({ ...narrowed.body, secret: null, secret_redacted: true });
      const rolled = await api('POST', `${keysUrl}/${plain.body['id'] as string}/roll`, sk, '', {
        'idempotency-key': 'walk-roll',
      });
      keep('rolled install key (Install API)', rolled.body['secret']);
      const rolledReplay = await api('POST', `${keysUrl}/${plain.body['id'] as string}/roll`, sk, '', {
        'idempotency-key': 'walk-roll',
      });
      expect(rolledReplay.body['secret']).toBeNull();
      expect(rolledReplay.body['secret_redacted']).toBe(true);
      const revoked = await api('POST', `${keysUrl}/${narrowed.body['id'] as string}/revoke`, sk, '', {
        'idempotency-key': 'walk-revoke',
      });
      expect(revoked.body['status']).toBe('revoked');

      // calls through the gateway: allowed, denied, refused keys, a platform app acting on the merchant
      expect((await api('GET', '/v1/customers', firstSecret)).status).toBe(200);
      expect((await api('GET', '/v1/charges', firstSecret)).status).toBe(403);
      expect((await api('GET', '/v1/customers', narrowedSecret)).status).toBe(401);
      expect(
        (await api('GET', '/v1/customers', appKey, undefined, { 'stripe-account': merchantAccount })).status,
      ).toBe(403); // installed nowhere yet

      // dashboard: a user whose password was generated, sign-in (session, CSRF), install with
      // consent, a key and a roll shown once, sign-out
      const created = await createUser(domain, {
        actor: OPERATOR,
        account: merchantAccount,
        email: 'admin@merchant.example',
        role: 'admin',
      });
      const password = keep('generated dashboard password', created.generatedPassword);
      const chosen = keep('chosen dashboard password', 'a chosen passphrase, long enough 7c1e');
      await createUser(domain, {
        actor: OPERATOR,
        account: merchantAccount,
        email: 'dev@merchant.example',
        role: 'developer',
        password: chosen,
      });
      const browser = agent(app);
      const signInPage = await browser.get('/dashboard/sign-in');
      keep('sign-in form token', /name="token" value="([^"]+)"/.exec(signInPage.body)?.[1]);
      expect((await browser.signIn('admin@merchant.example', password)).statusCode).toBe(303);
      keep('session id (admin)', browser.cookies.get('appscope_session'));
      const consent = await browser.get(`/dashboard/apps/${PLATFORM}/install`);
      const csrf = keep('CSRF token (admin)', csrfOf(consent.body));
      const approved = await browser.post(`/dashboard/apps/${PLATFORM}/install`, {
        csrf,
        expected: hiddenValues(consent.body, `/dashboard/apps/${PLATFORM}/install`, 'expected'),
      });
      expect(approved.statusCode).toBe(303);
      const dashboardKey = await browser.post(`/dashboard/installs/${installId}/keys`, {
        csrf,
        expires_in: '0',
      });
      expect(dashboardKey.statusCode).toBe(201);
      keep('install key (dashboard)', KEY_VALUE.exec(dashboardKey.body)?.[1]);
      const dashboardRoll = await browser.post(`/dashboard/keys/${firstKey['id'] as string}/roll`, {
        csrf,
        grace: '3600',
      });
      expect(dashboardRoll.statusCode).toBe(201);
      keep('rolled install key (dashboard)', KEY_VALUE.exec(dashboardRoll.body)?.[1]);
      const other = agent(app);
      expect((await other.signIn('dev@merchant.example', chosen)).statusCode).toBe(303);
      keep('session id (developer)', other.cookies.get('appscope_session'));
      keep('CSRF token (developer)', csrfOf((await other.get('/dashboard/apps')).body));
      expect((await browser.post('/dashboard/sign-out', { csrf })).statusCode).toBe(303);
      expect(
        (await api('GET', '/v1/customers', appKey, undefined, { 'stripe-account': merchantAccount })).status,
      ).toBe(200);

      // an upgrade that asks for more: pending, then approved (idempotently) over the Install API
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: developer.account.id,
        manifest: manifest(APP, '2.0.0', ['customer_read', 'invoice_read', 'charge_read']),
      });
      const pending = await api('GET', `/v1/apps/installs/${installId}`, sk);
      expect(pending.body['permissions_pending']).toEqual(['charge_read']);
      const reauthorized = await api(
        'POST',
        `/v1/apps/installs/${installId}`,
        sk,
        'expected_pending[]=charge_read',
        { 'idempotency-key': 'walk-approve' },
      );
      expect(reauthorized.body['approval_required']).toBe(false);
      expect((await api('GET', '/v1/charges', firstSecret)).status).toBe(200);

      // uninstall: every key of the install stops
      const uninstalled = await api('POST', `/v1/apps/installs/${installId}/uninstall`, sk, '', {
        'idempotency-key': 'walk-uninstall',
      });
      expect(uninstalled.body['status']).toBe('uninstalled');
      expect((await api('GET', '/v1/customers', firstSecret)).status).toBe(401);

      await decisions.close(); // writes every queued decision and closes the JSON lines file

      // the search sees the data: each key's hash is there, and the tables the walk wrote to are full
      const { rows, cells } = await everyCell(db, dialect.name);
      expect([...rows.keys()]).toEqual(
        expect.arrayContaining(['api_keys', 'audit_log', 'decisions', 'events', 'idempotency_keys', 'users']),
      );
      expect(rows.get('idempotency_keys')).toBe(6);
      expect(rows.get('sessions')).toBe(1); // the developer's; the admin signed out
      expect(rows.get('decisions')).toBeGreaterThanOrEqual(4);
      expect(keySecrets.length).toBe(12);
      for (const secret of keySecrets) {
        // the hash is there, and only where keys are looked up
        const holding = cells.filter((cell) => cell.text.includes(hashSecret(secret)));
        expect(holding.map((cell) => cell.where.split(' ')[0])).toEqual(['api_keys.secret_hash']);
      }

      // …and finds no secret, in any table, nor in the decision log's JSON lines
      expect(findSecrets(handedOut, cells)).toEqual([]);
      const jsonl = readFileSync(jsonlPath, 'utf8');
      expect(jsonl.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(4);
      expect(findSecrets(handedOut, [{ where: 'decisions.jsonl', text: jsonl }])).toEqual([]);

      // SQLite: the raw files, while the store is open (WAL included) and after it closed
      if (dialect.name === 'sqlite') {
        const open = rawFiles(db);
        expect(open.length).toBeGreaterThanOrEqual(1);
        const rawText = open.map((file) => file.text).join('\n');
        for (const secret of keySecrets) expect(rawText.includes(hashSecret(secret))).toBe(true);
        expect(findSecrets(handedOut, open)).toEqual([]);
        await app.close();
        await store.close();
        expect(findSecrets(handedOut, rawFiles(db))).toEqual([]);
      }
    });
  });
}

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { defaultRouteTable } from '../../src/core/routes/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { createServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { runCli } from '../support/run-cli.js';

// `appscope apps links <app>`: the live and test install links of an OAuth app (docs/oauth.md),
// from the local store and over --url with a secret key.

const OAUTH_APP = 'com.example.ledger';
const REDIRECTS = ['https://ledger.example/oauth/callback', 'http://127.0.0.1:4243/callback'];
/** The RFC 7636 appendix B challenge of `dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk`. */
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

let dir: string;
let store: Store;
let domain: Domain;
let developerKey: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'appscope-apps-links-'));
  store = await openStore(`sqlite:${join(dir, 'appscope.db')}`);
  domain = createDomain({ store, catalog: defaultCatalog() });
  const developer = await createAccount(domain, { actor: OPERATOR, name: 'Ledger Ltd' });
  developerKey = developer.secretKeys.test.secret;
  const upload = (id: string, access: string, extra: object = {}) =>
    uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer.account.id,
      manifest: {
        id,
        version: '1.0.0',
        name: 'Ledger',
        icon: '',
        distribution_type: 'public',
        stripe_api_access_type: access,
        permissions: [{ permission: 'customer_read', purpose: 'Copy customers into the ledger' }],
        ...extra,
      },
    });
  await upload(OAUTH_APP, 'oauth', { allowed_redirect_uris: REDIRECTS });
  await upload('com.example.keys', 'restricted_api_key');
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function local(...args: string[]) {
  return runCli(['apps', 'links', ...args], {
    cwd: dir,
    env: { APPSCOPE_DATABASE_URL: `sqlite:${join(dir, 'appscope.db')}` },
  });
}

describe('appscope apps links', () => {
  it('prints the live and test links with the default redirect URI left out', async () => {
    const run = await local(OAUTH_APP);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        `live  http://127.0.0.1:4242/oauth/v2/authorize?response_type=code&client_id=${OAUTH_APP}`,
        `test  http://127.0.0.1:4242/oauth/v2/test/authorize?response_type=code&client_id=${OAUTH_APP}`,
        `redirects to ${REDIRECTS[0]} (the default: the first of 2 registered)`,
        'no code challenge: only a confidential client (with its sk_…) can redeem the code',
        '',
      ].join('\n'),
    );
  });

  it('adds redirect_uri, state and the S256 challenge, encoded, on the server given by --url', async () => {
    const run = await local(
      OAUTH_APP,
      '--url',
      'https://appscope.example',
      '--redirect-uri',
      REDIRECTS[1]!,
      '--state',
      'a b&c=d/é',
      '--code-challenge',
      CHALLENGE,
      '--json',
    );
    expect(run.stderr).toBe('');
    const links = run.json() as {
      live: string;
      test: string;
      redirect_uri: string;
      redirect_uri_given: boolean;
    };
    expect(links).toMatchObject({ redirect_uri: REDIRECTS[1], redirect_uri_given: true });
    const test = new URL(links.test);
    expect(test.origin + test.pathname).toBe('https://appscope.example/oauth/v2/test/authorize');
    expect(Object.fromEntries(test.searchParams)).toEqual({
      response_type: 'code',
      client_id: OAUTH_APP,
      redirect_uri: REDIRECTS[1],
      state: 'a b&c=d/é',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    });
    expect(new URL(links.live).pathname).toBe('/oauth/v2/authorize');
    expect(new URL(links.live).search).toBe(test.search);
  });

  it('keeps a path prefix of --url (a server behind a proxy)', async () => {
    const run = await local(OAUTH_APP, '--url', 'https://example.com/appscope/', '--json');
    const links = run.json() as { live: string; test: string };
    expect(links.live).toBe(
      `https://example.com/appscope/oauth/v2/authorize?response_type=code&client_id=${OAUTH_APP}`,
    );
    expect(links.test).toBe(
      `https://example.com/appscope/oauth/v2/test/authorize?response_type=code&client_id=${OAUTH_APP}`,
    );
  });

  it('refuses an app that is not an OAuth app, naming its access type', async () => {
    const run = await local('com.example.keys');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'appscope: `com.example.keys` uses `restricted_api_key`, not OAuth: install links are for apps with `"stripe_api_access_type": "oauth"`\n',
    );
  });

  it('refuses a redirect URI the manifest does not register, even one differing by a slash', async () => {
    const run = await local(OAUTH_APP, '--redirect-uri', `${REDIRECTS[0]}/`);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `appscope: --redirect-uri: \`${REDIRECTS[0]}/\` is not one of the \`allowed_redirect_uris\` of \`${OAUTH_APP}\` 1.0.0 (\`${REDIRECTS[0]}\`, \`${REDIRECTS[1]}\`); it must match one exactly\n`,
    );
  });

  it('refuses a code challenge that is not S256-shaped, an unknown app and a bad --url', async () => {
    const plain = await local(OAUTH_APP, '--code-challenge', 'my-verifier');
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('--code-challenge: `my-verifier` is not an S256 challenge');
    const unknown = await local('com.example.nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('com.example.nope');
    const url = await local(OAUTH_APP, '--url', 'ftp://appscope.example');
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--url: `ftp://appscope.example` must be an http(s) origin');
  });

  describe('over --url with a secret key', () => {
    let server: FastifyInstance;
    let url: string;
    beforeEach(async () => {
      server = await createServer({ domain, routes: defaultRouteTable() });
      await server.listen({ host: '127.0.0.1', port: 0 });
      url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await server.close();
    });

    it('reads the app from the apps API and points the links at that server', async () => {
      const run = await runCli(['apps', 'links', OAUTH_APP, '--url', url, '--json'], {
        cwd: dir,
        env: { APPSCOPE_API_KEY: developerKey },
      });
      expect(run.stderr).toBe('');
      expect(run.json()).toEqual({
        app: OAUTH_APP,
        redirect_uri: REDIRECTS[0],
        redirect_uri_given: false,
        allowed_redirect_uris: REDIRECTS,
        live: `${url}/oauth/v2/authorize?response_type=code&client_id=${OAUTH_APP}`,
        test: `${url}/oauth/v2/test/authorize?response_type=code&client_id=${OAUTH_APP}`,
      });
    });
  });
});

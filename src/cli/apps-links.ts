import type { Command } from 'commander';
import { OPERATOR } from '../domain/actor.js';
import { getAppVersion } from '../domain/app-versions.js';
import { getApp } from '../domain/apps.js';
import type { App, AppVersion } from '../domain/objects.js';
import { AppscopeError } from '../errors.js';
import { OAUTH_AUTHORIZE_PATH, OAUTH_TEST_AUTHORIZE_PATH } from '../http/oauth-endpoints.js';
import { type CliIo, printJson } from './io.js';
import { remoteApi } from './remote.js';
import { type StoreOptions, withDomain } from './store-context.js';

/** Where `appscope serve` listens by default: the links' origin unless `--url` says otherwise. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:4242';

/** A PKCE S256 challenge: the base64url SHA-256 of the verifier, 43 characters (RFC 7636 §4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** The live and test install links of an OAuth app (docs/oauth.md). */
export interface InstallLinks {
  readonly app: string;
  /** The redirect URI the answer goes to: the one asked for, or the first registered one. */
  readonly redirect_uri: string;
  /** Whether the links name `redirect_uri` (then the token request must repeat it). */
  readonly redirect_uri_given: boolean;
  readonly allowed_redirect_uris: readonly string[];
  /** `/oauth/v2/authorize`: installs in live mode. */
  readonly live: string;
  /** `/oauth/v2/test/authorize`: installs in test mode. */
  readonly test: string;
}

/** What a link may carry besides `client_id` and `response_type=code`. */
export interface InstallLinkOptions {
  /** The appscope server the links point at (default {@link DEFAULT_SERVER_URL}). */
  readonly url?: string;
  /** One of the app's `allowed_redirect_uris`, exactly (default: the first, and not sent). */
  readonly redirectUri?: string;
  readonly state?: string;
  /** A PKCE S256 challenge; the links then say `code_challenge_method=S256`. */
  readonly codeChallenge?: string;
}

/**
 * Builds the install links of an OAuth app from its current released version. Refuses an app
 * that is not an OAuth app, one without a released version, a redirect URI the manifest does not
 * register and a code challenge that is not S256-shaped.
 * @example
 * installLinks(app, version, { state: 'xyz' }).test
 * // 'http://127.0.0.1:4242/oauth/v2/test/authorize?response_type=code&client_id=com.example.oauth-sync&state=xyz'
 */
export function installLinks(app: App, version: AppVersion, options: InstallLinkOptions = {}): InstallLinks {
  const access: string = app.stripe_api_access_type;
  if (access !== 'oauth') {
    throw new AppscopeError(
      'ERR_PARAMETER_INVALID',
      `\`${app.id}\` uses \`${app.stripe_api_access_type}\`, not OAuth: install links are for apps with \`"stripe_api_access_type": "oauth"\``,
    );
  }
  const registered = version.manifest.allowed_redirect_uris ?? [];
  const first = registered[0];
  if (first === undefined) {
    throw new AppscopeError(
      'ERR_PARAMETER_INVALID',
      `\`${app.id}\` ${version.version} registers no \`allowed_redirect_uris\`: an OAuth app needs at least one`,
    );
  }
  const given = options.redirectUri;
  if (given !== undefined && !registered.includes(given)) {
    throw new AppscopeError(
      'ERR_PARAMETER_INVALID',
      `--redirect-uri: \`${given}\` is not one of the \`allowed_redirect_uris\` of \`${app.id}\` ${version.version} (${registered.map((u) => `\`${u}\``).join(', ')}); it must match one exactly`,
    );
  }
  const challenge = options.codeChallenge;
  if (challenge !== undefined && !S256_CHALLENGE.test(challenge)) {
    throw new AppscopeError(
      'ERR_USAGE',
      `--code-challenge: \`${challenge}\` is not an S256 challenge (43 base64url characters: the SHA-256 of the code verifier)`,
    );
  }
  const base = serverUrl(options.url);
  const query = new URLSearchParams({ response_type: 'code', client_id: app.id });
  if (given !== undefined) query.set('redirect_uri', given);
  if (options.state !== undefined) query.set('state', options.state);
  if (challenge !== undefined) {
    query.set('code_challenge', challenge);
    query.set('code_challenge_method', 'S256');
  }
  // a path prefix of --url (a server behind a proxy at /appscope) is kept
  const prefix = base.pathname.replace(/\/+$/, '');
  const link = (path: string) => `${new URL(`${prefix}${path}`, base).href}?${query.toString()}`;
  return {
    app: app.id,
    redirect_uri: given ?? first,
    redirect_uri_given: given !== undefined,
    allowed_redirect_uris: registered,
    live: link(OAUTH_AUTHORIZE_PATH),
    test: link(OAUTH_TEST_AUTHORIZE_PATH),
  };
}

function serverUrl(text: string | undefined): URL {
  if (text === undefined) return new URL(DEFAULT_SERVER_URL);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppscopeError(
      'ERR_USAGE',
      `--url: \`${text}\` is not a URL; use e.g. \`${DEFAULT_SERVER_URL}\``,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new AppscopeError(
      'ERR_USAGE',
      `--url: \`${text}\` must be an http(s) origin without a query or fragment, e.g. \`${DEFAULT_SERVER_URL}\``,
    );
  }
  return url;
}

interface LinksFlags {
  readonly url?: string;
  readonly apiKey?: string;
  readonly redirectUri?: string;
  readonly state?: string;
  readonly codeChallenge?: string;
  readonly json?: boolean;
}

/**
 * `appscope apps links <app>`: prints the live and test install links of an OAuth app. The app
 * comes from the local store, or, with `--url` and a secret key (`--api-key` or
 * `APPSCOPE_API_KEY`), from that server's apps API.
 */
export function registerAppsLinks(apps: Command, io: CliIo): void {
  apps
    .command('links')
    .description("print an OAuth app's install links, live and test (docs/oauth.md)")
    .argument('<app>', 'app id (the OAuth client_id)')
    .option('--url <url>', `the appscope server the links point at (default ${DEFAULT_SERVER_URL})`)
    .option('--api-key <key>', "with --url: read the app over that server's apps API with this sk_…")
    .option('--redirect-uri <uri>', 'one of the allowed_redirect_uris (default: the first, not sent)')
    .option('--state <state>', 'the state the app expects back')
    .option('--code-challenge <challenge>', 'a PKCE S256 code challenge')
    .option(
      '--json',
      'print JSON: {"app","redirect_uri","redirect_uri_given","allowed_redirect_uris","live","test"}',
    )
    .action(async (appId: string, flags: LinksFlags, command: Command) => {
      if (flags.apiKey !== undefined && flags.url === undefined) {
        throw new AppscopeError(
          'ERR_USAGE',
          '--api-key needs --url: the key is sent to a remote appscope server',
        );
      }
      const remote =
        flags.url !== undefined && (flags.apiKey ?? io.env['APPSCOPE_API_KEY']) !== undefined
          ? remoteApi(io, flags)
          : undefined;
      const read = async (): Promise<{ app: App; version: AppVersion }> => {
        if (remote !== undefined) {
          const path = `/v1/apps/apps/${encodeURIComponent(appId)}`;
          const app = (await remote.request('GET', path)) as unknown as App;
          if (app.current_version === null) throw notReleased(appId);
          const version = (await remote.request(
            'GET',
            `${path}/versions/${encodeURIComponent(app.current_version)}`,
          )) as unknown as AppVersion;
          return { app, version };
        }
        return withDomain(io, command.optsWithGlobals<StoreOptions>(), async (domain) => {
          const app = await getApp(domain, { actor: OPERATOR, app: appId });
          if (app.current_version === null) throw notReleased(appId);
          return { app, version: await getAppVersion(domain, { actor: OPERATOR, app: appId }) };
        });
      };
      const { app, version } = await read();
      const links = installLinks(app, version, {
        ...(flags.url === undefined ? {} : { url: flags.url }),
        ...(flags.redirectUri === undefined ? {} : { redirectUri: flags.redirectUri }),
        ...(flags.state === undefined ? {} : { state: flags.state }),
        ...(flags.codeChallenge === undefined ? {} : { codeChallenge: flags.codeChallenge }),
      });
      if (flags.json) return printJson(io, links);
      const lines = [
        `live  ${links.live}`,
        `test  ${links.test}`,
        `redirects to ${links.redirect_uri}${links.redirect_uri_given ? '' : ` (the default: the first of ${links.allowed_redirect_uris.length} registered)`}`,
      ];
      if (flags.codeChallenge === undefined)
        lines.push('no code challenge: only a confidential client (with its sk_…) can redeem the code');
      io.stdout(`${lines.join('\n')}\n`);
    });
}

function notReleased(app: string): AppscopeError {
  return new AppscopeError(
    'ERR_APP_NOT_RELEASED',
    `\`${app}\` has no released version yet: release one (appscope apps release) before sharing its install links`,
  );
}

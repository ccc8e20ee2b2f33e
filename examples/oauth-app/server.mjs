// A copy-paste OAuth client for appscope (docs/oauth.md): a "Connect with appscope" button,
// the authorization code grant with PKCE (S256) and state, the token exchange, a refresh, a
// revocation, and the official `stripe` SDK calling the API through appscope with the access
// token. Plain node:http; the OAuth protocol work is done by oauth4webapi.
//
//   node examples/oauth-app/server.mjs        (with `appscope serve --demo` running on :4242)
//
// Environment (all optional):
//   APPSCOPE_URL   the appscope server, its OAuth issuer (default http://127.0.0.1:4242)
//   CLIENT_ID      the app id (default com.example.oauth-sync, the demo's OAuth app)
//   CLIENT_SECRET  the developer account's secret key sk_…: a confidential client. Unset, the app
//                  is a public client that proves itself with PKCE alone.
//   MODE           test (default: /oauth/v2/test/authorize) or live (/oauth/v2/authorize)
//   PORT           where this app listens (default 4243; 0 picks a free port). The redirect URI
//                  http://127.0.0.1:PORT/callback must be in the manifest's allowed_redirect_uris.
//   HOST           the interface to bind (default 127.0.0.1)
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as oauth from 'oauth4webapi';
import Stripe from 'stripe';

const issuer = new URL(process.env.APPSCOPE_URL ?? 'http://127.0.0.1:4242');
const clientId = process.env.CLIENT_ID ?? 'com.example.oauth-sync';
const clientSecret = process.env.CLIENT_SECRET;
const mode = process.env.MODE ?? 'test';
const host = process.env.HOST ?? '127.0.0.1';
if (mode !== 'test' && mode !== 'live') throw new Error(`MODE must be test or live, not ${mode}`);
/** oauth4webapi refuses plain http unless told: fine on loopback, never in production. */
const insecure = { [oauth.allowInsecureRequests]: issuer.protocol === 'http:' };

// RFC 8414 discovery: the token, revocation and authorization endpoints, and the issuer that
// every authorization response must carry as `iss` (RFC 9207).
const as = await oauth.processDiscoveryResponse(
  issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
);
const client = { client_id: clientId };
const clientAuth = clientSecret ? oauth.ClientSecretBasic(clientSecret) : oauth.None();

/** Browser sessions of this app, by a random cookie: the PKCE verifier and state, then the tokens. */
const sessions = new Map();

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error(error);
    page(
      res,
      500,
      '<h1>Something went wrong</h1>',
      `<p>${html(describe(error))}</p>`,
      '<p><a href="/">Start again</a></p>',
    );
  });
});
server.listen(Number(process.env.PORT ?? 4243), host, () => {
  const { port } = server.address();
  console.log(`oauth-app listening on http://${host}:${port} (redirect URI ${redirectUri()})`);
});

function redirectUri() {
  return `http://${host}:${server.address().port}/callback`;
}

async function handle(req, res) {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const session = sessionOf(req, res);
  if (req.method === 'GET' && url.pathname === '/') return home(res, session);
  if (req.method === 'GET' && url.pathname === '/connect') return connect(res, session);
  if (req.method === 'GET' && url.pathname === '/callback') return callback(res, session, url);
  if (req.method === 'POST' && url.pathname === '/refresh') return refresh(res, session);
  if (req.method === 'POST' && url.pathname === '/disconnect') return disconnect(res, session);
  page(res, 404, '<h1>Not found</h1>');
}

/** The install link: PKCE S256 and a fresh state, remembered in this browser's session. */
async function connect(res, session) {
  session.codeVerifier = oauth.generateRandomCodeVerifier();
  session.state = oauth.generateRandomState();
  // appscope's metadata names the test-mode link too (`test_authorization_endpoint`)
  const link = new URL(mode === 'live' ? as.authorization_endpoint : as.test_authorization_endpoint);
  link.searchParams.set('response_type', 'code');
  link.searchParams.set('client_id', clientId);
  link.searchParams.set('redirect_uri', redirectUri());
  link.searchParams.set('state', session.state);
  link.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(session.codeVerifier));
  link.searchParams.set('code_challenge_method', 'S256');
  res.writeHead(303, { location: link.href }).end();
}

/** The redirect back: check `iss` and `state`, then exchange the code with the PKCE verifier. */
async function callback(res, session, url) {
  if (session.state === undefined)
    return page(
      res,
      400,
      '<h1>No connection was started in this browser</h1>',
      '<p><a href="/">Start again</a></p>',
    );
  let params;
  try {
    params = oauth.validateAuthResponse(as, client, url, session.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      delete session.state;
      return page(
        res,
        200,
        '<h1>Not connected</h1>',
        `<p id="error">${html(error.error)}: ${html(error.error_description ?? '')}</p>`,
        '<p><a href="/">Start again</a></p>',
      );
    }
    throw error;
  }
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    clientAuth,
    params,
    redirectUri(),
    session.codeVerifier,
    insecure,
  );
  session.tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  session.expiresAt = Date.now() + session.tokens.expires_in * 1000;
  delete session.state;
  delete session.codeVerifier;
  res.writeHead(303, { location: '/' }).end();
}

/** A new access token (and a new refresh token: appscope rotates them on every use). */
async function refresh(res, session) {
  if (session.tokens === undefined) return res.writeHead(303, { location: '/' }).end();
  const response = await oauth.refreshTokenGrantRequest(
    as,
    client,
    clientAuth,
    session.tokens.refresh_token,
    insecure,
  );
  const tokens = await oauth.processRefreshTokenResponse(as, client, response);
  session.tokens = { ...session.tokens, ...tokens };
  session.expiresAt = Date.now() + tokens.expires_in * 1000;
  session.refreshed = (session.refreshed ?? 0) + 1;
  res.writeHead(303, { location: '/' }).end();
}

/** RFC 7009: revoking the refresh token revokes its whole family, the access token included. */
async function disconnect(res, session) {
  if (session.tokens !== undefined) {
    const response = await oauth.revocationRequest(as, client, clientAuth, session.tokens.refresh_token, {
      ...insecure,
      additionalParameters: { token_type_hint: 'refresh_token' },
    });
    await oauth.processRevocationResponse(response);
  }
  delete session.tokens;
  res.writeHead(303, { location: '/' }).end();
}

async function home(res, session) {
  if (session.tokens === undefined) {
    return page(
      res,
      200,
      '<h1>Example OAuth app</h1>',
      `<p>This app reads your customers through appscope (${html(mode)} mode).</p>`,
      '<p><a id="connect" href="/connect">Connect with appscope</a></p>',
    );
  }
  const { tokens } = session;
  // The access token is an API key for the installing account: the SDK sends it as a Bearer.
  const stripe = new Stripe(tokens.access_token, {
    host: issuer.hostname,
    port: Number(issuer.port || (issuer.protocol === 'https:' ? 443 : 80)),
    protocol: issuer.protocol.slice(0, -1),
    maxNetworkRetries: 0,
    telemetry: false,
  });
  let customers;
  try {
    const list = await stripe.customers.list({ limit: 5 });
    customers = list.data.map((c) => `<li>${html(c.name ?? c.id)}</li>`).join('') || '<li>(none yet)</li>';
  } catch (error) {
    customers = `<li id="api-error">${html(describe(error))}</li>`;
  }
  page(
    res,
    200,
    '<h1>Connected</h1>',
    `<p>Account <code id="account">${html(tokens.stripe_user_id)}</code>, ${tokens.livemode ? 'live' : 'test'} mode, permissions <code id="scope">${html(tokens.scope ?? '')}</code>.</p>`,
    `<p>Access token expires at <time id="expires">${new Date(session.expiresAt).toISOString()}</time>; refreshed <span id="refreshed">${session.refreshed ?? 0}</span> time(s).</p>`,
    `<h2>Customers</h2><ul id="customers">${customers}</ul>`,
    '<form method="post" action="/refresh"><button>Refresh the access token</button></form>',
    '<form method="post" action="/disconnect"><button>Disconnect</button></form>',
  );
}

function sessionOf(req, res) {
  const id = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (id !== undefined && sessions.has(id)) return sessions.get(id);
  const fresh = randomBytes(24).toString('base64url');
  const session = {};
  sessions.set(fresh, session);
  res.setHeader('set-cookie', `sid=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
  return session;
}

function page(res, status, ...parts) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><meta charset="utf-8"><title>Example OAuth app</title><body>${parts.join('\n')}</body></html>`,
  );
}

function describe(error) {
  if (error instanceof oauth.ResponseBodyError) return `${error.error}: ${error.error_description}`;
  return error instanceof Error ? error.message : String(error);
}

function html(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

import { type ClientCredentials, OAuthError } from '../domain/oauth.js';

/**
 * How an OAuth client identified itself at the token, revocation and deauthorization endpoints
 * (RFC 6749 §2.3), read from the `Authorization` header and the form fields `client_id` and
 * `client_secret`:
 *
 * - `Authorization: Basic base64(sk_…:)`: the developer's secret key as the user name, as
 *   `curl -u sk_test_…:` sends it (Stripe's way);
 * - `Authorization: Basic base64(client_id:sk_…)`: RFC 6749 `client_secret_basic`, each part
 *   form-urlencoded before base64 (RFC 6749 §2.3.1);
 * - `Authorization: Bearer sk_…`;
 * - the form field `client_secret=sk_…` (`client_secret_post`);
 * - `client_id` alone: a public client (`none`), which must have used PKCE.
 *
 * Two authentication methods in one request (a header and `client_secret`) are refused with
 * `invalid_request`, as RFC 6749 §2.3 requires; a `client_id` in the form that differs from the
 * Basic user name is refused the same way.
 */

/** The credentials, and which header scheme carried them (for `WWW-Authenticate` on a 401). */
export interface ClientAuthentication {
  readonly client: ClientCredentials;
  /** `basic` or `bearer` when the `Authorization` header was used, undefined otherwise. */
  readonly scheme: 'basic' | 'bearer' | undefined;
}

/** Prefixes of appscope's API keys: a Basic user name with one is a key, not a `client_id`. */
const KEY_PREFIX = /^(sk|rk)_(test|live)_/;

/**
 * Reads the client's credentials. Throws {@link OAuthError}: `invalid_request` for two methods at
 * once or a `client_id` that contradicts the header, `invalid_client` (401) for a header that is
 * not Basic or Bearer or cannot be decoded.
 * @example
 * clientAuthentication(`Basic ${Buffer.from('sk_test_123:').toString('base64')}`, { client_id: 'com.example.app' });
 * // { client: { clientId: 'com.example.app', secret: 'sk_test_123' }, scheme: 'basic' }
 */
export function clientAuthentication(
  authorization: string | undefined,
  form: { readonly client_id?: string | undefined; readonly client_secret?: string | undefined },
): ClientAuthentication {
  const formId = nonEmpty(form.client_id);
  const formSecret = nonEmpty(form.client_secret);
  if (authorization === undefined || authorization === '') {
    return { client: { clientId: formId, secret: formSecret }, scheme: undefined };
  }
  const header = fromHeader(authorization);
  if (formSecret !== undefined) {
    throw new OAuthError(
      'invalid_request',
      `the client authenticated twice, with the \`Authorization\` header (${header.scheme === 'basic' ? 'Basic' : 'Bearer'}) and with \`client_secret\`: use one method only (RFC 6749 §2.3)`,
    );
  }
  if (header.clientId !== undefined && formId !== undefined && header.clientId !== formId) {
    throw new OAuthError(
      'invalid_request',
      `\`client_id\` \`${formId}\` is not the client of the Basic credentials (\`${header.clientId}\`)`,
    );
  }
  return {
    client: { clientId: header.clientId ?? formId, secret: header.secret },
    scheme: header.scheme,
  };
}

function fromHeader(authorization: string): {
  clientId: string | undefined;
  secret: string | undefined;
  scheme: 'basic' | 'bearer';
} {
  const space = authorization.indexOf(' ');
  const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : authorization.slice(space + 1).trim();
  if (scheme === 'bearer') {
    if (value === '' || /\s/.test(value)) {
      throw headerError('bearer', 'the Bearer token is empty or contains spaces');
    }
    return { clientId: undefined, secret: value, scheme: 'bearer' };
  }
  if (scheme !== 'basic') {
    throw headerError(
      undefined,
      `the authorization scheme \`${scheme.slice(0, 20)}\` is not supported: use Basic (\`client_id:secret\` or \`sk_…:\`) or Bearer (\`sk_…\`)`,
    );
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value))
    throw headerError('basic', 'the Basic credentials are not base64');
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0)
    throw headerError('basic', 'the Basic credentials have no `:` between user name and password');
  const user = formDecode(decoded.slice(0, colon));
  const password = formDecode(decoded.slice(colon + 1));
  if (user === '') throw headerError('basic', 'the Basic credentials have no user name');
  if (KEY_PREFIX.test(user)) {
    // `curl -u sk_test_…:`: the key is the user name, and the password must be empty
    if (password !== '') {
      throw headerError(
        'basic',
        'the Basic user name is a secret key, so the password must be empty (or send `client_id:secret_key`)',
      );
    }
    return { clientId: undefined, secret: user, scheme: 'basic' };
  }
  return { clientId: user, secret: password === '' ? undefined : password, scheme: 'basic' };
}

/** RFC 6749 §2.3.1: user name and password are form-urlencoded before base64. */
function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw headerError('basic', 'the Basic credentials have a malformed percent-encoding');
  }
}

function headerError(scheme: 'basic' | 'bearer' | undefined, reason: string): OAuthError {
  return Object.assign(new OAuthError('invalid_client', `invalid Authorization header: ${reason}`), {
    scheme,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The header scheme an {@link OAuthError} from {@link clientAuthentication} was about, if any
 * (the 401's `WWW-Authenticate` names it).
 * @example
 * try { clientAuthentication('Basic !!!', {}); } catch (error) { schemeOf(error as OAuthError); } // 'basic'
 */
export function schemeOf(error: OAuthError): 'basic' | 'bearer' | undefined {
  const scheme = (error as { scheme?: unknown }).scheme;
  return scheme === 'basic' || scheme === 'bearer' ? scheme : undefined;
}

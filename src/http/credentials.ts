/**
 * Reads the API key from `Authorization: Bearer KEY` or Basic auth with the key as the
 * user name (what `curl -u sk_test_…:` sends). Returns undefined when no key is given;
 * a malformed header is reported as such.
 */
export type CredentialResult =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed'; readonly reason: string };

export function readCredentials(authorization: string | undefined): CredentialResult {
  if (authorization === undefined || authorization === '') return { kind: 'missing' };
  const space = authorization.indexOf(' ');
  const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
  const value = space < 0 ? '' : authorization.slice(space + 1).trim();
  if (scheme === 'bearer') {
    if (value === '' || /\s/.test(value))
      return { kind: 'malformed', reason: 'the Bearer token is empty or contains spaces' };
    return { kind: 'key', key: value };
  }
  if (scheme === 'basic') {
    let decoded: string;
    try {
      decoded = Buffer.from(value, 'base64').toString('utf8');
    } catch {
      return { kind: 'malformed', reason: 'the Basic credentials are not base64' };
    }
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    if (user === '')
      return {
        kind: 'malformed',
        reason: 'the Basic credentials have no user name (use the API key as the user name)',
      };
    return { kind: 'key', key: user };
  }
  return {
    kind: 'malformed',
    reason: `the authorization scheme \`${scheme}\` is not supported (use Bearer or Basic)`,
  };
}

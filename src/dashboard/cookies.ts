/**
 * The dashboard's cookies: `appscope_session` (the session id; `HttpOnly`, `SameSite=Strict`,
 * `Path=/dashboard`, `Secure` over https) and `appscope_signin` (a sign-in form token, the same
 * attributes, so that a sign-in cannot be forged from another site either).
 */

/** The session cookie's name. */
export const SESSION_COOKIE = 'appscope_session';
/** The sign-in form's token cookie. */
export const SIGN_IN_COOKIE = 'appscope_signin';

/**
 * The cookies of a request (first value of each name wins; values are not decoded because
 * appscope only sets base64url values).
 */
export function readCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** Options of {@link cookieHeader}. */
export interface CookieOptions {
  readonly secure: boolean;
  /** Seconds; 0 deletes the cookie; omitted: a browser-session cookie. */
  readonly maxAge?: number;
}

/**
 * A `Set-Cookie` value for a dashboard cookie.
 * @example
 * cookieHeader(SESSION_COOKIE, token, { secure: true, maxAge: 43200 });
 * // 'appscope_session=…; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=43200; Secure'
 */
export function cookieHeader(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, 'Path=/dashboard', 'HttpOnly', 'SameSite=Strict'];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

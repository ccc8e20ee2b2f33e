import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Mode, SessionRow } from '../store/store.js';
import type { Actor } from './actor.js';
import { checkMode } from './actor.js';
import { type Domain, toSeconds } from './context.js';
import { toUser, type User } from './users.js';

/**
 * Dashboard sessions: a random 256-bit session id lives in the browser's cookie and only its
 * SHA-256 hash in the store, next to the mode the user works in and an absolute expiry. The
 * session's CSRF token is derived from the session id (an HMAC), so it is stored nowhere and
 * cannot be turned back into the id. Signing out deletes the row.
 */

/** A signed-in session, as the dashboard needs it (never the session id). */
export interface Session {
  readonly user: User;
  /** The actor every domain call of this session acts as. */
  readonly actor: Actor & { readonly type: 'user' };
  /** The token every state-changing form must echo. */
  readonly csrfToken: string;
  readonly mode: Mode;
  /** Unix seconds. */
  readonly expires: number;
}

/** Default session lifetime: 12 hours. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The CSRF token of the session whose id is `token`: HMAC-SHA256 of a fixed label keyed with
 * the session id. Pages show it; the store never holds it; it changes with every session.
 */
function csrfTokenFor(token: string): string {
  return createHmac('sha256', token).update('appscope dashboard csrf v1').digest('base64url');
}

function userActor(user: User, mode: Mode): Actor & { readonly type: 'user' } {
  return {
    type: 'user',
    account: user.account,
    user: user.id,
    email: user.email,
    role: user.role,
    livemode: mode === 'live',
  };
}

/**
 * Starts a session for a user who just proved their password; returns the session id for the
 * cookie (shown to nobody else, stored only hashed). Expired sessions are pruned on the way.
 * @example
 * const { token, session } = await startSession(domain, { user });
 * reply.header('set-cookie', `appscope_session=${token}; HttpOnly; SameSite=Strict; Path=/dashboard`);
 */
export async function startSession(
  domain: Domain,
  input: { readonly user: User; readonly mode?: Mode; readonly ttlSeconds?: number },
): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString('base64url');
  const now = toSeconds(domain.clock());
  const mode = checkMode(input.mode ?? 'test');
  const row: SessionRow = {
    id_hash: hashToken(token),
    user_id: input.user.id,
    mode,
    created: now,
    expires: now + (input.ttlSeconds ?? SESSION_TTL_SECONDS),
  };
  await domain.store.transaction(async (tx) => {
    await tx.pruneSessions(now);
    await tx.insertSession(row);
  });
  return {
    token,
    session: {
      user: input.user,
      actor: userActor(input.user, mode),
      csrfToken: csrfTokenFor(token),
      mode,
      expires: row.expires,
    },
  };
}

/**
 * The session a cookie's session id belongs to, or undefined when it is unknown, expired or
 * malformed (the hash is compared in constant time).
 * @example
 * const session = await resumeSession(domain, cookies['appscope_session']);
 */
export async function resumeSession(domain: Domain, token: string | undefined): Promise<Session | undefined> {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const hash = hashToken(token);
  const now = toSeconds(domain.clock());
  return domain.store.transaction(
    async (tx) => {
      const row = await tx.getSession(hash);
      if (row === undefined || !sameText(row.id_hash, hash) || row.expires <= now) return undefined;
      const user = await tx.getUser(row.user_id);
      if (user === undefined) return undefined;
      const publicUser = toUser(user);
      return {
        user: publicUser,
        actor: userActor(publicUser, row.mode),
        csrfToken: csrfTokenFor(token),
        mode: row.mode,
        expires: row.expires,
      };
    },
    { readOnly: true },
  );
}

/**
 * Switches the mode a session shows and acts in.
 * @example
 * await setSessionMode(domain, token, 'live');
 */
export async function setSessionMode(domain: Domain, token: string, mode: Mode): Promise<void> {
  checkMode(mode);
  const hash = hashToken(token);
  await domain.store.transaction((tx) => tx.updateSessionMode(hash, mode));
}

/**
 * Ends a session (sign-out): the session id stops working at once.
 * @example
 * await endSession(domain, token);
 */
export async function endSession(domain: Domain, token: string): Promise<void> {
  const hash = hashToken(token);
  await domain.store.transaction((tx) => tx.deleteSession(hash));
}

/**
 * Compares a submitted CSRF token with the session's in constant time.
 * @example
 * if (!csrfMatches(session, form.get('csrf'))) return reply.code(403).send(…);
 */
export function csrfMatches(session: Session, submitted: unknown): boolean {
  return typeof submitted === 'string' && sameText(session.csrfToken, submitted);
}

/** Constant-time equality of two strings (lengths may leak, contents do not). */
export function sameText(a: string, b: string): boolean {
  const left = createHash('sha256').update(a, 'utf8').digest();
  const right = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(left, right) && a.length === b.length;
}

import type { FastifyRequest } from 'fastify';
import type { Actor } from '../domain/actor.js';
import type { Domain } from '../domain/context.js';
import { actorFromPrincipal, authenticateKey, type Principal } from '../domain/keys.js';
import { readCredentials } from '../http/credentials.js';
import { authenticationError } from '../http/stripe-error.js';

/**
 * Who is calling: the principal of the request's API key. Missing, malformed, unknown,
 * revoked and expired keys are all 401 `authentication_error` with the key masked; the
 * message never says whether a key exists for another account.
 */
export async function authenticate(domain: Domain, request: FastifyRequest): Promise<Principal> {
  const credentials = readCredentials(request.headers.authorization);
  if (credentials.kind === 'missing') {
    throw authenticationError(
      'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. `Authorization: Bearer YOUR_SECRET_KEY`).',
    );
  }
  if (credentials.kind === 'malformed')
    throw authenticationError(`Invalid Authorization header: ${credentials.reason}.`);
  const result = await authenticateKey(domain, credentials.key);
  if (!result.ok) throw authenticationError(capitalize(result.message));
  return result.principal;
}

/** The admin actor for Install API calls: only an account's own secret key (`sk_…`) may act. */
export async function authenticateAdmin(domain: Domain, request: FastifyRequest): Promise<Actor> {
  return actorFromPrincipal(await authenticate(domain, request));
}

function capitalize(s: string): string {
  return s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : s;
}

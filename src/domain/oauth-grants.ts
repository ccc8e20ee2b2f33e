import type { OAuthGrantRow } from '../store/store.js';
import type { Flow } from './flow.js';

/**
 * OAuth token families (`oauth_grants`): revoking one stops every access and refresh token it
 * issued, on the next request on every process (the change is notified like a key's).
 */

/** Revokes one grant inside a flow (audited); false when it already was revoked. */
export async function revokeGrantInFlow(flow: Flow, grant: OAuthGrantRow, reason: string): Promise<boolean> {
  if (!(await flow.tx.revokeOAuthGrant(grant.id, flow.seconds, reason))) return false;
  await flow.audit({
    action: 'oauth_grant.revoked',
    target: { type: 'oauth_grant', id: grant.id },
    before: { install: grant.install_id, app: grant.app_id, account: grant.account_id, revoked: null },
    after: {
      install: grant.install_id,
      app: grant.app_id,
      account: grant.account_id,
      revoked: flow.seconds,
      reason,
    },
  });
  flow.notify({ kind: 'oauth_grant', id: grant.id });
  return true;
}

/**
 * Revokes every unrevoked grant of an install inside a flow, and expires its codes not yet
 * redeemed (a code issued before the revocation must not start a new family); returns the
 * grants' ids.
 */
export async function revokeInstallGrants(flow: Flow, installId: string, reason: string): Promise<string[]> {
  await flow.tx.expireOAuthCodes(installId, flow.seconds);
  const revoked: string[] = [];
  for (const grant of await flow.tx.listOAuthGrants(installId)) {
    if (grant.revoked === null && (await revokeGrantInFlow(flow, grant, reason))) revoked.push(grant.id);
  }
  return revoked;
}

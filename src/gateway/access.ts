import type { AccountPrincipal, InstallPrincipal, Principal } from '../domain/keys.js';
import type { ApiError } from '../http/stripe-error.js';
import { forbiddenAccount, malformed } from './errors.js';
import type { PrincipalCache } from './principal-cache.js';

/** Whose data a request reaches, and with what permissions. */
export type Access =
  | {
      /** An account's own secret key: full access to its own data, no app involved. */
      readonly kind: 'account';
      readonly account: string;
      readonly livemode: boolean;
      readonly principal: AccountPrincipal;
    }
  | {
      /** An install: its effective set decides. */
      readonly kind: 'install';
      readonly account: string;
      readonly livemode: boolean;
      readonly principal: InstallPrincipal;
      /**
       * `key`: an install key (`rk_…`); `platform`: a platform app's key with `Stripe-Account`;
       * `oauth`: an OAuth access token (`at_…`).
       */
      readonly via: 'key' | 'platform' | 'oauth';
    };

const ACCOUNT_ID = /^acct_[0-9A-Za-z]{1,64}$/;

/**
 * Turns an authenticated principal and the `Stripe-Account` header into an {@link Access}, or
 * the error to answer with:
 * - an account's `sk_…`: its own account (naming another account is a 403);
 * - a platform app's `sk_…`: `Stripe-Account` is required (400) and must name an account that
 *   installed the app in the key's mode (403 otherwise, the same whether or not the account exists);
 * - an install key (`rk_…`) or an OAuth access token (`at_…`): its install's account (naming
 *   another account is a 403).
 * Store failures are thrown (or reject, for a platform app's key: the one case that may need
 * the store, answered with a promise; every other case is answered synchronously).
 */
export function resolveAccess(
  cache: PrincipalCache,
  principal: Principal,
  secret: string,
  maskedKey: string,
  stripeAccount: string | undefined,
): Access | ApiError | Promise<Access | ApiError> {
  if (stripeAccount !== undefined && !ACCOUNT_ID.test(stripeAccount)) {
    const shown = stripeAccount.length > 40 ? `${stripeAccount.slice(0, 40)}…` : stripeAccount;
    return malformed(
      `Invalid Stripe-Account header: \`${shown.replace(/[^\x20-\x7e]/g, '?')}\` is not an account id (\`acct_…\`).`,
      'account_invalid',
    );
  }
  switch (principal.type) {
    case 'account':
      if (stripeAccount !== undefined && stripeAccount !== principal.account) {
        return forbiddenAccount(
          `The provided key '${maskedKey}' does not have access to account '${stripeAccount}' (or that account does not exist). An account's secret key reaches its own account's data only.`,
          'account_invalid',
        );
      }
      return { kind: 'account', account: principal.account, livemode: principal.livemode, principal };
    case 'install':
      if (stripeAccount !== undefined && stripeAccount !== principal.account) {
        return forbiddenAccount(
          principal.oauth === true
            ? `You passed an OAuth access token with the Stripe-Account header for account '${stripeAccount}', but the token '${maskedKey}' reaches only the account that installed its app. Remove the Stripe-Account header.`
            : `You passed a restricted API key with the Stripe-Account header for account '${stripeAccount}', but the key '${maskedKey}' reaches only the account that installed its app. Remove the Stripe-Account header.`,
          'account_invalid',
        );
      }
      return {
        kind: 'install',
        account: principal.account,
        livemode: principal.livemode,
        principal,
        via: principal.oauth === true ? 'oauth' : 'key',
      };
    case 'app': {
      if (stripeAccount === undefined) {
        return malformed(
          `The provided key '${maskedKey}' is the secret key of the platform app \`${principal.app}\`: send the \`Stripe-Account: acct_…\` header to name the account whose install of the app this request acts for.`,
          'stripe_account_required',
        );
      }
      // the only case that may need the store: a promise (the others answer synchronously)
      return cache.platformInstall(secret, principal, stripeAccount).then((install) => {
        if (install === undefined) {
          return forbiddenAccount(
            `This application is not installed on account '${stripeAccount}' in ${principal.livemode ? 'live' : 'test'} mode (or that account does not exist).`,
            'app_not_installed',
          );
        }
        return {
          kind: 'install',
          account: install.account,
          livemode: install.livemode,
          principal: install,
          via: 'platform',
        };
      });
    }
  }
}

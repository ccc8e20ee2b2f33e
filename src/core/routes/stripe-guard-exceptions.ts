import type { GuardException } from './permission-guards.js';

const TERMINAL_CONFIGURATIONS =
  'the API description of the route table (2022-04-12) has no Terminal configuration endpoints: `/v1/terminal/configurations` is not in it';
const DATA_STORE =
  'Data Store is not a resource of the Stripe API: the API description has no endpoint for it (Stripe’s later permission tables dropped the row)';

/**
 * The permissions of the Stripe Apps catalog that guard no route of the Stripe route table
 * (`catalogs/stripe-routes.json`), and why. Every other permission guards at least one route:
 * `test/core/routes/permission-guards.test.ts` fails on a permission that guards none and is
 * not here, and on an entry here whose permission now guards a route (remove the entry then).
 * The reasons are shown in docs/catalog.md (`npm run generate:permission-guards`).
 *
 * Kinds of reason: a permission that only gates `expand[]` or event types (see
 * `src/gateway/event-permissions.ts`; `event_read` itself guards `GET /v1/events`, so it is
 * not here), one whose endpoints are not in the 2022-04-12 API description, a dashboard or
 * browser feature, and one served by appscope itself rather than by Stripe's API.
 * @example
 * const report = permissionGuards(defaultCatalog(), file, STRIPE_GUARD_EXCEPTIONS);
 * report.issues; // [] while this table is right
 */
export const STRIPE_GUARD_EXCEPTIONS: readonly GuardException[] = Object.freeze([
  {
    permission: 'balance_transaction_source_read',
    reason:
      'guards no endpoint of its own: it lets an app expand `source` on balance transactions (`balance_transaction.source`, which no other permission allows) and see `payout.*`, `transfer.*` and `balance.available` events; the endpoints it opens come through the permissions it implies',
  },
  { permission: 'terminal_configuration_read', reason: TERMINAL_CONFIGURATIONS },
  { permission: 'terminal_configuration_write', reason: TERMINAL_CONFIGURATIONS },
  { permission: 'datastore_read', reason: DATA_STORE },
  { permission: 'datastore_write', reason: DATA_STORE },
  {
    permission: 'elements_write',
    reason:
      'lets Stripe.js Elements act for the app in the browser (the companion notes of `customer_portal_*`, `payment_intent_*` and `setup_intent_*` name it); no API endpoint requires it',
  },
  {
    permission: 'mandate_write',
    reason:
      'the API has no mandate writes: mandates are created through payment and setup intents, and the one mandate endpoint, `GET /v1/mandates/{mandate}`, is guarded by `mandate_read`, which `mandate_write` implies',
  },
  {
    permission: 'user_email_read',
    reason:
      'a dashboard feature: a UI extension is given the signed-in user’s email (`userContext.email`) only with it; no API endpoint requires it',
  },
]);

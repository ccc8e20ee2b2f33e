/**
 * Which permissions let an app read an event, by event type (Stripe Apps' permissions
 * reference, event table). An app sees an event when it holds `event_read` and at least one
 * permission listed for the event's type. `type` is an exact event type or a prefix ending in
 * `.*`; the most specific rule wins (an exact type, then the longest prefix:
 * `customer.subscription.*` over `customer.*`). A type no rule matches, or whose rule lists no
 * permission the catalog has, is never shown to an app (deny by default).
 */
export interface EventPermissionRule {
  readonly type: string;
  /** Any one of these (with `event_read`) lets an app read the event. */
  readonly permissions: readonly string[];
}

/** The Stripe event table, as data. */
export const EVENT_PERMISSIONS: readonly EventPermissionRule[] = Object.freeze([
  { type: 'account.application.authorized', permissions: ['event_read'] },
  { type: 'account.application.deauthorized', permissions: ['event_read'] },
  { type: 'account.updated', permissions: ['connected_account_read'] },
  { type: 'account.external_account.*', permissions: ['connected_account_read'] },
  { type: 'person.*', permissions: ['connected_account_read'] },
  { type: 'charge.*', permissions: ['charge_read'] },
  { type: 'refund.*', permissions: ['charge_read'] },
  { type: 'radar.early_fraud_warning.*', permissions: ['charge_read'] },
  { type: 'charge.dispute.*', permissions: ['dispute_read'] },
  { type: 'customer.*', permissions: ['customer_read'] },
  { type: 'cash_balance.funds_available', permissions: ['customer_read'] },
  { type: 'customer.subscription.*', permissions: ['quote_read', 'subscription_read'] },
  { type: 'subscription_schedule.*', permissions: ['quote_read', 'subscription_read'] },
  { type: 'invoice.*', permissions: ['credit_note_read', 'invoice_read', 'quote_read'] },
  { type: 'invoiceitem.*', permissions: ['credit_note_read', 'invoice_read', 'quote_read'] },
  { type: 'credit_note.*', permissions: ['credit_note_read', 'invoice_read', 'quote_read'] },
  { type: 'payment_intent.*', permissions: ['checkout_session_read', 'payment_intent_read'] },
  { type: 'setup_intent.*', permissions: ['checkout_session_read', 'setup_intent_read'] },
  {
    type: 'product.*',
    permissions: [
      'checkout_session_read',
      'payment_intent_read',
      'payment_links_read',
      'product_read',
      'quote_read',
    ],
  },
  { type: 'plan.*', permissions: ['plan_read'] },
  { type: 'price.*', permissions: ['plan_read'] },
  { type: 'payout.*', permissions: ['balance_transaction_source_read', 'payout_read', 'transfer_read'] },
  { type: 'transfer.*', permissions: ['balance_transaction_source_read', 'transfer_read'] },
  { type: 'balance.available', permissions: ['balance_read', 'balance_transaction_source_read'] },
  { type: 'topup.*', permissions: ['funding_instruction_read', 'top_up_read'] },
  { type: 'test_helpers.test_clock.*', permissions: ['billing_clock_read', 'customer_read'] },
  {
    type: 'mandate.updated',
    permissions: ['checkout_session_read', 'mandate_read', 'payment_links_read', 'setup_intent_read'],
  },
  { type: 'file.created', permissions: ['file_read'] },
  { type: 'review.*', permissions: ['review_read'] },
  { type: 'tax.settings.updated', permissions: ['tax_settings_read'] },
  { type: 'entitlements.active_entitlement_summary.updated', permissions: ['entitlement_read'] },
  // listed by Stripe with no permission: never shown to an app
  { type: 'sigma.scheduled_query_run.created', permissions: [] },
]);

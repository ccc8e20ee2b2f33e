import type { ResourceMapping, ResourcePermissions } from './mapping.js';
import { STRIPE_SECRET_STORE } from './stripe-secret-store.js';

/** `{ read: base_read, write: base_write }`. */
function readWrite(base: string): ResourcePermissions {
  return { read: `${base}_read`, write: `${base}_write` };
}

function none(reason: string): ResourcePermissions {
  return { unavailable: reason };
}

const ACCOUNTS =
  'the catalog grants accounts read-only (`connected_account_read`): creating, updating, rejecting or deleting accounts, and changing their bank accounts, capabilities, external accounts and persons, are not available to apps';
const BITCOIN = 'no permission in the catalog covers Bitcoin receivers, which are deprecated';
const IDENTITY = 'no permission in the catalog covers Stripe Identity';
const RADAR = 'no permission in the catalog covers Radar';
const REPORTS = 'report_runs_and_report_types_read';

/**
 * The Stripe mapping: Stripe API resource types (`x-resourceId`s of the 2022-04-12 OpenAPI
 * description) → Stripe Apps permissions, plus the operations and expandable fields whose
 * response types do not tell, and the Secret Store's operations, which are newer than the
 * description (`supplement`). Hand-written; the choices are explained in docs/routes.md.
 * @example
 * const file = generateRouteTable(openapi, STRIPE_MAPPING, { catalog: defaultCatalog() });
 */
export const STRIPE_MAPPING: ResourceMapping = {
  name: 'stripe',
  source: 'stripe/openapi openapi/spec3.json, 2022-04-12 (e0123a38b40c8d840b4c0469ac0ee1650b6bfea3)',
  resources: {
    account: { read: 'connected_account_read', unavailable: ACCOUNTS },
    account_link: { write: 'account_link_write' },
    login_link: { write: 'edit_link_write' },
    apple_pay_domain: readWrite('apple_pay_domain'),
    application: none('no permission in the catalog covers Connect application objects'),
    application_fee: readWrite('application_fee'),
    // the Secret Store (supplement): `secret_write` ("Grants access to Secrets") for every call, reads too
    'apps.secret': { write: 'secret_write' },
    fee_refund: readWrite('application_fee'),
    balance: { read: 'balance_read' },
    balance_transaction: { read: 'balance_read' },
    'billing_portal.configuration': readWrite('customer_portal'),
    'billing_portal.session': readWrite('customer_portal'),
    bitcoin_receiver: none(BITCOIN),
    bitcoin_transaction: none(BITCOIN),
    charge: readWrite('charge'),
    refund: readWrite('charge'),
    'checkout.session': readWrite('checkout_session'),
    country_spec: none('no permission in the catalog covers country specs'),
    coupon: readWrite('coupon'),
    // a discount is a coupon (or promotion code) applied to a customer, subscription, invoice or quote
    discount: { read: 'coupon_read' },
    credit_note: readWrite('credit_note'),
    credit_note_line_item: readWrite('credit_note'),
    customer: readWrite('customer'),
    customer_balance_transaction: readWrite('customer'),
    tax_id: readWrite('customer'),
    // legacy payment sources; the only endpoints that serve them are a customer's sources
    alipay_account: readWrite('customer'),
    bank_account: readWrite('customer'),
    card: readWrite('customer'),
    dispute: readWrite('dispute'),
    ephemeral_key: none(
      'ephemeral keys are issued to mobile clients and are not available to restricted keys',
    ),
    event: { read: 'event_read' },
    exchange_rate: none('no permission in the catalog covers exchange rates'),
    file: readWrite('file'),
    file_link: readWrite('file'),
    'identity.verification_report': none(IDENTITY),
    'identity.verification_session': none(IDENTITY),
    invoice: readWrite('invoice'),
    invoiceitem: readWrite('invoice'),
    line_item: readWrite('invoice'),
    issuer_fraud_record: none('no permission in the catalog covers issuer fraud records'),
    'issuing.authorization': readWrite('issuing_authorization'),
    'issuing.card': readWrite('issuing_card'),
    'issuing.cardholder': readWrite('issuing_cardholder'),
    'issuing.dispute': readWrite('issuing_dispute'),
    'issuing.settlement': none('no permission in the catalog covers Issuing settlements'),
    'issuing.transaction': readWrite('issuing_transaction'),
    mandate: readWrite('mandate'),
    order: readWrite('order'),
    order_return: readWrite('order'),
    payment_intent: readWrite('payment_intent'),
    payment_link: readWrite('payment_links'),
    payment_method: readWrite('payment_method'),
    payout: readWrite('payout'),
    plan: readWrite('plan'),
    price: readWrite('plan'),
    product: readWrite('product'),
    promotion_code: none('the catalog has no promotion code permission'),
    quote: readWrite('quote'),
    'radar.early_fraud_warning': none(RADAR),
    'radar.value_list': none(RADAR),
    'radar.value_list_item': none(RADAR),
    rule: none(RADAR),
    recipient: none(
      'no permission in the catalog covers Recipients, which are deprecated (replaced by Connect)',
    ),
    'reporting.report_run': { read: REPORTS, write: REPORTS },
    'reporting.report_type': { read: REPORTS },
    review: none('the catalog has no review permission'),
    scheduled_query_run: none('no permission in the catalog covers Sigma'),
    setup_attempt: { read: 'setup_intent_read' },
    setup_intent: readWrite('setup_intent'),
    shipping_rate: none('the catalog has no shipping rate permission'),
    sku: readWrite('sku'),
    source: readWrite('source'),
    source_mandate_notification: readWrite('source'),
    source_transaction: readWrite('source'),
    subscription: readWrite('subscription'),
    subscription_item: readWrite('subscription'),
    subscription_schedule: readWrite('subscription'),
    usage_record: readWrite('usage_record'),
    usage_record_summary: readWrite('usage_record'),
    tax_code: none('no permission in the catalog covers tax codes'),
    tax_rate: readWrite('tax_rate'),
    'terminal.connection_token': { write: 'terminal_connection_token_write' },
    'terminal.location': readWrite('terminal_location'),
    'terminal.reader': readWrite('terminal_reader'),
    'test_helpers.test_clock': readWrite('billing_clock'),
    three_d_secure: none('no permission in the catalog covers legacy 3D Secure objects'),
    token: readWrite('token'),
    topup: readWrite('top_up'),
    transfer: readWrite('transfer'),
    transfer_reversal: readWrite('transfer'),
    webhook_endpoint: {
      read: 'webhook_read',
      unavailable:
        'the catalog grants webhook endpoints read-only (`webhook_read`): apps receive events through the platform, not endpoints of their own',
    },
  },
  paths: {
    // everything about the account itself and connected accounts: persons, capabilities, external accounts
    '/v1/account': 'account',
    '/v1/accounts': 'account',
    '/v1/account/login_links': 'login_link',
    '/v1/accounts/{account}/login_links': 'login_link',
    // fee refunds belong to their application fee
    '/v1/application_fees': 'application_fee',
    // set, find, list and delete secrets (list and delete answer no named type)
    '/v1/apps/secrets': 'apps.secret',
    // line items (type `item`) belong to their session, payment link or quote; so does a quote's PDF
    '/v1/checkout/sessions': 'checkout.session',
    '/v1/payment_links': 'payment_link',
    '/v1/quotes': 'quote',
    // a customer's sources, cards, bank accounts, tax IDs, balance transactions and discount
    '/v1/customers/{customer}/balance_transactions': 'customer',
    '/v1/customers/{customer}/bank_accounts': 'customer',
    '/v1/customers/{customer}/cards': 'customer',
    '/v1/customers/{customer}/discount': 'customer',
    '/v1/customers/{customer}/sources': 'customer',
    '/v1/customers/{customer}/tax_ids': 'customer',
    // legacy subscription endpoints under a customer, and a subscription's discount
    '/v1/customers/{customer}/subscriptions': 'subscription',
    '/v1/subscriptions/{subscription_exposed_id}/discount': 'subscription',
  },
  operations: {
    'POST /v1/accounts': {
      unavailable:
        'it creates a connected account, and the catalog grants accounts read-only (`connected_account_read`)',
    },
  },
  expansions: {
    'balance_transaction.source': {
      anyOf: ['balance_transaction_source_read'],
      note: 'the catalog grants expanding a balance transaction’s source with `balance_transaction_source_read`',
    },
    // external accounts (bank accounts and cards) of the account are account data
    'payout.destination': { anyOf: ['connected_account_read'] },
    'account.external_accounts': { anyOf: ['connected_account_read'] },
    // the account's own tax IDs shown on an invoice are account data, not a customer's
    'invoice.account_tax_ids': { anyOf: ['connected_account_read'] },
    // line items are read with the object they belong to
    'checkout.session.line_items': { anyOf: ['checkout_session_read'] },
    'payment_link.line_items': { anyOf: ['payment_links_read'] },
    'quote.line_items': { anyOf: ['quote_read'] },
    'quotes_resource_upfront.line_items': { anyOf: ['quote_read'] },
    // a secret's payload is included only on request, by `find`: the Secret Store's own permission
    'apps.secret.payload': {
      anyOf: ['secret_write'],
      note: 'the payload of a secret is included only on request, with the Secret Store’s `secret_write`',
    },
  },
  supplement: STRIPE_SECRET_STORE,
};

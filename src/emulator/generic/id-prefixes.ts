/**
 * Stripe's id prefixes and lengths by object type (the description carries no examples, so
 * this is a table). Types not listed get the initials of their name and 24 characters
 * (`shipping_rate` → `sr_…`); see {@link idFormat}.
 */
export const ID_PREFIXES: Readonly<Record<string, readonly [prefix: string, length: number]>> = {
  account: ['acct', 16],
  alipay_account: ['aliacc', 24],
  apple_pay_domain: ['apwc', 24],
  application: ['ca', 32],
  application_fee: ['fee', 24],
  balance_transaction: ['txn', 24],
  bank_account: ['ba', 24],
  billing_portal_configuration: ['bpc', 24],
  'billing_portal.configuration': ['bpc', 24],
  'billing_portal.session': ['bps', 24],
  bitcoin_receiver: ['btcrcv', 24],
  bitcoin_transaction: ['btctxn', 24],
  capability: ['cap', 24],
  card: ['card', 24],
  charge: ['ch', 24],
  'checkout.session': ['cs_test', 58],
  connect_collection_transfer: ['connct', 24],
  country_spec: ['US', 0],
  coupon: ['co', 8],
  credit_note: ['cn', 24],
  credit_note_line_item: ['cnli', 24],
  customer: ['cus', 14],
  customer_balance_transaction: ['cbtxn', 24],
  discount: ['di', 24],
  dispute: ['dp', 24],
  ephemeral_key: ['ephkey', 24],
  event: ['evt', 24],
  exchange_rate: ['usd', 0],
  fee_refund: ['fr', 24],
  file: ['file', 24],
  file_link: ['link', 24],
  'identity.verification_report': ['vr', 24],
  'identity.verification_session': ['vs', 24],
  invoice: ['in', 24],
  invoiceitem: ['ii', 24],
  issuer_fraud_record: ['issfr', 24],
  'issuing.authorization': ['iauth', 24],
  'issuing.card': ['ic', 24],
  'issuing.cardholder': ['ich', 24],
  'issuing.dispute': ['idp', 24],
  'issuing.settlement': ['ise', 24],
  'issuing.transaction': ['ipi', 24],
  item: ['li', 24],
  line_item: ['il', 24],
  mandate: ['mandate', 24],
  order: ['order', 24],
  order_return: ['orret', 24],
  payment_intent: ['pi', 24],
  payment_link: ['plink', 24],
  payment_method: ['pm', 24],
  payout: ['po', 24],
  person: ['person', 24],
  plan: ['plan', 24],
  platform_tax_fee: ['ptf', 24],
  price: ['price', 24],
  product: ['prod', 14],
  promotion_code: ['promo', 24],
  quote: ['qt', 24],
  'radar.early_fraud_warning': ['issfr', 24],
  'radar.value_list': ['rsl', 24],
  'radar.value_list_item': ['rsli', 24],
  recipient: ['rp', 24],
  refund: ['re', 24],
  'reporting.report_run': ['frr', 24],
  'reporting.report_type': ['balance.summary', 0],
  reserve_transaction: ['rtx', 24],
  review: ['prv', 24],
  scheduled_query_run: ['sqr', 24],
  setup_attempt: ['setatt', 24],
  setup_intent: ['seti', 24],
  shipping_rate: ['shr', 24],
  sku: ['sku', 24],
  source: ['src', 24],
  source_mandate_notification: ['srcmn', 24],
  source_transaction: ['srctxn', 24],
  subscription: ['sub', 24],
  subscription_item: ['si', 14],
  subscription_schedule: ['sub_sched', 24],
  tax_code: ['txcd', 8],
  tax_deducted_at_source: ['itds', 24],
  tax_id: ['txi', 24],
  tax_rate: ['txr', 24],
  'terminal.configuration': ['tmc', 24],
  'terminal.location': ['tml', 24],
  'terminal.reader': ['tmr', 24],
  'test_helpers.test_clock': ['clock', 24],
  three_d_secure: ['tdsrc', 24],
  token: ['tok', 24],
  topup: ['tu', 24],
  transfer: ['tr', 24],
  transfer_reversal: ['trr', 24],
  usage_record: ['mbur', 14],
  usage_record_summary: ['sis', 14],
  webhook_endpoint: ['we', 24],
};

/** The prefix and length of a type's ids. */
export function idFormat(type: string): readonly [prefix: string, length: number] {
  const known = ID_PREFIXES[type];
  if (known !== undefined) return known;
  const last = type.slice(type.lastIndexOf('.') + 1);
  const initials = last
    .split('_')
    .map((word) => word[0] ?? '')
    .join('');
  return [initials || 'obj', 24];
}

/** The type an id names, by prefix, among `types` (undefined when none or several match). */
export function typeForId(types: readonly string[], id: string): string | undefined {
  const matching = types.filter((type) => {
    const [prefix, length] = idFormat(type);
    return length > 0 && id.startsWith(`${prefix}_`);
  });
  return matching.length === 1 ? matching[0] : undefined;
}

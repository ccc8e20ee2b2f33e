import type { EmulatorContext } from '../context.js';
import { retrieveOperation } from '../crud.js';
import { ref } from '../expand.js';
import { equalities, listOperation } from '../lists.js';
import { operation, type ResourceModule } from '../operation.js';
import { p } from '../params.js';
import type { StripeObject } from '../storage.js';

/** The kinds of money movement the emulator records. */
export type BalanceTransactionType = 'charge' | 'refund' | 'payout' | 'payout_cancel' | 'transfer';

/** A balance transaction; `source` is the charge, refund, payout or transfer behind it. */
export interface BalanceTransaction extends StripeObject {
  readonly object: 'balance_transaction';
  readonly created: number;
  readonly amount: number;
  readonly currency: string;
  readonly fee: number;
  readonly net: number;
  readonly status: 'available' | 'pending';
  readonly type: BalanceTransactionType;
  readonly source: string;
}

const REPORTING_CATEGORY: Readonly<Record<BalanceTransactionType, string>> = {
  charge: 'charge',
  refund: 'refund',
  payout: 'payout',
  payout_cancel: 'payout_reversal',
  transfer: 'transfer',
};

/** Stripe's standard card pricing (2.9% + 30 in the smallest currency unit), used for every currency. */
export function cardFee(amount: number): number {
  return Math.round(amount * 0.029) + 30;
}

/** Records a balance transaction (stored without an event: Stripe announces none). */
export async function recordBalanceTransaction(
  ctx: EmulatorContext,
  entry: {
    readonly amount: number;
    readonly currency: string;
    readonly type: BalanceTransactionType;
    readonly source: string;
    readonly description: string | null;
    readonly fee?: number;
  },
): Promise<BalanceTransaction> {
  const fee = entry.fee ?? 0;
  const txn: BalanceTransaction = {
    id: ctx.newId('txn', 24),
    object: 'balance_transaction',
    amount: entry.amount,
    available_on: ctx.now,
    created: ctx.now,
    currency: entry.currency,
    description: entry.description,
    exchange_rate: null,
    fee,
    fee_details:
      fee === 0
        ? []
        : [
            {
              amount: fee,
              application: null,
              currency: entry.currency,
              description: 'Stripe processing fees',
              type: 'stripe_fee',
            },
          ],
    livemode: ctx.scope.livemode,
    metadata: {},
    net: entry.amount - fee,
    reporting_category: REPORTING_CATEGORY[entry.type],
    source: entry.source,
    status: 'available',
    type: entry.type,
  };
  return ctx.store(txn);
}

/** The available balance in one currency (the sum of available transactions' `net`). */
export async function availableBalance(ctx: EmulatorContext, currency: string): Promise<number> {
  const txns = await ctx.all<BalanceTransaction>('balance_transaction', {
    currency: { op: 'eq', value: currency },
    status: { op: 'eq', value: 'available' },
  });
  return txns.reduce((sum, txn) => sum + txn.net, 0);
}

interface Funds {
  readonly amount: number;
  readonly currency: string;
  readonly source_types: { readonly card: number };
}

async function computeBalance(ctx: EmulatorContext): Promise<StripeObject> {
  const txns = await ctx.all<BalanceTransaction>('balance_transaction');
  const sums = new Map<string, { available: number; pending: number }>();
  for (const txn of txns) {
    const sum = sums.get(txn.currency) ?? { available: 0, pending: 0 };
    sum[txn.status] += txn.net;
    sums.set(txn.currency, sum);
  }
  if (sums.size === 0) sums.set('usd', { available: 0, pending: 0 });
  const funds = (pick: 'available' | 'pending'): Funds[] =>
    [...sums].map(([currency, sum]) => ({ amount: sum[pick], currency, source_types: { card: sum[pick] } }));
  return {
    id: 'balance',
    object: 'balance',
    available: funds('available'),
    connect_reserved: [...sums.keys()].map((currency) => ({ amount: 0, currency })),
    livemode: ctx.scope.livemode,
    pending: funds('pending'),
  };
}

/**
 * The account's balance and the balance transactions behind it. Every money movement
 * (charge, refund, payout, transfer) records one transaction whose `source` is the
 * object that moved the money. Funds are available at once (no pending period), so a
 * test charge can be paid out in the same session.
 */
export const balance: ResourceModule = {
  objects: [
    { object: 'balance' },
    {
      object: 'balance_transaction',
      idPrefix: 'txn',
      expand: { source: ref('charge', 'refund', 'payout', 'transfer') },
    },
  ],
  operations: [
    operation({
      method: 'GET',
      path: '/v1/balance',
      returns: { object: 'balance' },
      params: {},
      async run(ctx) {
        const { id: _id, ...body } = await computeBalance(ctx);
        return body;
      },
    }),
    listOperation({
      object: 'balance_transaction',
      path: '/v1/balance_transactions',
      params: {
        currency: p.currency(),
        payout: p.ignored(),
        source: p.id(),
        type: p.enum(['charge', 'refund', 'payout', 'payout_cancel', 'transfer']),
      },
      where: (params) => equalities({ currency: params.currency, source: params.source, type: params.type }),
    }),
    retrieveOperation('balance_transaction', '/v1/balance_transactions/:id'),
  ],
};

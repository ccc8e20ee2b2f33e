import type { EmulatorContext } from '../context.js';
import { metadataOf, retrieveOperation } from '../crud.js';
import { balanceInsufficient, unexpectedState } from '../errors.js';
import { ref } from '../expand.js';
import { equalities, listOperation } from '../lists.js';
import { events, operation, type ResourceModule } from '../operation.js';
import { applyMetadata, p } from '../params.js';
import type { StripeObject } from '../storage.js';
import { availableBalance, recordBalanceTransaction } from './balance.js';

/** The fields the emulator's logic reads from a payout. */
export interface Payout extends StripeObject {
  readonly object: 'payout';
  readonly created: number;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';
}

/** The fields the emulator's logic reads from a transfer. */
export interface Transfer extends StripeObject {
  readonly object: 'transfer';
  readonly created: number;
}

const PAYOUTS = '/v1/payouts';
const TRANSFERS = '/v1/transfers';
const DAY = 86_400;

async function checkFunds(
  ctx: EmulatorContext,
  amount: number,
  currency: string,
  what: string,
): Promise<void> {
  const available = await availableBalance(ctx, currency);
  if (amount > available) {
    throw balanceInsufficient(
      `You have insufficient funds in your Stripe account for this ${what}. Your available ${currency} balance is ${available}; the emulator makes charges available at once, so create a charge first (for example a payment intent confirmed with pm_card_visa).`,
    );
  }
}

/**
 * Payouts and transfers: money leaving the available balance, each recording a
 * negative balance transaction. Both are refused with `balance_insufficient` past the
 * available balance. Payouts stay `pending` (nothing pays them) until canceled;
 * transfers go to any `acct_…` id, and no other account is credited.
 */
export const payoutsAndTransfers: ResourceModule = {
  objects: [
    {
      object: 'payout',
      idPrefix: 'po',
      events: events('payout', 'created', 'updated'),
      expand: { balance_transaction: ref('balance_transaction') },
    },
    {
      object: 'transfer',
      idPrefix: 'tr',
      events: events('transfer', 'created', 'updated'),
      expand: { balance_transaction: ref('balance_transaction'), source_transaction: ref('charge') },
    },
  ],
  operations: [
    listOperation({
      object: 'payout',
      path: PAYOUTS,
      params: {
        arrival_date: p.ignored(),
        destination: p.id(),
        status: p.enum(['pending', 'paid', 'failed', 'canceled']),
      },
      where: (params) => equalities({ destination: params.destination, status: params.status }),
    }),
    operation({
      method: 'POST',
      path: PAYOUTS,
      returns: { object: 'payout' },
      params: {
        amount: p.integer({ min: 1 }),
        currency: p.currency(),
        description: p.string(),
        destination: p.id(),
        metadata: p.metadata(),
        method: p.enum(['standard', 'instant']),
        source_type: p.enum(['bank_account', 'card', 'fpx']),
        statement_descriptor: p.string({ maxLength: 22 }),
      },
      required: ['amount', 'currency'],
      async run(ctx, params) {
        await checkFunds(ctx, params.amount!, params.currency!, 'payout');
        const id = ctx.newId('po', 24);
        const txn = await recordBalanceTransaction(ctx, {
          amount: -params.amount!,
          currency: params.currency!,
          type: 'payout',
          source: id,
          description: params.description ?? 'STRIPE PAYOUT',
        });
        const method = params.method ?? 'standard';
        const payout: Payout = {
          id,
          object: 'payout',
          amount: params.amount!,
          application_fee: null,
          application_fee_amount: null,
          arrival_date: method === 'instant' ? ctx.now : ctx.now + 2 * DAY,
          automatic: false,
          balance_transaction: txn.id,
          created: ctx.now,
          currency: params.currency!,
          description: params.description ?? 'STRIPE PAYOUT',
          destination: params.destination ?? null,
          failure_balance_transaction: null,
          failure_code: null,
          failure_message: null,
          livemode: ctx.scope.livemode,
          metadata: applyMetadata(undefined, params.metadata),
          method,
          original_payout: null,
          reconciliation_status: 'not_applicable',
          reversed_by: null,
          source_type: params.source_type ?? 'card',
          statement_descriptor: params.statement_descriptor ?? null,
          status: 'pending',
          type: 'bank_account',
        };
        return ctx.insert(payout);
      },
    }),
    retrieveOperation('payout', `${PAYOUTS}/:id`),
    operation({
      method: 'POST',
      path: `${PAYOUTS}/:id`,
      returns: { object: 'payout' },
      params: { metadata: p.metadata() },
      async run(ctx, params, route) {
        const current = await ctx.load<Payout>('payout', route['id']!);
        return ctx.replace(current, {
          ...current,
          metadata: applyMetadata(metadataOf(current), params.metadata),
        });
      },
    }),
    operation({
      method: 'POST',
      path: `${PAYOUTS}/:id/cancel`,
      returns: { object: 'payout' },
      params: {},
      async run(ctx, _params, route) {
        const payout = await ctx.load<Payout>('payout', route['id']!);
        if (payout.status !== 'pending') {
          throw unexpectedState(
            `Payouts can only be canceled while they are pending; this one is ${payout.status}.`,
            'payout_not_cancelable',
          );
        }
        const txn = await recordBalanceTransaction(ctx, {
          amount: payout.amount,
          currency: payout.currency,
          type: 'payout_cancel',
          source: payout.id,
          description: 'STRIPE PAYOUT CANCELLATION',
        });
        return ctx.replace(
          payout,
          { ...payout, failure_balance_transaction: txn.id, status: 'canceled' },
          { event: 'payout.canceled' },
        );
      },
    }),

    listOperation({
      object: 'transfer',
      path: TRANSFERS,
      params: { destination: p.id(), transfer_group: p.string() },
      where: (params) =>
        equalities({ destination: params.destination, transfer_group: params.transfer_group }),
    }),
    operation({
      method: 'POST',
      path: TRANSFERS,
      returns: { object: 'transfer' },
      params: {
        amount: p.integer({ min: 1 }),
        currency: p.currency(),
        description: p.string(),
        destination: p.id(),
        metadata: p.metadata(),
        source_transaction: p.id(),
        source_type: p.enum(['bank_account', 'card', 'fpx']),
        transfer_group: p.string(),
      },
      required: ['amount', 'currency', 'destination'],
      async run(ctx, params) {
        const destination = params.destination!;
        if (!/^acct_[0-9A-Za-z]+$/.test(destination) || destination === ctx.scope.account) {
          throw unexpectedState(
            `No such destination: '${destination}'. Transfers go to another account's \`acct_…\` id.`,
            'resource_missing',
            'destination',
          );
        }
        if (params.source_transaction !== undefined) {
          await ctx.load('charge', params.source_transaction, 'source_transaction');
        }
        await checkFunds(ctx, params.amount!, params.currency!, 'transfer');
        const id = ctx.newId('tr', 24);
        const txn = await recordBalanceTransaction(ctx, {
          amount: -params.amount!,
          currency: params.currency!,
          type: 'transfer',
          source: id,
          description: params.description ?? null,
        });
        const transfer: Transfer = {
          id,
          object: 'transfer',
          amount: params.amount!,
          amount_reversed: 0,
          balance_transaction: txn.id,
          created: ctx.now,
          currency: params.currency!,
          description: params.description ?? null,
          destination,
          destination_payment: ctx.newId('py', 24),
          livemode: ctx.scope.livemode,
          metadata: applyMetadata(undefined, params.metadata),
          reversals: {
            object: 'list',
            data: [],
            has_more: false,
            total_count: 0,
            url: `${TRANSFERS}/${id}/reversals`,
          },
          reversed: false,
          source_transaction: params.source_transaction ?? null,
          source_type: params.source_type ?? 'card',
          transfer_group: params.transfer_group ?? null,
        };
        return ctx.insert(transfer);
      },
    }),
    retrieveOperation('transfer', `${TRANSFERS}/:id`),
    operation({
      method: 'POST',
      path: `${TRANSFERS}/:id`,
      returns: { object: 'transfer' },
      params: { description: p.nullableString(), metadata: p.metadata() },
      async run(ctx, params, route) {
        const current = await ctx.load<Transfer>('transfer', route['id']!);
        return ctx.replace(current, {
          ...current,
          ...(params.description === undefined ? {} : { description: params.description }),
          metadata: applyMetadata(metadataOf(current), params.metadata),
        });
      },
    }),
  ],
};

import Stripe from 'stripe';

/**
 * The official `stripe` SDK pointed at an appscope server (the gateway, the emulator) on this
 * machine: plain http, no retries (a refusal is seen once), no telemetry.
 * @example
 * const stripe = localStripe('rk_test_…', port);
 * await stripe.customers.list();
 */
export function localStripe(
  key: string,
  port: number,
  options: { readonly stripeAccount?: string } = {},
): Stripe {
  return new Stripe(key, {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
    ...(options.stripeAccount === undefined ? {} : { stripeAccount: options.stripeAccount }),
  });
}

/** What an SDK call that must be refused threw (fails the test when it succeeded). */
export interface Refusal {
  readonly statusCode?: number;
  readonly type?: string;
  readonly code?: string;
  readonly message?: string;
}

/**
 * The error a refused SDK call threw.
 * @example
 * expect((await refusalOf(stripe.charges.list())).statusCode).toBe(403);
 */
export async function refusalOf(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('expected the call to be refused');
}

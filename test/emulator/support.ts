import type Stripe from 'stripe';
import { type EmulatorServer, startEmulatorServer } from '../../src/emulator/server.js';
import { localStripe } from '../support/local-stripe.js';

/** A running standalone emulator on an OS-chosen port, and a way to make SDK clients for it. */
export interface Harness {
  readonly server: EmulatorServer;
  /** A client with a fresh key (so a fresh account) unless `key` is given. */
  client(key?: string, options?: { stripeAccount?: string }): Stripe;
  close(): Promise<void>;
}

let counter = 0;

/** A fresh test key: each maps to its own default account. */
export function freshKey(mode: 'test' | 'live' = 'test'): string {
  counter += 1;
  return `sk_${mode}_${process.pid}x${counter}x${Math.random().toString(36).slice(2, 10)}`;
}

export async function startHarness(): Promise<Harness> {
  const server = await startEmulatorServer({ port: 0 });
  return {
    server,
    client(key = freshKey(), options = {}) {
      return localStripe(key, server.port, options);
    },
    close: () => server.close(),
  };
}

/** Runs `promise`, expecting it to reject, and returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

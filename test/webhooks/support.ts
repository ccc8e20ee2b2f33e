import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import type { Domain } from '../../src/domain/context.js';

/** One request a receiver got. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The status it was answered with (undefined: not answered, e.g. hanging). */
  status: number | undefined;
}

/** How a receiver answers a request: a status (and body), or `hang` (never answers). */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A local HTTP receiver recording what it gets; `answer` decides each response. */
export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  answer: (request: Received, index: number) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(
  answer: (request: Received, index: number) => Answer = () => ({ status: 200, body: '{"received":true}' }),
  port = 0,
): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const receiver: Receiver = {
    url: '',
    port: 0,
    received,
    answer,
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: Received = {
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status: undefined,
      };
      received.push(entry);
      const decided = receiver.answer(entry, received.length - 1);
      if (decided === 'hang') {
        hanging.add(response);
        return;
      }
      entry.status = decided.status;
      response.writeHead(decided.status, { 'content-type': 'application/json', ...decided.headers });
      response.end(decided.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  Object.assign(receiver, {
    url: `http://127.0.0.1:${address.port}/hooks`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return receiver;
}

export const APP = 'com.example.hook-watch';

/** A developer with a released restricted-key app, a merchant that may install it, and a stranger. */
export async function seedAccounts(domain: Domain) {
  const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
  const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
  const stranger = await createAccount(domain, { actor: OPERATOR, name: 'Stranger' });
  await uploadAppVersion(domain, {
    actor: OPERATOR,
    account: developer.account.id,
    manifest: manifest('1.0.0', ['customer_read']),
  });
  return { developer, merchant, stranger };
}

export function manifest(version: string, permissions: string[]) {
  return {
    id: APP,
    version,
    name: 'Hook Watch',
    icon: '',
    distribution_type: 'public',
    stripe_api_access_type: 'restricted_api_key',
    permissions: permissions.map((permission) => ({ permission, purpose: `needs ${permission}` })),
  };
}

/** A deterministic [0, 1) sequence (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polls `probe` until it returns a value (not undefined), or fails after `ms`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

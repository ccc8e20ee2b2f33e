import type { Catalog } from '../core/catalog/catalog.js';
import type { RouteTable } from '../core/routes/route-table.js';
import { createAccount } from '../domain/accounts.js';
import { OPERATOR } from '../domain/actor.js';
import { uploadAppVersion } from '../domain/app-versions.js';
import { createDomain } from '../domain/context.js';
import { installApp } from '../domain/installs.js';
import { setShadowMode } from '../domain/shadow-mode.js';
import { createEmulator } from '../emulator/emulator.js';
import type { DecisionRecord } from '../gateway/decision-record.js';
import type { GatewayOptions } from '../gateway/options.js';
import { createServer } from '../server/app.js';
import { openStore } from '../store/open.js';

/**
 * A recording gateway: the real gateway on a free loopback port, over an in-memory store, with
 * one install in shadow mode that holds no permission at all. Every call the program under test
 * makes is authorized by the gateway's own verdict (so its route and requirement are exactly
 * what the gateway would check), logged as `shadow_denied` or `allowed`, and forwarded to the
 * upstream (the built-in emulator by default) — the program runs as it would with a full key.
 */

/** One API call the program made, as the gateway decided on it. */
export interface ObservedCall {
  readonly method: string;
  /** The route template (`/v1/customers/{customer}`), or null when no route matched. */
  readonly route: string | null;
  /** The path as sent (without its query string). */
  readonly path: string;
  /** The requirement: all of these groups, each any of its permissions. */
  readonly requirement: readonly (readonly string[])[];
  /** HTTP status the program got. */
  readonly status: number | null;
}

/** A recording gateway, started. */
export interface Recorder {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The install key to give the program (`rk_test_…`). */
  readonly key: string;
  /** Every call observed so far, in order. */
  observed(): readonly ObservedCall[];
  close(): Promise<void>;
}

/** Options of {@link startRecorder}. */
export interface RecorderOptions {
  readonly catalog: Catalog;
  readonly routes: RouteTable;
  /** Where calls go (default: a fresh built-in emulator in process). */
  readonly upstream?: GatewayOptions;
}

const RECORDER_APP = 'dev.appscope.recorder';

/**
 * Starts a recording gateway.
 * @example
 * const recorder = await startRecorder({ catalog, routes });
 * // … run the program with STRIPE_API_KEY=recorder.key and the host and port of recorder.url …
 * recorder.observed(); // [{ method: 'GET', route: '/v1/customers', requirement: [['customer_read']], … }]
 * await recorder.close();
 */
export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const store = await openStore('sqlite::memory:');
  try {
    const domain = createDomain({ store, catalog: options.catalog });
    const developer = await createAccount(domain, { actor: OPERATOR, name: 'Recorder developer' });
    const account = await createAccount(domain, { actor: OPERATOR, name: 'Recorder account' });
    // An app needs at least one permission: the narrowest the catalog has is enough, since the
    // install runs in shadow mode (a request it would deny is forwarded and logged).
    const first = [...options.catalog.permissions].sort((a, b) => a.name.localeCompare(b.name))[0];
    if (first === undefined) throw new Error('the catalog has no permissions');
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer.account.id,
      manifest: {
        id: RECORDER_APP,
        version: '1.0.0',
        name: 'appscope record',
        icon: '',
        distribution_type: 'public',
        stripe_api_access_type: 'restricted_api_key',
        permissions: [{ permission: first.name, purpose: 'recording the calls a program makes' }],
      },
    });
    const installed = await installApp(domain, {
      actor: OPERATOR,
      app: RECORDER_APP,
      account: account.account.id,
    });
    await setShadowMode(domain, { actor: OPERATOR, install: installed.install.id, enabled: true });
    const observed: ObservedCall[] = [];
    const server = await createServer({
      domain,
      routes: options.routes,
      logger: false,
      decisions: {
        record: (entry: DecisionRecord) =>
          observed.push({
            method: entry.method,
            route: entry.route,
            path: entry.path,
            requirement: entry.requirement,
            status: entry.status,
          }),
        recordUnauthenticated: () => {},
      },
      gateway: options.upstream ?? { kind: 'emulator', emulator: createEmulator(), throttle: false },
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('the recorder has no port');
    return {
      url: `http://127.0.0.1:${address.port}`,
      port: address.port,
      key: installed.key!.secret,
      observed: () => observed,
      async close() {
        await server.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * npm run bench:webhooks — what webhooks cost, side by side in one run (embedded SQLite in
 * memory, one process):
 *
 *   (a) an event-writing flow (`createInstallKey`: a key, its audit entry and its
 *       `apps.install.key.created` event) with no webhook endpoint, with 1 and with 16 matching
 *       endpoints (each event then queues 1 or 16 deliveries in the same transaction): ms per
 *       flow and the ratio to no endpoint;
 *   (b) one delivery worker (serve's defaults: 10 at once, at most 5 per endpoint) sending those deliveries, signed, through the SSRF guard,
 *       to a local receiver that answers 200 at once: deliveries per second.
 *
 * After a discarded warm-up, the three configurations run interleaved `--rounds` times; the
 * medians are printed. Options: --flows N (default 300), --rounds N (default 5), --quick (60
 * flows, 1 round).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createAccount } from '../src/domain/accounts.js';
import { OPERATOR } from '../src/domain/actor.js';
import { uploadAppVersion } from '../src/domain/app-versions.js';
import { createDomain } from '../src/domain/context.js';
import { DataKeyring, generateDataKey } from '../src/domain/data-keys.js';
import { installApp } from '../src/domain/installs.js';
import { createInstallKey } from '../src/domain/keys.js';
import { createWebhookEndpoint } from '../src/domain/webhooks.js';
import { openStore } from '../src/store/open.js';
import { startWebhookWorker } from '../src/webhooks/worker.js';

const { values } = parseArgs({
  options: { flows: { type: 'string' }, rounds: { type: 'string' }, quick: { type: 'boolean' } },
});
const flows = Number(values.flows ?? (values.quick ? 60 : 300));
const rounds = Number(values.rounds ?? (values.quick ? 1 : 5));
const policy = { allowHosts: ['127.0.0.1'], allowPrivate: true };
const APP = 'com.example.bench-hooks';

const receiver = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.end('ok'));
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

async function run(endpoints: number): Promise<{ flowMs: number; perSecond: number; delivered: number }> {
  const store = await openStore('sqlite::memory:');
  const domain = createDomain({ store });
  const keys = new DataKeyring([generateDataKey()]);
  const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
  const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
  await uploadAppVersion(domain, {
    actor: OPERATOR,
    account: developer.account.id,
    manifest: {
      id: APP,
      version: '1.0.0',
      name: 'Bench hooks',
      icon: '',
      distribution_type: 'public',
      stripe_api_access_type: 'restricted_api_key',
      permissions: [{ permission: 'customer_read', purpose: 'read customers' }],
    },
  });
  for (let i = 0; i < endpoints; i++) {
    await createWebhookEndpoint(domain, keys, policy, {
      actor: OPERATOR,
      account: merchant.account.id,
      url,
      enabledEvents: ['*'],
    });
  }
  const { install } = await installApp(domain, { actor: OPERATOR, account: merchant.account.id, app: APP });
  for (let i = 0; i < 20; i++) await createInstallKey(domain, { actor: OPERATOR, install: install.id }); // warm-up
  const started = performance.now();
  for (let i = 0; i < flows; i++) await createInstallKey(domain, { actor: OPERATOR, install: install.id });
  const flowMs = (performance.now() - started) / flows;
  let delivered = 0;
  let perSecond = 0;
  if (endpoints > 0) {
    const worker = startWebhookWorker({ domain, keys, policy, poll: false }); // serve's defaults: 10 at once, 5 per endpoint
    const sending = performance.now();
    for (;;) {
      const sent = await worker.runOnce();
      if (sent === 0) break;
      delivered += sent;
    }
    perSecond = delivered / ((performance.now() - sending) / 1000);
    await worker.stop();
  }
  await store.close();
  return { flowMs, perSecond, delivered };
}

// a discarded warm-up, then the three configurations interleaved, the median of `rounds` each
await run(0);
const results = new Map<number, Awaited<ReturnType<typeof run>>[]>([
  [0, []],
  [1, []],
  [16, []],
]);
for (let round = 0; round < rounds; round++) {
  for (const endpoints of [0, 1, 16]) results.get(endpoints)!.push(await run(endpoints));
}
const median = (endpoints: number) => {
  const all = [...results.get(endpoints)!].sort((a, b) => a.flowMs - b.flowMs);
  const flowMs = all[Math.floor(all.length / 2)]!.flowMs;
  const rates = all.map((r) => r.perSecond).sort((a, b) => a - b);
  return { flowMs, perSecond: rates[Math.floor(rates.length / 2)]!, delivered: all[0]!.delivered };
};
const none = median(0);
const one = median(1);
const sixteen = median(16);
console.log(
  `webhooks: ${flows} createInstallKey flows each, median of ${rounds} interleaved rounds (SQLite in memory)`,
);
console.log(`  (a) no endpoint     ${none.flowMs.toFixed(3)} ms/flow`);
console.log(
  `  (a) 1 endpoint      ${one.flowMs.toFixed(3)} ms/flow  ${(one.flowMs / none.flowMs).toFixed(2)}×`,
);
console.log(
  `  (a) 16 endpoints    ${sixteen.flowMs.toFixed(3)} ms/flow  ${(sixteen.flowMs / none.flowMs).toFixed(2)}×`,
);
console.log(`  (b) 1 endpoint      ${one.perSecond.toFixed(0)} deliveries/s (${one.delivered} sent)`);
console.log(`  (b) 16 endpoints    ${sixteen.perSecond.toFixed(0)} deliveries/s (${sixteen.delivered} sent)`);
receiver.close();

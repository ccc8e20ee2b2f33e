import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { dataKeyStatus, rotateDataKey } from '../../src/domain/app-secrets.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { DataKeyring, generateDataKey } from '../../src/domain/data-keys.js';
import { installApp, uninstallApp } from '../../src/domain/installs.js';
import { createInstallKey } from '../../src/domain/keys.js';
import type { WebhookUrlPolicy } from '../../src/domain/webhook-urls.js';
import {
  claimWebhookDeliveries,
  createWebhookEndpoint,
  listWebhookDeliveries,
  pruneWebhookDeliveries,
  recordWebhookAttempt,
  retryDelay,
  signPayload,
  updateWebhookEndpoint,
  WEBHOOK_DELIVERY_RETENTION_MS,
  WEBHOOK_RETRY_WINDOW_MS,
  type WebhookDelivery,
} from '../../src/domain/webhooks.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { startWebhookWorker } from '../../src/webhooks/worker.js';
import { DIALECTS, freshDatabases, suiteTitle } from '../store/dialects.js';
import { APP, type Receiver, seedAccounts, seeded, startReceiver } from './support.js';

const POLICY: WebhookUrlPolicy = { allowHosts: ['127.0.0.1'], allowPrivate: true };
const BASE_MS = 60_000;
const CAP_MS = 6 * 60 * 60 * 1000;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A store with accounts, an app, and a clock the test moves. */
async function world(store?: Store) {
  const opened = store ?? (await openStore('sqlite::memory:'));
  if (store === undefined) cleanup.push(() => opened.close());
  const clock = { now: Date.UTC(2026, 0, 1) };
  const domain = createDomain({ store: opened, clock: () => clock.now });
  const seededAccounts = await seedAccounts(domain);
  const keys = new DataKeyring([generateDataKey()]);
  return { domain, clock, keys, ...seededAccounts };
}

async function receiverFor(answer?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const receiver = await startReceiver(answer);
  cleanup.push(() => receiver.close());
  return receiver;
}

async function onlyDelivery(domain: Domain, endpoint: string): Promise<WebhookDelivery> {
  const { data } = await listWebhookDeliveries(domain, { actor: OPERATOR, endpoint, limit: 100 });
  expect(data.length).toBe(1);
  return data[0]!;
}

describe('retries', () => {
  it('backs off exponentially with seeded jitter until the receiver answers 2xx, then succeeds', async () => {
    const w = await world();
    let failures = 3;
    const receiver = await receiverFor(() =>
      failures-- > 0 ? { status: 503, body: 'try later' } : { status: 200 },
    );
    const endpoint = await createWebhookEndpoint(w.domain, w.keys, POLICY, {
      actor: OPERATOR,
      account: w.merchant.account.id,
      url: receiver.url,
      enabledEvents: ['apps.install.created'],
    });
    const created = w.clock.now;
    await installApp(w.domain, { actor: OPERATOR, account: w.merchant.account.id, app: APP });
    const worker = startWebhookWorker({
      domain: w.domain,
      keys: w.keys,
      policy: POLICY,
      poll: false,
      retryBaseMs: BASE_MS,
      retryCapMs: CAP_MS,
      random: seeded(42),
    });
    const jitter = seeded(42);
    const attemptTimes = [created];
    for (let failure = 1; failure <= 3; failure++) {
      expect(await worker.runOnce()).toBe(1);
      const delivery = await onlyDelivery(w.domain, endpoint.id);
      const delay = retryDelay(failure, BASE_MS, CAP_MS, jitter);
      const nominal = BASE_MS * 2 ** (failure - 1);
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.75);
      expect(delay).toBeLessThan(nominal * 1.25);
      expect(delivery).toMatchObject({
        status: 'pending',
        attempt_count: failure,
        next_attempt_at: w.clock.now + delay,
      });
      // not due yet: nothing is claimed
      w.clock.now += delay - 1;
      expect(await worker.runOnce()).toBe(0);
      w.clock.now += 1;
      attemptTimes.push(w.clock.now);
    }
    expect(await worker.runOnce()).toBe(1);
    await worker.stop();
    const delivery = await onlyDelivery(w.domain, endpoint.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: 4, next_attempt_at: null });
    expect(delivery.attempts.map((a) => [a.attempt, a.at, a.http_status])).toEqual([
      [1, attemptTimes[0], 503],
      [2, attemptTimes[1], 503],
      [3, attemptTimes[2], 503],
      [4, attemptTimes[3], 200],
    ]);
    expect(delivery.attempts[0]).toMatchObject({ error: 'the receiver answered 503', response: 'try later' });
    expect(receiver.received.length).toBe(4);
    // the same event, byte for byte, every time; its id is what receivers de-duplicate on
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      id: delivery.event,
      type: 'apps.install.created',
    });
  });

  it('gives up after three days: the delivery is failed and the endpoint shows as failing', async () => {
    const w = await world();
    const receiver = await receiverFor(() => ({ status: 500 }));
    const endpoint = await createWebhookEndpoint(w.domain, w.keys, POLICY, {
      actor: OPERATOR,
      account: w.merchant.account.id,
      url: receiver.url,
      enabledEvents: ['account.application.authorized'],
    });
    const created = w.clock.now;
    await installApp(w.domain, { actor: OPERATOR, account: w.merchant.account.id, app: APP });
    const worker = startWebhookWorker({
      domain: w.domain,
      keys: w.keys,
      policy: POLICY,
      poll: false,
      retryBaseMs: BASE_MS,
      retryCapMs: CAP_MS,
      random: seeded(7),
    });
    let delivery = await onlyDelivery(w.domain, endpoint.id);
    while (delivery.status === 'pending') {
      w.clock.now = delivery.next_attempt_at!;
      expect(await worker.runOnce()).toBe(1);
      delivery = await onlyDelivery(w.domain, endpoint.id);
    }
    await worker.stop();
    expect(delivery.status).toBe('failed');
    expect(delivery.next_attempt_at).toBeNull();
    const last = delivery.attempts.at(-1)!.at;
    expect(last).toBeLessThanOrEqual(created + WEBHOOK_RETRY_WINDOW_MS);
    // it kept trying through the window: the last attempt is within one longest delay of its end
    expect(last).toBeGreaterThan(created + WEBHOOK_RETRY_WINDOW_MS - CAP_MS * 1.25);
    expect(delivery.attempt_count).toBe(receiver.received.length);
    expect(delivery.attempt_count).toBeGreaterThan(10);
    const gaps = delivery.attempts.slice(1).map((a, i) => a.at - delivery.attempts[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(CAP_MS * 1.25);
  });
});

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skip !== undefined)(suiteTitle(dialect, 'claiming deliveries'), () => {
    const fresh = freshDatabases(dialect);

    it('two workers on two connections share many deliveries: each is sent exactly once', async () => {
      const database = await fresh();
      const storeA = await database.open();
      const storeB = await database.open();
      const w = await world(storeA);
      const domainB = createDomain({ store: storeB, clock: () => w.clock.now });
      const endpoint = await createWebhookEndpoint(w.domain, w.keys, POLICY, {
        actor: OPERATOR,
        account: w.merchant.account.id,
        url: 'http://127.0.0.1:9/unused',
        enabledEvents: ['*'],
      });
      const { install } = await installApp(w.domain, {
        actor: OPERATOR,
        account: w.merchant.account.id,
        app: APP,
      });
      for (let i = 0; i < 40; i++) await createInstallKey(w.domain, { actor: OPERATOR, install: install.id });
      const sent: { worker: string; event: string }[] = [];
      const random = seeded(3);
      const workers = [w.domain, domainB].map((domain, i) =>
        startWebhookWorker({
          domain,
          keys: w.keys,
          policy: POLICY,
          poll: false,
          batch: 4,
          workerId: `worker-${i}`,
          send: async (_url, body) => {
            sent.push({ worker: `worker-${i}`, event: (JSON.parse(body) as { id: string }).id });
            await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)));
            return { ok: true, httpStatus: 200, durationMs: 1, error: null, response: null };
          },
        }),
      );
      const drain = async (worker: (typeof workers)[number]) => {
        while ((await worker.runOnce()) > 0) {}
      };
      await Promise.all([drain(workers[0]!), drain(workers[1]!), drain(workers[0]!), drain(workers[1]!)]);
      for (const worker of workers) await worker.stop();
      const { data } = await listWebhookDeliveries(w.domain, {
        actor: OPERATOR,
        endpoint: endpoint.id,
        limit: 100,
      });
      expect(data.length).toBe(43); // install created, authorized, first key, 40 keys
      expect(data.every((d) => d.status === 'succeeded' && d.attempt_count === 1)).toBe(true);
      expect(sent.length).toBe(43);
      expect(new Set(sent.map((s) => s.event)).size).toBe(43);
    });

    it('a crashed worker’s claims are taken again once its lease runs out', async () => {
      const database = await fresh();
      const store = await database.open();
      const w = await world(store);
      const receiver = await receiverFor();
      const endpoint = await createWebhookEndpoint(w.domain, w.keys, POLICY, {
        actor: OPERATOR,
        account: w.merchant.account.id,
        url: receiver.url,
        enabledEvents: ['apps.install.created'],
      });
      await installApp(w.domain, { actor: OPERATOR, account: w.merchant.account.id, app: APP });
      const lease = 30_000;
      const claimed = await claimWebhookDeliveries(w.domain, {
        worker: 'crashed',
        now: w.clock.now,
        claimedUntil: w.clock.now + lease,
        limit: 10,
      });
      expect(claimed.length).toBe(1);
      const worker = startWebhookWorker({
        domain: w.domain,
        keys: w.keys,
        policy: POLICY,
        poll: false,
        leaseMs: lease,
      });
      w.clock.now += lease - 1;
      expect(await worker.runOnce()).toBe(0);
      w.clock.now += 1;
      expect(await worker.runOnce()).toBe(1);
      await worker.stop();
      // the crashed worker, back from the dead, cannot record over the new claim's result
      const late = await recordWebhookAttempt(w.domain, {
        worker: 'crashed',
        delivery: claimed[0]!.delivery.id,
        at: w.clock.now,
        outcome: { ok: false, httpStatus: null, durationMs: 1, error: 'late', response: null },
        schedule: { baseMs: BASE_MS, capMs: CAP_MS, windowMs: WEBHOOK_RETRY_WINDOW_MS, random: () => 0.5 },
      });
      expect(late.recorded).toBe(false);
      const delivery = await onlyDelivery(w.domain, endpoint.id);
      expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: 1 });
      expect(receiver.received.length).toBe(1);
    });
  });
}

describe('signing secrets at rest', () => {
  it('are encrypted under the data key, and a key rotation moves them to the new key', async () => {
    const w = await world();
    const receiver = await receiverFor();
    const endpoint = await createWebhookEndpoint(w.domain, w.keys, POLICY, {
      actor: OPERATOR,
      account: w.merchant.account.id,
      url: receiver.url,
      enabledEvents: ['apps.install.created'],
    });
    const stored = await w.domain.store.transaction((tx) => tx.getWebhookEndpoint(endpoint.id), {
      readOnly: true,
    });
    expect(stored!.key_id).toBe(w.keys.primary.id);
    expect(JSON.stringify(stored)).not.toContain(endpoint.secret!);

    const next = generateDataKey();
    const result = await rotateDataKey(w.domain, new DataKeyring([next, w.keys.primary]));
    expect(result.to).toBe(next.id);
    const moved = await w.domain.store.transaction((tx) => tx.getWebhookEndpoint(endpoint.id), {
      readOnly: true,
    });
    expect(moved!.key_id).toBe(next.id);
    // what `serve` warns about at start-up and `secrets status` lists: the key the signing secret needs
    expect(await dataKeyStatus(w.domain, w.keys)).toMatchObject({
      webhookSecrets: [{ keyId: next.id, count: 1, held: false }],
      missing: [next.id],
    });
    expect((await dataKeyStatus(w.domain, new DataKeyring([next]))).missing).toEqual([]);

    // the new key alone signs: the receiver's signature checks with the secret shown at creation
    await installApp(w.domain, { actor: OPERATOR, account: w.merchant.account.id, app: APP });
    const onlyNew = new DataKeyring([next]);
    const worker = startWebhookWorker({ domain: w.domain, keys: onlyNew, policy: POLICY, poll: false });
    expect(await worker.runOnce()).toBe(1);
    await worker.stop();
    const request = receiver.received[0]!;
    const [t, v1] = (request.headers['stripe-signature'] as string)
      .split(',')
      .map((part) => part.slice(part.indexOf('=') + 1));
    expect(signPayload(request.body, endpoint.secret!, Number(t)).header).toBe(`t=${t},v1=${v1}`);

    // without the key, nothing is signed: the attempt fails naming the key, and is retried
    const install = (
      await listWebhookDeliveries(w.domain, { actor: OPERATOR, endpoint: endpoint.id, limit: 1 })
    ).data[0]!;
    const event = JSON.parse(request.body) as { data: { object: { id: string } } };
    expect(event.data.object.id).toMatch(/^appinst_/);
    await uninstallApp(w.domain, { actor: OPERATOR, install: event.data.object.id });
    await updateWebhookEndpoint(w.domain, POLICY, {
      actor: OPERATOR,
      endpoint: endpoint.id,
      enabledEvents: ['*'],
    });
    await installApp(w.domain, { actor: OPERATOR, account: w.merchant.account.id, app: APP });
    const oldOnly = startWebhookWorker({ domain: w.domain, keys: w.keys, policy: POLICY, poll: false });
    expect(await oldOnly.runOnce()).toBeGreaterThan(0);
    await oldOnly.stop();
    const after = await listWebhookDeliveries(w.domain, {
      actor: OPERATOR,
      endpoint: endpoint.id,
      limit: 10,
    });
    const unsigned = after.data.filter((d) => d.id !== install.id);
    expect(unsigned.length).toBeGreaterThan(0);
    for (const delivery of unsigned) {
      expect(delivery.status).toBe('pending');
      expect(delivery.attempts[0]!.error).toContain(
        `data key \`${next.id}\`, which this process does not hold`,
      );
    }
    expect(receiver.received.length).toBe(1);
  });
});

describe('housekeeping', () => {
  it('deletes finished deliveries after 30 days, keeps pending ones', async () => {
    const w = await world();
    let fail = false;
    const receiver = await receiverFor(() => (fail ? { status: 500 } : { status: 200 }));
    const endpoint = await createWebhookEndpoint(w.domain, w.keys, POLICY, {
      actor: OPERATOR,
      account: w.merchant.account.id,
      url: receiver.url,
      enabledEvents: ['apps.install.created', 'apps.install.deleted'],
    });
    const { install } = await installApp(w.domain, {
      actor: OPERATOR,
      account: w.merchant.account.id,
      app: APP,
    });
    const worker = startWebhookWorker({ domain: w.domain, keys: w.keys, policy: POLICY, poll: false });
    await worker.runOnce(); // created: succeeded
    fail = true;
    await uninstallApp(w.domain, { actor: OPERATOR, install: install.id });
    await worker.runOnce(); // deleted: pending, retrying
    await worker.stop();
    w.clock.now += WEBHOOK_DELIVERY_RETENTION_MS - 1;
    expect(await pruneWebhookDeliveries(w.domain)).toBe(0);
    w.clock.now += 2;
    expect(await pruneWebhookDeliveries(w.domain)).toBe(1);
    const { data } = await listWebhookDeliveries(w.domain, {
      actor: OPERATOR,
      endpoint: endpoint.id,
      limit: 10,
    });
    expect(data.map((d) => [d.event_type, d.status])).toEqual([['apps.install.deleted', 'pending']]);
  });
});

describe('fairness', () => {
  it('one endpoint’s backlog does not take every slot of a claim', async () => {
    const w = await world();
    const endpoint = (account: string) =>
      createWebhookEndpoint(w.domain, w.keys, POLICY, {
        actor: OPERATOR,
        account,
        url: 'http://127.0.0.1:9/unused',
        enabledEvents: ['*'],
      });
    const busy = await endpoint(w.merchant.account.id);
    const { install } = await installApp(w.domain, {
      actor: OPERATOR,
      account: w.merchant.account.id,
      app: APP,
    });
    for (let i = 0; i < 20; i++) await createInstallKey(w.domain, { actor: OPERATOR, install: install.id });
    w.clock.now += 1000;
    const quiet = await endpoint(w.stranger.account.id);
    await installApp(w.domain, { actor: OPERATOR, account: w.stranger.account.id, app: APP });
    const claimed = await claimWebhookDeliveries(w.domain, {
      worker: 'fair',
      now: w.clock.now,
      claimedUntil: w.clock.now + 60_000,
      limit: 8,
      perEndpoint: 5,
    });
    const per = (id: string) => claimed.filter((c) => c.endpoint.id === id).length;
    expect(per(busy.id)).toBe(5);
    expect(per(quiet.id)).toBe(3);
  });
});

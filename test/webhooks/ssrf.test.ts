import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/domain-error.js';
import {
  checkWebhookUrl,
  hostAllowance,
  isPublicAddress,
  type WebhookUrlPolicy,
} from '../../src/domain/webhook-urls.js';
import { sendWebhook } from '../../src/webhooks/sender.js';
import { type Receiver, startReceiver } from './support.js';

let receiver: Receiver;
afterEach(async () => {
  await receiver?.close();
});

const BODY = '{"id":"evt_ssrf_probe","object":"event"}';

function send(url: string, policy: WebhookUrlPolicy, extra: Partial<Parameters<typeof sendWebhook>[3]> = {}) {
  return sendWebhook(url, BODY, { 'Stripe-Signature': 't=1,v1=00' }, { policy, timeoutMs: 5000, ...extra });
}

describe('which addresses are public', () => {
  it.each([
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['100.64.0.1', false], // CGNAT
    ['169.254.169.254', false], // cloud metadata
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd00:ec2::254', false], // AWS metadata over IPv6
    ['fc00::1', false],
    ['::ffff:127.0.0.1', false], // IPv4-mapped
    ['::ffff:7f00:1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['64:ff9b::7f00:1', false], // NAT64
    ['ff02::1', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('the allow-list', () => {
  it('matches exact hosts, subdomain wildcards and `*`', () => {
    const policy: WebhookUrlPolicy = { allowHosts: ['hooks.example.com', '*.example.org', '10.0.0.5'] };
    expect(hostAllowance(policy, 'hooks.example.com')).toBe('exact');
    expect(hostAllowance(policy, 'HOOKS.example.com.')).toBe('exact');
    expect(hostAllowance(policy, 'a.b.example.org')).toBe('wildcard');
    expect(hostAllowance(policy, 'example.org')).toBeUndefined();
    expect(hostAllowance(policy, 'evilexample.org')).toBeUndefined();
    expect(hostAllowance(policy, 'other.example.com')).toBeUndefined();
    expect(hostAllowance({ allowHosts: ['*'] }, 'anything.test')).toBe('wildcard');
    expect(hostAllowance({ allowHosts: [] }, 'hooks.example.com')).toBeUndefined();
  });

  it('refuses at registration what is not allowed, private unless the operator allows it', () => {
    const any: WebhookUrlPolicy = { allowHosts: ['*'] };
    const refused = (url: string, policy: WebhookUrlPolicy, mode: 'test' | 'live' = 'test') => {
      try {
        checkWebhookUrl(policy, url, mode);
        return undefined;
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        return (error as Error).message;
      }
    };
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://api.localhost/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://[fd00:ec2::254]/hook',
      'http://10.0.0.5/hook',
      'http://0x7f000001/hook', // 127.0.0.1 spelled in hex (the URL parser normalizes it)
    ]) {
      expect(refused(url, any), url).toMatch(/is not a public address/);
      expect(refused(url, { ...any, allowPrivate: true }), url).toBeUndefined();
    }
    expect(refused('https://hooks.example.com/x', { allowHosts: [] })).toMatch(/has not allowed this host/);
    expect(refused('http://hooks.example.com/x', any, 'live')).toMatch(/must use https/);
    expect(
      refused('http://hooks.example.com/x', { allowHosts: ['hooks.example.com'] }, 'live'),
    ).toBeUndefined();
    expect(refused('gopher://hooks.example.com/x', any)).toMatch(/must use https/);
  });
});

describe('sending (checked again at connection time)', () => {
  it('refuses loopback when private addresses are not allowed: no connection is made', async () => {
    receiver = await startReceiver();
    for (const url of [receiver.url, `http://[::ffff:127.0.0.1]:${receiver.port}/hooks`]) {
      const outcome = await send(url, { allowHosts: ['*'] });
      expect(outcome.ok).toBe(false);
      expect(outcome.error).toMatch(/is not a public address/);
    }
    expect(receiver.received).toEqual([]);
  });

  it('refuses a host the operator no longer allows', async () => {
    receiver = await startReceiver();
    const outcome = await send(receiver.url, { allowHosts: ['hooks.example.com'], allowPrivate: true });
    expect(outcome).toMatchObject({ ok: false, httpStatus: null });
    expect(outcome.error).toMatch(/no longer an allowed webhook host/);
    expect(receiver.received).toEqual([]);
  });

  it('refuses a name that resolves to loopback (DNS rebinding), and reaches it only when private addresses are allowed', async () => {
    receiver = await startReceiver();
    const url = `http://hooks.rebind.test:${receiver.port}/hooks`;
    const policy: WebhookUrlPolicy = { allowHosts: ['hooks.rebind.test'] };
    expect(checkWebhookUrl(policy, url, 'test')).toBe(url); // a name: fine at registration
    const toLoopback = async () => [{ address: '127.0.0.1', family: 4 }];
    const refused = await send(url, policy, { resolve: toLoopback });
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(
      /`hooks\.rebind\.test` resolves to 127\.0\.0\.1, which is not a public address/,
    );
    const mixed = await send(url, policy, {
      resolve: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '::ffff:127.0.0.1', family: 6 },
      ],
    });
    expect(mixed.error).toMatch(/resolves to ::ffff:127\.0\.0\.1/);
    expect(receiver.received).toEqual([]);
    const allowed = await send(url, { ...policy, allowPrivate: true }, { resolve: toLoopback });
    expect(allowed).toMatchObject({ ok: true, httpStatus: 200 });
    expect(receiver.received.map((r) => r.body)).toEqual([BODY]);
    expect(receiver.received[0]!.headers['host']).toBe(`hooks.rebind.test:${receiver.port}`);
  });

  it('follows no redirect, has a deadline, and reads only the start of a response', async () => {
    const policy: WebhookUrlPolicy = { allowHosts: ['127.0.0.1'], allowPrivate: true };
    receiver = await startReceiver(() => ({ status: 302, headers: { location: 'http://169.254.169.254/' } }));
    const redirected = await send(receiver.url, policy);
    expect(redirected).toMatchObject({ ok: false, httpStatus: 302 });
    expect(redirected.error).toMatch(/do not follow redirects/);
    expect(receiver.received.length).toBe(1);

    receiver.answer = () => 'hang';
    const hung = await send(receiver.url, policy, { timeoutMs: 200 });
    expect(hung).toMatchObject({ ok: false, httpStatus: null, error: 'timed out after 200 ms' });

    receiver.answer = () => ({ status: 200, body: 'x'.repeat(1024 * 1024) });
    const large = await send(receiver.url, policy);
    expect(large.ok).toBe(true);
    expect(large.response?.length).toBe(300);
  });
});

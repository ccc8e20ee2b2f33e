import { BlockList, isIP } from 'node:net';
import type { Mode } from '../store/store.js';
import { invalidParameter } from './domain-error.js';

/**
 * Where webhooks may go (SSRF guard): only to hosts the operator allows
 * (`serve --webhook-allow-host`), and never to loopback, private, link-local, unique-local,
 * CGNAT, multicast, documentation or metadata addresses unless the operator allows those too
 * (`--webhook-allow-private`). The URL is checked when an endpoint is registered, and every
 * address a name resolves to is checked again when the worker connects (DNS rebinding).
 */
export interface WebhookUrlPolicy {
  /** Exact host names or IP literals, `*.example.com` (any subdomain), or `*` (any host). */
  readonly allowHosts: readonly string[];
  /** Allow addresses that are not public (loopback, private ranges…). Default false. */
  readonly allowPrivate?: boolean;
}

/** No host allowed: webhooks are registered and sent only once the operator allows hosts. */
export const NO_WEBHOOK_HOSTS: WebhookUrlPolicy = Object.freeze({ allowHosts: [] });

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID…)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique-local (incl. fd00:ec2::254, a metadata address)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** The 8 groups of an IPv6 address, or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map(
    (group) => Number.parseInt(group, 16),
  );
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

/**
 * True when `address` (an IP literal) is a public unicast address. IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries; anything unparsable is not public.
 * @example
 * isPublicAddress('8.8.8.8'); // true
 * isPublicAddress('::ffff:10.0.0.1'); // false
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return !BLOCKED.check(bare, 'ipv4');
  if (family !== 6) return false;
  const groups = ipv6Groups(bare);
  if (groups === undefined) return false;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return isPublicAddress(`${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`);
  }
  return !BLOCKED.check(groups.map((g) => g.toString(16)).join(':'), 'ipv6');
}

/** A URL's host as compared with the allow-list: lowercase, IPv6 without brackets. */
export function hostOf(url: URL): string {
  const host = url.hostname.toLowerCase();
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** How the policy allows `host`: listed exactly, by a wildcard, or not at all. */
export function hostAllowance(policy: WebhookUrlPolicy, host: string): 'exact' | 'wildcard' | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  let found: 'wildcard' | undefined;
  for (const raw of policy.allowHosts) {
    const pattern = raw
      .toLowerCase()
      .replace(/\.$/, '')
      .replace(/^\[(.*)\]$/, '$1');
    if (pattern === name) return 'exact';
    if (pattern === '*') found = 'wildcard';
    else if (pattern.startsWith('*.') && name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1)
      found = 'wildcard';
  }
  return found;
}

/**
 * Checks a webhook URL against the policy, as an endpoint is registered or changed: http(s),
 * no credentials, an allowed host, not a non-public IP literal (nor `localhost`) unless
 * allowed, and https in live mode unless the host is listed exactly. Returns the normalized URL.
 */
export function checkWebhookUrl(policy: WebhookUrlPolicy, text: unknown, mode: Mode): string {
  if (typeof text !== 'string' || text === '') throw invalidParameter('url', '`url` is required');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidParameter('url', `\`${text}\` is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidParameter('url', `\`${text}\`: a webhook URL must use https (or http in test mode)`);
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidParameter(
      'url',
      'a webhook URL cannot carry credentials: check the `Stripe-Signature` header instead',
    );
  }
  const host = hostOf(url);
  const allowance = hostAllowance(policy, host);
  if (allowance === undefined) {
    throw invalidParameter(
      'url',
      `webhooks cannot be sent to \`${host}\`: the operator has not allowed this host (appscope serve --webhook-allow-host)`,
    );
  }
  if (
    policy.allowPrivate !== true &&
    (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && !isPublicAddress(host)))
  ) {
    throw invalidParameter(
      'url',
      `webhooks cannot be sent to \`${host}\`: it is not a public address (the operator may allow private addresses with appscope serve --webhook-allow-private)`,
    );
  }
  if (mode === 'live' && url.protocol !== 'https:' && allowance !== 'exact') {
    throw invalidParameter('url', `\`${text}\`: a live-mode webhook URL must use https`);
  }
  url.hash = '';
  return url.toString();
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/core/catalog/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { releaseAppVersion, uploadAppVersion } from '../../src/domain/app-versions.js';
import { verifyAudit } from '../../src/domain/audit.js';
import { createDomain, type Domain } from '../../src/domain/context.js';
import { getInstall, installApp, reauthorizeInstall, uninstallApp } from '../../src/domain/installs.js';
import { authenticateKey, createInstallKey, revokeKey, rollKey } from '../../src/domain/keys.js';
import { openStore } from '../../src/store/open.js';
import type { Mode } from '../../src/store/store.js';
import { manifest, manualClock } from './helpers.js';

/**
 * Model-based test: random sequences of upload / release / install / reauthorize / uninstall /
 * key create / revoke / roll run against the real domain (SQLite in memory) and against a small
 * reference model written from the rules, not from the code. After every step, every install's
 * grant and pending set match the model, and every key authenticates to exactly the model's
 * effective set — never more than the closure of what an admin approved.
 */

const catalog = defaultCatalog();
const POOL = [
  'customer_read',
  'customer_write',
  'charge_read',
  'charge_write',
  'invoice_read',
  'invoice_write',
  'credit_note_read',
  'product_write',
] as const;
const APP = 'com.example.model';

type Op =
  | { op: 'upload'; permissions: string[]; release: boolean }
  | { op: 'release'; version: number }
  | { op: 'install'; account: number; mode: Mode }
  | { op: 'reauthorize'; install: number }
  | { op: 'uninstall'; install: number }
  | { op: 'createKey'; install: number; narrow: string[] | null }
  | { op: 'revokeKey'; key: number }
  | { op: 'rollKey'; key: number };

const permissions = fc.subarray([...POOL], { minLength: 1 });
const ops: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('upload' as const), permissions, release: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), version: fc.nat(20) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('install' as const),
      account: fc.nat(1),
      mode: fc.constantFrom<Mode>('test', 'live'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reauthorize' as const), install: fc.nat(8) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('uninstall' as const), install: fc.nat(8) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('createKey' as const),
      install: fc.nat(8),
      narrow: fc.option(permissions, { nil: null }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('revokeKey' as const), key: fc.nat(12) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rollKey' as const), key: fc.nat(12) }) },
);

/** The reference model: plain sets, closure from the catalog. */
interface ModelInstall {
  id: string;
  account: number;
  mode: Mode;
  installed: boolean;
  granted: Set<string>;
  pending: Set<string>;
  /** Everything an admin ever approved for this install. */
  approved: Set<string>;
}
interface ModelKey {
  id: string;
  secret: string;
  install: number;
  narrow: string[] | null;
  dead: boolean;
}
interface Model {
  versions: string[][];
  current: number | null;
  installs: ModelInstall[];
  keys: ModelKey[];
}

const has = (names: Iterable<string>, name: string): boolean =>
  catalog.closure(names).has(catalog.indexOf(name));
const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

async function step(domain: Domain, model: Model, accounts: string[], op: Op): Promise<void> {
  switch (op.op) {
    case 'upload': {
      const n = model.versions.length;
      await uploadAppVersion(domain, {
        actor: OPERATOR,
        account: accounts[0]!,
        manifest: manifest(APP, `v${n}`, op.permissions),
        release: op.release,
      });
      model.versions.push(sorted(op.permissions));
      if (op.release) release(model, n);
      return;
    }
    case 'release': {
      if (model.versions.length === 0) return;
      const v = op.version % model.versions.length;
      const call = releaseAppVersion(domain, { actor: OPERATOR, app: APP, version: `v${v}` });
      if (model.current !== null && v < model.current) return expectCode(call, 'ERR_VERSION_NOT_RELEASABLE');
      await call;
      release(model, v);
      return;
    }
    case 'install': {
      const account = accounts[op.account + 1]!;
      const call = installApp(domain, { actor: OPERATOR, account, app: APP, mode: op.mode });
      if (model.current === null)
        return expectCode(call, model.versions.length === 0 ? 'ERR_NOT_FOUND' : 'ERR_APP_NOT_RELEASED');
      if (model.installs.some((i) => i.installed && i.account === op.account && i.mode === op.mode)) {
        return expectCode(call, 'ERR_ALREADY_INSTALLED');
      }
      const { install, key } = await call;
      const requested = model.versions[model.current]!;
      model.installs.push({
        id: install.id,
        account: op.account,
        mode: op.mode,
        installed: true,
        granted: new Set(requested),
        pending: new Set(),
        approved: new Set(requested),
      });
      model.keys.push({
        id: key!.id,
        secret: key!.secret,
        install: model.installs.length - 1,
        narrow: null,
        dead: false,
      });
      return;
    }
    case 'reauthorize': {
      const install = model.installs[op.install % Math.max(1, model.installs.length)];
      if (install === undefined) return;
      const call = reauthorizeInstall(domain, { actor: OPERATOR, install: install.id });
      if (!install.installed) return expectCode(call, 'ERR_INSTALL_INACTIVE');
      await call;
      for (const name of install.pending) {
        install.granted.add(name);
        install.approved.add(name);
      }
      install.pending.clear();
      return;
    }
    case 'uninstall': {
      const install = model.installs[op.install % Math.max(1, model.installs.length)];
      if (install === undefined) return;
      const call = uninstallApp(domain, { actor: OPERATOR, install: install.id });
      if (!install.installed) return expectCode(call, 'ERR_INSTALL_INACTIVE');
      await call;
      install.installed = false;
      install.granted.clear();
      install.pending.clear();
      for (const key of model.keys) if (model.installs[key.install] === install) key.dead = true;
      return;
    }
    case 'createKey': {
      const index = op.install % Math.max(1, model.installs.length);
      const install = model.installs[index];
      if (install === undefined) return;
      const call = createInstallKey(domain, {
        actor: OPERATOR,
        install: install.id,
        ...(op.narrow === null ? {} : { permissions: op.narrow }),
      });
      if (!install.installed) return expectCode(call, 'ERR_INSTALL_INACTIVE');
      if (op.narrow?.some((name) => !has(install.granted, name))) {
        return expectCode(call, 'ERR_KEY_NARROWING');
      }
      const key = await call;
      model.keys.push({ id: key.id, secret: key.secret, install: index, narrow: op.narrow, dead: false });
      return;
    }
    case 'revokeKey': {
      const key = model.keys[op.key % Math.max(1, model.keys.length)];
      if (key === undefined) return;
      await revokeKey(domain, { actor: OPERATOR, key: key.id });
      key.dead = true;
      return;
    }
    case 'rollKey': {
      const key = model.keys[op.key % Math.max(1, model.keys.length)];
      if (key === undefined) return;
      const call = rollKey(domain, { actor: OPERATOR, key: key.id });
      if (key.dead) return expectCode(call, 'ERR_KEY_INACTIVE');
      const { key: next } = await call;
      key.dead = true; // default expiry: now
      model.keys.push({
        id: next.id,
        secret: next.secret,
        install: key.install,
        narrow: key.narrow,
        dead: false,
      });
      return;
    }
  }
}

/** The rule for a release, stated directly: covered requests stay granted, the rest wait. */
function release(model: Model, version: number): void {
  model.current = version;
  const requested = model.versions[version]!;
  for (const install of model.installs) {
    if (!install.installed) continue;
    const before = [...install.granted];
    install.granted = new Set(requested.filter((name) => has(before, name)));
    install.pending = new Set(requested.filter((name) => !has(before, name)));
  }
}

async function check(domain: Domain, model: Model): Promise<void> {
  for (const install of model.installs) {
    const actual = await getInstall(domain, { actor: OPERATOR, install: install.id });
    expect(actual.status).toBe(install.installed ? 'installed' : 'uninstalled');
    expect(actual.permissions_granted).toEqual(sorted(install.granted));
    expect(actual.permissions_pending).toEqual(sorted(install.pending));
    expect(actual.approval_required).toBe(install.installed && install.pending.size > 0);
  }
  for (const key of model.keys) {
    const install = model.installs[key.install]!;
    const result = await authenticateKey(domain, key.secret);
    if (key.dead || !install.installed) {
      expect(result.ok).toBe(false);
      continue;
    }
    expect(result.ok).toBe(true);
    if (!result.ok || result.principal.type !== 'install') throw new Error('expected an install principal');
    let expected = catalog.closure(install.granted);
    if (key.narrow !== null) expected = expected.intersection(catalog.closure(key.narrow));
    expect(catalog.names(result.principal.permissions)).toEqual(catalog.names(expected));
    expect(result.principal.permissions.isSubsetOf(catalog.closure(install.approved))).toBe(true);
  }
}

describe('installs against a reference model', () => {
  it('random operation sequences keep every effective set equal to the model and within what admins approved', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ops, { minLength: 1, maxLength: 30 }), async (sequence) => {
        const store = await openStore('sqlite::memory:');
        try {
          const domain = createDomain({ store, catalog, clock: manualClock() });
          const accounts: string[] = [];
          for (const name of ['Developer', 'Merchant A', 'Merchant B']) {
            accounts.push((await createAccount(domain, { actor: OPERATOR, name })).account.id);
          }
          const model: Model = { versions: [], current: null, installs: [], keys: [] };
          for (const op of sequence) {
            await step(domain, model, accounts, op);
            await check(domain, model);
          }
          expect(await verifyAudit(domain)).toMatchObject({ ok: true });
        } finally {
          await store.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});

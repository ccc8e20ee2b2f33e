import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { listAudit } from '../../src/domain/audit.js';
import { installApp, reauthorizeInstall } from '../../src/domain/installs.js';
import { setShadowMode } from '../../src/domain/shadow-mode.js';
import { createUser } from '../../src/domain/users.js';
import { manualClock } from '../domain/helpers.js';
import { type GatewayWorld, manifest, rejection, startGateway } from './support.js';

/**
 * The Secret Store end to end with the official `stripe` SDK (`stripe.apps.secrets.*`, unchanged)
 * against the real server: every call is authorized by the gateway like any other (it needs
 * `secret_write`) and answered by appscope itself, never by the upstream.
 */

const APP = 'com.example.crm-sync';
const ACCOUNT = { type: 'account' } as const;

interface StripeFailure {
  readonly type: string;
  readonly statusCode: number;
  readonly code?: string;
  readonly param?: string;
  readonly message: string;
  readonly headers: Record<string, string>;
  readonly raw: { readonly required_permissions?: unknown };
}

let world: GatewayWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** A world with the app published (`secret_write` and `customer_read`) and installed on the merchant. */
async function setup(options: Parameters<typeof startGateway>[0] = {}) {
  const w = await startGateway(options);
  world = w;
  await w.publish(APP, '1.0.0', ['secret_write', 'customer_read']);
  const { install, key } = await w.install(APP);
  const { user } = await createUser(w.domain, {
    actor: OPERATOR,
    account: w.merchant.id,
    email: 'ada@merchant.example',
    role: 'admin',
  });
  return { w, install, key: key!.secret, stripe: w.stripe(key!.secret), user };
}

/** Nothing of the Secret Store ever reaches the upstream. */
function expectNothingForwarded(w: GatewayWorld): void {
  expect(w.upstreamSeen.filter((r) => r.path.startsWith('/v1/apps/'))).toEqual([]);
}

describe('the Secret Store through the gateway, with the stripe SDK', () => {
  it('sets, finds (with the payload), lists and deletes, in the account scope and a user scope', async () => {
    const { w, stripe, user } = await setup();
    const userScope = { type: 'user', user: user.id } as const;

    const created = await stripe.apps.secrets.create({
      name: 'crm_api_key',
      payload: 'k_live_123',
      scope: ACCOUNT,
    });
    expect(created).toMatchObject({
      object: 'apps.secret',
      name: 'crm_api_key',
      scope: { type: 'account' },
      expires_at: null,
      livemode: false,
    });
    expect(created.id).toMatch(/^appsecret_/);
    expect(created).not.toHaveProperty('payload');
    await stripe.apps.secrets.create({ name: 'oauth_token', payload: 'tok_ada', scope: userScope });

    const found = await stripe.apps.secrets.find({
      name: 'crm_api_key',
      scope: ACCOUNT,
      expand: ['payload'],
    });
    expect(found.payload).toBe('k_live_123');
    expect(found.id).toBe(created.id);
    // `find` answers the payload whether or not `expand[]=payload` asks for it
    const bare = await stripe.apps.secrets.find({ name: 'crm_api_key', scope: ACCOUNT });
    expect(bare.payload).toBe('k_live_123');
    expect(
      (await stripe.apps.secrets.find({ name: 'oauth_token', scope: userScope, expand: ['payload'] }))
        .payload,
    ).toBe('tok_ada');

    const accountList = await stripe.apps.secrets.list({ scope: ACCOUNT });
    expect(accountList.object).toBe('list');
    expect(accountList.url).toBe('/v1/apps/secrets');
    expect(accountList.data.map((s) => s.name)).toEqual(['crm_api_key']);
    expect(accountList.data[0]).not.toHaveProperty('payload');
    const userList = await stripe.apps.secrets.list({ scope: userScope });
    expect(userList.data.map((s) => [s.name, s.scope])).toEqual([['oauth_token', userScope]]);

    const deleted = await stripe.apps.secrets.deleteWhere({ name: 'oauth_token', scope: userScope });
    expect(deleted).toMatchObject({ name: 'oauth_token', deleted: true, object: 'apps.secret' });
    expect(deleted).not.toHaveProperty('payload');
    const gone = await rejection<StripeFailure>(
      stripe.apps.secrets.find({ name: 'oauth_token', scope: userScope, expand: ['payload'] }),
    );
    expect([gone.type, gone.statusCode, gone.code, gone.param, gone.message]).toEqual([
      'StripeInvalidRequestError',
      404,
      'resource_missing',
      'name',
      'No such secret: `oauth_token`',
    ]);
    expect((await stripe.apps.secrets.list({ scope: userScope })).data).toEqual([]);

    // decided like every call (route, requirement, outcome), recorded, and never forwarded
    const store = w.decisions.filter((d) => d.route?.startsWith('/v1/apps/secrets'));
    expect(store.length).toBe(10);
    expect(new Set(store.map((d) => d.outcome))).toEqual(new Set(['allowed']));
    expect(store.every((d) => JSON.stringify(d.requirement).includes('secret_write'))).toBe(true);
    expect(JSON.stringify(w.decisions)).not.toMatch(/k_live_123|tok_ada/);
    expectNothingForwarded(w);
  });

  it('replacing a secret keeps one secret (the same id) with the new payload', async () => {
    const { stripe } = await setup();
    const first = await stripe.apps.secrets.create({ name: 'k', payload: 'one', scope: ACCOUNT });
    const second = await stripe.apps.secrets.create({ name: 'k', payload: 'two', scope: ACCOUNT });
    expect(second.id).toBe(first.id);
    const all = await stripe.apps.secrets.list({ scope: ACCOUNT });
    expect(all.data.map((s) => s.id)).toEqual([first.id]);
    expect((await stripe.apps.secrets.find({ name: 'k', scope: ACCOUNT, expand: ['payload'] })).payload).toBe(
      'two',
    );
  });

  it('an expired secret is gone', async () => {
    const clock = manualClock(Date.now());
    const { stripe } = await setup({ clock });
    const expiresAt = clock.seconds() + 60;
    const secret = await stripe.apps.secrets.create({
      name: 'short_lived',
      payload: 'x',
      scope: ACCOUNT,
      expires_at: expiresAt,
    });
    expect(secret.expires_at).toBe(expiresAt);
    expect((await stripe.apps.secrets.list({ scope: ACCOUNT })).data).toHaveLength(1);
    clock.advance(60);
    const gone = await rejection<StripeFailure>(
      stripe.apps.secrets.find({ name: 'short_lived', scope: ACCOUNT }),
    );
    expect(gone.code).toBe('resource_missing');
    expect((await stripe.apps.secrets.list({ scope: ACCOUNT })).data).toEqual([]);
    const past = await rejection<StripeFailure>(
      stripe.apps.secrets.create({
        name: 'late',
        payload: 'x',
        scope: ACCOUNT,
        expires_at: clock.seconds() - 1,
      }),
    );
    expect([past.statusCode, past.code, past.param]).toEqual([400, 'parameter_invalid', 'expires_at']);
  });

  it('pages with the SDK’s auto-pagination', async () => {
    const { stripe } = await setup();
    for (let i = 0; i < 7; i++)
      await stripe.apps.secrets.create({ name: `s${i}`, payload: 'x', scope: ACCOUNT });
    const page = await stripe.apps.secrets.list({ scope: ACCOUNT, limit: 3 });
    expect([page.data.length, page.has_more]).toEqual([3, true]);
    const all = await stripe.apps.secrets
      .list({ scope: ACCOUNT, limit: 3 })
      .autoPagingToArray({ limit: 100 });
    expect(all.map((s) => s.name).sort()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
  });

  it('refuses an install without `secret_write` with a 403 naming it', async () => {
    const w = await startGateway();
    world = w;
    await w.publish('com.example.reader', '1.0.0', ['customer_read']);
    const { key } = await w.install('com.example.reader');
    const stripe = w.stripe(key!.secret);
    for (const call of [
      () => stripe.apps.secrets.create({ name: 'k', payload: 'x', scope: ACCOUNT }),
      () => stripe.apps.secrets.find({ name: 'k', scope: ACCOUNT }),
      () => stripe.apps.secrets.list({ scope: ACCOUNT }),
      () => stripe.apps.secrets.deleteWhere({ name: 'k', scope: ACCOUNT }),
    ]) {
      const error = await rejection<StripeFailure>(call());
      expect([error.type, error.statusCode, error.code]).toEqual([
        'StripePermissionError',
        403,
        'more_permissions_required',
      ]);
      expect(error.message).toContain(
        "Having the 'secret_write' permission would allow this request to continue.",
      );
      expect(error.headers['appscope-accepted-permissions']).toBe('secret_write');
    }
    expect(w.decisions.filter((d) => d.outcome === 'denied').map((d) => d.missing)).toEqual(
      new Array(4).fill([['secret_write']]),
    );
    expectNothingForwarded(w);
  });

  it('refuses a pending `secret_write` with the pending wording, and allows it once approved', async () => {
    const w = await startGateway();
    world = w;
    await w.publish(APP, '1.0.0', ['customer_read']);
    const { install, key } = await w.install(APP);
    await w.publish(APP, '2.0.0', ['customer_read', 'secret_write']);
    const stripe = w.stripe(key!.secret);
    const error = await rejection<StripeFailure>(
      stripe.apps.secrets.create({ name: 'k', payload: 'x', scope: ACCOUNT }),
    );
    expect([error.statusCode, error.code]).toEqual([403, 'permission_pending_approval']);
    expect(error.message).toBe(
      `The provided key '${key!.redacted}' does not have the required permissions for this endpoint on account '${w.merchant.id}'. The 'secret_write' permission this request needs is pending the account admin's approval: the app requested it, and an admin of '${w.merchant.id}' must approve the app's new permissions (reauthorize install '${install.id}') before this request can continue.`,
    );
    await reauthorizeInstall(w.domain, { actor: w.merchant.actor.test, install: install.id });
    expect((await stripe.apps.secrets.create({ name: 'k', payload: 'x', scope: ACCOUNT })).name).toBe('k');
  });

  it('isolates apps of other developers, other accounts and the other mode (404, as if absent); a developer’s own apps share', async () => {
    const { w, stripe } = await setup();
    await stripe.apps.secrets.create({ name: 'shared_name', payload: 'merchant test', scope: ACCOUNT });

    // another developer's app on the same account
    await uploadAppVersion(w.domain, {
      actor: OPERATOR,
      account: w.stranger.id,
      manifest: manifest('com.stranger.spy', '1.0.0', ['secret_write']),
    });
    const spy = await installApp(w.domain, { actor: w.merchant.actor.test, app: 'com.stranger.spy' });
    // the same app on another account
    const elsewhere = await w.install(APP, 'test', w.stranger);
    // the same app on the same account, live mode
    const live = await w.install(APP, 'live');
    for (const [label, secret] of [
      ['another developer', spy.key!.secret],
      ['another account', elsewhere.key!.secret],
      ['live mode', live.key!.secret],
    ] as const) {
      const other = w.stripe(secret);
      const error = await rejection<StripeFailure>(
        other.apps.secrets.find({ name: 'shared_name', scope: ACCOUNT, expand: ['payload'] }),
      );
      expect([label, error.statusCode, error.code, error.message]).toEqual([
        label,
        404,
        'resource_missing',
        'No such secret: `shared_name`',
      ]);
      expect((await other.apps.secrets.list({ scope: ACCOUNT })).data, label).toEqual([]);
      await expect(
        other.apps.secrets.deleteWhere({ name: 'shared_name', scope: ACCOUNT }),
        label,
      ).rejects.toThrow('No such secret');
      // their own secret of the same name is theirs alone
      await other.apps.secrets.create({ name: 'shared_name', payload: `${label} value`, scope: ACCOUNT });
    }
    expect(
      (await stripe.apps.secrets.find({ name: 'shared_name', scope: ACCOUNT, expand: ['payload'] })).payload,
    ).toBe('merchant test');

    // the same developer's other app on the same account and mode shares them (as Stripe allows)
    await w.publish('com.example.crm-reports', '1.0.0', ['secret_write']);
    const sibling = w.stripe((await w.install('com.example.crm-reports')).key!.secret);
    expect(
      (await sibling.apps.secrets.find({ name: 'shared_name', scope: ACCOUNT, expand: ['payload'] })).payload,
    ).toBe('merchant test');
  });

  it('refuses a user scope naming a user of another account, or none', async () => {
    const { w, stripe } = await setup();
    const { user: foreign } = await createUser(w.domain, {
      actor: OPERATOR,
      account: w.stranger.id,
      email: 'eve@stranger.example',
      role: 'admin',
    });
    for (const user of [foreign.id, 'usr_doesnotexist']) {
      const error = await rejection<StripeFailure>(
        stripe.apps.secrets.create({ name: 'token', payload: 'x', scope: { type: 'user', user } }),
      );
      expect([error.statusCode, error.code, error.param, error.message]).toEqual([
        404,
        'resource_missing',
        'scope[user]',
        `No such user: \`${user}\``,
      ]);
    }
    const missing = await rejection<StripeFailure>(
      stripe.apps.secrets.create({ name: 'token', payload: 'x', scope: { type: 'user' } }),
    );
    expect([missing.statusCode, missing.code, missing.param]).toEqual([
      400,
      'parameter_missing',
      'scope[user]',
    ]);
  });

  it('answers Stripe’s limits with a 400 naming each', async () => {
    const { stripe } = await setup();
    const long = await rejection<StripeFailure>(
      stripe.apps.secrets.create({ name: 'big', payload: 'p'.repeat(5001), scope: ACCOUNT }),
    );
    expect([long.statusCode, long.code, long.param, long.message]).toEqual([
      400,
      'secret_limit_exceeded',
      'payload',
      "`payload` is 5001 characters long: a secret's payload may have at most 5000 characters",
    ]);
    for (let i = 0; i < 10; i++)
      await stripe.apps.secrets.create({ name: `s${i}`, payload: 'x', scope: ACCOUNT });
    const full = await rejection<StripeFailure>(
      stripe.apps.secrets.create({ name: 'eleventh', payload: 'x', scope: ACCOUNT }),
    );
    expect([full.statusCode, full.code, full.param, full.message]).toEqual([
      400,
      'secret_limit_exceeded',
      'scope',
      'Scope `account` already holds 10 secrets, the most a scope may hold (10): delete one, or set one of their names again to replace it',
    ]);
  });

  it('reads parameters strictly: missing, unknown, malformed; `payload` expands on find only', async () => {
    const { w, key, stripe } = await setup();
    const post = async (path: string, body: string) => {
      const response = await fetch(`${w.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      return {
        status: response.status,
        error: ((await response.json()) as { error: Record<string, unknown> }).error,
      };
    };
    const get = async (path: string) => {
      const response = await fetch(`${w.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      return {
        status: response.status,
        error: ((await response.json()) as { error: Record<string, unknown> }).error,
      };
    };
    expect(await post('/v1/apps/secrets', 'name=k&payload=x')).toMatchObject({
      status: 400,
      error: { code: 'parameter_missing', param: 'scope' },
    });
    expect(await post('/v1/apps/secrets', 'name=k&scope[type]=account')).toMatchObject({
      status: 400,
      error: { code: 'parameter_missing', param: 'payload', message: 'Missing required param: payload.' },
    });
    expect(await post('/v1/apps/secrets', 'name=k&payload=x&scope[type]=team')).toMatchObject({
      status: 400,
      error: { code: 'parameter_invalid', param: 'scope[type]' },
    });
    expect(
      await post('/v1/apps/secrets', 'name=k&payload=x&scope[type]=account&scope[user]=usr_1'),
    ).toMatchObject({
      status: 400,
      error: { param: 'scope[user]' },
    });
    expect(
      await post('/v1/apps/secrets', 'name=k&payload=x&scope[type]=account&metadata[a]=b'),
    ).toMatchObject({
      status: 400,
      error: { code: 'parameter_unknown', param: 'metadata' },
    });
    expect(
      await post('/v1/apps/secrets', 'name=k&payload=x&scope[type]=account&expires_at=soon'),
    ).toMatchObject({
      status: 400,
      error: { code: 'parameter_invalid_integer', param: 'expires_at' },
    });
    expect(await get('/v1/apps/secrets?scope[type]=account&expand[]=data.payload')).toMatchObject({
      status: 400,
      error: { code: 'parameter_invalid', param: 'expand' },
    });
    expect(
      await post('/v1/apps/secrets', 'name=k&payload=x&scope[type]=account&expand[]=payload'),
    ).toMatchObject({
      status: 400,
      error: { param: 'expand' },
    });
    expect(
      await get('/v1/apps/secrets?scope[type]=account&starting_after=appsecret_a&ending_before=appsecret_b'),
    ).toMatchObject({ status: 400, error: { code: 'parameters_exclusive' } });
    // a payload with line breaks and tabs (a PEM key) is kept as it is
    const pem = '-----BEGIN KEY-----\nMIIB\tabc\n-----END KEY-----\n';
    await stripe.apps.secrets.create({ name: 'pem', payload: pem, scope: ACCOUNT });
    expect(
      (await stripe.apps.secrets.find({ name: 'pem', scope: ACCOUNT, expand: ['payload'] })).payload,
    ).toBe(pem);
    expectNothingForwarded(w);
  });

  it('works for a platform app acting on an account with Stripe-Account; an account’s own key is refused', async () => {
    const w = await startGateway();
    world = w;
    await w.publish('com.example.platform', '1.0.0', ['secret_write'], 'platform');
    await w.install('com.example.platform');
    const platform = w.stripe(await w.appKey('com.example.platform'), { stripeAccount: w.merchant.id });
    await platform.apps.secrets.create({ name: 'k', payload: 'v', scope: ACCOUNT });
    expect(
      (await platform.apps.secrets.find({ name: 'k', scope: ACCOUNT, expand: ['payload'] })).payload,
    ).toBe('v');

    const own = await rejection<StripeFailure>(
      w.stripe(w.merchant.sk.test).apps.secrets.list({ scope: ACCOUNT }),
    );
    expect([own.type, own.statusCode, own.code]).toEqual(['StripePermissionError', 403, 'app_key_required']);
  });

  it('in shadow mode a call without `secret_write` is served and marked; without data keys, a 503', async () => {
    const w = await startGateway({ secretKeys: false });
    world = w;
    await w.publish('com.example.reader', '1.0.0', ['customer_read']);
    const { install, key } = await w.install('com.example.reader');
    await setShadowMode(w.domain, { actor: w.merchant.actor.test, install: install.id, enabled: true });
    const response = await fetch(`${w.url}/v1/apps/secrets?scope[type]=account`, {
      headers: { authorization: `Bearer ${key!.secret}` },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('appscope-shadow-decision')).toBe('more_permissions_required');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'secret_store_unavailable',
    );
    expect(w.decisions.at(-1)).toMatchObject({
      outcome: 'shadow_denied',
      status: 503,
      route: '/v1/apps/secrets',
    });
  });

  it('the audit log records what the app changed, by name and scope, never the payload', async () => {
    const { w, stripe, install } = await setup();
    await stripe.apps.secrets.create({ name: 'crm_api_key', payload: 'PAYLOAD-ONE', scope: ACCOUNT });
    await stripe.apps.secrets.create({ name: 'crm_api_key', payload: 'PAYLOAD-TWO', scope: ACCOUNT });
    await stripe.apps.secrets.deleteWhere({ name: 'crm_api_key', scope: ACCOUNT });
    const entries = (await listAudit(w.domain, { afterSeq: 0, limit: 1000 })).filter((e) =>
      e.action.startsWith('app_secret.'),
    );
    expect(entries.map((e) => [e.action, (e.actor as { type: string; install?: string }).install])).toEqual([
      ['app_secret.created', install.id],
      ['app_secret.updated', install.id],
      ['app_secret.deleted', install.id],
    ]);
    expect(JSON.stringify(await listAudit(w.domain, { afterSeq: 0, limit: 1000 }))).not.toContain('PAYLOAD-');
  });
});

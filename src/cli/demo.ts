import { createAccount } from '../domain/accounts.js';
import { OPERATOR } from '../domain/actor.js';
import { uploadAppVersion } from '../domain/app-versions.js';
import { getApp } from '../domain/apps.js';
import type { Domain } from '../domain/context.js';
import { installApp, listInstalls } from '../domain/installs.js';
import { createUser } from '../domain/users.js';
import type { Emulator } from '../emulator/emulator.js';
import { isAppscopeError } from '../errors.js';

/**
 * Demo data for `appscope serve --demo` (`npm start`): a developer account with four public
 * apps, and a merchant account that installed two of them in test mode — one with its grant
 * complete, one whose newer version asks for more, so a permission waits for approval — and can
 * install the third from the dashboard's app catalogue and the fourth, an OAuth app, through its
 * install link (examples/oauth-app, docs/oauth.md). Seeded once per database;
 * later starts find it and say what they can (secrets are only ever shown at creation).
 */

/** The demo account's dashboard admin. */
export const DEMO_ADMIN_EMAIL = 'admin@demo.example';
/** The restricted-key app installed with a few read permissions. */
export const DEMO_INSIGHTS_APP = 'com.example.customer-insights';
/** The app whose version 1.1.0 asks for `charge_read`, pending approval. */
export const DEMO_SYNC_APP = 'com.example.order-sync';
/** A released public app the demo merchant has not installed: the catalogue offers it. */
export const DEMO_CATALOG_APP = 'com.example.dispute-desk';
/** The OAuth app (`stripe_api_access_type: "oauth"`) that examples/oauth-app connects as. */
export const DEMO_OAUTH_APP = 'com.example.oauth-sync';
/** Where examples/oauth-app listens by default: the OAuth app's first (default) redirect URI. */
export const DEMO_OAUTH_REDIRECT_URI = 'http://127.0.0.1:4243/callback';

const INSIGHTS_PERMISSIONS = ['customer_read', 'invoice_read', 'product_read'] as const;
const SYNC_V1_PERMISSIONS = ['customer_read', 'product_read'] as const;
const SYNC_V2_PERMISSIONS = ['customer_read', 'product_read', 'charge_read'] as const;
const CATALOG_PERMISSIONS = ['dispute_read', 'charge_read'] as const;
const OAUTH_PERMISSIONS = ['customer_read', 'product_read'] as const;

/** One demo install. */
export interface DemoInstall {
  readonly app: string;
  readonly install: string;
  readonly granted: readonly string[];
  readonly pending: readonly string[];
  /** The install's `rk_test_…` key: only when the demo data was created by this call. */
  readonly key?: string;
}

/** What the demo data is, and the secrets when it was just created. */
export interface DemoData {
  /** True when this call created it (the secrets are present only then). */
  readonly created: boolean;
  readonly account: string;
  /** The merchant's `sk_test_…`: only when just created. */
  readonly accountKey?: string;
  /** The dashboard admin's email, and its generated password (only when just created). */
  readonly admin: { readonly email: string; readonly password?: string };
  readonly insights: DemoInstall;
  readonly sync: DemoInstall;
  /** The public app that is not installed: install it from the dashboard's catalogue. */
  readonly catalogApp: string;
  /** The OAuth app that is not installed: install it with its install link (examples/oauth-app). */
  readonly oauthApp: string;
}

function manifest(
  id: string,
  name: string,
  version: string,
  permissions: readonly string[],
  purposes: Readonly<Record<string, string>> = {},
) {
  const overrides = purposes;
  const defaults: Record<string, string> = {
    customer_read: 'Show customer profiles and lifetime value',
    invoice_read: 'Chart invoice totals per customer',
    product_read: 'Group revenue by product',
    charge_read: 'Match orders to the charges that paid for them',
    dispute_read: 'List open disputes with their evidence deadlines',
  };
  return {
    id,
    version,
    name,
    icon: '',
    distribution_type: 'public',
    stripe_api_access_type: 'restricted_api_key',
    permissions: permissions.map((permission) => ({
      permission,
      purpose: overrides[permission] ?? defaults[permission] ?? `Uses ${permission}`,
    })),
  };
}

/**
 * Seeds the demo data unless it exists, and describes it.
 * @example
 * const demo = await seedDemo(domain);
 * if (demo.created) console.log(demo.insights.key); // rk_test_… — shown this once
 */
export async function seedDemo(domain: Domain): Promise<DemoData> {
  const existing = await findDemo(domain);
  if (existing !== undefined) {
    // Demo data from before the catalogue and OAuth apps existed gets them now.
    await ensureCatalogApps(domain, existing.developer);
    const { developer: _developer, ...data } = existing;
    return data;
  }
  try {
    const developer = await createAccount(domain, { actor: OPERATOR, name: 'Demo developer' });
    const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Demo merchant' });
    const dev = { actor: OPERATOR, account: developer.account.id };
    await uploadAppVersion(domain, {
      ...dev,
      manifest: manifest(DEMO_INSIGHTS_APP, 'Customer Insights', '1.0.0', INSIGHTS_PERMISSIONS),
    });
    await uploadAppVersion(domain, {
      ...dev,
      manifest: manifest(DEMO_SYNC_APP, 'Order Sync', '1.0.0', SYNC_V1_PERMISSIONS),
    });
    await ensureCatalogApps(domain, developer.account.id);
    const on = { actor: OPERATOR, account: merchant.account.id, mode: 'test' as const };
    const insights = await installApp(domain, { ...on, app: DEMO_INSIGHTS_APP });
    const sync = await installApp(domain, { ...on, app: DEMO_SYNC_APP });
    // The newer version asks for charge_read: the install keeps working on what was granted,
    // and charge_read waits for an admin (`appscope installs approve`).
    const upgrade = await uploadAppVersion(domain, {
      ...dev,
      manifest: manifest(DEMO_SYNC_APP, 'Order Sync', '1.1.0', SYNC_V2_PERMISSIONS),
    });
    const upgraded = upgrade.installsUpdated.find((i) => i.id === sync.install.id) ?? sync.install;
    const admin = await createUser(domain, {
      actor: OPERATOR,
      account: merchant.account.id,
      email: DEMO_ADMIN_EMAIL,
      role: 'admin',
    });
    return {
      created: true,
      account: merchant.account.id,
      accountKey: merchant.secretKeys.test.secret,
      admin: {
        email: DEMO_ADMIN_EMAIL,
        ...(admin.generatedPassword === undefined ? {} : { password: admin.generatedPassword }),
      },
      insights: {
        app: DEMO_INSIGHTS_APP,
        install: insights.install.id,
        granted: insights.install.permissions_granted,
        pending: insights.install.permissions_pending,
        ...(insights.key === undefined ? {} : { key: insights.key.secret }),
      },
      sync: {
        app: DEMO_SYNC_APP,
        install: upgraded.id,
        granted: upgraded.permissions_granted,
        pending: upgraded.permissions_pending,
        ...(sync.key === undefined ? {} : { key: sync.key.secret }),
      },
      catalogApp: DEMO_CATALOG_APP,
      oauthApp: DEMO_OAUTH_APP,
    };
  } catch (error) {
    // Another process seeded the same database at the same moment: use its data.
    if (isAppscopeError(error, 'ERR_APP_ID_TAKEN')) {
      const found = await findDemo(domain);
      if (found !== undefined) {
        const { developer: _developer, ...data } = found;
        return data;
      }
    }
    throw error;
  }
}

/** Uploads (and so releases) the catalogue app and the OAuth app unless they exist. */
async function ensureCatalogApps(domain: Domain, developer: string): Promise<void> {
  await ensureApp(
    domain,
    developer,
    manifest(DEMO_CATALOG_APP, 'Dispute Desk', '1.0.0', CATALOG_PERMISSIONS, {
      charge_read: 'Show the payment behind each dispute',
    }),
  );
  await ensureApp(domain, developer, {
    ...manifest(DEMO_OAUTH_APP, 'Ledger Sync', '1.0.0', OAUTH_PERMISSIONS, {
      customer_read: 'Copy customers into your ledger',
      product_read: 'Map products to ledger accounts',
    }),
    stripe_api_access_type: 'oauth',
    allowed_redirect_uris: [DEMO_OAUTH_REDIRECT_URI, 'http://localhost:4243/callback'],
  });
}

/** Uploads (and so releases) a demo app unless it exists. */
async function ensureApp(
  domain: Domain,
  developer: string,
  appManifest: ReturnType<typeof manifest> & Record<string, unknown>,
): Promise<void> {
  const exists = await getApp(domain, { actor: OPERATOR, app: appManifest.id }).then(
    () => true,
    (error: unknown) => {
      if (isAppscopeError(error, 'ERR_NOT_FOUND')) return false;
      throw error;
    },
  );
  if (exists) return;
  try {
    await uploadAppVersion(domain, { actor: OPERATOR, account: developer, manifest: appManifest });
  } catch (error) {
    // Another process added it at the same moment.
    if (!isAppscopeError(error, 'ERR_APP_ID_TAKEN') && !isAppscopeError(error, 'ERR_VERSION_EXISTS'))
      throw error;
  }
}

async function findDemo(domain: Domain): Promise<(DemoData & { readonly developer: string }) | undefined> {
  const find = async (app: string) =>
    (await listInstalls(domain, { actor: OPERATOR, app, status: 'installed', mode: 'test', limit: 1 }))
      .data[0];
  const insights = await find(DEMO_INSIGHTS_APP);
  if (insights === undefined) return undefined;
  const sync = await find(DEMO_SYNC_APP);
  const describe = (install: NonNullable<typeof insights>): DemoInstall => ({
    app: install.app,
    install: install.id,
    granted: install.permissions_granted,
    pending: install.permissions_pending,
  });
  const developer = (await getApp(domain, { actor: OPERATOR, app: DEMO_INSIGHTS_APP })).owner;
  return {
    created: false,
    developer,
    catalogApp: DEMO_CATALOG_APP,
    oauthApp: DEMO_OAUTH_APP,
    account: insights.account,
    admin: { email: DEMO_ADMIN_EMAIL },
    insights: describe(insights),
    sync:
      sync === undefined
        ? { app: DEMO_SYNC_APP, install: '(uninstalled)', granted: [], pending: [] }
        : describe(sync),
  };
}

/**
 * Gives the in-process emulator something to list for the demo account (its data lives in
 * memory, so this runs at every start).
 */
export async function seedDemoUpstream(emulator: Emulator, account: string): Promise<void> {
  const post = (path: string, body: string) =>
    emulator.handle({ method: 'POST', path, query: '', body, account, livemode: false });
  for (const [name, email] of [
    ['Ada Lovelace', 'ada@example.com'],
    ['Grace Hopper', 'grace@example.com'],
    ['Alan Turing', 'alan@example.com'],
  ] as const) {
    await post('/v1/customers', `name=${encodeURIComponent(name)}&email=${encodeURIComponent(email)}`);
  }
  for (const name of ['Analytics seat', 'Sync add-on']) {
    await post('/v1/products', `name=${encodeURIComponent(name)}`);
  }
}

/** What `serve --demo` prints: the keys (once), a ready-to-paste `curl`, and an SDK snippet. */
export function demoBanner(
  demo: DemoData,
  where: {
    readonly url: string;
    readonly host: string;
    readonly port: number;
    /** Prefix for CLI commands, e.g. `npx appscope --data-dir ./data`. */
    readonly cli: string;
    readonly dataLocation: string;
  },
): string {
  const { cli } = where;
  const lines: string[] = [];
  const fresh = demo.created;
  lines.push(
    fresh
      ? `Demo data created in ${where.dataLocation}. The secrets below are shown this once (only their hashes are stored):`
      : `Demo data from the first start, in ${where.dataLocation}:`,
    '',
    `  account      ${demo.account}  (Demo merchant)`,
  );
  if (fresh)
    lines.push(`    secret key   ${demo.accountKey}   full access; manages installs via /v1/apps/installs`);
  lines.push(
    `  dashboard    ${where.url}/dashboard  sign in as ${demo.admin.email}${
      demo.admin.password === undefined ? '' : ` with password ${demo.admin.password}`
    }`,
  );
  if (!fresh) {
    lines.push(
      `    (the password was printed at the first start; add a user with ${where.cli} users create --account ${demo.account} --email you@example.com --role admin)`,
    );
  }
  for (const install of [demo.insights, demo.sync]) {
    lines.push(`  app          ${install.app}  installed as ${install.install}`);
    lines.push(`    granted      ${install.granted.join(', ') || '-'}`);
    if (install.pending.length > 0) {
      lines.push(
        `    pending      ${install.pending.join(', ')}  (its newer version asks for more; approve: ${cli} installs approve ${install.install})`,
      );
    }
    if (install.key !== undefined) lines.push(`    install key  ${install.key}`);
  }
  lines.push(
    `  app          ${demo.catalogApp}  not installed: install it from ${where.url}/dashboard/catalog`,
    `  app          ${demo.oauthApp}  OAuth, not installed: run the example app (docs/oauth.md)`,
    `    example      APPSCOPE_URL=${where.url} node examples/oauth-app/server.mjs   then open http://127.0.0.1:4243`,
    `    install link ${where.url}/oauth/v2/test/authorize?client_id=${demo.oauthApp}&response_type=code`,
  );
  if (!fresh) {
    lines.push(
      '',
      '  The keys were printed at the first start and cannot be shown again. Make a new install key with',
      `    ${cli} keys create --install ${demo.insights.install}`,
      `  or delete ${where.dataLocation} and start again for fresh demo data.`,
    );
  }
  const rk = fresh ? demo.insights.key : '<the rk_test_… key of Customer Insights>';
  const rk2 = fresh ? demo.sync.key : '<the rk_test_… key of Order Sync>';
  const sk = fresh ? demo.accountKey : '<the sk_test_… key of the account>';
  lines.push(
    '',
    'Try it:',
    `  export APPSCOPE_URL=${where.url} RK=${rk} RK2=${rk2} SK=${sk}`,
    '  curl -s "$APPSCOPE_URL/v1/customers?limit=3" -u "$RK:"     # allowed: customer_read is granted',
    '  curl -s "$APPSCOPE_URL/v1/charges" -u "$RK:"               # 403 more_permissions_required: charge_read',
    '  curl -s "$APPSCOPE_URL/v1/charges" -u "$RK2:"              # 403 permission_pending_approval: charge_read',
    '  curl -s "$APPSCOPE_URL/v1/apps/installs?approval_required=true" -u "$SK:"   # what waits for approval',
    `  ${cli} installs list --pending`,
    `  ${cli} explain-request --key "$RK" "GET /v1/customers?expand[]=data.default_source"`,
    `  ${cli} logs --install ${demo.insights.install}`,
    '',
    'With the official SDK (npm install stripe):',
    "  import Stripe from 'stripe';",
    `  const stripe = new Stripe(process.env.RK, { host: '${where.host}', port: ${where.port}, protocol: 'http' });`,
    '  console.log((await stripe.customers.list({ limit: 3 })).data.map((c) => c.name));',
    '  await stripe.charges.list().catch((e) => console.log(e.type, e.code, e.message)); // StripePermissionError',
    '',
  );
  return `${lines.join('\n')}\n`;
}

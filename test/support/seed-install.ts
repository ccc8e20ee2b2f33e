import { defaultCatalog } from '../../src/core/catalog/load.js';
import { createAccount } from '../../src/domain/accounts.js';
import { OPERATOR } from '../../src/domain/actor.js';
import { uploadAppVersion } from '../../src/domain/app-versions.js';
import { createDomain } from '../../src/domain/context.js';
import { installApp } from '../../src/domain/installs.js';
import { openStore, type StoreTarget } from '../../src/store/open.js';
import { manifest } from '../gateway/support.js';

/** What {@link seedInstall} made: the merchant, its own `sk_test_…` and the install's `rk_test_…`. */
export interface SeededInstall {
  readonly account: string;
  readonly accountKey: string;
  readonly key: string;
}

/**
 * Opens the store at `target` (a data directory or a database URL), makes a developer that
 * publishes `app` requesting `permissions` and a merchant that installs it in test mode, and
 * closes the store: for tests that then start `appscope serve` (or its CLI) on that store.
 * @example
 * const { key } = await seedInstall({ dataDir }, 'com.example.crm', ['customer_write']);
 */
export async function seedInstall(
  target: StoreTarget,
  app: string,
  permissions: readonly string[],
): Promise<SeededInstall> {
  const store = await openStore(target);
  try {
    const domain = createDomain({ store, catalog: defaultCatalog() });
    const developer = await createAccount(domain, { actor: OPERATOR, name: 'Developer' });
    const merchant = await createAccount(domain, { actor: OPERATOR, name: 'Merchant' });
    await uploadAppVersion(domain, {
      actor: OPERATOR,
      account: developer.account.id,
      manifest: manifest(app, '1.0.0', permissions),
    });
    const installed = await installApp(domain, {
      actor: OPERATOR,
      account: merchant.account.id,
      mode: 'test',
      app,
    });
    return {
      account: merchant.account.id,
      accountKey: merchant.secretKeys.test.secret,
      key: installed.key!.secret,
    };
  } finally {
    await store.close();
  }
}

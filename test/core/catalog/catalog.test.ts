import { describe, expect, it } from 'vitest';
import { compileCatalog } from '../../../src/core/catalog/catalog.js';
import { defaultCatalog, loadCatalog, parseCatalog } from '../../../src/core/catalog/load.js';
import { AppscopeError } from '../../../src/errors.js';

const catalog = defaultCatalog();

function tiny(extra: Record<string, unknown> = {}, resources?: unknown[]) {
  return {
    formatVersion: 1,
    name: 'tiny',
    resources: resources ?? [
      {
        resource: 'Widget',
        description: 'Grants access to Widgets',
        permissions: ['widget_read', 'widget_write'],
      },
    ],
    ...extra,
  };
}

describe('the Stripe Apps catalog', () => {
  it('applies a row implication to every permission of the row', () => {
    expect(catalog.get('checkout_session_read')!.directlyImplies).toEqual(
      expect.arrayContaining([
        'mandate_read',
        'payment_intent_read',
        'payment_links_read',
        'product_read',
        'setup_intent_read',
        'sku_read',
      ]),
    );
    expect(catalog.get('checkout_session_write')!.directlyImplies).toContain('payment_links_read');
  });

  it('closes implications transitively', () => {
    expect(catalog.implies('balance_transaction_source_read')).toEqual([
      'application_fee_read',
      'balance_read',
      'payout_read',
      'transfer_read',
    ]);
    expect(catalog.implicationPath('balance_transaction_source_read', 'payout_read')).toEqual([
      'balance_transaction_source_read',
      'transfer_read',
      'payout_read',
    ]);
  });

  it('handles the invoice ⇄ credit note cycle', () => {
    expect(catalog.implies('invoice_read')).toEqual(['credit_note_read']);
    expect(catalog.implies('credit_note_read')).toEqual(['invoice_read']);
    expect(catalog.implies('invoice_write')).toEqual(['credit_note_read', 'invoice_read']);
    expect(catalog.impliedBy('invoice_read')).toEqual([
      'credit_note_read',
      'credit_note_write',
      'invoice_write',
    ]);
  });

  it('lets a write permission imply its read permission', () => {
    expect(catalog.implies('customer_write')).toEqual(['billing_clock_read', 'customer_read']);
    expect(catalog.implies('secret_write')).toEqual([]); // no secret_read exists
    expect(catalog.implies('elements_write')).toEqual([]);
  });

  it('keeps companion notes as notes, never grants', () => {
    const portal = catalog.get('customer_portal_write')!;
    expect(portal.companions).toEqual([
      {
        permission: 'elements_write',
        note: 'If you’re using the customer portal to manage subscriptions or payment methods, you must also request elements_write.',
      },
    ]);
    expect(catalog.implies('customer_portal_write')).not.toContain('elements_write');
  });

  it('computes effective sets as closures', () => {
    const effective = catalog.closure(['transfer_write', 'quote_read']);
    expect(catalog.names(effective)).toEqual([
      'payout_read',
      'product_read',
      'quote_read',
      'sku_read',
      'transfer_read',
      'transfer_write',
    ]);
    expect(catalog.closure(['no_such_permission']).size).toBe(0);
  });

  it('suggests a close name for a typo', () => {
    expect(catalog.suggest('customers_read')).toBe('customer_read');
    expect(catalog.suggest('apply_pay_domain_read')).toBe('apple_pay_domain_read');
    expect(catalog.suggest('read_only')).toBeUndefined();
  });
});

describe('custom catalogs', () => {
  it('compiles a minimal catalog', () => {
    const result = compileCatalog(tiny());
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.catalog.implies('widget_write')).toEqual(['widget_read']);
  });

  it('can turn write ⇒ read off with one setting', () => {
    const result = compileCatalog(tiny({ writeImpliesRead: false }));
    expect(result.ok && result.catalog.implies('widget_write')).toEqual([]);
  });

  it('accepts per-permission descriptions, access and implications', () => {
    const result = compileCatalog(
      tiny({}, [
        {
          resource: 'Repo',
          description: 'Repositories',
          permissions: [
            'repo_read',
            { name: 'admin', access: 'write', description: 'Everything', implies: ['repo_read'] },
          ],
        },
      ]),
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.catalog.get('admin')).toMatchObject({
        access: 'write',
        description: 'Everything',
        directlyImplies: ['repo_read'],
      });
      expect(result.catalog.get('repo_read')!.description).toBe('Repositories');
    }
  });

  it('lists every problem of a malformed catalog, with did-you-mean', () => {
    const result = compileCatalog(
      tiny({}, [
        {
          resource: 'Widget',
          description: 'Widgets',
          permissions: ['widget_read', 'widget_write', 'widget_read', 'admin'],
          implies: ['gadget_reed'],
          companions: [{ permission: 'widgt_write', note: 'also request widget_write' }],
        },
        { resource: 'Gadget', description: 'Gadgets', permissions: ['gadget_read'] },
        { resource: 'widget', description: 'again', permissions: ['other_read'] },
      ]),
    );
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => [i.code, i.path])).toEqual([
      ['duplicate_permission', 'resources[0].permissions[2]'],
      ['unknown_access', 'resources[0].permissions[3]'],
      ['duplicate_resource', 'resources[2].resource'],
      ['unknown_implied_permission', 'resources[0].implies[0]'],
      ['unknown_companion_permission', 'resources[0].companions[0].permission'],
    ]);
    const implied = result.issues.find((i) => i.code === 'unknown_implied_permission')!;
    expect(implied.message).toBe(
      'implied permission `gadget_reed` is not defined in this catalog; did you mean `gadget_read`?',
    );
    expect(implied.suggestion).toBe('gadget_read');
  });

  it('reports structural problems with paths', () => {
    const result = compileCatalog({
      formatVersion: 2,
      name: 'Bad Name',
      resources: [{ resource: '', permissions: [] }],
      extra: true,
    });
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => `${i.code} ${i.path}`).sort()).toEqual([
      'empty_value resources[0].resource',
      'invalid_format name',
      'invalid_value formatVersion',
      'missing_field resources[0].description',
      'too_few_items resources[0].permissions',
      'unknown_field extra',
    ]);
  });

  it('throws ERR_CATALOG_INVALID with every issue from parseCatalog', () => {
    const error = (() => {
      try {
        parseCatalog('{"formatVersion": 1, "name": "x"', 'broken.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AppscopeError);
    expect((error as AppscopeError).code).toBe('ERR_CATALOG_INVALID');
    expect((error as AppscopeError).issues[0]!.code).toBe('invalid_json');
    expect((error as AppscopeError).message).toMatch(/^catalog `broken\.json` is invalid \(1 problem\):/);
  });

  it('names the path of a catalog file that cannot be read', () => {
    expect(() => loadCatalog('/nonexistent/catalog.json')).toThrow(
      /cannot read catalog `\/nonexistent\/catalog\.json`/,
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import { diffManifests, pendingAfterUpgrade } from '../../../src/core/manifest/diff.js';
import type { ManifestPermission } from '../../../src/core/manifest/types.js';

const catalog = defaultCatalog();

function manifest(...entries: (string | [string, string])[]): { permissions: ManifestPermission[] } {
  return {
    permissions: entries.map((entry) =>
      typeof entry === 'string'
        ? { permission: entry, purpose: `why ${entry}` }
        : { permission: entry[0], purpose: entry[1] },
    ),
  };
}

describe('diffManifests', () => {
  it('replacing customer_write with customer_read narrows and does not elevate', () => {
    expect(diffManifests(manifest('customer_write'), manifest('customer_read'), catalog)).toEqual({
      added: ['customer_read'],
      removed: ['customer_write'],
      effectiveAdded: [],
      effectiveRemoved: ['customer_write'],
      elevates: false,
      purposeChanged: [],
    });
  });

  it('adding invoice_read next to invoice_write adds nothing effective', () => {
    expect(
      diffManifests(manifest('invoice_write'), manifest('invoice_write', 'invoice_read'), catalog),
    ).toEqual({
      added: ['invoice_read'],
      removed: [],
      effectiveAdded: [],
      effectiveRemoved: [],
      elevates: false,
      purposeChanged: [],
    });
  });

  it('a new permission elevates, with its closure', () => {
    expect(
      diffManifests(manifest('charge_read'), manifest('charge_read', 'customer_write'), catalog),
    ).toEqual({
      added: ['customer_write'],
      removed: [],
      effectiveAdded: ['billing_clock_read', 'customer_read', 'customer_write'],
      effectiveRemoved: [],
      elevates: true,
      purposeChanged: [],
    });
  });

  it('implication cycles: invoice_read ⇄ credit_note_read are one effective set', () => {
    expect(diffManifests(manifest('invoice_read'), manifest('credit_note_read'), catalog)).toEqual({
      added: ['credit_note_read'],
      removed: ['invoice_read'],
      effectiveAdded: [],
      effectiveRemoved: [],
      elevates: false,
      purposeChanged: [],
    });
    expect(diffManifests(manifest('invoice_read'), manifest('credit_note_write'), catalog)).toMatchObject({
      effectiveAdded: ['credit_note_write'],
      effectiveRemoved: [],
      elevates: true,
    });
    expect(diffManifests(manifest('credit_note_write'), manifest('invoice_write'), catalog)).toMatchObject({
      effectiveAdded: ['invoice_write'],
      effectiveRemoved: ['credit_note_write'],
      elevates: true,
    });
  });

  it('lists purpose changes, sorted, and sorts added and removed', () => {
    const before = manifest(['product_read', 'old'], 'coupon_read', ['charge_read', 'same'], 'tax_rate_read');
    const after = manifest(
      ['product_read', 'new'],
      ['charge_read', 'same'],
      'webhook_read',
      'account_link_write',
      ['coupon_read', 'changed'],
    );
    const diff = diffManifests(before, after, catalog);
    expect(diff.added).toEqual(['account_link_write', 'webhook_read']);
    expect(diff.removed).toEqual(['tax_rate_read']);
    expect(diff.purposeChanged).toEqual([
      { permission: 'coupon_read', from: 'why coupon_read', to: 'changed' },
      { permission: 'product_read', from: 'old', to: 'new' },
    ]);
  });
});

describe('pendingAfterUpgrade', () => {
  it('keeps what the grant covers, stages the rest, drops what is no longer requested', () => {
    expect(
      pendingAfterUpgrade(['invoice_write', 'charge_read'], ['invoice_read', 'customer_read'], catalog),
    ).toEqual({
      stillGranted: ['invoice_read'],
      pending: ['customer_read'],
    });
  });

  it('covers through cycles and closures, and deduplicates', () => {
    expect(
      pendingAfterUpgrade(
        ['invoice_read'],
        ['credit_note_read', 'credit_note_read', 'invoice_write'],
        catalog,
      ),
    ).toEqual({ stillGranted: ['credit_note_read'], pending: ['invoice_write'] });
    expect(pendingAfterUpgrade([], ['customer_read'], catalog)).toEqual({
      stillGranted: [],
      pending: ['customer_read'],
    });
  });
});

const names = catalog.permissions.map((p) => p.name);
const requested = fc.uniqueArray(fc.constantFrom(...names), { maxLength: 8 });
const arbitraryManifest = requested.map((list) => manifest(...list));

describe('properties', () => {
  it('diff(a, a) is empty and does not elevate', () => {
    fc.assert(
      fc.property(arbitraryManifest, (a) => {
        expect(diffManifests(a, a, catalog)).toEqual({
          added: [],
          removed: [],
          effectiveAdded: [],
          effectiveRemoved: [],
          elevates: false,
          purposeChanged: [],
        });
      }),
    );
  });

  it('elevates ⇔ effectiveAdded is non-empty ⇔ the new closure is not within the old', () => {
    fc.assert(
      fc.property(arbitraryManifest, arbitraryManifest, (a, b) => {
        const diff = diffManifests(a, b, catalog);
        const names = (m: typeof a) => m.permissions.map((p) => p.permission);
        const within = catalog.closure(names(b)).isSubsetOf(catalog.closure(names(a)));
        expect(diff.elevates).toBe(diff.effectiveAdded.length > 0);
        expect(diff.elevates).toBe(!within);
      }),
    );
  });

  it('swapping the versions swaps added/removed and effectiveAdded/effectiveRemoved', () => {
    fc.assert(
      fc.property(arbitraryManifest, arbitraryManifest, (a, b) => {
        const forward = diffManifests(a, b, catalog);
        const backward = diffManifests(b, a, catalog);
        expect(backward.added).toEqual(forward.removed);
        expect(backward.effectiveAdded).toEqual(forward.effectiveRemoved);
        expect(forward.effectiveAdded.filter((n) => forward.effectiveRemoved.includes(n))).toEqual([]);
      }),
    );
  });

  it('an upgrade has nothing pending exactly when its diff does not elevate', () => {
    fc.assert(
      fc.property(requested, requested, (granted, next) => {
        const { stillGranted, pending } = pendingAfterUpgrade(granted, next, catalog);
        expect([...stillGranted, ...pending].sort()).toEqual([...next].sort());
        expect(pending.length === 0).toBe(
          !diffManifests(manifest(...granted), manifest(...next), catalog).elevates,
        );
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import {
  formatRestrictedKeyTable,
  restrictedKeyTable,
} from '../../../src/core/least-privilege/restricted-key.js';

const catalog = defaultCatalog();
const row = (permissions: string[], resource: string) =>
  restrictedKeyTable(catalog, permissions).find((r) => r.resource === resource);

describe('restrictedKeyTable', () => {
  it('has one row per catalog resource, in catalog order, all None for no permissions', () => {
    const rows = restrictedKeyTable(catalog, []);
    expect(rows.map((r) => r.resource)).toEqual(catalog.resources.map((r) => r.name));
    expect(rows.every((r) => r.access === 'None')).toBe(true);
  });

  it('marks Write for a write permission and Read for a read one', () => {
    expect(row(['customer_write'], 'Customer')).toEqual({
      resource: 'Customer',
      access: 'Write',
      offers: ['Read', 'Write'],
    });
    expect(row(['customer_read'], 'Customer')?.access).toBe('Read');
    expect(row(['customer_read', 'customer_write'], 'Customer')?.access).toBe('Write');
  });

  it('shows the effective access: what a permission implies is marked too', () => {
    const rows = restrictedKeyTable(catalog, ['checkout_session_write']);
    const marked = rows.filter((r) => r.access !== 'None').map((r) => [r.resource, r.access]);
    expect(marked).toEqual(
      expect.arrayContaining([
        ['Checkout Session', 'Write'],
        ['Product', 'Read'],
        ['Payment intent', 'Read'],
      ]),
    );
    expect(marked).toHaveLength(
      catalog.resources.filter((r) =>
        r.permissions.some((p) => catalog.closure(['checkout_session_write']).has(catalog.indexOf(p))),
      ).length,
    );
  });

  it('says which levels a resource offers', () => {
    expect(row([], 'Balance')?.offers).toEqual(['Read']);
    expect(row([], 'Secret')?.offers).toEqual(['Write']);
    expect(row(['secret_write'], 'Secret')?.access).toBe('Write');
  });

  it('ignores names the catalog does not define', () => {
    expect(restrictedKeyTable(catalog, ['ghost_read'])).toEqual(restrictedKeyTable(catalog, []));
  });
});

describe('formatRestrictedKeyTable', () => {
  it('prints the form: a column per level, the choice filled, the other offered levels open', () => {
    const text = formatRestrictedKeyTable(restrictedKeyTable(catalog, ['customer_write', 'balance_read']));
    const lines = text.split('\n');
    expect(lines[0]).toBe(`${'Resource'.padEnd(30)}None  Read  Write`);
    expect(lines).toContain(`${'Customer'.padEnd(30)} ○     ○      ●`);
    expect(lines).toContain(`${'Balance'.padEnd(30)} ○     ●`);
    expect(lines).toContain(`${'Secret'.padEnd(30)} ●            ○`);
    expect(lines).toContain(`${'Charge'.padEnd(30)} ●     ○      ○`);
    expect(lines).toHaveLength(catalog.resources.length + 2); // header, rows, and the final newline
    expect(text.endsWith('\n')).toBe(true);
  });
});

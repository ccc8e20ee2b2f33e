import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import { compareWithManifest } from '../../../src/core/least-privilege/compare-with-manifest.js';
import type { Requirement } from '../../../src/core/requirement.js';
import { defaultRouteTable } from '../../../src/core/routes/load.js';
import { resolveRequestLine } from '../../../src/core/routes/resolve.js';

const catalog = defaultCatalog();
const table = defaultRouteTable();
const calls = (...lines: string[]): Requirement[] =>
  lines.map((line) => resolveRequestLine(table, line).requirement);

describe('compareWithManifest', () => {
  it('names what is missing, unused, redundant, wider and unknown', () => {
    const report = compareWithManifest(
      catalog,
      ['customer_write', 'payout_read', 'credit_note_read', 'invoice_read', 'ghost_read'],
      calls('GET /v1/customers/cus_1', 'GET /v1/invoices/in_1?expand[]=subscription'),
    );
    expect(report).toEqual({
      missing: ['subscription_read'],
      unused: ['payout_read'],
      // invoice_read and credit_note_read imply each other: the later name is the redundant one
      redundant: ['invoice_read'],
      wider: [{ permission: 'customer_write', narrower: ['customer_read'] }],
      unknown: ['ghost_read'],
      covered: false,
      unsatisfiable: [],
      companions: [],
    });
  });

  it('a write requested where the calls also write is used and not wider', () => {
    const report = compareWithManifest(
      catalog,
      ['customer_write'],
      calls('GET /v1/customers/cus_1', 'POST /v1/customers/cus_1'),
    );
    expect(report).toMatchObject({ missing: [], unused: [], redundant: [], wider: [], covered: true });
  });

  it('a read requested next to its write is redundant, and used only if a call reads', () => {
    const both = ['customer_read', 'customer_write'];
    const reads = compareWithManifest(
      catalog,
      both,
      calls('GET /v1/customers/cus_1', 'POST /v1/customers/cus_1'),
    );
    expect(reads.redundant).toEqual(['customer_read']);
    expect(reads.unused).toEqual([]);
    const writes = compareWithManifest(catalog, both, calls('POST /v1/customers/cus_1'));
    expect(writes.redundant).toEqual(['customer_read']);
    expect(writes.unused).toEqual(['customer_read']);
  });

  it('does not ask for product_read when checkout_session_write is requested', () => {
    const report = compareWithManifest(
      catalog,
      ['checkout_session_write'],
      calls('POST /v1/checkout/sessions', 'GET /v1/products/prod_1'),
    );
    expect(report.missing).toEqual([]);
    expect(report.covered).toBe(true);
  });

  it('reports unavailable endpoints apart from coverage, and companion notes of requested and missing permissions', () => {
    const report = compareWithManifest(
      catalog,
      ['charge_read'],
      calls('GET /v1/charges', 'POST /v1/billing_portal/sessions', 'POST /v1/3d_secure'),
    );
    expect(report.missing).toEqual(['customer_portal_write']);
    expect(report.covered).toBe(false);
    expect(report.unsatisfiable.map((g) => g.anyOf)).toEqual([[]]);
    expect(report.companions.map((c) => [c.of, c.permission])).toEqual([
      ['customer_portal_write', 'elements_write'],
    ]);
    const requested = compareWithManifest(
      catalog,
      ['customer_portal_write', 'elements_write'],
      calls('POST /v1/billing_portal/sessions'),
    );
    expect(requested.companions).toEqual([]);
    // elements_write is needed by no call here: it is unused, whatever the companion note says
    expect(requested.unused).toEqual(['elements_write']);
  });

  it('with prefer: named, the missing permission is the one the call names', () => {
    const lines = calls('GET /v1/invoices/in_1');
    expect(compareWithManifest(catalog, [], lines).missing).toEqual(['credit_note_read']);
    expect(compareWithManifest(catalog, [], lines, { prefer: 'named' }).missing).toEqual(['invoice_read']);
  });
});

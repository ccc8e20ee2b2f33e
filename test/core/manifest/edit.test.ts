import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import {
  grantPermission,
  grantUrl,
  revokeConnectSrc,
  revokePermission,
} from '../../../src/core/manifest/edit.js';
import { AppscopeError } from '../../../src/errors.js';

const catalog = defaultCatalog();
const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/${name}`, import.meta.url), 'utf8');

/** The one contiguous region where two texts differ. */
function change(before: string, after: string): { at: number; removed: string; inserted: string } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (
    end < before.length - start &&
    end < after.length - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  )
    end++;
  return {
    at: start,
    removed: before.slice(start, before.length - end),
    inserted: after.slice(start, after.length - end),
  };
}

function refusal(edit: () => string): { code: string; message: string; issue: unknown } {
  try {
    edit();
  } catch (error) {
    expect(error).toBeInstanceOf(AppscopeError);
    const e = error as AppscopeError;
    expect(e.issues).toHaveLength(1);
    return { code: e.code, message: e.message, issue: e.issues[0] };
  }
  throw new Error('expected the edit to be refused');
}

describe('grantPermission keeps the file byte-for-byte except the new entry', () => {
  it('appends to a 4-space file with unusual key order, following the entries’ own key order', () => {
    const before = fixture('four-space.json');
    const after = grantPermission(before, 'charge_read', 'Show payments', catalog);
    expect(after).toBe(
      before.replace(
        '            "permission": "customer_read"\n        }\n    ],',
        [
          '            "permission": "customer_read"',
          '        },',
          '        {',
          '            "purpose": "Show payments",',
          '            "permission": "charge_read"',
          '        }',
          '    ],',
        ].join('\n'),
      ),
    );
    expect(change(before, after).removed).toBe('');
  });

  it('appends a one-line entry where entries are one-line (2-space file, no final newline)', () => {
    const before = fixture('two-space.json');
    const after = grantPermission(before, 'charge_read', 'Show payments', catalog);
    expect(change(before, after)).toEqual({
      at: before.indexOf('}\n  ],') + 1,
      removed: '',
      inserted: ',\n    { "purpose": "Show payments", "permission": "charge_read" }',
    });
    expect(after.endsWith('}')).toBe(true);
  });

  it('fills an empty array at the right depth', () => {
    const before = fixture('template.json');
    const after = grantPermission(before, 'customer_read', 'Show customers', catalog);
    expect(change(before, after)).toEqual({
      at: before.indexOf('"permissions": [') + '"permissions": ['.length,
      removed: '',
      inserted: '\n    {\n      "permission": "customer_read",\n      "purpose": "Show customers"\n    }\n  ',
    });
  });

  it('creates `permissions` when the manifest has none', () => {
    const before = '{\n\t"id": "com.example.app"\n}\n';
    expect(grantPermission(before, 'customer_read', 'Show customers', catalog)).toBe(
      '{\n\t"id": "com.example.app",\n\t"permissions": [\n\t\t{\n\t\t\t"permission": "customer_read",\n\t\t\t"purpose": "Show customers"\n\t\t}\n\t]\n}\n',
    );
  });

  it('keeps CRLF line endings, a byte-order mark and one-line (minified) files', () => {
    const crlf = fixture('four-space.json').replace(/\n/g, '\r\n');
    const edited = grantPermission(`\uFEFF${crlf}`, 'charge_read', 'Show payments', catalog);
    expect(edited.startsWith('\uFEFF{\r\n')).toBe(true);
    expect(change(crlf, edited.slice(1)).inserted).toBe(
      ',\r\n        {\r\n            "purpose": "Show payments",\r\n            "permission": "charge_read"\r\n        }',
    );
    expect(grantPermission('{"id":"a","permissions":[]}', 'charge_read', 'x', catalog)).toBe(
      '{"id":"a","permissions":[{"permission":"charge_read","purpose":"x"}]}',
    );
    expect(
      grantPermission(
        '{ "id": "a", "permissions": [{ "permission": "coupon_read", "purpose": "y" }] }',
        'charge_read',
        'x',
        catalog,
      ),
    ).toBe(
      '{ "id": "a", "permissions": [{ "permission": "coupon_read", "purpose": "y" }, { "permission": "charge_read", "purpose": "x" }] }',
    );
  });
});

describe('revokePermission removes exactly the entry', () => {
  it('removes the first entry of a 4-space file', () => {
    const before = fixture('four-space.json');
    const after = revokePermission(before, 'invoice_read');
    expect(after).toBe(
      before.replace(
        '{\n            "purpose": "List the customer’s invoices",\n            "permission": "invoice_read"\n        },\n        ',
        '',
      ),
    );
    expect(change(before, after).inserted).toBe('');
  });

  it('removes the only entry, leaving `[]`', () => {
    const before = fixture('two-space.json');
    const after = revokePermission(before, 'product_read');
    expect(after).toBe(before.replace(/\[\n {4}\{ "purpose".*\}\n {2}\]/, '[]'));
  });

  it('removes every entry for a name requested twice, and names the catalog does not know', () => {
    const before = JSON.stringify(
      {
        permissions: [
          { permission: 'custmer_read', purpose: 'a' },
          { permission: 'charge_read', purpose: 'b' },
          { permission: 'custmer_read', purpose: 'c' },
        ],
      },
      null,
      2,
    );
    expect(JSON.parse(revokePermission(before, 'custmer_read'))).toEqual({
      permissions: [{ permission: 'charge_read', purpose: 'b' }],
    });
  });
});

describe('grantUrl and revokeConnectSrc', () => {
  it('appends to connect-src and leaves an unchanged purpose alone', () => {
    const before = fixture('four-space.json');
    const after = grantUrl(before, 'https://*.cdn.example.com/assets/', 'Look up orders in the shop');
    expect(change(before, after)).toEqual({
      at: before.indexOf('"https://shop.example.com/api/"') + '"https://shop.example.com/api/"'.length,
      removed: '',
      inserted: ',\n                "https://*.cdn.example.com/assets/"',
    });
  });

  it('sets the policy purpose (like `stripe apps grant url URL PURPOSE`)', () => {
    const before = fixture('four-space.json');
    const after = grantUrl(before, 'https://crm.example.com/v2/', 'Look up orders and CRM contacts');
    expect(after).toBe(
      before
        .replace('"Look up orders in the shop"', '"Look up orders and CRM contacts"')
        .replace(
          '"https://shop.example.com/api/"',
          '"https://shop.example.com/api/",\n                "https://crm.example.com/v2/"',
        ),
    );
  });

  it('replaces a `null` connect-src and an empty purpose (the `stripe apps create` template)', () => {
    const before = fixture('template.json');
    expect(grantUrl(before, 'https://api.example.com/v1/', 'Sync with Example')).toBe(
      before
        .replace('"connect-src": null', '"connect-src": [\n        "https://api.example.com/v1/"\n      ]')
        .replace('"purpose": ""', '"purpose": "Sync with Example"'),
    );
  });

  it('creates the content security policy inside an existing ui_extension', () => {
    const before = fixture('two-space.json');
    const after = grantUrl(before, 'https://api.example.com/v1/', 'Sync with Example');
    expect(change(before, after).inserted).toBe(
      ',\n    "content_security_policy": {\n      "connect-src": [\n        "https://api.example.com/v1/"\n      ],\n      "purpose": "Sync with Example"\n    }',
    );
  });

  it('creates ui_extension for a backend-only manifest', () => {
    const before = fixture('minimal.json');
    const after = grantUrl(before, 'https://api.example.com/v1/', 'Sync');
    expect(JSON.parse(after).ui_extension).toEqual({
      content_security_policy: { 'connect-src': ['https://api.example.com/v1/'], purpose: 'Sync' },
    });
    expect(after.startsWith(before.slice(0, before.lastIndexOf(']') + 1))).toBe(true);
  });

  it('revokeConnectSrc removes exactly the URL', () => {
    const before = fixture('full.json');
    const after = revokeConnectSrc(before, 'https://*.api.example.com/v1/');
    expect(after).toBe(before.replace('"https://*.api.example.com/v1/", ', ''));
  });
});

describe('refusals: ERR_MANIFEST_EDIT with one issue and a clear message', () => {
  const text = fixture('four-space.json');

  it('unknown permission, with did-you-mean', () => {
    expect(refusal(() => grantPermission(text, 'custmer_write', 'x', catalog))).toEqual({
      code: 'ERR_MANIFEST_EDIT',
      message: 'unknown permission `custmer_write`; did you mean `customer_write`?',
      issue: {
        severity: 'error',
        code: 'unknown_permission',
        path: 'permissions',
        message: 'unknown permission `custmer_write`; did you mean `customer_write`?',
        suggestion: 'customer_write',
      },
    });
  });

  it('two names in one grant', () => {
    expect(refusal(() => grantPermission(text, 'coupon_read, coupon_write', 'x', catalog)).message).toBe(
      '`coupon_read, coupon_write` names 2 permissions; grant one permission at a time, each with its own purpose',
    );
  });

  it('empty purpose', () => {
    expect(refusal(() => grantPermission(text, 'charge_read', '  ', catalog)).message).toBe(
      'purpose must not be empty: say why the app needs `charge_read`; admins see it when they install the app',
    );
    expect(refusal(() => grantUrl(text, 'https://api.example.com/v1/', '')).message).toBe(
      'purpose must not be empty: say why the app calls `https://api.example.com/v1/`; admins see it when they install the app',
    );
  });

  it('already requested: says how to change the purpose', () => {
    expect(refusal(() => grantPermission(text, 'customer_read', 'new purpose', catalog))).toMatchObject({
      message:
        '`customer_read` is already requested at permissions[1]; to change its purpose, edit `permissions[1].purpose` or revoke it and grant it again',
      issue: { code: 'already_requested', path: 'permissions[1]' },
    });
  });

  it('revoking a permission that is not requested', () => {
    expect(refusal(() => revokePermission(text, 'invoice_write')).message).toBe(
      '`invoice_write` is not requested; did you mean `invoice_read`?',
    );
    expect(refusal(() => revokePermission(text, 'charge_read'))).toMatchObject({
      message: '`charge_read` is not requested; requested: `invoice_read`, `customer_read`',
      issue: { code: 'not_requested' },
    });
    expect(refusal(() => revokePermission(fixture('template.json'), 'charge_read')).message).toBe(
      '`charge_read` is not requested: the manifest requests no permissions',
    );
  });

  it('an invalid URL, and one already allowed', () => {
    expect(refusal(() => grantUrl(text, 'http://api.example.com/v1/', 'x'))).toMatchObject({
      message: '`http://api.example.com/v1/` must use HTTPS: `https://api.example.com/v1/`',
      issue: { code: 'invalid_connect_src', path: 'ui_extension.content_security_policy.connect-src' },
    });
    expect(refusal(() => grantUrl(text, 'https://shop.example.com/api/', 'x')).message).toBe(
      '`https://shop.example.com/api/` is already allowed (connect-src[0])',
    );
    expect(refusal(() => grantUrl(text, 'https://shop.example.com/api/orders', 'x'))).toMatchObject({
      message:
        '`https://shop.example.com/api/orders` is already allowed by `https://shop.example.com/api/` (connect-src[0])',
      issue: { code: 'already_allowed', path: 'ui_extension.content_security_policy.connect-src[0]' },
    });
  });

  it('revoking a URL that is not listed', () => {
    expect(refusal(() => revokeConnectSrc(text, 'https://shop.example.com/api'))).toMatchObject({
      message:
        '`https://shop.example.com/api` is not in connect-src; did you mean `https://shop.example.com/api/`?',
      issue: { code: 'not_allowed' },
    });
    expect(refusal(() => revokeConnectSrc(fixture('minimal.json'), 'https://x.example.com/a/')).message).toBe(
      '`https://x.example.com/a/` is not in connect-src: it lists no URLs',
    );
  });

  it('text that is not JSON, or a structure that cannot be edited', () => {
    expect(refusal(() => grantPermission('{"permissions": [', 'charge_read', 'x', catalog))).toMatchObject({
      message:
        'cannot edit the manifest: not valid JSON at line 1, column 18: unexpected end of text, expected `]`',
      issue: { code: 'invalid_json' },
    });
    expect(refusal(() => grantPermission('{"permissions": {}}', 'charge_read', 'x', catalog))).toMatchObject({
      message: 'cannot grant: `permissions` is not an array',
      issue: { code: 'not_editable' },
    });
    expect(refusal(() => grantPermission('[]', 'charge_read', 'x', catalog)).message).toBe(
      'cannot edit the manifest: it is not a JSON object',
    );
    expect(
      refusal(() => grantPermission('{"permissions": [], "permissions": []}', 'charge_read', 'x', catalog))
        .message,
    ).toBe(
      'cannot edit the manifest: field `permissions` appears 2 times in the same object; remove the duplicates first',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// properties

const names = catalog.permissions.map((p) => p.name);
const purpose = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
const indent = fc.oneof(
  fc.integer({ min: 1, max: 8 }).map((n) => ' '.repeat(n)),
  fc.constant('\t'),
);
const eol = fc.constantFrom('\n', '\r\n');

/** A manifest-like document, serialised canonically with a random indent and line ending. */
const formatted = fc
  .record({
    requested: fc.uniqueArray(fc.constantFrom(...names), { maxLength: 6 }),
    purposes: fc.array(purpose, { minLength: 6, maxLength: 6 }),
    withUi: fc.boolean(),
    indent,
    eol,
    finalNewline: fc.boolean(),
  })
  .map(({ requested, purposes, withUi, indent, eol, finalNewline }) => {
    const document: Record<string, unknown> = {
      name: 'App',
      permissions: requested.map((permission, i) => ({ permission, purpose: purposes[i]! })),
      id: 'com.example.app',
      version: '1',
      icon: '',
    };
    if (withUi)
      document['ui_extension'] = {
        content_security_policy: { 'connect-src': ['https://a.example.com/x/'], purpose: 'Talk to Example' },
      };
    const render = (value: unknown) =>
      JSON.stringify(value, null, indent).replace(/\n/g, eol) + (finalNewline ? eol : '');
    return { document, requested, text: render(document), render };
  });

const host = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 2, maxLength: 4 })
  .map((labels) => labels.join('.'));
const connectUrl = fc
  .record({
    wildcard: fc.boolean(),
    host,
    path: fc.array(fc.stringMatching(/^[a-z0-9_-]{1,6}$/), { minLength: 1, maxLength: 3 }),
    slash: fc.boolean(),
  })
  .map(
    ({ wildcard, host, path, slash }) =>
      `https://${wildcard ? '*.' : ''}${host}.com/${path.join('/')}${slash ? '/' : ''}`,
  );

describe('properties', () => {
  it('grant then revoke gives back the original text, for any formatting', () => {
    fc.assert(
      fc.property(formatted, fc.constantFrom(...names), purpose, ({ text, requested }, name, why) => {
        fc.pre(!requested.includes(name));
        expect(revokePermission(grantPermission(text, name, why, catalog), name)).toBe(text);
      }),
    );
  });

  it('a grant produces exactly what re-serialising the edited document would', () => {
    fc.assert(
      fc.property(
        formatted,
        fc.constantFrom(...names),
        purpose,
        ({ document, requested, render, text }, name, why) => {
          fc.pre(!requested.includes(name));
          const expected = {
            ...document,
            permissions: [...(document['permissions'] as unknown[]), { permission: name, purpose: why }],
          };
          expect(grantPermission(text, name, why, catalog)).toBe(render(expected));
        },
      ),
    );
  });

  it('revoke of any requested permission is the exact inverse of granting it last', () => {
    fc.assert(
      fc.property(formatted, ({ document, requested, render, text }) => {
        fc.pre(requested.length > 0);
        const last = requested.at(-1)!;
        const entries = document['permissions'] as { permission: string; purpose: string }[];
        const without = render({ ...document, permissions: entries.slice(0, -1) });
        expect(revokePermission(text, last)).toBe(without);
        expect(grantPermission(without, last, entries.at(-1)!.purpose, catalog)).toBe(text);
      }),
    );
  });

  it('grantUrl then revokeConnectSrc gives back the original text when the purpose is unchanged', () => {
    fc.assert(
      fc.property(formatted, connectUrl, ({ text, document }, url) => {
        fc.pre(document['ui_extension'] !== undefined && url !== 'https://a.example.com/x/');
        fc.pre(!url.startsWith('https://a.example.com/x/'));
        expect(revokeConnectSrc(grantUrl(text, url, 'Talk to Example'), url)).toBe(text);
      }),
    );
  });

  it('edits refuse rather than corrupt: the result always parses', () => {
    fc.assert(
      fc.property(formatted, fc.string({ maxLength: 20 }), purpose, ({ text }, name, why) => {
        try {
          JSON.parse(grantPermission(text, name, why, catalog));
        } catch (error) {
          expect(error).toBeInstanceOf(AppscopeError);
          expect((error as AppscopeError).code).toBe('ERR_MANIFEST_EDIT');
        }
      }),
    );
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../../src/core/catalog/load.js';
import type { Issue } from '../../../src/core/issues.js';
import { parseManifest, validateManifest } from '../../../src/core/manifest/validate.js';

const catalog = defaultCatalog();
const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/${name}`, import.meta.url), 'utf8');

function base(): Record<string, unknown> {
  return {
    id: 'com.example.app',
    version: '1.0.0',
    name: 'App',
    icon: '',
    permissions: [{ permission: 'customer_read', purpose: 'Show customers' }],
  };
}

function withPermissions(...entries: unknown[]): Record<string, unknown> {
  return { ...base(), permissions: entries };
}

function withCsp(csp: Record<string, unknown>): Record<string, unknown> {
  return { ...base(), ui_extension: { content_security_policy: { purpose: 'Talk to Example', ...csp } } };
}

function issues(document: unknown): Issue[] {
  return validateManifest(document, catalog).issues;
}

/** The one issue a document has; fails if there are more or none. */
function only(document: unknown): Issue {
  const found = issues(document);
  expect(found, JSON.stringify(found, null, 2)).toHaveLength(1);
  return found[0]!;
}

describe('validateManifest: valid manifests', () => {
  it.each(['minimal.json', 'template.json', 'full.json', 'four-space.json', 'two-space.json'])(
    'accepts %s with no issues and returns the manifest',
    (name) => {
      const text = fixture(name);
      const result = parseManifest(text, catalog);
      expect(result.issues).toEqual([]);
      expect(result.valid).toBe(true);
      expect(result.manifest).toEqual(JSON.parse(text));
    },
  );

  it('does not require ui_extension (a backend-only app has no UI)', () => {
    expect(validateManifest(base(), catalog)).toEqual({ valid: true, issues: [], manifest: base() });
  });

  it('accepts an empty permissions array and an empty icon', () => {
    expect(issues({ ...base(), permissions: [], icon: '' })).toEqual([]);
  });

  it('stays valid with warnings, and returns the manifest', () => {
    const document = withPermissions(
      { permission: 'customer_read', purpose: 'Read' },
      { permission: 'customer_write', purpose: 'Write' },
    );
    const result = validateManifest(document, catalog);
    expect(result.valid).toBe(true);
    expect(result.manifest).toEqual(document);
    expect(result.issues.map((i) => i.severity)).toEqual(['warning']);
  });

  it('omits the manifest when there is any error', () => {
    const result = validateManifest({ ...base(), id: '' }, catalog);
    expect(result.valid).toBe(false);
    expect('manifest' in result).toBe(false);
  });
});

describe('validateManifest: each issue kind, with code, path and exact message', () => {
  it('missing_field', () => {
    const { id: _, ...document } = base();
    expect(only(document)).toEqual({
      severity: 'error',
      code: 'missing_field',
      path: 'id',
      message: 'missing required field `id`: a unique identifier such as `com.example.myapp`',
    });
    const { icon: __, ...noIcon } = base();
    expect(only(noIcon).message).toBe(
      'missing required field `icon`: `""` for none, or a path such as `./icon.png`',
    );
  });

  it('missing_field for the CSP purpose and an external post-install action without url', () => {
    expect(only({ ...base(), ui_extension: { content_security_policy: { 'connect-src': null } } })).toEqual({
      severity: 'error',
      code: 'missing_field',
      path: 'ui_extension.content_security_policy.purpose',
      message: 'missing required field `purpose`: why the app calls these URLs; admins see it at install',
    });
    expect(only({ ...base(), post_install_action: { type: 'external' } })).toEqual({
      severity: 'error',
      code: 'missing_field',
      path: 'post_install_action.url',
      message: 'missing required field `url`: an `external` post-install action needs the URL to open',
    });
  });

  it('unknown_field, with did-you-mean on the known field names', () => {
    expect(only({ ...base(), permisions: [] })).toEqual({
      severity: 'error',
      code: 'unknown_field',
      path: 'permisions',
      message: 'unknown field `permisions`; did you mean `permissions`?',
      suggestion: 'permissions',
    });
    expect(only({ ...base(), colour: 'red' })).toEqual({
      severity: 'error',
      code: 'unknown_field',
      path: 'colour',
      message: 'unknown field `colour`',
    });
  });

  it('unknown_field anywhere, including common synonyms in a permission entry', () => {
    expect(only(withPermissions({ permission: 'customer_read', purpose: 'x', reason: 'y' }))).toEqual({
      severity: 'error',
      code: 'unknown_field',
      path: 'permissions[0].reason',
      message: 'unknown field `reason`; did you mean `purpose`?',
      suggestion: 'purpose',
    });
    expect(only(withCsp({ connect_src: [] }))).toMatchObject({
      path: 'ui_extension.content_security_policy.connect_src',
      message: 'unknown field `connect_src`; did you mean `connect-src`?',
    });
    expect(
      only({ ...base(), ui_extension: { views: [{ viewport: 'settings', component: 'A', title: 'x' }] } }),
    ).toMatchObject({ code: 'unknown_field', path: 'ui_extension.views[0].title' });
    expect(
      only({ ...base(), post_install_action: { type: 'settings', url: 'https://example.com/' } }),
    ).toEqual({
      severity: 'error',
      code: 'unknown_field',
      path: 'post_install_action.url',
      message: 'unknown field `url`: only an `external` post-install action has a `url`',
    });
  });

  it('invalid_type', () => {
    expect(only({ ...base(), version: 1 })).toEqual({
      severity: 'error',
      code: 'invalid_type',
      path: 'version',
      message: 'expected a string, got `1`',
    });
    expect(only([])).toEqual({
      severity: 'error',
      code: 'invalid_type',
      path: '',
      message: 'expected a JSON object, got an array',
    });
    expect(only(withPermissions('customer_read'))).toEqual({
      severity: 'error',
      code: 'invalid_type',
      path: 'permissions[0]',
      message: 'expected an object with `permission` and `purpose`, got `customer_read`',
    });
    expect(only(withCsp({ 'connect-src': 'https://api.example.com/v1/' }))).toMatchObject({
      path: 'ui_extension.content_security_policy.connect-src',
      message: 'expected an array of URLs or `null`, got `https://api.example.com/v1/`',
    });
    expect(only({ ...base(), sandbox_install_compatible: 'yes' }).message).toBe(
      'expected a boolean, got `yes`',
    );
  });

  it('invalid_value for enumerations, with did-you-mean', () => {
    expect(only({ ...base(), distribution_type: 'pubic' })).toEqual({
      severity: 'error',
      code: 'invalid_value',
      path: 'distribution_type',
      message: 'unknown distribution type `pubic`; did you mean `public`?',
      suggestion: 'public',
    });
    expect(only({ ...base(), stripe_api_access_type: 'api_key' })).toEqual({
      severity: 'error',
      code: 'invalid_value',
      path: 'stripe_api_access_type',
      message: 'unknown API access type `api_key`; expected `restricted_api_key`, `oauth` or `platform`',
    });
    expect(only({ ...base(), ui_extension: { views: [{ viewport: 'dashboard', component: 'A' }] } })).toEqual(
      {
        severity: 'error',
        code: 'invalid_value',
        path: 'ui_extension.views[0].viewport',
        message: 'unknown viewport `dashboard`; see the 23 viewports in docs/manifest.md',
      },
    );
  });

  it('invalid_value for a post-install action type', () => {
    expect(only({ ...base(), post_install_action: { type: 'modal' } })).toEqual({
      severity: 'error',
      code: 'invalid_value',
      path: 'post_install_action.type',
      message: 'unknown post-install action type `modal`; expected `onboarding`, `settings` or `external`',
    });
  });

  it('invalid_id', () => {
    expect(only({ ...base(), id: 'my app' })).toEqual({
      severity: 'error',
      code: 'invalid_id',
      path: 'id',
      message:
        '`my app` is not a valid app id: use only letters, digits, `_`, `-` and `.`, e.g. `com.example.myapp`',
    });
    expect(only({ ...base(), id: '' }).message).toBe(
      'id must not be empty; use a unique identifier such as `com.example.myapp`',
    );
  });

  it('invalid_version', () => {
    expect(only({ ...base(), version: '' })).toEqual({
      severity: 'error',
      code: 'invalid_version',
      path: 'version',
      message: 'version must not be empty; any format works, e.g. `1.0.0`',
    });
    expect(only({ ...base(), version: '  ' }).code).toBe('invalid_version');
    expect(issues({ ...base(), version: 'nightly-2026-08-01' })).toEqual([]);
  });

  it('invalid_name', () => {
    expect(only({ ...base(), name: '' })).toEqual({
      severity: 'error',
      code: 'invalid_name',
      path: 'name',
      message: 'name must not be empty; admins see it when they install the app',
    });
  });

  it('invalid_icon', () => {
    expect(only({ ...base(), icon: 'icon.png' })).toEqual({
      severity: 'error',
      code: 'invalid_icon',
      path: 'icon',
      message:
        '`icon.png` is not a valid icon path: use `""` or a relative path to a PNG such as `./icon.png` (no dots in folder or file names)',
    });
    for (const icon of ['./icon.svg', './my.icon.png', '/abs/icon.png', './icon.PNG'])
      expect(only({ ...base(), icon }).code, icon).toBe('invalid_icon');
    for (const icon of ['', './icon.png', './assets/icon-300.png', './../icon.png'])
      expect(issues({ ...base(), icon }), icon).toEqual([]);
  });

  it('unknown_permission, with did-you-mean from the catalog', () => {
    expect(only(withPermissions({ permission: 'custmer_read', purpose: 'x' }))).toEqual({
      severity: 'error',
      code: 'unknown_permission',
      path: 'permissions[0].permission',
      message: 'unknown permission `custmer_read`; did you mean `customer_read`?',
      suggestion: 'customer_read',
    });
    expect(only(withPermissions({ permission: 'fake_permission', purpose: 'x' }))).toEqual({
      severity: 'error',
      code: 'unknown_permission',
      path: 'permissions[0].permission',
      message: 'unknown permission `fake_permission`',
    });
    expect(only(withPermissions({ permission: ' ', purpose: 'x' })).message).toBe(
      'permission name is empty; name one permission, e.g. `customer_read`',
    );
    expect(only(withPermissions({ permission: 'customer read', purpose: 'x' })).suggestion).toBe(
      'customer_read',
    );
  });

  it('multiple_permissions: one permission per entry', () => {
    expect(only(withPermissions({ permission: 'coupon_read, coupon_write', purpose: 'x' }))).toEqual({
      severity: 'error',
      code: 'multiple_permissions',
      path: 'permissions[0].permission',
      message:
        '`coupon_read, coupon_write` names 2 permissions; request each one in its own entry with its own purpose',
    });
    expect(only(withPermissions({ permission: 'coupon_read coupon_write', purpose: 'x' })).code).toBe(
      'multiple_permissions',
    );
  });

  it('missing_purpose and empty_purpose', () => {
    expect(only(withPermissions({ permission: 'customer_read' }))).toEqual({
      severity: 'error',
      code: 'missing_purpose',
      path: 'permissions[0].purpose',
      message:
        'missing `purpose` for `customer_read`; say why the app needs it, admins see it when they install the app',
    });
    expect(only(withPermissions({ permission: 'customer_read', purpose: ' \n' }))).toEqual({
      severity: 'error',
      code: 'empty_purpose',
      path: 'permissions[0].purpose',
      message:
        'purpose for `customer_read` is empty; say why the app needs it, admins see it when they install the app',
    });
  });

  it('duplicate_permission, at the second entry', () => {
    expect(
      only(
        withPermissions(
          { permission: 'customer_read', purpose: 'a' },
          { permission: 'charge_read', purpose: 'b' },
          { permission: 'customer_read', purpose: 'c' },
        ),
      ),
    ).toEqual({
      severity: 'error',
      code: 'duplicate_permission',
      path: 'permissions[2].permission',
      message: '`customer_read` is already requested at permissions[0]; request each permission once',
    });
  });

  it('redundant_permission (warning) names the permission that implies it', () => {
    expect(
      only(
        withPermissions(
          { permission: 'customer_read', purpose: 'a' },
          { permission: 'customer_write', purpose: 'b' },
        ),
      ),
    ).toEqual({
      severity: 'warning',
      code: 'redundant_permission',
      path: 'permissions[0].permission',
      message:
        '`customer_read` is already implied by `customer_write` (permissions[1]); requesting it grants nothing more',
    });
    expect(
      only(
        withPermissions(
          { permission: 'balance_transaction_source_read', purpose: 'a' },
          { permission: 'payout_read', purpose: 'b' },
        ),
      ).message,
    ).toBe(
      '`payout_read` is already implied by `balance_transaction_source_read` (permissions[0]) through `transfer_read`; requesting it grants nothing more',
    );
  });

  it('redundant_permission in an implication cycle flags all but the first requested', () => {
    const cycle = (first: string, second: string) =>
      issues(withPermissions({ permission: first, purpose: 'a' }, { permission: second, purpose: 'b' }));
    expect(cycle('invoice_read', 'credit_note_read')).toEqual([
      {
        severity: 'warning',
        code: 'redundant_permission',
        path: 'permissions[1].permission',
        message:
          '`credit_note_read` is already implied by `invoice_read` (permissions[0]); requesting it grants nothing more',
      },
    ]);
    expect(cycle('credit_note_read', 'invoice_read').map((i) => i.path)).toEqual([
      'permissions[1].permission',
    ]);
  });

  it('redundant_permission prefers naming a permission that is itself kept', () => {
    const found = issues(
      withPermissions(
        { permission: 'customer_read', purpose: 'a' },
        { permission: 'billing_clock_read', purpose: 'b' },
        { permission: 'customer_write', purpose: 'c' },
      ),
    );
    expect(found.map((i) => i.message)).toEqual([
      '`customer_read` is already implied by `customer_write` (permissions[2]); requesting it grants nothing more',
      '`billing_clock_read` is already implied by `customer_write` (permissions[2]); requesting it grants nothing more',
    ]);
  });

  it('missing_companion (warning) carries the catalog note', () => {
    expect(only(withPermissions({ permission: 'customer_portal_write', purpose: 'Portal' }))).toEqual({
      severity: 'warning',
      code: 'missing_companion',
      path: 'permissions[0].permission',
      message:
        '`customer_portal_write` is usually requested with `elements_write`, which is not requested: if you’re using the customer portal to manage subscriptions or payment methods, you must also request elements_write',
    });
    expect(
      issues(
        withPermissions(
          { permission: 'customer_portal_write', purpose: 'Portal' },
          { permission: 'elements_write', purpose: 'Elements' },
        ),
      ),
    ).toEqual([]);
  });

  it('invalid_component', () => {
    expect(
      only({ ...base(), ui_extension: { views: [{ viewport: 'settings', component: 'App-Settings' }] } }),
    ).toEqual({
      severity: 'error',
      code: 'invalid_component',
      path: 'ui_extension.views[0].component',
      message:
        '`App-Settings` is not a valid component name: use letters, digits and `_` (a React component in `src/views`)',
    });
  });

  it('invalid_connect_src, with the rule that failed', () => {
    const connect = (url: string) => only(withCsp({ 'connect-src': [url] }));
    expect(connect('http://api.example.com/v1/')).toEqual({
      severity: 'error',
      code: 'invalid_connect_src',
      path: 'ui_extension.content_security_policy.connect-src[0]',
      message: '`http://api.example.com/v1/` must use HTTPS: `https://api.example.com/v1/`',
    });
    expect(connect('https://api.example.com').message).toBe(
      '`https://api.example.com` must contain a path, e.g. `https://api.example.com/api/` (a trailing `/` allows every sub-path)',
    );
    expect(connect('https://api.*.example.com/v1/').message).toBe(
      '`https://api.*.example.com/v1/` may use a wildcard only as the whole left-most DNS label, e.g. `https://*.example.com/api/`',
    );
    expect(connect('https://api.stripe.com/v1/customers').message).toBe(
      '`https://api.stripe.com/v1/customers` is a Stripe URL; Stripe API calls go through the UI extension SDK, not connect-src',
    );
  });

  it('invalid_image_src', () => {
    expect(only(withCsp({ 'image-src': ['ftp://images.example.com/'] }))).toEqual({
      severity: 'error',
      code: 'invalid_image_src',
      path: 'ui_extension.content_security_policy.image-src[0]',
      message: '`ftp://images.example.com/` must be an `https://` or `http://` URL',
    });
  });

  it('empty_purpose for a content security policy that lists URLs', () => {
    expect(only(withCsp({ 'connect-src': ['https://api.example.com/v1/'], purpose: '' }))).toEqual({
      severity: 'error',
      code: 'empty_purpose',
      path: 'ui_extension.content_security_policy.purpose',
      message:
        'content security policy purpose is empty; say why the app calls these URLs, admins see it when they install the app',
    });
    expect(issues(withCsp({ 'connect-src': null, 'image-src': [], purpose: '' }))).toEqual([]);
  });

  it('invalid_redirect_uri', () => {
    expect(only({ ...base(), allowed_redirect_uris: ['https://example.com'] })).toEqual({
      severity: 'error',
      code: 'invalid_redirect_uri',
      path: 'allowed_redirect_uris[0]',
      message: '`https://example.com` must contain a path, e.g. `https://example.com/stripe/installed`',
    });
    expect(only({ ...base(), allowed_redirect_uris: ['https://example.com/cb#x'] }).message).toBe(
      '`https://example.com/cb#x` must not contain a fragment (`#x`)',
    );
  });

  it('invalid_url for an external post-install action', () => {
    expect(only({ ...base(), post_install_action: { type: 'external', url: 'example.com/setup' } })).toEqual({
      severity: 'error',
      code: 'invalid_url',
      path: 'post_install_action.url',
      message: '`example.com/setup` is not a URL; use one such as `https://example.com/setup`',
    });
  });

  it('private_oauth_app: an error when private is explicit and when it is the default', () => {
    const redirects = { allowed_redirect_uris: ['https://example.com/stripe/installed'] };
    expect(
      only({ ...base(), ...redirects, stripe_api_access_type: 'oauth', distribution_type: 'private' }),
    ).toEqual({
      severity: 'error',
      code: 'private_oauth_app',
      path: 'stripe_api_access_type',
      message:
        'a private app cannot use OAuth: set `distribution_type` to `public`, or use `platform` or `restricted_api_key`',
    });
    expect(only({ ...base(), ...redirects, stripe_api_access_type: 'oauth' })).toEqual({
      severity: 'error',
      code: 'private_oauth_app',
      path: 'stripe_api_access_type',
      message:
        '`distribution_type` defaults to `private` and a private app cannot use OAuth: set `distribution_type` to `public`',
    });
    expect(
      issues({ ...base(), ...redirects, stripe_api_access_type: 'oauth', distribution_type: 'public' }),
    ).toEqual([]);
  });

  it('insecure_redirect_uri: an OAuth app warned of http redirect URIs, except loopback', () => {
    const oauthApp = (uris: string[]) => ({
      ...base(),
      stripe_api_access_type: 'oauth',
      distribution_type: 'public',
      allowed_redirect_uris: uris,
    });
    expect(only(oauthApp(['https://example.com/cb', 'http://app.example.com/cb']))).toEqual({
      severity: 'warning',
      code: 'insecure_redirect_uri',
      path: 'allowed_redirect_uris[1]',
      message:
        '`http://app.example.com/cb` uses http: the authorization code travels in it, so anyone on the network can read it; use https (http is fine for loopback: localhost, 127.0.0.1, [::1])',
    });
    expect(
      issues(
        oauthApp([
          'http://localhost:3000/cb',
          'http://127.0.0.1:4243/callback',
          'http://[::1]/cb',
          'http://app.localhost/cb',
        ]),
      ),
    ).toEqual([]);
    // other access types are not warned (their redirects carry no code)
    expect(
      issues({
        ...base(),
        stripe_api_access_type: 'platform',
        allowed_redirect_uris: ['http://app.example.com/cb'],
      }),
    ).toEqual([]);
  });

  it('redirect_uris_required: an OAuth app names at least one redirect URI', () => {
    const message =
      'an OAuth app needs at least one `allowed_redirect_uris` entry: where its install link sends the admin back (the first one is the default)';
    for (const allowed of [undefined, null, []]) {
      expect(
        only({
          ...base(),
          stripe_api_access_type: 'oauth',
          distribution_type: 'public',
          ...(allowed === undefined ? {} : { allowed_redirect_uris: allowed }),
        }),
      ).toEqual({
        severity: 'error',
        code: 'redirect_uris_required',
        path: 'allowed_redirect_uris',
        message,
      });
    }
    // other access types need none
    expect(issues({ ...base(), stripe_api_access_type: 'platform', allowed_redirect_uris: [] })).toEqual([]);
  });
});

describe('parseManifest', () => {
  it('reports a JSON syntax error with line and column', () => {
    expect(parseManifest('{\n  "id": "a",\n}\n', catalog)).toEqual({
      valid: false,
      issues: [
        {
          severity: 'error',
          code: 'invalid_json',
          path: '',
          message: 'not valid JSON at line 3, column 1: trailing comma before `}`',
        },
      ],
    });
    expect(parseManifest('{\n  "id" "a"\n}', catalog).issues[0]!.message).toBe(
      'not valid JSON at line 2, column 8: expected `:` after the property name',
    );
    expect(parseManifest('', catalog).issues[0]!.message).toBe('not valid JSON: the text is empty');
    expect(parseManifest('// note\n{}', catalog).issues[0]!.message).toBe(
      'not valid JSON at line 1, column 1: comments are not allowed in JSON',
    );
  });

  it('reports a field that appears twice in one object (JSON keeps only the last)', () => {
    const text = JSON.stringify(base(), null, 2).replace('"version"', '"id": "other",\n  "version"');
    expect(parseManifest(text, catalog).issues).toEqual([
      {
        severity: 'error',
        code: 'duplicate_field',
        path: 'id',
        message:
          'field `id` appears more than once in the same object; JSON keeps only the last one, remove the others',
      },
    ]);
  });

  it('ignores a byte-order mark', () => {
    expect(parseManifest(`\uFEFF${fixture('minimal.json')}`, catalog).valid).toBe(true);
  });
});

describe('every issue, in document order', () => {
  it('returns all the problems of a badly broken manifest, sorted by position', () => {
    const result = parseManifest(fixture('many-problems.json'), catalog);
    expect(result.valid).toBe(false);
    expect(result.issues.map((i) => [i.severity, i.code, i.path])).toEqual([
      ['error', 'invalid_id', 'id'],
      ['error', 'invalid_version', 'version'],
      ['error', 'invalid_icon', 'icon'],
      ['error', 'unknown_field', 'permisions'],
      ['error', 'unknown_permission', 'permissions[0].permission'],
      ['error', 'multiple_permissions', 'permissions[1].permission'],
      ['error', 'empty_purpose', 'permissions[2].purpose'],
      ['warning', 'redundant_permission', 'permissions[3].permission'],
      ['error', 'missing_purpose', 'permissions[3].purpose'],
      ['error', 'duplicate_permission', 'permissions[4].permission'],
      ['warning', 'missing_companion', 'permissions[5].permission'],
      ['error', 'unknown_field', 'permissions[5].reason'],
      ['error', 'invalid_type', 'permissions[6].permission'],
      ['error', 'invalid_value', 'distribution_type'],
      ['error', 'invalid_value', 'ui_extension.views[0].viewport'],
      ['error', 'invalid_component', 'ui_extension.views[0].component'],
      ['error', 'invalid_connect_src', 'ui_extension.content_security_policy.connect-src[0]'],
      ['error', 'invalid_connect_src', 'ui_extension.content_security_policy.connect-src[1]'],
      ['error', 'invalid_connect_src', 'ui_extension.content_security_policy.connect-src[2]'],
      ['error', 'invalid_image_src', 'ui_extension.content_security_policy.image-src[0]'],
      ['error', 'empty_purpose', 'ui_extension.content_security_policy.purpose'],
      ['error', 'invalid_redirect_uri', 'allowed_redirect_uris[0]'],
      ['error', 'invalid_type', 'sandbox_install_compatible'],
    ]);
  });

  it('follows the file’s own key order, not a fixed field order', () => {
    const document = {
      permissions: [{ permission: 'nope_read', purpose: 'x' }],
      version: '',
      id: 'bad id',
      name: 'App',
      icon: '',
    };
    expect(issues(document).map((i) => i.path)).toEqual(['permissions[0].permission', 'version', 'id']);
  });

  it('puts a missing field at the end of its object', () => {
    const document = { permissions: [{ purpose: 'x' }], id: 'bad id', version: '1', icon: '' };
    expect(issues(document).map((i) => [i.code, i.path])).toEqual([
      ['missing_field', 'permissions[0].permission'],
      ['invalid_id', 'id'],
      ['missing_field', 'name'],
    ]);
  });

  it('keeps a structural error and the content checks of the rest of the document', () => {
    const document = { ...base(), version: 3, permissions: [{ permission: 'custmer_read', purpose: 'x' }] };
    expect(issues(document).map((i) => i.code)).toEqual(['invalid_type', 'unknown_permission']);
  });
});

describe('docs/manifest.md', () => {
  const docs = readFileSync(new URL('../../../docs/manifest.md', import.meta.url), 'utf8');

  it('documents every issue code in its table', () => {
    const codes = [
      'invalid_json',
      'duplicate_field',
      'missing_field',
      'unknown_field',
      'invalid_type',
      'invalid_value',
      'invalid_id',
      'invalid_version',
      'invalid_name',
      'invalid_icon',
      'unknown_permission',
      'multiple_permissions',
      'missing_purpose',
      'empty_purpose',
      'duplicate_permission',
      'redundant_permission',
      'missing_companion',
      'invalid_component',
      'invalid_connect_src',
      'invalid_image_src',
      'invalid_redirect_uri',
      'invalid_url',
      'private_oauth_app',
      'redirect_uris_required',
      'insecure_redirect_uri',
      // edit refusals
      'not_editable',
      'already_requested',
      'not_requested',
      'already_allowed',
      'not_allowed',
    ];
    for (const code of codes) expect(docs, code).toMatch(new RegExp(`\\| \`${code}\` +\\|`));
    const emitted = new Set(
      [
        ...readFileSync(new URL('../../../src/core/manifest/validate.ts', import.meta.url), 'utf8').matchAll(
          /'((?:invalid|missing|unknown|empty|duplicate|redundant|multiple|private)_[a-z_]+)'/g,
        ),
      ].map((m) => m[1]!),
    );
    for (const code of emitted) expect(codes, code).toContain(code);
  });

  it('shows a valid manifest', () => {
    const example = docs.split('```json')[1]!.split('```')[0]!;
    expect(parseManifest(example, catalog)).toMatchObject({ valid: true, issues: [] });
  });
});

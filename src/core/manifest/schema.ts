import { z } from 'zod';
import { API_ACCESS_TYPES, DISTRIBUTION_TYPES, POST_INSTALL_ACTION_TYPES, VIEWPORTS } from './types.js';

/**
 * The structural schema of a v1 manifest: types, required fields and unknown fields only.
 * Content rules (patterns, URLs, permission names) live in validate.ts so that each gets its
 * own issue code and message, and so that they run even when the structure has problems.
 */
const permissionEntry = z.strictObject({ permission: z.string(), purpose: z.string() });

const view = z.strictObject({ viewport: z.enum(VIEWPORTS), component: z.string() });

const contentSecurityPolicy = z.strictObject({
  'connect-src': z.array(z.string()).nullable().optional(),
  'image-src': z.array(z.string()).nullable().optional(),
  purpose: z.string(),
});

const uiExtension = z.strictObject({
  views: z.array(view).optional(),
  content_security_policy: contentSecurityPolicy.optional(),
});

const postInstallAction = z.strictObject({
  type: z.enum(POST_INSTALL_ACTION_TYPES),
  url: z.string().optional(),
});

export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  id: z.string(),
  version: z.string(),
  name: z.string(),
  icon: z.string(),
  permissions: z.array(permissionEntry),
  stripe_api_access_type: z.enum(API_ACCESS_TYPES).optional(),
  distribution_type: z.enum(DISTRIBUTION_TYPES).optional(),
  ui_extension: uiExtension.optional(),
  post_install_action: postInstallAction.nullable().optional(),
  constants: z.record(z.string(), z.unknown()).nullable().optional(),
  allowed_redirect_uris: z.array(z.string()).nullable().optional(),
  sandbox_install_compatible: z.boolean().optional(),
});

/** Path pattern with array indices replaced by `[]`, e.g. `permissions[].purpose`. */
export function pattern(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += '[]';
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** The field names each object in a manifest may have, by path pattern. */
export const KNOWN_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['', Object.keys(manifestSchema.shape)],
  ['permissions[]', Object.keys(permissionEntry.shape)],
  ['ui_extension', Object.keys(uiExtension.shape)],
  ['ui_extension.views[]', Object.keys(view.shape)],
  ['ui_extension.content_security_policy', Object.keys(contentSecurityPolicy.shape)],
  ['post_install_action', Object.keys(postInstallAction.shape)],
]);

/** Names people reach for instead of the manifest's own, by path pattern of their object. */
export const FIELD_ALIASES: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map([
  [
    'permissions[]',
    {
      name: 'permission',
      scope: 'permission',
      id: 'permission',
      reason: 'purpose',
      description: 'purpose',
      explanation: 'purpose',
    },
  ],
  ['', { scopes: 'permissions', app_id: 'id', title: 'name' }],
  ['ui_extension', { csp: 'content_security_policy', contentSecurityPolicy: 'content_security_policy' }],
  ['ui_extension.content_security_policy', { connect_src: 'connect-src', image_src: 'image-src' }],
]);

/** What each field must hold, for `invalid_type` messages, by path pattern. */
export const EXPECTED: ReadonlyMap<string, string> = new Map([
  ['', 'a JSON object'],
  ['$schema', 'a string'],
  ['id', 'a string'],
  ['version', 'a string'],
  ['name', 'a string'],
  ['icon', 'a string'],
  ['permissions', 'an array of `{ "permission", "purpose" }` objects'],
  ['permissions[]', 'an object with `permission` and `purpose`'],
  ['permissions[].permission', 'a string'],
  ['permissions[].purpose', 'a string'],
  ['stripe_api_access_type', 'a string'],
  ['distribution_type', 'a string'],
  ['ui_extension', 'an object'],
  ['ui_extension.views', 'an array'],
  ['ui_extension.views[]', 'an object with `viewport` and `component`'],
  ['ui_extension.views[].viewport', 'a string'],
  ['ui_extension.views[].component', 'a string'],
  ['ui_extension.content_security_policy', 'an object'],
  ['ui_extension.content_security_policy.connect-src', 'an array of URLs or `null`'],
  ['ui_extension.content_security_policy.connect-src[]', 'a string'],
  ['ui_extension.content_security_policy.image-src', 'an array of URLs or `null`'],
  ['ui_extension.content_security_policy.image-src[]', 'a string'],
  ['ui_extension.content_security_policy.purpose', 'a string'],
  ['post_install_action', 'an object or `null`'],
  ['post_install_action.type', 'a string'],
  ['post_install_action.url', 'a string'],
  ['constants', 'an object or `null`'],
  ['allowed_redirect_uris', 'an array of URLs or `null`'],
  ['allowed_redirect_uris[]', 'a string'],
  ['sandbox_install_compatible', 'a boolean'],
]);

/** Human names of the enumerated fields, by path pattern. */
export const ENUM_LABELS: ReadonlyMap<string, string> = new Map([
  ['stripe_api_access_type', 'API access type'],
  ['distribution_type', 'distribution type'],
  ['ui_extension.views[].viewport', 'viewport'],
  ['post_install_action.type', 'post-install action type'],
]);

/** Hints appended to `missing_field` messages, by path pattern of the missing field. */
export const MISSING_HINTS: ReadonlyMap<string, string> = new Map([
  ['id', 'a unique identifier such as `com.example.myapp`'],
  ['version', 'any version string, e.g. `1.0.0`'],
  ['name', 'the name admins see when they install the app'],
  ['icon', '`""` for none, or a path such as `./icon.png`'],
  ['permissions', '`[]` if the app needs none'],
  ['permissions[].permission', 'one permission name, e.g. `customer_read`'],
  ['ui_extension.views[].viewport', 'where the view appears, e.g. `stripe.dashboard.customer.detail`'],
  ['ui_extension.views[].component', 'a React component in `src/views`'],
  ['ui_extension.content_security_policy.purpose', 'why the app calls these URLs; admins see it at install'],
  ['post_install_action.type', '`onboarding`, `settings` or `external`'],
]);

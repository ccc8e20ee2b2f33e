import { type Node, parseTree } from 'jsonc-parser';
import type { Catalog } from '../catalog/catalog.js';
import { didYouMean } from '../did-you-mean.js';
import { formatPath, type Issue, type Severity } from '../issues.js';
import { parseJson } from '../json.js';
import { fromZodIssues, type StructuralIssue } from '../zod-issues.js';
import { multiplePermissionNames } from './names.js';
import {
  ENUM_LABELS,
  EXPECTED,
  FIELD_ALIASES,
  KNOWN_FIELDS,
  MISSING_HINTS,
  manifestSchema,
  pattern,
} from './schema.js';
import type { Manifest } from './types.js';
import { checkConnectSrc, checkExternalUrl, checkImageSrc, checkRedirectUri } from './url-rules.js';

/** The result of validating a manifest: every issue, and the manifest itself when it has no errors. */
export interface ManifestValidation {
  /** True when no issue is an error (warnings allowed). */
  valid: boolean;
  /** Every issue, errors and warnings, in document order. */
  issues: Issue[];
  /** Present iff `valid`. */
  manifest?: Manifest;
}

type Segment = string | number;

interface Found {
  readonly issue: Issue;
  readonly segments: readonly Segment[];
}

const ID_PATTERN = /^[a-zA-Z0-9_.-]+$/;
// Stripe's schema: `./`, then `../` or a name character, then no more dots until `.png`.
const ICON_PATTERN = /^\.\/(?:\.\.\/|[a-zA-Z0-9_/\\-])[^.]*\.png$/;
const COMPONENT_PATTERN = /^[a-zA-Z0-9_]+$/;

/**
 * Validates a parsed `stripe-app.json` document against its structure and against `catalog`,
 * and returns every issue in document order (not just the first). Errors make the manifest
 * invalid; warnings (`missing_companion`, `redundant_permission`, …) do not.
 *
 * @example
 * const result = validateManifest(JSON.parse(text), defaultCatalog());
 * if (!result.valid) console.error(formatIssues(result.issues));
 * else result.manifest.permissions; // [{ permission: 'customer_read', purpose: '…' }]
 */
export function validateManifest(document: unknown, catalog: Catalog): ManifestValidation {
  return validate(document, catalog, []);
}

/**
 * Parses manifest text and validates it like {@link validateManifest}. A JSON syntax error
 * becomes an `invalid_json` issue naming the line and column; a field that appears twice in one
 * object becomes a `duplicate_field` issue (JSON keeps only the last one, silently).
 *
 * @example
 * const { valid, issues } = parseManifest(readFileSync('stripe-app.json', 'utf8'), defaultCatalog());
 */
export function parseManifest(text: string, catalog: Catalog): ManifestValidation {
  const json = parseJson(text);
  if (!json.ok) return { valid: false, issues: [json.issue] };
  return validate(json.value, catalog, duplicateFields(text));
}

function validate(document: unknown, catalog: Catalog, extra: readonly Found[]): ManifestValidation {
  const found: Found[] = [...extra];
  const parsed = manifestSchema.safeParse(document, { reportInput: true });
  if (!parsed.success) {
    for (const structural of fromZodIssues(parsed.error.issues)) found.push(refine(structural, document));
  }
  checkContent(document, catalog, found);
  const issues = sortByPosition(document, found);
  const valid = parsed.success && !issues.some((issue) => issue.severity === 'error');
  return valid ? { valid, issues, manifest: parsed.data as Manifest } : { valid, issues };
}

// ---------------------------------------------------------------------------------------------
// structure (zod) → appscope codes, refined by location

function refine(structural: StructuralIssue, document: unknown): Found {
  const segments = structural.segments;
  const at = pattern(segments);
  const issue = (code: string, message: string, suggestion?: string): Found => ({
    segments,
    issue: make('error', code, segments, message, suggestion),
  });
  switch (structural.code) {
    case 'unknown_field': {
      const key = String(segments.at(-1));
      const parent = pattern(segments.slice(0, -1));
      const alias = FIELD_ALIASES.get(parent)?.[key];
      const suggestion = alias ?? didYouMean(key, KNOWN_FIELDS.get(parent) ?? []);
      return issue('unknown_field', `unknown field \`${key}\`${didYouMeanText(suggestion)}`, suggestion);
    }
    case 'missing_field': {
      if (at === 'permissions[].purpose') {
        const name = valueAt(document, [...segments.slice(0, -1), 'permission']);
        const what = typeof name === 'string' ? ` for \`${name}\`` : '';
        return issue(
          'missing_purpose',
          `missing \`purpose\`${what}; say why the app needs it, admins see it when they install the app`,
        );
      }
      const field = String(segments.at(-1));
      const hint = MISSING_HINTS.get(at);
      return issue('missing_field', `missing required field \`${field}\`${hint ? `: ${hint}` : ''}`);
    }
    case 'invalid_type': {
      const expected = EXPECTED.get(at);
      if (expected === undefined) return issue('invalid_type', structural.message);
      return issue('invalid_type', `expected ${expected}, got ${describe(valueAt(document, segments))}`);
    }
    case 'invalid_value': {
      const label = ENUM_LABELS.get(at) ?? 'value';
      const value = valueAt(document, segments);
      const allowed = allowedValues(at);
      const suggestion = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      const list =
        allowed.length <= 4
          ? `expected ${joinOr(allowed.map((v) => `\`${v}\``))}`
          : `see the ${allowed.length} ${label}s in docs/manifest.md`;
      const tail = suggestion === undefined ? `; ${list}` : didYouMeanText(suggestion);
      return issue('invalid_value', `unknown ${label} ${describe(value)}${tail}`, suggestion);
    }
    default:
      return { segments, issue: stripExtras(structural) };
  }
}

function allowedValues(at: string): string[] {
  switch (at) {
    case 'stripe_api_access_type':
      return [...manifestSchema.shape.stripe_api_access_type.unwrap().options];
    case 'distribution_type':
      return [...manifestSchema.shape.distribution_type.unwrap().options];
    case 'ui_extension.views[].viewport':
      return [
        ...manifestSchema.shape.ui_extension.unwrap().shape.views.unwrap().element.shape.viewport.options,
      ];
    case 'post_install_action.type':
      return [...manifestSchema.shape.post_install_action.unwrap().unwrap().shape.type.options];
    default:
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// content: patterns, URLs, permission names, and the catalog's implications and companions

function checkContent(document: unknown, catalog: Catalog, found: Found[]): void {
  if (!isObject(document)) return;
  const add = (
    severity: Severity,
    code: string,
    segments: readonly Segment[],
    message: string,
    suggestion?: string,
  ): void => {
    found.push({ segments, issue: make(severity, code, segments, message, suggestion) });
  };

  const { id, version, name, icon } = document;
  if (typeof id === 'string') {
    if (id === '')
      add(
        'error',
        'invalid_id',
        ['id'],
        'id must not be empty; use a unique identifier such as `com.example.myapp`',
      );
    else if (!ID_PATTERN.test(id))
      add(
        'error',
        'invalid_id',
        ['id'],
        `\`${id}\` is not a valid app id: use only letters, digits, \`_\`, \`-\` and \`.\`, e.g. \`com.example.myapp\``,
      );
  }
  if (typeof version === 'string' && version.trim() === '')
    add('error', 'invalid_version', ['version'], 'version must not be empty; any format works, e.g. `1.0.0`');
  if (typeof name === 'string' && name.trim() === '')
    add('error', 'invalid_name', ['name'], 'name must not be empty; admins see it when they install the app');
  if (typeof icon === 'string' && icon !== '' && !ICON_PATTERN.test(icon))
    add(
      'error',
      'invalid_icon',
      ['icon'],
      `\`${icon}\` is not a valid icon path: use \`""\` or a relative path to a PNG such as \`./icon.png\` (no dots in folder or file names)`,
    );

  checkPermissions(document['permissions'], catalog, add);

  const ui = document['ui_extension'];
  if (isObject(ui)) {
    const views = ui['views'];
    if (Array.isArray(views)) {
      views.forEach((view, i) => {
        const component = isObject(view) ? view['component'] : undefined;
        if (typeof component === 'string' && !COMPONENT_PATTERN.test(component))
          add(
            'error',
            'invalid_component',
            ['ui_extension', 'views', i, 'component'],
            `\`${component}\` is not a valid component name: use letters, digits and \`_\` (a React component in \`src/views\`)`,
          );
      });
    }
    const csp = ui['content_security_policy'];
    if (isObject(csp)) {
      const base = ['ui_extension', 'content_security_policy'];
      let urls = 0;
      for (const [key, code, rule] of [
        ['connect-src', 'invalid_connect_src', checkConnectSrc],
        ['image-src', 'invalid_image_src', checkImageSrc],
      ] as const) {
        const list = csp[key];
        if (!Array.isArray(list)) continue;
        urls += list.length;
        list.forEach((url, i) => {
          if (typeof url !== 'string') return;
          const problem = rule(url);
          if (problem !== undefined) add('error', code, [...base, key, i], problem);
        });
      }
      const purpose = csp['purpose'];
      if (urls > 0 && typeof purpose === 'string' && purpose.trim() === '')
        add(
          'error',
          'empty_purpose',
          [...base, 'purpose'],
          'content security policy purpose is empty; say why the app calls these URLs, admins see it when they install the app',
        );
    }
  }

  const redirects = document['allowed_redirect_uris'];
  if (Array.isArray(redirects)) {
    redirects.forEach((url, i) => {
      if (typeof url !== 'string') return;
      const problem = checkRedirectUri(url);
      if (problem !== undefined) add('error', 'invalid_redirect_uri', ['allowed_redirect_uris', i], problem);
    });
  }

  const action = document['post_install_action'];
  if (isObject(action) && typeof action['type'] === 'string') {
    const url = action['url'];
    if (action['type'] === 'external') {
      if (url === undefined)
        add(
          'error',
          'missing_field',
          ['post_install_action', 'url'],
          'missing required field `url`: an `external` post-install action needs the URL to open',
        );
      else if (typeof url === 'string') {
        const problem = checkExternalUrl(url);
        if (problem !== undefined) add('error', 'invalid_url', ['post_install_action', 'url'], problem);
      }
    } else if (url !== undefined) {
      add(
        'error',
        'unknown_field',
        ['post_install_action', 'url'],
        `unknown field \`url\`: only an \`external\` post-install action has a \`url\``,
      );
    }
  }

  const access = document['stripe_api_access_type'];
  const distribution = document['distribution_type'];
  if (access === 'oauth') {
    if (distribution !== 'public')
      add(
        'error',
        'private_oauth_app',
        ['stripe_api_access_type'],
        distribution === undefined
          ? '`distribution_type` defaults to `private` and a private app cannot use OAuth: set `distribution_type` to `public`'
          : 'a private app cannot use OAuth: set `distribution_type` to `public`, or use `platform` or `restricted_api_key`',
      );
    if (Array.isArray(redirects)) {
      redirects.forEach((url, i) => {
        if (typeof url === 'string' && insecureRedirect(url))
          add(
            'warning',
            'insecure_redirect_uri',
            ['allowed_redirect_uris', i],
            `\`${url}\` uses http: the authorization code travels in it, so anyone on the network can read it; use https (http is fine for loopback: localhost, 127.0.0.1, [::1])`,
          );
      });
    }
    if (!Array.isArray(redirects) || redirects.length === 0)
      add(
        'error',
        'redirect_uris_required',
        ['allowed_redirect_uris'],
        'an OAuth app needs at least one `allowed_redirect_uris` entry: where its install link sends the admin back (the first one is the default)',
      );
  }
}

/** An `http:` redirect URI to anywhere but this machine (RFC 9700 §2.6: loopback may use http). */
function insecureRedirect(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false; // reported as invalid_redirect_uri
  }
  if (parsed.protocol !== 'http:') return false;
  const host = parsed.hostname;
  return !(
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}

type Add = (
  severity: Severity,
  code: string,
  segments: readonly Segment[],
  message: string,
  suggestion?: string,
) => void;

function checkPermissions(permissions: unknown, catalog: Catalog, add: Add): void {
  if (!Array.isArray(permissions)) return;
  /** first position of each requested catalog permission, in document order */
  const requested = new Map<string, number>();
  const firstAt = new Map<string, number>();
  permissions.forEach((entry, i) => {
    if (!isObject(entry)) return;
    const name = entry['permission'];
    const purpose = entry['purpose'];
    const at: Segment[] = ['permissions', i, 'permission'];
    if (typeof name === 'string') {
      const parts = multiplePermissionNames(name, catalog);
      const previous = firstAt.get(name);
      if (name.trim() === '') {
        add(
          'error',
          'unknown_permission',
          at,
          'permission name is empty; name one permission, e.g. `customer_read`',
        );
      } else if (parts !== undefined) {
        add(
          'error',
          'multiple_permissions',
          at,
          `\`${name}\` names ${parts.length} permissions; request each one in its own entry with its own purpose`,
        );
      } else if (!catalog.has(name)) {
        const suggestion = catalog.suggest(name);
        add(
          'error',
          'unknown_permission',
          at,
          `unknown permission \`${name}\`${didYouMeanText(suggestion)}`,
          suggestion,
        );
      } else if (previous === undefined) {
        requested.set(name, i);
      }
      if (previous !== undefined)
        add(
          'error',
          'duplicate_permission',
          at,
          `\`${name}\` is already requested at permissions[${previous}]; request each permission once`,
        );
      else firstAt.set(name, i);
    }
    if (typeof purpose === 'string' && purpose.trim() === '') {
      const what = typeof name === 'string' && name.trim() !== '' ? ` for \`${name}\`` : '';
      add(
        'error',
        'empty_purpose',
        ['permissions', i, 'purpose'],
        `purpose${what} is empty; say why the app needs it, admins see it when they install the app`,
      );
    }
  });

  // redundant: already implied by another requested permission. Within an implication cycle
  // (e.g. invoice_read ⇄ credit_note_read) the first one requested is kept and the others flagged.
  const entries = [...requested.entries()];
  const implies = (from: string, to: string): boolean =>
    catalog.closureOf(catalog.indexOf(from)).has(catalog.indexOf(to));
  const impliers = new Map<string, [string, number][]>();
  for (const [name, i] of entries) {
    const by = entries.filter(
      ([other, j]) => other !== name && implies(other, name) && (!implies(name, other) || j < i),
    );
    if (by.length > 0) impliers.set(name, by);
  }
  for (const [name, i] of entries) {
    const by = impliers.get(name);
    if (by === undefined) continue;
    const [other, j] = by.find(([candidate]) => !impliers.has(candidate)) ?? by[0]!;
    const chain = catalog.implicationPath(other, name) ?? [];
    const through = chain.slice(1, -1).map((n) => `\`${n}\``);
    const via = through.length > 0 ? ` through ${through.join(', ')}` : '';
    add(
      'warning',
      'redundant_permission',
      ['permissions', i, 'permission'],
      `\`${name}\` is already implied by \`${other}\` (permissions[${j}])${via}; requesting it grants nothing more`,
    );
  }

  // companions: permissions the catalog says usually go together ("you must also request …")
  const effective = catalog.closure(requested.keys());
  for (const [name, i] of entries) {
    for (const companion of catalog.get(name)?.companions ?? []) {
      if (effective.has(catalog.indexOf(companion.permission))) continue;
      add(
        'warning',
        'missing_companion',
        ['permissions', i, 'permission'],
        `\`${name}\` is usually requested with \`${companion.permission}\`, which is not requested: ${noteText(companion.note)}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// duplicate keys, which JSON.parse drops silently

function duplicateFields(text: string): Found[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const root = parseTree(source, [], { disallowComments: true });
  const found: Found[] = [];
  const walk = (node: Node, segments: Segment[]): void => {
    if (node.type === 'object') {
      const counts = new Map<string, number>();
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (keyNode === undefined) continue;
        const key = String(keyNode.value);
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        if (count === 2) {
          const at = [...segments, key];
          found.push({
            segments: at,
            issue: make(
              'error',
              'duplicate_field',
              at,
              `field \`${key}\` appears more than once in the same object; JSON keeps only the last one, remove the others`,
            ),
          });
        }
        if (valueNode !== undefined) walk(valueNode, [...segments, key]);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => {
        walk(child, [...segments, i]);
      });
    }
  };
  if (root !== undefined) walk(root, []);
  return found;
}

// ---------------------------------------------------------------------------------------------
// ordering: by where each issue sits in the document (a missing field sorts at the end of its
// object); issues at the same place keep the order they were found in

function sortByPosition(document: unknown, found: readonly Found[]): Issue[] {
  const keyed = found.map((entry, order) => ({ entry, order, key: positionKey(document, entry.segments) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || a.order - b.order);
  return keyed.map(({ entry }) => entry.issue);
}

function positionKey(document: unknown, segments: readonly Segment[]): number[] {
  const key: number[] = [];
  let node: unknown = document;
  for (const segment of segments) {
    if (Array.isArray(node) && typeof segment === 'number') {
      key.push(segment);
      node = node[segment];
    } else if (isObject(node)) {
      const keys = Object.keys(node);
      const index = keys.indexOf(String(segment));
      key.push(index < 0 ? keys.length : index);
      node = index < 0 ? undefined : node[String(segment)];
    } else {
      key.push(Number.MAX_SAFE_INTEGER);
      node = undefined;
    }
  }
  return key;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// helpers

function make(
  severity: Severity,
  code: string,
  segments: readonly Segment[],
  message: string,
  suggestion?: string,
): Issue {
  const path = formatPath(segments);
  return suggestion === undefined
    ? { severity, code, path, message }
    : { severity, code, path, message, suggestion };
}

function stripExtras(issue: Issue): Issue {
  const { severity, code, path, message } = issue;
  return { severity, code, path, message };
}

function didYouMeanText(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`;
}

/** A catalog note as the tail of a message: lowercase start, no trailing period. */
function noteText(note: string): string {
  const trimmed = note.trim().replace(/\.+$/, '');
  return trimmed.length > 0 ? trimmed[0]!.toLowerCase() + trimmed.slice(1) : trimmed;
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(document: unknown, segments: readonly Segment[]): unknown {
  let node = document;
  for (const segment of segments) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isObject(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `\`${value.length > 60 ? `${value.slice(0, 57)}...` : value}\``;
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  return `\`${String(value)}\``;
}

import { type Node, parseTree } from 'jsonc-parser';
import { AppscopeError } from '../../errors.js';
import type { Catalog } from '../catalog/catalog.js';
import { didYouMean } from '../did-you-mean.js';
import type { Issue } from '../issues.js';
import { parseJson } from '../json.js';
import { multiplePermissionNames } from './names.js';
import { checkConnectSrc, connectSrcCovers } from './url-rules.js';

/**
 * Edits of `stripe-app.json` in the manner of `stripe apps grant|revoke`: pure text → text
 * functions that change only the bytes they must. Everything else — key order, indentation
 * (spaces or tabs, detected from the file), line endings, a byte-order mark, one-line arrays —
 * stays as it was. Appending and then removing the same entry gives back the original text.
 *
 * Each refuses bad input with `AppscopeError('ERR_MANIFEST_EDIT')` whose single issue carries a
 * stable code: `invalid_json`, `not_editable`, `unknown_permission`, `multiple_permissions`,
 * `empty_purpose`, `already_requested`, `not_requested`, `invalid_connect_src`, `already_allowed`,
 * `not_allowed`.
 */

const CSP = ['ui_extension', 'content_security_policy'] as const;

/**
 * Appends `{ "permission": name, "purpose": purpose }` to `permissions` (creating the array if
 * the manifest has none), like `stripe apps grant permission NAME PURPOSE`.
 * Refuses a name the catalog does not know (with did-you-mean), two names in one string, an
 * empty purpose, and a permission that is already requested: to change a purpose, edit it in the
 * file or revoke and grant again.
 *
 * @example
 * const next = grantPermission(text, 'customer_read', 'Show the customer’s orders', defaultCatalog());
 */
export function grantPermission(text: string, name: string, purpose: string, catalog: Catalog): string {
  const parts = multiplePermissionNames(name, catalog);
  if (parts !== undefined)
    refuse(
      'multiple_permissions',
      'permissions',
      `\`${name}\` names ${parts.length} permissions; grant one permission at a time, each with its own purpose`,
    );
  if (!catalog.has(name)) {
    const suggestion = name.trim() === '' ? undefined : catalog.suggest(name);
    const message =
      name.trim() === ''
        ? 'permission name is empty; name one permission, e.g. `customer_read`'
        : `unknown permission \`${name}\`${suggestion === undefined ? '' : `; did you mean \`${suggestion}\`?`}`;
    refuse('unknown_permission', 'permissions', message, suggestion);
  }
  if (purpose.trim() === '')
    refuse(
      'empty_purpose',
      'permissions',
      `purpose must not be empty: say why the app needs \`${name}\`; admins see it when they install the app`,
    );

  const doc = load(text);
  const permissions = property(doc.root, 'permissions');
  if (permissions === undefined)
    return doc.finish(insertProperty(doc, doc.root, 'permissions', [{ permission: name, purpose }]));
  if (permissions.type !== 'array')
    refuse('not_editable', 'permissions', 'cannot grant: `permissions` is not an array');
  // follow the key order of the entries already there (some files put `purpose` first)
  const last = permissions.children?.at(-1);
  const purposeFirst = last?.type === 'object' && last.children?.[0]?.children?.[0]?.value === 'purpose';
  const entry = purposeFirst ? { purpose, permission: name } : { permission: name, purpose };
  const index = (permissions.children ?? []).findIndex((child) => entryName(child) === name);
  if (index >= 0)
    refuse(
      'already_requested',
      `permissions[${index}]`,
      `\`${name}\` is already requested at permissions[${index}]; to change its purpose, edit \`permissions[${index}].purpose\` or revoke it and grant it again`,
    );
  return doc.finish(appendElement(doc, permissions, entry));
}

/**
 * Removes every `permissions` entry that requests `name`, like `stripe apps revoke permission NAME`.
 * Works for names the catalog does not know, so it can clean up a typo. Refuses a name that is
 * not requested (with did-you-mean among the requested ones).
 *
 * @example
 * const next = revokePermission(text, 'customer_write');
 */
export function revokePermission(text: string, name: string): string {
  let doc = load(text);
  const permissions = property(doc.root, 'permissions');
  if (permissions === undefined || permissions.type !== 'array')
    refuse(
      'not_requested',
      'permissions',
      `\`${name}\` is not requested: the manifest has no \`permissions\` array`,
    );
  const children = permissions.children ?? [];
  const indices = children.flatMap((child, i) => (entryName(child) === name ? [i] : []));
  if (indices.length === 0) {
    const requested = children.map(entryName).filter((n): n is string => n !== undefined);
    refuse(
      'not_requested',
      'permissions',
      notPresent(name, 'requested', requested, 'the manifest requests no permissions'),
    );
  }
  let current = doc.body;
  for (const index of indices.reverse()) {
    const array = property(doc.root, 'permissions')!;
    current = removeElement(doc, array, index);
    doc = load(doc.bom + current);
  }
  return doc.finish(current);
}

/**
 * Allows the UI to call `url`: appends it to `ui_extension.content_security_policy.connect-src`
 * (creating what is missing) and sets the policy's `purpose`, like
 * `stripe apps grant url URL PURPOSE`. The URL must follow the connect-src rules (HTTPS, a path,
 * a wildcard only as the left-most DNS label, not Stripe's API); a URL that an entry already
 * allows (the same URL, or below an entry ending in `/`) is refused.
 *
 * @example
 * const next = grantUrl(text, 'https://*.api.example.com/path/', 'Send data to example service');
 */
export function grantUrl(text: string, url: string, purpose: string): string {
  const problem = checkConnectSrc(url);
  if (problem !== undefined) refuse('invalid_connect_src', `${CSP.join('.')}.connect-src`, problem);
  if (purpose.trim() === '')
    refuse(
      'empty_purpose',
      `${CSP.join('.')}.purpose`,
      `purpose must not be empty: say why the app calls \`${url}\`; admins see it when they install the app`,
    );

  let doc = load(text);
  const ui = property(doc.root, 'ui_extension');
  if (ui === undefined)
    return doc.finish(
      insertProperty(doc, doc.root, 'ui_extension', {
        content_security_policy: { 'connect-src': [url], purpose },
      }),
    );
  if (ui.type !== 'object')
    refuse('not_editable', 'ui_extension', 'cannot grant: `ui_extension` is not an object');
  const csp = property(ui, 'content_security_policy');
  if (csp === undefined)
    return doc.finish(insertProperty(doc, ui, 'content_security_policy', { 'connect-src': [url], purpose }));
  if (csp.type !== 'object')
    refuse('not_editable', CSP.join('.'), 'cannot grant: `content_security_policy` is not an object');

  const connect = property(csp, 'connect-src');
  let body: string;
  if (connect === undefined) body = insertProperty(doc, csp, 'connect-src', [url]);
  else if (connect.type === 'null') body = replaceValue(doc, connect, [url]);
  else if (connect.type === 'array') {
    const children = connect.children ?? [];
    const index = children.findIndex(
      (child) => child.type === 'string' && connectSrcCovers(child.value, url),
    );
    if (index >= 0) {
      const existing = children[index]!.value as string;
      refuse(
        'already_allowed',
        `${CSP.join('.')}.connect-src[${index}]`,
        existing === url
          ? `\`${url}\` is already allowed (connect-src[${index}])`
          : `\`${url}\` is already allowed by \`${existing}\` (connect-src[${index}])`,
      );
    }
    body = appendElement(doc, connect, url);
  } else
    return refuse(
      'not_editable',
      `${CSP.join('.')}.connect-src`,
      'cannot grant: `connect-src` is not an array',
    );

  doc = load(doc.bom + body);
  const policy = property(property(doc.root, 'ui_extension')!, 'content_security_policy')!;
  const current = property(policy, 'purpose');
  if (current === undefined) body = insertProperty(doc, policy, 'purpose', purpose);
  else if (current.value !== purpose) body = replaceValue(doc, current, purpose);
  return doc.finish(body);
}

/**
 * Removes `url` (exact match) from `ui_extension.content_security_policy.connect-src`, like
 * `stripe apps revoke connect-src URL`. Refuses a URL that is not listed.
 *
 * @example
 * const next = revokeConnectSrc(text, 'https://*.api.example.com/path/');
 */
export function revokeConnectSrc(text: string, url: string): string {
  let doc = load(text);
  const ui = property(doc.root, 'ui_extension');
  const csp = ui?.type === 'object' ? property(ui, 'content_security_policy') : undefined;
  const connect = csp?.type === 'object' ? property(csp, 'connect-src') : undefined;
  const children = connect?.type === 'array' ? (connect.children ?? []) : [];
  const indices = children.flatMap((child, i) => (child.type === 'string' && child.value === url ? [i] : []));
  if (indices.length === 0) {
    const listed = children.flatMap((child) => (child.type === 'string' ? [child.value as string] : []));
    refuse(
      'not_allowed',
      `${CSP.join('.')}.connect-src`,
      notPresent(url, 'in connect-src', listed, 'it lists no URLs'),
    );
  }
  let body = doc.body;
  for (const index of indices.reverse()) {
    const array = property(
      property(property(doc.root, 'ui_extension')!, 'content_security_policy')!,
      'connect-src',
    )!;
    body = removeElement(doc, array, index);
    doc = load(doc.bom + body);
  }
  return doc.finish(body);
}

// ---------------------------------------------------------------------------------------------
// the document being edited

interface Doc {
  /** the text without a byte-order mark */
  readonly body: string;
  readonly bom: string;
  readonly root: Node;
  readonly eol: string;
  readonly indent: string;
  readonly multiline: boolean;
  finish(body: string): string;
}

function load(text: string): Doc {
  const json = parseJson(text);
  if (!json.ok) refuse('invalid_json', '', `cannot edit the manifest: ${json.issue.message}`);
  const bom = text.charCodeAt(0) === 0xfeff ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  const root = parseTree(body, [], { disallowComments: true });
  if (root === undefined || root.type !== 'object')
    refuse('not_editable', '', 'cannot edit the manifest: it is not a JSON object');
  return {
    body,
    bom,
    root,
    eol: body.includes('\r\n') ? '\r\n' : '\n',
    indent: detectIndent(body),
    multiline: body.slice(root.offset, root.offset + root.length).includes('\n'),
    finish: (next) => bom + next,
  };
}

/** The indentation unit of the file: a tab, or the smallest positive run of leading spaces. */
function detectIndent(text: string): string {
  let smallest = Number.POSITIVE_INFINITY;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('\t')) return '\t';
    const spaces = /^ */.exec(line)![0].length;
    if (spaces > 0 && spaces < smallest) smallest = spaces;
  }
  return Number.isFinite(smallest) ? ' '.repeat(smallest) : '  ';
}

/** The value node of `key` in an object node; refuses when the key appears more than once. */
function property(object: Node, key: string): Node | undefined {
  const matches = (object.children ?? []).filter((p) => p.children?.[0]?.value === key);
  if (matches.length > 1)
    refuse(
      'not_editable',
      key,
      `cannot edit the manifest: field \`${key}\` appears ${matches.length} times in the same object; remove the duplicates first`,
    );
  return matches[0]?.children?.[1];
}

function entryName(node: Node): string | undefined {
  if (node.type !== 'object') return undefined;
  for (const p of node.children ?? []) {
    const [key, value] = p.children ?? [];
    if (key?.value === 'permission' && value?.type === 'string') return value.value as string;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// minimal text edits

function splice(text: string, offset: number, length: number, content: string): string {
  return text.slice(0, offset) + content + text.slice(offset + length);
}

/** Leading whitespace of the line that contains `offset`. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

/** Appends `value` to a non-empty or empty array, in the style of its neighbours. */
function appendElement(doc: Doc, array: Node, value: unknown): string {
  return appendMember(doc, array, (style) => serialize(value, style));
}

/** Adds `"key": value` at the end of an object, in the style of its neighbours. */
function insertProperty(doc: Doc, object: Node, key: string, value: unknown): string {
  return appendMember(
    doc,
    object,
    (style) => `${JSON.stringify(key)}${style.colon}${serialize(value, style)}`,
  );
}

interface InlineStyle {
  readonly colon: string;
  readonly comma: string;
  readonly pad: string;
}

interface Style extends InlineStyle {
  readonly multiline: boolean;
  /** indentation of the line the value starts on (multi-line only) */
  readonly base: string;
  readonly indent: string;
  readonly eol: string;
}

function appendMember(doc: Doc, container: Node, render: (style: Style) => string): string {
  const text = doc.body;
  const children = container.children ?? [];
  const last = children.at(-1);
  const inline = inlineStyle(text.slice(container.offset, container.offset + container.length), text);
  const style = (multiline: boolean, base: string): Style => ({
    ...inline,
    multiline,
    base,
    indent: doc.indent,
    eol: doc.eol,
  });
  if (last === undefined) {
    const open = container.offset + 1;
    const close = container.offset + container.length - 1;
    if (!doc.multiline) return splice(text, open, close - open, render(style(false, '')));
    const outer = lineIndent(text, container.offset);
    const base = outer + doc.indent;
    return splice(
      text,
      open,
      close - open,
      `${doc.eol}${base}${render(style(true, base))}${doc.eol}${outer}`,
    );
  }
  const end = last.offset + last.length;
  const previous = children.at(-2);
  const leading = text.slice(container.offset + 1, last.offset);
  const gap =
    previous !== undefined
      ? text.slice(previous.offset + previous.length, last.offset)
      : leading.includes('\n')
        ? `,${leading}`
        : inline.comma;
  // an object or array element sets the style (one-line entries stay one-line); otherwise the gap does
  const structured = last.type === 'object' || last.type === 'array';
  const multiline = structured ? text.slice(last.offset, end).includes('\n') : gap.includes('\n');
  const base = gap.includes('\n') ? gap.slice(gap.lastIndexOf('\n') + 1) : lineIndent(text, end - 1);
  return splice(text, end, 0, `${gap}${render(style(multiline, base))}`);
}

/** Replaces a value in place; a multi-line value continues at the indentation of its line. */
function replaceValue(doc: Doc, node: Node, value: unknown): string {
  const style: Style = {
    ...inlineStyle('', doc.body),
    multiline: doc.multiline,
    base: lineIndent(doc.body, node.offset),
    indent: doc.indent,
    eol: doc.eol,
  };
  return splice(doc.body, node.offset, node.length, serialize(value, style));
}

/** Removes one element with the separator that joins it to its neighbour, the inverse of append. */
function removeElement(doc: Doc, array: Node, index: number): string {
  const text = doc.body;
  const children = array.children ?? [];
  const node = children[index]!;
  if (children.length === 1) {
    const open = array.offset + 1;
    return splice(text, open, array.offset + array.length - 1 - open, '');
  }
  if (index > 0) {
    const previous = children[index - 1]!;
    const from = previous.offset + previous.length;
    return splice(text, from, node.offset + node.length - from, '');
  }
  const next = children[1]!;
  return splice(text, node.offset, next.offset - node.offset, '');
}

/** Spacing of one-line JSON, taken from the container where it shows, else from the whole file. */
function inlineStyle(local: string, whole: string): InlineStyle {
  const pick = (probe: RegExp, spaced: RegExp, yes: string, no: string): string => {
    const sample = probe.test(local) ? local : probe.test(whole) ? whole : undefined;
    return sample === undefined || spaced.test(sample) ? yes : no;
  };
  return {
    colon: pick(/"\s*:/, /"\s*:[ \t]/, ': ', ':'),
    comma: pick(/,/, /,[ \t]/, ', ', ','),
    pad: pick(/\{\s*"/, /\{[ \t]+"/, ' ', ''),
  };
}

function serialize(value: unknown, style: Style): string {
  if (style.multiline) {
    return JSON.stringify(value, null, style.indent)
      .split('\n')
      .join(style.eol + style.base);
  }
  return serializeInline(value, style);
}

function serializeInline(value: unknown, style: Style): string {
  if (Array.isArray(value)) return `[${value.map((item) => serializeInline(item, style)).join(style.comma)}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(
      ([key, item]) => `${JSON.stringify(key)}${style.colon}${serializeInline(item, style)}`,
    );
    return entries.length === 0 ? '{}' : `{${style.pad}${entries.join(style.comma)}${style.pad}}`;
  }
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// errors

function refuse(code: string, path: string, message: string, suggestion?: string): never {
  const issue: Issue =
    suggestion === undefined
      ? { severity: 'error', code, path, message }
      : { severity: 'error', code, path, message, suggestion };
  throw new AppscopeError('ERR_MANIFEST_EDIT', message, { issues: [issue] });
}

function notPresent(value: string, where: string, present: readonly string[], none: string): string {
  const suggestion = didYouMean(value, present);
  if (suggestion !== undefined) return `\`${value}\` is not ${where}; did you mean \`${suggestion}\`?`;
  if (present.length === 0) return `\`${value}\` is not ${where}: ${none}`;
  return `\`${value}\` is not ${where}; ${where === 'requested' ? 'requested' : 'listed'}: ${present.map((item) => `\`${item}\``).join(', ')}`;
}

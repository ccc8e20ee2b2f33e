/**
 * HTML built from tagged templates that escape every interpolated value unless it is already
 * {@link Html}. Nothing reaches a page unescaped by accident: an app's name, a manifest's
 * purpose, an email or an error message are text, never markup.
 */

/** Markup that is safe to put on a page as it is. */
export class Html {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }
}

/** What a template accepts: markup, text (escaped), numbers, nothing, or lists of those. */
export type HtmlChild = Html | string | number | boolean | null | undefined | readonly HtmlChild[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text as HTML: `& < > " '` escaped, so it is safe in element content and in quoted attributes.
 * @example
 * escapeHtml('<script>'); // '&lt;script&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(child: HtmlChild): string {
  if (child === null || child === undefined || child === false || child === true) return '';
  if (child instanceof Html) return child.value;
  if (Array.isArray(child)) return (child as readonly HtmlChild[]).map(render).join('');
  return escapeHtml(String(child));
}

/**
 * Builds markup; every `${value}` is escaped unless it is `Html` (nested templates).
 * `null`, `undefined` and booleans render nothing, so `${cond && html`…`}` works.
 * @example
 * html`<p class="name">${app.name}</p>`; // the name is text, whatever it contains
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlChild[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/**
 * Trusted markup as it is (for constant strings such as icons). Never pass user input.
 * @example
 * raw('<svg …>…</svg>')
 */
export function raw(trusted: string): Html {
  return new Html(trusted);
}

/** A path under `/dashboard` with each segment percent-encoded. */
export function dashboardPath(...segments: readonly string[]): string {
  return `/dashboard/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
}

/** A query string (with `?`) from the defined, non-empty values. */
export function query(params: Readonly<Record<string, string | undefined>>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

import { escapeHtml } from '../html.js';

/**
 * Icons as SVG text: the appscope mark (favicon and header) and the placeholder icon for apps,
 * whose manifests name an icon file appscope never receives.
 */

/** The appscope mark: a shield with a key slot. */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" role="img" aria-label="appscope"><rect width="32" height="32" rx="7" fill="#4f46e5"/><path d="M16 5l9 3.5v6.8c0 5.6-3.8 10.2-9 11.7-5.2-1.5-9-6.1-9-11.7V8.5z" fill="#fff"/><circle cx="16" cy="14" r="3" fill="#4f46e5"/><rect x="14.8" y="15.5" width="2.4" height="6" rx="1" fill="#4f46e5"/></svg>`;

const PALETTE = ['#4f46e5', '#0e7490', '#15803d', '#b45309', '#be185d', '#7c3aed', '#1d4ed8', '#9f1239'];

/**
 * A placeholder icon for an app: its initial on a colour picked from its id (stable per app).
 * The initial is escaped, so any app name is safe.
 * @example
 * appIconSvg('com.example.crm', 'CRM Sync'); // '<svg …>C</svg>'
 */
export function appIconSvg(appId: string, name: string): string {
  let hash = 0;
  for (const ch of appId) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  const colour = PALETTE[hash % PALETTE.length]!;
  const initial = escapeHtml(([...name.trim()][0] ?? '?').toUpperCase());
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="${colour}"/><text x="32" y="42" text-anchor="middle" font-family="system-ui, sans-serif" font-size="30" font-weight="700" fill="#fff">${initial}</text></svg>`;
}

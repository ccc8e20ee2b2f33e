import { type Html, html } from './html.js';

/**
 * Messages shown after a redirect (`?notice=…`). Only these fixed texts can appear: nothing a
 * URL carries is reflected onto the page.
 */
const NOTICES = {
  installed: 'The app is installed with the permissions you approved.',
  approved: 'The new permissions are approved and in effect.',
  revoked: 'The key is revoked. Calls with it are refused from now on.',
  oauth_revoked:
    'The app’s access is revoked: its access and refresh tokens are refused from now on. It stays installed.',
  uninstalled:
    'The app is uninstalled: its permissions are gone, its keys are revoked and its secrets on this account are deleted.',
  secret_deleted: 'The secret is deleted. The app no longer finds it.',
  shadow_on: 'Shadow mode is on: calls that would be denied are let through and logged as shadow denials.',
  shadow_off: 'Shadow mode is off: every call is enforced.',
  nothing_pending: 'There is nothing waiting for review.',
  role_changed: 'The role is changed. It applies from the user’s next click.',
  user_removed: 'The user is removed: their sessions ended and they can no longer sign in.',
  link_cancelled: 'The link is cancelled. It no longer works.',
  welcome: 'Welcome: you joined the account and are signed in.',
  password_set: 'Your new password is set. Your other sessions ended.',
} as const;

/** A notice's code. */
export type NoticeCode = keyof typeof NOTICES;

/** The callout for a `notice` query value, or nothing for an unknown one. */
export function noticeCallout(code: string | undefined): Html {
  if (code === undefined || !Object.hasOwn(NOTICES, code)) return html``;
  return html`<div class="callout ok" role="status"><p>${NOTICES[code as NoticeCode]}</p></div>`;
}

import type { CreatedKey } from '../domain/objects.js';
import { dashboardPath, type Html, html } from './html.js';
import { timeTag } from './layout.js';

/**
 * The warning and the read-only field of a value shown this once (a key, a signing secret, a
 * one-time link): select it by hand, or use the copy button, which the script reveals. Pages
 * that show one are served `no-store`.
 */
export function shownOnce(input: {
  /** The field's id (its status line is `<id>-status`). */
  readonly id: string;
  /** What it is, in the warning and on the copy button: `key`, `secret`, `link`. */
  readonly what: string;
  /** What to do with it, and what to do if it is lost. */
  readonly note: Html;
  readonly label: Html | string;
  readonly value: string;
}): Html {
  return html`<div class="callout warn"><div><p><strong>Copy this ${input.what} now. It is shown only this once.</strong></p>
  <p class="small">${input.note}</p></div></div>
  <label for="${input.id}">${input.label}</label>
  <div class="secret">
    <input id="${input.id}" type="text" readonly value="${input.value}" data-select-on-focus spellcheck="false" autocomplete="off">
    <button type="button" data-copy aria-controls="${input.id}" hidden>Copy ${input.what}</button>
    <span id="${input.id}-status" class="copied" role="status" aria-live="polite"></span>
  </div>`;
}

/**
 * A key's secret, shown this once: in a read-only field (select it by hand, or use the copy
 * button, which the script reveals), with what the key can do and a clear warning. The page is
 * served `no-store`, so the secret is not kept in the browser's cache either.
 */
export function keyOnce(input: {
  readonly heading: string;
  readonly intro: Html;
  readonly key: CreatedKey;
}): Html {
  const { key } = input;
  return html`<section class="card" aria-labelledby="key-title" data-key-once>
  <h2 id="key-title">${input.heading}</h2>
  ${input.intro}
  ${shownOnce({
    id: 'new-key',
    what: 'key',
    note: html`appscope keeps only a hash of it. Store it in the app’s secret store; if it is lost, roll the key to get a new one.`,
    label: html`Restricted key for <code>${key.install ?? key.app ?? key.account}</code>`,
    value: key.secret,
  })}
  <dl class="facts">
    <dt>Key ID</dt><dd><code>${key.id}</code></dd>
    <dt>Mode</dt><dd>${key.livemode ? 'Live' : 'Test'}</dd>
    <dt>Access</dt><dd>${key.permissions === null ? 'Everything the install is granted' : html`Narrowed to ${key.permissions.map((n, i) => html`${i > 0 ? ', ' : ''}<code>${n}</code>`)}`}</dd>
    <dt>Expires</dt><dd>${timeTag(key.expires_at, 'Never')}</dd>
  </dl>
  ${key.install === null ? '' : html`<div class="actions-row"><a class="button primary" href="${dashboardPath('installs', key.install)}">I have stored the key</a></div>`}
</section>`;
}

/**
 * The dashboard's only script, served at `/dashboard/assets/dashboard.js`: the copy button
 * next to a secret shown once. Everything else works without JavaScript (the secret is also in
 * a read-only field that can be selected by hand); without it the copy button stays hidden.
 */
export const SCRIPT = `'use strict';
(function () {
  function announce(button, text) {
    var status = document.getElementById(button.getAttribute('aria-controls') + '-status');
    if (status) status.textContent = text;
  }
  function copy(button) {
    var field = document.getElementById(button.getAttribute('aria-controls'));
    if (!field) return;
    var value = field.value;
    var done = function () { announce(button, 'Copied to the clipboard'); };
    var fallback = function () {
      field.focus();
      field.select();
      try { document.execCommand('copy'); done(); } catch (e) { announce(button, 'Select the key and copy it'); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(done, fallback);
    } else {
      fallback();
    }
  }
  var buttons = document.querySelectorAll('button[data-copy]');
  for (var i = 0; i < buttons.length; i++) {
    var button = buttons[i];
    button.hidden = false;
    button.addEventListener('click', function (event) { copy(event.currentTarget); });
  }
  var fields = document.querySelectorAll('input[data-select-on-focus]');
  for (var j = 0; j < fields.length; j++) {
    fields[j].addEventListener('focus', function (event) { event.currentTarget.select(); });
  }
})();
`;

import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which the browser tests drive (`.ci/run` installs it when missing). */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether the browser tests can run here. */
export const haveChromium = existsSync(CHROMIUM);

/** What a `describe.skipIf(!haveChromium)` title adds when Chromium is missing. */
export const chromiumSkipReason = haveChromium
  ? ''
  : ` — skipped: ${CHROMIUM} is missing (apt-get install chromium)`;

/** Headless Chromium with the flags this machine needs (no sandbox, no GPU, no network chatter). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

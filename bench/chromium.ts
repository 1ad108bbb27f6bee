/**
 * The one way zfscope's tools start a browser: Debian's Chromium, headless, driven by
 * playwright-core (never a downloaded browser). Used by the browser tests, the dashboard bench and
 * the README screenshot script.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the browser is installed. */
export const hasChromium = (): boolean => existsSync(CHROMIUM);

/** A fresh headless Chromium (temporary profile, removed on close by playwright); `who` names the caller in the error. */
export async function launchChromium(who = 'zfscope'): Promise<Browser> {
  if (!hasChromium()) throw new Error(`${who}: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

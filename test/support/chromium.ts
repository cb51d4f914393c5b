/**
 * Debian's Chromium, headless, driven by playwright-core: the one launch every browser test uses.
 * Fails (never skips) when chromium is missing; `.ci/run` installs it.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { within } from './within.ts';

/** Where Debian puts it. */
export const CHROMIUM = '/usr/bin/chromium';

/** Launches headless Chromium within 10 s; throws with the install command when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium" (.ci/run does this)`);
  }
  return within(
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    }),
    'chromium to launch',
    10_000,
  );
}

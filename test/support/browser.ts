import { mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { isExecutable } from '../../local/anvil-binary';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * Debian's Chromium, headless, with everything that would reach the network on its own turned off: the
 * browser tests run offline and must see only the requests the page makes. The machine's Chromium, not a
 * Playwright download: CI installs the `chromium` package (`.ci/run`) and nothing fetches browsers.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const REPO_ROOT = resolve(__dirname, '..', '..');

/** `STRONGROOM_CHROMIUM` when set, else Debian's `/usr/bin/chromium`, else `chromium` on PATH. */
function chromiumPath(): string {
  const configured = process.env.STRONGROOM_CHROMIUM;
  if (configured !== undefined && configured !== '') {
    if (isExecutable(configured)) return configured;
    throw new Error(`STRONGROOM_CHROMIUM is ${configured}, which is not an executable file`);
  }
  const onPath = (process.env.PATH ?? '').split(delimiter).map((directory) => join(directory, 'chromium'));
  const found = [DEBIAN_CHROMIUM, ...onPath].find(isExecutable);
  if (found !== undefined) return found;
  // In CI the browser tests must run, so a missing browser fails them rather than skipping them.
  throw new Error(
    `No Chromium at ${DEBIAN_CHROMIUM} or on PATH. The browser tests drive Debian's Chromium: install it with ` +
      '`apt-get install -y --no-install-recommends chromium` (as root; `.ci/run` does this when it is missing), ' +
      'or set STRONGROOM_CHROMIUM to a Chromium binary. Do not run `npx playwright install`.',
  );
}

/** A headless Chromium driven by playwright-core; the caller closes it. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

/**
 * Where browser tests save screenshots: `test-output/screenshots/` at the repository root (git-ignored),
 * created when missing.
 */
export function screenshotDir(): string {
  const directory = join(REPO_ROOT, 'test-output', 'screenshots');
  mkdirSync(directory, { recursive: true });
  return directory;
}

/** An approver's phone: a 390×844 CSS-pixel viewport at twice the density, touch, and a mobile user agent. */
export async function phoneContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) ' +
      `Chrome/${browser.version()} Mobile Safari/537.36`,
    ...options,
  });
}

/**
 * A new context whose page has a platform authenticator with user verification: Chromium's virtual
 * authenticator, added through the DevTools WebAuthn domain (it stands in for a phone or a laptop's
 * passkey store; presence and verification are simulated). Close the context when done.
 */
export async function pageWithVirtualAuthenticator(
  browser: Browser,
): Promise<{ readonly context: BrowserContext; readonly page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page };
}

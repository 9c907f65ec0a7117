/**
 * The one place browser tests get their Chromium from, so they run on a fresh machine with
 * nothing installed but `npm install`:
 *
 * | order | where                                                        | when                         |
 * |-------|--------------------------------------------------------------|------------------------------|
 * | 1     | `RXSYNC_CHROMIUM` (a path to chromium or chrome)              | set: used, or a clear error  |
 * | 2     | a system browser: Debian's chromium, Google Chrome (Linux, macOS) | the first that exists   |
 * | 3     | `@sparticuz/chromium`: a Chromium inside the npm package (Linux) | nothing else was found    |
 *
 * The bundled Chromium is unpacked from the package to the temp dir on first use (no download).
 * Every browser test launches through {@link launchBrowserContext}; none skips when no browser is
 * found: it fails and says what to set.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';

export interface FoundBrowser {
  readonly executablePath: string;
  readonly args: readonly string[];
  /** Where it came from, for failure messages. */
  readonly source: 'RXSYNC_CHROMIUM' | 'system' | '@sparticuz/chromium';
}

/** Flags for a quiet, headless, throwaway browser. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SYSTEM_BROWSERS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export interface FindBrowserOptions {
  /** Defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Look for system browsers (default true); false goes straight to the bundled one. */
  readonly system?: boolean;
  readonly platform?: NodeJS.Platform;
}

/** Finds a Chromium to drive, in the order of the table above. */
export async function findBrowser(options: FindBrowserOptions = {}): Promise<FoundBrowser> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const named = env['RXSYNC_CHROMIUM'];
  if (named) {
    if (!existsSync(named)) throw new Error(`RXSYNC_CHROMIUM names ${named}, which does not exist`);
    return { executablePath: named, args: CHROMIUM_ARGS, source: 'RXSYNC_CHROMIUM' };
  }
  if (options.system !== false) {
    const found = SYSTEM_BROWSERS.find((path) => existsSync(path));
    if (found) return { executablePath: found, args: CHROMIUM_ARGS, source: 'system' };
  }
  if (platform === 'linux') {
    // Imported only here: unpacking it costs a few seconds the first time.
    const bundled = (await import('@sparticuz/chromium')).default;
    // Its own flags (single process, software GL, headless shell) are what that build needs.
    return { executablePath: await bundled.executablePath(), args: bundled.args, source: '@sparticuz/chromium' };
  }
  throw new Error(
    `no Chromium found (looked at RXSYNC_CHROMIUM, ${SYSTEM_BROWSERS.join(', ')}; the npm-bundled Chromium is Linux-only): ` +
      'install Chrome or set RXSYNC_CHROMIUM to a Chromium or Chrome executable',
  );
}

/** A headless browser with its own profile in `userDataDir` (IndexedDB starts empty there). */
export async function launchBrowserContext(userDataDir: string): Promise<BrowserContext> {
  const browser = await findBrowser();
  try {
    return await chromium.launchPersistentContext(userDataDir, {
      executablePath: browser.executablePath,
      headless: true,
      args: [...browser.args],
      timeout: 30_000,
    });
  } catch (error) {
    throw new Error(`could not launch ${browser.executablePath} (from ${browser.source}): ${String(error)}`, { cause: error });
  }
}

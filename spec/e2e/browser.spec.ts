/**
 * Browser discovery (./browser.ts): an env var wins, then a system browser, then the Chromium
 * inside the `@sparticuz/chromium` npm package, which is what a fresh Linux machine (CI without
 * apt-get) gets. The last case is driven for real here, whatever this machine has installed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { findBrowser, SYSTEM_BROWSERS } from './browser';

describe('findBrowser', () => {
  it('uses RXSYNC_CHROMIUM when it is set, before any system browser', async () => {
    await expect(findBrowser({ env: { RXSYNC_CHROMIUM: process.execPath } })).resolves.toMatchObject({
      executablePath: process.execPath,
      source: 'RXSYNC_CHROMIUM',
    });
  });

  it('fails with the path when RXSYNC_CHROMIUM names a missing file (never falls back silently)', async () => {
    await expect(findBrowser({ env: { RXSYNC_CHROMIUM: '/nonexistent/chrome' } })).rejects.toThrow(
      'RXSYNC_CHROMIUM names /nonexistent/chrome, which does not exist',
    );
  });

  it('says what to set where no browser is found and none can be bundled (macOS without Chrome)', async () => {
    await expect(findBrowser({ env: {}, system: false, platform: 'darwin' })).rejects.toThrow(/set RXSYNC_CHROMIUM/);
    expect(SYSTEM_BROWSERS).toContain('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome');
  });

  it('brings a Chromium through npm that launches headless and opens IndexedDB (Linux)', async () => {
    if (process.platform !== 'linux') {
      // The npm-bundled Chromium is a Linux build: elsewhere the helper must say so.
      await expect(findBrowser({ env: {}, system: false })).rejects.toThrow(/Linux-only/);
      return;
    }
    const found = await findBrowser({ env: {}, system: false });
    expect(found.source).toBe('@sparticuz/chromium');

    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><link rel="icon" href="data:,"><p>ok</p>');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const browser = await chromium.launch({ executablePath: found.executablePath, headless: true, args: [...found.args], timeout: 30_000 });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const stored = await page.evaluate(
        () =>
          new Promise<string>((resolve, reject) => {
            const open = indexedDB.open('probe', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('kv');
            open.onerror = () => reject(new Error(String(open.error)));
            open.onsuccess = () => {
              const tx = open.result.transaction('kv', 'readwrite');
              tx.objectStore('kv').put('persisted', 'k');
              tx.oncomplete = () => {
                const read = open.result.transaction('kv').objectStore('kv').get('k');
                read.onsuccess = () => resolve(String(read.result));
              };
            };
          }),
      );
      expect(stored).toBe('persisted');
    } finally {
      await browser.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  }, 90_000);
});

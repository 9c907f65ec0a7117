/**
 * Browser end-to-end: lib/ bundled for the browser (as an app's bundler would) in headless Chromium, with the
 * persistent cache on real IndexedDB (localforage). The first load fetches /api/items and persists
 * it; after a reload (new client, empty memory tier) the answer comes from IndexedDB and the
 * server sees no new API request.
 *
 * The browser comes from ./browser.ts (RXSYNC_CHROMIUM, a system Chromium or Chrome, else the one
 * inside the `@sparticuz/chromium` package); without one this test fails, never skips.
 */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowserContext } from './browser';

const ROOT = resolve(__dirname, '../..');
// Built fresh from lib/ for every run, so the browser never tests a stale bundle.
const BUNDLE = join(ROOT, 'node_modules/.cache/rxsync-e2e/rxsync.js');
const PAGE = join(__dirname, 'fixtures/index.html');

const ITEMS = [
  { id: 1, title: 'first' },
  { id: 2, title: 'second' },
];
const ITEMS_JSON = JSON.stringify(ITEMS);
const ITEMS_ETAG = '"items-v1"';

interface PageOutcome {
  readonly result?: {
    readonly body: unknown;
    readonly status: number;
    readonly fromCache: boolean;
    readonly stale: boolean;
    readonly events: ReadonlyArray<{ readonly type: string; readonly tier?: string; readonly url?: string; readonly stale?: boolean }>;
  };
  readonly error?: string;
}

describe('browser: persistent HTTP cache on IndexedDB (built bundle in headless Chromium)', () => {
  let server: Server;
  let baseUrl: string;
  const sockets = new Set<Socket>();
  const apiRequests: Array<{ url: string; ifNoneMatch: string | undefined }> = [];
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await build({
      entryPoints: [join(ROOT, 'lib/index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: BUNDLE,
      logLevel: 'warning',
    });
    const bundle = readFileSync(BUNDLE);
    const html = readFileSync(PAGE);

    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/' || path === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(html);
      } else if (path === '/rxsync.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
        res.end(bundle);
      } else if (path === '/api/items' && req.method === 'GET') {
        const ifNoneMatch = req.headers['if-none-match'];
        apiRequests.push({ url: req.url ?? '', ifNoneMatch });
        const headers = { etag: ITEMS_ETAG, 'cache-control': 'max-age=300' };
        if (ifNoneMatch === ITEMS_ETAG) {
          res.writeHead(304, headers);
          res.end();
        } else {
          res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8' });
          res.end(ITEMS_JSON);
        }
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    // A fresh profile: IndexedDB starts empty, and nothing is left behind.
    userDataDir = mkdtempSync(join(tmpdir(), 'rxsync-e2e-'));
    context = await launchBrowserContext(userDataDir);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(String(error.stack ?? error)));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    if (server) {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    }
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  /** Waits for the page's run to finish and returns its outcome. */
  async function outcome(): Promise<NonNullable<PageOutcome['result']>> {
    const handle = await page.waitForFunction(() => (window as unknown as { __e2e?: PageOutcome }).__e2e, undefined, { timeout: 10_000 });
    const out = (await handle.jsonValue()) as PageOutcome;
    if (out.error !== undefined) throw new Error(`the page failed: ${out.error}`);
    return out.result!;
  }

  it('first load fetches and persists; after a reload the answer comes from IndexedDB with no API request', async () => {
    await page.goto(`${baseUrl}/`);
    const first = await outcome();
    expect(first.status).toBe(200);
    expect(first.body).toEqual(ITEMS);
    expect(first.fromCache).toBe(false);
    expect(first.events.map((e) => e.type)).toContain('cache-miss');
    expect(first.events.filter((e) => e.type === 'cache-error')).toEqual([]);
    expect(apiRequests).toHaveLength(1);

    // A new document: new client, empty memory tier; only IndexedDB can answer.
    await page.reload();
    const second = await outcome();
    expect(second.body).toEqual(ITEMS);
    expect(second.fromCache).toBe(true);
    expect(second.stale).toBe(false);
    expect(second.events).toContainEqual(expect.objectContaining({ type: 'cache-hit', tier: 'persistent', stale: false, url: `${baseUrl}/api/items` }));
    expect(second.events.filter((e) => e.type === 'cache-error' || e.type === 'cache-miss')).toEqual([]);
    expect(apiRequests).toHaveLength(1);

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 20_000);
});

/**
 * The Angular demo app (demo/web/, built AOT by scripts/build-demo-web.mjs) in headless Chromium,
 * against the embedded demo backend:
 * - the first load fetches the list; a reload is answered from IndexedDB with 0 API requests;
 * - an expired access token → one refresh, no error on screen;
 * - only the edited row's render counter moves.
 * Screenshots go to spec/e2e/artifacts/ (git-ignored); the test checks they exist and are not empty.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startWebDemo, type WebDemo } from '../../demo/web/web-server';
import { launchBrowserContext } from './browser';

const ROOT = resolve(__dirname, '../..');
const ARTIFACTS = join(__dirname, 'artifacts');
const APP_DIR = join(ROOT, 'node_modules/.cache/rxsync-demo-web/e2e-app');

describe('the Angular demo app in headless Chromium', () => {
  let demo: WebDemo;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];
  const started = Date.now();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The build is ESM (the Angular compiler is ESM only); jest runs CommonJS, so it runs as its own process.
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-demo-web.mjs'), APP_DIR], { stdio: 'pipe' });
    demo = await startWebDemo({ appDir: APP_DIR });
    userDataDir = mkdtempSync(join(tmpdir(), 'rxsync-angular-e2e-'));
    context = await launchBrowserContext(userDataDir);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(String(error.stack ?? error)));
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await demo?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    process.stdout.write(`angular demo e2e: ${((Date.now() - started) / 1000).toFixed(1)} s including the build\n`);
  });

  const apiCalls = (path: string): number => demo.apiRequests.filter((r) => r.path === path).length;
  const text = (testId: string): Promise<string> => page.getByTestId(testId).innerText();
  async function screenshot(name: string): Promise<string> {
    const path = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  }

  it('first load fetches the list; a reload is answered from IndexedDB with 0 API requests', async () => {
    await page.goto(demo.url);
    await page.getByTestId('load-state').filter({ hasText: 'from network' }).waitFor({ timeout: 15_000 });
    await page.getByTestId('title-1').filter({ hasNotText: '…' }).waitFor();
    expect(apiCalls('/items')).toBe(1);
    expect(apiCalls('/auth/login')).toBe(1);
    const first = await screenshot('01-first-load');

    const before = demo.apiRequests.length;
    await page.reload();
    await page.getByTestId('load-state').filter({ hasText: 'from cache' }).waitFor({ timeout: 15_000 });
    expect(await text('title-1')).not.toBe('…');
    expect(demo.apiRequests.length - before).toBe(0); // no login, no list: tokens and list came from IndexedDB
    const second = await screenshot('02-reload-from-indexeddb');
    for (const file of [first, second]) expect(statSync(file).size).toBeGreaterThan(10_000);
  }, 40_000);

  it('an expired token costs one refresh and shows no error', async () => {
    const refreshesBefore = demo.backend.stats.refreshCalls;
    await page.getByTestId('expire-token').click();
    await page
      .getByTestId('load-state')
      .filter({ hasText: /revalidated|from network/ })
      .waitFor({ timeout: 15_000 });
    expect(demo.backend.stats.refreshCalls - refreshesBefore).toBe(1);
    expect(await page.getByTestId('error').count()).toBe(0);
    await page.getByTestId('timeline').filter({ hasText: 'token refreshed' }).waitFor();
    expect(statSync(await screenshot('03-token-refreshed')).size).toBeGreaterThan(10_000);
  }, 30_000);

  it('an edit re-renders only its own row', async () => {
    await page.getByTestId('row-2').click();
    const renders = async (): Promise<number[]> => Promise.all([1, 2, 3].map(async (id) => Number((await text(`renders-${id}`)).replace(/\D/g, ''))));
    const before = await renders();
    await page.getByTestId('title-input').fill('Banana, edited in the browser');
    await page.getByTestId('save').click();
    await page.getByTestId('title-2').filter({ hasText: 'Banana, edited in the browser' }).waitFor();
    await page
      .getByTestId('save-status')
      .filter({ hasText: /^saved$/ })
      .waitFor({ timeout: 10_000 });
    const after = await renders();
    expect(after[0]).toBe(before[0]);
    expect(after[2]).toBe(before[2]);
    expect(after[1]).toBeGreaterThan(before[1]);
    expect(apiCalls('/items/2')).toBe(1);
    expect(statSync(await screenshot('04-edit-one-row')).size).toBeGreaterThan(10_000);
  }, 30_000);

  it('offline: an edit shows at once, waits in the outbox, and is replayed once when back online; only its row re-renders', async () => {
    const renders = async (): Promise<number[]> => Promise.all([1, 2, 3].map(async (id) => Number((await text(`renders-${id}`)).replace(/\D/g, ''))));
    await page.getByTestId('row-3').click();
    await context.setOffline(true);
    await page.getByTestId('online').filter({ hasText: 'offline' }).waitFor({ timeout: 10_000 });
    const before = await renders();
    const patchesBefore = demo.apiRequests.filter((r) => r.method === 'PATCH').length;

    await page.getByTestId('title-input').fill('Cherry, edited offline');
    await page.getByTestId('save').click();
    await page.getByTestId('title-3').filter({ hasText: 'Cherry, edited offline' }).waitFor({ timeout: 2_000 }); // at once
    await page.getByTestId('outbox').filter({ hasText: 'outbox: 1' }).waitFor({ timeout: 5_000 });
    expect(demo.apiRequests.filter((r) => r.method === 'PATCH').length).toBe(patchesBefore);
    const offlineShot = await screenshot('05-offline-edit-queued');

    await context.setOffline(false);
    await page.getByTestId('outbox').filter({ hasText: 'outbox: 0' }).waitFor({ timeout: 15_000 });
    await page
      .getByTestId('save-status')
      .filter({ hasText: /^saved$/ })
      .waitFor({ timeout: 10_000 });
    expect(demo.apiRequests.filter((r) => r.method === 'PATCH' && r.path === '/items/3')).toHaveLength(1); // replayed once
    expect(demo.backend.stats.requestsByRoute['PATCH /items/:id']).toBe(2); // this one and the online edit before
    const after = await renders();
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    expect(after[2]).toBeGreaterThan(before[2]);
    const onlineShot = await screenshot('06-replayed-online');
    for (const file of [offlineShot, onlineShot]) expect(statSync(file).size).toBeGreaterThan(10_000);
  }, 40_000);

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});

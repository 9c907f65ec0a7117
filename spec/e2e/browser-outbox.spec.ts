/**
 * Browser end-to-end: the offline outbox of lib/ bundled for the browser, in headless Chromium,
 * on its defaults: entries in real IndexedDB (localforage), one drainer across tabs by Web Locks,
 * tabs told of changes and final answers by BroadcastChannel. The pages are offline by a manual
 * hint (fixtures/outbox.html) until the test says otherwise.
 *
 * - Two tabs of one origin queue mutations offline, then both go online: the loopback server sees
 *   every Idempotency-Key exactly once, each tab's entries in the order it queued them, never two
 *   at once, and each tab hears the final answer of its own mutations.
 * - A tab queues mutations offline and is reloaded before anything is sent: the new document's
 *   client finds them in IndexedDB and sends each exactly once, with the key it had before.
 *
 * The browser comes from ./browser.ts (see there); without one this test fails, never skips.
 */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowserContext } from './browser';

const ROOT = resolve(__dirname, '../..');
// Built fresh from lib/ for every run; its own file, so it never races browser-cache.spec.ts's build.
const BUNDLE = join(ROOT, 'node_modules/.cache/rxsync-e2e/rxsync-outbox.js');
const PAGE = join(__dirname, 'fixtures/outbox.html');
/** How long the server takes to answer a mutation: long enough that overlapping sends would overlap here. */
const APPLY_DELAY_MS = 20;
const WAIT = { timeout: 10_000 } as const;

/** The body the page posts. */
interface Note {
  readonly tag: string;
  readonly n: number;
}

/** One POST /api/notes as the server saw it. */
interface Received {
  readonly key: string | undefined;
  readonly note: Note;
  readonly status: number;
}

/** What fixtures/outbox.html puts on `window`. */
interface OutboxHarness {
  enqueue(tag: string, count: number): void;
  online(): void;
  events(): ReadonlyArray<{ readonly type: string; readonly id?: string; readonly idempotencyKey?: string }>;
  entries(): ReadonlyArray<{ readonly id: string; readonly idempotencyKey: string; readonly seq: number; readonly status: string; readonly body: Note }>;
  results(): ReadonlyArray<{
    readonly tag: string;
    readonly n: number;
    readonly body?: { readonly key: string; readonly tag: string; readonly n: number };
    readonly error?: string;
  }>;
}
type HarnessWindow = Window & { __outbox?: OutboxHarness };

/** A queued entry as the page reported it. */
interface Queued {
  readonly id: string;
  readonly key: string;
  readonly note: Note;
}

describe('browser: offline outbox on IndexedDB across tabs and a reload (built bundle in headless Chromium)', () => {
  let server: Server;
  let baseUrl: string;
  const sockets = new Set<Socket>();
  let userDataDir: string | undefined;
  let context: BrowserContext | undefined;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  // The server's side: every request, what was applied (once per key), and how many were in flight.
  const received: Received[] = [];
  const applied = new Map<string, Note>();
  const inFlightByKey = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let maxInFlightOneKey = 0;
  const otherRequests: string[] = [];

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
      } else if (path === '/api/notes' && req.method === 'POST') {
        void applyNote(req).then(
          ({ status, body }) => {
            res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
            res.end(JSON.stringify(body));
          },
          (error: unknown) => {
            otherRequests.push(`POST /api/notes failed: ${String(error)}`);
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end('server error');
          },
        );
      } else {
        otherRequests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
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
    userDataDir = mkdtempSync(join(tmpdir(), 'rxsync-e2e-outbox-'));
    context = await launchBrowserContext(userDataDir);
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

  /** An idempotent create: a key seen before gets the first answer again and changes nothing. */
  async function applyNote(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const note = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Note;
    const header = req.headers['idempotency-key'];
    const key = typeof header === 'string' ? header : undefined;
    if (key === undefined) {
      received.push({ key, note, status: 400 });
      return { status: 400, body: { error: 'Idempotency-Key required' } };
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const mine = (inFlightByKey.get(key) ?? 0) + 1;
    inFlightByKey.set(key, mine);
    maxInFlightOneKey = Math.max(maxInFlightOneKey, mine);
    try {
      await new Promise((done) => setTimeout(done, APPLY_DELAY_MS));
      const first = applied.get(key);
      if (first === undefined) applied.set(key, note);
      const status = first === undefined ? 201 : 200;
      received.push({ key, note, status });
      return { status, body: { key, ...(first ?? note) } };
    } finally {
      inFlight--;
      inFlightByKey.set(key, (inFlightByKey.get(key) ?? 1) - 1);
    }
  }

  const listening = new WeakSet<Page>();
  /** Loads the fixture in `page` (listening for errors once per page) and waits for its harness. */
  async function open(page: Page): Promise<Page> {
    if (!listening.has(page)) {
      listening.add(page);
      page.on('pageerror', (error) => pageErrors.push(String(error.stack ?? error)));
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
    }
    await page.goto(`${baseUrl}/`);
    await ready(page);
    return page;
  }
  const ready = async (page: Page): Promise<void> => {
    await page.waitForFunction(() => (window as HarnessWindow).__outbox !== undefined, undefined, WAIT);
  };

  /** Waits until `page` has persisted `count` entries (`outbox-queued` comes after the write). */
  async function queuedIn(page: Page, count: number): Promise<void> {
    await page.waitForFunction((n) => (window as HarnessWindow).__outbox!.events().filter((e) => e.type === 'outbox-queued').length >= n, count, WAIT);
  }

  /** The entries `page` itself queued, in the order it queued them (by the body's `n`). */
  async function queuedBy(page: Page, tag: string): Promise<Queued[]> {
    const { events, entries } = await page.evaluate(() => ({
      events: (window as HarnessWindow).__outbox!.events(),
      entries: (window as HarnessWindow).__outbox!.entries(),
    }));
    const byId = new Map(entries.map((e) => [e.id, e]));
    return events
      .filter((e) => e.type === 'outbox-queued')
      .map((e) => {
        const entry = byId.get(e.id!);
        if (entry === undefined) throw new Error(`entry ${e.id} queued but not in entries$`);
        expect(entry.idempotencyKey).toBe(e.idempotencyKey);
        return { id: entry.id, key: entry.idempotencyKey, note: entry.body };
      })
      .filter((q) => q.note.tag === tag)
      .sort((a, b) => a.note.n - b.note.n);
  }

  const keysOf = (list: readonly Queued[]): string[] => list.map((q) => q.key);
  /** The `n`s of `tag`'s notes in the order the server received them. */
  const serverOrder = (tag: string): number[] => received.filter((r) => r.note.tag === tag).map((r) => r.note.n);
  const requestsPerKey = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const r of received) if (r.key !== undefined) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
    return counts;
  };

  it('two tabs queue offline, then both go online: every Idempotency-Key reaches the server exactly once, in each tab’s order, one at a time', async () => {
    const N = 5;
    const tabA = await open(await context!.newPage());
    const tabB = await open(await context!.newPage());

    await Promise.all([
      tabA.evaluate((n) => (window as HarnessWindow).__outbox!.enqueue('A', n), N),
      tabB.evaluate((n) => (window as HarnessWindow).__outbox!.enqueue('B', n), N),
    ]);
    await Promise.all([queuedIn(tabA, N), queuedIn(tabB, N)]);
    const fromA = await queuedBy(tabA, 'A');
    const fromB = await queuedBy(tabB, 'B');
    expect(fromA.map((q) => q.note.n)).toEqual([0, 1, 2, 3, 4]);
    expect(fromB.map((q) => q.note.n)).toEqual([0, 1, 2, 3, 4]);
    const allKeys = [...keysOf(fromA), ...keysOf(fromB)];
    expect(new Set(allKeys).size).toBe(2 * N);
    expect(received).toEqual([]); // offline: nothing went out

    await Promise.all([tabA.evaluate(() => (window as HarnessWindow).__outbox!.online()), tabB.evaluate(() => (window as HarnessWindow).__outbox!.online())]);

    // Each tab hears the final answer of its own mutations (the drainer's over BroadcastChannel).
    const settledIn = (page: Page) => page.waitForFunction((n) => (window as HarnessWindow).__outbox!.results().length >= n, N, WAIT);
    await Promise.all([settledIn(tabA), settledIn(tabB)]);
    for (const [page, own] of [
      [tabA, fromA],
      [tabB, fromB],
    ] as const) {
      const results = await page.evaluate(() => (window as HarnessWindow).__outbox!.results());
      expect(results.filter((r) => r.error !== undefined)).toEqual([]);
      expect([...results].sort((a, b) => a.n - b.n).map((r) => r.body)).toEqual(own.map((q) => ({ key: q.key, ...q.note })));
    }

    // The server: each key once, applied once, answered 2xx; each tab's order kept; never two at once.
    const counts = requestsPerKey();
    expect(new Set(counts.keys())).toEqual(new Set(allKeys));
    for (const key of allKeys) expect({ key, requests: counts.get(key) }).toEqual({ key, requests: 1 });
    expect(received.every((r) => r.status >= 200 && r.status < 300)).toBe(true);
    expect(applied.size).toBe(2 * N);
    expect(received).toHaveLength(2 * N);
    expect(serverOrder('A')).toEqual([0, 1, 2, 3, 4]);
    expect(serverOrder('B')).toEqual([0, 1, 2, 3, 4]);
    expect(received.filter((r) => r.note.tag === 'A').map((r) => r.key)).toEqual(keysOf(fromA));
    expect(received.filter((r) => r.note.tag === 'B').map((r) => r.key)).toEqual(keysOf(fromB));
    expect(maxInFlightOneKey).toBe(1);
    expect(maxInFlight).toBe(1); // one scope (the origin), one drainer: one request at a time
    expect(otherRequests).toEqual([]);
    // The clients agree: one send per entry in all (the drainer's), none lost to a double claim.
    const sends = await Promise.all(
      [tabA, tabB].map((page) =>
        page.evaluate(() =>
          (window as HarnessWindow)
            .__outbox!.events()
            .filter((e) => e.type === 'outbox-sending')
            .map((e) => e.idempotencyKey),
        ),
      ),
    );
    expect(sends.flat().sort()).toEqual([...allKeys].sort());

    // Both outboxes are empty; closing the tabs releases the lock and channel for the next test.
    for (const page of [tabA, tabB]) {
      await page.waitForFunction(() => (window as HarnessWindow).__outbox!.entries().length === 0, undefined, WAIT);
    }
    await tabA.close();
    await tabB.close();

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 20_000);

  it('entries queued offline survive a reload: the new document sends each exactly once, with the key it had before', async () => {
    const N = 4;
    const before = received.length;
    const page = await open(context!.pages()[0] ?? (await context!.newPage()));

    await page.evaluate((n) => (window as HarnessWindow).__outbox!.enqueue('R', n), N);
    await queuedIn(page, N);
    const queued = await queuedBy(page, 'R');
    expect(queued.map((q) => q.note.n)).toEqual([0, 1, 2, 3]);
    expect(received.slice(before)).toEqual([]); // offline: nothing went out

    // A new document: a new client, on the same IndexedDB, still offline.
    await page.reload();
    await ready(page);
    await page.waitForFunction((n) => (window as HarnessWindow).__outbox!.entries().length >= n, N, WAIT);
    const found = await page.evaluate(() => (window as HarnessWindow).__outbox!.entries());
    expect(found.map((e) => ({ id: e.id, key: e.idempotencyKey, note: e.body }))).toEqual(queued);
    expect(found.every((e) => e.status === 'queued')).toBe(true);
    expect(received.slice(before)).toEqual([]);

    await page.evaluate(() => (window as HarnessWindow).__outbox!.online());
    await page.waitForFunction((n) => (window as HarnessWindow).__outbox!.events().filter((e) => e.type === 'outbox-done').length >= n, N, WAIT);
    await page.waitForFunction(() => (window as HarnessWindow).__outbox!.entries().length === 0, undefined, WAIT);

    const after = received.slice(before);
    expect(after.map((r) => r.key)).toEqual(keysOf(queued)); // same keys, once each, in queue order
    expect(after.map((r) => r.note.n)).toEqual([0, 1, 2, 3]);
    expect(after.every((r) => r.status === 201)).toBe(true);
    const counts = requestsPerKey();
    for (const key of keysOf(queued)) expect({ key, requests: counts.get(key) }).toEqual({ key, requests: 1 });
    const done = await page.evaluate(() => (window as HarnessWindow).__outbox!.events().filter((e) => e.type === 'outbox-done'));
    expect(done.map((e) => e.idempotencyKey).sort()).toEqual(keysOf(queued).sort());
    expect(maxInFlightOneKey).toBe(1);
    expect(otherRequests).toEqual([]);

    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 20_000);
});

import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, of, toArray, type Observable } from 'rxjs';
import { createApiClient, type ApiClient } from '../../lib/client';
import { OutboxError } from '../../lib/core/errors';
import type { ClientEvent } from '../../lib/core/events';
import type { ApiRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { manualConnectivity, type ManualConnectivity } from '../../lib/offline/connectivity-source';
import type { OutboxStorage } from '../../lib/offline/outbox-storage';
import { SqliteStorageError, sqliteOutboxStorage, type SqliteConnectionLike } from '../../lib/offline/sqlite.outbox-storage';
import { createTestScheduler } from '../helpers/marbles';
import { capacitorLikeConnection } from '../helpers/sqlite-connection';

/** The requests a server saw, with the key each carried; answers 201 with the body echoed. */
function countingServer(): { handler: (req: ApiRequest) => Observable<ApiResponse>; seen: Array<{ url: string; key: string | undefined; body: unknown }> } {
  const seen: Array<{ url: string; key: string | undefined; body: unknown }> = [];
  return {
    seen,
    handler: (req) => {
      seen.push({ url: req.url, key: req.headers['idempotency-key'], body: req.body });
      return of({ status: 201, headers: {}, body: req.body, url: req.url, fromCache: false, stale: false });
    },
  };
}

describe('sqliteOutboxStorage', () => {
  let dir: string;
  let file: string;
  const open: Database.Database[] = [];
  const clients: ApiClient[] = [];
  let network: ManualConnectivity;

  const database = (): Database.Database => {
    const db = new Database(file);
    open.push(db);
    return db;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxsync-sqlite-'));
    file = join(dir, 'app.db');
    network = manualConnectivity(false);
  });
  afterEach(() => {
    clients.splice(0).forEach((c) => c.close());
    open.splice(0).forEach((db) => db.close());
    rmSync(dir, { recursive: true, force: true });
  });

  function client(storage: OutboxStorage, server: ReturnType<typeof countingServer>, extra: { storageTimeoutMs?: number } = {}): ApiClient {
    const c = createApiClient({
      baseUrl: 'https://api.test',
      transport: server.handler,
      cache: false,
      retry: false,
      offline: { sources: [network.source], outbox: { storage, drainLock: 'none', ...extra } },
    });
    clients.push(c);
    return c;
  }

  it('round trip: set, get, keys, remove; JSON values come back equal; a missing key is undefined', async () => {
    const storage = sqliteOutboxStorage(capacitorLikeConnection(database()));
    const value = { id: 'a', nested: { list: [1, 'two', null, true] }, text: 'é ✓' };
    await lastValueFrom(storage.set('entry:a', value), { defaultValue: undefined });
    await lastValueFrom(storage.set('entry:b', { id: 'b' }), { defaultValue: undefined });
    expect(await firstValueFrom(storage.get('entry:a'))).toEqual(value);
    expect(await firstValueFrom(storage.keys())).toEqual(['entry:a', 'entry:b']);
    await lastValueFrom(storage.set('entry:a', { id: 'a', v: 2 }), { defaultValue: undefined }); // overwrite, one row
    expect(await firstValueFrom(storage.get('entry:a'))).toEqual({ id: 'a', v: 2 });
    await lastValueFrom(storage.remove('entry:a'), { defaultValue: undefined });
    expect(await firstValueFrom(storage.get('entry:a'))).toBeUndefined();
    expect(await firstValueFrom(storage.keys())).toEqual(['entry:b']);
  });

  it('is cold: nothing reaches the database before subscription', () => {
    const connection = capacitorLikeConnection(database());
    const storage = sqliteOutboxStorage(connection);
    void storage.set('entry:a', {});
    expect(connection.calls).toEqual([]);
  });

  it('skips the ios_columns header row some iOS builds of the plugin put first', async () => {
    const storage = sqliteOutboxStorage(capacitorLikeConnection(database(), { iosColumns: true }));
    await lastValueFrom(storage.set('entry:a', { id: 'a' }), { defaultValue: undefined });
    expect(await firstValueFrom(storage.keys())).toEqual(['entry:a']);
    expect(await firstValueFrom(storage.get('entry:a'))).toEqual({ id: 'a' });
    expect(await firstValueFrom(storage.get('entry:none'))).toBeUndefined();
  });

  it('treats an answer of changes: -1 (how older plugin versions fail) as a failed write', async () => {
    const real = capacitorLikeConnection(database());
    const failing: SqliteConnectionLike = { ...real, run: async () => ({ changes: { changes: -1 }, message: 'run failed' }) };
    await expect(lastValueFrom(sqliteOutboxStorage(failing).set('entry:a', {}))).rejects.toMatchObject({ name: 'SqliteStorageError', quota: false });
  });

  it('refuses a table name that is not a plain identifier', () => {
    expect(() => sqliteOutboxStorage(capacitorLikeConnection(database()), { table: 'x; DROP TABLE y' })).toThrow(RangeError);
  });

  it('keeps entries in enqueue order through the client, and replays them in that order', async () => {
    const server = countingServer();
    const c = client(sqliteOutboxStorage(capacitorLikeConnection(database())), server);
    for (const title of ['a', 'b', 'c', 'd']) await firstValueFrom(c.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title } }));
    expect(server.seen).toEqual([]); // offline: nothing sent
    network.set(true);
    await firstValueFrom(c.outbox.whenIdle());
    expect(server.seen.map((s) => (s.body as { title: string }).title)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('restart: a new storage on the same database file finds the pending entries; each is sent once with its key', async () => {
    const first = client(sqliteOutboxStorage(capacitorLikeConnection(database())), countingServer());
    const keys: string[] = [];
    for (const title of ['a', 'b', 'c'])
      keys.push((await firstValueFrom(first.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title } }))).idempotencyKey);
    first.close();
    open.splice(0).forEach((db) => db.close()); // the app is gone, the file stays

    const server = countingServer();
    const second = client(sqliteOutboxStorage(capacitorLikeConnection(database())), server);
    network.set(true);
    await firstValueFrom(second.outbox.whenIdle());
    expect(server.seen.map((s) => s.key)).toEqual(keys);
    expect(server.seen.map((s) => (s.body as { title: string }).title)).toEqual(['a', 'b', 'c']);
    expect(open[0].prepare('SELECT count(*) AS n FROM rxsync_outbox').get()).toEqual({ n: 0 });
  });

  it('corrupted rows are reported (outbox-corrupt), left in the table and never sent; good entries still go', async () => {
    const db = database();
    const storage = sqliteOutboxStorage(capacitorLikeConnection(db));
    const seeded = client(storage, countingServer());
    await firstValueFrom(seeded.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title: 'good' } }));
    seeded.close();
    db.prepare('INSERT INTO rxsync_outbox (key, value) VALUES (?, ?)').run('entry:torn', '{"id":"torn","method":"PO');
    db.prepare('INSERT INTO rxsync_outbox (key, value) VALUES (?, ?)').run('entry:foreign', JSON.stringify({ id: 'foreign', method: 'GET' }));
    db.prepare('INSERT INTO rxsync_outbox (key, value) VALUES (?, ?)').run('entry:number', 42);

    const server = countingServer();
    const c = client(sqliteOutboxStorage(capacitorLikeConnection(db)), server);
    const seen: ClientEvent[] = [];
    c.events$.subscribe((e) => seen.push(e));
    network.set(true);
    await firstValueFrom(c.outbox.whenIdle());
    expect(server.seen.map((s) => s.body)).toEqual([{ title: 'good' }]);
    const corrupt = seen.filter((e): e is Extract<ClientEvent, { type: 'outbox-corrupt' }> => e.type === 'outbox-corrupt').map((e) => e.key);
    expect(corrupt.sort()).toEqual(['entry:foreign', 'entry:number', 'entry:torn']);
    expect((db.prepare('SELECT key FROM rxsync_outbox ORDER BY key').all() as Array<{ key: string }>).map((r) => r.key)).toEqual([
      'entry:foreign',
      'entry:number',
      'entry:torn',
    ]);
  });

  it('a full database (SQLITE_FULL): OutboxError storage-failed, the mutation NOT queued, the cause says quota', async () => {
    const db = database();
    const storage = sqliteOutboxStorage(capacitorLikeConnection(db));
    const c = client(storage, countingServer());
    await firstValueFrom(c.outbox.enqueue({ method: 'POST', url: 'https://api.test/items', body: { title: 'fits' } }));
    const pages = (db.pragma('page_count', { simple: true }) as number) + 0;
    db.pragma(`max_page_count = ${pages}`); // no page left for anything bigger
    const seen: ClientEvent[] = [];
    c.events$.subscribe((e) => seen.push(e));
    const error: unknown = await firstValueFrom(c.post('/items', { blob: 'x'.repeat(64 * 1024) }, { offline: 'queue' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboxError);
    expect(error).toMatchObject({ reason: 'storage-failed', queued: false });
    expect((error as OutboxError).message).toContain('NOT queued');
    expect((error as OutboxError).cause).toBeInstanceOf(SqliteStorageError);
    expect((error as OutboxError).cause).toMatchObject({ quota: true });
    expect(seen).toContainEqual(expect.objectContaining({ type: 'outbox-storage-error' }));
    expect(await firstValueFrom(storage.keys())).toHaveLength(1); // only the entry that fitted
    expect(await firstValueFrom(c.outbox.pending$)).toBe(1);
  });

  it('a driver that never answers: a bounded wait (storageTimeoutMs), then OutboxError storage-timeout; never a hang', () => {
    const rx = createTestScheduler();
    rx.run(({ flush }) => {
      const silent: SqliteConnectionLike = {
        execute: () => new Promise(() => undefined),
        run: () => new Promise(() => undefined),
        query: () => new Promise(() => undefined),
      };
      const c = createApiClient({
        baseUrl: 'https://api.test',
        transport: countingServer().handler,
        scheduler: rx,
        cache: false,
        retry: false,
        offline: { sources: [network.source], outbox: { storage: sqliteOutboxStorage(silent), drainLock: 'none' } },
      });
      clients.push(c);
      let error: unknown;
      c.post('/items', { title: 'a' }, { offline: 'queue' }).subscribe({ error: (e: unknown) => (error = e) });
      rx.schedule(() => expect(error).toBeUndefined(), 4999);
      flush();
      expect(error).toMatchObject({ name: 'OutboxError', reason: 'storage-timeout', queued: false });
    });
  });

  it('a failed table creation is tried again on the next operation', async () => {
    const real = capacitorLikeConnection(database());
    let refuse = true;
    const flaky: SqliteConnectionLike = { ...real, execute: (sql) => (refuse ? Promise.reject(new Error('database not open')) : real.execute(sql)) };
    const storage = sqliteOutboxStorage(flaky);
    await expect(firstValueFrom(storage.keys())).rejects.toMatchObject({ name: 'SqliteStorageError', operation: 'create table' });
    refuse = false;
    expect(await firstValueFrom(storage.keys().pipe(toArray()))).toEqual([[]]);
  });
});

import 'fake-indexeddb/auto';
import { NEVER, Subject, VirtualTimeScheduler, filter, finalize, firstValueFrom, lastValueFrom, type Observable, type SchedulerLike } from 'rxjs';
import { createApiClient, type ApiClient } from '../../lib/client';
import type { ClientEvent } from '../../lib/core/events';
import { manualConnectivity, type ManualConnectivity } from '../../lib/offline/connectivity-source';
import type { OutboxConfig } from '../../lib/offline/outbox-config';
import { localforageOutboxStorage } from '../../lib/offline/localforage.outbox-storage';
import type { OutboxStorage } from '../../lib/offline/outbox-storage';
import { countingMutations, type CountingMutations, type MutationAction } from '../helpers/counting-server';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server';

/**
 * The outbox across restarts and kills, end to end: localforage on fake-indexeddb (a new storage
 * instance on the same database is what a restarted app opens), real fetch against a loopback
 * server that counts Idempotency-Keys and side effects.
 *
 * A kill is simulated by wrapping the storage: from the kill instant on, nothing the old client
 * does reaches the database (its writes never land), and the client is closed, which aborts its
 * fetch; the server may still have received, or committed, what was on the wire. The killed
 * client runs on a clock that stands still (a never-flushed VirtualTimeScheduler): a dead process
 * runs no timers, so nothing of it wakes up later. The restarted client runs on real time, which
 * only loopback I/O needs here; no test waits for a timer.
 *
 * `drainLock: 'none'` except in the lease test: a restart is one process after another on the
 * same storage, so there is one drainer by construction. The default lock in Node (no Web Locks)
 * is the storage lease; its test shows a killed drainer's lease holding off the next client until
 * it expires.
 */

const TITLES = ['one', 'two', 'three'];

let server: LoopbackServer;
let api: CountingMutations;
let onMutation: (received: { index: number; key: string | undefined }) => MutationAction | void;
let databases = 0;
const clients: ApiClient[] = [];

beforeEach(async () => {
  onMutation = () => undefined;
  api = countingMutations({ honourKeys: true, onMutation: (r) => onMutation(r) });
  server = await startLoopbackServer((req, res, body) => {
    if (!api.handle(req, res, body)) {
      res.writeHead(404);
      res.end();
    }
  });
});

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await server.close();
});

/** A fresh database per test; every client of a test opens its own localforage instance on it. */
function newDatabase(): () => OutboxStorage {
  const name = `outbox-restart-${++databases}`;
  return () => localforageOutboxStorage({ name });
}

function app(storage: OutboxStorage, network: ManualConnectivity, options: { scheduler?: SchedulerLike; outbox?: OutboxConfig } = {}): ApiClient {
  const client = createApiClient({
    baseUrl: server.url,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    offline: { sources: [network.source], outbox: { storage, drainLock: 'none', ...options.outbox } },
  });
  clients.push(client);
  return client;
}

/** Queues the three edits while offline; resolves once all three are persisted (pending$ counts stored entries). */
async function queueEdits(client: ApiClient): Promise<string[]> {
  const keys: string[] = [];
  const seen = collect(client);
  TITLES.forEach((title, i) => client.patch(`/items/${i + 1}`, { title }, { offline: 'queue' }).subscribe({ error: () => undefined }));
  await firstValueFrom(client.outbox.pending$.pipe(filter((n) => n === TITLES.length)));
  for (const e of seen) if (e.type === 'outbox-queued') keys.push(e.idempotencyKey);
  return keys;
}

function collect(client: ApiClient): ClientEvent[] {
  const seen: ClientEvent[] = [];
  client.events$.subscribe((e) => seen.push(e));
  return seen;
}

/** Resolves when the client has loaded its storage and sent everything pending (done or dead). */
function drained(client: ApiClient): Promise<void> {
  return lastValueFrom(client.outbox.whenIdle());
}

async function storedKeys(storage: OutboxStorage): Promise<string[]> {
  return (await lastValueFrom(storage.keys())).filter((k) => k.startsWith('entry:'));
}

/** The old process's storage: every operation from the kill instant on is swallowed (it never answers, nothing lands). */
function killable(inner: OutboxStorage, killBefore?: (op: 'set' | 'remove', key: string) => boolean) {
  let dead = false;
  let onKill: () => void = () => undefined;
  const gate = <T>(op: 'set' | 'remove' | 'read', key: string, run: () => Observable<T>): Observable<T> =>
    dead || (op !== 'read' && killBefore?.(op, key) === true && kill()) ? NEVER : run();
  const kill = (): true => {
    if (!dead) {
      dead = true;
      // After the current call stack, as a killed process stops: the client's in-flight work is cancelled by close().
      queueMicrotask(onKill);
    }
    return true;
  };
  const storage: OutboxStorage = {
    get: (key) => gate('read', key, () => inner.get(key)),
    keys: () => gate('read', '', () => inner.keys()),
    set: (key, value) => gate('set', key, () => inner.set(key, value)),
    remove: (key) => gate('remove', key, () => inner.remove(key)),
  };
  return { storage, kill, whenKilled: (close: () => void) => (onKill = close), isDead: () => dead };
}

const frozenClock = (): SchedulerLike => new VirtualTimeScheduler();

/** Runs the virtual clock's actions due within the next `ms`. */
function advance(clock: VirtualTimeScheduler, ms: number): void {
  const target = clock.frame + ms;
  clock.schedule(() => undefined, ms);
  clock.maxFrames = target;
  clock.flush();
  clock.maxFrames = Number.POSITIVE_INFINITY;
}

/** A storage that reports each finished operation (`'get lease'`, `'set lease'`…), so a test advances virtual time only when I/O is quiet. */
function watched(inner: OutboxStorage) {
  const finished = new Subject<string>();
  const tap = <T>(name: string, run: Observable<T>): Observable<T> => run.pipe(finalize(() => finished.next(name)));
  const storage: OutboxStorage = {
    get: (key) => tap(`get ${key}`, inner.get(key)),
    keys: () => tap('keys', inner.keys()),
    set: (key, value) => tap(`set ${key}`, inner.set(key, value)),
    remove: (key) => tap(`remove ${key}`, inner.remove(key)),
  };
  /** Advances the clock by `ms`, then waits until the operation `name` it starts has finished. */
  const tick = async (clock: VirtualTimeScheduler, ms: number, name: string): Promise<void> => {
    const seen = firstValueFrom(finished.pipe(filter((n) => n === name)));
    advance(clock, ms);
    await seen;
  };
  return { storage, tick };
}

describe('outbox restart (fake-indexeddb, loopback server counting Idempotency-Keys)', () => {
  it('queued offline, app closed, a new client on the same database replays each edit exactly once, in order, on reconnect', async () => {
    const database = newDatabase();
    const network = manualConnectivity(false);
    const first = app(database(), network);
    const keys = await queueEdits(first);
    expect(new Set(keys).size).toBe(3);
    first.close();
    expect(server.requests).toHaveLength(0); // offline: nothing was sent

    const storage = database();
    const second = app(storage, network);
    await firstValueFrom(second.outbox.pending$.pipe(filter((n) => n === 3))); // found in IndexedDB
    expect(server.requests).toHaveLength(0); // still offline: still nothing sent
    network.set(true);
    await drained(second);

    expect(api.applied.map((a) => [a.path, (a.body as { title: string }).title, a.key])).toEqual(TITLES.map((t, i) => [`/items/${i + 1}`, t, keys[i]]));
    expect([...api.requestsPerKey.values()]).toEqual([1, 1, 1]);
    expect(server.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(await storedKeys(storage)).toEqual([]);
  });

  it('a client that is online from the start replays what it finds at startup; whenIdle waits for the load', async () => {
    const database = newDatabase();
    const network = manualConnectivity(false);
    const first = app(database(), network);
    const keys = await queueEdits(first);
    first.close();
    network.set(true);
    const second = app(database(), network);
    await drained(second); // asked before the stored entries were read
    expect(api.applied.map((a) => a.key)).toEqual(keys);
  });

  /** Queues the edits offline on a client whose storage dies at `kill`, reconnects it, waits for the kill, then restarts. */
  async function killDuringReplay(kill: {
    storage?: (op: 'set' | 'remove', index: number) => boolean;
    server?: (index: number) => MutationAction | undefined;
  }) {
    const database = newDatabase();
    const network = manualConnectivity(false);
    let armed = false;
    let writes = 0; // writes of the replay (the enqueue writes before it are not counted)
    const doomed = killable(database(), (op) => armed && kill.storage?.(op, writes++) === true);
    const first = app(doomed.storage, network, { scheduler: frozenClock() });
    const killed = new Promise<void>((resolve) =>
      doomed.whenKilled(() => {
        first.close();
        onMutation = () => undefined;
        resolve();
      }),
    );
    const keys = await queueEdits(first);
    armed = true;
    onMutation = ({ index }) => {
      const action = kill.server?.(index);
      if (action !== undefined) doomed.kill();
      return action;
    };
    network.set(true);
    await killed;
    const requestsBeforeRestart = server.requests.length;

    const storage = database();
    const second = app(storage, network);
    await drained(second);
    return { keys, requestsBeforeRestart, left: await storedKeys(storage) };
  }

  // Replay writes, per entry k: set `sending` (write 2k), then remove after the 2xx (write 2k + 1).
  describe('killed at any instant of the replay: nothing lost, nothing duplicated (server honours Idempotency-Key)', () => {
    it.each([0, 1, 2])('killed before entry %i is marked sending: it goes once, after the restart', async (k) => {
      const { keys, requestsBeforeRestart, left } = await killDuringReplay({ storage: (_op, i) => i === 2 * k });
      expect(requestsBeforeRestart).toBe(k);
      expect(api.applied.map((a) => a.key)).toEqual(keys);
      expect(keys.map((key) => api.requestsPerKey.get(key))).toEqual([1, 1, 1]);
      expect(api.replays()).toBe(0);
      expect(left).toEqual([]);
    });

    it.each([0, 1, 2])('killed after the server answered entry %i, before its removal was stored: re-sent with its key, applied once', async (k) => {
      const { keys, requestsBeforeRestart, left } = await killDuringReplay({ storage: (_op, i) => i === 2 * k + 1 });
      expect(requestsBeforeRestart).toBe(k + 1);
      expect(api.applied.map((a) => a.key)).toEqual(keys);
      expect(keys.map((key, i) => api.requestsPerKey.get(key) === (i === k ? 2 : 1))).toEqual([true, true, true]);
      expect(api.replays()).toBe(1); // the stored answer, not a second side effect
      expect(left).toEqual([]);
    });

    it.each<[number, MutationAction, number]>([
      [0, 'drop-before-apply', 0],
      [1, 'drop-before-apply', 0],
      [2, 'drop-before-apply', 0],
      [0, 'drop-after-apply', 1],
      [1, 'drop-after-apply', 1],
      [2, 'drop-after-apply', 1],
      [1, 'apply', 1],
    ])('killed while entry %i was on the wire (server: %s): re-sent with the same key, applied once', async (k, action, replays) => {
      const { keys, requestsBeforeRestart, left } = await killDuringReplay({ server: (i) => (i === k ? action : undefined) });
      expect(requestsBeforeRestart).toBe(k + 1);
      expect(api.applied.map((a) => a.key)).toEqual(keys);
      expect(keys.map((key) => api.requestsPerKey.get(key))).toEqual(keys.map((_, i) => (i === k ? 2 : 1)));
      expect(api.replays()).toBe(replays);
      expect(left).toEqual([]);
    });
  });

  describe('a server that ignores Idempotency-Key gets at-least-once (documented): the entry caught mid-send is applied twice, nothing is lost', () => {
    beforeEach(() => {
      api = countingMutations({ honourKeys: false, onMutation: (r) => onMutation(r) });
    });

    it('killed after commit, before the answer: entry 1 is applied again after the restart', async () => {
      const { keys, left } = await killDuringReplay({ server: (i) => (i === 1 ? 'drop-after-apply' : undefined) });
      expect(api.applied.map((a) => a.key)).toEqual([keys[0], keys[1], keys[1], keys[2]]);
      expect(left).toEqual([]);
    });

    it('killed before the removal of a 2xx entry was stored: applied again after the restart', async () => {
      const { keys, left } = await killDuringReplay({ storage: (_op, i) => i === 3 });
      expect(api.applied.map((a) => a.key)).toEqual([keys[0], keys[1], keys[1], keys[2]]);
      expect(left).toEqual([]);
    });

    it('killed before an entry was marked sending: still exactly once (nothing of it had left the device)', async () => {
      const { keys } = await killDuringReplay({ storage: (_op, i) => i === 2 });
      expect(api.applied.map((a) => a.key)).toEqual(keys);
    });
  });

  it("the lease lock (the default where Web Locks are missing, as in Node 20): a killed drainer's lease holds the next client off until it expires, then each entry is applied once", async () => {
    const database = newDatabase();
    const network = manualConnectivity(false);
    const clock = new VirtualTimeScheduler(); // one wall clock for both processes
    const oldIo = watched(database());
    const doomed = killable(oldIo.storage);
    const first = app(doomed.storage, network, { scheduler: clock, outbox: { drainLock: 'lease' } });
    const killed = new Promise<void>((resolve) =>
      doomed.whenKilled(() => {
        first.close();
        resolve();
      }),
    );
    const keys = await queueEdits(first);
    onMutation = ({ index }) => (index === 1 ? (doomed.kill(), 'drop-after-apply') : undefined);
    network.set(true);
    await oldIo.tick(clock, 0, 'set lease'); // free: written; held one renewal (ttl / 3) later if still ours
    advance(clock, 3333); // held: drains; killed while entry 1 is on the wire, after the server committed it
    await killed;
    onMutation = () => undefined;
    expect(server.requests).toHaveLength(2);
    // Its lease (renewed at 3333, so until 13333) stays in storage: the killed process could not remove it.

    const io = watched(database());
    const second = app(io.storage, network, { scheduler: clock, outbox: { drainLock: 'lease' } });
    await firstValueFrom(second.outbox.entries$.pipe(filter((list) => list.length === 2))); // entry 0 was removed before the kill
    await io.tick(clock, 0, 'get lease');
    for (let t = 3333 * 2; t <= 3333 * 4; t += 3333) await io.tick(clock, 3333, 'get lease'); // 6666, 9999, 13332: not expired
    expect(server.requests).toHaveLength(2); // held off: the old lease is not expired
    await io.tick(clock, 3333, 'set lease'); // 16665: expired, taken
    const done = drained(second);
    advance(clock, 3333); // held: replays
    await done;

    expect(api.applied.map((a) => a.key)).toEqual(keys);
    expect(keys.map((key) => api.requestsPerKey.get(key))).toEqual([1, 2, 1]);
    expect(api.replays()).toBe(1);
    expect(await storedKeys(database())).toEqual([]);
  });
});

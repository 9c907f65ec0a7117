/**
 * The demo's offline chapter: a phone app (./phone.ts, its own process) goes offline, the user
 * edits three items (the screen updates at once), the app is killed with SIGKILL and started
 * again, connectivity returns, and the outbox replays each edit once with its Idempotency-Key.
 * The server loses the answer of the first replayed edit after applying it, so the timeline also
 * shows the same key sent again and answered from the server's idempotency store.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoServer } from '../server/index';
import { EDITS, type Item, type PhoneMessage } from './phone-protocol';

/** What the chapter proves, for the summary and for spec/demo/offline-chapter.spec.ts. */
export interface OfflineChapterResult {
  /** The Idempotency-Keys life 1 queued, in edit order. */
  readonly queuedKeys: readonly string[];
  /** How often the server applied each queued key (exactly once is the point). */
  readonly appliedPerKey: Readonly<Record<string, number>>;
  /** The keys in the order the server applied them. */
  readonly appliedOrder: readonly string[];
  /** Mutations answered from the server's idempotency store (the lost answer, sent again). */
  readonly idempotentReplays: number;
  /** The item names the second life's screen shows after the drain. */
  readonly screenNames: readonly string[];
  /** The item names the server holds afterwards. */
  readonly serverNames: readonly string[];
  readonly pendingAfter: number;
  readonly deadAfter: number;
}

const PHONE = join(__dirname, 'phone.ts');
/** A life that neither reports nor dies in this long is a bug, not a slow machine. */
const LIFE_TIMEOUT_MS = 30_000;

export async function runOfflineChapter(server: DemoServer, print: (line: string) => void, startedAt = Date.now()): Promise<OfflineChapterResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rxsync-phone-'));
  const appliedBefore = server.stats.mutationsApplied.length;
  const replaysBefore = server.stats.idempotentReplays;
  try {
    print('        ⇒ life 1');
    const first = startPhone('1', server.url, dir, startedAt, print);
    const queued = await first.next('queued');
    first.child.kill('SIGKILL');
    await first.exited;
    print(`        ⇒ the app is killed (SIGKILL) with ${queued.keys.length} edits on disk and none sent`);

    print('        ⇒ life 2: the app is started again, still offline');
    // The first edit to arrive is applied, then its answer is lost on the way back.
    server.setFaults({ loseMutationAnswers: 1 });
    const second = startPhone('2', server.url, dir, startedAt, print);
    await second.next('line', (text) => text.includes('waiting for connectivity'));
    print('        ⇒ the tunnel ends: online (the server will apply the first edit and lose its answer, as when the phone leaves the cell mid-response)');
    second.child.send({ type: 'online' });
    const report = await second.next('report');
    await second.exited;
    server.setFaults({ loseMutationAnswers: 0 });

    const applied = server.stats.mutationsApplied.slice(appliedBefore);
    const appliedPerKey = Object.fromEntries(queued.keys.map((key) => [key, applied.filter((m) => m.idempotencyKey === key).length]));
    const serverItems = (await (
      await fetch(`${server.url}/items`, { headers: { authorization: `Bearer ${(await server.issueTokens({ sub: 'ada' })).accessToken}` } })
    ).json()) as Item[];
    const result: OfflineChapterResult = {
      queuedKeys: queued.keys,
      appliedPerKey,
      appliedOrder: applied.map((m) => m.idempotencyKey ?? ''),
      idempotentReplays: server.stats.idempotentReplays - replaysBefore,
      screenNames: report.names,
      serverNames: EDITS.map(({ id }) => serverItems.find((item) => item.id === id)?.name ?? ''),
      pendingAfter: report.pending,
      deadAfter: report.dead,
    };
    print(
      `        ⇒ server applied ${Object.values(appliedPerKey)
        .map((n) => `×${n}`)
        .join(' ')} (one per key), ${result.idempotentReplays} answered from its idempotency store; screen ${JSON.stringify(result.screenNames)}`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Phone {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  next<T extends PhoneMessage['type']>(type: T, match?: (text: string) => boolean): Promise<Extract<PhoneMessage, { type: T }>>;
}

function startPhone(life: '1' | '2', url: string, dir: string, startedAt: number, print: (line: string) => void): Phone {
  const child = fork(PHONE, [life, url, dir, String(startedAt)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((exitCode = code), resolve())));
  const waiters: Array<(m: PhoneMessage) => boolean> = [];
  child.on('message', (message: PhoneMessage) => {
    if (message.type === 'line') print(message.text);
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i](message)) waiters.splice(i, 1);
  });
  return {
    child,
    exited,
    next: (type, match) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`phone life ${life}: no '${type}' within ${LIFE_TIMEOUT_MS} ms`)), LIFE_TIMEOUT_MS);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`phone life ${life} exited (code ${exitCode}) before '${type}'`));
        });
        waiters.push((message) => {
          if (message.type !== type || (match && message.type === 'line' && !match(message.text))) return false;
          clearTimeout(timer);
          resolve(message as Extract<PhoneMessage, { type: typeof type }>);
          return true;
        });
      }),
  };
}

import { runOfflineChapter, type OfflineChapterResult } from '../../demo/offline/chapter';
import { startDemoServer, type DemoServer } from '../../demo/server';

/**
 * The demo's offline chapter end to end: a real phone process (tsx) on files, killed with SIGKILL
 * after queueing three edits offline, started again, reconnected, against the real demo server
 * over loopback, which loses the answer of the first replayed edit after applying it.
 */
describe('demo: offline chapter (kill, restart, replay once)', () => {
  let server: DemoServer;
  let result: OfflineChapterResult;
  const lines: string[] = [];

  beforeAll(async () => {
    server = await startDemoServer({ seed: 7 });
    result = await runOfflineChapter(server, (line) => lines.push(line));
  }, 60_000);

  afterAll(() => server.close());

  it('queues three edits with distinct Idempotency-Keys before the kill', () => {
    expect(result.queuedKeys).toHaveLength(3);
    expect(new Set(result.queuedKeys).size).toBe(3);
    expect(lines.filter((line) => line.includes('queued PATCH'))).toHaveLength(3);
  });

  it('shows the edits at once in life 1 and again, from the outbox, after the restart', () => {
    const screen = '1: "Blue notebook", 2: "Brass lamp", 3: "Oak desk"';
    expect(lines.find((line) => line.includes('the screen at once'))).toContain(screen);
    expect(lines.find((line) => line.includes('re-applied from the outbox'))).toContain(screen);
  });

  it('starts the second life offline on the disk cache, with the three entries pending', () => {
    expect(lines.find((line) => line.includes('cold start offline'))).toMatch(/from the disk cache \(fromCache true/);
    expect(lines.find((line) => line.includes('outbox on disk'))?.match(/\[queued, key/g)).toHaveLength(3);
  });

  it('applies each edit exactly once, in the order made, though one answer was lost', () => {
    expect(Object.values(result.appliedPerKey)).toEqual([1, 1, 1]);
    expect(result.appliedOrder).toEqual(result.queuedKeys);
    // The lost answer made the phone send that key again; the server answered from its store.
    expect(result.idempotentReplays).toBe(1);
    expect(lines.filter((line) => line.includes('→  PATCH /items/1'))).toHaveLength(2);
  });

  it('ends with the server, the screen and the outbox agreeing', () => {
    expect(result.serverNames).toEqual(['Blue notebook', 'Brass lamp', 'Oak desk']);
    expect(result.screenNames).toEqual(result.serverNames);
    expect(result.pendingAfter).toBe(0);
    expect(result.deadAfter).toBe(0);
  });
});

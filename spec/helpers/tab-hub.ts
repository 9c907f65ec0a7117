import type { SchedulerLike } from 'rxjs';
import type { TabChannelLike } from '../../lib/auth/tab-sync';

/**
 * BroadcastChannel semantics on a scheduler, for marble tests of several tabs in one test: a
 * message is structured-cloned and reaches every other open channel of the hub (never its
 * sender) `latencyMs` later. `posted` keeps every message, to check what went over the wire.
 */
export function createTabHub(scheduler: SchedulerLike, latencyMs = 1): { channel(): TabChannelLike; readonly posted: unknown[] } {
  type Listener = (event: { readonly data: unknown }) => void;
  const members = new Set<{ listeners: Set<Listener> }>();
  const posted: unknown[] = [];
  return {
    posted,
    channel: () => {
      const me = { listeners: new Set<Listener>() };
      members.add(me);
      return {
        postMessage: (message) => {
          if (!members.has(me)) throw new Error('InvalidStateError: channel is closed');
          posted.push(message);
          for (const other of members) {
            if (other === me) continue;
            const data = structuredClone(message);
            scheduler.schedule(() => other.listeners.forEach((listener) => listener({ data })), latencyMs);
          }
        },
        addEventListener: (_type, listener) => void me.listeners.add(listener),
        removeEventListener: (_type, listener) => void me.listeners.delete(listener),
        close: () => void members.delete(me),
      };
    },
  };
}

/**
 * A Web Locks stand-in (`navigator.locks.request(name, callback)`): one holder per name, the
 * others queued in request order, the lock released when the callback's promise settles.
 */
export function fakeLocks(): { request(name: string, callback: (lock: unknown) => Promise<void>): Promise<void>; readonly grants: string[] } {
  const queues = new Map<string, Array<() => void>>();
  const grants: string[] = [];
  return {
    grants,
    request: (name, callback) =>
      new Promise<void>((resolve, reject) => {
        const run = (): void => {
          grants.push(name);
          callback({ name })
            .then(resolve, reject)
            .finally(() => {
              const queue = queues.get(name)!;
              queue.shift();
              queue[0]?.();
            });
        };
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        queue.push(run);
        if (queue.length === 1) run();
      }),
  };
}

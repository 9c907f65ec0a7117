import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiClient, capacitorAppResume, capacitorNetworkSource, type AppPluginLike, type NetworkPluginLike } from 'rxsync';
import { createMockBackend } from 'rxsync/testing';

/** Capacitor's Network and App plugins from the core package, for apps without Angular (fake plugins in Node). */
const tick = (): Promise<void> => new Promise((done) => setTimeout(done, 0));

function fakeNetwork(connected: boolean, status: 'answers' | 'rejects' = 'answers') {
  const listeners = new Set<(s: { connected: boolean }) => void>();
  const plugin: NetworkPluginLike = {
    getStatus: () => (status === 'answers' ? Promise.resolve({ connected }) : Promise.reject(new Error('not implemented on web'))),
    addListener: (_event, listener) => {
      listeners.add(listener);
      return Promise.resolve({ remove: () => (listeners.delete(listener), Promise.resolve()) });
    },
  };
  return { plugin, set: (value: boolean) => listeners.forEach((l) => l({ connected: value })), listeners: () => listeners.size };
}

describe('Capacitor sources in the core package', () => {
  it('the module imports neither Angular nor a Capacitor plugin (both stay optional)', () => {
    const source = readFileSync(join(__dirname, '../../lib/offline/capacitor-sources.ts'), 'utf8');
    expect(source).not.toMatch(/^import .* from '@angular\//m);
    expect(source).not.toMatch(/^import .* from '@capacitor\//m);
  });

  it('capacitorNetworkSource drives client.online$ without Angular', async () => {
    const network = fakeNetwork(false);
    const client = createApiClient({
      baseUrl: 'https://api.test',
      transport: createMockBackend().handler,
      cache: false,
      offline: { sources: [capacitorNetworkSource(network.plugin)], outbox: false },
    });
    const seen: boolean[] = [];
    client.online$.subscribe((online) => seen.push(online));
    await tick();
    network.set(true);
    expect(seen).toEqual([true, false, true]);
    client.close();
    await tick();
    expect(network.listeners()).toBe(0);
  });

  it('a plugin whose getStatus rejects gives no hint (request outcomes still decide), and no unhandled rejection', async () => {
    const network = fakeNetwork(false, 'rejects');
    const seen: boolean[] = [];
    const sub = capacitorNetworkSource(network.plugin).subscribe((online) => seen.push(online));
    await tick();
    expect(seen).toEqual([]);
    network.set(false);
    expect(seen).toEqual([false]);
    sub.unsubscribe();
  });

  it('capacitorAppResume emits on each resume and removes its listener on unsubscribe', async () => {
    const listeners = new Set<() => void>();
    const app: AppPluginLike = {
      addListener: (_event, listener) => {
        listeners.add(listener);
        return Promise.resolve({ remove: () => (listeners.delete(listener), Promise.resolve()) });
      },
    };
    let resumes = 0;
    const sub = capacitorAppResume(app).subscribe(() => resumes++);
    await tick();
    listeners.forEach((l) => l());
    listeners.forEach((l) => l());
    expect(resumes).toBe(2);
    sub.unsubscribe();
    await tick();
    expect(listeners.size).toBe(0);
  });
});

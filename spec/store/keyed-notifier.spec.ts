import { KeyedNotifier, type StoreListener } from '../../lib/store/keyed-notifier';

const counting = (): StoreListener & { calls: number } => {
  const listener = { round: 0, calls: 0, notify: () => void listener.calls++ };
  return listener;
};

describe('KeyedNotifier', () => {
  it('calls only the listeners of the changed key, however many others are registered', () => {
    const notifier = new KeyedNotifier();
    const listeners = Array.from({ length: 10_000 }, (_, i) => {
      const listener = counting();
      notifier.watchEntity(String(i), listener);
      return listener;
    });
    notifier.dispatch({ keys: ['4242'], ids: false, collections: [] });
    expect(listeners.reduce((sum, l) => sum + l.calls, 0)).toBe(1);
    expect(listeners[4242].calls).toBe(1);
  });

  it('calls a listener watching several changed keys once per round', () => {
    const notifier = new KeyedNotifier();
    const listener = counting();
    notifier.watchEntity('1', listener);
    notifier.watchEntity('2', listener);
    notifier.watchCollection('page', listener);
    notifier.dispatch({ keys: ['1', '2'], ids: false, collections: ['page'] });
    expect(listener.calls).toBe(1);
    notifier.dispatch({ keys: ['2'], ids: false, collections: [] });
    expect(listener.calls).toBe(2);
  });

  it('gives change listeners every dispatch', () => {
    const notifier = new KeyedNotifier();
    const seen: boolean[] = [];
    notifier.watchChanges({ onChanges: (changes) => seen.push(changes.ids) });
    notifier.dispatch({ keys: [], ids: true, collections: [] });
    notifier.dispatch({ keys: ['1'], ids: false, collections: [] });
    expect(seen).toEqual([true, false]);
  });

  it('forgets listeners when their stop function runs', () => {
    const notifier = new KeyedNotifier();
    const listener = counting();
    const stops = [notifier.watchEntity('1', listener), notifier.watchCollection('c', listener), notifier.watchChanges({ onChanges: () => undefined })];
    expect(notifier.size).toBe(3);
    stops.forEach((stop) => stop());
    stops.forEach((stop) => stop()); // idempotent
    expect(notifier.size).toBe(0);
    notifier.dispatch({ keys: ['1'], ids: true, collections: ['c'] });
    expect(listener.calls).toBe(0);
  });
});

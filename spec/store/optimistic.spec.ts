import type { Subscription } from 'rxjs';
import type { OptimisticHandle } from '../../lib/store/optimistic';
import { foldLayers, resolveLayer, settleLayers } from '../../lib/store/optimistic';
import { createTestScheduler } from '../helpers/marbles';
import { type Item, drive, item, storeWith } from './store.fixtures';

describe('optimistic layers (pure)', () => {
  const layer = (token: number, title: string, committed = false) => ({ token, updater: { title }, committed });

  it('folds layers in order over the base', () => {
    expect(foldLayers(item(1), [layer(1, 'a'), layer(2, 'b')])?.title).toBe('b');
    expect(foldLayers<Item>(undefined, [layer(1, 'a')])).toBeUndefined();
  });

  it('settles only the committed prefix into the base', () => {
    const { base, layers } = settleLayers(item(1), [layer(1, 'a', true), layer(2, 'b'), layer(3, 'c', true)]);
    expect(base?.title).toBe('a');
    expect(layers.map((l) => l.token)).toEqual([2, 3]);
  });

  it('resolves a layer by token; an unknown token changes nothing', () => {
    const list = [layer(1, 'a'), layer(2, 'b')];
    expect(resolveLayer(list, 1, 'rollback').map((l) => l.token)).toEqual([2]);
    expect(resolveLayer(list, 2, 'commit')[1]?.committed).toBe(true);
    expect(resolveLayer(list, 9, 'commit')).toBe(list);
  });
});

describe('store.optimistic (marbles)', () => {
  it('rolling back one of two concurrent patches keeps the other one', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(1);
      let p1!: OptimisticHandle;
      let p2!: OptimisticHandle;
      drive(
        hot('-a-b-c-d', {
          a: () => (p1 = store.optimistic(1, { title: 'renamed' })),
          b: () => (p2 = store.optimistic(1, { done: true })),
          c: () => p1.rollback(),
          d: () => p2.commit(),
        }),
      );
      expectObservable(store.select(1)).toBe('xa-b-c', {
        x: item(1),
        a: item(1, 'renamed'),
        b: item(1, 'renamed', true),
        c: item(1, 'item 1', true),
      });
    });
  });

  it('rolls back two patches of the same field in either order', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(2);
      const p: Record<string, OptimisticHandle> = {};
      drive(
        hot('-a-b-c-d-e-f-g-h', {
          // entity 1: the later patch is rolled back first
          a: () => (p.a = store.optimistic(1, { title: 'A' })),
          b: () => (p.b = store.optimistic(1, { title: 'B' })),
          c: () => p.b.rollback(),
          d: () => p.a.rollback(),
          // entity 2: the earlier patch is rolled back first, the later one still shows
          e: () => (p.e = store.optimistic(2, { title: 'E' })),
          f: () => (p.f = store.optimistic(2, { title: 'F' })),
          g: () => p.e.rollback(),
          h: () => p.f.rollback(),
        }),
      );
      expectObservable(store.select(1)).toBe('xa-b-a-x', { x: item(1), a: item(1, 'A'), b: item(1, 'B') });
      expectObservable(store.select(2)).toBe('x--------e-f---x', { x: item(2), e: item(2, 'E'), f: item(2, 'F') });
    });
  });

  it('a commit waits for earlier patches: commit later, roll back earlier → the later change stays', () => {
    const store = storeWith(1);
    const p1 = store.optimistic(1, { title: 'first' });
    const p2 = store.optimistic(1, { title: 'second', done: true });
    p2.commit();
    p1.rollback();
    expect(store.get(1)).toEqual(item(1, 'second', true));
    // Confirmed: a later server write replaces it, nothing re-applies it.
    store.upsert(item(1, 'server'), { mode: 'replace' });
    expect(store.get(1)).toEqual(item(1, 'server'));
  });

  it('re-applies pending patches over a server write that lands meanwhile', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(1);
      let p!: OptimisticHandle;
      drive(
        hot('-a-b-c', {
          a: () => (p = store.optimistic(1, { done: true })),
          b: () => store.upsert(item(1, 'from server'), { mode: 'replace' }),
          c: () => p.rollback(),
        }),
      );
      expectObservable(store.select(1)).toBe('xa-b-c', {
        x: item(1),
        a: item(1, 'item 1', true),
        b: item(1, 'from server', true),
        c: item(1, 'from server'),
      });
    });
  });

  it('commits function patches in the order they were made', () => {
    const store = storeWith(1);
    const bang = (e: Item): Item => ({ ...e, title: `${e.title}!` });
    const star = (e: Item): Item => ({ ...e, title: `${e.title}*` });
    const p1 = store.optimistic(1, bang);
    const p2 = store.optimistic(1, star);
    p2.commit();
    expect(store.get(1)?.title).toBe('item 1!*');
    p1.commit();
    expect(store.get(1)?.title).toBe('item 1!*');
    p1.rollback(); // already settled: ignored
    expect(store.get(1)?.title).toBe('item 1!*');
  });

  it('committing emits nothing and keeps the identity readers already have', () => {
    const store = storeWith(1);
    const seen: Item[] = [];
    store.select(1).subscribe((e) => seen.push(e!));
    store.optimistic(1, { done: true }).commit();
    expect(seen).toHaveLength(2);
    expect(store.get(1)).toBe(seen[1]);
    expect(store.getState().entities.get('1')).toBe(seen[1]);
  });
});

describe('store.withOptimistic (marbles)', () => {
  const server = item(1, 'saved by server', true);

  it('shows the patch at subscription and lets the server response replace it on success', () => {
    createTestScheduler().run(({ cold, hot, expectObservable }) => {
      const store = storeWith(1);
      const save$ = cold('--r|', { r: server }).pipe(store.withOptimistic(1, { done: true }), store.upsertFrom());
      drive(hot('-m', { m: () => save$.subscribe() }));
      expectObservable(store.select(1)).toBe('xa-s', { x: item(1), a: item(1, 'item 1', true), s: server });
    });
  });

  it('rolls back when the mutation errors, and passes the error on', () => {
    const errors: unknown[] = [];
    createTestScheduler().run(({ cold, hot, expectObservable }) => {
      const store = storeWith(1);
      const save$ = cold('--#', undefined, new Error('409')).pipe(store.withOptimistic(1, { done: true }));
      drive(hot('-m', { m: () => save$.subscribe({ error: (e: unknown) => errors.push(e) }) }));
      expectObservable(store.select(1)).toBe('xa-x', { x: item(1), a: item(1, 'item 1', true) });
    });
    expect(errors).toEqual([new Error('409')]);
  });

  it('rolls back when unsubscribed before the mutation settles (a cancelled request)', () => {
    createTestScheduler().run(({ cold, hot, expectObservable }) => {
      const store = storeWith(1);
      const save$ = cold('----r|', { r: server }).pipe(store.withOptimistic(1, { done: true }));
      let sub: Subscription | undefined;
      drive(hot('-m-u', { m: () => (sub = save$.subscribe()), u: () => sub?.unsubscribe() }));
      expectObservable(store.select(1)).toBe('xa-x', { x: item(1), a: item(1, 'item 1', true) });
    });
  });
});

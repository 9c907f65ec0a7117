import { map, skip } from 'rxjs';
import { setCollection, upsertEntities } from '../../lib/store/entity.reducers';
import { selectAllEntities, selectCollectionEntities, selectEntities, selectEntitiesWhere, selectEntity } from '../../lib/store/entity.selectors';
import { StoreKernel } from '../../lib/store/store-kernel';
import { createTestScheduler } from '../helpers/marbles';
import { type Item, drive, item, storeWith } from './store.fixtures';

describe('entity store streams (marbles)', () => {
  it('an update to entity 1 emits on select(1) and nothing on select(2)', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(2);
      drive(hot('-a-b', { a: () => store.update(1, { title: 'A' }), b: () => store.update(1, { done: true }) }));
      expectObservable(store.select(1)).toBe('xa-b', { x: item(1), a: item(1, 'A'), b: item(1, 'A', true) });
      expectObservable(store.select(2)).toBe('x', { x: item(2) });
    });
  });

  it('an upsert of deep-equal data emits nothing anywhere and keeps the stored object', () => {
    const store = storeWith(2);
    const before = store.get(1);
    createTestScheduler().run(({ hot, expectObservable }) => {
      drive(
        hot('-a-b-c', {
          a: () => store.upsert(item(1)),
          b: () => store.upsertMany([JSON.parse(JSON.stringify(item(1))) as Item, item(2)]),
          c: () => store.update(2, { done: false }),
        }),
      );
      expectObservable(store.select(1)).toBe('x', { x: item(1) });
      expectObservable(store.selectAll()).toBe('x', { x: [item(1), item(2)] });
      expectObservable(store.state$.pipe(map(() => 's'))).toBe('s');
    });
    expect(store.get(1)).toBe(before);
  });

  it('a transaction emits once on every affected stream', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(2);
      drive(
        hot('-t', {
          t: () =>
            store.transaction(() => {
              store.update(1, { title: 'A' });
              store.update(1, { done: true });
              store.update(2, { title: 'B' });
              store.upsert(item(3));
              store.setCollection('page', [3, 1]);
            }),
        }),
      );
      const [a, b, c] = [item(1, 'A', true), item(2, 'B'), item(3)];
      expectObservable(store.select(1)).toBe('xa', { x: item(1), a });
      expectObservable(store.select(2)).toBe('xb', { x: item(2), b });
      expectObservable(store.selectAll()).toBe('xy', { x: [item(1), item(2)], y: [a, b, c] });
      expectObservable(store.selectCollection('page')).toBe('uy', { u: undefined, y: [c, a] });
      expectObservable(store.state$.pipe(map((s) => s.ids.length))).toBe('xy', { x: 2, y: 3 });
    });
  });

  it('a transaction that throws undoes its writes and emits nothing', () => {
    const store = storeWith(1);
    const before = store.getState();
    const seen: unknown[] = [];
    store
      .select(1)
      .pipe(skip(1))
      .subscribe((v) => seen.push(v));
    store.state$.pipe(skip(1)).subscribe((v) => seen.push(v));
    expect(() =>
      store.transaction(() => {
        store.update(1, { title: 'gone' });
        store.upsert(item(2));
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(store.getState()).toBe(before);
    expect(seen).toEqual([]);
  });

  it('a collection stream re-emits only when its ids, their order or a member change', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(4);
      drive(
        hot('-a-b-c-d-e-f-g-h-i', {
          a: () => store.setCollection('page', [2, 1]),
          b: () => store.update(3, { title: 'not a member' }),
          c: () => store.update(1, { done: true }),
          d: () => store.setCollection('page', ['2', '1']),
          e: () => store.setCollection('page', [1, 2]),
          f: () => store.remove(2),
          g: () => store.setCollection('page', [1, 4]),
          h: () => store.upsert(item(2)),
          i: () => store.update(4, { done: true }),
        }),
      );
      const one = item(1, 'item 1', true);
      expectObservable(store.selectCollection('page')).toBe('ua---c---e-f-g---i', {
        u: undefined,
        a: [item(2), item(1)],
        c: [item(2), one],
        e: [one, item(2)],
        f: [one],
        g: [one, item(4)],
        i: [one, item(4, 'item 4', true)],
      });
    });
  });

  it('selectWhere emits when an entity enters, leaves, or a match changes', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(3);
      drive(
        hot('-a-b-c-d-e-f', {
          a: () => store.update(2, { done: true }),
          b: () => store.update(1, { title: 'still open' }),
          c: () => store.update(2, { title: 'done, renamed' }),
          d: () => store.update(2, { done: false }),
          e: () => store.upsert(item(4, 'born done', true)),
          f: () => store.remove(1),
        }),
      );
      expectObservable(store.selectWhere((e) => e.done)).toBe('xa---c-d-e', {
        x: [],
        a: [item(2, 'item 2', true)],
        c: [item(2, 'done, renamed', true)],
        d: [],
        e: [item(4, 'born done', true)],
      });
    });
  });

  it('remove emits undefined on the entity stream and shrinks the list streams', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(3);
      drive(hot('-a-b-c', { a: () => store.remove(1), b: () => store.remove(1), c: () => store.remove([2, 3]) }));
      expectObservable(store.select(1)).toBe('xu', { x: item(1), u: undefined });
      expectObservable(store.select(2)).toBe('x----u', { x: item(2), u: undefined });
      expectObservable(store.selectAll()).toBe('xa---c', { x: [item(1), item(2), item(3)], a: [item(2), item(3)], c: [] });
    });
  });

  it('selectMany follows its own ids only, in the order given, skipping missing ones', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(3);
      drive(
        hot('-a-b-c', {
          a: () => store.update(2, { title: 'other' }),
          b: () => store.update(1, { title: 'one' }),
          c: () => store.upsert(item(9)),
        }),
      );
      expectObservable(store.selectMany([3, 1, 9])).toBe('x--b-c', {
        x: [item(3), item(1)],
        b: [item(3), item(1, 'one')],
        c: [item(3), item(1, 'one'), item(9)],
      });
    });
  });

  it('selectAll ignores collection-only writes and follows replaceAll order', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const store = storeWith(2);
      drive(
        hot('-a-b-c', {
          a: () => store.setCollection('page', [1]),
          b: () => store.replaceAll([item(2), item(1)]),
          c: () => store.replaceAll([item(2), item(1)]),
        }),
      );
      expectObservable(store.selectAll()).toBe('x--b', { x: [item(1), item(2)], b: [item(2), item(1)] });
    });
  });

  it('unsubscribing removes every registration (kernel-level streams)', () => {
    const kernel = new StoreKernel<Item>();
    kernel.write((s) => upsertEntities(s, [item(1), item(2)], (e) => e.id));
    createTestScheduler().run(({ hot, expectObservable }) => {
      kernel.write((s) => setCollection(s, 'page', [1, 2]));
      drive(hot('---a', { a: () => kernel.write((s) => upsertEntities(s, [item(1, 'late')], (e) => e.id)) }));
      expectObservable(selectEntity(kernel, 1), '^-!').toBe('x', { x: item(1) });
      expectObservable(selectEntities(kernel, [1, 2]), '^-!').toBe('x', { x: [item(1), item(2)] });
      expectObservable(selectAllEntities(kernel), '^-!').toBe('x', { x: [item(1), item(2)] });
      expectObservable(
        selectEntitiesWhere(kernel, () => true),
        '^-!',
      ).toBe('x', { x: [item(1), item(2)] });
      expectObservable(selectCollectionEntities(kernel, 'page'), '^-!').toBe('x', { x: [item(1), item(2)] });
    });
    expect(kernel.notifier.size).toBe(0);
  });

  it('delivers a write made by a subscriber after the current round: nobody sees an older state after a newer one', () => {
    const store = storeWith(2);
    const seen: string[] = [];
    store
      .select(1)
      .pipe(skip(1))
      .subscribe((a) => store.update(2, { title: `after ${a?.title}` }));
    store.select(2).subscribe((b) => seen.push(`B:${b?.title}`));
    store.state$.subscribe((s) => seen.push(`S:${s.entities.get('1')?.title}/${s.entities.get('2')?.title}`));
    store.update(1, { title: 'one' });
    expect(seen).toEqual(['B:item 2', 'S:item 1/item 2', 'S:one/item 2', 'S:one/after one', 'B:after one']);
    expect(store.get(2)?.title).toBe('after one');
  });

  it('a predicate that throws errors its selectWhere stream only', () => {
    const store = storeWith(1);
    const errors: unknown[] = [];
    const other: unknown[] = [];
    store
      .selectWhere((e) => {
        if (e.done) throw new Error('bad predicate');
        return true;
      })
      .subscribe({ error: (e: unknown) => errors.push(e) });
    store.select(1).subscribe((v) => other.push(v));
    store.update(1, { done: true });
    expect(errors).toEqual([new Error('bad predicate')]);
    expect(other).toHaveLength(2);
  });

  it('narrows with a type-guard predicate', () => {
    type Done = Item & { done: true };
    const store = storeWith(1);
    let titles: string[] = [];
    store.selectWhere((e): e is Done => e.done).subscribe((list: readonly Done[]) => (titles = list.map((d) => d.title)));
    store.update(1, { done: true });
    expect(titles).toEqual(['item 1']);
  });
});

import { map } from 'rxjs';
import { createEntityStore } from '../../lib/store/entity-store';
import { createTestScheduler } from '../helpers/marbles';
import { type Item, item, storeWith } from './store.fixtures';

/** An ApiResponse-shaped value, built structurally: the store imports no HTTP type. */
const response = <B>(body: B, flags: { fromCache?: boolean; stale?: boolean } = {}) => ({
  status: 200,
  headers: {},
  url: '/items',
  body,
  fromCache: flags.fromCache ?? false,
  stale: flags.stale ?? false,
});

describe('upsertManyFrom (marbles)', () => {
  it('writes each emitted list and passes it through', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const store = createEntityStore<Item>({ idKey: 'id' });
      const lists = { a: [item(1), item(2)], b: [item(1), item(2, 'changed')] };
      expectObservable(cold('-a-b|', lists).pipe(store.upsertManyFrom())).toBe('-a-b|', lists);
      expectObservable(store.select(1)).toBe('ua', { u: undefined, a: item(1) });
      expectObservable(store.select(2)).toBe('ua-b', { u: undefined, a: item(2), b: item(2, 'changed') });
    });
  });

  it('reads `body` of a response-like value and passes the very same value through', () => {
    const store = createEntityStore<Item>({ idKey: 'id' });
    const value = response([item(1)]);
    const out: unknown[] = [];
    createTestScheduler().run(({ cold }) => {
      cold('-r|', { r: value })
        .pipe(store.upsertManyFrom())
        .subscribe((v) => out.push(v));
    });
    expect(out[0]).toBe(value);
    expect(store.get(1)).toEqual(item(1));
  });

  it('with collectionKey stores the id order, one emission per list on every stream', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const store = storeWith(1);
      const pages = { a: response([item(3), item(1)]), b: response([item(1), item(3)]) };
      cold('-a-b', pages)
        .pipe(store.upsertManyFrom({ collectionKey: 'page-1' }))
        .subscribe();
      expectObservable(store.selectCollection('page-1')).toBe('ua-b', {
        u: undefined,
        a: [item(3), item(1)],
        b: [item(1), item(3)],
      });
      expectObservable(store.selectAll()).toBe('xa', { x: [item(1)], a: [item(1), item(3)] });
    });
  });

  it('writes nothing for an empty body and errors on a value that is not a list', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const store = storeWith(1);
      const values = { n: response(null), x: { foo: 1 } as never };
      expectObservable(cold('-n-x', values).pipe(store.upsertManyFrom())).toBe(
        '-n-#',
        values,
        new TypeError('upsertManyFrom: expected an array or an object whose `body` is an array'),
      );
      expectObservable(store.state$.pipe(map((s) => s.ids.length))).toBe('x', { x: 1 });
    });
  });

  it('keeps the source type through the operator', () => {
    const store = createEntityStore<Item>({ idKey: 'id' });
    createTestScheduler().run(({ cold }) => {
      const typed = cold('-r', { r: response([item(1)]) }).pipe(store.upsertManyFrom());
      typed.subscribe((r) => {
        const status: number = r.status; // the ApiResponse shape survives the operator
        expect(status).toBe(200);
      });
    });
  });
});

describe('upsertFrom (marbles)', () => {
  interface Post {
    readonly slug: string;
    readonly body: string;
  }

  it('writes an entity, or the body of an envelope; null writes nothing', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const store = storeWith(1);
      const values = { e: item(1, 'direct'), r: response(item(1, 'from body')), n: response(null) };
      expectObservable(cold('-e-r-n|', values).pipe(store.upsertFrom())).toBe('-e-r-n|', values);
      expectObservable(store.select(1)).toBe('xe-r', { x: item(1), e: item(1, 'direct'), r: item(1, 'from body') });
    });
  });

  it('does not unwrap an entity that merely has a `body` field (with getId)', () => {
    const posts = createEntityStore<Post>({ getId: (p) => p.slug });
    createTestScheduler().run(({ cold }) => {
      cold('-p', { p: { slug: 'hello', body: 'text' } })
        .pipe(posts.upsertFrom())
        .subscribe();
    });
    expect(posts.get('hello')).toEqual({ slug: 'hello', body: 'text' });
  });
});

describe('ids', () => {
  it("treats 42 and '42' as the same entity", () => {
    const store = createEntityStore<Item>({ idKey: 'id' });
    store.upsert(item(42));
    const seen: unknown[] = [];
    store.select('42').subscribe((e) => seen.push(e));
    store.update(42, { done: true });
    expect(seen).toEqual([item(42), item(42, 'item 42', true)]);
  });

  it('needs idKey or getId', () => {
    expect(() => createEntityStore<Item>({} as never)).toThrow(TypeError);
  });
});

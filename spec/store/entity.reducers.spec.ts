import { removeCollection, removeEntities, replaceEntities, setCollection, updateEntity, upsertEntities } from '../../lib/store/entity.reducers';
import { type EntityState, emptyEntityState } from '../../lib/store/entity.state';
import { type Item, item } from './store.fixtures';

const idOf = (e: Item): number => e.id;
const stateOf = (...items: Item[]): EntityState<Item> => upsertEntities(emptyEntityState<Item>(), items, idOf).state;
const keysOf = (changes: { keys: Iterable<string> } | undefined): string[] => (changes ? [...changes.keys] : []);

describe('upsertEntities', () => {
  it('appends new entities to ids and reports them as a membership change', () => {
    const { state, changes } = upsertEntities(stateOf(item(1)), [item(2), item(3)], idOf);
    expect(state.ids).toEqual([1, 2, 3]);
    expect(changes).toEqual({ keys: ['2', '3'], ids: true, collections: [] });
  });

  it('merges by default: fields missing from the incoming data are kept', () => {
    const before = stateOf({ ...item(1), tags: ['x'] });
    const { state, changes } = upsertEntities(before, [{ id: 1, title: 'new' } as Item], idOf);
    expect(state.entities.get('1')).toEqual({ id: 1, title: 'new', done: false, tags: ['x'] });
    expect(changes).toEqual({ keys: ['1'], ids: false, collections: [] });
    expect(state.ids).toBe(before.ids);
  });

  it("replaces with mode 'replace': fields missing from the incoming data are gone", () => {
    const { state } = upsertEntities(stateOf({ ...item(1), tags: ['x'] }), [item(1, 'new')], idOf, 'replace');
    expect(state.entities.get('1')).toEqual(item(1, 'new'));
  });

  it.each<[string, Item]>([
    ['identical data', item(1)],
    ['deep-equal data in a fresh object', JSON.parse(JSON.stringify(item(1))) as Item],
    ['a subset of the stored fields (merge)', { id: 1, title: 'item 1' } as Item],
  ])('returns the same state for %s', (_, incoming) => {
    const before = stateOf(item(1));
    const result = upsertEntities(before, [incoming], idOf);
    expect(result.state).toBe(before);
    expect(result.changes).toBeUndefined();
  });

  it('keeps the identity of unchanged entities in a batch that changes others', () => {
    const before = stateOf(item(1), item(2));
    const { state, changes } = upsertEntities(before, [item(1), item(2, 'changed')], idOf);
    expect(state.entities.get('1')).toBe(before.entities.get('1'));
    expect(keysOf(changes)).toEqual(['2']);
  });

  it('treats ids 42 and "42" as the same entity', () => {
    const store = stateOf(item(42));
    const { state } = upsertEntities(store, [{ ...item(42, 'str'), id: '42' as unknown as number }], idOf);
    expect(state.ids).toEqual([42]);
    expect(state.entities.get('42')?.title).toBe('str');
  });

  it('rejects an entity without a usable id', () => {
    expect(() => upsertEntities(emptyEntityState<Item>(), [{ title: 'x' } as Item], idOf)).toThrow(TypeError);
  });
});

describe('updateEntity', () => {
  it.each<[string, Parameters<typeof updateEntity<Item>>[2]]>([
    ['a patch with the stored values', { title: 'item 1' }],
    ['a function returning its argument', (e) => e],
    ['a function returning a deep-equal copy', (e) => ({ ...e })],
  ])('returns the same state for %s', (_, updater) => {
    const before = stateOf(item(1));
    expect(updateEntity(before, 1, updater).state).toBe(before);
  });

  it('leaves a missing entity missing', () => {
    const before = stateOf(item(1));
    expect(updateEntity(before, 2, { title: 'x' })).toEqual({ state: before, changes: undefined });
  });

  it('applies a patch or a function and reports the one key', () => {
    const { state, changes } = updateEntity(stateOf(item(1)), '1', (e) => ({ ...e, done: !e.done }));
    expect(state.entities.get('1')?.done).toBe(true);
    expect(changes).toEqual({ keys: ['1'], ids: false, collections: [] });
  });
});

describe('removeEntities', () => {
  it('removes present ids, ignores absent ones, and keeps collections', () => {
    const before = setCollection(stateOf(item(1), item(2), item(3)), 'page', [1, 2]).state;
    const { state, changes } = removeEntities(before, [2, 9]);
    expect(state.ids).toEqual([1, 3]);
    expect(state.entities.get('2')).toBeUndefined();
    expect(state.collections.get('page')).toEqual([1, 2]);
    expect(changes).toEqual({ keys: ['2'], ids: true, collections: [] });
  });

  it('returns the same state when nothing was present', () => {
    const before = stateOf(item(1));
    expect(removeEntities(before, [7]).state).toBe(before);
  });
});

describe('replaceEntities', () => {
  it('sets content and order, keeps identity of equal entities, reports removed and changed keys', () => {
    const before = stateOf(item(1), item(2), item(3));
    const { state, changes } = replaceEntities(before, [item(3), item(1, 'changed')], idOf);
    expect(state.ids).toEqual([3, 1]);
    expect(state.entities.get('3')).toBe(before.entities.get('3'));
    expect(state.entities.get('2')).toBeUndefined();
    expect(keysOf(changes).sort()).toEqual(['1', '2']);
    expect(changes?.ids).toBe(true);
  });

  it('returns the same state for the same content in the same order', () => {
    const before = stateOf(item(1), item(2));
    expect(replaceEntities(before, [item(1), item(2)], idOf).state).toBe(before);
  });

  it('reports a pure reorder as an ids change with no entity key', () => {
    const { changes } = replaceEntities(stateOf(item(1), item(2)), [item(2), item(1)], idOf);
    expect(changes).toEqual({ keys: [], ids: true, collections: [] });
  });
});

describe('setCollection / removeCollection', () => {
  it('stores a deduplicated id list and reports the collection', () => {
    const { state, changes } = setCollection(stateOf(), 'page', [2, 1, 2]);
    expect(state.collections.get('page')).toEqual([2, 1]);
    expect(changes).toEqual({ keys: [], ids: false, collections: ['page'] });
  });

  it('is a no-op for an equal list (ids compared as keys)', () => {
    const before = setCollection(stateOf(), 'page', [1, 2]).state;
    expect(setCollection(before, 'page', ['1', '2']).state).toBe(before);
  });

  it('forgets a collection, and ignores an unknown one', () => {
    const before = setCollection(stateOf(), 'page', [1]).state;
    expect(removeCollection(before, 'page').state.collections.has('page')).toBe(false);
    expect(removeCollection(before, 'other').state).toBe(before);
  });
});

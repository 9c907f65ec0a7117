import { createEntityRegistry } from '../../lib/graphql/entity-registry';
import { createTestScheduler } from '../helpers/marbles';

interface Item {
  __typename: 'Item';
  id: string;
  name: string;
  price?: number | null;
}

const item = (id: string, name: string, price?: number): Item => ({ __typename: 'Item', id, name, ...(price === undefined ? {} : { price }) });

describe('createEntityRegistry', () => {
  it('select emits undefined, then the entity once written, then each change; equal data emits nothing', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const registry = createEntityRegistry();
      const writes = {
        a: { items: [item('3', 'Lamp', 10), item('4', 'Desk', 20)] },
        b: { items: [item('3', 'Lamp', 10)] }, // equal: nothing
        c: { renameItem: { __typename: 'Item', id: '3', name: 'Light' } }, // partial: price kept
        d: { items: [item('4', 'Table', 20)] }, // another entity: nothing here
      };
      cold('-a-b-c-d', writes).subscribe((data) => registry.write(data));
      expectObservable(registry.select<Item>('Item:3')).toBe('ua---c', {
        u: undefined,
        a: item('3', 'Lamp', 10),
        c: item('3', 'Light', 10),
      });
    });
  });

  it('select by object reference and by numeric id read the same entity', () => {
    const registry = createEntityRegistry();
    registry.write({ me: { __typename: 'User', id: 42, name: 'Ann' } });
    const seen: unknown[] = [];
    registry.select({ __typename: 'User', id: 42 }).subscribe((u) => seen.push(u));
    registry.select('User:42').subscribe((u) => seen.push(u));
    expect(seen).toEqual([
      { __typename: 'User', id: 42, name: 'Ann' },
      { __typename: 'User', id: 42, name: 'Ann' },
    ]);
  });

  it('writes nested entities into their own stores and keeps one store per type', () => {
    const registry = createEntityRegistry();
    registry.write({ item: { __typename: 'Item', id: '1', name: 'Lamp', owner: { __typename: 'User', id: 'u', name: 'Ann' } } });
    expect(registry.storeFor('User').get('u')).toEqual({ __typename: 'User', id: 'u', name: 'Ann' });
    expect(registry.storeFor('Item')).toBe(registry.storeFor('Item'));
    expect(registry.storeFor<Item>('Item').getAll()).toHaveLength(1);
  });

  it('notifies a select once per write even when the entity occurs several times in one result', () => {
    const registry = createEntityRegistry();
    const seen: unknown[] = [];
    registry.select<Item>('Item:3').subscribe((i) => seen.push(i));
    registry.write({ list: [item('3', 'Lamp')], detail: item('3', 'Lamp', 10) });
    expect(seen).toEqual([undefined, item('3', 'Lamp', 10)]);
  });
});

import { collectEntities, parseEntityRef } from '../../lib/graphql/normalize';

describe('collectEntities', () => {
  it('collects entities at any depth, grouped by typename, leaving nested ones in place', () => {
    const owner = { __typename: 'User', id: 'u1', name: 'Ann' };
    const item = { __typename: 'Item', id: '1', name: 'Lamp', owner };
    const found = collectEntities({ data: { items: [item, { __typename: 'Item', id: 2, name: 'Desk' }] } });
    expect([...found.keys()]).toEqual(['Item', 'User']);
    expect(found.get('Item')).toEqual([item, { __typename: 'Item', id: 2, name: 'Desk' }]);
    expect(found.get('Item')?.[0]?.['owner']).toBe(owner); // kept as the server sent it
    expect(found.get('User')).toEqual([owner]);
  });

  it('keeps every occurrence in order, so a later, richer one completes an earlier summary', () => {
    const found = collectEntities({ list: [{ __typename: 'Item', id: '3', name: 'a' }], detail: { __typename: 'Item', id: '3', name: 'a', price: 5 } });
    expect(found.get('Item')).toHaveLength(2);
  });

  it.each([
    ['no __typename', { id: '1', name: 'x' }],
    ['no id', { __typename: 'Query', items: [] }],
    ['a null id', { __typename: 'Item', id: null }],
    ['an object id', { __typename: 'Item', id: { raw: 1 } }],
    ['a NaN id', { __typename: 'Item', id: Number.NaN }],
    ['an empty typename', { __typename: '', id: '1' }],
  ])('skips an object with %s (but still looks inside it)', (_rule, value) => {
    const found = collectEntities({ value, nested: { ...value, child: { __typename: 'Tag', id: 't' } } });
    expect([...found.keys()]).toEqual(['Tag']);
  });

  it.each([[null], [undefined], [42], ['text'], [[]]])('finds nothing in %p', (data) => {
    expect(collectEntities(data).size).toBe(0);
  });
});

describe('parseEntityRef', () => {
  it.each([
    ['Item:3', { typename: 'Item', id: '3' }],
    ['Event:2024:01', { typename: 'Event', id: '2024:01' }],
    [
      { __typename: 'User', id: 42 },
      { typename: 'User', id: 42 },
    ],
  ] as const)('reads %p', (ref, expected) => {
    expect(parseEntityRef(ref)).toEqual(expected);
  });

  it.each([['Item'], [':3']])('rejects %p', (ref) => {
    expect(() => parseEntityRef(ref as `${string}:${string}`)).toThrow(/RXSYNC-1310/);
  });
});

import { parseOperation } from '../../lib/graphql/operation';

describe('parseOperation', () => {
  it.each([
    ['a named query', 'query Items { items { id } }', undefined, { type: 'query', name: 'Items' }],
    [
      'a named mutation with variables',
      'mutation Rename($id: ID!, $name: String!) { renameItem(id: $id, name: $name) { id } }',
      undefined,
      { type: 'mutation', name: 'Rename' },
    ],
    ['the shorthand `{ … }` is an anonymous query', '{ me { id } }', undefined, { type: 'query' }],
    ['an anonymous query with variables: `$id` is no name', 'query ($id: ID!) { item(id: $id) { id } }', undefined, { type: 'query' }],
    ['a directive is no name', 'query @live { me { id } }', undefined, { type: 'query' }],
    ['a subscription', 'subscription OnItem { itemChanged { id } }', undefined, { type: 'subscription', name: 'OnItem' }],
    [
      'fragments before the operation are skipped',
      'fragment F on Item { id name } mutation Save { save { ...F } }',
      undefined,
      { type: 'mutation', name: 'Save' },
    ],
    ['keywords inside selections are field names', 'query Q { mutation query { subscription } }', undefined, { type: 'query', name: 'Q' }],
    ['keywords in comments are ignored', '# mutation Evil\nquery Safe { a }', undefined, { type: 'query', name: 'Safe' }],
    ['braces in strings are ignored', 'query Q { search(text: "} mutation X {") { id } }', undefined, { type: 'query', name: 'Q' }],
    ['braces in block strings are ignored', 'query Q { a(t: """ { """) } mutation M { b }', 'M', { type: 'mutation', name: 'M' }],
    ['an object default value is no selection set', 'query Q($f: Filter = { a: 1 }) { items(f: $f) { id } }', undefined, { type: 'query', name: 'Q' }],
    ['operationName picks among several (GraphQL §6.1)', 'query A { a } mutation B { b }', 'B', { type: 'mutation', name: 'B' }],
    ['without operationName the first operation counts', 'query A { a } mutation B { b }', undefined, { type: 'query', name: 'A' }],
    ['an unknown operationName falls back to the first', 'mutation A { a }', 'Z', { type: 'mutation', name: 'A' }],
    ['a document without operation counts as a query', 'fragment F on T { id }', undefined, { type: 'query' }],
  ])('%s', (_rule, document, operationName, expected) => {
    expect(parseOperation(document, operationName)).toEqual(expected);
  });
});

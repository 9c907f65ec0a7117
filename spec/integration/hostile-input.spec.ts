import { createApiClient, createEntityRegistry, createEntityStore, type FetchLike } from 'rxsync';
import { createMockBackend } from 'rxsync/testing';
import { parseAuthTokens } from '../../lib/auth/auth-config';
import { GraphQLError, ParseError } from '../../lib/core/errors';
import { headerMapFromFetch, headerValue, normalizeHeaders } from '../../lib/core/headers';
import { collectEntities } from '../../lib/graphql/normalize';
import { graphqlBodyError } from '../../lib/graphql/graphql-response';
import { settle } from '../helpers/loopback-server';

/** `{ v: { v: … { leaf: true } } }`, `depth` levels deep. */
function nested(depth: number, leaf: Record<string, unknown> = { leaf: true }): Record<string, unknown> {
  let value: Record<string, unknown> = leaf;
  for (let i = 0; i < depth; i++) value = { v: value };
  return value;
}
/** The same as JSON text, built without recursion (JSON.stringify itself would overflow). */
function nestedJson(depth: number, leaf = '{"leaf":true}'): string {
  return '{"v":'.repeat(depth) + leaf + '}'.repeat(depth);
}
const req = { method: 'POST' as const, url: 'https://api.test/graphql' };

describe('deeply nested JSON never throws a RangeError out of rxsync', () => {
  it('GraphQL normalization walks 20,000 levels and still finds the entity at the bottom', () => {
    const found = collectEntities({ data: nested(20_000, { __typename: 'Item', id: '1' }) });
    expect([...found.keys()]).toEqual(['Item']);
  });

  it('keeps document order when it walks without recursion', () => {
    const data = {
      a: { __typename: 'T', id: 1, child: { __typename: 'T', id: 2 } },
      b: [
        { __typename: 'T', id: 3 },
        { __typename: 'U', id: 4 },
      ],
    };
    const found = collectEntities(data);
    expect(found.get('T')!.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(found.get('U')!.map((e) => e.id)).toEqual([4]);
  });

  it('a GraphQL result 20,000 levels deep reaches the caller and the registry (real fetch transport)', async () => {
    const body = `{"data":{"item":{"__typename":"Item","id":"7","tree":${nestedJson(20_000)}}}}`;
    const fetch: FetchLike = async () => new Response(body, { headers: { 'content-type': 'application/json' } });
    const registry = createEntityRegistry();
    const client = createApiClient({ baseUrl: 'https://api.test', fetch, retry: false, graphql: { normalize: registry } });
    const { values, error } = await settle(client.graphql('query { item { __typename id tree } }'));
    expect(error).toBeUndefined();
    expect(values).toHaveLength(1);
    const seen: unknown[] = [];
    registry.select('Item:7').subscribe((item) => seen.push(item));
    expect(seen[0]).toMatchObject({ __typename: 'Item', id: '7' });
  });

  it('a REST body 20,000 levels deep goes through dedupe, cache and the entity store (twice: the second is a cache hit)', async () => {
    const body = `{"id":1,"tree":${nestedJson(20_000)}}`;
    const fetch: FetchLike = async () => new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': 'max-age=60' } });
    const client = createApiClient({ baseUrl: 'https://api.test', fetch, retry: false });
    const items = createEntityStore<{ id: number }>({ idKey: 'id' });
    for (let i = 0; i < 2; i++) {
      const { error } = await settle(client.get<{ id: number }>('/deep').pipe(items.upsertFrom()));
      expect(error).toBeUndefined();
    }
    expect(items.get(1)).toBeDefined();
  });

  it('a request body too deep to serialize is a RequestError, and nothing is sent', async () => {
    let sent = 0;
    const fetch: FetchLike = async () => (sent++, new Response('{}'));
    const client = createApiClient({ baseUrl: 'https://api.test', fetch, retry: false });
    const { error } = await settle(client.post('/deep', nested(20_000)));
    expect(error).toMatchObject({ name: 'RequestError' });
    expect(sent).toBe(0);
  });
});

describe('header maps and JSON bodies never read inherited properties', () => {
  it('a header named __proto__ or constructor is stored and read like any other', () => {
    const headers = normalizeHeaders({ __proto__: 'x', Constructor: 'y' });
    // (an object literal's `__proto__:` sets the prototype; build it the way a parsed map would have it)
    const parsed = normalizeHeaders(JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>);
    expect(Object.keys(parsed).sort()).toEqual(['__proto__', 'constructor']);
    expect(headerValue(parsed, '__proto__')).toBe('x');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(headerValue(headers, 'constructor')).toBe('y');
    expect(headerValue({}, 'constructor')).toBeUndefined();
    expect(headerValue({}, 'toString')).toBeUndefined();
  });

  it('a response header named __proto__ is kept, and the map keeps its prototype', () => {
    const map = headerMapFromFetch({ forEach: (cb) => (cb('a', '__proto__'), cb('b', 'x-b')) });
    expect(headerValue(map, '__proto__')).toBe('a');
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
  });

  it('tokens inherited from a prototype are no tokens', () => {
    const polluted = Object.create({ accessToken: 'INHERITED' }) as object;
    expect(parseAuthTokens(polluted)).toBeUndefined();
    expect(parseAuthTokens(JSON.parse('{"__proto__":{"accessToken":"X"}}'))).toBeUndefined();
  });

  it('a GraphQL body whose data or errors are only inherited is a ParseError, not a success', () => {
    const body = Object.create({ data: { item: 1 } }) as object;
    const error = graphqlBodyError(req, { status: 200, headers: {}, body });
    expect(error).toBeInstanceOf(ParseError);
    const withErrors = Object.create({ errors: [{ message: 'x' }] }) as object;
    expect(graphqlBodyError(req, { status: 200, headers: {}, body: withErrors })).not.toBeInstanceOf(GraphQLError);
  });

  it('GraphQL normalization ignores an inherited __typename and id', () => {
    const fake = Object.create({ __typename: 'Item', id: '1' }) as object;
    expect(collectEntities({ a: fake }).size).toBe(0);
  });

  it('a JSON body with a __proto__ key passes through the pipeline as data', async () => {
    const backend = createMockBackend();
    const client = createApiClient({ baseUrl: 'https://api.test', transport: backend.handler, retry: false });
    const values: unknown[] = [];
    client.get('/x').subscribe((v) => values.push(v));
    backend.expectOne('/x').flush(JSON.parse('{"__proto__":{"admin":true},"constructor":"c"}'));
    expect(values).toHaveLength(1);
    expect((values[0] as { admin?: boolean }).admin).toBeUndefined();
  });
});

import { defer, type Observable, of, throwError } from 'rxjs';
import { ContextToken, RequestContext } from '../../lib/core/context';
import { REPEATABLE } from '../../lib/core/context-tokens';
import { GraphQLError, ParseError, RequestError } from '../../lib/core/errors';
import type { ApiResponse } from '../../lib/core/response';
import { createEntityRegistry } from '../../lib/graphql/entity-registry';
import type { GraphQLRequestFn, GraphQLRequestSpec } from '../../lib/graphql/graphql-config';
import { GRAPHQL_OPERATION } from '../../lib/graphql/graphql-context';
import { createGraphQLClient } from '../../lib/graphql/graphql.client';
import { okResponse } from '../../lib/testing/responses';
import { createTestScheduler } from '../helpers/marbles';

const ITEM = 'query Item($id: ID!) { item(id: $id) { id name } }';
const RENAME = 'mutation Rename($id: ID!, $name: String!) { renameItem(id: $id, name: $name) { id name } }';
const NOT_FOUND = { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };

/** A request function that records what it is asked to send and answers from `answer`. */
function fakeRequest(answer: (spec: GraphQLRequestSpec) => Observable<ApiResponse> | unknown) {
  const sent: GraphQLRequestSpec[] = [];
  const request: GraphQLRequestFn = <T>(spec: GraphQLRequestSpec) =>
    defer(() => {
      sent.push(spec);
      const answered = answer(spec);
      return (answered && typeof (answered as Observable<unknown>).subscribe === 'function' ? answered : of(okResponse(answered))) as Observable<
        ApiResponse<T>
      >;
    });
  return { request, sent };
}

/** A request function answering every spec with `source`. */
const always =
  (source: Observable<ApiResponse>): GraphQLRequestFn =>
  <T>() =>
    source as Observable<ApiResponse<T>>;

function values<T>(source: Observable<T>): { values: T[]; error?: unknown } {
  const out: { values: T[]; error?: unknown } = { values: [] };
  source.subscribe({ next: (v) => out.values.push(v), error: (e: unknown) => (out.error = e) });
  return out;
}

describe('createGraphQLClient: requests', () => {
  it('POSTs a query with query, operationName and variables, marked with GRAPHQL_OPERATION, and emits data', () => {
    const { request, sent } = fakeRequest(() => ({ data: { item: { id: '3', name: 'Lamp' } } }));
    const gql = createGraphQLClient(request);
    expect(values(gql(ITEM, { id: '3' }))).toEqual({ values: [{ item: { id: '3', name: 'Lamp' } }] });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', url: '/graphql', body: { query: ITEM, operationName: 'Item', variables: { id: '3' } } });
    expect(sent[0]?.context?.get(GRAPHQL_OPERATION)).toEqual({ operationName: 'Item', operationType: 'query' });
  });

  it('marks a query REPEATABLE (retry may resend a POSTed query) and leaves a mutation unmarked', () => {
    const { request, sent } = fakeRequest(() => ({ data: {} }));
    const gql = createGraphQLClient(request);
    values(gql(ITEM, { id: '3' }));
    values(gql(RENAME, { id: '3', name: 'x' }));
    expect(sent.map((spec) => spec.context?.get(REPEATABLE))).toEqual([true, false]);
  });

  it('is cold: nothing is sent before subscribe', () => {
    const { request, sent } = fakeRequest(() => ({ data: {} }));
    createGraphQLClient(request)(ITEM, { id: '3' });
    expect(sent).toHaveLength(0);
  });

  it('sends a query as GET with method GET, variables with sorted keys so equal variables share one URL', () => {
    const { request, sent } = fakeRequest(() => ({ data: {} }));
    const gql = createGraphQLClient(request, { path: '/api/graphql' });
    values(gql(ITEM, { b: 2, a: { d: 1, c: 0 } }, { method: 'GET' }));
    values(gql('{ me { id } }', undefined, { method: 'GET' }));
    expect(sent[0]).toMatchObject({
      method: 'GET',
      url: '/api/graphql',
      params: { query: ITEM, operationName: 'Item', variables: '{"a":{"c":0,"d":1},"b":2}' },
    });
    expect(sent[0]?.body).toBeUndefined();
    expect(sent[1]?.params).toEqual({ query: '{ me { id } }', operationName: undefined, variables: undefined, extensions: undefined });
  });

  it('always POSTs a mutation, even when GET is asked for', () => {
    const { request, sent } = fakeRequest(() => ({ data: { renameItem: null } }));
    values(createGraphQLClient(request, { persistedQueries: true })(RENAME, { id: '3', name: 'x' }, { method: 'GET' }));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', body: { query: RENAME, operationName: 'Rename' } });
    expect(sent[0]?.body).not.toHaveProperty('extensions');
  });

  it('passes options through and keeps the caller context next to GRAPHQL_OPERATION', () => {
    const { request, sent } = fakeRequest(() => ({ data: {} }));
    const TRACE = new ContextToken<string>('trace', () => '');
    const context = RequestContext.empty().set(TRACE, 't1');
    values(createGraphQLClient(request)(ITEM, {}, { headers: { 'x-a': '1' }, fetchPolicy: 'network-only', timeoutMs: 5, context, operationName: 'Item' }));
    expect(sent[0]?.context?.get(TRACE)).toBe('t1');
    expect(sent[0]).toMatchObject({ headers: { 'x-a': '1' }, fetchPolicy: 'network-only', timeoutMs: 5 });
    expect(sent[0]).not.toHaveProperty('operationName');
    expect(sent[0]?.context?.get(GRAPHQL_OPERATION)).toEqual({ operationName: 'Item', operationType: 'query' });
  });

  it('errors with GraphQLError (partial data kept) even when no errors layer is in the pipeline', () => {
    const body = { data: { item: { id: 'partial', price: null } }, errors: [{ message: 'price service unavailable', path: ['item', 'price'] }] };
    const { request } = fakeRequest(() => body);
    const { values: emitted, error } = values(createGraphQLClient(request)(ITEM, { id: 'partial' }));
    expect(emitted).toEqual([]);
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error).toMatchObject({ errors: body.errors, data: body.data });
  });

  it('errors with ParseError for a body that is no GraphQL response', () => {
    const { request } = fakeRequest(() => ({ ok: true }));
    expect(values(createGraphQLClient(request)(ITEM)).error).toBeInstanceOf(ParseError);
  });

  it('refuses a subscription (it needs a stream, not a request) without sending anything', () => {
    const { request, sent } = fakeRequest(() => ({ data: {} }));
    expect(values(createGraphQLClient(request)('subscription S { s }')).error).toBeInstanceOf(RequestError);
    expect(sent).toHaveLength(0);
  });

  it('emits twice for a source that emits twice (cache-and-network), and cancels on unsubscribe', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const network = cold<ApiResponse>('-a--b|', { a: okResponse({ data: 1 }), b: okResponse({ data: 2 }) });
      const gql = createGraphQLClient(always(network));
      expectObservable(gql(ITEM)).toBe('-a--b|', { a: 1, b: 2 });
      expectObservable(gql(ITEM), '^-!').toBe('-a', { a: 1 });
      expectSubscriptions(network.subscriptions).toBe(['^----!', '^-!']);
    });
  });
});

describe('createGraphQLClient: automatic persisted queries', () => {
  const apqAnswer = (registered: Set<string>) => (spec: GraphQLRequestSpec) => {
    const body = spec.body as { query?: string; extensions?: { persistedQuery: { sha256Hash: string } } } | undefined;
    const extensions = spec.params?.['extensions'] ? JSON.parse(spec.params['extensions']) : body?.extensions;
    const hash: string = extensions.persistedQuery.sha256Hash;
    const query = spec.params?.['query'] ?? body?.query;
    if (query !== undefined) registered.add(hash);
    return registered.has(hash) ? { data: { item: { id: '3' } } } : NOT_FOUND;
  };

  it('sends a hash-only GET; on PERSISTED_QUERY_NOT_FOUND once more as POST with the document; then hash-only GETs', () => {
    const registered = new Set<string>();
    const { request, sent } = fakeRequest(apqAnswer(registered));
    const gql = createGraphQLClient(request, { persistedQueries: { hash: () => of('h1') } });
    expect(values(gql(ITEM, { id: '3' }))).toEqual({ values: [{ item: { id: '3' } }] });
    expect(values(gql(ITEM, { id: '3' }))).toEqual({ values: [{ item: { id: '3' } }] });
    const extensions = '{"persistedQuery":{"version":1,"sha256Hash":"h1"}}';
    expect(sent.map((s) => s.method)).toEqual(['GET', 'POST', 'GET']);
    expect(sent[0]?.params).toEqual({ query: undefined, operationName: 'Item', variables: '{"id":"3"}', extensions });
    expect(sent[1]?.body).toEqual({ query: ITEM, operationName: 'Item', variables: { id: '3' }, extensions: JSON.parse(extensions) });
    expect(sent[2]?.params).toEqual(sent[0]?.params);
  });

  it('registers at most once per call: a second not-found is the caller’s error', () => {
    const { request, sent } = fakeRequest(() => NOT_FOUND);
    const { error } = values(createGraphQLClient(request, { persistedQueries: { hash: () => of('h') } })(ITEM));
    expect(error).toBeInstanceOf(GraphQLError);
    expect(sent).toHaveLength(2);
  });

  it('with method POST sends the hash-only request as POST', () => {
    const { request, sent } = fakeRequest(apqAnswer(new Set(['h'])));
    values(createGraphQLClient(request, { persistedQueries: { hash: () => of('h') } })(ITEM, undefined, { method: 'POST' }));
    expect(sent).toEqual([
      expect.objectContaining({ method: 'POST', body: { operationName: 'Item', extensions: { persistedQuery: { version: 1, sha256Hash: 'h' } } } }),
    ]);
  });

  it('stops hashing for good when the server does not support APQ', () => {
    const notSupported = { errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }] };
    const { request, sent } = fakeRequest((spec) => ((spec.body as { query?: string } | undefined)?.query ? { data: 1 } : notSupported));
    const gql = createGraphQLClient(request, { persistedQueries: { hash: () => of('h') } });
    expect(values(gql(ITEM)).values).toEqual([1]);
    expect(values(gql(ITEM)).values).toEqual([1]);
    expect(sent.map((s) => [s.method, (s.body as { extensions?: unknown } | undefined)?.extensions])).toEqual([
      ['GET', undefined],
      ['POST', undefined],
      ['POST', undefined],
    ]);
  });

  it('hashes each document once (memoized)', () => {
    const hash = jest.fn(() => of('h'));
    const { request } = fakeRequest(apqAnswer(new Set(['h'])));
    const gql = createGraphQLClient(request, { persistedQueries: { hash } });
    values(gql(ITEM, { id: '1' }));
    values(gql(ITEM, { id: '2' }));
    expect(hash).toHaveBeenCalledTimes(1);
  });

  it('sends the document without APQ when hashing fails, rather than failing the query', () => {
    const { request, sent } = fakeRequest(() => ({ data: 1 }));
    const gql = createGraphQLClient(request, { persistedQueries: { hash: () => throwError(() => new Error('no crypto')) } });
    expect(values(gql(ITEM)).values).toEqual([1]);
    expect(sent).toEqual([expect.objectContaining({ method: 'POST', body: { query: ITEM, operationName: 'Item' } })]);
  });

  it('does not touch other errors', () => {
    const { request, sent } = fakeRequest(() => throwError(() => new Error('offline')));
    expect(values(createGraphQLClient(request, { persistedQueries: { hash: () => of('h') } })(ITEM)).error).toEqual(new Error('offline'));
    expect(sent).toHaveLength(1);
  });

  it('waits for an asynchronous hash (Web Crypto), in marble time', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const gql = createGraphQLClient(always(cold<ApiResponse>('--r|', { r: okResponse({ data: 'd' }) })), {
        persistedQueries: { hash: () => cold('-h|', { h: 'hash' }) },
      });
      expectObservable(gql(ITEM)).toBe('---r|', { r: 'd' });
    });
  });
});

describe('createGraphQLClient: normalization', () => {
  it('writes each successful result into the registry before emitting it', () => {
    const registry = createEntityRegistry();
    const names: unknown[] = [];
    registry.select<{ name: string }>('Item:3').subscribe((item) => names.push(item?.name));
    const { request } = fakeRequest((spec) =>
      (spec.body as { operationName: string }).operationName === 'Rename'
        ? { data: { renameItem: { __typename: 'Item', id: '3', name: 'Light' } } }
        : { data: { item: { __typename: 'Item', id: '3', name: 'Lamp', price: 10 } } },
    );
    const gql = createGraphQLClient(request, { normalize: registry });
    gql(ITEM, { id: '3' }).subscribe(() => names.push('emitted'));
    values(gql(ITEM, { id: '3' })); // equal data: the view emits nothing
    values(gql(RENAME, { id: '3', name: 'Light' }));
    expect(names).toEqual([undefined, 'Lamp', 'emitted', 'Light']);
    expect(registry.storeFor('Item').get('3')).toEqual({ __typename: 'Item', id: '3', name: 'Light', price: 10 });
  });

  it('writes nothing from a result with errors (its nulls would overwrite good fields)', () => {
    const registry = createEntityRegistry();
    registry.write({ item: { __typename: 'Item', id: 'partial', name: 'x', price: 5 } });
    const { request } = fakeRequest(() => ({
      data: { item: { __typename: 'Item', id: 'partial', name: 'x', price: null } },
      errors: [{ message: 'price service unavailable' }],
    }));
    values(createGraphQLClient(request, { normalize: registry })(ITEM, { id: 'partial' }));
    expect(registry.storeFor('Item').get('partial')).toEqual({ __typename: 'Item', id: 'partial', name: 'x', price: 5 });
  });
});

import { of } from 'rxjs';
import { RequestContext } from '../../lib/core/context';
import { GraphQLError, ParseError } from '../../lib/core/errors';
import { chain } from '../../lib/core/layer';
import { createRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { GRAPHQL_OPERATION } from '../../lib/graphql/graphql-context';
import { graphqlErrorsLayer } from '../../lib/graphql/graphql-errors.layer';
import { graphqlBodyError } from '../../lib/graphql/graphql-response';
import { okResponse } from '../../lib/testing/responses';
import { createTestScheduler } from '../helpers/marbles';

const URL = 'https://api.test/graphql';
const gqlRequest = createRequest({
  method: 'POST',
  url: URL,
  context: RequestContext.empty().set(GRAPHQL_OPERATION, { operationName: 'Item', operationType: 'query' }),
});
const restRequest = createRequest({ url: 'https://api.test/items' });
const unauthenticated = [{ message: 'unauthenticated', extensions: { code: 'UNAUTHENTICATED' } }];
const partial = {
  data: { item: { __typename: 'Item', id: 'partial', name: 'Partially available', price: null } },
  errors: [{ message: 'price service unavailable', path: ['item', 'price'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
};

describe('graphqlBodyError (which 2xx bodies are failures)', () => {
  it.each([
    ['data only is a success', { data: { me: null } }, undefined],
    ['data with an empty errors array is a success', { data: { a: 1 }, errors: [] }, undefined],
    ['errors: null with data is a success', { data: { a: 1 }, errors: null }, undefined],
    ['data: null alone is a success (GraphQL §7.1.2 allows it)', { data: null }, undefined],
  ])('%s', (_rule, body, expected) => {
    expect(graphqlBodyError(gqlRequest, okResponse(body))).toBe(expected);
  });

  it.each([
    ['errors without data', { errors: unauthenticated }, unauthenticated, undefined],
    ['errors with data: null', { errors: unauthenticated, data: null }, unauthenticated, null],
    ['errors with partial data (kept)', partial, partial.errors, partial.data],
    ['a malformed entry gets a readable message', { errors: ['boom', { code: 1 }] }, [{ message: 'boom' }, { message: '{"code":1}' }], undefined],
  ])('%s → GraphQLError', (_rule, body, errors, data) => {
    const error = graphqlBodyError(gqlRequest, okResponse(body));
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error).toMatchObject({ kind: 'graphql', errors, data, request: { method: 'POST', url: URL } });
  });

  it.each([
    ['an array', [1, 2], '[1,2]'],
    ['a string (a text/plain error page)', 'Bad Gateway', '"Bad Gateway"'],
    ['null (an empty 200)', null, 'null'],
    ['an object with neither data nor errors', { ok: true }, '{"ok":true}'],
    ['errors that is not an array', { errors: 'nope', data: {} }, '{"errors":"nope","data":{}}'],
  ])('%s → ParseError with the body as raw', (_rule, body, raw) => {
    const error = graphqlBodyError(gqlRequest, okResponse(body, { 'content-type': 'application/json' }));
    expect(error).toBeInstanceOf(ParseError);
    expect(error).toMatchObject({ kind: 'parse', raw, contentType: 'application/json' });
  });

  it('leaves a 304 to the cache layer above (it has no body of its own)', () => {
    expect(graphqlBodyError(gqlRequest, okResponse(null, {}, 304))).toBeUndefined();
  });
});

describe('graphqlErrorsLayer', () => {
  it('passes a non-GraphQL request straight to next: the very same Observable, nothing added', () => {
    const response$ = of(okResponse({ errors: unauthenticated }));
    expect(graphqlErrorsLayer()(restRequest, () => response$)).toBe(response$);
  });

  it('emits a successful GraphQL response unchanged, at the same frame', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const r = okResponse({ data: { me: { id: 'u' } } });
      const send = chain([graphqlErrorsLayer()], () => cold('--r|', { r }));
      expectObservable(send(gqlRequest)).toBe('--r|', { r });
    });
  });

  it('turns a 200 with errors into a GraphQLError keeping partial data', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const send = chain([graphqlErrorsLayer()], () => cold('--r|', { r: okResponse(partial) }));
      expectObservable(send(gqlRequest)).toBe('--#', undefined, new GraphQLError(gqlRequest, partial.errors, partial.data));
    });
  });

  it('turns UNAUTHENTICATED with HTTP 200 into a GraphQLError, so auth above sees a challenge', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const send = chain([graphqlErrorsLayer()], () => cold('-r|', { r: okResponse({ errors: unauthenticated, data: null }) }));
      expectObservable(send(gqlRequest)).toBe('-#', undefined, new GraphQLError(gqlRequest, unauthenticated, null));
    });
  });

  it('turns a body that is no GraphQL response into a ParseError', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const send = chain([graphqlErrorsLayer()], () => cold('-r|', { r: okResponse('<html>', { 'content-type': 'text/html' }) }));
      expectObservable(send(gqlRequest)).toBe('-#', undefined, new ParseError(gqlRequest, '"<html>"', 'text/html', 'not a GraphQL response object'));
    });
  });

  it('passes errors from below untouched and never re-subscribes', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failure = new Error('network');
      const network = cold<ApiResponse>('--#', undefined, failure);
      const send = chain([graphqlErrorsLayer()], () => network);
      expectObservable(send(gqlRequest)).toBe('--#', undefined, failure);
      expectSubscriptions(network.subscriptions).toBe('^-!');
    });
  });

  it('unsubscribing cancels the request below', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const network = cold('-----r|', { r: okResponse({ data: {} }) });
      const send = chain([graphqlErrorsLayer()], () => network);
      expectObservable(send(gqlRequest), '^--!').toBe('---');
      expectSubscriptions(network.subscriptions).toBe('^--!');
    });
  });

  it('lets a 304 through for the cache layer to merge', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const r = okResponse(null, { etag: '"v1"' }, 304);
      const send = chain([graphqlErrorsLayer()], () => cold('-r|', { r }));
      expectObservable(send(gqlRequest)).toBe('-r|', { r });
    });
  });
});

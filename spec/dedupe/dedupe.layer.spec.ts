import { Observable, take } from 'rxjs';
import { ContextToken, RequestContext } from '../../lib/core/context';
import { createEnv } from '../../lib/core/env';
import type { ClientEvent } from '../../lib/core/events';
import { chain, type Handler } from '../../lib/core/layer';
import { createRequest } from '../../lib/core/request';
import type { ApiResponse } from '../../lib/core/response';
import { dedupeLayer } from '../../lib/dedupe/dedupe.layer';
import { createTestScheduler } from '../helpers/marbles';

const response = (body: unknown): ApiResponse => ({ status: 200, headers: {}, body, url: 'https://a.test/items', fromCache: false, stale: false });

describe('dedupeLayer', () => {
  it('shares one in-flight GET between concurrent subscribers and starts anew after completion', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const network = cold('---r|', { r: response('items') });
      const { env } = createEnv({ scheduler: rx });
      const send = chain([dedupeLayer(env)], () => network);
      const get = () => send(createRequest({ url: 'https://a.test/items' }));

      const r = { r: response('items') };
      expectObservable(get(), '^').toBe('---r|', r);
      expectObservable(get(), '-^').toBe('---r|', r); // joins: same completion frame
      expectObservable(get(), '------^').toBe('---------r|', r); // after completion: a new request
      expectSubscriptions(network.subscriptions).toBe(['^---!', '------^---!']);
    });
  });

  it('replays what a shared execution already emitted to a late joiner (stale value first)', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const values = { s: response('stale'), f: response('fresh') };
      const source = cold('s--f|', values);
      const send = chain([dedupeLayer(createEnv({ scheduler: rx }).env)], () => source);
      const get = () => send(createRequest({ url: 'https://a.test/items' }));
      expectObservable(get()).toBe('s--f|', values);
      expectObservable(get(), '--^').toBe('--sf|', values);
    });
  });

  it('keeps the request going for the others when one subscriber leaves; the last one out aborts it', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const network = cold('-----r|', { r: response('x') });
      const send = chain([dedupeLayer(createEnv({ scheduler: rx }).env)], () => network);
      const get = () => send(createRequest({ url: 'https://a.test/items' }));
      expectObservable(get(), '^-!').toBe('---');
      expectObservable(get(), '-^--!').toBe('-----');
      expectSubscriptions(network.subscriptions).toBe('^---!');
    });
  });

  it('never merges different URLs, headers, options or non-GET methods', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectSubscriptions }) => {
      const network = cold('--r|', { r: response('x') });
      const send = chain([dedupeLayer(createEnv({ scheduler: rx }).env)], () => network);
      send(createRequest({ url: 'https://a.test/a' })).subscribe();
      send(createRequest({ url: 'https://a.test/b' })).subscribe();
      send(createRequest({ url: 'https://a.test/a', headers: { accept: 'text/csv' } })).subscribe();
      send(createRequest({ url: 'https://a.test/a', responseType: 'text' })).subscribe();
      send(createRequest({ method: 'POST', url: 'https://a.test/a' })).subscribe();
      send(createRequest({ method: 'POST', url: 'https://a.test/a' })).subscribe();
      expectSubscriptions(network.subscriptions).toBe(['^--!', '^--!', '^--!', '^--!', '^--!', '^--!']);
    });
  });

  it('finds the twin among several flights of one URL, and keeps the others when one ends', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answers = { j: response('json'), c: response('csv') };
      const json = cold('--j|', answers);
      const csv = cold('-----c|', answers);
      const send = chain([dedupeLayer(createEnv({ scheduler: rx }).env)], (req) => (req.headers['accept'] === 'text/csv' ? csv : json));
      const get = (accept?: string) => send(createRequest({ url: 'https://a.test/a', headers: accept ? { accept } : undefined }));
      expectObservable(get()).toBe('--j|', answers);
      expectObservable(get('text/csv')).toBe('-----c|', answers);
      expectObservable(get('text/csv'), '-^').toBe('-----c|', answers); // joins the csv flight, not the first
      expectObservable(get('text/csv'), '----^').toBe('-----c|', answers); // after the json flight ended: still there
      expectObservable(get(), '----^').toBe('------j|', answers); // the json flight is gone: a new one
      expectSubscriptions(json.subscriptions).toBe(['^--!', '----^--!']);
      expectSubscriptions(csv.subscriptions).toBe('^-----!');
    });
  });

  it('reports each joined request as a deduplicated event', () => {
    const { env, events$ } = createEnv();
    const events: ClientEvent[] = [];
    events$.subscribe((e) => events.push(e));
    const never: Handler = () => new Observable<ApiResponse>();
    const send = chain([dedupeLayer(env)], never);
    send(createRequest({ url: 'https://a.test/x' })).subscribe();
    send(createRequest({ url: 'https://a.test/x' })).subscribe();
    expect(events.map((e) => e.type)).toEqual(['deduplicated']);
  });

  it('registers nothing for an execution that completes during subscribe (a memory cache hit)', () => {
    let executions = 0;
    const send = chain([dedupeLayer(createEnv().env)], () => new Observable<ApiResponse>((s) => (executions++, s.next(response('hit')), s.complete())));
    const values: unknown[] = [];
    send(createRequest({ url: 'https://a.test/x' })).subscribe((r) => values.push(r.body));
    send(createRequest({ url: 'https://a.test/x' })).subscribe((r) => values.push(r.body));
    expect(values).toEqual(['hit', 'hit']);
    expect(executions).toBe(2);
  });

  it('delivers an error to every joined subscriber, and the next request starts anew', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold<ApiResponse>('--#', undefined, new Error('offline'));
      const send = chain([dedupeLayer(createEnv({ scheduler: rx }).env)], () => failing);
      const get = () => send(createRequest({ url: 'https://a.test/items' }));
      expectObservable(get()).toBe('--#', undefined, new Error('offline'));
      expectObservable(get(), '-^').toBe('--#', undefined, new Error('offline'));
      expectObservable(get(), '---^').toBe('-----#', undefined, new Error('offline'));
      expectSubscriptions(failing.subscriptions).toBe(['^-!', '---^-!']);
    });
  });

  it('stops the source when the only subscriber takes the first value and leaves (stale value, then revalidation)', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = { s: response('stale'), f: response('fresh') };
      const source = cold('s---f|', values);
      const send = chain([dedupeLayer(createEnv({ scheduler: rx }).env)], () => source);
      expectObservable(send(createRequest({ url: 'https://a.test/items' })).pipe(take(1))).toBe('(s|)', values);
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('shares requests whose options are equal by value, though each call built its own context', () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectSubscriptions }) => {
      const network = cold('--r|', { r: response('x') });
      const send = chain([dedupeLayer(createEnv({ scheduler: rx }).env)], () => network);
      const POLICY = new ContextToken<string>('policy', () => 'default');
      const OPERATION = new ContextToken<object | undefined>('operation', () => undefined);
      const withOptions = () => RequestContext.empty().set(POLICY, 'network-first').set(OPERATION, { name: 'Items', type: 'query' });
      send(createRequest({ url: 'https://a.test/a', context: withOptions() })).subscribe();
      send(createRequest({ url: 'https://a.test/a', context: withOptions() })).subscribe();
      send(createRequest({ url: 'https://a.test/a', context: RequestContext.empty().set(POLICY, 'cache-first') })).subscribe();
      expectSubscriptions(network.subscriptions).toBe(['^--!', '^--!']);
    });
  });

  it("never lets another session join an in-flight request (user B must not receive user A's response)", () => {
    const rx = createTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      let session = 'ada#1';
      const answers = { a: response('inbox of ada'), b: response('inbox of bob') };
      const network = cold('---a|', answers);
      const network2 = cold('---b|', answers);
      let calls = 0;
      const send = chain([dedupeLayer(createEnv({ scheduler: rx }).env, { sessionKey: () => session })], () => (calls++ === 0 ? network : network2));
      const get = () => send(createRequest({ url: 'https://a.test/me' }));
      expectObservable(get()).toBe('---a|', answers);
      rx.schedule(() => (session = 'bob#2'), 1);
      expectObservable(get(), '--^').toBe('-----b|', answers);
      expectSubscriptions(network.subscriptions).toBe('^---!');
      expectSubscriptions(network2.subscriptions).toBe('--^---!');
    });
  });
});

/**
 * @jest-environment jsdom
 */
import { initAngularTestEnvironment } from './angular-test-env';
import { InjectionToken, Injector, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { createMockBackend } from 'rxsync/testing';
import {
  RXSYNC_CLIENT,
  RXSYNC_CONFIG,
  RxsyncModule,
  entityStoreToken,
  injectApiClient,
  provideRxsync,
  withAngularHttp,
  withConfig,
  withEntityStore,
} from 'rxsync/angular';

interface Item {
  readonly id: number;
  readonly title: string;
}
const ITEMS = entityStoreToken<Item>('items');
const BASE_URL = new InjectionToken<string>('BASE_URL');

beforeAll(() => initAngularTestEnvironment());

describe('provideRxsync', () => {
  it('provides one client reachable through RXSYNC_CLIENT and injectApiClient()', () => {
    TestBed.configureTestingModule({ providers: [provideRxsync({ baseUrl: 'https://api.test', cache: false })] });
    const client = TestBed.inject(RXSYNC_CLIENT);
    expect(typeof client.get).toBe('function');
    expect(TestBed.runInInjectionContext(() => injectApiClient())).toBe(client);
    expect(injectApiClient({ injector: TestBed.inject(Injector) })).toBe(client);
  });

  it('runs a config factory and the features’ config steps in an injection context, in order', () => {
    const backend = createMockBackend();
    TestBed.configureTestingModule({
      providers: [
        { provide: BASE_URL, useValue: 'https://api.from-di.test' },
        provideRxsync(
          () => ({ baseUrl: inject(BASE_URL), cache: false, transport: backend.handler }),
          withConfig((config) => ({ ...config, headers: { 'x-step': 'one' } })),
          withConfig((config) => ({ ...config, headers: { ...(config.headers as Record<string, string>), 'x-step-2': 'two' } })),
        ),
      ],
    });
    expect(TestBed.inject(RXSYNC_CONFIG).baseUrl).toBe('https://api.from-di.test');
    const seen: unknown[] = [];
    TestBed.inject(RXSYNC_CLIENT)
      .get('/items')
      .subscribe((body) => seen.push(body));
    const req = backend.expectOne('GET https://api.from-di.test/items');
    expect(req.request.headers).toMatchObject({ 'x-step': 'one', 'x-step-2': 'two' });
    req.flush([1]);
    expect(seen).toEqual([[1]]);
    backend.verify();
  });

  it('provides entity stores under their tokens, one instance per injector', () => {
    TestBed.configureTestingModule({ providers: [provideRxsync({ baseUrl: 'https://api.test' }, withEntityStore(ITEMS, { idKey: 'id' }))] });
    const items = TestBed.inject(ITEMS);
    expect(TestBed.inject(ITEMS)).toBe(items);
    items.upsertMany([{ id: 1, title: 'one' }]);
    const seen: Array<Item | undefined> = [];
    items.select(1).subscribe((item) => seen.push(item));
    expect(seen).toEqual([{ id: 1, title: 'one' }]);
  });

  it('refuses a feature that may appear once given twice, with a clear message', () => {
    expect(() => provideRxsync({ baseUrl: 'https://api.test' }, withAngularHttp(), withAngularHttp())).toThrow(/RXSYNC-2001.*'angular-http'.*twice/);
  });
});

describe('RxsyncModule.forRoot (NgModule apps)', () => {
  it('gives an NgModule app the same client and stores', () => {
    TestBed.configureTestingModule({ imports: [RxsyncModule.forRoot({ baseUrl: 'https://api.test' }, withEntityStore(ITEMS, { idKey: 'id' }))] });
    expect(typeof TestBed.inject(RXSYNC_CLIENT).request).toBe('function');
    expect(TestBed.inject(RXSYNC_CONFIG).baseUrl).toBe('https://api.test');
    expect(TestBed.inject(ITEMS).getAll()).toEqual([]);
  });
});

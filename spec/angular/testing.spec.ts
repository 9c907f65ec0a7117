/**
 * @jest-environment jsdom
 *
 * The README's "Testing your Angular code" example, as a test: a service and a zoneless component
 * tested against provideRxsyncTesting's mock backend.
 */
import { initAngularTestEnvironment } from './angular-test-env';
import { ChangeDetectionStrategy, Component, Injectable, inject, provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { HttpError } from 'rxsync';
import { RXSYNC_MOCK_BACKEND, entitiesSignal, entityStoreToken, injectApiClient, provideRxsyncTesting, withEntityStore } from 'rxsync/angular';

interface Item {
  readonly id: number;
  readonly name: string;
}
const ITEMS = entityStoreToken<Item>('items');

@Injectable({ providedIn: 'root' })
class ItemsService {
  private readonly client = injectApiClient();
  private readonly items = inject(ITEMS);
  lastError: unknown;
  load(): void {
    this.client
      .get<Item[]>('/items')
      .pipe(this.items.upsertManyFrom())
      .subscribe({ error: (error: unknown) => (this.lastError = error) });
  }
}

@Component({
  selector: 'item-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `@for (item of items(); track item.id) {
    <li>{{ item.name }}</li>
  }`,
})
class ItemList {
  protected readonly items = entitiesSignal(inject(ITEMS));
}

beforeAll(() => initAngularTestEnvironment());

describe('testing your own Angular code with provideRxsyncTesting', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideZonelessChangeDetection(), provideRxsyncTesting({}, withEntityStore(ITEMS, { idKey: 'id' }))],
    });
  });
  afterEach(() => TestBed.inject(RXSYNC_MOCK_BACKEND).verify());

  it('answers the service’s request by hand and renders what it stored', async () => {
    const fixture = TestBed.createComponent(ItemList);
    TestBed.inject(ItemsService).load();
    TestBed.inject(RXSYNC_MOCK_BACKEND)
      .expectOne('GET /items')
      .flush([
        { id: 1, name: 'one' },
        { id: 2, name: 'two' },
      ]);
    await fixture.whenStable();
    expect(fixture.nativeElement.textContent).toBe('onetwo');
  });

  it('lets the test answer with an error status, which reaches the service typed', () => {
    const service = TestBed.inject(ItemsService);
    service.load();
    TestBed.inject(RXSYNC_MOCK_BACKEND).expectOne('GET /items').error(503);
    expect(service.lastError).toBeInstanceOf(HttpError);
    expect((service.lastError as HttpError).status).toBe(503);
  });

  it('verify() lists a request the test left unanswered', () => {
    TestBed.inject(ItemsService).load();
    const backend = TestBed.inject(RXSYNC_MOCK_BACKEND);
    expect(() => backend.verify()).toThrow(/items/);
    backend.expectOne('GET /items').flush([]);
  });
});

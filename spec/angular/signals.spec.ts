/**
 * @jest-environment jsdom
 */
import { initAngularTestEnvironment } from './angular-test-env';
import {
  ChangeDetectionStrategy,
  Component,
  Injector,
  createEnvironmentInjector,
  EnvironmentInjector,
  inject,
  Input,
  provideZonelessChangeDetection,
  type Signal,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { BehaviorSubject, Subject, finalize } from 'rxjs';
import { entitySignal, entitiesSignal, entityStoreToken, provideRxsync, querySignal, syncSignal, withEntityStore } from 'rxsync/angular';

interface Item {
  readonly id: number;
  readonly title: string;
}
const ITEMS = entityStoreToken<Item>('items');

beforeAll(() => initAngularTestEnvironment());

/** Shows one entity; reads it through a signal, so zoneless change detection knows when to render. */
@Component({
  selector: 'item-title',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="title">{{ item()?.title ?? '…' }}</span>`,
})
class ItemTitle {
  // A decorator input: signal inputs (`input()`) need the Angular compiler's transform, which plain JIT under jest lacks.
  @Input({ required: true }) id!: number;
  private readonly items = inject(ITEMS);
  private readonly injector = inject(Injector);
  item!: Signal<Item | undefined>;
  ngOnInit(): void {
    this.item = entitySignal(this.items, this.id, { injector: this.injector });
  }
}

@Component({
  selector: 'two-items',
  imports: [ItemTitle],
  template: `<item-title [id]="1" /><item-title [id]="2" />`,
})
class TwoItems {}

/** Counts DOM mutations under an element: a render that changes nothing visible is not counted, one that does is. */
function mutationCounter(element: Element): { readonly count: () => number; stop(): void } {
  let count = 0;
  const observer = new MutationObserver((records) => (count += records.length));
  observer.observe(element, { subtree: true, characterData: true, childList: true, attributes: true });
  return { count: () => count + observer.takeRecords().length, stop: () => observer.disconnect() };
}

describe('signals in a zoneless component', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideZonelessChangeDetection(), provideRxsync({ baseUrl: 'https://api.test' }, withEntityStore(ITEMS, { idKey: 'id' }))],
    });
  });

  it('renders one entity and re-renders only when that entity changes (no zone.js)', async () => {
    expect((globalThis as { Zone?: unknown }).Zone).toBeUndefined();
    const items = TestBed.inject(ITEMS);
    items.upsertMany([
      { id: 1, title: 'one' },
      { id: 2, title: 'two' },
    ]);
    const fixture = TestBed.createComponent(TwoItems);
    await fixture.whenStable();
    const [a, b] = Array.from<Element>(fixture.nativeElement.querySelectorAll('item-title'));
    expect(a.textContent).toBe('one');
    expect(b.textContent).toBe('two');
    const rendersA = mutationCounter(a);
    const rendersB = mutationCounter(b);

    items.upsert({ id: 2, title: 'two, edited' });
    await fixture.whenStable();
    expect(b.textContent).toBe('two, edited');
    expect(rendersB.count()).toBe(1);
    expect(rendersA.count()).toBe(0);

    items.upsert({ id: 2, title: 'two, edited' }); // equal value: no emission, no render
    await fixture.whenStable();
    expect(rendersB.count()).toBe(1);

    items.upsert({ id: 1, title: 'one, edited' });
    await fixture.whenStable();
    expect(a.textContent).toBe('one, edited');
    expect(rendersA.count()).toBe(1);
    expect(rendersB.count()).toBe(1);
    rendersA.stop();
    rendersB.stop();
  });
});

describe('signal helpers clean up with their injector', () => {
  function childInjector(): EnvironmentInjector {
    return createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
  }

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRxsync({ baseUrl: 'https://api.test' }, withEntityStore(ITEMS, { idKey: 'id' }))] });
  });

  it('querySignal: loading, then success; destroying the injector unsubscribes (cancels the request)', () => {
    const response$ = new Subject<{ body: number[]; fromCache: boolean; stale: boolean }>();
    let unsubscribed = false;
    const injector = childInjector();
    const status = querySignal(response$.pipe(finalize(() => (unsubscribed = true))), { injector });
    expect(status().status).toBe('loading');
    response$.next({ body: [1], fromCache: true, stale: true });
    expect(status()).toMatchObject({ status: 'success', data: [1], fromCache: true, stale: true });
    injector.destroy();
    expect(unsubscribed).toBe(true);
  });

  it('entitiesSignal and syncSignal follow their streams until the injector is destroyed', () => {
    const items = TestBed.inject(ITEMS);
    const injector = childInjector();
    const all = entitiesSignal(items, { injector });
    const online$ = new BehaviorSubject(true);
    const online = syncSignal(online$, { injector });
    items.upsert({ id: 5, title: 'five' });
    online$.next(false);
    expect(all()).toEqual([{ id: 5, title: 'five' }]);
    expect(online()).toBe(false);
    injector.destroy();
    expect(online$.observed).toBe(false);
  });

  it('outside an injection context without an injector, says so', () => {
    const items = TestBed.inject(ITEMS);
    expect(() => entitySignal(items, 1)).toThrow(/injection context/);
  });
});

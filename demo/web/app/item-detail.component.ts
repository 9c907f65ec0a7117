import { ChangeDetectionStrategy, Component, Injector, effect, inject, input, signal, untracked } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { of, switchMap } from 'rxjs';
import { injectApiClient } from 'rxsync/angular';
import { ITEMS, type Item } from './items';

/**
 * The selected item, editable. The edit shows at once (the store first); the request goes through
 * the outbox, so offline it waits in IndexedDB and is sent once when the client is back online.
 */
@Component({
  selector: 'demo-item-detail',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (item(); as item) {
      <h3 data-testid="detail-title">{{ item.name }}</h3>
      <label for="title">Name</label>
      <input id="title" type="text" data-testid="title-input" [value]="draft()" (input)="draft.set($any($event.target).value)" />
      <p>
        <button type="button" data-testid="save" (click)="save(item)">Save</button> <span data-testid="save-status">{{ status() }}</span>
      </p>
    } @else {
      <p>Select an item.</p>
    }
  `,
})
export class ItemDetailComponent {
  readonly id = input<string | undefined>();
  private readonly client = injectApiClient();
  private readonly items = inject(ITEMS);
  protected readonly item = toSignal(toObservable(this.id).pipe(switchMap((id) => (id === undefined ? of(undefined) : this.items.select(id)))), {
    initialValue: undefined as Item | undefined,
    injector: inject(Injector),
  });
  protected readonly draft = signal('');
  protected readonly status = signal('');

  constructor() {
    // A new selection starts a new draft.
    effect(() => {
      const title = this.item()?.name ?? '';
      untracked(() => this.draft.set(title));
    });
  }

  save(item: Item): void {
    const title = this.draft().trim();
    if (title === '' || title === item.name) return;
    this.items.upsert({ ...item, name: title });
    this.status.set('saving…');
    this.client
      .patch<Item>(`/items/${item.id}`, { name: title }, { offline: 'queue' })
      .pipe(this.items.upsertFrom())
      .subscribe({
        next: () => this.status.set('saved'),
        error: (error: unknown) => {
          this.items.upsert(item);
          this.status.set(`not saved: ${error instanceof Error ? error.name : 'error'}`);
        },
      });
  }
}

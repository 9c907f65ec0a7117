import { ChangeDetectionStrategy, Component, Injector, computed, inject, input, type OnInit, type Signal } from '@angular/core';
import { entitySignal } from 'rxsync/angular';
import { ITEMS, type Item } from './items';
import { RenderCountDirective } from './render-count.directive';

/** One row: reads its own entity, so an edit elsewhere in the list never re-renders it. */
@Component({
  selector: 'demo-item-row',
  imports: [RenderCountDirective],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span renderCount #rc="renderCount" class="title" [attr.data-testid]="'title-' + id()">{{ label() }}</span>
    <span class="renders" [attr.data-testid]="'renders-' + id()">renders: {{ rc.count() }}</span>
  `,
})
export class ItemRowComponent implements OnInit {
  readonly id = input.required<string>();
  private readonly items = inject(ITEMS);
  private readonly injector = inject(Injector);
  private item?: Signal<Item | undefined>;
  // First read by the first render, which comes after ngOnInit.
  protected readonly label = computed(() => {
    const value = this.item?.();
    return value ? `${value.name} · ${value.price.toFixed(2)}` : '…';
  });

  ngOnInit(): void {
    // The id is an input, known from ngOnInit on; the signal unsubscribes with the component.
    this.item = entitySignal(this.items, this.id(), { injector: this.injector });
  }
}

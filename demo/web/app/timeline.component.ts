import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import type { ClientEvent } from 'rxsync';
import { injectApiClient } from 'rxsync/angular';

/** One line per event: what happened, never a token or a body (events carry neither). */
export function describeEvent(event: ClientEvent): string {
  const path = 'url' in event ? new URL(event.url).pathname.replace(/^\/api/, '') : '';
  switch (event.type) {
    case 'request-start':
      return `→ request ${event.method} ${path}`;
    case 'response':
      return `← ${event.status === 304 ? '304 not modified' : event.status} ${event.method} ${path} (${Math.round(event.durationMs)} ms)`;
    case 'cache-hit':
      return `cache hit (${event.tier}${event.stale ? ', stale' : ''}) ${path}`;
    case 'cache-miss':
      return `cache miss ${path}`;
    case 'revalidated':
      return `revalidated ${path}: ${event.changed ? 'changed' : 'unchanged (304)'}`;
    case 'retry-scheduled':
      return `retry wait ${Math.round(event.delayMs)} ms, attempt ${event.attempt} ${path}`;
    case 'token-refresh-start':
      return `shared refresh started (${event.trigger})`;
    case 'token-refreshed':
      return `token refreshed (${Math.round(event.durationMs)} ms)`;
    case 'request-failed':
      return `✗ ${event.method} ${path}: ${event.errorKind}`;
    default:
      return `${event.type} ${path}`.trim();
  }
}

@Component({
  selector: 'demo-timeline',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ol class="timeline" data-testid="timeline">
      @for (line of lines(); track $index) {
        <li>{{ line }}</li>
      }
    </ol>
  `,
})
export class TimelineComponent {
  protected readonly lines = signal<readonly string[]>([]);

  constructor() {
    const subscription = injectApiClient().events$.subscribe((event) => this.lines.update((lines) => [describeEvent(event), ...lines].slice(0, 60)));
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }
}

import { ChangeDetectionStrategy, Component, inject, signal, type OnInit } from '@angular/core';
import { localforageTokenStore, type AuthTokens } from 'rxsync';
import { entitiesSignal, injectApiClient, injectOnline, injectOutboxState } from 'rxsync/angular';
import { firstValueFrom } from 'rxjs';
import { API_URL, DEMO_NETWORK } from './app.config';
import { DemoControls, type ServerCounts } from './demo-controls.service';
import { ItemDetailComponent } from './item-detail.component';
import { ItemRowComponent } from './item-row.component';
import { ITEMS, type Item } from './items';
import { TimelineComponent } from './timeline.component';

/** The list's caching policy: long enough that a reload is answered from IndexedDB. */
const LIST_CACHE = { cc: 'private, max-age=300' };

@Component({
  selector: 'app-root',
  imports: [ItemRowComponent, ItemDetailComponent, TimelineComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header>
      <h1>rxsync · Angular 21, zoneless</h1>
      <span class="badge" [class.online]="online()" [class.offline]="!online()" data-testid="online">{{ online() ? 'online' : 'offline' }}</span>
      <span class="badge" [class.pending]="outbox().pending > 0" data-testid="outbox"
        >outbox: {{ outbox().pending }}{{ outbox().dead ? ' · ' + outbox().dead + ' failed' : '' }}</span
      >
      <span class="badge" data-testid="load-state">{{ loadState() }}</span>
    </header>
    @if (error(); as error) {
      <p class="error" data-testid="error">{{ error }}</p>
    }
    <main>
      <section>
        <h2>Items</h2>
        <ul class="items" data-testid="items">
          @for (item of items(); track item.id) {
            <li [class.selected]="item.id === selected()" (click)="selected.set(item.id)" [attr.data-testid]="'row-' + item.id">
              <demo-item-row [id]="item.id" />
            </li>
          }
        </ul>
      </section>
      <section>
        <h2>Detail</h2>
        <demo-item-detail [id]="selected()" />
        <h2>Faults</h2>
        <div class="controls">
          <button type="button" data-testid="burst-503" (click)="burst503()">503 burst</button>
          <button type="button" data-testid="slow" (click)="toggleSlow()">{{ slow() ? 'normal network' : 'slow network' }}</button>
          <button type="button" data-testid="expire-token" (click)="expireToken()">token expiry</button>
          <button type="button" data-testid="offline" (click)="toggleOffline()">{{ online() ? 'go offline' : 'go online' }}</button>
          <button type="button" data-testid="revalidate" (click)="load('network-first')">revalidate list</button>
        </div>
        <h2>Server</h2>
        <p data-testid="server-counts">{{ describeCounts() }}</p>
      </section>
      <section>
        <h2>Timeline (events$)</h2>
        <demo-timeline />
      </section>
    </main>
  `,
})
export class AppComponent implements OnInit {
  private readonly client = injectApiClient();
  private readonly controls = inject(DemoControls);
  private readonly store = inject(ITEMS);
  protected readonly items = entitiesSignal(this.store);
  protected readonly online = injectOnline();
  protected readonly outbox = injectOutboxState();
  protected readonly selected = signal<string | undefined>(undefined);
  protected readonly loadState = signal('starting');
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly slow = signal(false);
  protected readonly counts = signal<ServerCounts | undefined>(undefined);

  async ngOnInit(): Promise<void> {
    // Signed in from an earlier visit? The token store (IndexedDB) says; else sign in once.
    if (!(await firstValueFrom(localforageTokenStore().load()))) {
      const res = await fetch(`${API_URL}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'demo-user', password: 'demo' }),
      });
      this.client.auth?.setTokens((await res.json()) as AuthTokens);
    }
    this.load();
  }

  load(fetchPolicy: 'cache-first' | 'network-first' = 'cache-first'): void {
    this.loadState.set('loading');
    this.client
      .request<Item[]>({ method: 'GET', url: '/items', params: LIST_CACHE, fetchPolicy })
      .pipe(this.store.upsertManyFrom())
      .subscribe({
        next: (res) => {
          // A 304 answers from the cache too: after a network-first load that is a revalidation.
          this.loadState.set(!res.fromCache ? 'from network' : fetchPolicy === 'network-first' ? 'revalidated' : 'from cache');
          this.error.set(undefined);
          this.selected.update((id) => id ?? res.body[0]?.id);
          void this.refreshCounts();
        },
        error: (error: unknown) => {
          this.loadState.set('failed');
          this.error.set(error instanceof Error ? error.message : String(error));
        },
      });
  }

  async burst503(): Promise<void> {
    await this.controls.burst503(2);
    this.load('network-first');
  }

  async toggleSlow(): Promise<void> {
    this.slow.update((slow) => !slow);
    await this.controls.slowNetwork(this.slow() ? 1_500 : 0);
  }

  /** Swaps in an access token that has already expired: the next request refreshes first, once. */
  async expireToken(): Promise<void> {
    this.client.auth?.setTokens(await this.controls.expiredTokens());
    this.load('network-first');
  }

  /** The page's offline switch: the client's hint, and the proxy drops API connections meanwhile. */
  async toggleOffline(): Promise<void> {
    const goOffline = this.online();
    await this.controls.setReachable(!goOffline);
    DEMO_NETWORK.set(!goOffline);
  }

  async refreshCounts(): Promise<void> {
    this.counts.set(await this.controls.counts());
  }

  protected describeCounts(): string {
    const counts = this.counts();
    return counts ? `${counts.requests} requests, ${counts.refreshCalls} refreshes` : '—';
  }
}

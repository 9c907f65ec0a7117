import type { FaultInjector } from './faults';
import type { Exchange } from './http';
import type { IdempotencyStore } from './idempotency';
import type { ItemStore } from './items-store';
import type { StatsCounters } from './stats';
import type { Timers } from './timers';
import type { TokenService } from './tokens';

/** The state one server instance owns; route handlers receive it instead of reaching for globals. */
export interface App {
  readonly tokens: TokenService;
  readonly items: ItemStore;
  readonly idempotency: IdempotencyStore;
  readonly faults: FaultInjector;
  readonly stats: StatsCounters;
  readonly timers: Timers;
  /** Automatic persisted queries: sha256 hex → document. */
  readonly persistedQueries: Map<string, string>;
}

export type Handler = (ex: Exchange, app: App) => void | Promise<void>;

export interface Route {
  readonly method: string;
  /** Pattern with `:name` segments; also the route key in stats (`'GET /items/:id'`). */
  readonly pattern: string;
  /**
   * 'bearer': a valid access token or 401 before the handler runs. 'none': public, or the
   * handler checks itself (GraphQL answers auth failures in its own error format).
   */
  readonly auth: 'bearer' | 'none';
  readonly handler: Handler;
}

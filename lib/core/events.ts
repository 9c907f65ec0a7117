import type { ApiErrorKind } from './errors';

/**
 * What happened, for logging, devtools and the demo's timeline. Events carry the method and URL,
 * never headers, bodies or tokens. Every event has `at`: the client scheduler's `now()`.
 */
export type ClientEvent =
  | { readonly type: 'request-start'; readonly at: number; readonly method: string; readonly url: string }
  | { readonly type: 'response'; readonly at: number; readonly method: string; readonly url: string; readonly status: number; readonly durationMs: number }
  | {
      readonly type: 'retry-scheduled';
      readonly at: number;
      readonly method: string;
      readonly url: string;
      /** The attempt that failed (1 for the first). */
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | {
      readonly type: 'request-failed';
      readonly at: number;
      readonly method: string;
      readonly url: string;
      readonly errorKind: ApiErrorKind | 'unknown';
      readonly attempts: number;
      readonly message: string;
    }
  | { readonly type: 'deduplicated'; readonly at: number; readonly method: string; readonly url: string }
  | { readonly type: 'token-refresh-start'; readonly at: number; readonly trigger: 'expired' | 'unauthorized' }
  | { readonly type: 'token-refreshed'; readonly at: number; readonly durationMs: number }
  /** The refresh call got no verdict (5xx, network, timeout) and is tried again after `delayMs`. */
  | { readonly type: 'token-refresh-retry'; readonly at: number; readonly attempt: number; readonly delayMs: number }
  /** The shared refresh failed for good: `sessionKept` false when it ended the session. */
  | { readonly type: 'token-refresh-failed'; readonly at: number; readonly reason: 'refresh-failed' | 'refresh-unavailable'; readonly sessionKept: boolean }
  | { readonly type: 'token-replayed'; readonly at: number; readonly method: string; readonly url: string }
  | { readonly type: 'session-expired'; readonly at: number; readonly reason: string }
  | {
      readonly type: 'cache-hit';
      readonly at: number;
      readonly method: string;
      readonly url: string;
      readonly tier: 'memory' | 'persistent';
      readonly stale: boolean;
    }
  | { readonly type: 'cache-miss'; readonly at: number; readonly method: string; readonly url: string }
  | { readonly type: 'revalidated'; readonly at: number; readonly method: string; readonly url: string; readonly changed: boolean }
  | { readonly type: 'stale-served'; readonly at: number; readonly method: string; readonly url: string; readonly reason: string }
  | { readonly type: 'cache-error'; readonly at: number; readonly operation: string; readonly detail: string }
  | {
      /** The circuit breaker of `origin` changed state; `nextProbeAt` (scheduler ms) when open. */
      readonly type: 'circuit-state';
      readonly at: number;
      readonly origin: string;
      readonly state: 'closed' | 'open' | 'half-open';
      readonly nextProbeAt: number | undefined;
    }
  | {
      /** The retry budget of `origin` ran out (`retriesAllowed: false`) or refilled past half (`true`). */
      readonly type: 'retry-budget';
      readonly at: number;
      readonly origin: string;
      readonly tokens: number;
      readonly retriesAllowed: boolean;
    }
  | {
      /** A 503/429 with `Retry-After`: every retry to `origin` waits until `pausedUntil` (scheduler ms). */
      readonly type: 'pushback';
      readonly at: number;
      readonly origin: string;
      readonly status: number;
      readonly pausedUntil: number;
    }
  | { readonly type: 'fleet-store-error'; readonly at: number; readonly operation: 'load' | 'save'; readonly detail: string }
  | { readonly type: 'connectivity'; readonly at: number; readonly online: boolean; readonly hinted: boolean; readonly reachable: boolean }
  | ({ readonly type: 'outbox-queued'; readonly at: number } & OutboxEventBase)
  | ({ readonly type: 'outbox-sending'; readonly at: number; readonly attempt: number } & OutboxEventBase)
  | ({ readonly type: 'outbox-done'; readonly at: number; readonly attempts: number; readonly status: number | undefined } & OutboxEventBase)
  | ({ readonly type: 'outbox-retrying'; readonly at: number; readonly attempts: number; readonly delayMs: number; readonly reason: string } & OutboxEventBase)
  | ({ readonly type: 'outbox-dead'; readonly at: number; readonly status: number | undefined; readonly message: string } & OutboxEventBase)
  | ({ readonly type: 'outbox-discarded'; readonly at: number; readonly reason: string } & OutboxEventBase)
  | { readonly type: 'outbox-storage-error'; readonly at: number; readonly operation: string; readonly detail: string }
  | { readonly type: 'outbox-corrupt'; readonly at: number; readonly key: string; readonly detail: string };

/** What every outbox event says about its entry: never the body, headers or token. */
export interface OutboxEventBase {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly method: string;
  readonly url: string;
}

export type ClientEventType = ClientEvent['type'];

/** Distributes an event without `at`; the emitter stamps it with the scheduler clock. */
export type EmitEvent = (event: DistributiveOmit<ClientEvent, 'at'>) => void;

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

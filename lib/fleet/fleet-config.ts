import type { CircuitBreakerConfig } from './circuit-breaker';
import type { FleetStateStore } from './fleet-state-store';

export type { CircuitBreakerConfig } from './circuit-breaker';

/**
 * The retry budget of one origin: a token bucket as in gRPC retry throttling (gRFC A6).
 * The bucket starts full; every attempt that fails in a retryable way takes 1 token, every other
 * answer gives back `tokenRatio`; retries are allowed only while more than half the bucket is left.
 */
export interface RetryBudgetConfig {
  /** Size of the bucket; half of it is the reserve that retries may never touch. */
  readonly maxTokens: number;
  /** Tokens an answered attempt gives back. Retries stop when failures exceed `tokenRatio / (1 + tokenRatio)` of attempts. */
  readonly tokenRatio: number;
}

/**
 * Fleet safety, per origin and shared by every request of one client: a retry budget, a circuit
 * breaker, and server pushback (a `Retry-After` on a 503 or 429 holds back every retry to that
 * origin, not only the request that got it). `false` for any part turns it off.
 *
 * @example
 * createApiClient({
 *   baseUrl,
 *   fleet: { breaker: { failureThreshold: 3 }, store: localforageFleetStore() }, // survives restarts
 * });
 */
export interface FleetConfig {
  readonly budget?: Partial<RetryBudgetConfig> | false;
  readonly breaker?: Partial<CircuitBreakerConfig> | false;
  /** Honour `Retry-After` of 503/429 across requests (default true). */
  readonly pushback?: boolean;
  /** Keeps breaker, budget and pushback across app restarts (default: none, memory only). */
  readonly store?: FleetStateStore;
  /** How long the first request waits for `store` to load before going ahead without it (default 500 ms). */
  readonly storeTimeoutMs?: number;
}

/**
 * Defaults, and why:
 *
 * | setting                   | default | why |
 * | ------------------------- | ------- | --- |
 * | budget.maxTokens          | 4       | a full bucket allows 1 retry in an outage, then none until answers refill it (+1 each). A6's example 10 allows 4 retries: measured in the fleet simulation (100k phones, one call per 10 s, 60 s outage) 10 gives 1.50× normal load during the outage, 4 gives 1.17× (budget ≤ 1.2×); a lossy link still gets a retry after every answered attempt |
 * | budget.tokenRatio         | 1       | retries stop once half of recent attempts fail. A6's example 0.1 stops at ≈ 9 %, and 0.5 at ⅓: a mobile link losing 20–30 % of attempts in bursts (bench: flaky network) would lose requests to the budget all day, while a real outage empties the bucket anyway (4 retries, then none) |
 * | breaker.failureThreshold  | 5       | five failed attempts in a row is an outage, not a lossy link (0.27⁵ ≈ 0.1 % at 27 % loss) |
 * | breaker.openMs            | 3000    | shorter than the longest backoff step (4 s): a phone whose breaker is open probes again, and recovers, within one backoff step of the backend's recovery, as a retrying request would. Polly's 5 s break measured worse (bench outage, ÷10: worst client 592 ms to recover against a 400 ms step); a probe per break costs a fleet at most one request per client per 1.5–3 s |
 * | breaker.maxOpenMs         | 3000    | a fixed break: a growing one would leave a phone waiting long after the recovery |
 * | breaker.jitter            | 'equal' | breaks of 1.5–3 s: a fleet's probes spread out instead of arriving together |
 * | pushback                  | true    | a server that says "come back in N s" is obeyed by every request of the client |
 * | storeTimeoutMs            | 500     | a store that never answers must not hold requests back |
 */
export const DEFAULT_RETRY_BUDGET: RetryBudgetConfig = /* @__PURE__ */ Object.freeze({ maxTokens: 4, tokenRatio: 1 });
export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerConfig = /* @__PURE__ */ Object.freeze({
  failureThreshold: 5,
  openMs: 3000,
  maxOpenMs: 3000,
  jitter: 'equal',
});
export const DEFAULT_STORE_TIMEOUT_MS = 500;

/** The config with defaults filled in; `undefined` for a part that is off. */
export interface ResolvedFleetConfig {
  readonly budget: RetryBudgetConfig | undefined;
  readonly breaker: CircuitBreakerConfig | undefined;
  readonly pushback: boolean;
  readonly store: FleetStateStore | undefined;
  readonly storeTimeoutMs: number;
}

/**
 * Fills in the defaults and rejects values that cannot work, at configuration time.
 *
 * @example
 * resolveFleetConfig({ breaker: { openMs: 1000 } }).breaker; // { failureThreshold: 5, openMs: 1000, maxOpenMs: 1000, jitter: 'equal' }
 */
export function resolveFleetConfig(config: FleetConfig | undefined): ResolvedFleetConfig {
  const budget = config?.budget === false ? undefined : { ...DEFAULT_RETRY_BUDGET, ...defined(config?.budget) };
  const breakerPartial = config?.breaker === false ? undefined : defined(config?.breaker);
  // A changed openMs without a maxOpenMs keeps the break fixed, as the default is.
  const breaker =
    breakerPartial === undefined
      ? undefined
      : { ...DEFAULT_CIRCUIT_BREAKER, maxOpenMs: breakerPartial.openMs ?? DEFAULT_CIRCUIT_BREAKER.maxOpenMs, ...breakerPartial };
  if (budget) {
    if (!(budget.maxTokens > 0 && Number.isFinite(budget.maxTokens))) invalid('budget.maxTokens', budget.maxTokens, 'a positive number');
    if (!(budget.tokenRatio >= 0 && Number.isFinite(budget.tokenRatio))) invalid('budget.tokenRatio', budget.tokenRatio, 'a number ≥ 0');
  }
  if (breaker) {
    if (!Number.isInteger(breaker.failureThreshold) || breaker.failureThreshold < 1)
      invalid('breaker.failureThreshold', breaker.failureThreshold, 'an integer ≥ 1');
    if (!(breaker.openMs >= 0 && breaker.openMs <= MAX_TIMER_MS)) invalid('breaker.openMs', breaker.openMs, `ms from 0 to ${MAX_TIMER_MS}`);
    if (!(breaker.maxOpenMs >= breaker.openMs && breaker.maxOpenMs <= MAX_TIMER_MS))
      invalid('breaker.maxOpenMs', breaker.maxOpenMs, `ms from openMs to ${MAX_TIMER_MS}`);
    if (breaker.jitter !== 'none' && breaker.jitter !== 'equal') invalid('breaker.jitter', breaker.jitter, "'none' or 'equal'");
  }
  const storeTimeoutMs = config?.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  if (!(storeTimeoutMs >= 0 && storeTimeoutMs <= MAX_TIMER_MS)) invalid('storeTimeoutMs', storeTimeoutMs, `ms from 0 to ${MAX_TIMER_MS}`);
  return { budget, breaker, pushback: config?.pushback ?? true, store: config?.store, storeTimeoutMs };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function defined<T extends object>(partial: T | undefined): Partial<T> {
  if (!partial) return {};
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function invalid(field: string, value: unknown, expected: string): never {
  throw new Error(`rxsync fleet config: ${field} must be ${expected}, got ${String(value)}`);
}

import { ContextToken } from '../core/context';

/** How the backoff delay is spread: `'full'` draws uniformly in `[0, delay)` (AWS "full jitter"). */
export type RetryJitter = 'none' | 'full';

/**
 * What the retry layer retries, how often and how long it waits. `maxAttempts` counts the first
 * attempt, so the default 4 means "send, then wait 1 s, 2 s, 4 s between three resends".
 *
 * @example
 * const config: Partial<RetryConfig> = { maxAttempts: 3, baseDelayMs: 500, jitter: 'full' };
 * const layer = retryLayer(config, env);      // waits ~0–500 ms, then ~0–1 s
 */
export interface RetryConfig {
  /** Attempts in all, the first included; `1` turns retrying off. */
  readonly maxAttempts: number;
  /** The wait after the first failure; each further failure doubles it. */
  readonly baseDelayMs: number;
  /** The longest backoff wait. Does not limit a server's `Retry-After` (see `maxRetryAfterMs`). */
  readonly maxDelayMs: number;
  readonly jitter: RetryJitter;
  /** A `Retry-After` longer than this fails the request at once with `RetryAfterTooLongError`. */
  readonly maxRetryAfterMs: number;
  /** HTTP statuses worth another attempt; replaces the defaults when given. */
  readonly retryableStatuses: ReadonlySet<number>;
}

/**
 * Statuses retried by default: those where the same request may well succeed a moment later.
 *
 * @example
 * resolveRetryConfig({ retryableStatuses: new Set([...DEFAULT_RETRYABLE_STATUSES, 409]) });
 */
export const DEFAULT_RETRYABLE_STATUSES: ReadonlySet<number> = new Set([
  408, // Request Timeout: the server closed an idle connection and asks to repeat (RFC 9110 §15.5.9)
  429, // Too Many Requests: come back later, usually with Retry-After (RFC 6585 §4)
  500, // Internal Server Error: often transient (a failed deploy, a lost DB connection)
  502, // Bad Gateway: an upstream hiccup behind the proxy (RFC 9110 §15.6.3)
  503, // Service Unavailable: overloaded or in maintenance, may send Retry-After (RFC 9110 §15.6.4)
  504, // Gateway Timeout: the upstream was slow this time (RFC 9110 §15.6.5)
  // 401 is deliberately absent: the auth layer owns it (refresh once, replay through retry).
  // Other 4xx describe the request itself; sending it again cannot change the answer.
  // 501 Not Implemented will not be implemented in a second.
]);

/**
 * The defaults, as a table (waits are upper bounds under full jitter: each is drawn in `[0, w)`):
 *
 * | field             | default           | why                                                        |
 * | ----------------- | ----------------- | ---------------------------------------------------------- |
 * | maxAttempts       | 4                 | 1 s + 2 s + 4 s = 7 s of patience before telling the user  |
 * | baseDelayMs       | 1000              | long enough for a flaky mobile link to come back           |
 * | maxDelayMs        | 30000             | with more attempts, never wait longer than this            |
 * | jitter            | 'full'            | a fleet of phones that failed together must not come back together (see below) |
 * | maxRetryAfterMs   | 60000             | a server asking for minutes is down: fail, don't hang      |
 * | retryableStatuses | 408 429 500 502 503 504 | see {@link DEFAULT_RETRYABLE_STATUSES}               |
 *
 * @example
 * backoffDelay(2, DEFAULT_RETRY_CONFIG, Math.random); // 2000
 */
export const DEFAULT_RETRY_CONFIG: RetryConfig = /* @__PURE__ */ Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  // Full jitter: AWS's simulation (Brooker 2015, re-run in bench/) found it does the least work
  // of all backoff schedules, and rxsync's own fleet simulation (bench/fleet.bench.ts) shows why
  // for phones: without jitter every client that failed at the outage's start retries in the same
  // second. Tests wanting exact timings pass `jitter: 'none'` (or a fixed `random`).
  jitter: 'full',
  maxRetryAfterMs: 60_000,
  retryableStatuses: DEFAULT_RETRYABLE_STATUSES,
});

/**
 * Per-request override of the layer's config, merged over it; `false` turns retrying off for
 * that request (e.g. a search-as-you-type request that the next keystroke replaces anyway).
 *
 * @example
 * client.get('/search?q=a', { context: RequestContext.empty().set(RETRY, false) });
 * client.get('/report', { context: RequestContext.empty().set(RETRY, { maxAttempts: 6 }) });
 */
export const RETRY = /* @__PURE__ */ new ContextToken<Partial<RetryConfig> | false | undefined>('retry', () => undefined);

/**
 * setTimeout (under every scheduler but a virtual one) holds its delay in a signed 32-bit int:
 * anything longer fires at once, which would turn "wait a month" into a retry storm.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Fills a partial config from `base` (the defaults unless given), ignoring `undefined` fields,
 * and rejects values that cannot work. Throws at configuration time, not on the stream.
 *
 * @example
 * resolveRetryConfig({ maxAttempts: 2 });                     // defaults, but 2 attempts
 * resolveRetryConfig(perRequest, resolveRetryConfig(layerConfig)); // request over layer
 */
export function resolveRetryConfig(partial: Partial<RetryConfig> | undefined, base: RetryConfig = DEFAULT_RETRY_CONFIG): RetryConfig {
  if (!partial) return base;
  const defined = Object.entries(partial).filter(([, value]) => value !== undefined);
  if (defined.length === 0) return base;
  const config: RetryConfig = { ...base, ...(Object.fromEntries(defined) as Partial<RetryConfig>) };
  validate(config);
  return config;
}

function validate(config: RetryConfig): void {
  if (!Number.isInteger(config.maxAttempts) || config.maxAttempts < 1) {
    invalid('maxAttempts', config.maxAttempts, 'an integer ≥ 1 (1 turns retrying off)');
  }
  for (const field of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    const value = config[field];
    if (!(value >= 0 && value <= MAX_TIMER_MS)) invalid(field, value, `a number of ms from 0 to ${MAX_TIMER_MS}`);
  }
  if (config.jitter !== 'none' && config.jitter !== 'full') invalid('jitter', config.jitter, "'none' or 'full'");
  if (!(config.retryableStatuses instanceof Set)) invalid('retryableStatuses', config.retryableStatuses, 'a Set of statuses');
}

function invalid(field: keyof RetryConfig, value: unknown, expected: string): never {
  throw new Error(`rxsync retry config: ${field} must be ${expected}, got ${String(value)}`);
}

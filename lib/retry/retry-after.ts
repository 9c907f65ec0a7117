import { parseHttpDate } from '../core/http-date';

export { parseHttpDate };
/**
 * `Retry-After` (RFC 9110 §10.2.3) is either `delay-seconds` (`1*DIGIT`) or an `HTTP-date`.
 * Both are read strictly; the HTTP-date parser is core's (`core/http-date.ts`), shared with the cache.
 */

/**
 * Milliseconds to wait before the next attempt, as the server asked in `Retry-After`, measured
 * from `now` (pass the scheduler clock, never `Date.now()`: only `scheduler.now()` is virtual in
 * tests). A date already past, or a negative delay, means "now": 0. Anything unreadable gives
 * `undefined`, so the caller falls back to its own backoff.
 *
 * @example
 * parseRetryAfter('120', env.scheduler.now());                          // 120000
 * parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 27)); // 10000
 * parseRetryAfter('soon', 0);                                           // undefined
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim(); // OWS around a field value is not part of it (RFC 9110 §5.5)
  if (/^-?\d+$/.test(trimmed)) {
    // Clamped rather than Infinity: an enormous wait must stay enormous, and finite.
    return Math.min(Math.max(0, Number(trimmed) * 1000), Number.MAX_SAFE_INTEGER);
  }
  const date = parseHttpDate(trimmed, now);
  return date === undefined ? undefined : Math.max(0, date - now);
}

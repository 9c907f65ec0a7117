import { recordOutcome, type BreakerState } from './circuit-breaker';
import type { CircuitBreakerConfig, RetryBudgetConfig } from './fleet-config';
import { tokensAfter } from './retry-budget';

/** What one origin's budget and breaker hold between attempts. */
export interface OriginCounters {
  readonly tokens: number;
  readonly breaker: BreakerState;
}

/**
 * One attempt's outcome applied to the origin's retry budget and breaker together. Pure, so the
 * client's fleet guard and the fleet simulation (`bench/fleet-sim.ts`) run the same rules:
 *
 * | outcome                                   | budget              | breaker |
 * | ----------------------------------------- | ------------------- | ------- |
 * | failure (retryable)                       | − 1 token           | counts; opens at `failureThreshold` in a row, or when the bucket is now empty |
 * | success (any other answer)                | + `tokenRatio`      | closed: resets the count; the probe's: closes, and the bucket starts over full |
 * | abandoned (cancelled before an answer)    | unchanged           | a cancelled probe frees the slot |
 *
 * Why an empty bucket opens the breaker: with the default ratio 1 it means failures outnumber
 * answers by a whole bucket, an outage as far as this client can tell, even when too few attempts
 * were made in a row to reach the threshold (a phone calling rarely). Left closed, the bucket
 * would refill one token per answer after the outage, and the first lost packet after recovery
 * would fail its request unretried; opened, the probe that proves recovery refills it at once.
 *
 * @example
 * afterAttempt({ tokens: 1, breaker: { kind: 'closed', failures: 3 } }, 'failure', false, now, { budget, breaker }, random);
 * // { tokens: 0, breaker: { kind: 'open', opens: 1, nextProbeAt: now + break } }
 */
export function afterAttempt(
  state: OriginCounters,
  outcome: 'success' | 'failure' | 'abandoned',
  probe: boolean,
  now: number,
  config: { readonly budget: RetryBudgetConfig | undefined; readonly breaker: CircuitBreakerConfig | undefined },
  random: () => number,
): OriginCounters {
  const { budget, breaker: breakerConfig } = config;
  const tokens = budget && outcome !== 'abandoned' ? tokensAfter(state.tokens, outcome, budget) : state.tokens;
  if (!breakerConfig) return { tokens, breaker: state.breaker };
  const emptied = budget !== undefined && outcome === 'failure' && tokens === 0;
  const breaker = recordOutcome(state.breaker, outcome, probe, now, breakerConfig, random, emptied);
  // The probe proved the origin is back: the budget starts over full, as for a fresh client. The
  // outage drained it, and A6 alone would need maxTokens / 2 answers before one retry. The
  // breaker, not the budget, is what stops the next outage.
  const recovered = state.breaker.kind === 'half-open' && breaker.kind === 'closed';
  return { tokens: recovered && budget ? budget.maxTokens : tokens, breaker };
}

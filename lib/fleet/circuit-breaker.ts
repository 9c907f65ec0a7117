/**
 * The circuit breaker of one origin: closed → open after `failureThreshold` consecutive failed
 * attempts → after the break, half-open: exactly one probe goes out, every other attempt fails fast
 * with `CircuitOpenError` → the probe's success closes it, its failure opens it again.
 */
export interface CircuitBreakerConfig {
  /** Consecutive retryable failures (network, timeout, 408/429/5xx) that open the breaker. */
  readonly failureThreshold: number;
  /** How long the first break lasts before a probe may go out. */
  readonly openMs: number;
  /** Each probe that fails doubles the break, up to this (equal to `openMs`: a fixed break). */
  readonly maxOpenMs: number;
  /**
   * `'equal'`: each break lasts between half and all of its length, drawn from the client's
   * random source, so a fleet whose breakers opened together does not probe together.
   * `'none'` for exact timings.
   */
  readonly jitter: 'none' | 'equal';
}

/**
 * A breaker's state. `opens` counts the breaks since it last closed (for a growing break).
 * Times are scheduler milliseconds.
 */
export type BreakerState =
  | { readonly kind: 'closed'; readonly failures: number }
  | { readonly kind: 'open'; readonly opens: number; readonly nextProbeAt: number }
  | { readonly kind: 'half-open'; readonly opens: number };

export const CLOSED: BreakerState = /* @__PURE__ */ Object.freeze({ kind: 'closed', failures: 0 });

/** What the breaker says to an attempt about to be sent. */
export type Admission =
  | { readonly verdict: 'send'; readonly state: BreakerState }
  /** The one attempt of half-open: its outcome closes or re-opens the breaker. */
  | { readonly verdict: 'probe'; readonly state: BreakerState }
  | { readonly verdict: 'reject'; readonly state: BreakerState; readonly nextProbeAt: number | undefined };

/**
 * Closed sends; open rejects until `nextProbeAt`, then lets exactly one probe through and turns
 * half-open; half-open rejects everyone else here. What a rejected attempt does is the fleet
 * layer's policy: refused by an open breaker it fails fast (`CircuitOpenError` with the probe's
 * time, which the retry layer waits for); refused while half-open it waits for the probe's
 * verdict, at most its own timeout, and asks again.
 *
 * ```
 * closed ──threshold failures (or budget emptied)──▶ open ──nextProbeAt──▶ half-open ──probe ok──▶ closed
 *                                                     ▲                        │
 *                                                     └────probe failed────────┘   (probe cancelled: open, probe due now)
 * ```
 *
 * @example
 * admit({ kind: 'open', opens: 1, nextProbeAt: 5000 }, 4000); // reject, nextProbeAt 5000
 * admit({ kind: 'open', opens: 1, nextProbeAt: 5000 }, 5000); // probe, state half-open
 */
export function admit(state: BreakerState, now: number): Admission {
  switch (state.kind) {
    case 'closed':
      return { verdict: 'send', state };
    case 'open':
      if (now < state.nextProbeAt) return { verdict: 'reject', state, nextProbeAt: state.nextProbeAt };
      return { verdict: 'probe', state: { kind: 'half-open', opens: state.opens } };
    case 'half-open':
      return { verdict: 'reject', state, nextProbeAt: undefined };
  }
}

/**
 * The state after an attempt's outcome. `probe` says whether the attempt was the half-open probe;
 * outcomes of attempts sent before the breaker opened change nothing while it is open.
 * `abandoned`: the probe was cancelled before an answer, so the next attempt may probe at once.
 *
 * @param random the client's random source, for the break's jitter
 * @param budgetEmpty the failure left the origin's retry budget at 0 tokens: failures outnumber
 *   answers by a whole bucket, which is an outage however the failures interleave, so it opens
 *   the breaker below the threshold (whose probe then refills the bucket, see `afterAttempt`)
 * @example
 * recordOutcome({ kind: 'closed', failures: 4 }, 'failure', false, 1000, DEFAULT_CIRCUIT_BREAKER, () => 1);
 * // { kind: 'open', opens: 1, nextProbeAt: 6000 }
 */
export function recordOutcome(
  state: BreakerState,
  outcome: 'success' | 'failure' | 'abandoned',
  probe: boolean,
  now: number,
  config: CircuitBreakerConfig,
  random: () => number,
  budgetEmpty = false,
): BreakerState {
  if (state.kind === 'closed') {
    if (outcome === 'success') return state.failures === 0 ? state : CLOSED;
    if (outcome === 'abandoned') return state;
    const failures = state.failures + 1;
    return failures >= config.failureThreshold || budgetEmpty ? open(1, now, config, random) : { kind: 'closed', failures };
  }
  if (state.kind === 'half-open' && probe) {
    if (outcome === 'success') return CLOSED;
    if (outcome === 'abandoned') return { kind: 'open', opens: state.opens, nextProbeAt: now };
    return open(state.opens + 1, now, config, random);
  }
  return state;
}

/** The length of the n-th break in a row: `openMs · 2^(n−1)` up to `maxOpenMs`, with equal jitter. */
export function breakMs(opens: number, config: CircuitBreakerConfig, random: () => number): number {
  const full = Math.min(config.maxOpenMs, config.openMs * 2 ** Math.max(0, opens - 1));
  return config.jitter === 'equal' ? Math.ceil(full / 2 + random() * (full / 2)) : full;
}

function open(opens: number, now: number, config: CircuitBreakerConfig, random: () => number): BreakerState {
  return { kind: 'open', opens, nextProbeAt: now + breakMs(opens, config, random) };
}

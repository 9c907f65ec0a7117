import { admit, breakMs, CLOSED, recordOutcome, type BreakerState } from '../../lib/fleet/circuit-breaker';
import { DEFAULT_CIRCUIT_BREAKER, type CircuitBreakerConfig } from '../../lib/fleet/fleet-config';

const EXACT: CircuitBreakerConfig = { ...DEFAULT_CIRCUIT_BREAKER, jitter: 'none' };
const GROWING: CircuitBreakerConfig = { failureThreshold: 5, openMs: 1000, maxOpenMs: 8000, jitter: 'none' };
const noRandom = (): number => {
  throw new Error('random() must not be called without jitter');
};

describe('circuit breaker decisions', () => {
  describe('admit', () => {
    it.each<[string, BreakerState, number, string, BreakerState]>([
      ['closed sends', CLOSED, 0, 'send', CLOSED],
      ['open rejects before the probe is due', { kind: 'open', opens: 1, nextProbeAt: 5000 }, 4999, 'reject', { kind: 'open', opens: 1, nextProbeAt: 5000 }],
      [
        'open lets one probe through when due, turning half-open',
        { kind: 'open', opens: 1, nextProbeAt: 5000 },
        5000,
        'probe',
        { kind: 'half-open', opens: 1 },
      ],
      ['half-open rejects everyone but the probe', { kind: 'half-open', opens: 1 }, 6000, 'reject', { kind: 'half-open', opens: 1 }],
    ])('%s', (_rule, state, now, verdict, after) => {
      const admission = admit(state, now);
      expect(admission.verdict).toBe(verdict);
      expect(admission.state).toEqual(after);
    });

    it('says when the next probe is due, or undefined while a probe is in flight', () => {
      expect(admit({ kind: 'open', opens: 1, nextProbeAt: 5000 }, 1000)).toMatchObject({ verdict: 'reject', nextProbeAt: 5000 });
      expect(admit({ kind: 'half-open', opens: 1 }, 1000)).toMatchObject({ verdict: 'reject', nextProbeAt: undefined });
    });
  });

  describe('recordOutcome', () => {
    it.each<[string, BreakerState, 'success' | 'failure' | 'abandoned', boolean, BreakerState]>([
      ['a failure while closed counts', { kind: 'closed', failures: 3 }, 'failure', false, { kind: 'closed', failures: 4 }],
      [
        'the threshold-th consecutive failure opens for openMs',
        { kind: 'closed', failures: 4 },
        'failure',
        false,
        { kind: 'open', opens: 1, nextProbeAt: 1000 + 3000 },
      ],
      ['a success while closed resets the count', { kind: 'closed', failures: 4 }, 'success', false, CLOSED],
      ['an abandoned attempt while closed changes nothing', { kind: 'closed', failures: 4 }, 'abandoned', false, { kind: 'closed', failures: 4 }],
      ["the probe's success closes", { kind: 'half-open', opens: 2 }, 'success', true, CLOSED],
      ["the probe's failure opens again", { kind: 'half-open', opens: 1 }, 'failure', true, { kind: 'open', opens: 2, nextProbeAt: 1000 + 3000 }],
      [
        'a cancelled probe frees the slot: the next attempt probes at once',
        { kind: 'half-open', opens: 1 },
        'abandoned',
        true,
        { kind: 'open', opens: 1, nextProbeAt: 1000 },
      ],
      [
        'a late answer to an attempt sent before the break changes nothing',
        { kind: 'open', opens: 1, nextProbeAt: 6000 },
        'success',
        false,
        { kind: 'open', opens: 1, nextProbeAt: 6000 },
      ],
      ["a late failure while half-open is not the probe's", { kind: 'half-open', opens: 1 }, 'failure', false, { kind: 'half-open', opens: 1 }],
    ])('%s', (_rule, state, outcome, probe, expected) => {
      expect(recordOutcome(state, outcome, probe, 1000, EXACT, noRandom)).toEqual(expected);
    });

    it.each<[string, BreakerState, 'success' | 'failure' | 'abandoned', boolean, BreakerState]>([
      [
        'a failure that empties the budget opens below the threshold',
        { kind: 'closed', failures: 3 },
        'failure',
        false,
        { kind: 'open', opens: 1, nextProbeAt: 4000 },
      ],
      ['the first failure opens too when it empties the budget', CLOSED, 'failure', false, { kind: 'open', opens: 1, nextProbeAt: 4000 }],
      ['a success never opens, empty budget or not', { kind: 'closed', failures: 3 }, 'success', false, CLOSED],
      ["the probe's failure opens again as before", { kind: 'half-open', opens: 1 }, 'failure', true, { kind: 'open', opens: 2, nextProbeAt: 4000 }],
      [
        'a late failure while open changes nothing',
        { kind: 'open', opens: 1, nextProbeAt: 3000 },
        'failure',
        false,
        { kind: 'open', opens: 1, nextProbeAt: 3000 },
      ],
    ])('with the budget empty after the outcome: %s', (_rule, state, outcome, probe, expected) => {
      expect(recordOutcome(state, outcome, probe, 1000, EXACT, noRandom, true)).toEqual(expected);
    });
  });

  describe('breakMs', () => {
    it.each([
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 8000],
      [9, 8000],
    ])('with growth configured, break %i lasts %i ms (doubling up to maxOpenMs)', (opens, expected) => {
      expect(breakMs(opens, GROWING, noRandom)).toBe(expected);
    });

    it.each([
      [0, 1500],
      [0.5, 2250],
      [0.999, 2999],
    ])('equal jitter (the default) draws between half and all of the break: random %d gives %i ms', (r, expected) => {
      expect(breakMs(1, DEFAULT_CIRCUIT_BREAKER, () => r)).toBe(expected);
    });
  });
});

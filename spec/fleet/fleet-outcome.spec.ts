import { CLOSED } from '../../lib/fleet/circuit-breaker';
import { DEFAULT_CIRCUIT_BREAKER, DEFAULT_RETRY_BUDGET } from '../../lib/fleet/fleet-config';
import { afterAttempt, type OriginCounters } from '../../lib/fleet/fleet-outcome';

const BREAKER = { ...DEFAULT_CIRCUIT_BREAKER, jitter: 'none' as const };
const BOTH = { budget: DEFAULT_RETRY_BUDGET, breaker: BREAKER };
const noRandom = (): number => {
  throw new Error('random() must not be called without jitter');
};

describe('one attempt applied to budget and breaker together (afterAttempt)', () => {
  it.each<[string, OriginCounters, 'success' | 'failure' | 'abandoned', boolean, typeof BOTH | { budget: undefined; breaker: typeof BREAKER }, OriginCounters]>(
    [
      ['a failure takes a token and counts', { tokens: 4, breaker: CLOSED }, 'failure', false, BOTH, { tokens: 3, breaker: { kind: 'closed', failures: 1 } }],
      [
        'the failure that empties the bucket opens the breaker (4 net failures: an outage, below the threshold of 5)',
        { tokens: 1, breaker: { kind: 'closed', failures: 3 } },
        'failure',
        false,
        BOTH,
        { tokens: 0, breaker: { kind: 'open', opens: 1, nextProbeAt: 1000 + 3000 } },
      ],
      [
        "the probe's success closes the breaker and refills the bucket",
        { tokens: 0, breaker: { kind: 'half-open', opens: 1 } },
        'success',
        true,
        BOTH,
        { tokens: 4, breaker: CLOSED },
      ],
      [
        "the probe's failure opens again, the bucket stays empty",
        { tokens: 0, breaker: { kind: 'half-open', opens: 1 } },
        'failure',
        true,
        BOTH,
        { tokens: 0, breaker: { kind: 'open', opens: 2, nextProbeAt: 1000 + 3000 } },
      ],
      [
        'an abandoned attempt costs no token',
        { tokens: 2, breaker: { kind: 'closed', failures: 2 } },
        'abandoned',
        false,
        BOTH,
        { tokens: 2, breaker: { kind: 'closed', failures: 2 } },
      ],
      [
        'a success gives a token back and resets the count',
        { tokens: 2, breaker: { kind: 'closed', failures: 2 } },
        'success',
        false,
        BOTH,
        { tokens: 3, breaker: CLOSED },
      ],
      [
        'without a budget only the threshold opens',
        { tokens: 0, breaker: { kind: 'closed', failures: 3 } },
        'failure',
        false,
        { budget: undefined, breaker: BREAKER },
        { tokens: 0, breaker: { kind: 'closed', failures: 4 } },
      ],
    ],
  )('%s', (_rule, state, outcome, probe, config, expected) => {
    expect(afterAttempt(state, outcome, probe, 1000, config, noRandom)).toEqual(expected);
  });

  it('without a breaker the budget alone changes', () => {
    expect(afterAttempt({ tokens: 1, breaker: CLOSED }, 'failure', false, 1000, { budget: DEFAULT_RETRY_BUDGET, breaker: undefined }, noRandom)).toEqual({
      tokens: 0,
      breaker: CLOSED,
    });
  });
});

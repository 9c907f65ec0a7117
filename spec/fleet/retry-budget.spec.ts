import { DEFAULT_RETRY_BUDGET } from '../../lib/fleet/fleet-config';

// The arithmetic at A6's bucket size (the default was 10 until the fleet simulation chose 4).
const TEN = { maxTokens: 10, tokenRatio: 1 };
import { retriesAllowed, tokensAfter } from '../../lib/fleet/retry-budget';

const A6_EXAMPLE = { maxTokens: 10, tokenRatio: 0.1 };

describe('retry budget (gRFC A6 token bucket)', () => {
  it.each([
    ['a failure takes one token', 10, 'failure', TEN, 9],
    ['a success gives back tokenRatio', 5, 'success', TEN, 6],
    ['a success gives back tokenRatio (0.5)', 5, 'success', { maxTokens: 10, tokenRatio: 0.5 }, 5.5],
    ['never above maxTokens', 10, 'success', TEN, 10],
    ['never below 0', 0, 'failure', TEN, 0],
    ['ten successes of 0.1 make exactly 1 (no float drift)', 5.9, 'success', A6_EXAMPLE, 6],
  ] as const)('%s', (_rule, tokens, outcome, config, expected) => {
    expect(tokensAfter(tokens, outcome, config)).toBe(expected);
  });

  it.each([
    [10, true],
    [5.5, true],
    [5, false], // at half: no retries (A6: "token_count ≤ maxTokens/2")
    [0, false],
  ])('with %d of 10 tokens, retries allowed: %s', (tokens, expected) => {
    expect(retriesAllowed(tokens, TEN)).toBe(expected);
  });

  it('a total outage allows exactly 4 retries from a full bucket, then none', () => {
    let tokens = TEN.maxTokens;
    const allowed: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      tokens = tokensAfter(tokens, 'failure', TEN);
      allowed.push(retriesAllowed(tokens, TEN));
    }
    expect(allowed).toEqual([true, true, true, true, false, false, false, false]);
  });

  it('the default bucket of 4 allows exactly 1 retry in a total outage, then none (fleet simulation: 1.17× normal load)', () => {
    let tokens = DEFAULT_RETRY_BUDGET.maxTokens;
    const allowed: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      tokens = tokensAfter(tokens, 'failure', DEFAULT_RETRY_BUDGET);
      allowed.push(retriesAllowed(tokens, DEFAULT_RETRY_BUDGET));
    }
    expect(allowed).toEqual([true, false, false, false]);
  });

  it.each([
    ['27 % failures (a lossy mobile link) keeps retrying with the default ratio 1', DEFAULT_RETRY_BUDGET, 0.27, true],
    ['45 % failures keeps retrying with the default ratio 1', DEFAULT_RETRY_BUDGET, 0.45, true],
    ['60 % failures (a brownout) throttles with the default ratio 1', DEFAULT_RETRY_BUDGET, 0.6, false],
    ['40 % failures throttles with ratio 0.5', { maxTokens: 10, tokenRatio: 0.5 }, 0.4, false],
    ["15 % failures throttles with A6's example ratio 0.1", A6_EXAMPLE, 0.15, false],
  ] as const)('%s', (_case, config, failureRate, expected) => {
    // A deterministic interleaving of the failure rate over 1000 attempts.
    let tokens = config.maxTokens;
    let failures = 0;
    for (let i = 1; i <= 1000; i++) {
      const fail = Math.floor(i * failureRate) > failures;
      if (fail) failures++;
      tokens = tokensAfter(tokens, fail ? 'failure' : 'success', config);
    }
    expect(retriesAllowed(tokens, config)).toBe(expected);
  });
});

import { DEFAULT_CIRCUIT_BREAKER, DEFAULT_RETRY_BUDGET, resolveFleetConfig } from '../../lib/fleet/fleet-config';
import { parseFleetSnapshot } from '../../lib/fleet/fleet-state-store';

describe('resolveFleetConfig', () => {
  it('turns everything on by default', () => {
    expect(resolveFleetConfig(undefined)).toEqual({
      budget: DEFAULT_RETRY_BUDGET,
      breaker: DEFAULT_CIRCUIT_BREAKER,
      pushback: true,
      store: undefined,
      storeTimeoutMs: 500,
    });
  });

  it('a changed openMs keeps the break fixed unless maxOpenMs is given', () => {
    expect(resolveFleetConfig({ breaker: { openMs: 1000 } }).breaker).toMatchObject({ openMs: 1000, maxOpenMs: 1000 });
    expect(resolveFleetConfig({ breaker: { openMs: 1000, maxOpenMs: 8000 } }).breaker).toMatchObject({ openMs: 1000, maxOpenMs: 8000 });
  });

  it('false turns a part off', () => {
    expect(resolveFleetConfig({ budget: false, breaker: false, pushback: false })).toMatchObject({ budget: undefined, breaker: undefined, pushback: false });
  });

  it.each([
    [{ budget: { maxTokens: 0 } }, /budget.maxTokens/],
    [{ budget: { tokenRatio: -1 } }, /budget.tokenRatio/],
    [{ breaker: { failureThreshold: 0 } }, /breaker.failureThreshold/],
    [{ breaker: { failureThreshold: 1.5 } }, /breaker.failureThreshold/],
    [{ breaker: { openMs: -1 } }, /breaker.openMs/],
    [{ breaker: { openMs: 1000, maxOpenMs: 10 } }, /breaker.maxOpenMs/],
    [{ breaker: { jitter: 'full' as never } }, /breaker.jitter/],
    [{ storeTimeoutMs: Number.NaN }, /storeTimeoutMs/],
  ])('rejects %o at configuration time', (config, message) => {
    expect(() => resolveFleetConfig(config)).toThrow(message);
  });
});

describe('parseFleetSnapshot', () => {
  const origin = { tokens: 4, breaker: { kind: 'open', opens: 2, nextProbeAt: 123 }, pausedUntil: 0 };
  it.each([
    ['null', null, undefined],
    ['another version', { version: 2, origins: {} }, undefined],
    ['an array', [], undefined],
    ['a valid snapshot', { version: 1, origins: { 'https://a': origin } }, { version: 1, origins: { 'https://a': origin } }],
    [
      'a half-open breaker (never stored) drops that origin',
      { version: 1, origins: { 'https://a': { ...origin, breaker: { kind: 'half-open', opens: 1 } } } },
      { version: 1, origins: {} },
    ],
    [
      'a non-numeric field drops that origin',
      { version: 1, origins: { 'https://a': { ...origin, tokens: 'x' }, 'https://b': origin } },
      { version: 1, origins: { 'https://b': origin } },
    ],
  ])('%s', (_case, value, expected) => {
    expect(parseFleetSnapshot(value)).toEqual(expected);
  });
});

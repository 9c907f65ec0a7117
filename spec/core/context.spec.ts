import { ContextToken, RequestContext } from '../../lib/core/context';

describe('RequestContext', () => {
  const RETRIES = new ContextToken<number>('retries', () => 3);

  it('returns the token default when unset', () => {
    expect(RequestContext.empty().get(RETRIES)).toBe(3);
  });

  it('is immutable: set returns a new context', () => {
    const base = RequestContext.empty();
    const changed = base.set(RETRIES, 0);
    expect(changed.get(RETRIES)).toBe(0);
    expect(base.get(RETRIES)).toBe(3);
    expect(changed.has(RETRIES)).toBe(true);
    expect(base.has(RETRIES)).toBe(false);
  });
});

import { parseRetryAfter } from '../../lib/retry/retry-after';

const NOV_6_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['3', 3000],
    ['120', 120_000],
    [' 7 ', 7000], // field values are trimmed of optional whitespace (RFC 9110 §5.5)
    ['007', 7000],
  ])('reads delay-seconds as a wait from now (RFC 9110 §10.2.3): %j → %i ms', (value, expected) => {
    expect(parseRetryAfter(value, 123_456)).toBe(expected);
  });

  it.each([
    ['Sun, 06 Nov 1994 08:49:37 GMT', NOV_6_1994 - 10_000, 10_000], // IMF-fixdate, the preferred form
    ['Sunday, 06-Nov-94 08:49:37 GMT', NOV_6_1994 - 2000, 2000], // obsolete RFC 850 form
    ['Sun Nov  6 08:49:37 1994', NOV_6_1994 - 500, 500], // obsolete asctime form: GMT, not local time
    ['Thu, 01 Jan 1970 00:00:05 GMT', 1, 4999], // a virtual clock starting at 0
  ])('reads an HTTP-date relative to now, in all three formats (RFC 9110 §5.6.7): %j', (value, now, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each([
    ['Wednesday, 01-Jan-31 00:00:00 GMT', Date.UTC(2030, 11, 31, 23, 59, 50), 10_000], // 2031, not 1931
    ['Thursday, 01-Jan-94 00:00:00 GMT', Date.UTC(2030, 0, 1), 0], // 2094 is > 50 years ahead: 1994, past
  ])('reads a two-digit RFC 850 year within 50 years of now (RFC 9110 §5.6.7): %j', (value, now, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each([
    ['Sun, 06 Nov 1994 08:49:37 GMT', NOV_6_1994 + 1],
    ['Sun, 06 Nov 1994 08:49:37 GMT', NOV_6_1994 + 86_400_000],
    ['Sun, 06 Nov 1994 08:49:37 GMT', NOV_6_1994],
    ['-5', 0],
  ])('waits 0 for a date already past or a negative delay: %j at %i', (value, now) => {
    expect(parseRetryAfter(value, now)).toBe(0);
  });

  it.each([
    [undefined],
    [''],
    ['   '],
    ['soon'],
    ['1.5'],
    ['3s'],
    ['0x10'],
    ['1e3'],
    ['+3'],
    ['Sun, 06 Nov 1994 08:49:37 PST'], // HTTP-date is always GMT
    ['Sun, 31 Feb 1994 08:49:37 GMT'], // no such day
    ['Sun, 06 Nov 1994 24:49:37 GMT'], // no such hour
    ['Sun, 06 Foo 1994 08:49:37 GMT'],
    ['06 Nov 1994 08:49:37 GMT'],
    ['1994-11-06T08:49:37Z'], // ISO 8601 is not an HTTP-date
  ])('returns undefined for anything else, so backoff applies: %j', (value) => {
    expect(parseRetryAfter(value, 0)).toBeUndefined();
  });

  it('keeps an enormous delay finite and enormous, so the policy refuses it rather than firing at once', () => {
    const ms = parseRetryAfter('9'.repeat(400), 0);
    expect(Number.isFinite(ms)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(Number.MAX_SAFE_INTEGER);
  });
});

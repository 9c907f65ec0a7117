import { formatHttpDate, parseHttpDate } from '../../lib/core/http-date';

// RFC 9110 §5.6.7: one strict parser for Date, Expires, Last-Modified (cache) and Retry-After (retry).
const NOW = Date.UTC(2025, 0, 1);
const NOV_6_1994 = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('parseHttpDate (RFC 9110 §5.6.7)', () => {
  it.each<[string, string, number | undefined]>([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT', NOV_6_1994],
    ['RFC 850, two-digit year within 50 years back', 'Sunday, 06-Nov-94 08:49:37 GMT', NOV_6_1994],
    ['RFC 850, a year more than 50 years ahead is the previous century', 'Thursday, 01-Jan-76 00:00:00 GMT', Date.UTC(1976, 0, 1)],
    ['RFC 850, a year less than 50 years ahead stays ahead', 'Friday, 01-Jan-60 00:00:00 GMT', Date.UTC(2060, 0, 1)],
    ['asctime, space-padded day, GMT implied', 'Sun Nov  6 08:49:37 1994', NOV_6_1994],
    ['surrounding whitespace (OWS)', '  Sun, 06 Nov 1994 08:49:37 GMT ', NOV_6_1994],
    ['a leap second', 'Sun, 06 Nov 1994 23:59:60 GMT', Date.UTC(1994, 10, 7)],
    ['ISO 8601 (Date.parse reads it; HTTP does not)', '1994-11-06T08:49:37Z', undefined],
    ['a bare number (Date.parse("1") is 2001)', '1', undefined],
    ['another zone than GMT', 'Sun, 06 Nov 1994 08:49:37 PST', undefined],
    ['a day the month lacks', 'Thu, 31 Feb 1994 08:49:37 GMT', undefined],
    ['hour 24', 'Sun, 06 Nov 1994 24:00:00 GMT', undefined],
    ['a one-digit day in IMF-fixdate', 'Sun, 6 Nov 1994 08:49:37 GMT', undefined],
    ['an unknown month', 'Sun, 06 Foo 1994 08:49:37 GMT', undefined],
    ['empty', '', undefined],
  ])('%s', (_rule, value, expected) => {
    expect(parseHttpDate(value, NOW)).toBe(expected);
  });

  it('writes IMF-fixdate, which it reads back', () => {
    expect(formatHttpDate(NOV_6_1994)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(parseHttpDate(formatHttpDate(NOW), NOW)).toBe(NOW);
  });
});

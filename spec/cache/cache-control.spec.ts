import { formatCacheControl, parseCacheControl, secondsArg } from '../../lib/cache/cache-control';

describe('parseCacheControl', () => {
  it.each([
    [
      'lower-cases names (§5.2)',
      'Max-Age=60, NO-CACHE',
      [
        ['max-age', '60'],
        ['no-cache', true],
      ],
    ],
    [
      'keeps quoted commas inside one directive',
      'no-cache="set-cookie, x-a", max-age=5',
      [
        ['no-cache', 'set-cookie, x-a'],
        ['max-age', '5'],
      ],
    ],
    ['ignores empty members', ' , max-age=5,, ', [['max-age', '5']]],
    ['keeps identical repeats', 'max-age=5, max-age=5', [['max-age', '5']]],
    ['invalidates conflicting repeats to 0 (§4.2.1)', 'max-age=5, max-age=50', [['max-age', '0']]],
    ['unquotes arguments', 'max-age="7"', [['max-age', '7']]],
  ])('%s', (_rule, value, expected) => {
    expect([...parseCacheControl(value)]).toEqual(expected);
  });

  it.each([
    ['max-age=60', 60_000],
    ['max-age=abc', 0],
    ['max-age', 0],
    ['max-age=-1', 0],
    ['max-age=99999999999', 2 ** 31 * 1000],
    ['public', undefined],
  ])('reads delta-seconds %s (§1.2.2)', (value, ms) => {
    expect(secondsArg(parseCacheControl(value), 'max-age')).toBe(ms);
  });

  it('parses a repeated value once and keeps long or many distinct values right', () => {
    expect(parseCacheControl('private, max-age=60')).toBe(parseCacheControl('private, max-age=60'));
    const long = `max-age=5, ${'x'.repeat(300)}`;
    expect(parseCacheControl(long)).not.toBe(parseCacheControl(long));
    expect(parseCacheControl(long).get('max-age')).toBe('5');
    // Past the memo's size it starts over; every answer stays the parse of its own value.
    for (let i = 0; i < 600; i++) expect(secondsArg(parseCacheControl(`max-age=${i}`), 'max-age')).toBe(i * 1000);
    expect(secondsArg(parseCacheControl('max-age=7'), 'max-age')).toBe(7000);
  });

  it('formats for a naive parser', () => {
    expect(formatCacheControl(parseCacheControl('Private="x, y", Max-Age=3, no-store'))).toBe('private, max-age=3, no-store');
  });
});

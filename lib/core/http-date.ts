/**
 * HTTP-date (RFC 9110 §5.6.7), read strictly and written as IMF-fixdate. One parser for every
 * date field: `Date`, `Expires`, `Last-Modified` (the cache, RFC 9111 §4.2, §5.3) and
 * `Retry-After` (retry). `Date.parse` is not one: it accepts nearly anything (`Date.parse('1')` is
 * the year 2001) and reads the asctime form in local time, so a garbled header would become a
 * wrong freshness or a wrong wait.
 */

/** IMF-fixdate of an epoch-ms instant (RFC 9110 §5.6.7). */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '([A-Za-z]{3})';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

// RFC 9110 §5.6.7: senders use IMF-fixdate; recipients must also accept the two obsolete forms.
// HTTP-date is case-sensitive, but being lenient about case costs nothing and loses nothing.
/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
/** `Sun Nov  6 08:49:37 1994`: the day is space-padded, the zone implicitly GMT. */
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i');

/**
 * Reads an HTTP-date in any of its three forms into epoch milliseconds, or `undefined`. `now`
 * only places an RFC 850 two-digit year: RFC 9110 §5.6.7 reads a year more than 50 years ahead
 * as the most recent past year with those digits.
 *
 * @example
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', 0); // 784111777000
 */
export function parseHttpDate(value: string, now: number): number | undefined {
  value = value.trim(); // OWS around a field value is not part of it (RFC 9110 §5.5)
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(m[3], m[2], m[1], m[4], m[5], m[6]);
  m = RFC_850.exec(value);
  if (m) return utc(String(fullYear(Number(m[3]), now)), m[2], m[1], m[4], m[5], m[6]);
  m = ASCTIME.exec(value);
  if (m) return utc(m[6], m[1], m[2], m[3], m[4], m[5]);
  return undefined;
}

function fullYear(twoDigits: number, now: number): number {
  const thisYear = new Date(now).getUTCFullYear();
  const year = thisYear - (thisYear % 100) + twoDigits;
  if (year > thisYear + 50) return year - 100;
  if (year < thisYear - 50) return year + 100;
  return year;
}

function utc(year: string, month: string, day: string, hour: string, minute: string, second: string): number | undefined {
  const y = Number(year);
  const mo = MONTHS.indexOf(month.toLowerCase());
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  // second 60 is a leap second (RFC 9110 §5.6.7 allows it); Date.UTC rolls it into the next minute.
  if (mo < 0 || h > 23 || mi > 59 || s > 60 || d < 1) return undefined;
  // Date.UTC rolls 31 Feb into March: a day the month does not have is not a date.
  if (new Date(Date.UTC(y, mo, d)).getUTCDate() !== d) return undefined;
  return Date.UTC(y, mo, d, h, mi, s);
}

/**
 * Cache-Control parsing (RFC 9111 §5.2), kept apart so the request side (on every cache read)
 * and the response side (once per stored response) share one careful parser.
 */

/** Directive name (lower-cased) → argument, or `true` for a bare directive. */
export type Directives = ReadonlyMap<string, string | true>;

const EMPTY: Directives = new Map();

/**
 * Parses a Cache-Control field value.
 * - Directive names are case-insensitive (§5.2): `Max-Age=60` is `max-age=60`.
 * - Quoted arguments may contain commas: `no-cache="set-cookie, x-a"` is one directive.
 * - A directive repeated with different arguments is invalid (§4.2.1: "considered invalid",
 *   and caches are encouraged to treat the response as stale): it becomes `0`.
 */
export function parseCacheControl(value: string | undefined): Directives {
  if (!value) return EMPTY;
  // An API answers with a handful of distinct values ("no-store", "private, max-age=60"), parsed
  // for every response it sends: the parse of each is kept (read-only, so safe to share). Long
  // values are parsed each time, and the memo starts over when full, so a server cannot grow it.
  if (value.length > MEMO_MAX_LENGTH) return parseDirectives(value);
  let directives = parsed.get(value);
  if (directives === undefined) {
    if (parsed.size >= MEMO_MAX_ENTRIES) parsed.clear();
    parsed.set(value, (directives = parseDirectives(value)));
  }
  return directives;
}

const parsed = new Map<string, Directives>();
const MEMO_MAX_ENTRIES = 256;
const MEMO_MAX_LENGTH = 256;

function parseDirectives(value: string): Directives {
  const out = new Map<string, string | true>();
  for (const part of splitDirectives(value)) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name) continue;
    const arg = eq === -1 ? true : unquote(part.slice(eq + 1).trim());
    const previous = out.get(name);
    out.set(name, previous === undefined || previous === arg ? arg : '0');
  }
  return out;
}

/** A delta-seconds argument (§1.2.2) in ms; `undefined` when absent, 0 when malformed. */
export function secondsArg(directives: Directives, name: string): number | undefined {
  const arg = directives.get(name);
  if (arg === undefined) return undefined;
  if (arg === true || !/^\d+$/.test(arg)) return 0;
  // §1.2.2: values above 2^31 are taken as 2^31.
  return Math.min(Number(arg), 2 ** 31) * 1000;
}

/**
 * Rebuilds a field value with lower-cased names and simple arguments, for parsers that are
 * case-sensitive or split naïvely on commas (http-cache-semantics 4.3 does both). A qualified
 * `no-cache="…"` / `private="…"` becomes the bare directive: stricter, and still correct.
 */
export function formatCacheControl(directives: Directives): string {
  const parts: string[] = [];
  for (const [name, arg] of directives) {
    parts.push(arg === true || /[",\s]/.test(arg) ? name : `${name}=${arg}`);
  }
  return parts.join(', ');
}

function splitDirectives(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (c === ',' && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

function unquote(arg: string): string {
  return arg.length >= 2 && arg.startsWith('"') && arg.endsWith('"') ? arg.slice(1, -1).replace(/\\(.)/g, '$1') : arg;
}

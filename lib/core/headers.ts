/**
 * Header maps are plain objects with lower-cased names: serializable (the persistent cache and
 * the outbox store them), cheap to copy, and case-insensitive by construction.
 *
 * A field that was repeated keeps every value: joined by `, ` as RFC 9110 §5.3 allows, except
 * `Set-Cookie`, whose values may contain commas (`Expires=Wed, 21 Oct …`) and so are joined by a
 * line feed, which no header value can contain.
 *
 * Names are own properties only: a name such as `__proto__` or `constructor` is stored and read
 * like any other (read a name that comes from outside with {@link headerValues}, which never
 * returns an inherited `constructor`).
 */
export type HeaderMap = Readonly<Record<string, string>>;

/** What users may pass: any casing, `undefined` values dropped. */
export type HeadersInit = Record<string, string | undefined> | HeaderMap;

/** Sets an own property, even for `__proto__` (a plain assignment would change the prototype). */
export function setOwn(target: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

/** The value of header `name` (lower-case) if the map has it as its own: never an inherited `constructor`. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(headers, name) ? headers[name] : undefined;
}

export function normalizeHeaders(input: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!input) return out;
  for (const name of Object.keys(input)) {
    const value = (input as Record<string, string | undefined>)[name];
    if (value !== undefined) setOwn(out, name.toLowerCase(), String(value));
  }
  return out;
}

/** Joins the values of a repeated field (see {@link HeaderMap}). */
function joinRepeated(name: string, first: string, next: string): string {
  return name === 'set-cookie' ? `${first}\n${next}` : `${first}, ${next}`;
}

/**
 * Reads a fetch `Headers` object into a {@link HeaderMap} (fetch already lower-cases names).
 * Fetch's iteration yields each `Set-Cookie` separately (Fetch §2.2.2 "sort and combine") and
 * other repeated fields already combined; native transports may yield every repetition.
 */
export function headerMapFromFetch(headers: { forEach(cb: (value: string, name: string) => void): void }): HeaderMap {
  const out: Record<string, string> = {};
  headers.forEach((value, rawName) => {
    const name = rawName.toLowerCase();
    const seen = headerValue(out, name);
    setOwn(out, name, seen === undefined ? value : joinRepeated(name, seen, value));
  });
  return out;
}

/**
 * Every value of a field in `headers`: `Set-Cookie` split on line feeds, any other field as the
 * one combined value.
 *
 * @example
 * headerValues(res.headers, 'set-cookie'); // ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2026 07:28:00 GMT']
 */
export function headerValues(headers: HeaderMap, name: string): string[] {
  const value = headerValue(headers, name.toLowerCase());
  if (value === undefined) return [];
  return name.toLowerCase() === 'set-cookie' ? value.split('\n') : [value];
}

/**
 * Header maps are plain objects with lower-cased names: serializable (the persistent cache and
 * the outbox store them), cheap to copy, and case-insensitive by construction.
 */
export type HeaderMap = Readonly<Record<string, string>>;

/** What users may pass: any casing, `undefined` values dropped. */
export type HeadersInit = Record<string, string | undefined> | HeaderMap;

export function normalizeHeaders(input: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!input) return out;
  for (const name of Object.keys(input)) {
    const value = (input as Record<string, string | undefined>)[name];
    if (value !== undefined) out[name.toLowerCase()] = String(value);
  }
  return out;
}

/** Reads a fetch `Headers` object into a {@link HeaderMap} (fetch already lower-cases names). */
export function headerMapFromFetch(headers: { forEach(cb: (value: string, name: string) => void): void }): HeaderMap {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

/** True for `https://…`, `http://…` and other absolute URLs with a scheme. */
function isAbsolute(url: string): boolean {
  return /^[a-z][a-z\d+\-.]*:/i.test(url);
}

/**
 * Joins a path to the base URL the way users expect (`https://api.test/v1` + `/items` =
 * `https://api.test/v1/items`, unlike `new URL()` which would drop `/v1`); absolute URLs pass.
 */
export function resolveUrl(baseUrl: string, path: string, params?: Readonly<Record<string, string | number | boolean | undefined>>): string {
  let url: string;
  // The common case first, without a regular expression: it runs on every request.
  if (path.charCodeAt(0) === 47 /* / */ && path.charCodeAt(1) !== 47 && baseUrl.charCodeAt(baseUrl.length - 1) !== 47) url = baseUrl + path;
  else url = isAbsolute(path) ? path : `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  if (params) {
    const query = new URLSearchParams();
    for (const name of Object.keys(params)) {
      const value = params[name];
      if (value !== undefined) query.append(name, String(value));
    }
    const encoded = query.toString();
    if (encoded) url += (url.includes('?') ? '&' : '?') + encoded;
  }
  return url;
}

/**
 * {@link resolveUrl} against one base, remembering the URLs of paths without params: an app asks
 * for the same few paths again and again, and the same string object each time lets every Map
 * below (dedupe, cache keys, the LRU) find its key without hashing a new string per request.
 * Bounded: past `max` paths it starts over.
 */
export function urlResolver(baseUrl: string, max = 256): (path: string, params?: Parameters<typeof resolveUrl>[2]) => string {
  const known = new Map<string, string>();
  return (path, params) => {
    if (params !== undefined) return resolveUrl(baseUrl, path, params);
    let url = known.get(path);
    if (url === undefined) {
      if (known.size >= max) known.clear();
      known.set(path, (url = resolveUrl(baseUrl, path)));
    }
    return url;
  };
}

/**
 * The origin of an absolute URL, or `undefined` for something that is not one. Opaque origins
 * (`'null'`: data:, file:, blob:) count as none: they are never an API's own origin.
 */
export function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

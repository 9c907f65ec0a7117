const JSON_MIME = /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * `application/json`, `application/problem+json; charset=utf-8`, `application/vnd.api+json` …
 * One regular expression: the transport asks this of every response, and auth of a failed
 * refresh (a non-JSON answer there is a captive portal, a temporary failure).
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MIME.test(contentType);
}

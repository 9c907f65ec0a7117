import { GraphQLError, type GraphQLErrorEntry, ParseError } from '../core/errors';
import { headerValue } from '../core/headers';
import type { ApiRequest } from '../core/request';
import type { ApiResponse } from '../core/response';

/** The body of a GraphQL response over HTTP (GraphQL spec §7.1). */
export interface GraphQLResponseBody<T = unknown> {
  readonly data?: T | null;
  readonly errors?: readonly GraphQLErrorEntry[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/**
 * Decides, without side effects, whether a successful HTTP response is a failed GraphQL result:
 *
 * | response                                          | result                                   |
 * | ------------------------------------------------- | ---------------------------------------- |
 * | 304 (the cache layer above merges a stored body)  | `undefined`: not ours to judge           |
 * | body with a non-empty `errors` array              | `GraphQLError` (partial `data` kept)     |
 * | body with `data` (and no or empty `errors`)       | `undefined`: a success                   |
 * | not an object, no `data`, `errors` not an array   | `ParseError` (`raw` = the body as JSON)  |
 *
 * @example
 * const error = graphqlBodyError(req, response);
 * if (error) return throwError(() => error);
 */
export function graphqlBodyError(
  req: Pick<ApiRequest, 'method' | 'url'>,
  res: Pick<ApiResponse, 'status' | 'headers' | 'body'>,
): GraphQLError | ParseError | undefined {
  if (res.status === 304) return undefined;
  const body = res.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return parseError(req, res, 'not a GraphQL response object');
  // Own properties only: `errors` or `data` inherited from a prototype is no GraphQL answer.
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(body, name);
  const data = has('data') ? (body as GraphQLResponseBody).data : undefined;
  const errors = has('errors') ? (body as GraphQLResponseBody).errors : undefined;
  if (errors !== undefined && errors !== null) {
    if (!Array.isArray(errors)) return parseError(req, res, '`errors` is not an array');
    if (errors.length > 0) return new GraphQLError(req, errors.map(toEntry), data);
  }
  if (!has('data')) return parseError(req, res, 'neither `data` nor `errors`');
  return undefined;
}

/** A malformed entry (a bare string, an object without `message`) still yields a readable message. */
function toEntry(entry: unknown): GraphQLErrorEntry {
  if (typeof entry === 'object' && entry !== null && typeof (entry as GraphQLErrorEntry).message === 'string') return entry as GraphQLErrorEntry;
  return { message: typeof entry === 'string' ? entry : safeStringify(entry) };
}

function parseError(req: Pick<ApiRequest, 'method' | 'url'>, res: Pick<ApiResponse, 'headers' | 'body'>, detail: string): ParseError {
  return new ParseError(req, safeStringify(res.body), headerValue(res.headers, 'content-type'), detail);
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

import { defer, finalize, from, map, type Observable, of, share, take, tap, throwError, throwIfEmpty } from 'rxjs';
import { GraphQLError, type GraphQLErrorEntry, HttpError } from '../core/errors';

/** Computes the lower-case hex SHA-256 of a document. An Observable because browsers only hash asynchronously. */
export type QueryHashFn = (query: string) => Observable<string>;

/** The `extensions` member of an Apollo APQ request. */
export interface PersistedQueryExtensions {
  readonly persistedQuery: { readonly version: 1; readonly sha256Hash: string };
}

/**
 * The default {@link QueryHashFn}: `node:crypto` when running in Node (synchronous, so marble
 * tests stay in one frame), else Web Crypto's `crypto.subtle` (browsers, Ionic web views).
 * `node:crypto` is reached through `process.getBuiltinModule`, never a static import, so browser
 * bundles neither include nor fail on it.
 *
 * @example
 * sha256Hex('{ me { id } }').subscribe((hash) => console.log(hash)); // 64 hex digits
 */
export const sha256Hex: QueryHashFn = (query) =>
  defer(() => {
    const nodeCrypto = nodeCryptoModule();
    if (nodeCrypto) return of(nodeCrypto.createHash('sha256').update(query).digest('hex'));
    const subtle = globalThis.crypto?.subtle;
    if (subtle) return from(subtle.digest('SHA-256', new TextEncoder().encode(query))).pipe(map(toHex));
    return throwError(() => new Error('RXSYNC-1301: no SHA-256 implementation available; pass `persistedQueries: { hash }`'));
  });

interface NodeCrypto {
  createHash(algorithm: 'sha256'): { update(data: string): { digest(encoding: 'hex'): string } };
}

let nodeCrypto: NodeCrypto | null | undefined;
function nodeCryptoModule(): NodeCrypto | null {
  if (nodeCrypto === undefined) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    nodeCrypto = (proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined) ?? null;
  }
  return nodeCrypto;
}

function toHex(buffer: ArrayBuffer): string {
  let hex = '';
  for (const byte of new Uint8Array(buffer)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Documents are static in app code; the bound only guards apps that build query strings at run time. */
const MAX_MEMOIZED = 1000;

/**
 * Wraps a hash function so each document is hashed once: later calls answer synchronously from
 * memory, and concurrent first calls share one computation. A hash that fails is not remembered,
 * so the next call tries again.
 *
 * @example
 * const hash = memoizeHash(sha256Hex);
 * hash(query).subscribe(); hash(query).subscribe(); // one SHA-256 computation
 */
export function memoizeHash(hash: QueryHashFn): QueryHashFn {
  const known = new Map<string, string>();
  const pending = new Map<string, Observable<string>>();
  return (query) =>
    defer(() => {
      const hit = known.get(query);
      if (hit !== undefined) return of(hit);
      let shared = pending.get(query);
      if (shared === undefined) {
        shared = hash(query).pipe(
          take(1),
          throwIfEmpty(() => new Error('RXSYNC-1302: the persisted-query hash function completed without a hash')),
          tap((value) => remember(known, query, value)),
          finalize(() => pending.delete(query)),
          share(),
        );
        pending.set(query, shared);
      }
      return shared;
    });
}

function remember(known: Map<string, string>, query: string, hash: string): void {
  if (known.size >= MAX_MEMOIZED) known.delete(known.keys().next().value as string);
  known.set(query, hash);
}

/**
 * The APQ `extensions` for a hash (Apollo protocol, version 1).
 *
 * @example
 * persistedQueryExtensions('ecf4…'); // { persistedQuery: { version: 1, sha256Hash: 'ecf4…' } }
 */
export function persistedQueryExtensions(sha256Hash: string): PersistedQueryExtensions {
  return { persistedQuery: { version: 1, sha256Hash } };
}

/**
 * What an APQ failure asks of the client, or `undefined` for any other error:
 *
 * | server says                                                   | client does                          |
 * | ------------------------------------------------------------- | ------------------------------------ |
 * | `PERSISTED_QUERY_NOT_FOUND` / `PersistedQueryNotFound`         | `'register'`: resend once with the document |
 * | `PERSISTED_QUERY_NOT_SUPPORTED` / `PersistedQueryNotSupported` | `'disable'`: resend with the document, stop hashing |
 *
 * Read from a `GraphQLError` (a 200 answer) or from an `HttpError` body (servers that answer 400/404).
 *
 * @example
 * persistedQueryFailure(new GraphQLError(req, [{ message: 'PersistedQueryNotFound' }], undefined)); // 'register'
 */
export function persistedQueryFailure(error: unknown): 'register' | 'disable' | undefined {
  for (const entry of errorEntries(error)) {
    const code = entry.extensions?.['code'];
    if (code === 'PERSISTED_QUERY_NOT_FOUND' || entry.message === 'PersistedQueryNotFound') return 'register';
    if (code === 'PERSISTED_QUERY_NOT_SUPPORTED' || entry.message === 'PersistedQueryNotSupported') return 'disable';
  }
  return undefined;
}

function errorEntries(error: unknown): readonly GraphQLErrorEntry[] {
  if (error instanceof GraphQLError) return error.errors;
  if (error instanceof HttpError && error.status < 500) {
    const errors = (error.body as { errors?: unknown } | null)?.errors;
    if (Array.isArray(errors)) return errors.filter((e): e is GraphQLErrorEntry => typeof e === 'object' && e !== null);
  }
  return [];
}

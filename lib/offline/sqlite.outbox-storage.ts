import { catchError, concatMap, defer, from, map, shareReplay, throwError, type Observable } from 'rxjs';
import type { OutboxStorage } from './outbox-storage';

/**
 * The part of a SQLite connection the outbox uses, shaped like `SQLiteDBConnection` of
 * `@capacitor-community/sqlite` (so an open connection of that plugin is one as it is). rxsync
 * does not depend on the plugin: any driver with these three methods plugs in.
 *
 * - `execute` runs statements without parameters (the `CREATE TABLE`);
 * - `run` runs one statement with `?` parameters (the plugin wraps it in a transaction by default);
 * - `query` returns rows as objects keyed by column name.
 */
export interface SqliteConnectionLike {
  execute(statements: string): PromiseLike<unknown> | unknown;
  run(statement: string, values?: unknown[]): PromiseLike<unknown> | unknown;
  query(statement: string, values?: unknown[]): PromiseLike<{ values?: unknown[] } | undefined> | { values?: unknown[] } | undefined;
}

/** Options of {@link sqliteOutboxStorage}. */
export interface SqliteOutboxStorageOptions {
  /** The table holding the outbox, created when missing (default `rxsync_outbox`). Letters, digits and `_` only. */
  readonly table?: string;
}

/**
 * A SQLite operation that failed: the driver rejected, or answered `changes: -1` (how older
 * versions of the Capacitor plugin report a failure instead of rejecting). `quota` says the
 * database or disk is full (`SQLITE_FULL`): the outbox then tells the caller the mutation was
 * NOT queued (`OutboxError` `storage-failed`, this error as its `cause`). The message names the
 * operation and the key, never a stored value.
 */
export class SqliteStorageError extends Error {
  override readonly name = 'SqliteStorageError';
  readonly quota: boolean;

  constructor(
    readonly operation: string,
    options: { cause?: unknown; detail: string },
  ) {
    super(`sqlite ${operation} failed: ${options.detail}`, { cause: options.cause });
    this.quota = /SQLITE_FULL|database or disk is full|quota/i.test(`${options.detail} ${codeOf(options.cause)}`);
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Outbox storage in a SQLite table (key, JSON text), for Capacitor apps on iOS: the OS may evict a
 * WKWebView's IndexedDB under storage pressure (Capacitor's storage guide), a SQLite file in the
 * app's container it does not. Keep {@link localforageOutboxStorage} for the web build.
 *
 * - A write is acknowledged when the driver's `run` resolved: the outbox says "queued" only then.
 * - The table is created on first use (`CREATE TABLE IF NOT EXISTS`); a failed creation is tried
 *   again on the next operation, so a connection opened late is not fatal.
 * - A row whose value is not JSON is returned as its raw text: the outbox reports it
 *   (`outbox-corrupt`), leaves it in the table and never sends it; other entries still go.
 * - Rows without the asked column (the `ios_columns` header row some iOS versions of the plugin
 *   put first) are skipped.
 * - Every call is bounded by the outbox's `storageTimeoutMs`: a driver that never answers becomes
 *   `OutboxError` `storage-timeout`, never a hang.
 *
 * @example
 * import { CapacitorSQLite, SQLiteConnection } from '@capacitor-community/sqlite';
 *
 * const sqlite = new SQLiteConnection(CapacitorSQLite);
 * const db = await sqlite.createConnection('app', false, 'no-encryption', 1, false);
 * await db.open();
 * const client = createApiClient({ baseUrl, offline: { outbox: { storage: sqliteOutboxStorage(db) } } });
 */
export function sqliteOutboxStorage(db: SqliteConnectionLike, options: SqliteOutboxStorageOptions = {}): OutboxStorage {
  const table = options.table ?? 'rxsync_outbox';
  if (!IDENTIFIER.test(table)) throw new RangeError(`sqliteOutboxStorage: table name ${JSON.stringify(table)} is not a plain SQL identifier`);

  const call = <T>(operation: string, invoke: () => PromiseLike<T> | T): Observable<T> =>
    defer(() => from(Promise.resolve().then(invoke))).pipe(
      map((result) => {
        if (changesOf(result) === -1) throw new SqliteStorageError(operation, { detail: messageOf(result) ?? 'the driver answered changes: -1' });
        return result;
      }),
      // Keep the driver's error as the cause; say which operation failed.
      catchError((error: unknown) =>
        throwError(() => (error instanceof SqliteStorageError ? error : new SqliteStorageError(operation, { cause: error, detail: detailOf(error) }))),
      ),
    );

  // Created once; a failure is forgotten so the next operation tries again.
  let ready: Observable<unknown> | undefined;
  const ensureTable = (): Observable<unknown> => {
    ready ??= call('create table', () => db.execute(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`)).pipe(
      catchError((error: unknown) => {
        ready = undefined;
        return throwError(() => error);
      }),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    return ready;
  };
  const withTable = <T>(operation: () => Observable<T>): Observable<T> => ensureTable().pipe(concatMap(operation));

  return {
    get: (key) =>
      withTable(() => call(`get ${key}`, () => db.query(`SELECT value FROM ${table} WHERE key = ?`, [key]))).pipe(
        map((result) => {
          const text = rowsOf(result, 'value')[0];
          if (text === undefined) return undefined;
          try {
            return JSON.parse(text) as unknown;
          } catch {
            return text; // not an entry: the outbox reports it as corrupt
          }
        }),
      ),
    set: (key, value) =>
      withTable(() => call(`set ${key}`, () => db.run(`INSERT OR REPLACE INTO ${table} (key, value) VALUES (?, ?)`, [key, JSON.stringify(value)]))).pipe(
        map(() => undefined),
      ),
    remove: (key) => withTable(() => call(`remove ${key}`, () => db.run(`DELETE FROM ${table} WHERE key = ?`, [key]))).pipe(map(() => undefined)),
    keys: () => withTable(() => call('keys', () => db.query(`SELECT key FROM ${table} ORDER BY key`, []))).pipe(map((result) => rowsOf(result, 'key'))),
  };
}

/** `changes.changes` of a `run`/`execute` answer (`{ changes: { changes, lastId } }` in the plugin). */
function changesOf(result: unknown): number | undefined {
  const changes = (result as { changes?: { changes?: unknown } } | null | undefined)?.changes;
  return typeof changes === 'object' && changes !== null && typeof changes.changes === 'number' ? changes.changes : undefined;
}

function messageOf(result: unknown): string | undefined {
  const message = (result as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** The string values of `column` in a `query` answer, skipping rows that lack it. */
function rowsOf(result: { values?: unknown[] } | undefined, column: string): string[] {
  const out: string[] = [];
  for (const row of result?.values ?? []) {
    const value = typeof row === 'object' && row !== null ? (row as Record<string, unknown>)[column] : undefined;
    if (typeof value === 'string') out.push(value);
  }
  return out;
}

function detailOf(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown driver error';
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

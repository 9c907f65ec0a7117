import type { Database } from 'better-sqlite3';
import type { SqliteConnectionLike } from '../../lib/offline/sqlite.outbox-storage';

/**
 * A stand-in for `@capacitor-community/sqlite`'s `SQLiteDBConnection` over a real SQLite
 * (better-sqlite3): the same three methods and answer shapes, asynchronous as the plugin's
 * bridge is. `iosColumns` adds the `{ ios_columns: [...] }` header row some iOS builds of the
 * plugin put first in every query answer; `calls` counts what reached the database.
 */
export function capacitorLikeConnection(db: Database, options: { iosColumns?: boolean } = {}): SqliteConnectionLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    execute: async (statements) => {
      calls.push(statements);
      db.exec(statements);
      return { changes: { changes: 0 } };
    },
    run: async (statement, values = []) => {
      calls.push(statement);
      const result = db.prepare(statement).run(...values);
      return { changes: { changes: result.changes, lastId: Number(result.lastInsertRowid) } };
    },
    query: async (statement, values = []) => {
      calls.push(statement);
      const prepared = db.prepare(statement);
      const rows = prepared.all(...values);
      return { values: options.iosColumns ? [{ ios_columns: prepared.columns().map((c) => c.name) }, ...rows] : rows };
    },
  };
}

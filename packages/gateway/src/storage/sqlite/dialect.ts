// SQLite through better-sqlite3: the embedded default. One connection, WAL, fsync on commit.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { UniqueViolation } from '../../errors.js';
import type { Database } from '../schema.js';
import type { SqlDialect } from '../sql-store.js';

export function sqliteDialect(path: string): SqlDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({
      database: async () => {
        const conn = new BetterSqlite3(path);
        // WAL lets readers run beside the writer; synchronous=FULL fsyncs every commit,
        // so an acknowledged payment or delivery survives a power cut, not just a crash.
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = FULL');
        conn.pragma('foreign_keys = ON');
        // A second process on the same file (a restart overlapping a shutdown) waits, not fails.
        conn.pragma('busy_timeout = 5000');
        return conn;
      },
    }),
  });
  return {
    db,
    capabilities: { dialect: 'sqlite', skipLocked: false, rowLocks: false },
    uniqueViolation,
  };
}

function uniqueViolation(error: unknown): UniqueViolation['constraint'] | undefined {
  const { code, message } = error as { code?: string; message?: string };
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  if (message?.includes('payments.order_id')) return 'order';
  if (message?.includes('payments.code')) return 'code';
  if (message?.includes('transfers.txid')) return 'txid';
  if (message?.includes('payments.trace_id')) return 'trace';
  return undefined;
}

// SQLite through better-sqlite3: the embedded default. One connection, WAL, fsync on commit,
// commits grouped per event-loop turn.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/sqlite';
import type { UniqueViolation } from '../../errors.js';
import type { Database } from '../schema.js';
import type { SqlDialect } from '../sql/dialect.js';
import type { LeaseOwnerHold } from '../store.js';
import { GroupCommitSqliteDialect } from './group-commit.js';
import { holdOwnerLock, ifOwnerDead, ownerLockDir } from './owner-lock.js';

const capabilities = { dialect: 'sqlite', skipLocked: false, rowLocks: false, writableCte: false } as const;

export function sqliteDialect(path: string): SqlDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Kysely<Database>({
    dialect: new GroupCommitSqliteDialect(async () => {
      const conn = new BetterSqlite3(path);
      // WAL lets readers run beside the writer; synchronous=FULL fsyncs every commit,
      // so an acknowledged payment or delivery survives a power cut, not just a crash.
      conn.pragma('journal_mode = WAL');
      conn.pragma('synchronous = FULL');
      conn.pragma('foreign_keys = ON');
      // A second process on the same file (a restart overlapping a shutdown) waits, not fails.
      conn.pragma('busy_timeout = 5000');
      return conn;
    }),
  });
  // An in-memory database dies with its only process, leases and all: nothing to take back.
  if (path === ':memory:') return { db, capabilities, jsonArrayFrom, uniqueViolation };
  const dir = ownerLockDir(path);
  const holds = new Set<LeaseOwnerHold>();
  return {
    db,
    capabilities,
    jsonArrayFrom,
    uniqueViolation,
    ownerLocks: {
      async hold(owner) {
        const hold = holdOwnerLock(dir, owner);
        holds.add(hold);
        return hold;
      },
      ifDead: (owner, release) => ifOwnerDead(dir, owner, () => release(db)),
    },
    async close() {
      await Promise.all([...holds].map((h) => h.release()));
    },
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

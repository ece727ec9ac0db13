// SQLite through better-sqlite3: the embedded default. One connection, WAL, fsync on commit,
// commits grouped per event-loop turn, incremental auto-vacuum so pruned attempts give space back.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/sqlite';
import type { UniqueViolation } from '../../errors.js';
import type { Database } from '../schema.js';
import type { SqlDialect } from '../sql/dialect.js';
import type { LeaseOwnerHold } from '../store.js';
import { GroupCommitSqliteDialect } from './group-commit.js';
import { holdOwnerLock, ifOwnerDead, ownerLockDir } from './owner-lock.js';

const capabilities = { dialect: 'sqlite', skipLocked: false, rowLocks: false, writableCte: false } as const;
/** `PRAGMA auto_vacuum`'s value for INCREMENTAL. */
const INCREMENTAL = 2;

/** Converting an existing file to incremental auto-vacuum: one VACUUM, the first time it is opened. */
export type SqliteVacuumEvent =
  | { phase: 'start'; path: string; pages: number }
  | { phase: 'done'; path: string; pages: number; ms: number }
  /** Another process held the file for longer than the busy timeout: the next open tries again. */
  | { phase: 'skipped'; path: string; error: unknown };

export interface SqliteOptions {
  onVacuum?: (event: SqliteVacuumEvent) => void;
}

export function sqliteDialect(path: string, options: SqliteOptions = {}): SqlDialect {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const dialect = new GroupCommitSqliteDialect(async () => {
    const conn = new BetterSqlite3(path);
    // Pages freed by pruning go back to the file system (reclaimSpace below). The mode only takes
    // on a file without tables, so it comes before journal_mode, whose WAL header creates a file.
    conn.pragma('auto_vacuum = INCREMENTAL');
    // WAL lets readers run beside the writer; synchronous=FULL fsyncs every commit,
    // so an acknowledged payment or delivery survives a power cut, not just a crash.
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = FULL');
    conn.pragma('foreign_keys = ON');
    // A second process on the same file (a restart overlapping a shutdown) waits, not fails.
    conn.pragma('busy_timeout = 5000');
    convertToIncrementalVacuum(conn, path, options.onVacuum);
    return conn;
  });
  const db = new Kysely<Database>({ dialect });
  const reclaimSpace = async (maxPages: number) => {
    const free = async () =>
      Number((await sql<{ freelist_count: number }>`pragma freelist_count`.execute(db)).rows[0]?.freelist_count ?? 0);
    const before = await free();
    const driver = dialect.driver;
    if (before === 0 || maxPages < 1 || !driver) return { reclaimed: 0, free: before };
    await driver.execInGroup(`pragma incremental_vacuum(${Math.floor(maxPages)})`);
    const after = await free();
    return { reclaimed: before - after, free: after };
  };
  // An in-memory database dies with its only process, leases and all: nothing to take back.
  if (path === ':memory:') return { db, capabilities, jsonArrayFrom, uniqueViolation, reclaimSpace };
  const dir = ownerLockDir(path);
  const holds = new Set<LeaseOwnerHold>();
  return {
    db,
    capabilities,
    jsonArrayFrom,
    uniqueViolation,
    reclaimSpace,
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

/**
 * A file made before incremental auto-vacuum (or by another tool) keeps its mode until a VACUUM
 * rewrites it: done once, here, outside any transaction, before the store uses the connection.
 * It rewrites the whole file (and needs as much free disk again); `onVacuum` logs it.
 */
function convertToIncrementalVacuum(
  conn: BetterSqlite3.Database,
  path: string,
  onVacuum: SqliteOptions['onVacuum'],
): void {
  if (conn.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return;
  const pages = conn.pragma('page_count', { simple: true }) as number;
  onVacuum?.({ phase: 'start', path, pages });
  const started = performance.now();
  try {
    conn.exec('VACUUM');
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    onVacuum?.({ phase: 'skipped', path, error });
    return;
  }
  onVacuum?.({
    phase: 'done',
    path,
    pages: conn.pragma('page_count', { simple: true }) as number,
    ms: performance.now() - started,
  });
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

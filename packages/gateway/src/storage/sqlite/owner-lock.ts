// Lease owners' liveness on SQLite: each dispatcher holds an exclusive SQLite lock on a small
// file of its own beside the database (`<database>-owners/<owner>.lock`). SQLite's locks are
// the kernel's POSIX record locks, which die with the process that holds them, however it dies,
// whatever pid namespace (container) it ran in, and without any pid that could be reused; so an
// owner whose file another process can lock is gone.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { LeaseOwnerHold } from '../store.js';

/** Owner ids become file names: only these characters (LeaseOwner ids are made of them). */
const SAFE_OWNER = /^[A-Za-z0-9._-]{1,128}$/;

/** The directory of owner lock files for the database at `databasePath`. */
export function ownerLockDir(databasePath: string): string {
  return `${databasePath}-owners`;
}

function lockPath(dir: string, owner: string): string {
  if (!SAFE_OWNER.test(owner)) throw new Error(`lease owner id ${JSON.stringify(owner)} cannot name a lock file`);
  return join(dir, `${owner}.lock`);
}

/** Takes `owner`'s lock file and holds it until `release` (or until the process dies). */
export function holdOwnerLock(dir: string, owner: string): LeaseOwnerHold {
  mkdirSync(dir, { recursive: true });
  const path = lockPath(dir, owner);
  const conn = new BetterSqlite3(path, { timeout: 0 });
  // Nothing is ever written: no journal file, so a killed owner leaves only its lock file.
  conn.pragma('journal_mode = MEMORY');
  // A transaction never committed: its EXCLUSIVE lock keeps every other connection out.
  conn.exec('BEGIN EXCLUSIVE');
  let released = false;
  return {
    held: true,
    acquisitions: 1,
    async release() {
      if (released) return;
      released = true;
      conn.close();
      rmSync(path, { force: true });
    },
  };
}

/**
 * Runs `release` if `owner`'s lock file can be locked (its process is gone), holding that
 * lock meanwhile, then removes the file. Undefined when the lock is held (alive) or the file
 * is missing or unreadable (cannot be judged: the leases then expire as they always did).
 */
export async function ifOwnerDead<T>(dir: string, owner: string, release: () => Promise<T>): Promise<T | undefined> {
  if (!SAFE_OWNER.test(owner)) return undefined;
  const path = lockPath(dir, owner);
  let conn: BetterSqlite3.Database | undefined;
  try {
    conn = new BetterSqlite3(path, { fileMustExist: true, timeout: 0 });
    conn.pragma('journal_mode = MEMORY');
    conn.exec('BEGIN EXCLUSIVE'); // SQLITE_BUSY while its owner lives
  } catch {
    conn?.close();
    return undefined;
  }
  try {
    const result = await release();
    rmSync(path, { force: true });
    return result;
  } finally {
    conn.close();
  }
}

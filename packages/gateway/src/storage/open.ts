// Opens the store a DATABASE_URL names, migrated and ready.
import { resolve } from 'node:path';
import { postgresDialect } from './postgres/dialect.js';
import type { SqlDialect } from './sql/dialect.js';
import { SqlStore } from './sql/store.js';
import { type SqliteVacuumEvent, sqliteDialect } from './sqlite/dialect.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
  onListenerError?: (error: unknown) => void;
  onOwnerLockError?: (error: unknown) => void;
  /** SQLite: an existing file being converted to incremental auto-vacuum (once; it may take a while). */
  onVacuum?: (event: SqliteVacuumEvent) => void;
}

export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  return SqlStore.open(openDialect(databaseUrl, options));
}

/** The SQL dialect a DATABASE_URL names (not migrated yet: SqlStore.open does that). */
export function openDialect(databaseUrl: string, options: OpenStoreOptions = {}): SqlDialect {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return postgresDialect(databaseUrl, options);
  return sqliteDialect(sqlitePath(databaseUrl), { onVacuum: options.onVacuum });
}

/** `sqlite:PATH`, `sqlite://PATH`, `file:PATH` or a bare path; `:memory:` for a throwaway store. */
export function sqlitePath(databaseUrl: string): string {
  const path = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

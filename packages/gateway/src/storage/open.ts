// Opens the store a DATABASE_URL names, migrated and ready.
import { resolve } from 'node:path';
import { SqlStore } from './sql-store.js';
import { sqliteDialect } from './sqlite/dialect.js';
import type { Store } from './store.js';

export async function openStore(databaseUrl: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('the PostgreSQL backend is not built yet; use DATABASE_URL=sqlite:PATH');
  }
  return SqlStore.open(sqliteDialect(sqlitePath(databaseUrl)));
}

/** `sqlite:PATH`, `sqlite://PATH`, `file:PATH` or a bare path; `:memory:` for a throwaway store. */
export function sqlitePath(databaseUrl: string): string {
  const path = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

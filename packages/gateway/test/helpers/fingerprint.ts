// A fingerprint of everything a request could change (payments, transfers, events, deliveries,
// attempts, payee secrets, endpoints with their pauses and per-minute attempt counters,
// recoveries, the pruner's state), read over one connection held open, so that a test can check
// after thousands of requests that each refused one changed nothing.
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { TestDatabase } from './database.js';

const TABLES: [table: string, order: string][] = [
  ['payments', 'trace_id'],
  ['transfers', 'txid'],
  ['events', 'id'],
  ['deliveries', 'id'],
  ['attempts', 'delivery_id, attempt_no'],
  ['payee_secrets', 'payee_id'],
  ['endpoints', 'url'],
  ['endpoint_minutes', 'url, minute'],
  ['recoveries', 'id'],
  ['retention_state', 'id'],
];

export interface Fingerprinter {
  /** The stored state as one string: equal strings, equal state. */
  take(): Promise<string>;
  close(): Promise<void>;
}

export async function fingerprinter(database: TestDatabase): Promise<Fingerprinter> {
  if (database.backend === 'sqlite') {
    const db = new BetterSqlite3(database.url.replace(/^sqlite:/, ''), { readonly: true });
    const reads = TABLES.map(([table, order]) => db.prepare(`select * from ${table} order by ${order}`));
    return {
      take: async () => JSON.stringify(reads.map((r) => r.all())),
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  // One round trip: every table as JSON, in a stable order.
  const query = `select json_build_array(${TABLES.map(
    ([table, order]) => `(select json_agg(t order by ${order}) from ${table} t)`,
  ).join(', ')})::text as state`;
  return {
    take: async () => (await client.query<{ state: string }>(query)).rows[0]?.state ?? '',
    close: () => client.end(),
  };
}

// The benchmarks' databases: fresh PostgreSQL databases on the server the tests use
// (PAYHOOK_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards,
// and the attempt records payhook wrote, read back for rates and lateness.
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.PAYHOOK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function pgUrl(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.href;
}

const created = new Set<string>();

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database named after this process and `suffix`. */
export async function createDatabase(prefix: string, suffix: string): Promise<string> {
  const name = `${prefix}_${process.pid}_${suffix.replace(/[^a-z0-9]/g, '_')}`;
  await adminQuery(`drop database if exists ${name} with (force)`);
  await adminQuery(`create database ${name}`);
  created.add(name);
  return name;
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists ${name} with (force)`);
  created.delete(name);
}

/** Drops every database this process created and has not dropped yet. */
export async function dropCreatedDatabases(): Promise<void> {
  for (const name of [...created]) await dropDatabase(name).catch(() => {});
}

export async function pgQuery<T extends Record<string, unknown>>(db: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: pgUrl(db) });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export interface AttemptRow {
  due: number;
  start: number;
  end: number;
  success: boolean;
  deliveryId: string;
}

const ATTEMPTS_SQL =
  'select due_at as due, started_at as start, ended_at as "end", success, delivery_id as "deliveryId" from attempts';

const toAttempt = (r: Record<string, unknown>): AttemptRow => ({
  due: Number(r.due),
  start: Number(r.start),
  end: Number(r.end),
  success: Number(r.success) === 1,
  deliveryId: String(r.deliveryId),
});

export function sqliteAttempts(path: string): AttemptRow[] {
  const reader = new BetterSqlite3(path, { readonly: true });
  try {
    return (reader.prepare(ATTEMPTS_SQL).all() as Record<string, unknown>[]).map(toAttempt);
  } finally {
    reader.close();
  }
}

export async function pgAttempts(db: string): Promise<AttemptRow[]> {
  return (await pgQuery(db, ATTEMPTS_SQL)).map(toAttempt);
}

/** A cheap progress reader: delivered attempts so far, in the PostgreSQL `dbName` or the SQLite file. */
export function progressReader(databaseUrl: string, dbName?: string) {
  if (dbName !== undefined) {
    const client = new pg.Client({ connectionString: pgUrl(dbName) });
    const connected = client.connect();
    return {
      async read() {
        await connected;
        const { rows } = await client.query<{ n: string }>('select count(*) as n from attempts where success = 1');
        return Number(rows[0]?.n ?? 0);
      },
      close: () => client.end(),
    };
  }
  const reader = new BetterSqlite3(databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
  const stmt = reader.prepare('select count(*) as n from attempts where success = 1');
  return {
    async read() {
      return Number((stmt.get() as { n: number }).n);
    },
    async close() {
      reader.close();
    },
  };
}

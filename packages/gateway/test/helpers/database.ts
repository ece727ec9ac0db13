// The database a gateway test runs on: a SQLite file, or a fresh PostgreSQL database cloned
// from a migrated template (PAYHOOK_TEST_BACKEND=postgres), so every test starts from nothing.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

export type Backend = 'sqlite' | 'postgres';
export const BACKEND: Backend = process.env.PAYHOOK_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** The server the suite creates its databases on; trust auth on loopback, as CI sets up. */
export const PG_ADMIN_URL = process.env.PAYHOOK_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/**
 * Names of this run's databases. `PAYHOOK_TEST_DB_TAG` keeps runs from different checkouts on one
 * server apart (each cleans up and re-creates only its own template and clones).
 */
const TAG = (process.env.PAYHOOK_TEST_DB_TAG ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
export const PG_TEMPLATE = TAG ? `payhook_template_${TAG}` : 'payhook_template';
export const PG_CLONE_PREFIX = TAG ? `payhook_t${TAG}_` : 'payhook_t_';

export function pgUrl(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.href;
}

export async function pgAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  backend: Backend;
  url: string;
  /** Runs a read-only query straight against the database, for assertions about stored state. */
  rows<T = Record<string, unknown>>(query: string): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(dir: string): Promise<TestDatabase> {
  if (BACKEND === 'sqlite') {
    const path = join(dir, 'gateway.sqlite');
    return {
      backend: 'sqlite',
      url: `sqlite:${path}`,
      async rows<T>(query: string) {
        const db = new BetterSqlite3(path, { readonly: true });
        try {
          return db.prepare(query).all() as T[];
        } finally {
          db.close();
        }
      },
      async drop() {},
    };
  }
  const name = `${PG_CLONE_PREFIX}${randomBytes(6).toString('hex')}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE}`));
  return postgresTestDatabase(pgUrl(name), async () => {
    await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
}

/**
 * A fresh, empty database on the PostgreSQL server `adminUrl` names (a server a test started
 * itself, see postgres-server.ts); the gateway migrates it when it starts.
 */
export async function createDatabaseOn(adminUrl: string): Promise<TestDatabase> {
  const name = `payhook_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return postgresTestDatabase(url.href, async () => {}); // dropped with its server
}

function postgresTestDatabase(url: string, drop: () => Promise<void>): TestDatabase {
  return {
    backend: 'postgres',
    url,
    async rows<T>(query: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // BIGINT columns come back as numbers here too, so assertions read alike on both backends.
        const result = await client.query({ text: query, types: { getTypeParser: intParser } });
        return result.rows as T[];
      } finally {
        await client.end();
      }
    },
    drop,
  };
}

function intParser(oid: number, format?: 'text' | 'binary') {
  return oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text');
}

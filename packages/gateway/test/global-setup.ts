// For the PostgreSQL run (vitest runs it only for that project, in the main process, where the
// project's env is not set): a template database migrated once, which every test clones
// (CREATE DATABASE … TEMPLATE is a file copy, far faster than migrating each time).
import { postgresDialect } from '../src/storage/postgres/dialect.js';
import { SqlStore } from '../src/storage/sql/store.js';
import { PG_CLONE_PREFIX, PG_TEMPLATE, pgAdmin, pgUrl } from './helpers/database.js';

export default async function setup(): Promise<void> {
  await pgAdmin(async (c) => {
    // Databases a killed run left behind.
    const stale = await c.query<{ datname: string }>(
      "select datname from pg_database where starts_with(datname, $1) and datname ~ '_[0-9a-f]{12}$'",
      [PG_CLONE_PREFIX],
    );
    for (const { datname } of stale.rows) await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await c.query(`DROP DATABASE IF EXISTS ${PG_TEMPLATE} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${PG_TEMPLATE}`);
  });
  const store = await SqlStore.open(postgresDialect(pgUrl(PG_TEMPLATE)));
  await store.close();
}

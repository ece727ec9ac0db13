// Rotation with overlap: a payee's previous signing secret keeps signing, beside the new one,
// until `previous_until`; the claim reads both while `previous_until` is after its `now`. Two
// columns on the payee's one row rather than a table of secrets: there are never more than two,
// and the claim reads them with the single lookup it already makes.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('payee_secrets').addColumn('previous_secret', 'varchar(128)').execute();
  await db.schema.alterTable('payee_secrets').addColumn('previous_until', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('payee_secrets').dropColumn('previous_until').execute();
  await db.schema.alterTable('payee_secrets').dropColumn('previous_secret').execute();
}

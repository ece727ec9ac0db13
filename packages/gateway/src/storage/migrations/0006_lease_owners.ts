// Who holds each lease: the dispatcher incarnation that claimed it, so a restart can take back
// the leases of a process that is provably dead instead of waiting for them to expire
// (docs/decisions.md, "Lease owners"). Only leased rows carry an owner; the partial index
// holds just those, a few dozen rows however large the table.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('lock_owner', 'varchar(128)').execute();
  await db.schema
    .createIndex('deliveries_leased')
    .on('deliveries')
    .column('lock_owner')
    .where(sql.ref('lock_owner'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_leased').execute();
  await db.schema.alterTable('deliveries').dropColumn('lock_owner').execute();
}

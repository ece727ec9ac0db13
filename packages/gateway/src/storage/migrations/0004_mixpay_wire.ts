// What MixPay's wire needs of a payment beyond the first schema: its clientId (the Mixin memo is
// `payment|<clientId>`), whether it is paid on-chain and where to (a sandbox deposit address and
// tag), and when its current quote was made (the start of the tolerate period a refresh restarts).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('payments')
    .addColumn('client_id', 'varchar(64)', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('payments')
    .addColumn('is_chain', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('payments').addColumn('quoted_at', 'bigint').execute();
  await db.schema.alterTable('payments').addColumn('destination', 'varchar(128)').execute();
  await db.schema.alterTable('payments').addColumn('tag', 'varchar(32)').execute();
  // The sandbox transfer API finds an on-chain payment by where it was paid to.
  await db.schema.createIndex('payments_deposit').on('payments').columns(['destination', 'tag']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('payments_deposit').execute();
  for (const column of ['tag', 'destination', 'quoted_at', 'is_chain', 'client_id']) {
    await db.schema.alterTable('payments').dropColumn(column).execute();
  }
}

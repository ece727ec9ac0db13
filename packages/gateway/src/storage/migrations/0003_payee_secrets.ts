// Signing secrets of payees that opted in to signed callbacks (Standard Webhooks). One per payee:
// rotating replaces it. Kept in clear because the dispatcher needs it to compute each HMAC.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('payee_secrets')
    .addColumn('payee_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('secret', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('payee_secrets').execute();
}

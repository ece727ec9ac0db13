// Each attempt keeps the request as it was sent: its headers, as JSON text in the order sent
// (text, not jsonb, which would reorder them). The body is the delivery's, the same on every
// attempt, so it is not repeated. Attempts recorded before this migration have none (null).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('attempts').addColumn('request_headers', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('attempts').dropColumn('request_headers').execute();
}

// Endpoints: one row per callback URL (exactly as deliveries store it) with its health counters
// and its pause. The claim reads `paused_at` by primary key for each candidate delivery; resume
// and one URL's health read find its pending deliveries through deliveries_pending_url, which
// holds pending rows only, so a shop's million delivered callbacks cost them nothing. Its WHERE
// names no index column, so SQLite's planner still walks the claim's partial due indexes
// (checked with EXPLAIN QUERY PLAN; see 0001's note on indexes that lead with `state`).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('endpoints')
    .addColumn('url', 'text', (c) => c.primaryKey())
    .addColumn('host', 'varchar(300)', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_failure_at', 'bigint')
    .addColumn('last_error_class', 'varchar(32)')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error_message', 'text')
    .addColumn('health', 'varchar(16)', (c) => c.notNull().defaultTo('healthy'))
    .addColumn('paused_at', 'bigint')
    .addColumn('paused_by', 'varchar(200)')
    .addColumn('pause_reason', 'text')
    .addColumn('auto_paused', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('endpoints_host').on('endpoints').column('host').execute();
  // The paused URLs alone, which the claim's anti-join probes (PostgreSQL scans this instead of
  // every endpoint; it holds as many rows as there are pauses).
  await db.schema
    .createIndex('endpoints_paused')
    .on('endpoints')
    .column('url')
    .where(sql<boolean>`paused_at is not null`)
    .execute();
  await db.schema
    .createIndex('deliveries_pending_url')
    .on('deliveries')
    .column('url')
    .where(sql<boolean>`state = 'pending'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('deliveries_pending_url').execute();
  await db.schema.dropIndex('endpoints_paused').execute();
  await db.schema.dropTable('endpoints').execute();
}

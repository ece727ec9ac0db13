// Endpoints: one row per callback URL (exactly as deliveries store it) with its health counters
// and its pause. The claim reads `paused_at` by primary key for each candidate delivery not parked
// yet (the parking block at the end of up() takes a paused URL's deliveries out of its way); resume
// and one URL's health read find its pending deliveries through deliveries_pending_url, which
// holds pending rows only, so a shop's million delivered callbacks cost them nothing. It leads
// with `url`, which the claim does not name, so SQLite's planner still walks the claim's partial
// due indexes (checked with EXPLAIN QUERY PLAN; see 0001's note on indexes that lead with `state`).
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
  // (url, next_attempt_at): by URL for resume and the health read; by its range too for parking
  // (see below), which finds a paused URL's rows still to park without reading the parked ones.
  await db.schema
    .createIndex('deliveries_pending_url')
    .on('deliveries')
    .columns(['url', 'next_attempt_at'])
    .where(sql<boolean>`state = 'pending'`)
    .execute();

  // Parking: a paused URL's pending deliveries leave the claim's due indexes. Their due time
  // moves to parked_next_attempt_at and next_attempt_at becomes null, which the due scans' ranges
  // (`next_attempt_at <= now`, `> now`) never reach, so a paused backlog costs the claim nothing
  // however large it is. Resume puts it back (sql/endpoints.ts). The straggler step finds what is
  // left to park — a paused URL's pending rows that still have a due time — through
  // deliveries_pending_url's (url, next_attempt_at), without reading the parked ones.
  await db.schema.alterTable('deliveries').addColumn('parked_next_attempt_at', 'bigint').execute();

  // endpoint_minutes: each URL's attempts and successes per minute (domain/endpoint-minutes.ts),
  // upserted by recordAttempts in its batch's transaction; the health read sums a URL's last 60
  // minutes instead of reading the hour's attempts. Rows older than two hours are deleted by
  // recordAttempts, at most two minutes' worth per batch; `endpoint_minutes_minute` finds them
  // and serves the read of every URL at once.
  await db.schema
    .createTable('endpoint_minutes')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('minute', 'bigint', (c) => c.notNull())
    .addColumn('host', 'varchar(300)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('succeeded', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('endpoint_minutes_pk', ['url', 'minute'])
    .execute();
  await db.schema.createIndex('endpoint_minutes_minute').on('endpoint_minutes').column('minute').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('endpoint_minutes').execute();
  // Parking: parked deliveries get their due time back before the column goes.
  await sql`update deliveries set next_attempt_at = parked_next_attempt_at
    where parked_next_attempt_at is not null and next_attempt_at is null`.execute(db);
  await db.schema.alterTable('deliveries').dropColumn('parked_next_attempt_at').execute();

  await db.schema.dropIndex('deliveries_pending_url').execute();
  await db.schema.dropIndex('endpoints_paused').execute();
  await db.schema.dropTable('endpoints').execute();
}

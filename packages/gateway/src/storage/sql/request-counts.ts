// Fixed-window request counts in the database, so every process shares one limit.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { RequestCounts } from '../store.js';

export class SqlRequestCounts implements RequestCounts {
  constructor(private readonly db: Kysely<Database>) {}

  async count(key: string, windowStart: number): Promise<number> {
    // One statement, atomic on both dialects: concurrent requests from many processes each get
    // their own count, never a lost update.
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, window_start: windowStart, count: 1 })
      .onConflict((oc) =>
        oc.columns(['key', 'window_start']).doUpdateSet((eb) => ({ count: eb('rate_limits.count', '+', 1) })),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async expire(windowStart: number): Promise<void> {
    await this.db.deleteFrom('rate_limits').where('window_start', '<', windowStart).execute();
  }
}

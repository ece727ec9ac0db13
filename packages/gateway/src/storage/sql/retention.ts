// Attempt retention over SQL (domain/retention.ts has the rule). A batch walks the attempts in the
// order they ended (index attempts_ended) from the cursor in retention_state, so each pass reads
// only what ended since the last one, never again the last attempts kept before it. It deletes,
// of the deliveries it looked at, every attempt up to the new cursor but the delivery's last —
// which also catches an attempt that was its delivery's last when the cursor passed it and has
// been superseded since (a retry due after the cutoff, a delivery paused for longer).
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { AttemptRetention, PrunedBatch, ReclaimedSpace, RetentionPass } from '../store.js';
import { inTransaction, type SqlDialect } from './dialect.js';

const STATE = 'attempts';

export class SqlAttemptRetention implements AttemptRetention {
  private readonly db: Kysely<Database>;

  constructor(private readonly dialect: SqlDialect) {
    this.db = dialect.db;
  }

  async pruneBatch(cutoff: number, limit: number): Promise<PrunedBatch | undefined> {
    // PostgreSQL: the state row is the guard. Another gateway in a batch holds it; this one skips
    // (undefined) rather than queueing behind it to repeat its work. SQLite has one writer anyway.
    const lock = this.dialect.capabilities.skipLocked ? sql` for update skip locked` : sql``;
    return inTransaction(this.db, async (trx) => {
      const { rows } = await sql<{ ended_at: number | string; delivery_id: string; attempt_no: number }>`
        select cursor_ended_at as ended_at, cursor_delivery_id as delivery_id, cursor_attempt_no as attempt_no
        from retention_state where id = ${STATE}${lock}`.execute(trx);
      const cursor = rows[0];
      if (!cursor) return undefined;
      const after = [Number(cursor.ended_at), cursor.delivery_id, cursor.attempt_no] as const;
      const key = sql`(ended_at, delivery_id, attempt_no)`;
      const scanned = await trx
        .selectFrom('attempts')
        .select(['ended_at', 'delivery_id', 'attempt_no'])
        .where('ended_at', '<', cutoff)
        .where(sql<boolean>`${key} > (${sql.join(after)})`)
        .orderBy('ended_at')
        .orderBy('delivery_id')
        .orderBy('attempt_no')
        .limit(limit)
        .execute();
      const last = scanned.at(-1);
      if (!last) return { scanned: 0, pruned: 0, more: false };
      const until = [Number(last.ended_at), last.delivery_id, last.attempt_no] as const;
      // Per delivery, its attempts up to the latest one looked at (those before the new cursor: a
      // delivery's attempts end in the order they are numbered), grouped by that number so the
      // statement reads the primary key per delivery. No condition on ended_at here: with one, a
      // planner without statistics walks attempts_ended from the start instead (measured on
      // PostgreSQL: 600,000 index entries for a batch of 1,000).
      const upTo = new Map<string, number>();
      for (const r of scanned) upTo.set(r.delivery_id, Math.max(r.attempt_no, upTo.get(r.delivery_id) ?? 0));
      const byNumber = new Map<number, string[]>();
      for (const [id, n] of upTo) {
        const ids = byNumber.get(n);
        if (ids) ids.push(id);
        else byNumber.set(n, [id]);
      }
      const deleted = await trx
        .deleteFrom('attempts')
        .where((eb) =>
          eb.or([...byNumber].map(([n, ids]) => eb.and([eb('delivery_id', 'in', ids), eb('attempt_no', '<=', n)]))),
        )
        .where('attempt_no', '<', (eb) =>
          eb
            .selectFrom('deliveries')
            .select('deliveries.attempts')
            .whereRef('deliveries.id', '=', 'attempts.delivery_id'),
        )
        .executeTakeFirst();
      const pruned = Number(deleted.numDeletedRows);
      await trx
        .updateTable('retention_state')
        .set({
          cursor_ended_at: until[0],
          cursor_delivery_id: until[1],
          cursor_attempt_no: until[2],
          pruned_total: sql`pruned_total + ${pruned}`,
        })
        .where('id', '=', STATE)
        .execute();
      return { scanned: scanned.length, pruned, more: scanned.length === limit };
    });
  }

  async reclaimSpace(maxPages: number): Promise<ReclaimedSpace> {
    return this.dialect.reclaimSpace?.(maxPages) ?? { reclaimed: 0, free: 0 };
  }

  async recordPass(pass: RetentionPass): Promise<void> {
    await this.db
      .updateTable('retention_state')
      .set({
        pass_started_at: pass.startedAt,
        pass_ended_at: pass.endedAt,
        pass_cutoff: pass.cutoff,
        pass_pruned: pass.pruned,
        pass_reclaimed_pages: pass.reclaimedPages,
      })
      .where('id', '=', STATE)
      .execute();
  }

  async state(): Promise<{ prunedTotal: number; lastPass: RetentionPass | null }> {
    const row = await this.db.selectFrom('retention_state').selectAll().where('id', '=', STATE).executeTakeFirst();
    if (!row) return { prunedTotal: 0, lastPass: null };
    const lastPass =
      row.pass_started_at === null
        ? null
        : {
            startedAt: Number(row.pass_started_at),
            endedAt: Number(row.pass_ended_at),
            cutoff: Number(row.pass_cutoff),
            pruned: Number(row.pass_pruned),
            reclaimedPages: Number(row.pass_reclaimed_pages),
          };
    return { prunedTotal: Number(row.pruned_total), lastPass };
  }
}

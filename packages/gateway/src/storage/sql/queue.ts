// The delivery queue: what the dispatcher runs on, so every statement here is on the hot path
// and written as one SQL text per call (docs/decisions.md, "The hot path"). A claim leases and
// returns everything an attempt needs; a batch of outcomes is recorded together, fenced per row.

import type { Selectable } from 'kysely';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Delivery } from '../../interfaces.js';
import { attemptToRow, deliveryToRow, rowToDelivery } from '../rows.js';
import type { Database, DeliveriesTable } from '../schema.js';
import type {
  AttemptOutcome,
  ClaimedDelivery,
  ClaimOptions,
  DeliveryQueue,
  LeaseOwnerHold,
  StoreCapabilities,
} from '../store.js';
import { NOT_PAUSED, NOT_TRIED_YET, RETRYING } from './delivery-states.js';
import { type Db, inTransaction, type SqlDialect } from './dialect.js';
import { parkPaused } from './endpoints.js';

/**
 * A claimed row, with its payee's signing secrets: the current one, then the previous one while a
 * rotation overlaps, space-separated (a `whsec_` secret is base64, never a space); null: unsigned.
 */
export type DeliveryRow = Selectable<DeliveriesTable> & { signing_secrets: string | null };

export class SqlDeliveryQueue implements DeliveryQueue {
  private readonly db: Kysely<Database>;
  private readonly capabilities: StoreCapabilities;

  constructor(private readonly dialect: SqlDialect) {
    this.db = dialect.db;
    this.capabilities = dialect.capabilities;
  }

  async claim(opts: ClaimOptions): Promise<ClaimedDelivery[]> {
    if (opts.limit <= 0) return [];
    const { rows } = await this.claimStatement(opts).execute(this.db);
    const { now } = opts;
    return rows
      .map((r): ClaimedDelivery => {
        const delivery = rowToDelivery(r);
        return {
          ...delivery,
          dueAt: delivery.nextAttemptAt ?? now,
          host: r.host,
          signingSecrets: r.signing_secrets === null ? [] : r.signing_secrets.split(' '),
        };
      })
      .sort((a, b) => a.dueAt - b.dueAt);
  }

  /** The claim as one statement (exposed for bench/hot-path.ts, which runs it without Kysely). */
  claimStatement(opts: ClaimOptions): RawBuilder<DeliveryRow> {
    const { now, limit, leaseMs, token, owner = null } = opts;
    const hostLimit = Math.min(limit, opts.hostLimit ?? limit);
    const budgets = [...(opts.hostBudgets ?? [])].map(([host, n]) => [host, Math.min(n, hostLimit)] as const);
    const full = budgets.filter(([, n]) => n <= 0).map(([host]) => host);
    const partial = budgets.filter(([, n]) => n > 0 && n < hostLimit);
    const notFull = full.length > 0 ? sql` and host not in (${sql.join(full)})` : sql``;
    const lock = this.capabilities.skipLocked ? sql` for update skip locked` : sql``;
    const due = (kind: RawBuilder<unknown>) => sql`
      select id, host, next_attempt_at from deliveries
      where ${kind} and next_attempt_at <= ${now} and (locked_until is null or locked_until <= ${now})${notFull}
        and ${NOT_PAUSED}
      order by next_attempt_at limit ${limit}${lock}`;
    // Budgets below the host limit, as a table the ranking joins.
    const budgetTable =
      partial.length > 0
        ? sql`, budgets(host, budget) as (values ${sql.join(
            partial.map(([host, n]) => sql`(cast(${host} as text), cast(${n} as integer))`),
          )})`
        : sql``;
    const allowed =
      partial.length > 0
        ? sql`left join budgets b on b.host = r.host where r.host_rank <= coalesce(b.budget, ${hostLimit})`
        : sql`where r.host_rank <= ${hostLimit}`;
    // First attempts and retries take turns (first, retry, first, …), so at least half the batch
    // is first attempts when there are any and a backlog of late retries never holds up a new
    // event; whatever one kind leaves unused, the other takes. Each host then keeps its budget.
    return sql<DeliveryRow>`
      with firsts as (${due(NOT_TRIED_YET)}),
      retries as (${due(RETRYING)}),
      candidates as (
        select id, host, 2 * row_number() over (order by next_attempt_at, id) - 1 as turn from firsts
        union all
        select id, host, 2 * row_number() over (order by next_attempt_at, id) as turn from retries
      ),
      ranked as (
        select id, host, turn, row_number() over (partition by host order by turn) as host_rank from candidates
      )${budgetTable},
      chosen as (select r.id from ranked r ${allowed} order by r.turn limit ${limit})
      update deliveries set lock_token = ${token}, locked_until = ${now + leaseMs}, lock_owner = ${owner}
      where id in (select id from chosen)
      returning *, (
        select case when s.previous_until > ${now} then s.secret || ' ' || s.previous_secret else s.secret end
        from payments p join payee_secrets s on s.payee_id = p.payee_id
        where p.trace_id = deliveries.trace_id
      ) as signing_secrets`;
  }

  async record(outcomes: readonly AttemptOutcome[], now: number): Promise<boolean[]> {
    if (outcomes.length === 0) return [];
    const moved = this.capabilities.writableCte
      ? await this.recordInOneStatement(outcomes, now)
      : await inTransaction(this.db, async (trx) => {
          const statement = this.recordStatement(outcomes, now);
          const { rows } = await statement.update.execute(trx);
          const held = rows.map((r) => r.id);
          if (held.length > 0) await statement.insert(held, trx).execute();
          return new Set(held);
        });
    return outcomes.map((o) => moved.has(o.attempt.deliveryId));
  }

  /**
   * Recording as two statements, run in one transaction: the fenced UPDATE of every delivery,
   * then the INSERT of the attempts whose lease held (exposed for bench/hot-path.ts).
   */
  recordStatement(outcomes: readonly AttemptOutcome[], now: number) {
    const update = sql<{ id: string }>`
      with o(id, token, attempts, state, next_attempt_at) as (values ${sql.join(outcomes.map((o) => sql`(${fence(o)})`))})
      update deliveries set state = o.state, attempts = o.attempts, next_attempt_at = o.next_attempt_at,
        lock_token = null, locked_until = null, lock_owner = null, updated_at = ${now}
      from o
      where deliveries.id = o.id and deliveries.lock_token = o.token and deliveries.attempts = o.attempts - 1
      returning deliveries.id`;
    const insert = (held: readonly string[], db: Db = this.db) => {
      const ids = new Set(held);
      const rows = outcomes.filter((o) => ids.has(o.attempt.deliveryId)).map((o) => attemptToRow(o.attempt));
      return db.insertInto('attempts').values(rows);
    };
    return { update, insert };
  }

  /** PostgreSQL: the fenced UPDATE and the INSERT of the attempts it let through, as one statement. */
  private async recordInOneStatement(outcomes: readonly AttemptOutcome[], now: number): Promise<Set<string>> {
    const rows = outcomes.map((o) => {
      const a = attemptToRow(o.attempt);
      return sql`(${fence(o)}, cast(${a.due_at} as bigint), cast(${a.started_at} as bigint),
        cast(${a.ended_at} as bigint), cast(${a.success} as integer), cast(${a.status_code} as integer),
        cast(${a.latency_ms} as integer), cast(${a.error_class} as text), cast(${a.error_message} as text),
        cast(${a.response_excerpt} as text), cast(${a.request_headers} as text))`;
    });
    const { rows: written } = await sql<{ delivery_id: string }>`
      with o(id, token, attempts, state, next_attempt_at, due_at, started_at, ended_at, success, status_code,
        latency_ms, error_class, error_message, response_excerpt, request_headers) as (values ${sql.join(rows)}),
      moved as (
        update deliveries set state = o.state, attempts = o.attempts, next_attempt_at = o.next_attempt_at,
          lock_token = null, locked_until = null, lock_owner = null, updated_at = ${now}
        from o
        where deliveries.id = o.id and deliveries.lock_token = o.token and deliveries.attempts = o.attempts - 1
        returning deliveries.id
      )
      insert into attempts (delivery_id, attempt_no, due_at, started_at, ended_at, success, status_code,
        latency_ms, error_class, error_message, response_excerpt, request_headers)
      select o.id, o.attempts, o.due_at, o.started_at, o.ended_at, o.success, o.status_code, o.latency_ms,
        o.error_class, o.error_message, o.response_excerpt, o.request_headers
      from o join moved on moved.id = o.id
      returning delivery_id`.execute(this.db);
    return new Set(written.map((r) => r.delivery_id));
  }

  async release(ids: readonly string[], token: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('deliveries')
      .set({ lock_token: null, locked_until: null, lock_owner: null })
      .where('id', 'in', ids)
      .where('lock_token', '=', token)
      .execute();
  }

  async holdOwner(owner: string): Promise<LeaseOwnerHold> {
    return this.dialect.ownerLocks?.hold(owner) ?? { held: true, acquisitions: 1, release: async () => {} };
  }

  async releaseDeadOwners(self: string): Promise<Map<string, number>> {
    const released = new Map<string, number>();
    const locks = this.dialect.ownerLocks;
    if (!locks) return released;
    // Only leased rows have an owner: this reads the small partial index deliveries_leased.
    const owners = await this.db
      .selectFrom('deliveries')
      .select('lock_owner')
      .distinct()
      .where('lock_owner', 'is not', null)
      .where('lock_owner', '<>', self)
      .execute();
    for (const { lock_owner: owner } of owners) {
      if (owner === null) continue;
      const count = await locks.ifDead(owner, async (db) => {
        const result = await db
          .updateTable('deliveries')
          .set({ lock_token: null, locked_until: null, lock_owner: null })
          .where('lock_owner', '=', owner)
          .executeTakeFirst();
        return Number(result.numUpdatedRows);
      });
      if (count) released.set(owner, count);
    }
    return released;
  }

  parkPaused(): Promise<number> {
    return parkPaused(this.dialect);
  }

  async nextDueAt(now: number): Promise<number | null> {
    // One statement, each kind read off its own partial index.
    const next = (kind: RawBuilder<unknown>) =>
      sql`(select next_attempt_at from deliveries where ${kind} and next_attempt_at > ${now} and ${NOT_PAUSED}
        order by next_attempt_at limit 1)`;
    const { rows } = await sql<{ first: number | string | null; retry: number | string | null }>`
      select ${next(NOT_TRIED_YET)} as first, ${next(RETRYING)} as retry`.execute(this.db);
    const times = [rows[0]?.first, rows[0]?.retry].filter((t) => t !== null && t !== undefined).map(Number);
    return times.length === 0 ? null : Math.min(...times);
  }

  async insert(delivery: Delivery): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.insertInto('deliveries').values(deliveryToRow(delivery)).execute();
      await this.dialect.channel?.notify(trx);
    });
  }

  async subscribe(listener: () => void): Promise<() => Promise<void>> {
    return this.dialect.channel ? this.dialect.channel.listen(listener) : async () => {};
  }
}

/** The fencing half of an outcome: which lease it was made under and how it moves the delivery. */
function fence({ attempt, update, token }: AttemptOutcome): RawBuilder<unknown> {
  return sql`cast(${attempt.deliveryId} as text), cast(${token} as text), cast(${attempt.attemptNo} as integer),
    cast(${update.state} as text), cast(${update.nextAttemptAt} as bigint)`;
}

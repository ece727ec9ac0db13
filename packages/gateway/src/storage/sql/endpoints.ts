// Endpoints: health counters written in batches off the dispatcher's path (with each URL's
// per-minute attempt counts, which the health read sums), pauses, and the resume that moves a
// URL's pending deliveries on by the time paused, in one UPDATE.
import type { AttemptErrorClass, EndpointHealthState } from '@payhook/protocol';
import { type Insertable, type Kysely, type RawBuilder, type Selectable, sql } from 'kysely';
import {
  applyAttempts,
  type EndpointAttempt,
  type EndpointState,
  type EndpointTransition,
  freshEndpoint,
  type HealthThresholds,
} from '../../domain/endpoint-health.js';
import { MINUTES_KEPT_MS, type MinuteCount, minuteCounts, minuteOf } from '../../domain/endpoint-minutes.js';
import type { Database, EndpointsTable } from '../schema.js';
import type { EndpointCounts, EndpointFilter, EndpointStore, PauseRequest } from '../store.js';
import { NOT_TRIED_YET, RETRYING } from './delivery-states.js';
import { type Db, inTransaction, type SqlDialect } from './dialect.js';

export class SqlEndpoints implements EndpointStore {
  private readonly db: Kysely<Database>;

  constructor(private readonly dialect: SqlDialect) {
    this.db = dialect.db;
  }

  async recordAttempts(
    attempts: readonly EndpointAttempt[],
    now: number,
    thresholds: HealthThresholds,
  ): Promise<EndpointTransition[]> {
    if (attempts.length === 0) return [];
    const byUrl = new Map<string, EndpointAttempt[]>();
    for (const a of attempts) {
      const list = byUrl.get(a.url);
      if (list) list.push(a);
      else byUrl.set(a.url, [a]);
    }
    const urls = [...byUrl.values()].map(([first]) => ({ url: first?.url ?? '', host: first?.host ?? '' }));
    return inTransaction(this.db, async (trx) => {
      const rows = await this.lockRows(trx, urls, now);
      const transitions: EndpointTransition[] = [];
      const next = rows.map((state) => {
        const step = applyAttempts(state, byUrl.get(state.url) ?? [], thresholds);
        transitions.push(...step.transitions);
        return step.next;
      });
      await updateStatement(next, now).execute(trx);
      await addMinutes(trx, minuteCounts(attempts), now);
      return transitions;
    });
  }

  async pause(url: string, host: string, pause: PauseRequest): Promise<{ endpoint: EndpointState; changed: boolean }> {
    const result = await inTransaction(this.db, async (trx) => {
      const [state] = await this.lockRows(trx, [{ url, host }], pause.at);
      const current = state ?? freshEndpoint(url, host);
      if (current.pausedAt !== null) return { endpoint: current, changed: false };
      const endpoint = {
        ...current,
        pausedAt: pause.at,
        pausedBy: pause.by,
        pauseReason: pause.reason,
        autoPaused: false,
      };
      await trx.updateTable('endpoints').set(stateToRow(endpoint, pause.at)).where('url', '=', url).execute();
      return { endpoint, changed: true };
    });
    // The backlog leaves the claim's due indexes in batches of its own, after the pause is
    // committed: until then (and for whatever becomes pending later, till the straggler step)
    // the claim's NOT_PAUSED check keeps it unclaimed. A second pause parks what is left, too.
    await parkPaused(this.dialect, url);
    return result;
  }

  async resume(
    url: string,
    at: number,
  ): Promise<{ endpoint: EndpointState | undefined; changed: boolean; rescheduled: number }> {
    return inTransaction(this.db, async (trx) => {
      let q = trx.selectFrom('endpoints').selectAll().where('url', '=', url);
      if (this.dialect.capabilities.rowLocks) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      const current = row && rowToState(row);
      if (current?.pausedAt === null || current?.pausedAt === undefined) {
        return { endpoint: current, changed: false, rescheduled: 0 };
      }
      const { rows } = await resumeStatement(url, current.pausedAt, at).execute(trx);
      const endpoint = { ...current, pausedAt: null, pausedBy: null, pauseReason: null, autoPaused: false };
      await trx.updateTable('endpoints').set(stateToRow(endpoint, at)).where('url', '=', url).execute();
      // Other processes' dispatchers may be asleep until a poll: wake them on commit.
      await this.dialect.channel?.notify(trx);
      return { endpoint, changed: true, rescheduled: rows.length };
    });
  }

  async list(filter: EndpointFilter): Promise<EndpointState[]> {
    let q = this.db.selectFrom('endpoints').selectAll();
    if (filter.url !== undefined) q = q.where('url', '=', filter.url);
    if (filter.host !== undefined) q = q.where('host', '=', filter.host);
    return (await q.orderBy('url').execute()).map(rowToState);
  }

  async counts(since: number, filter: EndpointFilter): Promise<EndpointCounts[]> {
    const where = (alias: string) => {
      const parts = [];
      if (filter.url !== undefined) parts.push(sql` and ${sql.ref(`${alias}.url`)} = ${filter.url}`);
      if (filter.host !== undefined) parts.push(sql` and ${sql.ref(`${alias}.host`)} = ${filter.host}`);
      return sql.join(parts, sql``);
    };
    // Each read is bounded by what it is about, not by the attempts: the window's minutes (at most
    // 61 rows per URL: endpoint_minutes_minute, or the primary key for one URL), pending deliveries
    // (their partial indexes; the range on next_attempt_at lets the planners use them).
    const [recent, firsts, retrying, parked] = await Promise.all([
      sql<{ url: string; host: string; n: number | string; ok: number | string }>`
        select m.url, m.host, sum(m.attempts) as n, sum(m.succeeded) as ok
        from endpoint_minutes m
        where m.minute >= ${minuteOf(since)}${where('m')}
        group by m.url, m.host`.execute(this.db),
      sql<{ url: string; host: string; n: number | string }>`
        select url, host, count(*) as n from deliveries
        where ${NOT_TRIED_YET} and next_attempt_at >= 0${where('deliveries')}
        group by url, host`.execute(this.db),
      sql<DueGroupRow>`
        select url, host, attempts, count(*) as n, min(next_attempt_at) as lo, max(next_attempt_at) as hi
        from deliveries
        where ${RETRYING} and next_attempt_at >= 0${where('deliveries')}
        group by url, host, attempts`.execute(this.db),
      parkedGroups(this.db, where('d')),
    ]);
    const out = new Map<string, EndpointCounts>();
    const entry = (url: string, host: string) => {
      let e = out.get(url);
      if (!e) {
        e = { url, host, recentAttempts: 0, recentSucceeded: 0, notTriedYet: 0, retrying: [] };
        out.set(url, e);
      }
      return e;
    };
    for (const r of recent.rows) {
      const e = entry(r.url, r.host);
      e.recentAttempts = Number(r.n);
      e.recentSucceeded = Number(r.ok);
    }
    for (const r of firsts.rows) entry(r.url, r.host).notTriedYet = Number(r.n);
    // Parked deliveries are pending like the others, at their held due times.
    for (const r of [...retrying.rows, ...parked.rows]) {
      const e = entry(r.url, r.host);
      const attempts = Number(r.attempts);
      const count = Number(r.n);
      if (attempts === 0) {
        e.notTriedYet += count;
        continue;
      }
      const group = e.retrying.find((g) => g.attempts === attempts);
      const [lo, hi] = [Number(r.lo), Number(r.hi)];
      if (group) {
        group.count += count;
        group.earliestDue = Math.min(group.earliestDue, lo);
        group.latestDue = Math.max(group.latestDue, hi);
      } else e.retrying.push({ attempts, count, earliestDue: lo, latestDue: hi });
    }
    return [...out.values()];
  }

  /**
   * The endpoint rows of `urls`, created where missing, locked until the transaction ends
   * (PostgreSQL; SQLite's writer lock serialises the whole transaction), in URL order so two
   * processes never wait on each other in a circle.
   */
  private async lockRows(trx: Db, urls: readonly { url: string; host: string }[], now: number) {
    const sorted = [...urls].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    await trx
      .insertInto('endpoints')
      .values(sorted.map(({ url, host }) => ({ url, ...stateToRow(freshEndpoint(url, host), now) })))
      .onConflict((oc) => oc.column('url').doNothing())
      .execute();
    let q = trx
      .selectFrom('endpoints')
      .selectAll()
      .where(
        'url',
        'in',
        sorted.map((u) => u.url),
      )
      .orderBy('url');
    if (this.dialect.capabilities.rowLocks) q = q.forUpdate();
    return (await q.execute()).map(rowToState);
  }
}

/**
 * Resume as one UPDATE (domain/endpoint-pause.ts's resumedDueAt, in SQL): every pending delivery
 * of `url` is due at R + max(0, T − max(P, W)), W its last attempt's end (a primary-key lookup,
 * once per delivery: the CTE is materialized) or its creation. No cap: one statement, however
 * many deliveries wait; it finds them through deliveries_pending_url.
 */
export function resumeStatement(url: string, pausedAt: number, resumedAt: number) {
  const P = sql`cast(${pausedAt} as bigint)`;
  const R = sql`cast(${resumedAt} as bigint)`;
  // T is the parked due time, or the stored one of a delivery not parked yet (a straggler).
  return sql<{ id: string }>`
    with waits as materialized (
      select d.id, coalesce(d.next_attempt_at, d.parked_next_attempt_at) as due, coalesce(
        (select a.ended_at from attempts a where a.delivery_id = d.id and a.attempt_no = d.attempts),
        d.created_at) as began
      from deliveries d
      where d.url = ${url} and d.state = 'pending' and coalesce(d.next_attempt_at, d.parked_next_attempt_at) is not null
    ),
    stopped as (select id, due, case when began > ${P} then began else ${P} end as at from waits)
    update deliveries
    set next_attempt_at = case when stopped.due > stopped.at then ${R} + stopped.due - stopped.at else ${R} end,
      parked_next_attempt_at = null, updated_at = ${R}
    from stopped
    where deliveries.id = stopped.id
    returning deliveries.id`;
}

/** Pending deliveries per (url, attempts): how many, and their earliest and latest due times. */
interface DueGroupRow {
  url: string;
  host: string;
  attempts: number;
  n: number | string;
  lo: number | string;
  hi: number | string;
}

/**
 * The parked deliveries per (url, attempts), found from the paused endpoints (endpoints_paused)
 * through deliveries_pending_url's `next_attempt_at is null` range: only paused URLs have any.
 */
function parkedGroups(db: Db, where: RawBuilder<unknown>) {
  return sql<DueGroupRow>`
    select d.url, d.host, d.attempts, count(*) as n, min(d.parked_next_attempt_at) as lo,
      max(d.parked_next_attempt_at) as hi
    from deliveries d
    where d.url in (select url from endpoints where paused_at is not null) and d.state = 'pending'
      and d.next_attempt_at is null and d.parked_next_attempt_at is not null${where}
    group by d.url, d.host, d.attempts`.execute(db);
}

/** How many deliveries one parking transaction moves at most: a huge backlog takes several. */
export const PARK_BATCH = 5_000;

/**
 * Parks the pending deliveries of paused URLs that no lease holds (of `url` only, when given):
 * each one's due time moves to parked_next_attempt_at and next_attempt_at becomes null, out of
 * the claim's due scans, so a paused backlog costs the claim nothing. Bounded transactions of PARK_BATCH
 * deliveries until none is left; no cap. Returns how many it parked.
 *
 * Each transaction first locks the paused endpoint rows (PostgreSQL `for update`, in URL order
 * like recordAttempts; SQLite serialises writers), and resume locks its row too: a park that
 * waited for a resume sees the URL unpaused and leaves it alone. Without the lock a park could
 * re-park deliveries the resume had just made due, and nothing would ever unpark them
 * (PostgreSQL re-checks only the updated row after waiting, not a subquery on `endpoints`).
 * Leased deliveries are left alone, expired leases too: their owner may still record an outcome
 * (a straggler then, for the next park) or is gone (releaseDeadOwners frees it for the next park;
 * the claim's NOT_PAUSED skips it till then). So parking never writes a row that an attempt's
 * record may write at the same time, and a parked row has no lease to record under. The update
 * repeats its conditions so PostgreSQL re-checks them on a row that changed meanwhile (a claim).
 */
export async function parkPaused(dialect: SqlDialect, url?: string): Promise<number> {
  const paused = (db: Db) => {
    let q = db.selectFrom('endpoints').select('url').where('paused_at', 'is not', null);
    if (url !== undefined) q = q.where('url', '=', url);
    return q;
  };
  // Nothing paused (the usual case): one probe of endpoints_paused, no write transaction.
  if ((await paused(dialect.db).limit(1).executeTakeFirst()) === undefined) return 0;
  const parkable = (urls: string[]) =>
    sql<boolean>`url in (${sql.join(urls)}) and state = 'pending' and next_attempt_at is not null
      and lock_token is null`;
  let total = 0;
  for (;;) {
    const moved = await inTransaction(dialect.db, async (trx) => {
      let q = paused(trx).orderBy('url');
      if (dialect.capabilities.rowLocks) q = q.forUpdate();
      const urls = (await q.execute()).map((r) => r.url);
      if (urls.length === 0) return 0;
      const result = await trx
        .updateTable('deliveries')
        .set((eb) => ({ parked_next_attempt_at: eb.ref('next_attempt_at'), next_attempt_at: null }))
        .where('id', 'in', (eb) => eb.selectFrom('deliveries').select('id').where(parkable(urls)).limit(PARK_BATCH))
        .where(parkable(urls))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
    total += moved;
    if (moved < PARK_BATCH) return total;
  }
}

/**
 * Adds a batch's per-minute counts to their rows, atomically across processes (`attempts =
 * attempts + excluded.attempts`; rows in (url, minute) order), and deletes the oldest minutes
 * past MINUTES_KEPT_MS: at most two minutes' rows per batch, found by endpoint_minutes_minute,
 * so the delete costs as many rows as there are URLs, never the attempt volume. A batch creates
 * rows in one minute, seldom two, so two a batch keeps up with what ages out.
 */
async function addMinutes(trx: Db, counts: readonly MinuteCount[], now: number): Promise<void> {
  if (counts.length > 0) {
    await trx
      .insertInto('endpoint_minutes')
      .values(counts.map((c) => ({ ...c })))
      .onConflict((oc) =>
        oc.columns(['url', 'minute']).doUpdateSet({
          attempts: sql`endpoint_minutes.attempts + excluded.attempts`,
          succeeded: sql`endpoint_minutes.succeeded + excluded.succeeded`,
        }),
      )
      .execute();
  }
  await sql`
    delete from endpoint_minutes where minute in (
      select distinct minute from endpoint_minutes where minute < ${minuteOf(now) - MINUTES_KEPT_MS}
      order by minute limit 2)`.execute(trx);
}

/** Every row of a batch written back in one UPDATE … FROM (VALUES …), typed for PostgreSQL. */
function updateStatement(states: readonly EndpointState[], now: number) {
  const values = states.map((state) => {
    const r = stateToRow(state, now);
    return sql`(cast(${state.url} as text), cast(${r.consecutive_failures} as integer),
      cast(${r.last_attempt_at} as bigint), cast(${r.last_success_at} as bigint), cast(${r.last_failure_at} as bigint),
      cast(${r.last_error_class} as text), cast(${r.last_status_code} as integer), cast(${r.last_error_message} as text),
      cast(${r.health} as text), cast(${r.paused_at} as bigint), cast(${r.paused_by} as text),
      cast(${r.pause_reason} as text), cast(${r.auto_paused} as integer))`;
  });
  return sql`
    with v(url, consecutive_failures, last_attempt_at, last_success_at, last_failure_at, last_error_class,
      last_status_code, last_error_message, health, paused_at, paused_by, pause_reason, auto_paused)
    as (values ${sql.join(values)})
    update endpoints set consecutive_failures = v.consecutive_failures, last_attempt_at = v.last_attempt_at,
      last_success_at = v.last_success_at, last_failure_at = v.last_failure_at, last_error_class = v.last_error_class,
      last_status_code = v.last_status_code, last_error_message = v.last_error_message, health = v.health,
      paused_at = v.paused_at, paused_by = v.paused_by, pause_reason = v.pause_reason, auto_paused = v.auto_paused,
      updated_at = ${now}
    from v
    where endpoints.url = v.url`;
}

function rowToState(r: Selectable<EndpointsTable>): EndpointState {
  const n = (v: number | string | null) => (v === null ? null : Number(v));
  const failed = r.last_failure_at !== null;
  return {
    url: r.url,
    host: r.host,
    consecutiveFailures: Number(r.consecutive_failures),
    lastAttemptAt: n(r.last_attempt_at),
    lastSuccessAt: n(r.last_success_at),
    lastFailureAt: n(r.last_failure_at),
    lastError: failed
      ? {
          errorClass: r.last_error_class as AttemptErrorClass | null,
          statusCode: n(r.last_status_code),
          message: r.last_error_message,
        }
      : null,
    health: r.health as EndpointHealthState,
    pausedAt: n(r.paused_at),
    pausedBy: r.paused_by,
    pauseReason: r.pause_reason,
    autoPaused: Number(r.auto_paused) === 1,
  };
}

function stateToRow(s: EndpointState, now: number): Omit<Insertable<EndpointsTable>, 'url'> {
  return {
    host: s.host,
    consecutive_failures: s.consecutiveFailures,
    last_attempt_at: s.lastAttemptAt,
    last_success_at: s.lastSuccessAt,
    last_failure_at: s.lastFailureAt,
    last_error_class: s.lastError?.errorClass ?? null,
    last_status_code: s.lastError?.statusCode ?? null,
    last_error_message: s.lastError?.message ?? null,
    health: s.health,
    paused_at: s.pausedAt,
    paused_by: s.pausedBy,
    pause_reason: s.pauseReason,
    auto_paused: s.autoPaused ? 1 : 0,
    updated_at: now,
  };
}

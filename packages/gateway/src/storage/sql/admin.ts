// What operators read: lists for the admin API and the dashboard, counts and figures for
// metrics. Nothing here is on the delivery path.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Attempt, Delivery, DeliveryState, Payment, PaymentEvent, Transfer } from '../../interfaces.js';
import { rowToAttempt, rowToDelivery, rowToEvent, rowToPayment, rowToTransfer } from '../rows.js';
import type { Database } from '../schema.js';
import type {
  AdminQueries,
  DeliveryFilter,
  FeedAttempt,
  FeedCursor,
  LatenessFigures,
  OutcomeBucket,
  PaymentFilter,
  QueueDepth,
} from '../store.js';
import { NOT_TRIED_YET, RETRYING } from './delivery-states.js';

export class SqlAdminQueries implements AdminQueries {
  constructor(private readonly db: Kysely<Database>) {}

  async listPayments(filter: PaymentFilter): Promise<Payment[]> {
    let q = this.db.selectFrom('payments').selectAll('payments');
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.search) {
      const term = filter.search;
      q = q.where((w) => w.or([w('trace_id', '=', term.toLowerCase()), w('order_id', '=', term)]));
    }
    if (filter.deliveryState) {
      const { deliveryState } = filter;
      q = q.where((w) => {
        const sub = w
          .selectFrom('deliveries')
          .select(sql.lit(1).as('one'))
          .whereRef('deliveries.trace_id', '=', 'payments.trace_id');
        return w.exists(
          deliveryState === 'retrying' ? sub.where(RETRYING) : sub.where('deliveries.state', '=', deliveryState),
        );
      });
    }
    if (filter.before) {
      const { createdAt, traceId } = filter.before;
      q = q.where((w) =>
        w.or([w('created_at', '<', createdAt), w.and([w('created_at', '=', createdAt), w('trace_id', '<', traceId)])]),
      );
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('trace_id', 'desc').limit(filter.limit).execute();
    return rows.map(rowToPayment);
  }

  async listTransfers(traceId: string): Promise<Transfer[]> {
    const rows = await this.db
      .selectFrom('transfers')
      .selectAll()
      .where('trace_id', '=', traceId)
      .orderBy('created_at')
      .orderBy('txid')
      .execute();
    return rows.map(rowToTransfer);
  }

  async listEvents(traceId: string): Promise<PaymentEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('trace_id', '=', traceId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(rowToEvent);
  }

  async getEvent(id: string): Promise<PaymentEvent | undefined> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToEvent(row);
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Delivery[]> {
    let q = this.db.selectFrom('deliveries').selectAll();
    if (filter.traceId) q = q.where('trace_id', '=', filter.traceId);
    if (filter.eventId) q = q.where('event_id', '=', filter.eventId);
    if (filter.state === 'retrying') q = q.where(RETRYING);
    else if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.url) q = q.where('url', '=', filter.url);
    if (filter.notRedelivered) {
      q = q.where((w) =>
        w.not(
          w.exists(
            w
              .selectFrom('deliveries as redo')
              .select(sql.lit(1).as('one'))
              .whereRef('redo.redelivery_of', '=', 'deliveries.id'),
          ),
        ),
      );
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).execute();
    return rows.map(rowToDelivery);
  }

  async getDelivery(id: string): Promise<Delivery | undefined> {
    const row = await this.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToDelivery(row);
  }

  async listAttempts(deliveryId: string): Promise<Attempt[]> {
    const rows = await this.db
      .selectFrom('attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt_no')
      .execute();
    return rows.map(rowToAttempt);
  }

  async countDeliveries(): Promise<Record<DeliveryState, number>> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('state')
      .execute();
    const counts: Record<DeliveryState, number> = { pending: 0, delivered: 0, exhausted: 0 };
    for (const r of rows) counts[r.state as DeliveryState] = Number(r.n);
    return counts;
  }

  async queueDepth(): Promise<QueueDepth> {
    // One pass over the pending and exhausted rows (the state index), however often Prometheus scrapes.
    const count = (condition: RawBuilder<unknown>) =>
      sql<number | string>`coalesce(sum(case when ${condition} then 1 else 0 end), 0)`;
    const row = await this.db
      .selectFrom('deliveries')
      .select([
        count(NOT_TRIED_YET).as('not_tried_yet'),
        count(RETRYING).as('retrying'),
        count(sql`state = ${sql.lit('exhausted')}`).as('exhausted'),
      ])
      .where('state', 'in', ['pending', 'exhausted'])
      .executeTakeFirst();
    return {
      notTriedYet: Number(row?.not_tried_yet ?? 0),
      retrying: Number(row?.retrying ?? 0),
      exhausted: Number(row?.exhausted ?? 0),
    };
  }

  async attemptFeed(cursor: FeedCursor | undefined, limit: number): Promise<FeedAttempt[]> {
    let q = this.db
      .selectFrom('attempts')
      .innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id')
      .selectAll('attempts')
      .select(['deliveries.trace_id', 'deliveries.event_type', 'deliveries.url']);
    if (cursor) {
      const { endedAt, deliveryId, attemptNo } = cursor;
      q = q.where((w) =>
        w.or([
          w('attempts.ended_at', '>', endedAt),
          w.and([w('attempts.ended_at', '=', endedAt), w('attempts.delivery_id', '>', deliveryId)]),
          w.and([
            w('attempts.ended_at', '=', endedAt),
            w('attempts.delivery_id', '=', deliveryId),
            w('attempts.attempt_no', '>', attemptNo),
          ]),
        ]),
      );
    } else {
      // Always true: without a condition on ended_at SQLite's planner sorts every attempt for the
      // latest few (1 s at 900,000 attempts) instead of walking attempts_ended back (< 1 ms).
      q = q.where('attempts.ended_at', '>=', 0);
    }
    const direction = cursor ? 'asc' : 'desc';
    const rows = await q
      .orderBy('attempts.ended_at', direction)
      .orderBy('attempts.delivery_id', direction)
      .orderBy('attempts.attempt_no', direction)
      .limit(limit)
      .execute();
    const feed = rows.map((r) => ({
      ...rowToAttempt(r),
      traceId: r.trace_id,
      eventType: r.event_type,
      url: r.url,
    }));
    return cursor ? feed : feed.reverse();
  }

  async attemptOutcomes(from: number, bucketMs: number): Promise<OutcomeBucket[]> {
    const bucket = sql<number>`(${sql.ref('ended_at')} / ${sql.lit(Math.max(1, Math.floor(bucketMs)))}) * ${sql.lit(Math.max(1, Math.floor(bucketMs)))}`;
    const rows = await this.db
      .selectFrom('attempts')
      .select([
        bucket.as('at'),
        (eb) => eb.fn.sum<number | string>('success').as('delivered'),
        (eb) => eb.fn.countAll<number | string>().as('total'),
      ])
      .where('ended_at', '>=', from)
      .groupBy(bucket)
      .orderBy(bucket)
      .execute();
    return rows.map((r) => ({
      at: Number(r.at),
      delivered: Number(r.delivered),
      failed: Number(r.total) - Number(r.delivered),
    }));
  }

  async lateness(sample: number): Promise<LatenessFigures> {
    const rows = await this.db
      .selectFrom('attempts')
      .select(['started_at', 'due_at'])
      // The latest attempts to end, read off attempts_ended (migration 0010).
      .orderBy('ended_at', 'desc')
      .limit(sample)
      .execute();
    const late = rows.map((r) => Math.max(0, Number(r.started_at) - Number(r.due_at))).sort((a, b) => a - b);
    const at = (q: number) =>
      late.length === 0 ? null : (late[Math.min(late.length - 1, Math.floor(q * late.length))] ?? null);
    return { samples: late.length, p50: at(0.5), p99: at(0.99), max: late.at(-1) ?? null };
  }
}

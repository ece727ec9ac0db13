// A recovery's selection as SQL, written once: the dry run's count, the sample and every batch's
// scan read deliveries through the same condition, so what a dry run counts is what a run takes.
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { ScanCursor, ScopedSelection } from '../../domain/recovery.js';
import type { Database } from '../schema.js';

type Where = ExpressionBuilder<Database, 'deliveries'>;

/** The selection's condition on `deliveries`, strictly after `after` in (created_at, id) order when given. */
export function selectionWhere(selection: ScopedSelection, after?: ScanCursor | null) {
  return (w: Where): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [];
    const s = selection;
    if (s.states !== undefined) all.push(w('deliveries.state', 'in', [...s.states]));
    if (s.retrying) all.push(w('deliveries.attempts', '>', 0));
    if (s.createdFrom !== undefined) all.push(w('deliveries.created_at', '>=', s.createdFrom));
    if (s.createdTo !== undefined) all.push(w('deliveries.created_at', '<=', s.createdTo));
    if (s.eventType !== undefined) all.push(w('deliveries.event_type', '=', s.eventType));
    if (s.url !== undefined) all.push(w('deliveries.url', '=', s.url));
    if (s.payeeId !== undefined) {
      const payeeId = s.payeeId;
      all.push(
        w.exists(
          w
            .selectFrom('payments')
            .select(sql.lit(1).as('one'))
            .whereRef('payments.trace_id', '=', 'deliveries.trace_id')
            .where('payments.payee_id', '=', payeeId),
        ),
      );
    }
    if (s.errorClass !== undefined) {
      // The last attempt is the one numbered like the count (a primary-key lookup).
      const errorClass = s.errorClass;
      all.push(
        w.exists(
          w
            .selectFrom('attempts')
            .select(sql.lit(1).as('one'))
            .whereRef('attempts.delivery_id', '=', 'deliveries.id')
            .whereRef('attempts.attempt_no', '=', 'deliveries.attempts')
            .where('attempts.error_class', '=', errorClass),
        ),
      );
    }
    if (s.notRedelivered) {
      all.push(
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
    if (after) {
      // A row value, not `a > x or (a = x and b > y)`: both planners walk (created_at, id) from
      // the cursor in order with it, where the OR made SQLite collect and sort everything after it.
      all.push(sql<SqlBool>`(deliveries.created_at, deliveries.id) > (${after.createdAt}, ${after.id})`);
    }
    return w.and(all);
  };
}

// The pending delivery's two kinds as SQL, spelled once: the claim walks them and the queue depth
// counts them. Literals, not parameters, and exactly as the partial indexes of migration 0001 are
// declared: a planner uses a partial index only for a predicate that matches its own.
import { type SqlBool, sql } from 'kysely';

/** Pending and never attempted: a first attempt waits (the queue depth's `due` label). */
export const NOT_TRIED_YET = sql.raw<SqlBool>(`state = 'pending' and attempts = 0`);
/** Pending after at least one failed attempt: `retrying` everywhere a person reads it (isRetrying). */
export const RETRYING = sql.raw<SqlBool>(`state = 'pending' and attempts > 0`);
/**
 * The delivery's endpoint is not paused (migration 0007): a primary-key lookup per candidate, so
 * the claim and the dispatcher's sleep pass over a paused URL's deliveries without a write.
 */
export const NOT_PAUSED = sql.raw<SqlBool>(
  'not exists (select 1 from endpoints e where e.url = deliveries.url and e.paused_at is not null)',
);

// The pending delivery's two kinds as SQL, spelled once: the claim walks them and the queue depth
// counts them. Literals, not parameters, and exactly as the partial indexes of migration 0001 are
// declared: a planner uses a partial index only for a predicate that matches its own.
import { sql } from 'kysely';

/** Pending and never attempted: a first attempt waits (`due` in the queue depth). */
export const NOT_TRIED_YET = sql.raw(`state = 'pending' and attempts = 0`);
/** Pending after at least one failed attempt: `retrying` everywhere a person reads it. */
export const RETRYING = sql.raw(`state = 'pending' and attempts > 0`);

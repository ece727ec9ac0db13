// Payees' callback signing secrets, current and (during a rotation's overlap) previous. The
// dispatcher does not come here: its claim reads the secrets with the delivery (queue.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { NewPayeeSecret, PayeeSecret, PayeeSecretSummary, PayeeSecrets } from '../store.js';

export class SqlPayeeSecrets implements PayeeSecrets {
  constructor(private readonly db: Kysely<Database>) {}

  async get(payeeId: string, now: number): Promise<PayeeSecret | undefined> {
    const row = await this.db
      .selectFrom('payee_secrets')
      .select(['secret', 'created_at', 'previous_secret', 'previous_until'])
      .where('payee_id', '=', payeeId)
      .executeTakeFirst();
    if (!row) return undefined;
    const until = row.previous_until === null ? null : Number(row.previous_until);
    const previous = row.previous_secret !== null && until !== null && until > now;
    return {
      payeeId,
      secret: row.secret,
      createdAt: Number(row.created_at),
      previous: previous ? { secret: row.previous_secret as string, until: until as number } : null,
    };
  }

  async set(secret: NewPayeeSecret, overlapMs = 0): Promise<PayeeSecret> {
    const row = {
      payee_id: secret.payeeId,
      secret: secret.secret,
      created_at: secret.createdAt,
      previous_secret: null,
      previous_until: null,
    };
    const until = secret.createdAt + overlapMs;
    // One upsert: on a rotation the SET clauses read the row as it was, so the replaced secret
    // moves to `previous_secret` in the same statement that stores the new one.
    const stored = await this.db
      .insertInto('payee_secrets')
      .values(row)
      .onConflict((oc) =>
        oc.column('payee_id').doUpdateSet((eb) => ({
          secret: row.secret,
          created_at: row.created_at,
          previous_secret: overlapMs > 0 ? eb.ref('payee_secrets.secret') : null,
          previous_until: overlapMs > 0 ? until : null,
        })),
      )
      .returning(['previous_secret', 'previous_until'])
      .executeTakeFirstOrThrow();
    return {
      ...secret,
      previous:
        stored.previous_secret === null
          ? null
          : { secret: stored.previous_secret, until: Number(stored.previous_until) },
    };
  }

  async delete(payeeId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('payee_secrets').where('payee_id', '=', payeeId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async list(now: number, page: { after?: string | undefined; limit: number }): Promise<PayeeSecretSummary[]> {
    let query = this.db
      .selectFrom('payee_secrets')
      .select(['payee_id', 'created_at', 'previous_until'])
      .orderBy('payee_id')
      .limit(page.limit);
    if (page.after !== undefined) query = query.where('payee_id', '>', page.after);
    const rows = await query.execute();
    return rows.map((row) => {
      const until = row.previous_until === null ? null : Number(row.previous_until);
      return {
        payeeId: row.payee_id,
        createdAt: Number(row.created_at),
        rotationEndsAt: until !== null && until > now ? until : null,
      };
    });
  }
}

// Payees' callback signing secrets. The dispatcher does not come here: its claim reads the
// secret with the delivery (queue.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { PayeeSecret, PayeeSecrets } from '../store.js';

export class SqlPayeeSecrets implements PayeeSecrets {
  constructor(private readonly db: Kysely<Database>) {}

  async get(payeeId: string): Promise<PayeeSecret | undefined> {
    const query = this.db.selectFrom('payee_secrets').select(['secret', 'created_at']);
    const row = await query.where('payee_id', '=', payeeId).executeTakeFirst();
    return row && { payeeId, secret: row.secret, createdAt: Number(row.created_at) };
  }

  async set(secret: PayeeSecret): Promise<void> {
    const row = { payee_id: secret.payeeId, secret: secret.secret, created_at: secret.createdAt };
    await this.db
      .insertInto('payee_secrets')
      .values(row)
      .onConflict((oc) => oc.column('payee_id').doUpdateSet({ secret: row.secret, created_at: row.created_at }))
      .execute();
  }

  async delete(payeeId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('payee_secrets').where('payee_id', '=', payeeId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

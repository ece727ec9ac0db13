// The Store over Kysely: one set of queries for SQLite and PostgreSQL, one class per concern.
import { type Kysely, Migrator, sql } from 'kysely';
import { migrationProvider } from '../migrations/index.js';
import type { Database } from '../schema.js';
import type { Store, StoreCapabilities } from '../store.js';
import { SqlAdminQueries } from './admin.js';
import type { SqlDialect } from './dialect.js';
import { SqlEndpoints } from './endpoints.js';
import { SqlPayeeSecrets } from './payee-secrets.js';
import { SqlPayments } from './payments.js';
import { SqlDeliveryQueue } from './queue.js';
import { SqlRecoveries } from './recoveries.js';
import { SqlRequestCounts } from './request-counts.js';
import { SqlAttemptRetention } from './retention.js';

export class SqlStore implements Store {
  readonly capabilities: StoreCapabilities;
  readonly payments: SqlPayments;
  readonly queue: SqlDeliveryQueue;
  readonly admin: SqlAdminQueries;
  readonly requestCounts: SqlRequestCounts;
  readonly payeeSecrets: SqlPayeeSecrets;
  readonly retention: SqlAttemptRetention;
  readonly recoveries: SqlRecoveries;
  readonly endpoints: SqlEndpoints;
  private readonly db: Kysely<Database>;

  private constructor(private readonly dialect: SqlDialect) {
    this.db = dialect.db;
    this.capabilities = dialect.capabilities;
    this.payments = new SqlPayments(dialect);
    this.queue = new SqlDeliveryQueue(dialect);
    this.admin = new SqlAdminQueries(dialect.db);
    this.requestCounts = new SqlRequestCounts(dialect.db);
    this.payeeSecrets = new SqlPayeeSecrets(dialect.db);
    this.retention = new SqlAttemptRetention(dialect);
    this.recoveries = new SqlRecoveries(dialect);
    this.endpoints = new SqlEndpoints(dialect);
  }

  /** Opens the store and brings its schema up to date. */
  static async open(dialect: SqlDialect): Promise<SqlStore> {
    const { error, results } = await new Migrator({ db: dialect.db, provider: migrationProvider }).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
    }
    return new SqlStore(dialect);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async probeCommit(now: number): Promise<void> {
    await this.db
      .insertInto('health_probe')
      .values({ id: 'probe', checked_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ checked_at: now }))
      .execute();
  }

  async close(): Promise<void> {
    await this.dialect.close?.();
    await this.db.destroy();
  }
}

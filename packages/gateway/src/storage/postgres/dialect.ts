// PostgreSQL through node-postgres: many gateway processes on one database. Dispatchers
// claim with FOR UPDATE SKIP LOCKED and wake each other with LISTEN/NOTIFY.
import { Kysely, PostgresDialect, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import pg from 'pg';
import type { UniqueViolation } from '../../errors.js';
import type { Database } from '../schema.js';
import type { SqlDialect } from '../sql/dialect.js';
import { OWNER_LOCK_CLASS, ownerLockKey, PostgresOwnerLock } from './owner-lock.js';
import { Reconnector } from './reconnect.js';

const CHANNEL = 'payhook_deliveries';
const INT8 = 20;

export interface PostgresOptions {
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Called when the listener connection fails and is being re-established. */
  onListenerError?: (error: unknown) => void;
  /** Called when a lease owner's lock connection fails and is being re-established. */
  onOwnerLockError?: (error: unknown) => void;
}

export function postgresDialect(connectionString: string, options: PostgresOptions = {}): SqlDialect {
  // Times are BIGINT milliseconds: well inside Number's exact range, so parse them as numbers.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10, types });
  // A connection dropped by a server restart is replaced on the next query; the pool must
  // not crash the process on the idle client's error event.
  pool.on('error', () => {});
  // The pool listens only to idle clients. A client checked out (mid-transaction, or between
  // its query's error and its release) also emits 'error' when its backend is terminated,
  // and with no listener that kills the process. The query in flight fails on its own and
  // the pool discards the broken client on release, so the event itself needs no handling.
  pool.on('connect', (client) => client.on('error', () => {}));
  const listeners = new Set<Listener>();
  const ownerLocks = new Set<PostgresOwnerLock>();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });

  return {
    db,
    capabilities: { dialect: 'postgres', skipLocked: true, rowLocks: true, writableCte: true },
    // Kysely's two helpers share one signature; the PostgreSQL one's types differ only in name.
    jsonArrayFrom: jsonArrayFrom as SqlDialect['jsonArrayFrom'],
    uniqueViolation,
    channel: {
      async notify(trx) {
        await sql`select pg_notify(${CHANNEL}, '')`.execute(trx);
      },
      async listen(listener) {
        const l = new Listener(connectionString, listener, options.onListenerError);
        listeners.add(l);
        await l.start();
        return async () => {
          listeners.delete(l);
          await l.stop();
        };
      },
    },
    ownerLocks: {
      async hold(owner) {
        const lock = new PostgresOwnerLock(connectionString, owner, options.onOwnerLockError);
        await lock.start();
        ownerLocks.add(lock);
        return lock;
      },
      async ifDead(owner, release) {
        // The transaction-level try-lock conflicts with the owner's session-level lock and is
        // let go at commit: if it is granted, no session holds the owner's lock.
        return db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ free: boolean }>`
            select pg_try_advisory_xact_lock(${OWNER_LOCK_CLASS}::int4, ${ownerLockKey(owner)}::int4) as free`.execute(
            trx,
          );
          return rows[0]?.free ? release(trx) : undefined;
        });
      },
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.stop()));
      await Promise.all([...ownerLocks].map((l) => l.release()));
    },
  };
}

/** One connection held in LISTEN, re-established after a server restart or a cut. */
class Listener {
  private client: pg.Client | undefined;
  private stopped = false;
  private readonly reconnect = new Reconnector(
    () => this.connect(),
    (error) => this.onError?.(error),
  );

  constructor(
    private readonly connectionString: string,
    private readonly onNotify: () => void,
    private readonly onError?: (error: unknown) => void,
  ) {}

  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      this.onError?.(error);
      this.scheduleReconnect();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reconnect.cancel();
    await this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', () => this.onNotify());
    client.on('error', (error) => {
      this.onError?.(error);
      client.end().catch(() => {});
      if (this.client === client) this.scheduleReconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
    // Anything committed while the listener was away is picked up by the dispatcher's next look.
    this.onNotify();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.client = undefined;
    this.reconnect.schedule();
  }
}

function uniqueViolation(error: unknown): UniqueViolation['constraint'] | undefined {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== '23505' || !constraint) return undefined;
  if (constraint === 'payments_payee_order') return 'order';
  if (constraint.startsWith('payments_code')) return 'code';
  if (constraint === 'transfers_pkey') return 'txid';
  if (constraint === 'payments_pkey') return 'trace';
  return undefined;
}

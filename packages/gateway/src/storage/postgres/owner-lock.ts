// Lease owners' liveness on PostgreSQL: each dispatcher holds a session-level advisory lock
// keyed by its owner id on a connection of its own. The server drops a session's locks the
// moment the session ends, so an owner whose lock another session can take is gone.
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { LeaseOwnerHold } from '../store.js';
import { Reconnector } from './reconnect.js';

/**
 * The first half of every owner-lock key: the two-integer form of advisory locks is a key
 * space of its own, apart from the one-bigint locks other tools on a shared database use
 * (pg-boss, graphile-worker); this constant keeps us apart from other two-integer users.
 */
export const OWNER_LOCK_CLASS = 0x7068_6b31; // "phk1"

/** The second half: 32 bits of the owner id's hash. A collision only makes a dead owner look alive. */
export function ownerLockKey(owner: string): number {
  return createHash('sha256').update(owner).digest().readInt32BE(0);
}

/** How the lock's connection shows in pg_stat_activity, for operators (and tests) to find it. */
export const OWNER_LOCK_APPLICATION = 'payhook lease owner';

/** One connection holding one owner's lock; after a server restart or a cut, it takes it again. */
export class PostgresOwnerLock implements LeaseOwnerHold {
  private client: pg.Client | undefined;
  private released = false;
  private readonly reconnect = new Reconnector(
    () => this.connect(),
    (error) => this.onError?.(error),
  );
  private taken = 0;
  private holding = false;

  constructor(
    private readonly connectionString: string,
    private readonly owner: string,
    private readonly onError?: (error: unknown) => void,
  ) {}

  get held(): boolean {
    return this.holding;
  }

  get acquisitions(): number {
    return this.taken;
  }

  /** Resolves once the lock is held; rejects if the first attempt fails (the database is down). */
  async start(): Promise<void> {
    await this.connect();
  }

  async release(): Promise<void> {
    this.released = true;
    this.holding = false;
    this.reconnect.cancel();
    // Ending the session lets the lock go; no unlock statement needed (nor possible after a cut).
    await this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      keepAlive: true,
      application_name: OWNER_LOCK_APPLICATION,
    });
    client.on('error', (error) => {
      if (this.client !== client) return;
      this.holding = false;
      this.onError?.(error);
      client.end().catch(() => {});
      this.scheduleReconnect();
    });
    try {
      await client.connect();
      // Blocks only while a reaper's transaction holds the key, i.e. a moment.
      await client.query('select pg_advisory_lock($1, $2)', [OWNER_LOCK_CLASS, ownerLockKey(this.owner)]);
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    if (this.released) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.holding = true;
    this.taken++;
  }

  private scheduleReconnect(): void {
    if (this.released) return;
    this.client = undefined;
    this.reconnect.schedule();
  }
}

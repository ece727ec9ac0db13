// A Kysely driver for better-sqlite3 that commits in groups, and prepares each statement once.
//
// better-sqlite3 runs every statement on the event loop, and with synchronous=FULL every COMMIT
// waits there for an fsync. At one commit per request and per attempt, the event loop spent most
// of its time in fsync and everything else queued behind it — the dispatcher's first attempts
// above all (docs/decisions.md, "SQLite commits in groups"). Here the units of work of one
// event-loop turn — a transaction, or one statement outside any — share one real transaction:
// each transaction runs in a savepoint of it, and they are committed together, one COMMIT and one
// fsync, at the end of the turn (setImmediate) or as soon as the group is full. When commits
// come close together (the last one ended less than `busyGapMs` ago), requests are arriving
// faster than fsyncs, one or two per turn: the group then waits one more turn, so that turn's
// arrivals share its fsync (under a flood of new connections: 1.9 → 3.4 units per commit, and
// 40 % more payments served; docs/decisions.md, "SQLite commits in groups").
//
// Nothing is acknowledged before it is durable: a unit's commit resolves only after its group's
// COMMIT, and so does the answer of any statement that ran while a group was open (it may have
// read what the group wrote). A COMMIT that fails fails every unit of its group, each with the
// database's own error; a unit that fails alone rolls back to its savepoint and leaves the others.
import type BetterSqlite3 from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteDialect,
} from 'kysely';

/**
 * Commits in groups (see group-commit.ts). Several processes may share one file (a dispatcher
 * beside the API, a restart overlapping a shutdown): each group opens with `BEGIN IMMEDIATE`,
 * which takes the write lock up front and waits its turn (busy_timeout), where a deferred `BEGIN`
 * that reads and then writes would fail at once (SQLITE_BUSY) when another process committed in
 * between. And SQLite's DDL is transactional, so migrations run in one such transaction:
 * processes starting together on a new file migrate it once, in turn.
 */
export class GroupCommitSqliteDialect extends SqliteDialect {
  constructor(
    private readonly openDatabase: () => Promise<BetterSqlite3.Database>,
    private readonly options: GroupCommitOptions = {},
  ) {
    super({ database: openDatabase });
  }

  /** The driver of the Kysely instance made with this dialect (set when Kysely creates it). */
  driver: GroupCommitDriver | undefined;

  override createDriver(): Driver {
    this.driver = new GroupCommitDriver(this.openDatabase, this.options);
    return this.driver;
  }

  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export interface GroupCommitOptions {
  /** Units committed together at most: a full group commits before the next unit starts. */
  maxGroup?: number;
  /** Prepared statements kept, by SQL text (least recently used go first). */
  statementCache?: number;
  /** How long a group waits for another connection's write lock before it fails (SQLITE_BUSY). */
  busyTimeoutMs?: number;
  /** A group opened less than this long after the last COMMIT waits one more turn (0: never). */
  busyGapMs?: number;
}

interface Group {
  units: number;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

export class GroupCommitDriver implements Driver {
  private db: BetterSqlite3.Database | undefined;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private readonly maxGroup: number;
  private readonly cacheSize: number;
  private readonly busyTimeoutMs: number;
  private readonly busyGapMs: number;
  /** When the last COMMIT ended (performance.now()). */
  private lastCommitAt = Number.NEGATIVE_INFINITY;
  /** Units waiting for their turn; one unit runs at a time, as on any single connection. */
  private readonly queue: Array<() => void> = [];
  private busy = false;
  /** The connection's own busy_timeout, for every statement but BEGIN IMMEDIATE. */
  private busyTimeout = 0;
  private group: Group | null = null;
  private flushScheduled = false;
  private flushWanted = false;

  constructor(
    private readonly open: () => Promise<BetterSqlite3.Database>,
    options: GroupCommitOptions = {},
  ) {
    this.maxGroup = options.maxGroup ?? 256;
    this.cacheSize = options.statementCache ?? 500;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
    this.busyGapMs = options.busyGapMs ?? 2;
  }

  async init(): Promise<void> {
    this.db = await this.open();
    this.busyTimeout = this.db.pragma('busy_timeout', { simple: true }) as number;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.takeTurn();
    return new Unit(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Unit).begin();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as Unit).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    (connection as Unit).rollback();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as Unit).release();
  }

  async destroy(): Promise<void> {
    // Whatever is still open was never acknowledged, but it was asked for: commit it.
    if (!this.busy) this.commitGroup();
    this.statements.clear();
    this.db?.close();
  }

  /**
   * Runs `text` with `exec` in the open group, as one unit of work; resolves once committed. For the
   * statements that must be stepped to the end and return nothing (`pragma incremental_vacuum(N)`,
   * which a prepared statement's single step runs for one page only).
   */
  async execInGroup(text: string): Promise<void> {
    await this.takeTurn();
    let durable: Promise<void>;
    try {
      const group = await this.joinGroup();
      group.units++;
      try {
        this.connection.exec(text);
      } catch (error) {
        this.checkGroupSurvived(error);
        throw error;
      }
      durable = this.durable(group);
    } finally {
      this.giveTurn();
    }
    await durable;
  }

  /** @internal */
  takeTurn(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  /** @internal */
  giveTurn(): void {
    if (this.group && (this.flushWanted || this.group.units >= this.maxGroup)) this.commitGroup();
    const next = this.queue.shift();
    if (next) next();
    else this.busy = false;
  }

  /** @internal The open group, opened (BEGIN IMMEDIATE) if there is none. */
  async joinGroup(): Promise<Group> {
    if (this.group) return this.group;
    await this.beginImmediate();
    const group: Group = { units: 0, waiters: [] };
    this.group = group;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After this turn's I/O callbacks: the requests that arrived together commit together.
      const flush = () => {
        this.flushScheduled = false;
        if (this.busy) this.flushWanted = true;
        else this.commitGroup();
      };
      if (performance.now() - this.lastCommitAt < this.busyGapMs) setImmediate(() => setImmediate(flush));
      else setImmediate(flush);
    }
    return group;
  }

  /**
   * Takes the write lock. Another connection may hold it (another process, or another store on
   * the same file in this one): SQLite's own busy wait would block the event loop — and with it
   * the holder, if it is in this process, until the wait fails. So it is not asked to wait
   * (busy_timeout 0 for this statement) and the retries wait here, off the event loop.
   */
  private async beginImmediate(): Promise<void> {
    const deadline = performance.now() + this.busyTimeoutMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      this.statement('pragma busy_timeout = 0').run();
      try {
        this.statement('begin immediate').run();
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || performance.now() >= deadline) throw error;
      } finally {
        this.statement(`pragma busy_timeout = ${this.busyTimeout}`).run();
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** @internal */
  get openGroup(): Group | null {
    return this.group;
  }

  /** @internal Resolves once `group` is committed, rejects if it is not. */
  durable(group: Group): Promise<void> {
    return new Promise((resolve, reject) => group.waiters.push({ resolve, reject }));
  }

  /**
   * @internal After a statement failed: some errors (a full disk, an I/O error) make SQLite roll
   * back the whole transaction by itself, taking the other units' work with it.
   */
  checkGroupSurvived(error: unknown): void {
    if (this.group && !this.connection.inTransaction) this.failGroup(this.group, error);
  }

  /** @internal */
  statement(sql: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      // Most recently used last: the first key is the one to evict.
      this.statements.delete(sql);
    } else {
      stmt = this.connection.prepare(sql);
      if (this.statements.size >= this.cacheSize) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  /** @internal */
  get connection(): BetterSqlite3.Database {
    if (!this.db) throw new Error('the SQLite driver is not initialised');
    return this.db;
  }

  private commitGroup(): void {
    const group = this.group;
    this.flushWanted = false;
    if (!group) return;
    this.group = null;
    try {
      this.statement('commit').run();
    } catch (error) {
      this.failGroup(group, error);
      return;
    }
    this.lastCommitAt = performance.now();
    for (const waiter of group.waiters) waiter.resolve();
  }

  private failGroup(group: Group, error: unknown): void {
    if (this.group === group) this.group = null;
    if (this.connection.inTransaction) {
      try {
        this.statement('rollback').run();
      } catch {
        // Already rolled back by SQLite itself: the error that matters is `error`.
      }
    }
    for (const waiter of group.waiters) waiter.reject(error);
  }
}

/** One unit of work: what Kysely sees as a connection, from acquire to release. */
class Unit implements DatabaseConnection {
  private holdsTurn = true;
  /** The group whose savepoint this unit's transaction runs in. */
  private transaction: Group | null = null;

  constructor(private readonly driver: GroupCommitDriver) {}

  async begin(): Promise<void> {
    await this.ensureTurn();
    const group = await this.driver.joinGroup();
    this.driver.statement('savepoint unit').run();
    group.units++;
    this.transaction = group;
  }

  async commit(): Promise<void> {
    const group = this.transaction;
    if (!group) throw new Error('commit without a transaction');
    this.transaction = null;
    this.driver.statement('release unit').run();
    const durable = this.driver.durable(group);
    this.releaseTurn();
    await durable;
  }

  rollback(): void {
    const group = this.transaction;
    this.transaction = null;
    if (!group || this.driver.openGroup !== group) return; // the whole group is gone already
    this.driver.statement('rollback to unit').run();
    this.driver.statement('release unit').run();
  }

  release(): void {
    this.releaseTurn();
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.transaction) return this.run<R>(query);
    // A statement of its own: atomic by itself, it needs no savepoint.
    await this.ensureTurn();
    const stmt = this.driver.statement(query.sql);
    const open = this.driver.openGroup;
    if (stmt.readonly && !open) return this.run<R>(query);
    const group = open ?? (await this.driver.joinGroup());
    if (!stmt.readonly) group.units++;
    const result = this.run<R>(query);
    const durable = this.driver.durable(group);
    this.releaseTurn();
    await durable;
    return result;
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('the SQLite driver streams select queries only');
    for (const row of this.driver.statement(query.sql).iterate(query.parameters as unknown[])) {
      yield { rows: [row as R] };
    }
  }

  private run<R>(query: CompiledQuery): QueryResult<R> {
    const stmt = this.driver.statement(query.sql);
    const parameters = query.parameters as unknown[];
    try {
      if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
      const { changes, lastInsertRowid } = stmt.run(parameters);
      return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
    } catch (error) {
      this.driver.checkGroupSurvived(error);
      throw error;
    }
  }

  /** A unit gives its turn up while it waits for a commit; a later statement takes it back. */
  private async ensureTurn(): Promise<void> {
    if (this.holdsTurn) return;
    await this.driver.takeTurn();
    this.holdsTurn = true;
  }

  private releaseTurn(): void {
    if (!this.holdsTurn) return;
    this.holdsTurn = false;
    this.driver.giveTurn();
  }
}

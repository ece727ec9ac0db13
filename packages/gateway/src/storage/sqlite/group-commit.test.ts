import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GroupCommitOptions, GroupCommitSqliteDialect } from './group-commit.js';

interface Db {
  items: { id: string; n: number };
  children: { id: string; parent: string };
}

let dir: string;
let path: string;
let db: Kysely<Db>;
/** SQL text of every statement the driver prepared, and how often each COMMIT ran. */
let prepared: string[];
let commits: number;

async function open(options: GroupCommitOptions = {}): Promise<Kysely<Db>> {
  const kysely = new Kysely<Db>({
    dialect: new GroupCommitSqliteDialect(async () => {
      const conn = new BetterSqlite3(path);
      conn.pragma('journal_mode = WAL');
      conn.pragma('foreign_keys = ON');
      // Counts what the real database is asked to do; every statement still runs for real.
      const prepare = conn.prepare.bind(conn);
      conn.prepare = ((text: string) => {
        prepared.push(text);
        const stmt = prepare(text);
        if (text !== 'commit') return stmt;
        const run = stmt.run.bind(stmt);
        stmt.run = ((...args: unknown[]) => {
          const result = run(...args);
          commits++;
          return result;
        }) as typeof stmt.run;
        return stmt;
      }) as typeof conn.prepare;
      return conn;
    }, options),
  });
  await sql`create table if not exists items (id text primary key, n integer not null)`.execute(kysely);
  await sql`create table if not exists children (id text primary key,
    parent text not null references items (id) deferrable initially deferred)`.execute(kysely);
  commits = 0;
  return kysely;
}

/** What another connection sees: only what was committed. */
function committedIds(): string[] {
  const other = new BetterSqlite3(path, { readonly: true });
  try {
    return (other.prepare('select id from items order by id').all() as { id: string }[]).map((r) => r.id);
  } finally {
    other.close();
  }
}

const insert = (id: string) =>
  db.transaction().execute((trx) => trx.insertInto('items').values({ id, n: 1 }).execute());

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payhook-group-commit-'));
  path = join(dir, 'db.sqlite');
  prepared = [];
  db = await open();
});

afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('the group-commit SQLite driver', () => {
  it('commits the transactions of one event-loop turn with one COMMIT, each resolving once it is durable', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map(insert));
    expect(commits).toBe(1);
    expect(committedIds()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('groups statements outside transactions too, and reads run without a transaction when none is open', async () => {
    await Promise.all(['a', 'b'].map((id) => db.insertInto('items').values({ id, n: 1 }).execute()));
    expect(commits).toBe(1);
    const before = commits;
    await db.selectFrom('items').selectAll().execute();
    expect(commits).toBe(before);
    expect(committedIds()).toEqual(['a', 'b']);
  });

  it('answers a read that ran inside an open group only after that group is committed', async () => {
    const write = insert('a');
    let seenAt: string[] | undefined;
    const read = db
      .selectFrom('items')
      .select('id')
      .execute()
      .then((rows) => {
        // By the time the read answers, what it saw is committed.
        seenAt = committedIds();
        return rows.map((r) => r.id);
      });
    await write;
    expect(await read).toEqual(['a']);
    expect(seenAt).toEqual(['a']);
  });

  it('rolls a failing transaction back to its own savepoint and commits the others of its group', async () => {
    await insert('taken');
    commits = 0;
    const results = await Promise.allSettled([
      insert('a'),
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 'b', n: 1 }).execute();
        await trx.insertInto('items').values({ id: 'taken', n: 2 }).execute(); // unique violation
      }),
      insert('c'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(commits).toBe(1);
    expect(committedIds()).toEqual(['a', 'c', 'taken']);
  });

  it('fails every transaction of a group whose COMMIT fails, writes none of them, and goes on afterwards', async () => {
    // A deferred foreign key is checked at COMMIT: an orphan child makes the group's COMMIT fail.
    const results = await Promise.allSettled([
      insert('a'),
      db.transaction().execute((trx) => trx.insertInto('children').values({ id: 'orphan', parent: 'none' }).execute()),
      insert('b'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({ message: 'FOREIGN KEY constraint failed' });
    }
    expect(committedIds()).toEqual([]);
    await insert('c');
    expect(committedIds()).toEqual(['c']);
  });

  it('commits a full group before the next transaction starts', async () => {
    await db.destroy();
    rmSync(path, { force: true });
    db = await open({ maxGroup: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map(insert));
    expect(commits).toBe(3);
    expect(committedIds()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('lets a group wait one more turn when the last COMMIT was less than busyGapMs ago', async () => {
    for (const [busyGapMs, expected] of [
      [0, 2],
      [60_000, 1],
    ] as const) {
      await db.destroy();
      rmSync(path, { force: true });
      db = await open({ busyGapMs });
      await insert(`warm-${busyGapMs}`); // a COMMIT just now
      commits = 0;
      // One transaction now, another two turns later (after a group's own flush turn).
      const late = new Promise<void>((resolve, reject) =>
        setImmediate(() => setImmediate(() => insert(`late-${busyGapMs}`).then(() => resolve(), reject))),
      );
      await Promise.all([insert(`now-${busyGapMs}`), late]);
      expect(commits, `busyGapMs ${busyGapMs}`).toBe(expected);
    }
    expect(committedIds()).toEqual(['late-60000', 'now-60000', 'warm-60000']);
  });

  it('lets a transaction that waits between statements hold the group open, and commits it with its group', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 'slow', n: 1 }).execute();
      await gate;
      await trx.insertInto('items').values({ id: 'slow-2', n: 1 }).execute();
    });
    const fast = insert('fast');
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(committedIds()).toEqual([]);
    release();
    await Promise.all([slow, fast]);
    expect(committedIds()).toEqual(['fast', 'slow', 'slow-2']);
  });

  it('waits off the event loop for a write lock another connection of this process holds', async () => {
    // SQLite's own busy wait would block the thread, and with it the holder: both would time out.
    const other = await open({ busyTimeoutMs: 2_000 });
    try {
      const writes = ['a', 'b', 'c', 'd'].map((id, i) =>
        (i % 2 === 0 ? db : other)
          .transaction()
          .execute((trx) => trx.insertInto('items').values({ id, n: 1 }).execute()),
      );
      await Promise.all(writes);
      expect(committedIds()).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      await other.destroy();
    }
  });

  it('prepares each statement once', async () => {
    for (const id of ['a', 'b', 'c']) await db.selectFrom('items').selectAll().where('id', '=', id).execute();
    const select = prepared.filter((text) => text.startsWith('select * from "items"'));
    expect(select).toHaveLength(1);
  });
});

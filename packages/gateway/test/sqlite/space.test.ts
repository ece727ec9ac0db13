// SQLite gives pruned space back: new files use incremental auto-vacuum, existing ones are
// converted once at open, and under a steady load of attempts with a short retention the file
// stops growing. Judged by SQLite's own figures (page_count, freelist_count), never by time.
// SQLite only: PostgreSQL's autovacuum reuses the space of deleted rows by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { AttemptPruner } from '../../src/retention.js';
import { openStore } from '../../src/storage/open.js';
import type { SqliteVacuumEvent } from '../../src/storage/sqlite/dialect.js';
import type { Store } from '../../src/storage/store.js';
import { startTestGateway } from '../helpers/gateway.js';
import { captureLogs } from '../helpers/logs.js';
import { NOW, outcome, seedDelivery } from '../store/harness.js';

const MINUTE = 60_000;
const dirs: string[] = [];
const stores: Store[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function aFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'payhook-space-'));
  dirs.push(dir);
  return join(dir, 'gateway.sqlite');
}

async function open(path: string, onVacuum?: (event: SqliteVacuumEvent) => void): Promise<Store> {
  const store = await openStore(`sqlite:${path}`, { onVacuum });
  stores.push(store);
  return store;
}

function pragma(path: string, name: string): number | string {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.pragma(name, { simple: true }) as number | string;
  } finally {
    db.close();
  }
}

/** Makes `path` a file as versions before retention left it: no auto-vacuum. */
function withoutAutoVacuum(path: string): void {
  const raw = new BetterSqlite3(path);
  raw.pragma('auto_vacuum = NONE');
  raw.exec('VACUUM');
  expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0);
  raw.close();
}

/**
 * `cycles` rounds of one failed attempt per delivery (a 2 KB answer excerpt each) on a fixed set of
 * deliveries, a minute apart, each followed by a pruning pass when `retentionMs` is set. The load
 * is attempts alone: what retention keeps by design (deliveries, payments, events) stays the same
 * size, so any growth left is the attempts'. Returns page_count and freelist_count after each round.
 */
async function steadyLoad(path: string, retentionMs: number, cycles: number) {
  const store = await open(path);
  const clock = new ManualClock(NOW);
  const deliveries = [];
  for (let i = 0; i < 30; i++) deliveries.push(await seedDelivery(store, { nextAttemptAt: NOW }));
  const pruner = new AttemptPruner({
    store,
    clock,
    retentionMs,
    intervalMs: MINUTE,
    batchSize: 25,
    vacuumPages: 40,
    logger: silentLogger,
  });
  const figures: { pages: number; free: number }[] = [];
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const at = clock.now();
    const claimed = await store.queue.claim({ now: at, limit: 100, leaseMs: 30_000, token: `c${cycle}` });
    expect(claimed).toHaveLength(deliveries.length);
    await store.queue.record(
      claimed.map((d) => {
        const o = outcome(d.id, `c${cycle}`, d.attempts + 1, { success: false, at, nextAttemptAt: at + MINUTE });
        return { ...o, attempt: { ...o.attempt, responseExcerpt: `${cycle}:${'x'.repeat(2_000)}` } };
      }),
      at,
    );
    if (retentionMs > 0) expect(await pruner.runPass()).not.toBeNull();
    figures.push({ pages: Number(pragma(path, 'page_count')), free: Number(pragma(path, 'freelist_count')) });
    clock.advance(MINUTE);
  }
  return figures;
}

describe('SQLite space after pruning', () => {
  it('opens new files with incremental auto-vacuum', async () => {
    const path = aFile();
    await open(path);
    expect(pragma(path, 'auto_vacuum')).toBe(2);
  });

  it('converts an existing file without auto-vacuum once, at open, keeping its data', async () => {
    const path = aFile();
    const first = await open(path);
    const delivery = await seedDelivery(first);
    await stores.splice(0)[0]?.close();
    withoutAutoVacuum(path);

    const events: SqliteVacuumEvent[] = [];
    const converted = await open(path, (e) => events.push(e));
    expect(events.map((e) => e.phase)).toEqual(['start', 'done']);
    expect(pragma(path, 'auto_vacuum')).toBe(2);
    expect(pragma(path, 'journal_mode')).toBe('wal');
    expect(await converted.admin.getDelivery(delivery.id)).toEqual(delivery);
    await stores.splice(0)[0]?.close();

    const again: SqliteVacuumEvent[] = [];
    await open(path, (e) => again.push(e));
    expect(again).toEqual([]);
  });

  it('a gateway logs the conversion as it starts', async () => {
    const path = aFile();
    await open(path);
    await stores.splice(0)[0]?.close();
    withoutAutoVacuum(path);
    const logs = captureLogs();
    const gw = await startTestGateway({}, { logger: logs.logger }, { dir: dirname(path), listen: false });
    try {
      const lines = logs.lines().filter((l) => /incremental auto-vacuum/.test(l.msg ?? ''));
      expect(lines.map((l) => [l.level, l.path])).toEqual([
        [40, path],
        [30, path],
      ]);
    } finally {
      await gw.close();
    }
  });

  it('stops growing under a steady load with a short retention, its freelist kept empty', async () => {
    const cycles = 40;
    const pruned = await steadyLoad(aFile(), 3 * MINUTE, cycles);
    // After the first rounds fill the retention window, no round adds a page.
    const settled = pruned[9]?.pages ?? 0;
    expect(settled).toBeGreaterThan(0);
    expect(Math.max(...pruned.slice(10).map((f) => f.pages))).toBeLessThanOrEqual(settled);
    expect(Math.max(...pruned.map((f) => f.free))).toBe(0);

    // The same load kept forever grows every round (so the figures above can tell).
    const kept = await steadyLoad(aFile(), 0, cycles);
    expect(kept.at(-1)?.pages ?? 0).toBeGreaterThan(3 * settled);
  });
});

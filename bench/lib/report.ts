// Printing the figures: aligned tables, number formats, and the line describing the machine.
import os from 'node:os';
import { pgQuery } from './databases.js';
import { loadIoredis } from './peers.js';

/** Aligns `cells` (the first row is the header) in columns; the columns in `right` right-aligned. */
export function table(cells: string[][], right: ReadonlySet<number>): string {
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length))) ?? [];
  return cells
    .map((r) =>
      r
        .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const f0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toString() : '–');
export const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
export const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
export const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');

export const loadLine = (l: readonly number[]) => l.map((v) => v.toFixed(2)).join(' ');

/** CPU, memory, node, kernel, and the database servers' versions and durability settings. */
export async function machineLine(options: { redis?: boolean } = {}): Promise<string> {
  const cpu = os.cpus();
  const versions: string[] = [];
  try {
    const [row] = await pgQuery<{ v: string; a: string; s: string }>(
      'postgres',
      "select current_setting('server_version') as v, current_setting('autovacuum') as a, current_setting('synchronous_commit') as s",
    );
    if (row) versions.push(`PostgreSQL ${row.v} (fsync on, synchronous_commit ${row.s}, autovacuum ${row.a})`);
  } catch {
    versions.push('PostgreSQL unreachable');
  }
  if (options.redis !== false) {
    try {
      const { Redis } = await loadIoredis();
      const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
      const aof = (await redis.config('GET', 'appendonly')) as string[];
      const save = (await redis.config('GET', 'save')) as string[];
      versions.push(`Redis ${version} (appendonly ${aof[1]}, save "${save[1]}")`);
      redis.disconnect();
    } catch {
      versions.push('Redis unreachable');
    }
  }
  return (
    `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `node ${process.version}, ${os.type()} ${os.release()}; ${versions.join('; ')}`
  );
}

// The built gateway (dist/), for tests that start it so many times that tsx's transform of the
// sources would cost more CPU than the test itself. Built here first, so such a test never runs
// a stale dist/: `tsc -b` is incremental (a no-op right after `npm test`'s own build), and runs
// under a lock, since both backends' projects may get here at once.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { REPO_ROOT } from './process.js';

/** Main module of the built gateway, relative to REPO_ROOT. */
export const BUILT_MAIN = 'packages/gateway/dist/main.js';

export function buildGateway(): void {
  const tmp = join(REPO_ROOT, '.tmp');
  mkdirSync(tmp, { recursive: true });
  // An exclusive SQLite lock on a file of its own: held until closed, released if we die.
  const lock = new BetterSqlite3(join(tmp, 'build-gateway.lock'), { timeout: 180_000 });
  try {
    lock.exec('BEGIN EXCLUSIVE');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-b', 'packages/gateway'], { cwd: REPO_ROOT, stdio: 'inherit' });
  } finally {
    lock.close();
  }
}

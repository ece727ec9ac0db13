// The set-up every suite of real gateway processes shares (crash, kill, fault, lease-owner and
// NOTIFY tests): per test a scratch directory, a database on it and the receivers the test
// starts; after it, every process killed first (nothing may write to what is torn down next),
// then the receivers closed, the database dropped and the directory removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { killAllProcesses } from '../../../../test-support/process.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface ProcessSuite {
  /** This test's scratch directory. */
  readonly dir: string;
  /** This test's database. */
  readonly database: TestDatabase;
  /** Closes `receiver` after the test; returns it. */
  track<R extends { close(): Promise<void> }>(receiver: R): R;
}

/**
 * Registers the hooks; `options.database` makes the database another way (on a server the test
 * starts), `options.teardown` runs last (stops that server).
 */
export function processSuite(
  prefix: string,
  options: { database?: (dir: string) => Promise<TestDatabase>; teardown?: () => Promise<void> } = {},
): ProcessSuite {
  let dir = '';
  let database: TestDatabase | undefined;
  let receivers: { close(): Promise<void> }[] = [];
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    receivers = [];
    database = await (options.database ?? createTestDatabase)(dir);
  });
  afterEach(async () => {
    await killAllProcesses();
    await Promise.all(receivers.map((r) => r.close()));
    await database?.drop();
    database = undefined;
    await options.teardown?.();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    get database() {
      if (database === undefined) throw new Error('no database outside a test');
      return database;
    },
    track(receiver) {
      receivers.push(receiver);
      return receiver;
    },
  };
}

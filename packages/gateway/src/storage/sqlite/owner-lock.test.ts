import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { holdOwnerLock, ifOwnerDead, ownerLockDir } from './owner-lock.js';

let dir: string;
beforeEach(() => {
  dir = ownerLockDir(join(mkdtempSync(join(tmpdir(), 'payhook-owner-lock-')), 'gateway.sqlite'));
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

const released = async () => 'released';

it('a held lock means alive: nothing is released while it is held', async () => {
  const hold = holdOwnerLock(dir, 'host-1-aa');
  expect(hold.held).toBe(true);
  expect(await ifOwnerDead(dir, 'host-1-aa', released)).toBeUndefined();
  await hold.release();
  // A clean release removes the file: nothing is left to judge, so nothing is released either.
  expect(existsSync(join(dir, 'host-1-aa.lock'))).toBe(false);
  expect(await ifOwnerDead(dir, 'host-1-aa', released)).toBeUndefined();
});

it('a lock file nobody holds means dead: released once, while locked, then the file is gone', async () => {
  // What a SIGKILLed owner leaves behind: its (empty) file, the kernel's lock on it gone.
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'host-2-bb.lock'), '');
  const result = await ifOwnerDead(dir, 'host-2-bb', async () => {
    // While the release runs, the dead owner's lock is ours: a second judge finds it held.
    expect(await ifOwnerDead(dir, 'host-2-bb', released)).toBeUndefined();
    return 'released';
  });
  expect(result).toBe('released');
  expect(existsSync(join(dir, 'host-2-bb.lock'))).toBe(false);
  expect(await ifOwnerDead(dir, 'host-2-bb', released)).toBeUndefined();
});

it('an owner id that could not name a lock file is never judged dead', async () => {
  expect(await ifOwnerDead(dir, '../../etc/passwd', released)).toBeUndefined();
  expect(() => holdOwnerLock(dir, 'a/b')).toThrow(/cannot name a lock file/);
});

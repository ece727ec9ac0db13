#!/usr/bin/env node
// Installs the peers bench/compare.ts measures payhook against (bench/package.json: BullMQ,
// ioredis, pg-boss) into bench/node_modules, once: they are not payhook's dependencies, so the
// product's `npm ci` never fetches them. `npm run bench:compare` runs this first; it does nothing
// when the pinned versions are already there.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');
const wanted = JSON.parse(readFileSync(join(bench, 'package.json'), 'utf8')).dependencies;

const installed = (name) => {
  const path = join(bench, 'node_modules', name, 'package.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).version : undefined;
};
const missing = Object.entries(wanted).filter(([name, version]) => installed(name) !== version);
if (missing.length === 0) process.exit(0);

const command = existsSync(join(bench, 'package-lock.json')) ? 'ci' : 'install';
process.stderr.write(
  `bench-peers: npm ${command} --prefix bench (${missing.map(([n, v]) => `${n}@${v}`).join(', ')})\n`,
);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, [command, '--prefix', bench, '--no-audit', '--no-fund'], { stdio: 'inherit' });
process.exit(result.status ?? 1);

#!/usr/bin/env node
// The `payhook` command: runs the compiled CLI. The root `prepare` script builds it on `npm ci`;
// after editing the sources, `npm run build`.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('payhook: the CLI is not built yet; run `npm run build` at the repository root\n');
  process.exit(2);
}
await import(main.href);

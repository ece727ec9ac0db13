// `npm run docs:settings`: rewrites the README's configuration table from the gateway's settings.
import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../packages/gateway/src/settings-table.js';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, withSettingsTable(readFileSync(readme, 'utf8')));

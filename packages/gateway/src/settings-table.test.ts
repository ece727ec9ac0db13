// The README's configuration table is the one the settings render, so it cannot go stale.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  readmeSettingsTable,
  renderSettingsTable,
  TABLE_END,
  TABLE_START,
  withSettingsTable,
} from './settings-table.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe("README.md's configuration table", () => {
  it('is the one the settings render', () => {
    expect(
      readmeSettingsTable(README),
      'the configuration table in README.md is stale: run `npm run docs:settings` to rewrite it',
    ).toBe(renderSettingsTable());
  });

  it('is rewritten between its markers, the rest of the document kept as it was', () => {
    const stale = `# Intro\n${TABLE_START}\n| old | table |\n${TABLE_END}\n\nAfter.\n`;
    const fresh = `# Intro\n${TABLE_START}\n\n${renderSettingsTable()}\n\n${TABLE_END}\n\nAfter.\n`;
    expect(withSettingsTable(stale)).toBe(fresh);
    expect(withSettingsTable(fresh)).toBe(fresh);
    expect(() => withSettingsTable('# no markers\n')).toThrow(/lacks the markers/);
  });

  it('has a row a variable, with its flag and default', () => {
    const table = renderSettingsTable();
    expect(table).toContain('| `PAYHOOK_RATE_LIMIT` | `--rate-limit <n>` | `60` |');
    expect(table).toContain('| `PAYHOOK_SANDBOX` | `--sandbox`, `--no-sandbox` | on in sandbox mode |');
    expect(table).toContain('| `PAYHOOK_LEASE` | `--lease <seconds>` | timeout + 30 |');
  });
});

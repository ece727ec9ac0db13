// The README's configuration table, rendered from the settings so that it cannot drift from
// them: a test compares the two, and `npm run docs:settings` rewrites the README's copy.
import { GATEWAY_SETTINGS } from './settings.js';

export const TABLE_START =
  '<!-- settings table: generated from packages/gateway/src/settings.ts; `npm run docs:settings` rewrites it -->';
export const TABLE_END = '<!-- end of settings table -->';

/** The markdown table, one row per setting, in the settings' order. */
export function renderSettingsTable(): string {
  const rows = Object.entries(GATEWAY_SETTINGS).map(([env, setting]) => {
    const flags =
      'switch' in setting ? `\`${setting.flag}\`, \`${setting.flag.replace(/^--/, '--no-')}\`` : `\`${setting.flag}\``;
    const shown = 'default' in setting ? `\`${setting.default}\`` : setting.unset;
    return `| \`${env}\` | ${flags} | ${shown} | ${setting.doc} |`;
  });
  return ['| variable | `payhook gateway` flag | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** Where the table stands in `readme`, between the markers. */
function tableBounds(readme: string): { start: number; end: number } {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${TABLE_START} … ${TABLE_END}`);
  return { start: start + TABLE_START.length, end };
}

/** The table as `readme` has it now. */
export function readmeSettingsTable(readme: string): string {
  const { start, end } = tableBounds(readme);
  return readme.slice(start, end).trim();
}

/** `readme` with the table between the markers rendered afresh. */
export function withSettingsTable(readme: string): string {
  const { start, end } = tableBounds(readme);
  // Blank lines around the table, so that markdown does not read a marker as one of its rows.
  return `${readme.slice(0, start)}\n\n${renderSettingsTable()}\n\n${readme.slice(end)}`;
}

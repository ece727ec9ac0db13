import { describe, expect, it } from 'vitest';
import { parseInstant } from './instant.js';

describe('parseInstant', () => {
  const noon = Date.UTC(2026, 11, 4, 12);

  it('reads epoch ms and ISO 8601, in UTC unless a zone is named', () => {
    expect(parseInstant(String(noon))).toBe(noon);
    expect(parseInstant('2026-12-04T12:00')).toBe(noon);
    expect(parseInstant('2026-12-04T12:00:00.000Z')).toBe(noon);
    expect(parseInstant('2026-12-04T13:00:00+01:00')).toBe(noon);
    expect(parseInstant('2026-12-04')).toBe(Date.UTC(2026, 11, 4));
  });

  it('refuses anything else', () => {
    for (const text of ['', 'yesterday', '12/04/2026', '2026-13-40', '-5', '1e12']) {
      expect(parseInstant(text), text).toBeUndefined();
    }
  });
});

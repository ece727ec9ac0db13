// `--overlap`'s durations.
import { describe, expect, it } from 'vitest';
import { parseOverlap } from './secret.js';

describe('parseOverlap', () => {
  it('reads whole seconds, or a number with s, m, h or d', () => {
    expect(parseOverlap('0')).toBe(0);
    expect(parseOverlap('3600')).toBe(3_600);
    expect(parseOverlap('90s')).toBe(90);
    expect(parseOverlap('30m')).toBe(1_800);
    expect(parseOverlap('24h')).toBe(86_400);
    expect(parseOverlap('2d')).toBe(172_800);
  });

  it('refuses anything else', () => {
    for (const text of ['', 'soon', '1.5h', '-1', '24 h', 'h', '1w', '1h30m'])
      expect(parseOverlap(text)).toBeUndefined();
  });
});

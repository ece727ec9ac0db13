import { describe, expect, it } from 'vitest';
import { isPrunable, retentionCutoff } from './retention.js';

describe('retention rules', () => {
  const now = Date.UTC(2026, 11, 1);
  const day = 86_400_000;

  it('cuts off at now − retention; 0 keeps everything', () => {
    expect(retentionCutoff(now, 30 * day)).toBe(now - 30 * day);
    expect(retentionCutoff(now, 0)).toBeNull();
  });

  it("prunes attempts that ended before the cutoff, never a delivery's last one", () => {
    const cutoff = now - day;
    const old = now - 2 * day;
    expect(isPrunable({ attemptNo: 1, endedAt: old }, { attempts: 3 }, cutoff)).toBe(true);
    expect(isPrunable({ attemptNo: 3, endedAt: old }, { attempts: 3 }, cutoff)).toBe(false);
    // Ended exactly at the cutoff: not older than the retention yet.
    expect(isPrunable({ attemptNo: 1, endedAt: cutoff }, { attempts: 3 }, cutoff)).toBe(false);
    expect(isPrunable({ attemptNo: 1, endedAt: cutoff - 1 }, { attempts: 3 }, cutoff)).toBe(true);
    expect(isPrunable({ attemptNo: 1, endedAt: old }, { attempts: 3 }, null)).toBe(false);
  });
});

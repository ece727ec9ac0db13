import { describe, expect, it } from 'vitest';
import { pausedBy, resumedDueAt } from './endpoint-pause.js';

const P = 100_000;
const R = 500_000;

describe('resumedDueAt: R + max(0, T − max(P, W))', () => {
  it('keeps the part of the gap that was left when the pause began', () => {
    // Waiting since 90 s for an attempt due at 130 s; paused at 100 s: 30 s were left.
    expect(resumedDueAt({ waitBegan: 90_000, nextAttemptAt: 130_000 }, P, R)).toBe(R + 30_000);
  });

  it('a delivery already due when paused is due at the resume, never earlier', () => {
    expect(resumedDueAt({ waitBegan: 10_000, nextAttemptAt: 95_000 }, P, R)).toBe(R);
    expect(resumedDueAt({ waitBegan: 10_000, nextAttemptAt: P }, P, R)).toBe(R);
  });

  it('a wait that began during the pause keeps its whole gap', () => {
    // An attempt in flight at the pause failed at 200 s; the next is due 1800 s later.
    expect(resumedDueAt({ waitBegan: 200_000, nextAttemptAt: 2_000_000 }, P, R)).toBe(R + 1_800_000);
    // A new event during the pause, first attempt due at once.
    expect(resumedDueAt({ waitBegan: 300_000, nextAttemptAt: 300_000 }, P, R)).toBe(R);
  });

  it('a resume at the instant of the pause changes nothing', () => {
    expect(resumedDueAt({ waitBegan: 90_000, nextAttemptAt: 130_000 }, P, P)).toBe(130_000);
  });

  it('never shortens a gap: the new due time is at least T and at least R', () => {
    for (const waitBegan of [0, 50_000, P, 150_000]) {
      for (const nextAttemptAt of [waitBegan, waitBegan + 1, waitBegan + 60_000]) {
        const due = resumedDueAt({ waitBegan, nextAttemptAt }, P, R);
        expect(due).toBeGreaterThanOrEqual(R);
        // What is left after the resume equals what was left of the wait when its clock stopped.
        expect(due - R).toBe(Math.max(0, nextAttemptAt - Math.max(P, waitBegan)));
      }
    }
  });
});

describe('pausedBy', () => {
  it('names how the request authenticated, and the actor when one is given', () => {
    expect(pausedBy('bearer', undefined)).toBe('bearer');
    expect(pausedBy('session', 'alice')).toBe('session:alice');
    expect(pausedBy('local', '')).toBe('local');
  });
});

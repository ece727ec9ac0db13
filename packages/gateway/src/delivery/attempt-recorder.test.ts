import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from '../storage/store.js';
import { AttemptRecorder } from './attempt-recorder.js';

function outcome(deliveryId: string): AttemptOutcome {
  return {
    token: `token-${deliveryId}`,
    update: { state: 'delivered', nextAttemptAt: null },
    attempt: {
      deliveryId,
      attemptNo: 1,
      dueAt: 0,
      startedAt: 0,
      endedAt: 1,
      success: true,
      statusCode: 200,
      latencyMs: 1,
      errorClass: null,
      errorMessage: null,
      responseExcerpt: '{"code":"SUCCESS"}',
      request: null,
    },
  };
}

/** A writer that records each batch and answers when told to. */
function writer(answer: (ids: string[]) => boolean[] = (ids) => ids.map(() => true)) {
  const batches: string[][] = [];
  const pending: Array<() => void> = [];
  let hold = false;
  return {
    batches,
    holdNext() {
      hold = true;
    },
    releaseAll() {
      for (const go of pending.splice(0)) go();
    },
    write: (outcomes: readonly AttemptOutcome[]) => {
      const ids = outcomes.map((o) => o.attempt.deliveryId);
      batches.push(ids);
      if (!hold) return Promise.resolve(answer(ids));
      hold = false;
      return new Promise<boolean[]>((resolve) => pending.push(() => resolve(answer(ids))));
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('AttemptRecorder', () => {
  it('writes the outcomes of one event-loop turn in one batch and resolves each with its own answer', async () => {
    const w = writer((ids) => ids.map((id) => id !== 'lost'));
    const recorder = new AttemptRecorder({ write: w.write, maxBatch: 64, windowMs: 0 });
    const held = await Promise.all(['a', 'lost', 'c'].map((id) => recorder.record(outcome(id))));
    expect(w.batches).toEqual([['a', 'lost', 'c']]);
    expect(held).toEqual([true, false, true]);
  });

  it('gathers what ends while a batch is being written into the next batch', async () => {
    const w = writer();
    const recorder = new AttemptRecorder({ write: w.write, maxBatch: 64, windowMs: 0 });
    w.holdNext();
    const first = recorder.record(outcome('a'));
    await turn();
    expect(w.batches).toEqual([['a']]);
    const later = ['b', 'c', 'd'].map((id) => recorder.record(outcome(id)));
    await turn();
    expect(w.batches).toHaveLength(1); // one write at a time
    expect(recorder.pending).toBe(4); // three waiting, one being written
    w.releaseAll();
    await Promise.all([first, ...later]);
    expect(w.batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('never writes more than maxBatch outcomes in one transaction', async () => {
    const w = writer();
    const recorder = new AttemptRecorder({ write: w.write, maxBatch: 2, windowMs: 0 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => recorder.record(outcome(id))));
    expect(w.batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fails every outcome of a batch whose write fails, and only those', async () => {
    let calls = 0;
    const recorder = new AttemptRecorder({
      write: async (outcomes) => {
        calls++;
        if (calls === 1) throw new Error('disk I/O error');
        return outcomes.map(() => true);
      },
      maxBatch: 64,
      windowMs: 0,
    });
    const failed = await Promise.allSettled(['a', 'b'].map((id) => recorder.record(outcome(id))));
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await recorder.record(outcome('c'))).toBe(true);
  });

  it('waits up to windowMs for more outcomes when a window is set', async () => {
    const w = writer();
    const recorder = new AttemptRecorder({ write: w.write, maxBatch: 64, windowMs: 30 });
    const first = recorder.record(outcome('a'));
    await turn();
    expect(w.batches).toEqual([]);
    const second = recorder.record(outcome('b'));
    await Promise.all([first, second]);
    expect(w.batches).toEqual([['a', 'b']]);
  });
});

// RecentLookups on its own: one request per lookup under way, "still waiting" dated by when the
// request started, bounded memory.
import { describe, expect, it } from 'vitest';
import { makeOrder } from '../test/helpers/orders.js';
import { lookupKey, RecentLookups } from './recent-lookups.js';
import { resultFor } from './testing.js';

const order = makeOrder();
const result = resultFor(order, { status: 'unpaid' });

function held() {
  let release!: () => void;
  let calls = 0;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const request = async () => {
    calls++;
    await gate;
    return result;
  };
  return { request, release, calls: () => calls };
}

describe('RecentLookups', () => {
  it('shares one request between concurrent lookups of one payment, whatever the traceId case', async () => {
    let t = 1_000;
    const lookups = new RecentLookups({ now: () => t });
    const h = held();
    const a = lookups.get({ traceId: 'ABC-1' }, h.request);
    t += 300;
    const b = lookups.get({ traceId: 'abc-1' }, h.request);
    h.release();
    // Both answers are dated by the one request's start.
    expect(await Promise.all([a, b])).toEqual([
      { result, startedAt: 1_000 },
      { result, startedAt: 1_000 },
    ]);
    expect(h.calls()).toBe(1);
    // Over: the next lookup is a new request.
    await lookups.get({ traceId: 'abc-1' }, h.request);
    expect(h.calls()).toBe(2);
  });

  it('does not share a failure beyond the lookups that were waiting for it', async () => {
    const lookups = new RecentLookups();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('reset');
    };
    await expect(Promise.all([lookups.get(order, failing), lookups.get(order, failing)])).rejects.toThrow('reset');
    await expect(lookups.get(order, async () => result)).resolves.toMatchObject({ result });
    expect(calls).toBe(1);
  });

  it('join: false asks again even while a request is under way', async () => {
    const lookups = new RecentLookups();
    const h = held();
    const shared = lookups.get({ traceId: 't' }, h.request);
    const own = lookups.get({ traceId: 't' }, h.request, { join: false });
    h.release();
    await Promise.all([shared, own]);
    expect(h.calls()).toBe(2);
  });

  it('remembers "still waiting" for the window from the request’s start, and forgets on demand', () => {
    let t = 10_000;
    const lookups = new RecentLookups({ windowMs: 5_000, now: () => t });
    const lookup = { traceId: 'x' };
    lookups.noteWaiting(lookup, 7_000); // a request that started 3 s ago
    expect(lookups.seenWaiting(lookup)).toBe(true);
    t = 11_999;
    expect(lookups.seenWaiting(lookup)).toBe(true);
    t = 12_000;
    expect(lookups.seenWaiting(lookup)).toBe(false);
    lookups.noteWaiting(lookup, 12_000);
    // An older sighting finishing late does not move the date back.
    lookups.noteWaiting(lookup, 9_000);
    t = 16_999;
    expect(lookups.seenWaiting(lookup)).toBe(true);
    lookups.forget(lookup);
    expect(lookups.seenWaiting(lookup)).toBe(false);
  });

  it('window 0 remembers nothing; memory is bounded, oldest forgotten first', () => {
    const off = new RecentLookups({ windowMs: 0, now: () => 1 });
    off.noteWaiting({ traceId: 'x' }, 1);
    expect(off.seenWaiting({ traceId: 'x' })).toBe(false);

    const lookups = new RecentLookups({ maxEntries: 3, now: () => 1 });
    for (const id of ['a', 'b', 'c', 'd']) lookups.noteWaiting({ traceId: id }, 1);
    expect(['a', 'b', 'c', 'd'].map((id) => lookups.seenWaiting({ traceId: id }))).toEqual([false, true, true, true]);
    expect(() => new RecentLookups({ windowMs: -1 })).toThrow(RangeError);
  });

  it('keys orders without a traceId by payee and orderId', () => {
    expect(lookupKey({ orderId: 'o-1', payeeId: 'p' })).not.toBe(lookupKey({ orderId: 'o-1', payeeId: 'q' }));
    expect(lookupKey({ traceId: 'AB' })).toBe(lookupKey({ traceId: 'ab' }));
  });
});

// Recoveries, the pure part: what a selection means for each action, and the retry-now rule.
import type { Delivery } from '@payhook/protocol';
import { describe, expect, it } from 'vitest';
import { formatCursor, parseCursor, retryNowRefusal, scopeSelection } from './recovery.js';

const AT = Date.UTC(2026, 11, 4, 12);

describe('scopeSelection', () => {
  it('narrows to what the action acts on, and cuts the selection before the request', () => {
    expect(scopeSelection({}, 'redeliver', AT)).toEqual({ states: ['delivered', 'exhausted'], createdTo: AT - 1 });
    expect(scopeSelection({}, 'retry_now', AT)).toEqual({ states: ['pending'], createdTo: AT - 1 });
    expect(scopeSelection({ state: 'retrying' }, 'retry_now', AT)).toEqual({
      states: ['pending'],
      retrying: true,
      createdTo: AT - 1,
    });
    expect(
      scopeSelection({ state: 'exhausted', url: 'https://a.example/cb', notRedelivered: true }, 'redeliver', AT),
    ).toEqual({ states: ['exhausted'], url: 'https://a.example/cb', notRedelivered: true, createdTo: AT - 1 });
  });

  it('keeps an earlier end of the time range, never a later one (the snapshot)', () => {
    expect(scopeSelection({ createdTo: AT - 60_000 }, 'redeliver', AT).createdTo).toBe(AT - 60_000);
    expect(scopeSelection({ createdTo: AT + 60_000 }, 'redeliver', AT).createdTo).toBe(AT - 1);
  });

  it('refuses a state the action cannot act on, and a range that ends before it starts', () => {
    expect(() => scopeSelection({ state: 'pending' }, 'redeliver', AT)).toThrow(/still on their schedule/);
    expect(() => scopeSelection({ state: 'retrying' }, 'redeliver', AT)).toThrow(/selection\.state: retrying/);
    expect(() => scopeSelection({ state: 'delivered' }, 'retry_now', AT)).toThrow(/retry_now takes pending/);
    expect(() => scopeSelection({ createdFrom: AT, createdTo: AT - 1 }, 'redeliver', AT)).toThrow(
      /createdFrom: must not be after/,
    );
  });
});

describe('retryNowRefusal', () => {
  const pending: Delivery = {
    id: 'd-1',
    eventId: 'e-1',
    traceId: 't-1',
    eventType: 'success',
    url: 'https://shop.example/cb',
    body: '{}',
    state: 'pending',
    attempts: 3,
    nextAttemptAt: AT + 1_800_000,
    lockedUntil: null,
    redeliveryOf: null,
    createdAt: AT - 60_000,
    updatedAt: AT - 1_000,
  };

  it('takes a pending delivery, also one whose lease ran out', () => {
    expect(retryNowRefusal(pending, AT)).toBeUndefined();
    expect(retryNowRefusal({ ...pending, lockedUntil: AT }, AT)).toBeUndefined();
  });

  it('refuses one in flight, and one that is delivered or exhausted', () => {
    expect(retryNowRefusal({ ...pending, lockedUntil: AT + 1 }, AT)).toMatch(/being attempted right now/);
    expect(retryNowRefusal({ ...pending, state: 'exhausted', nextAttemptAt: null }, AT)).toMatch(/is exhausted/);
    expect(retryNowRefusal({ ...pending, state: 'delivered', nextAttemptAt: null }, AT)).toMatch(/is delivered/);
  });
});

describe('cursor', () => {
  it('is <createdAt>:<id>, read back as it was written (ids may hold colons)', () => {
    expect(formatCursor({ createdAt: AT, id: 'd-1' })).toBe(`${AT}:d-1`);
    expect(formatCursor(null)).toBeNull();
    expect(parseCursor(`${AT}:a:b`)).toEqual({ createdAt: AT, id: 'a:b' });
  });
});

import { describe, expect, it } from 'vitest';
import type { EndpointAttempt } from './endpoint-health.js';
import { MINUTE_MS, minuteCounts, minuteOf } from './endpoint-minutes.js';

const T = Date.UTC(2026, 11, 1, 12); // a minute's start
const attempt = (url: string, endedAt: number, success: boolean): EndpointAttempt => ({
  url,
  host: new URL(url).host,
  success,
  endedAt,
  errorClass: success ? null : 'bad_status',
  statusCode: success ? 200 : 500,
  errorMessage: null,
});

describe('minuteOf', () => {
  it('is the start of the minute, its first millisecond included and its last not past it', () => {
    expect(minuteOf(T)).toBe(T);
    expect(minuteOf(T + MINUTE_MS - 1)).toBe(T);
    expect(minuteOf(T + MINUTE_MS)).toBe(T + MINUTE_MS);
    expect(minuteOf(T - 1)).toBe(T - MINUTE_MS);
  });
});

describe('minuteCounts', () => {
  it('counts attempts and successes per URL and minute, in (url, minute) order', () => {
    const a = 'http://a.example/cb';
    const b = 'http://b.example:8080/cb';
    const counts = minuteCounts([
      attempt(b, T + MINUTE_MS + 5, true),
      attempt(a, T + MINUTE_MS, false),
      attempt(a, T + 1, true),
      attempt(a, T + MINUTE_MS - 1, false),
      attempt(b, T + MINUTE_MS + 6, false),
      attempt(a, T + 2 * MINUTE_MS - 1, true),
    ]);
    expect(counts).toEqual([
      { url: a, host: 'a.example', minute: T, attempts: 2, succeeded: 1 },
      { url: a, host: 'a.example', minute: T + MINUTE_MS, attempts: 2, succeeded: 1 },
      { url: b, host: 'b.example:8080', minute: T + MINUTE_MS, attempts: 2, succeeded: 1 },
    ]);
  });

  it('counts nothing of no attempts', () => {
    expect(minuteCounts([])).toEqual([]);
  });
});

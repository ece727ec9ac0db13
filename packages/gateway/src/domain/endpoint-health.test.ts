import { describe, expect, it } from 'vitest';
import { applyAttempt, applyAttempts, type EndpointAttempt, freshEndpoint } from './endpoint-health.js';

const URL = 'https://shop.example/mixpay/callback';
const HOST = 'shop.example';
const fail = (endedAt: number, statusCode = 500): EndpointAttempt => ({
  url: URL,
  host: HOST,
  success: false,
  endedAt,
  errorClass: 'bad_status',
  statusCode,
  errorMessage: `HTTP ${statusCode}`,
});
const ok = (endedAt: number): EndpointAttempt => ({
  url: URL,
  host: HOST,
  success: true,
  endedAt,
  errorClass: null,
  statusCode: 200,
  errorMessage: null,
});
const thresholds = { failingAfter: 3, autoPauseAfter: 0 };

describe('applyAttempts', () => {
  it('counts consecutive failures and turns failing at the threshold, once', () => {
    const { next, transitions } = applyAttempts(
      freshEndpoint(URL, HOST),
      [1, 2, 3, 4].map((t) => fail(t)),
      thresholds,
    );
    expect(next).toMatchObject({ consecutiveFailures: 4, health: 'failing', lastFailureAt: 4, lastAttemptAt: 4 });
    expect(next.lastError).toEqual({ errorClass: 'bad_status', statusCode: 500, message: 'HTTP 500' });
    expect(transitions).toEqual([
      {
        type: 'endpoint.failing',
        url: URL,
        host: HOST,
        consecutiveFailures: 3,
        lastError: { errorClass: 'bad_status', statusCode: 500, message: 'HTTP 500' },
        at: 3,
      },
    ]);
  });

  it('a success resets the count and recovers a failing endpoint', () => {
    const failing = applyAttempts(freshEndpoint(URL, HOST), [fail(1), fail(2), fail(3, 503)], thresholds).next;
    const { next, transitions } = applyAttempt(failing, ok(10), thresholds);
    expect(next).toMatchObject({ consecutiveFailures: 0, health: 'healthy', lastSuccessAt: 10 });
    expect(transitions).toEqual([
      expect.objectContaining({ type: 'endpoint.recovered', at: 10, consecutiveFailures: 0 }),
    ]);
    expect(transitions[0]?.lastError.statusCode).toBe(503);
  });

  it('a success on a healthy endpoint is no transition', () => {
    const { transitions } = applyAttempts(freshEndpoint(URL, HOST), [fail(1), ok(2), fail(3), fail(4)], thresholds);
    expect(transitions).toEqual([]);
  });

  it('sorts a batch by end time: a late-recorded older success does not reset newer failures', () => {
    const { next } = applyAttempts(freshEndpoint(URL, HOST), [fail(5), fail(6), ok(4)], thresholds);
    expect(next.consecutiveFailures).toBe(2);
    // Recorded in another batch after the failures, the older success still does not reset them.
    const later = applyAttempt(next, ok(3), thresholds).next;
    expect(later.consecutiveFailures).toBe(2);
    // Nor does a failure older than the last success count.
    const recovered = applyAttempt(later, ok(7), thresholds).next;
    expect(applyAttempt(recovered, fail(6.5), thresholds).next.consecutiveFailures).toBe(0);
  });

  it('pauses after autoPauseAfter failures when asked, once, and again after a resume that still fails', () => {
    const auto = { failingAfter: 2, autoPauseAfter: 4 };
    const { next, transitions } = applyAttempts(
      freshEndpoint(URL, HOST),
      [1, 2, 3, 4, 5].map((t) => fail(t)),
      auto,
    );
    expect(transitions.map((t) => `${t.type}@${t.at}`)).toEqual(['endpoint.failing@2', 'endpoint.paused@4']);
    expect(next).toMatchObject({ pausedAt: 4, pausedBy: 'auto', autoPaused: true, consecutiveFailures: 5 });
    const resumed = { ...next, pausedAt: null, pausedBy: null, pauseReason: null, autoPaused: false };
    expect(applyAttempt(resumed, fail(9), auto).transitions.map((t) => t.type)).toEqual(['endpoint.paused']);
  });

  it('never pauses with autoPauseAfter 0', () => {
    const { next } = applyAttempts(
      freshEndpoint(URL, HOST),
      [1, 2, 3, 4, 5, 6, 7, 8].map((t) => fail(t)),
      thresholds,
    );
    expect(next.pausedAt).toBeNull();
  });
});

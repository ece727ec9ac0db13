// callbackEvent parsing: success and fail are always sent; settle, pending and paid_less on request.
import { describe, expect, it } from 'vitest';
import { CALLBACK_EVENTS, DEFAULT_EVENTS, isOptionalEvent, isSubscribed, parseCallbackEvents } from './events.js';

describe('parseCallbackEvents', () => {
  it('parses a |-separated list', () => {
    expect(parseCallbackEvents('settle|pending')).toEqual({ ok: true, events: ['settle', 'pending'] });
  });

  it('returns the events in a canonical order whatever the input order', () => {
    expect(parseCallbackEvents('paid_less|pending|settle')).toEqual({
      ok: true,
      events: ['settle', 'pending', 'paid_less'],
    });
  });

  it.each([undefined, '', '   '])('treats %j as no optional events', (value) => {
    expect(parseCallbackEvents(value)).toEqual({ ok: true, events: [] });
  });

  it('ignores blank entries and surrounding spaces', () => {
    expect(parseCallbackEvents('|settle|| pending |')).toEqual({ ok: true, events: ['settle', 'pending'] });
  });

  it('collapses duplicates', () => {
    expect(parseCallbackEvents('settle|settle|pending|settle')).toEqual({ ok: true, events: ['settle', 'pending'] });
  });

  it('rejects unknown names and lists each of them', () => {
    expect(parseCallbackEvents('settle|paidless|refund')).toEqual({ ok: false, invalid: ['paidless', 'refund'] });
  });

  it('is case-sensitive: "Settle" is not an event', () => {
    expect(parseCallbackEvents('Settle')).toEqual({ ok: false, invalid: ['Settle'] });
  });

  it('accepts and ignores the default events, which are always sent (MIXPAY-API.md §5)', () => {
    expect(parseCallbackEvents('success|fail')).toEqual({ ok: true, events: [] });
    expect(parseCallbackEvents('success|settle|fail')).toEqual({ ok: true, events: ['settle'] });
  });

  it('does not accept a comma as separator', () => {
    expect(parseCallbackEvents('settle,pending')).toEqual({ ok: false, invalid: ['settle,pending'] });
  });
});

describe('isOptionalEvent', () => {
  it('knows exactly settle, pending and paid_less', () => {
    expect(CALLBACK_EVENTS.filter(isOptionalEvent)).toEqual(['pending', 'paid_less', 'settle']);
    expect(isOptionalEvent('nope')).toBe(false);
  });
});

describe('isSubscribed', () => {
  it('always delivers success and fail', () => {
    expect(DEFAULT_EVENTS).toEqual(['success', 'fail']);
    expect(isSubscribed('success', [])).toBe(true);
    expect(isSubscribed('fail', [])).toBe(true);
  });

  it.each(['settle', 'pending', 'paid_less'] as const)('delivers %s only when subscribed', (event) => {
    expect(isSubscribed(event, [])).toBe(false);
    expect(
      isSubscribed(
        event,
        ['settle', 'pending', 'paid_less'].filter((e) => e !== event),
      ),
    ).toBe(false);
    expect(isSubscribed(event, [event])).toBe(true);
  });
});

// MixPay's envelope as a client reads it: on any status, parsed first, then judged by the success rule.
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, parseEnvelope } from './envelope.js';

const body = (value: unknown) => JSON.stringify(value);

describe('decodeEnvelope', () => {
  it('a 2xx success envelope gives its data', () => {
    expect(decodeEnvelope(200, body({ code: 0, success: true, message: '', data: { a: 1 }, timestampMs: 1 }))).toEqual({
      kind: 'ok',
      data: { a: 1 },
    });
  });

  it.each([
    [200, { code: 10011, success: false, message: 'bad', data: [] }, { code: 10011, message: 'bad' }],
    [400, { code: 10011, success: false, message: 'bad', data: [] }, { code: 10011, message: 'bad' }],
    [429, { code: 1429, success: false, message: 'slow', data: [] }, { code: 1429, message: 'slow' }],
    [500, { code: 0, success: true, message: '', data: {} }, { code: 500, message: 'HTTP 500' }],
    [200, { code: 0, success: false, message: '', data: [] }, { code: -1, message: 'success is false' }],
    [200, { code: 10008, success: true, data: {} }, { code: 10008, message: 'code 10008' }],
    [502, '<html>bad gateway</html>', { code: 502, message: 'HTTP 502 without a MixPay envelope' }],
    [503, '', { code: 503 }],
    [404, { error: 'not found' }, { code: 404 }],
  ])('HTTP %i %j is an error %j', (status, answer, expected) => {
    const text = typeof answer === 'string' ? answer : body(answer);
    expect(decodeEnvelope(status, text)).toMatchObject({ kind: 'error', ...expected });
  });

  it.each([
    ['not JSON', '<html>portal</html>', /not JSON \(HTTP 200\)/],
    ['an object that is no envelope', body({ status: 'success' }), /not a MixPay envelope/],
    ['a string code', body({ code: '0', success: true, data: {} }), /not a MixPay envelope/],
    ['a fractional code', body({ code: 0.5, success: true, data: {} }), /not a MixPay envelope/],
    ['an array', body([]), /not a MixPay envelope/],
    ['no data', body({ code: 0, success: true, message: '' }), /envelope without data/],
  ])('a 2xx answer with %s is malformed', (_name, text, reason) => {
    const verdict = decodeEnvelope(200, text);
    expect(verdict.kind).toBe('malformed');
    if (verdict.kind === 'malformed') expect(verdict.reason).toMatch(reason);
  });
});

describe('parseEnvelope', () => {
  it('tells a body that is no JSON from JSON that is no envelope', () => {
    expect(parseEnvelope('<h1>Bad gateway</h1>')).toEqual({ kind: 'not_json' });
    expect(parseEnvelope(body({ error: 'not found' }))).toEqual({ kind: 'not_envelope' });
    expect(parseEnvelope(body({ code: 404, success: false, message: 'gone', data: [] }))).toEqual({
      kind: 'envelope',
      envelope: { code: 404, success: false, message: 'gone', data: [] },
    });
  });
});

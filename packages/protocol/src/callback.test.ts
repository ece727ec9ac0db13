// The callback body and the acceptance rule are the contract with every receiver.
import { describe, expect, it } from 'vitest';
import { CALLBACK_ACK, judgeCallbackAnswer, serializeCallbackBody } from './callback.js';

describe('serializeCallbackBody', () => {
  const body = { orderId: 'order-1', traceId: '0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a', payeeId: 'payee-1' };

  it("writes exactly orderId, traceId, payeeId in MixPay's order", () => {
    expect(serializeCallbackBody(body)).toBe(
      '{"orderId":"order-1","traceId":"0b1f3a2e-6c2d-4a59-9a51-7f0c1e2d3b4a","payeeId":"payee-1"}',
    );
  });

  it('keeps the key order whatever order the input object has', () => {
    const shuffled = { payeeId: body.payeeId, traceId: body.traceId, orderId: body.orderId };
    expect(Object.keys(JSON.parse(serializeCallbackBody(shuffled)))).toEqual(['orderId', 'traceId', 'payeeId']);
  });

  it('drops any extra property: no status, no amount leaks into the body', () => {
    const withExtras = { ...body, status: 'success', quoteAmount: '10' } as typeof body;
    expect(JSON.parse(serializeCallbackBody(withExtras))).toEqual(body);
  });

  it('keeps an empty orderId as an empty string', () => {
    expect(JSON.parse(serializeCallbackBody({ ...body, orderId: '' }))).toEqual({ ...body, orderId: '' });
  });

  it('escapes characters as JSON', () => {
    expect(JSON.parse(serializeCallbackBody({ ...body, orderId: 'a"b\\c' })).orderId).toBe('a"b\\c');
  });
});

describe('judgeCallbackAnswer', () => {
  /** A case body: a 200 answer with `text` is refused for `reason`. */
  const refusedAs = (reason: string) => (_label: string, text: string) => {
    expect(judgeCallbackAnswer(200, text)).toEqual({ accepted: false, reason });
  };

  it('accepts 200 with {"code":"SUCCESS"}', () => {
    expect(judgeCallbackAnswer(200, JSON.stringify(CALLBACK_ACK))).toEqual({ accepted: true });
  });

  it('accepts extra keys and whitespace around the acknowledgement', () => {
    expect(judgeCallbackAnswer(200, ' {"code": "SUCCESS", "message": "ok"}\n')).toEqual({ accepted: true });
  });

  it.each([201, 204, 301, 302, 400, 404, 500, 503])('refuses HTTP %i even with the right body', (status) => {
    expect(judgeCallbackAnswer(status, '{"code":"SUCCESS"}')).toEqual({ accepted: false, reason: 'bad_status' });
  });

  it.each([
    ['HTML', '<html><body>SUCCESS</body></html>'],
    ['plain text', 'SUCCESS'],
    ['an empty body', ''],
    ['truncated JSON', '{"code":"SUCC'],
  ])('refuses %s as not_json', refusedAs('not_json'));

  it.each([
    ['lower-case "success"', '{"code":"success"}'],
    ['a code with spaces', '{"code":" SUCCESS"}'],
    ['a numeric code', '{"code":0}'],
    ['a missing code', '{"message":"SUCCESS"}'],
    ['a nested code', '{"data":{"code":"SUCCESS"}}'],
    ['a JSON array', '[{"code":"SUCCESS"}]'],
    ['JSON null', 'null'],
    ['a JSON string', '"SUCCESS"'],
    ['JSON true', 'true'],
  ])('refuses %s as wrong_code', refusedAs('wrong_code'));
});

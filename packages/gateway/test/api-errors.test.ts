// Bad input: every case answers MixPay's error envelope (success false, a non-zero code, a
// message naming the field), a 4xx status and never a 500, and changes nothing stored.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { type ApiAnswer, type CallOptions, call, expectError, expectOk, snapshot } from './helpers/api.js';
import { startTestGateway, type TestGateway } from './helpers/gateway.js';

const PARAM = 10011;
const NOT_FOUND = 404;
const TOKEN = 'test-admin-token-0123456789';

let gw: TestGateway;
/** A payment nobody paid, and one paid but unconfirmed, so a bad request has something to spoil. */
let unpaid: { traceId: string; orderId: string };
let confirming: { traceId: string; orderId: string; txid: string };

const valid = paymentBody;

/** Runs a bad request and checks both its answer and that nothing stored changed. */
async function refused(
  method: 'GET' | 'POST',
  url: string,
  options: CallOptions,
  status: number,
  code: number,
  message: RegExp,
  token?: string,
): Promise<ApiAnswer> {
  const before = await snapshot(gw, token);
  const res = await call(gw, method, url, options);
  expectError(res, status, code, message);
  expect(await snapshot(gw, token)).toEqual(before);
  return res;
}

describe('sandbox mode', () => {
  beforeEach(async () => {
    gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '3600' });
    const a = await gw.createPayment({ orderId: 'order-unpaid-1' });
    unpaid = { traceId: a.traceId, orderId: 'order-unpaid-1' };
    const b = await gw.createPayment({ orderId: 'order-confirming-1' });
    const t = expectOk(
      await call(gw, 'POST', '/v1/sandbox/transfers', { json: { traceId: b.traceId, confirmations: 0 } }),
    );
    confirming = { traceId: b.traceId, orderId: 'order-confirming-1', txid: t.transfer.txid };
  });

  afterEach(async () => {
    await gw.close();
  });

  describe('creating a payment', () => {
    // An empty orderId means none (MixPay's clients send "" for unset options): not refused.
    for (const orderId of ['short', 'x'.repeat(37), 'has space 1', 'dots.are.bad', 'ümlaut-123']) {
      it(`refuses orderId ${JSON.stringify(orderId)}`, async () => {
        await refused('POST', '/v1/payments', { json: valid({ orderId }) }, 400, PARAM, /orderId: must be 6-36/);
      });
    }

    it('refuses an orderId re-sent with other terms (naming the term) but allows it under another payee', async () => {
      await refused(
        'POST',
        '/v1/payments',
        { json: valid({ orderId: unpaid.orderId, quoteAmount: '999' }) },
        400,
        PARAM,
        /quoteAmount: differs from the payment already created with orderId order-unpaid-1 of payee payee-1/,
      );
      await refused(
        'POST',
        '/v1/payments',
        { json: valid({ orderId: unpaid.orderId, traceId: randomUUID() }) },
        400,
        PARAM,
        /orderId: order-unpaid-1 already belongs to another payment of this payee/,
      );
      // The one-time route shares the (payeeId, orderId) key.
      await refused(
        'POST',
        '/v1/one_time_payment',
        { json: valid({ orderId: unpaid.orderId }) },
        400,
        PARAM,
        /orderId: the payment with orderId order-unpaid-1 of payee payee-1 was created by \/v1\/payments/,
      );
      const other = expectOk(
        await call(gw, 'POST', '/v1/payments', { json: valid({ orderId: unpaid.orderId, payeeId: 'payee-2' }) }),
      );
      expect(other.traceId).not.toBe(unpaid.traceId);
      const mine = expectOk(
        await call(gw, 'GET', `/v1/payments_result?orderId=${unpaid.orderId}&payeeId=payee-1&with=payment`),
      );
      const theirs = expectOk(await call(gw, 'GET', `/v1/payments_result?orderId=${unpaid.orderId}&payeeId=payee-2`));
      expect(mine).toMatchObject({ traceId: unpaid.traceId, payeeId: 'payee-1', quoteAmount: '10' });
      expect(theirs).toMatchObject({ traceId: other.traceId, payeeId: 'payee-2' });
    });

    it('refuses a traceId re-sent with other terms, whatever its spelling', async () => {
      const undashed = unpaid.traceId.replaceAll('-', '');
      for (const traceId of [unpaid.traceId, unpaid.traceId.toUpperCase(), undashed]) {
        await refused(
          'POST',
          '/v1/payments',
          { json: valid({ traceId, payeeId: 'payee-9' }) },
          400,
          PARAM,
          new RegExp(`payeeId: differs from the payment already created with traceId ${unpaid.traceId}`),
        );
      }
    });

    for (const traceId of ['not-a-uuid', '123', `${randomUUID()}0`, 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz']) {
      it(`refuses the non-UUID traceId ${traceId}`, async () => {
        await refused('POST', '/v1/payments', { json: valid({ traceId }) }, 400, PARAM, /traceId: must be a UUID/);
      });
    }

    const badUrls: [string, RegExp][] = [
      ['http://example.com/callback', /callbackUrl: only HTTPS \(or HTTP to loopback in sandbox mode\)/],
      ['http://10.0.0.5/callback', /callbackUrl: only HTTPS/],
      ['ftp://127.0.0.1/callback', /callbackUrl: only HTTPS/],
      ['not a url', /callbackUrl: must be an absolute URL/],
      ['https://user:pw@example.com/cb', /callbackUrl: must not carry credentials/],
    ];
    for (const [callbackUrl, message] of badUrls) {
      it(`refuses callbackUrl ${callbackUrl} in sandbox mode`, async () => {
        await refused('POST', '/v1/payments', { json: valid({ callbackUrl }) }, 400, PARAM, message);
        await refused('POST', '/v1/one_time_payment', { form: valid({ callbackUrl }) }, 400, PARAM, message);
      });
    }

    it('accepts HTTPS anywhere and HTTP to loopback in sandbox mode', async () => {
      for (const callbackUrl of ['https://example.com/cb', 'http://127.0.0.1:1/cb', 'http://localhost:1/cb']) {
        expectOk(await call(gw, 'POST', '/v1/payments', { json: valid({ callbackUrl }) }));
      }
    });

    // success and fail are accepted (and ignored: always sent); unknown names are refused.
    for (const callbackEvent of ['settle|paid', 'success|refund', 'SETTLE', 'pending,settle']) {
      it(`refuses callbackEvent ${callbackEvent}`, async () => {
        await refused(
          'POST',
          '/v1/payments',
          { json: valid({ callbackEvent }) },
          400,
          PARAM,
          /callbackEvent: unknown event .*; use settle, pending, paid_less/,
        );
      });
    }

    const badAmounts: [unknown, RegExp][] = [
      ['ten', /quoteAmount: must be a positive decimal/],
      ['0', /quoteAmount: must be a positive decimal/],
      ['0.000', /quoteAmount: must be a positive decimal/],
      ['-5', /quoteAmount: must be a positive decimal/],
      ['1e3', /quoteAmount: must be a positive decimal/],
      ['10,5', /quoteAmount: must be a positive decimal/],
      [0, /quoteAmount: must be a positive decimal/],
      [-10.5, /quoteAmount: must be a positive decimal/],
      [true, /quoteAmount: must be a decimal/],
      // "" and null mean absent, as a missing amount does.
      ['', /quoteAmount: is required \(or paymentAmount\)/],
      [null, /quoteAmount: is required \(or paymentAmount\)/],
      [undefined, /quoteAmount: is required \(or paymentAmount\)/],
    ];
    for (const [quoteAmount, message] of badAmounts) {
      it(`refuses quoteAmount ${JSON.stringify(quoteAmount)}`, async () => {
        await refused('POST', '/v1/payments', { json: valid({ quoteAmount }) }, 400, PARAM, message);
      });
    }

    it('refuses an expiredTimestamp too soon, in the past, too far or malformed', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const expiredTimestamp of [now + 5, now + 10, now - 60, now + 2880 * 60 + 5, 0]) {
        await refused(
          'POST',
          '/v1/payments',
          { json: valid({ expiredTimestamp }) },
          400,
          PARAM,
          /expiredTimestamp: must be more than 10 seconds and less than 2880 minutes from now/,
        );
      }
      for (const expiredTimestamp of [now + 60.5, 'tomorrow', -5]) {
        await refused('POST', '/v1/payments', { json: valid({ expiredTimestamp }) }, 400, PARAM, /expiredTimestamp/);
      }
      await refused(
        'POST',
        '/v1/payments',
        { form: valid({ expiredTimestamp: String(now + 3) }) },
        400,
        PARAM,
        /expiredTimestamp: must be more than 10 seconds/,
      );
    });

    it('refuses other malformed fields, naming each', async () => {
      const cases: [Record<string, unknown>, number, RegExp][] = [
        [{ payeeId: undefined }, PARAM, /payeeId: is required/],
        [{ payeeId: 'payee 1' }, PARAM, /payeeId: must be letters, digits and dashes/],
        [{ quoteAssetId: 'doge' }, 10003, /quoteAssetId: doge is not a supported quote asset/],
        [{ paymentAssetId: 'usd' }, 10002, /paymentAssetId: usd is not a supported payment asset/],
        [{ paymentAssetId: undefined }, PARAM, /paymentAssetId: is required/],
        [{ settlementAssetId: undefined }, PARAM, /settlementAssetId: is required/],
        [{ strictMode: true, settlementAssetId: 'doge' }, 10002, /settlementAssetId: doge cannot be settled in/],
        [{ strictMode: 'yes' }, PARAM, /strictMode/],
        [{ remark: 'r'.repeat(51) }, PARAM, /remark: must be at most 50 characters/],
        [{ settlementMemo: 'm'.repeat(201) }, PARAM, /settlementMemo: must be at most 200 characters/],
        [{ callbackUrl: 42 }, PARAM, /callbackUrl/],
      ];
      for (const [overrides, code, message] of cases) {
        await refused('POST', '/v1/payments', { json: valid(overrides) }, 400, code, message);
      }
    });

    it('refuses a form body with a repeated field', async () => {
      const before = await snapshot(gw);
      const res = await call(gw, 'POST', '/v1/payments', {
        raw: `${new URLSearchParams(valid() as Record<string, string>).toString()}&quoteAmount=1000`,
        contentType: 'application/x-www-form-urlencoded',
      });
      expectError(res, 400, PARAM, /quoteAmount/);
      expect(await snapshot(gw)).toEqual(before);
    });

    it('refuses malformed JSON, an empty JSON body (no parameters) and a JSON body that is not an object', async () => {
      await refused(
        'POST',
        '/v1/payments',
        { raw: '{"payeeId": "payee-1", ', contentType: 'application/json' },
        400,
        PARAM,
        /JSON/i,
      );
      await refused(
        'POST',
        '/v1/payments',
        { raw: '', contentType: 'application/json' },
        400,
        PARAM,
        /payeeId: is required/,
      );
      await refused('POST', '/v1/payments', { json: ['payee-1'] }, 400, PARAM, /expected object/i);
      await refused('POST', '/v1/payments', { json: 'payee-1' }, 400, PARAM, /expected object/i);
      await refused('POST', '/v1/payments', { raw: 'null', contentType: 'application/json' }, 400, PARAM, /payeeId/);
    });

    it('refuses a JSON body that tries prototype poisoning', async () => {
      await refused(
        'POST',
        '/v1/payments',
        { raw: `{"__proto__": {"quoteAmount": "1"}, "payeeId": "payee-1"}`, contentType: 'application/json' },
        400,
        PARAM,
        /not valid JSON/,
      );
    });

    it('refuses a text/plain body (415)', async () => {
      await refused(
        'POST',
        '/v1/payments',
        { raw: JSON.stringify(valid()), contentType: 'text/plain' },
        415,
        PARAM,
        /content-type: text\/plain is not supported; send application\/json or application\/x-www-form-urlencoded/,
      );
      await refused(
        'POST',
        '/v1/one_time_payment',
        { raw: 'payeeId=payee-1', contentType: 'multipart/form-data; boundary=x' },
        415,
        PARAM,
        /content-type: multipart\/form-data; boundary=x is not supported/,
      );
    });

    it('refuses a body without a content-type (415)', async () => {
      await refused(
        'POST',
        '/v1/payments',
        { raw: 'payeeId=payee-1' },
        415,
        PARAM,
        /content-type: \(none\) is not supported/,
      );
    });

    it('accepts a JSON body with a charset parameter', async () => {
      const created = expectOk(
        await call(gw, 'POST', '/v1/payments', {
          raw: JSON.stringify(valid({ orderId: 'order-charset-1' })),
          contentType: 'application/json; charset=utf-8',
        }),
      );
      expect(created.orderId).toBe('order-charset-1');
    });

    it('makes one payment of concurrent identical creates: every one answers it (a refresh)', async () => {
      const body = valid({ orderId: 'order-race-1' });
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => call(gw, 'POST', '/v1/payments', { json: body })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(new Set(answers.map((a) => a.body.data.traceId)).size).toBe(1);
      const list = expectOk(await call(gw, 'GET', '/admin/payments?search=order-race-1'));
      expect(list.payments).toHaveLength(1);
    });

    it('lets exactly one of concurrent creates with the same orderId and different terms through', async () => {
      const answers = await Promise.all(
        ['1', '2', '3', '4'].map((quoteAmount) =>
          call(gw, 'POST', '/v1/payments', { json: valid({ orderId: 'order-race-2', quoteAmount }) }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400]);
      for (const a of answers.filter((x) => x.status === 400)) expectError(a, 400, PARAM, /quoteAmount: differs/);
      const list = expectOk(await call(gw, 'GET', '/admin/payments?search=order-race-2'));
      expect(list.payments).toHaveLength(1);
    });

    it('refuses a body over 64 KiB (413), JSON or form', async () => {
      const big = 'x'.repeat(65 * 1024);
      await refused('POST', '/v1/payments', { json: valid({ remark: big }) }, 413, PARAM, /too large/i);
      await refused('POST', '/v1/one_time_payment', { form: valid({ remark: big }) }, 413, PARAM, /too large/i);
    });
  });

  describe('reading results', () => {
    it('answers 404 for an unknown traceId on payments_result and payments_info', async () => {
      const ghost = randomUUID();
      for (const url of [
        `/v1/payments_result?traceId=${ghost}`,
        `/v1/payments_result?traceId=${ghost}&with=payment,transactions`,
        `/v1/payments_info?traceId=${ghost}`,
      ]) {
        await refused('GET', url, {}, 404, NOT_FOUND, new RegExp(`payment with traceId ${ghost} does not exist`));
      }
      await refused(
        'GET',
        '/v1/payments_result?orderId=order-ghost-1&payeeId=payee-1',
        {},
        404,
        NOT_FOUND,
        /payment with orderId order-ghost-1 for payee payee-1 does not exist/,
      );
      await refused(
        'GET',
        '/v1/payments_info?code=no-such-code',
        {},
        404,
        NOT_FOUND,
        /one-time payment code no-such-code does not exist/,
      );
    });

    it('refuses malformed lookups, naming the parameter', async () => {
      const cases: [string, RegExp][] = [
        ['/v1/payments_result', /traceId: traceId, or orderId with payeeId, is required/],
        [`/v1/payments_result?orderId=${unpaid.orderId}`, /traceId: traceId, or orderId with payeeId, is required/],
        ['/v1/payments_result?traceId=abc', /traceId: must be a UUID/],
        [`/v1/payments_result?traceId=${unpaid.traceId}&with=payments`, /with: unknown value payments/],
        [`/v1/payments_result?traceId=${unpaid.traceId}&traceId=${confirming.traceId}`, /traceId/],
        ['/v1/payments_result?orderId=bad!&payeeId=payee-1', /orderId: must be 6-36/],
        ['/v1/payments_info', /traceId: traceId is required/],
        ['/v1/payments_info?traceId=123', /traceId: must be a UUID/],
      ];
      for (const [url, message] of cases) await refused('GET', url, {}, 400, PARAM, message);
    });

    it("answers a malformed or overlong URL with the envelope, not Fastify's own JSON", async () => {
      await refused('GET', '/admin/payments/%E0%A4%A', {}, 400, PARAM, /is not a valid url component/);
      await refused(
        'POST',
        `/v1/sandbox/transfers/${'a'.repeat(300)}/confirmations`,
        { json: { confirmations: 1 } },
        414,
        PARAM,
        /is exceeding the max param length/,
      );
      // Bad percent-encoding in a query reaches validation, which names the parameter.
      await refused('GET', '/v1/payments_result?traceId=%E0%A4%A', {}, 400, PARAM, /traceId: must be a UUID/);
    });

    it('answers an unknown route with a 404 envelope', async () => {
      await refused('GET', '/v1/nope', {}, 404, NOT_FOUND, /no route for GET \/v1\/nope/);
      await refused('POST', '/v1/payments_result', { json: {} }, 404, NOT_FOUND, /no route for POST/);
      await refused('GET', '/v1/payments', {}, 404, NOT_FOUND, /no route for GET \/v1\/payments$/);
    });
  });

  describe('sandbox transfers', () => {
    it('refuses a txid already received, on the same payment or another', async () => {
      for (const traceId of [confirming.traceId, unpaid.traceId]) {
        await refused(
          'POST',
          '/v1/sandbox/transfers',
          { json: { traceId, txid: confirming.txid } },
          409,
          PARAM,
          new RegExp(`txid ${confirming.txid} was already received`),
        );
      }
    });

    it('refuses confirmations going down, and malformed confirmations', async () => {
      const url = `/v1/sandbox/transfers/${confirming.txid}/confirmations`;
      expectOk(
        await call(gw, 'POST', '/v1/sandbox/transfers', {
          json: { traceId: unpaid.traceId, txid: 'tx-down-1', amount: '5' },
        }),
      );
      // tx-down-1 underpaid a single-pay payment: failed; its confirmations still only go up.
      expectOk(await call(gw, 'POST', '/v1/sandbox/transfers/tx-down-1/confirmations', { json: { confirmations: 3 } }));
      await refused(
        'POST',
        '/v1/sandbox/transfers/tx-down-1/confirmations',
        { json: { confirmations: 2 } },
        400,
        PARAM,
        /confirmations cannot go down \(has 3, got 2\)/,
      );
      for (const confirmations of [-1, 1.5, '1', null]) {
        await refused('POST', url, { json: { confirmations } }, 400, PARAM, /confirmations/);
      }
      await refused('POST', url, { json: {} }, 400, PARAM, /confirmations: is required/);
      await refused(
        'POST',
        '/v1/sandbox/transfers/no-such-tx/confirmations',
        { json: { confirmations: 1 } },
        404,
        NOT_FOUND,
        /transfer no-such-tx does not exist/,
      );
    });

    it('refuses malformed transfers, naming the field', async () => {
      const cases: [Record<string, unknown>, number, number, RegExp][] = [
        [{}, 400, PARAM, /traceId: traceId, code or destination is required/],
        [{ destination: '0xnowhere' }, 404, NOT_FOUND, /no on-chain payment is paid to 0xnowhere/],
        [{ traceId: 'abc' }, 400, PARAM, /traceId: must be a UUID/],
        [{ traceId: randomUUID() }, 404, NOT_FOUND, /does not exist/],
        [{ code: 'no-such-code' }, 404, NOT_FOUND, /one-time payment code no-such-code does not exist/],
        [{ traceId: unpaid.traceId, amount: '0' }, 400, PARAM, /amount: must be a positive decimal/],
        [{ traceId: unpaid.traceId, amount: -1 }, 400, PARAM, /amount: must be a positive decimal/],
        [{ traceId: unpaid.traceId, assetId: 'doge' }, 400, PARAM, /assetId: doge is not a supported payment asset/],
        [{ traceId: unpaid.traceId, assetId: 'usd' }, 400, PARAM, /assetId: usd is not a supported payment asset/],
        [{ traceId: unpaid.traceId, confirmations: -2 }, 400, PARAM, /confirmations/],
        [{ traceId: unpaid.traceId, txid: 'bad txid!' }, 400, PARAM, /txid: must be letters, digits and _.:-/],
      ];
      for (const [json, status, code, message] of cases) {
        await refused('POST', '/v1/sandbox/transfers', { json }, status, code, message);
      }
    });

    it('refuses timers of malformed or unknown payments', async () => {
      const ghost = randomUUID();
      for (const action of ['expire', 'settle']) {
        await refused('POST', `/v1/sandbox/payments/abc/${action}`, {}, 400, PARAM, /traceId: must be a UUID/);
        await refused(
          'POST',
          `/v1/sandbox/payments/${ghost}/${action}`,
          {},
          404,
          NOT_FOUND,
          new RegExp(`payment with traceId ${ghost} does not exist`),
        );
      }
    });
  });

  describe('admin input', () => {
    it('refuses malformed admin queries', async () => {
      const cases: [string, number, RegExp][] = [
        ['/admin/payments?status=paid', PARAM, /status/],
        ['/admin/payments?deliveryState=done', PARAM, /deliveryState/],
        ['/admin/payments?limit=0', PARAM, /limit/],
        ['/admin/payments?limit=501', PARAM, /limit/],
        ['/admin/payments?limit=ten', PARAM, /limit/],
        ['/admin/payments?before=yesterday', PARAM, /before: must be <createdAt>:<traceId>/],
        ['/admin/payments/abc', PARAM, /traceId: must be a UUID/],
        ['/admin/deliveries?state=done', PARAM, /state/],
      ];
      for (const [url, code, message] of cases) await refused('GET', url, {}, 400, code, message);
      await refused('GET', `/admin/payments/${randomUUID()}`, {}, 404, NOT_FOUND, /does not exist/);
      await refused('GET', '/admin/deliveries/nope', {}, 404, NOT_FOUND, /delivery nope does not exist/);
      await refused('POST', '/admin/deliveries/nope/redeliver', { json: {} }, 404, NOT_FOUND, /delivery nope/);
    });
  });
});

describe('production mode', () => {
  beforeEach(async () => {
    gw = await startTestGateway({
      PAYHOOK_MODE: 'production',
      PAYHOOK_ADMIN_TOKEN: TOKEN,
      PAYHOOK_SETTLE_DELAY: '3600',
    });
    const a = await gw.createPayment({ orderId: 'order-prod-1', callbackUrl: 'https://shop.example/cb' });
    unpaid = { traceId: a.traceId, orderId: 'order-prod-1' };
  });

  afterEach(async () => {
    await gw.close();
  });

  for (const callbackUrl of ['http://shop.example/cb', 'http://127.0.0.1:8080/cb', 'http://localhost/cb']) {
    it(`refuses the non-HTTPS callbackUrl ${callbackUrl}`, async () => {
      for (const route of ['/v1/payments', '/v1/one_time_payment']) {
        for (const body of [{ json: valid({ callbackUrl }) }, { form: valid({ callbackUrl }) }]) {
          await refused('POST', route, body, 400, PARAM, /callbackUrl: only HTTPS is supported/, TOKEN);
        }
      }
    });
  }

  it('serves no sandbox routes (404)', async () => {
    const routes: [string, CallOptions][] = [
      ['/v1/sandbox/transfers', { json: { traceId: unpaid.traceId } }],
      [`/v1/sandbox/payments/${unpaid.traceId}/expire`, {}],
      [`/v1/sandbox/payments/${unpaid.traceId}/settle`, {}],
      ['/v1/sandbox/transfers/tx-1/confirmations', { json: { confirmations: 1 } }],
    ];
    for (const [url, options] of routes) {
      for (const token of [undefined, TOKEN]) {
        await refused(
          'POST',
          url,
          { ...options, ...(token ? { token } : {}) },
          404,
          NOT_FOUND,
          /no route for POST/,
          TOKEN,
        );
      }
    }
    await refused('GET', '/v1/sandbox/assets', { token: TOKEN }, 404, NOT_FOUND, /no route for GET/, TOKEN);
    expect((await call(gw, 'GET', `/v1/payments_result?traceId=${unpaid.traceId}`)).body.data.status).toBe('unpaid');
  });

  it('requires the admin bearer token on admin routes (401 without)', async () => {
    const message = /Authorization: Bearer/;
    for (const url of ['/admin/payments', `/admin/payments/${unpaid.traceId}`, '/admin/deliveries', '/admin/stats']) {
      await refused('GET', url, {}, 401, 2000, message, TOKEN);
      await refused('GET', url, { token: 'wrong-token-0123456789' }, 401, 2000, message, TOKEN);
      await refused('GET', url, { headers: { authorization: TOKEN } }, 401, 2000, message, TOKEN);
      await refused('GET', url, { headers: { authorization: `Basic ${TOKEN}` } }, 401, 2000, message, TOKEN);
      expectOk(await call(gw, 'GET', url, { token: TOKEN }));
    }
    await refused('POST', '/admin/deliveries/x/redeliver', { json: {} }, 401, 2000, message, TOKEN);
    const list = expectOk(await call(gw, 'GET', '/admin/payments', { token: TOKEN }));
    expect(list.payments.map((p: { traceId: string }) => p.traceId)).toEqual([unpaid.traceId]);
  });

  it('serves the public API without a token', async () => {
    const created = expectOk(
      await call(gw, 'POST', '/v1/payments', { json: valid({ callbackUrl: 'https://a.example/cb' }) }),
    );
    expect(expectOk(await call(gw, 'GET', `/v1/payments_result?traceId=${created.traceId}`)).status).toBe('unpaid');
    expect(expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${created.traceId}`)).traceId).toBe(
      created.traceId,
    );
  });
});

// The request forms MixPay's docs, its Go SDKs (pandodao/mixpay-go, 24h-purewater/mixpay-sdk-go),
// its JS SDK's older versions and its WooCommerce plugin send, replayed byte for byte against a
// real gateway (shared/MIXPAY-API.md §11.1 and §11.2), each checked against MixPay's documented
// answer. What stays refused answers the envelope with data [] and a non-2xx status.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { paymentBody } from '../../../test-support/fixtures.js';
import { ManualClock } from '../src/clock.js';
import { call, expectError, expectOk, expectPaymentShape, expectResultShape, newOrderId } from './helpers/api.js';
import { closeTestServers, startTestGateway, type TestGateway, USDT_ID } from './helpers/gateway.js';

const BTC_ID = 'c6d0c728-2624-429b-8e0d-d9d19b6592fa';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PAYEE = 'a0d77914-0877-6b47-eb1d-d3f94ed15d6a';
/** The same payee as the legacy docs spell it: 32 hex digits, no dashes. */
const PAYEE_UNDASHED = 'a0d7791408776b47eb1dd3f94ed15d6a';
const PARAM = 10011;

let gw: TestGateway;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
  gw = await startTestGateway({ PAYHOOK_SETTLE_DELAY: '3600' }, { clock }, { listen: false });
});

afterEach(closeTestServers);

/** A raw form body, exactly as written (PHP's and Go's encoders, un-encoded where they leave it). */
const form = (body: string) => ({ raw: body, contentType: 'application/x-www-form-urlencoded' });
const json = (body: string, contentType = 'application/json;charset=UTF-8') => ({ raw: body, contentType });
const stored = async (traceId: string) => expectOk(await call(gw, 'GET', `/admin/payments/${traceId}`)).payment;

describe('POST /v1/payments (§11.2 a–h)', () => {
  it("(a) the docs' Mixin form: payeeId, orderId, assets, quoteAssetId=usd, quoteAmount", async () => {
    const orderId = newOrderId('doc-a');
    const data = expectPaymentShape(
      expectOk(
        await call(gw, 'POST', '/v1/payments', {
          ...form(
            `payeeId=${PAYEE}&orderId=${orderId}&paymentAssetId=${USDT_ID}&settlementAssetId=${USDT_ID}&quoteAssetId=usd&quoteAmount=10`,
          ),
        }),
      ),
    );
    expect(data).toMatchObject({ isChain: false, orderId, payeeId: PAYEE, quoteAmount: '10', paymentAmount: '10' });
    expect(data.traceId).toMatch(UUID);
    expect(data.clientId).toMatch(UUID);
  });

  it("(b) the docs' on-chain form: isChain=1 and neither orderId nor traceId (one is generated)", async () => {
    const data = expectPaymentShape(
      expectOk(
        await call(gw, 'POST', '/v1/payments', {
          ...form(
            `payeeId=${PAYEE}&paymentAssetId=${BTC_ID}&settlementAssetId=${BTC_ID}&quoteAssetId=usd&quoteAmount=10&isChain=1`,
          ),
        }),
      ),
    );
    expect(data).toMatchObject({ isChain: true, orderId: '', memo: '', recipient: '', tag: '' });
    expect(data.traceId).toMatch(UUID);
    expect(data.destination).toMatch(/^bc1q/);
    // 15 minutes of tolerate period, by default.
    expect(data).toMatchObject({ seconds: 900, expire: clock.now() / 1000 + 900 });
  });

  it('(c) form with traceId, quoteAmount "0.1", remark and isChain="1"', async () => {
    const traceId = randomUUID();
    const data = expectOk(
      await call(gw, 'POST', '/v1/payments', {
        ...form(
          `payeeId=${PAYEE}&traceId=${traceId}&paymentAssetId=${USDT_ID}&settlementAssetId=${USDT_ID}&quoteAssetId=usd&quoteAmount=0.1&remark=hello&isChain=%221%22`.replace(
            '%221%22',
            '1',
          ),
        ),
      }),
    );
    expect(data).toMatchObject({ traceId, isChain: true, quoteAmount: '0.1' });
    expect(data.destination).toMatch(/^0x[0-9a-f]{40}$/);
    expect(await stored(traceId)).toMatchObject({ remark: 'hello', isChain: true, destination: data.destination });
  });

  it("(d) JS v1's JSON: the full default object with empty strings, expireSeconds 90, settlementMethod mixin", async () => {
    const clientId = randomUUID();
    const body = {
      payeeId: PAYEE,
      orderId: newOrderId('js1'),
      traceId: '',
      clientId,
      paymentAssetId: USDT_ID,
      settlementAssetId: USDT_ID,
      quoteAssetId: 'usd',
      quoteAmount: '5',
      remark: '',
      note: '',
      settlementMemo: '',
      returnTo: '',
      failedReturnTo: '',
      callbackUrl: '',
      expiredTimestamp: '',
      expireSeconds: 90,
      settlementMethod: 'mixin',
      strictMode: false,
      isChain: false,
    };
    const data = expectPaymentShape(expectOk(await call(gw, 'POST', '/v1/payments', json(JSON.stringify(body)))));
    expect(data).toMatchObject({ clientId, orderId: body.orderId, quoteAmount: '5' });
    expect(await stored(data.traceId)).toMatchObject({ callbackUrl: null, remark: null, expireAt: null });
  });

  it("(e) JS v2's JSON: a client-made traceId, orderId and callbackUrl; null meaning absent", async () => {
    const traceId = randomUUID();
    const body = {
      payeeId: PAYEE,
      orderId: newOrderId('js2'),
      traceId,
      paymentAssetId: USDT_ID,
      settlementAssetId: USDT_ID,
      quoteAssetId: 'usd',
      quoteAmount: '7',
      callbackUrl: 'https://shop.example/mixpay',
      remark: null,
      settlementMethod: 'mixin',
    };
    const data = expectOk(await call(gw, 'POST', '/v1/payments', json(JSON.stringify(body))));
    expect(data.traceId).toBe(traceId);
    expect(await stored(traceId)).toMatchObject({ callbackUrl: 'https://shop.example/mixpay' });
  });

  it("(f) JS v3's JSON: isChain a boolean, linkId 0, amounts as JSON numbers with trailing zeros kept exact", async () => {
    const body = `{"payeeId":"${PAYEE}","orderId":"${newOrderId('js3')}","paymentAssetId":"${USDT_ID}","settlementAssetId":"${USDT_ID}","quoteAssetId":"usd","quoteAmount":10.10,"isChain":false,"linkId":0}`;
    const data = expectOk(await call(gw, 'POST', '/v1/payments', json(body)));
    expect(data).toMatchObject({ isChain: false, quoteAmount: '10.10', paymentAmount: '10.1' });
    // A number no float can hold reaches the amount digit for digit.
    const exact = `{"payeeId":"${PAYEE}","orderId":"${newOrderId('js3')}","paymentAssetId":"${USDT_ID}","settlementAssetId":"${USDT_ID}","quoteAssetId":"usd","quoteAmount":12345678901234567.25}`;
    expect(expectOk(await call(gw, 'POST', '/v1/payments', json(exact))).quoteAmount).toBe('12345678901234567.25');
  });

  it("(g) the 24h-purewater Go SDK's JSON: strings only, paymentAmount without quoteAmount", async () => {
    const body = {
      payeeId: PAYEE,
      orderId: newOrderId('hg'),
      paymentAssetId: BTC_ID,
      settlementAssetId: USDT_ID,
      quoteAssetId: 'usd',
      paymentAmount: '0.0005',
      isChain: 'false',
      strictMode: 'false',
      expireSeconds: '0',
    };
    const data = expectPaymentShape(expectOk(await call(gw, 'POST', '/v1/payments', json(JSON.stringify(body)))));
    // paymentAmount wins; the quote is what it is worth.
    expect(data).toMatchObject({ paymentAmount: '0.0005', quoteAmount: '30', quoteAssetId: 'usd' });
  });

  it('paymentAmount wins over quoteAmount when both are sent', async () => {
    const data = expectOk(
      await call(gw, 'POST', '/v1/payments', {
        json: paymentBody({
          payeeId: PAYEE,
          orderId: newOrderId('both'),
          quoteAmount: '999',
          paymentAmount: '4',
        }),
      }),
    );
    expect(data).toMatchObject({ paymentAmount: '4', quoteAmount: '4' });
  });

  it('(h) a repeat of the request refreshes the payment: same traceId, a new quote window', async () => {
    const traceId = randomUUID();
    const body = `payeeId=${PAYEE}&traceId=${traceId}&paymentAssetId=${BTC_ID}&settlementAssetId=${USDT_ID}&quoteAssetId=usd&quoteAmount=10&isChain=1`;
    const first = expectOk(await call(gw, 'POST', '/v1/payments', form(body)));
    clock.advance(600_000);
    const info = expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${traceId}`));
    expect(info).toMatchObject({ expire: first.expire, seconds: 300 });
    clock.advance(400_000); // the window has closed
    expect(expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${traceId}`)).seconds).toBe(0);
    const again = expectOk(await call(gw, 'POST', '/v1/payments', form(body)));
    expect(again).toMatchObject({ traceId, destination: first.destination, seconds: 900 });
    expect(again.expire).toBe(first.expire + 1000);
    // By orderId too, for a payment made without a traceId.
    const orderId = newOrderId('again');
    const byOrder = `payeeId=${PAYEE}&orderId=${orderId}&paymentAssetId=${USDT_ID}&settlementAssetId=${USDT_ID}&quoteAssetId=usd&quoteAmount=10.00`;
    const a = expectOk(await call(gw, 'POST', '/v1/payments', form(byOrder)));
    clock.advance(1_000);
    const b = expectOk(await call(gw, 'POST', '/v1/payments', form(byOrder.replace('10.00', '10'))));
    expect(b.traceId).toBe(a.traceId);
    expect(b.expire).toBe(a.expire + 1);
    const list = expectOk(await call(gw, 'GET', `/admin/payments?search=${orderId}`));
    expect(list.payments).toHaveLength(1);
    // Other terms under the same orderId: a parameter error naming the term.
    expectError(
      await call(gw, 'POST', '/v1/payments', form(byOrder.replace('10.00', '11'))),
      400,
      PARAM,
      /^quoteAmount: differs from the payment already created/,
    );
  });

  it('takes parameters from the query string of a POST too, with the body winning', async () => {
    const orderId = newOrderId('query');
    const data = expectOk(
      await call(
        gw,
        'POST',
        `/v1/payments?payeeId=${PAYEE}&orderId=${orderId}&quoteAmount=1&quoteAssetId=usd&paymentAssetId=${USDT_ID}`,
        form(`settlementAssetId=${USDT_ID}&quoteAmount=2`),
      ),
    );
    expect(data).toMatchObject({ orderId, quoteAmount: '2' });
  });

  it('normalises undashed and upper-case UUIDs and upper-case fiat codes', async () => {
    const data = expectOk(
      await call(gw, 'POST', '/v1/payments', {
        json: {
          payeeId: PAYEE_UNDASHED,
          orderId: newOrderId('case'),
          paymentAssetId: USDT_ID.toUpperCase(),
          settlementAssetId: USDT_ID.replaceAll('-', ''),
          quoteAssetId: 'USD',
          quoteAmount: '1',
        },
      }),
    );
    expect(data).toMatchObject({
      payeeId: PAYEE,
      paymentAssetId: USDT_ID,
      settlementAssetId: USDT_ID,
      quoteAssetId: 'usd',
    });
  });

  it('accepts callbackEvent naming success and fail (always sent) next to settle', async () => {
    const body = paymentBody({
      payeeId: PAYEE,
      orderId: newOrderId('events'),
      quoteAmount: '1',
      callbackEvent: 'success|fail|settle',
      callbackUrl: 'https://shop.example/cb',
    });
    const data = expectOk(await call(gw, 'POST', '/v1/payments', { form: body }));
    expect(await stored(data.traceId)).toMatchObject({ callbackEvents: ['settle'] });
  });

  it('still refuses what it cannot take, in the envelope with data [] and the field named', async () => {
    const base = `payeeId=${PAYEE}&paymentAssetId=${USDT_ID}&settlementAssetId=${USDT_ID}&quoteAssetId=usd`;
    const before = expectOk(await call(gw, 'GET', '/admin/payments')).payments;
    expectError(await call(gw, 'POST', '/v1/payments', form(base)), 400, PARAM, /quoteAmount: is required/);
    expectError(
      await call(gw, 'POST', '/v1/payments', form(`${base}&quoteAmount=1&isChain=maybe`)),
      400,
      PARAM,
      /isChain/,
    );
    expectError(
      await call(
        gw,
        'POST',
        '/v1/payments',
        form(`${base}&quoteAmount=1&isChain=1`.replace(USDT_ID, '31d2ea9c-95eb-3355-b65b-ba096853bc18')),
      ),
      400,
      10002,
      /isChain: pUSD cannot be paid on-chain/,
    );
    expectError(await call(gw, 'POST', '/v1/payments', json('{"quoteAmount": 1e400}')), 400, PARAM, /quoteAmount/);
    expect(expectOk(await call(gw, 'GET', '/admin/payments')).payments).toEqual(before);
  });
});

describe('POST /v1/one_time_payment (§11.2)', () => {
  it("(a) the docs' form with the removed isTemp=1 and no orderId or traceId: a code is generated", async () => {
    const data = expectOk(
      await call(gw, 'POST', '/v1/one_time_payment', {
        ...form(`payeeId=${PAYEE}&quoteAmount=1&quoteAssetId=usd&settlementAssetId=${USDT_ID}&isTemp=1`),
      }),
    );
    expect(data.code).toMatch(UUID);
    expect(await stored(data.code)).toMatchObject({ traceId: data.code, kind: 'one_time' });
  });

  it("(b) pandodao/mixpay-go's form: every field sent, some empty (orderId= next to a traceId), strictMode=true", async () => {
    const traceId = randomUUID();
    const data = expectOk(
      await call(gw, 'POST', '/v1/one_time_payment', {
        ...form(
          `payeeId=${PAYEE}&quoteAmount=2.5&quoteAssetId=usd&settlementAssetId=${USDT_ID}&orderId=&traceId=${traceId}&strictMode=true&expireSeconds=3600&settlementMemo=&returnTo=&failedReturnTo=&callbackUrl=&expiredTimestamp=`,
        ),
      }),
    );
    // The given traceId becomes the code.
    expect(data.code).toBe(traceId);
    expect(await stored(traceId)).toMatchObject({ orderId: null, strictMode: true, quoteAmount: '2.5' });
  });

  it("(c) the WooCommerce plugin's form: isTemp, tagname, cancelUrl, from, 8-dp amount, eur, an http ?wc-api= callback", async () => {
    const orderId = newOrderId('wc');
    const callbackUrl = 'http://127.0.0.1:8080/?wc-api=wc_gateway_mixpay';
    const data = expectOk(
      await call(gw, 'POST', '/v1/one_time_payment', {
        form: {
          payeeId: PAYEE,
          orderId,
          quoteAmount: '12.50000000',
          quoteAssetId: 'eur',
          settlementAssetId: USDT_ID,
          isTemp: '1',
          tagname: 'My Store',
          cancelUrl: 'http://127.0.0.1:8080/cart/?cancel_order=true',
          from: 'wp-woocommerce',
          returnTo: 'http://127.0.0.1:8080/checkout/order-received/',
          callbackUrl,
        },
      }),
    );
    expect(await stored(data.code)).toMatchObject({
      orderId,
      quoteAmount: '12.50000000',
      quoteAssetId: 'eur',
      callbackUrl,
    });
    // WOO polls by orderId and payeeId, not URL-encoded.
    const result = expectResultShape(
      expectOk(await call(gw, 'GET', `/v1/payments_result?orderId=${orderId}&payeeId=${PAYEE}`)),
    );
    expect(result).toMatchObject({
      status: 'unpaid',
      quoteAmount: '12.50000000',
      quoteSymbol: 'EUR',
      quoteAssetId: 'eur',
    });
  });

  it("(d) JS v3's JSON: isTemp true, expireSeconds a number, origin and linkId", async () => {
    const traceId = randomUUID();
    const body = `{"payeeId":"${PAYEE}","quoteAmount":"9","quoteAssetId":"usd","settlementAssetId":"${USDT_ID}","traceId":"${traceId}","isTemp":true,"expireSeconds":600,"origin":"https://shop.example","linkId":"7"}`;
    const data = expectOk(await call(gw, 'POST', '/v1/one_time_payment', json(body)));
    expect(data).toEqual({ code: traceId, paymentUrl: expect.stringMatching(new RegExp(`/code/${traceId}$`)) });
  });

  it('re-sending it answers the same code; the code opens /code/{code}, payments_info and payments_result', async () => {
    const body = `payeeId=${PAYEE}&quoteAmount=3&quoteAssetId=usd&settlementAssetId=${USDT_ID}&paymentAssetId=${USDT_ID}&orderId=${newOrderId('otp')}`;
    const first = expectOk(await call(gw, 'POST', '/v1/one_time_payment', form(body)));
    const second = expectOk(await call(gw, 'POST', '/v1/one_time_payment', form(body)));
    expect(second.code).toBe(first.code);
    expect(
      expectOk(await call(gw, 'GET', `/code/${first.code}`, { headers: { accept: 'application/json' } })).traceId,
    ).toBe(first.code);
    expect(expectOk(await call(gw, 'GET', `/v1/payments_info?traceId=${first.code}`)).traceId).toBe(first.code);
    expect(expectOk(await call(gw, 'GET', `/v1/payments_result?traceId=${first.code}`)).traceId).toBe(first.code);
  });
});

describe('POST /v1/payments/refresh (§3.2)', () => {
  it('takes traceId from a form, JSON or the query; a one-time code is a traceId', async () => {
    const created = expectOk(
      await call(gw, 'POST', '/v1/one_time_payment', {
        json: {
          payeeId: PAYEE,
          quoteAmount: '1',
          quoteAssetId: 'usd',
          settlementAssetId: USDT_ID,
          paymentAssetId: BTC_ID,
        },
      }),
    );
    const clientId = randomUUID();
    for (const [i, options] of [
      form(`traceId=${created.code}&clientId=${clientId}`),
      json(JSON.stringify({ traceId: created.code, clientId })),
      {},
    ].entries()) {
      clock.advance(10_000);
      const url = i === 2 ? `/v1/payments/refresh?traceId=${created.code}` : '/v1/payments/refresh';
      const data = expectPaymentShape(expectOk(await call(gw, 'POST', url, options)));
      expect(data).toMatchObject({ traceId: created.code, seconds: 900, expire: clock.now() / 1000 + 900 });
    }
    expectError(await call(gw, 'POST', '/v1/payments/refresh', form('')), 400, PARAM, /traceId: is required/);
    expectError(
      await call(gw, 'POST', '/v1/payments/refresh', form(`traceId=${randomUUID()}`)),
      404,
      404,
      /does not exist/,
    );
  });
});

describe('GET /v1/payments_result and payments_info (§11.2)', () => {
  it('answers by ?traceId, ?orderId&payeeId, all three (PG), ?clientId&traceId (JS v2), and repeated with', async () => {
    const orderId = newOrderId('res');
    const created = await gw.createPayment({ payeeId: PAYEE, orderId });
    const traceId = created.traceId as string;
    const urls = [
      `/v1/payments_result?traceId=${traceId}`,
      `/v1/payments_result?orderId=${orderId}&payeeId=${PAYEE}`,
      `/v1/payments_result?traceId=${traceId}&orderId=${orderId}&payeeId=${PAYEE}`,
      `/v1/payments_result?clientId=${randomUUID()}&traceId=${traceId}`,
      `/v1/payments_result?traceId=${traceId.replaceAll('-', '').toUpperCase()}`,
    ];
    for (const url of urls) {
      const data = expectResultShape(expectOk(await call(gw, 'GET', url)));
      // Created but unpaid: "unpaid", not an error (JS v2 and HG depend on it).
      expect(data).toMatchObject({ traceId, status: 'unpaid', failureCode: '0', confirmations: -1 });
    }
    const both = expectOk(
      await call(gw, 'GET', `/v1/payments_result?traceId=${traceId}&with=payment&with=transactions`),
    );
    expectResultShape(both, ['payment', 'transactions']);
    // payments_info with and without clientId; a JSON content-type on a GET is harmless.
    for (const url of [
      `/v1/payments_info?traceId=${traceId}&clientId=${created.clientId}`,
      `/v1/payments_info?traceId=${traceId}`,
    ]) {
      const info = expectPaymentShape(
        expectOk(await call(gw, 'GET', url, { headers: { 'content-type': 'application/json' } })),
      );
      expect(info).toMatchObject({ traceId, clientId: created.clientId });
    }
  });
});

describe('the look-ups (§3.6–§3.12)', () => {
  it('payments_estimated in any parameter order, and with paymentAmount instead of quoteAmount (HG)', async () => {
    const a = expectOk(
      await call(
        gw,
        'GET',
        `/v1/payments_estimated?quoteAmount=10&quoteAssetId=usd&settlementAssetId=${USDT_ID}&paymentAssetId=${BTC_ID}`,
      ),
    );
    expect(a).toMatchObject({ paymentAmount: '0.00016667', quoteAmount: '10', paymentAssetSymbol: 'BTC' });
    for (const value of Object.values(a)) expect(typeof value).toBe('string');
    const b = expectOk(
      await call(
        gw,
        'GET',
        `/v1/payments_estimated?paymentAssetId=${BTC_ID}&settlementAssetId=${USDT_ID}&quoteAssetId=usd&paymentAmount=0.001`,
      ),
    );
    expect(b).toMatchObject({ paymentAmount: '0.001', quoteAmount: '60' });
    expectError(
      await call(
        gw,
        'GET',
        `/v1/payments_estimated?paymentAssetId=${BTC_ID}&settlementAssetId=${USDT_ID}&quoteAssetId=usd`,
      ),
      400,
      PARAM,
      /quoteAmount: is required/,
    );
  });

  it('the asset lists: no parameters, payeeId, and payeeId&quoteAssetId&quoteAmount (PG, WOO)', async () => {
    for (const list of ['payment_assets', 'quote_assets', 'settlement_assets']) {
      for (const query of [
        '',
        `?payeeId=${PAYEE}`,
        `?payeeId=${PAYEE}&quoteAssetId=usd&quoteAmount=10`,
        '?quoteAmount=10',
      ]) {
        const data = expectOk(await call(gw, 'GET', `/v1/setting/${list}${query}`));
        expect(Array.isArray(data), `${list}${query}`).toBe(true);
        expect(data.length).toBeGreaterThan(0);
      }
    }
    // The lists that take a quote refuse one the sandbox cannot price.
    for (const list of ['payment_assets', 'settlement_assets']) {
      expectError(
        await call(gw, 'GET', `/v1/setting/${list}?quoteAssetId=doge&quoteAmount=1`),
        400,
        10003,
        /quoteAssetId/,
      );
    }
  });

  it('mixin_uuid: a numeric Mixin id answers a stand-in payeeId; anything else is a parameter error', async () => {
    const data = expectOk(await call(gw, 'GET', '/v1/user/mixin_uuid/40053095'));
    expect(data).toEqual({ payeeId: expect.stringMatching(UUID) });
    expectError(await call(gw, 'GET', '/v1/user/mixin_uuid/bob'), 400, PARAM, /mixinId: must be a Mixin number/);
  });

  it('multisig: receivers[] repeated (docs), receivers[i] (WOO) and a JSON array name the same group', async () => {
    const members = [randomUUID(), randomUUID(), randomUUID()];
    const repeated = members.map((m) => `receivers[]=${m}`).join('&');
    const indexed = members.map((m, i) => `receivers[${i}]=${m}`).join('&');
    const a = expectOk(await call(gw, 'POST', '/v1/multisig', form(`${repeated}&threshold=2`)));
    const b = expectOk(await call(gw, 'POST', '/v1/multisig', form(`${indexed}&threshold=2`)));
    const c = expectOk(
      await call(gw, 'POST', '/v1/multisig', { json: { receivers: [...members].reverse(), threshold: 2 } }),
    );
    expect(a).toEqual({ multisigId: expect.stringMatching(UUID) });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(expectOk(await call(gw, 'POST', '/v1/multisig', form(`${repeated}&threshold=3`)))).not.toEqual(a);
    expectError(
      await call(gw, 'POST', '/v1/multisig', form(`${repeated}&threshold=4`)),
      400,
      10041,
      /threshold: 4 exceeds/,
    );
    expectError(
      await call(gw, 'POST', '/v1/multisig', form(`receivers[]=${members[0]}&receivers[]=${members[1]}&threshold=1`)),
      400,
      PARAM,
      /receivers: must name at least 3/,
    );
    expectError(await call(gw, 'POST', '/v1/multisig', form('threshold=1')), 400, PARAM, /receivers/);
  });
});

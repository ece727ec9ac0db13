// HTTP helpers for the API tests: requests with any body shape (JSON, form, raw text) and
// headers, the MixPay envelope checks, and a snapshot of everything a bad request must not change.
import { type PaymentResultData, paymentResultData } from '@payhook/protocol';
import { expect } from 'vitest';
import type { TestGateway } from './gateway.js';

/** MixPay's envelope as the tests read it; `data` is whatever the route answers. */
export interface ApiBody {
  code: number;
  success: boolean;
  message: string;
  data: any;
  timestampMs: number;
}

export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The parsed JSON answer; `undefined` when the answer was not JSON (always a test failure). */
  body: ApiBody;
  raw: string;
}

export interface CallOptions {
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`, every value URL-encoded. */
  form?: Record<string, string>;
  /** Sent as is, with `contentType`. */
  raw?: string;
  contentType?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

export async function call(
  gw: TestGateway,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: CallOptions = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(options.form).toString();
  } else if (options.raw !== undefined) {
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    payload = options.raw;
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const res = await gw.gateway.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  let body: ApiBody;
  try {
    body = JSON.parse(res.body) as ApiBody;
  } catch {
    body = undefined as unknown as ApiBody;
  }
  return { status: res.statusCode, headers: res.headers, body, raw: res.body } satisfies ApiAnswer;
}

/** A success answer in MixPay's envelope; returns its `data`. */
export function expectOk(res: ApiAnswer) {
  expect(res.status, res.raw).toBe(200);
  expect(res.body).toMatchObject({ code: 0, success: true, message: '' });
  expect(Number.isInteger(res.body.timestampMs)).toBe(true);
  expect(res.body.timestampMs).toBeGreaterThan(0);
  expect(res.body).toHaveProperty('data');
  return res.body.data;
}

/**
 * An error answer in MixPay's envelope: the HTTP status given (always 4xx), `success: false`,
 * the code given (never 0), and a message matching `message` (naming the field at fault).
 */
export function expectError(res: ApiAnswer, status: number, code: number, message: RegExp) {
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(res.status, res.raw).toBe(status);
  expect(res.body, res.raw).toBeDefined();
  expect(res.body.success).toBe(false);
  expect(res.body.code).not.toBe(0);
  expect(res.body.code).toBe(code);
  expect(typeof res.body.message).toBe('string');
  expect(res.body.message).toMatch(message);
  expect(Number.isInteger(res.body.timestampMs)).toBe(true);
  expect(res.body.data).toEqual([]);
}

/**
 * Everything a request could change: the admin payment list (with transfers and events of
 * each payment) and every payment's MixPay result with all its parts.
 */
export async function snapshot(gw: TestGateway, token?: string) {
  const opts = token === undefined ? {} : { token };
  const list = expectOk(await call(gw, 'GET', '/admin/payments?limit=500', opts));
  const payments = [];
  for (const p of list.payments as { traceId: string }[]) {
    const detail = expectOk(await call(gw, 'GET', `/admin/payments/${p.traceId}`, opts));
    const result = expectOk(
      await call(gw, 'GET', `/v1/payments_result?traceId=${p.traceId}&with=payment,transactions`, opts),
    );
    payments.push({
      payment: detail.payment,
      transfers: detail.transfers,
      events: detail.events.map((e: { type: string; id: string }) => ({ type: e.type, id: e.id })),
      result,
    });
  }
  return { list: list.payments, payments };
}

/** A fresh order id that satisfies MixPay's pattern. */
export function newOrderId(prefix = 'order'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 12)}`;
}

/** The fields SPEC section 4 requires in `data` of `payments_result`, with their JSON types. */
export const RESULT_FIELDS = {
  status: 'string',
  quoteAmount: 'string',
  quoteSymbol: 'string',
  quoteAssetId: 'string',
  paymentAmount: 'string',
  paymentSymbol: 'string',
  paymentAssetId: 'string',
  payeeId: 'string',
  txid: 'string',
  date: 'number',
  surplusAmount: 'string',
  surplusStatus: 'string',
  confirmations: 'number',
  payableAmount: 'string',
  failureCode: 'string',
  failureReason: 'string',
  returnTo: 'string',
  traceId: 'string',
  settleStatus: 'string',
  settleAmount: 'string',
  settleSymbol: 'string',
  settleAsset: 'string',
} as const;

/**
 * Checks `data` of `payments_result` against the protocol schema and, field by field, against
 * SPEC section 4; `include` says which optional parts must be present (and the others absent).
 */
export function expectResultShape(
  data: unknown,
  include: readonly ('payment' | 'transactions')[] = [],
): PaymentResultData {
  const parsed = paymentResultData.safeParse(data);
  expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
  const record = data as Record<string, unknown>;
  for (const [field, type] of Object.entries(RESULT_FIELDS)) {
    expect(record, `field ${field}`).toHaveProperty(field);
    expect(typeof record[field], `type of ${field}`).toBe(type);
  }
  expect(Number.isInteger(record.date)).toBe(true);
  expect(Number.isInteger(record.confirmations)).toBe(true);
  expect(record.confirmations as number).toBeGreaterThanOrEqual(-1);
  for (const amount of ['quoteAmount', 'surplusAmount']) {
    expect(record[amount], amount).toMatch(/^\d+(\.\d+)?$/);
  }
  if (include.includes('payment')) {
    const payment = record.payment as Record<string, unknown>;
    expect(payment, 'payment').toBeTypeOf('object');
    expect(typeof payment.isMultiPay).toBe('boolean');
    expect(typeof payment.isFullyPaid).toBe('boolean');
    expect(payment.totalTransactionsAmount).toMatch(/^\d+(\.\d+)?$/);
  } else {
    expect(record).not.toHaveProperty('payment');
  }
  if (include.includes('transactions')) {
    expect(Array.isArray(record.transactions)).toBe(true);
    for (const t of record.transactions as Record<string, unknown>[]) {
      expect(typeof t.txid).toBe('string');
      expect(t.amount).toMatch(/^\d+(\.\d+)?$/);
      expect(typeof t.assetId).toBe('string');
      expect(typeof t.symbol).toBe('string');
      expect(Number.isInteger(t.confirmations)).toBe(true);
      expect(Number.isInteger(t.date)).toBe(true);
    }
  } else {
    expect(record).not.toHaveProperty('transactions');
  }
  return parsed.data as PaymentResultData;
}

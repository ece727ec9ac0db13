// HTTP helpers for the API tests: requests with any body shape (JSON, form, raw text) and
// headers, the MixPay envelope checks, and a snapshot of everything a bad request must not change.
import { expect } from 'vitest';
import {
  type DocumentedFields,
  PAYMENT_INFO_FIELDS,
  PAYMENT_PROGRESS_FIELDS,
  PAYMENTS_RESULT_FIELDS,
  TRANSACTION_FIELDS,
} from '../../../protocol/test/mixpay-documented.js';
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

/** One request through the gateway's `inject` (no socket), with any body shape and headers. */
export async function call(
  gw: Pick<TestGateway, 'gateway'>,
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

export { newOrderId } from '../../../../test-support/fixtures.js';

/**
 * A documented table as `typeof` sees it: decimals travel as strings, integers as numbers. The
 * tables are transcribed from MixPay's docs once (protocol/test/mixpay-documented.ts).
 */
function jsonTypesOf(fields: DocumentedFields): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([field, type]) => {
      if (typeof type !== 'string') throw new Error(`${field}: one documented type expected`);
      return [field, type === 'decimal' ? 'string' : type === 'integer' ? 'number' : type];
    }),
  );
}

/** `data` of `payments_result` (MIXPAY-API.md §3.5), plus payhook's one named extension, `orderId`. */
export const RESULT_FIELDS = { ...jsonTypesOf(PAYMENTS_RESULT_FIELDS), orderId: 'string' };

/** `data` of `/payments`, `/payments/refresh` and `payments_info` (MIXPAY-API.md §3.1, §3.4). */
export const PAYMENT_FIELDS = { ...jsonTypesOf(PAYMENT_INFO_FIELDS), orderId: 'string' };

const DECIMAL = /^\d+(\.\d+)?$/;

/** Exactly `fields`, each with its JSON type: nothing missing, nothing invented. */
function expectExactly(
  record: Record<string, unknown>,
  fields: Record<string, string>,
  what: string,
  extra: string[] = [],
) {
  expect(Object.keys(record).sort(), `${what} fields`).toEqual([...Object.keys(fields), ...extra].sort());
  for (const [field, type] of Object.entries(fields)) expect(typeof record[field], `${what}.${field}`).toBe(type);
}

/**
 * Checks `data` of `payments_result` field by field against MixPay's documented answer;
 * `include` says which optional parts must be present (and the others absent).
 */
export function expectResultShape(data: unknown, include: readonly ('payment' | 'transactions')[] = []): any {
  const record = data as Record<string, unknown>;
  expectExactly(record, RESULT_FIELDS, 'result', [...include].sort());
  expect(Number.isInteger(record.date)).toBe(true);
  expect(Number.isInteger(record.confirmations)).toBe(true);
  expect(record.confirmations as number).toBeGreaterThanOrEqual(-1);
  expect(record.failureCode).toMatch(/^\d+$/);
  expect(record.payeeMixinNumber).toMatch(/^\d+$/);
  for (const amount of ['quoteAmount', 'surplusAmount']) expect(record[amount], amount).toMatch(DECIMAL);
  if (include.includes('payment')) {
    const payment = record.payment as Record<string, unknown>;
    expectExactly(payment, jsonTypesOf(PAYMENT_PROGRESS_FIELDS), 'payment');
    expect(payment.totalTransactionsAmount).toMatch(DECIMAL);
  }
  if (include.includes('transactions')) {
    expect(Array.isArray(record.transactions)).toBe(true);
    for (const t of record.transactions as Record<string, unknown>[]) {
      expectExactly(t, jsonTypesOf(TRANSACTION_FIELDS), 'transaction');
      expect(t.paymentAmount).toMatch(DECIMAL);
      expect(t.broadcastAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      for (const n of ['requiredConfirms', 'confirmations', 'confirmSeconds'])
        expect(Number.isInteger(t[n])).toBe(true);
    }
  }
  return data;
}

/** Checks `data` of `/payments`, `/payments/refresh` or `payments_info` against MixPay's documented answer. */
export function expectPaymentShape(data: unknown): any {
  const record = data as Record<string, unknown>;
  expectExactly(record, PAYMENT_FIELDS, 'payment');
  for (const n of ['expire', 'seconds']) expect(Number.isInteger(record[n]), n).toBe(true);
  if (record.isChain) {
    expect(record.memo).toBe('');
    expect(record.recipient).toBe('');
    expect(record.destination).not.toBe('');
  } else {
    expect(Buffer.from(record.memo as string, 'base64').toString()).toBe(`payment|${record.clientId}`);
    expect(record.recipient).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.destination).toBe('');
  }
  return data;
}

// `payhook trigger <event> [traceId]`: drives a sandbox payment to raise one event, creating
// the payment first when no traceId is given, then shows the callbacks it caused.
import { randomUUID } from 'node:crypto';
import {
  convertAmount,
  type DeliveryDetail,
  type PaymentDetail,
  type WireOneTimePayment,
  type WirePayment,
  type WirePaymentResult,
} from '@payhook/protocol';
import { resolveAsset } from '../assets.js';
import { awaitFirstAttempts } from '../await-deliveries.js';
import type { GatewayClient } from '../client.js';
import { RefusedError, UsageError } from '../errors.js';
import { count, deliveryOutcome, remainingOf, resultSummary } from '../format.js';
import type { Output } from '../output.js';
import { sendTransfer } from './pay.js';

export const TRIGGER_EVENTS = ['success', 'fail', 'pending', 'paid_less', 'settle'] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];
const OPTIONAL_EVENTS: readonly TriggerEvent[] = ['pending', 'paid_less', 'settle'];

export interface TriggerOptions {
  /** For a new payment: where callbacks go. */
  callbackUrl?: string | undefined;
  /** For a new payment: `callbackEvent`; default the triggered event when it needs a subscription. */
  events?: string | undefined;
  payeeId: string;
  quoteAmount: string;
  quoteAsset: string;
  /** Payment asset (id or symbol) of a new payment. */
  asset: string;
  settlementAsset?: string | undefined;
  /** paid_less: the amount to pay; default half of what is owed. */
  amount?: string | undefined;
  /** Wait for the first attempt of each callback the trigger caused. */
  wait: boolean;
  waitTimeoutMs: number;
}

interface EventReport {
  id: string;
  type: string;
  deliveries: DeliveryDetail[];
}

export async function trigger(
  client: GatewayClient,
  event: TriggerEvent,
  givenTraceId: string | undefined,
  options: TriggerOptions,
  out: Output,
): Promise<void> {
  const steps: string[] = [];
  const step = (text: string) => {
    steps.push(text);
    if (!out.json) out.line(text);
  };
  let created: WirePayment | WireOneTimePayment | undefined;
  let traceId = givenTraceId;
  if (traceId !== undefined && (options.callbackUrl !== undefined || options.events !== undefined)) {
    out.note('note: --callback-url and --events apply only to a payment that trigger creates; ignored');
  }
  if (traceId === undefined) {
    const made = await createPayment(client, event, options);
    created = made.answer;
    // A one-time payment's code is its traceId.
    traceId = 'code' in made.answer ? made.answer.code : made.answer.traceId;
    const callbacks = options.callbackUrl
      ? `callbacks to ${options.callbackUrl}, events: ${subscription(event, options) || 'success|fail only'}`
      : 'no callbackUrl: nothing will be delivered';
    step(
      `created ${event === 'paid_less' ? 'one-time payment' : 'payment'} ${traceId} ` +
        `(order ${made.orderId}, ${options.quoteAmount} ${options.quoteAsset}; ${callbacks})`,
    );
  }
  const before = options.wait ? await eventIds(client, traceId) : new Set<string>();

  await drive(client, event, traceId, options, step);

  const result = await client.get<WirePaymentResult>('/v1/payments_result', { traceId, with: 'payment,transactions' });
  let events: EventReport[] = [];
  if (options.wait) {
    const detail = await client.get<PaymentDetail>(`/admin/payments/${traceId}`);
    const raised = detail.events.filter((e) => !before.has(e.id));
    const settled = await awaitFirstAttempts(
      client,
      raised.flatMap((e) => e.deliveries.map((d) => d.id)),
      { timeoutMs: options.waitTimeoutMs, out },
    );
    events = raised.map((e) => ({
      id: e.id,
      type: e.type,
      deliveries: settled.filter((d) => d.delivery.eventId === e.id),
    }));
  }

  if (out.json) return out.data({ traceId, created: created ?? null, steps, result, events });
  out.line('');
  out.line(resultSummary(result));
  if (!options.wait) return;
  out.line('');
  if (events.length === 0) out.line('no event raised');
  for (const e of events) {
    if (e.deliveries.length === 0) out.line(`event ${e.type}: not delivered (no callbackUrl, or not subscribed)`);
    for (const d of e.deliveries) out.line(deliveryOutcome(d));
  }
}

/** The event's own transition, from wherever the payment stands. */
async function drive(
  client: GatewayClient,
  event: TriggerEvent,
  traceId: string,
  options: TriggerOptions,
  step: (text: string) => void,
): Promise<void> {
  const current = await client.get<WirePaymentResult>('/v1/payments_result', { traceId, with: 'payment,transactions' });
  const final = current.status === 'success' || current.status === 'failed';
  if (final && !(event === 'settle' && current.status === 'success')) {
    throw new RefusedError(
      `payment ${traceId} is already ${current.status}: ${event} needs a payment that is not final`,
    );
  }
  switch (event) {
    case 'success':
      return complete(client, current, step);
    case 'pending': {
      if (current.status === 'pending' && current.payment?.isFullyPaid) {
        throw new RefusedError(`payment ${traceId} is already pending, waiting for confirmations`);
      }
      const { transfer: t } = await sendTransfer(client, traceId, { confirmations: 0 });
      return step(`paid ${t.amount} ${current.paymentSymbol || t.assetId} with 0 confirmations (txid ${t.txid})`);
    }
    case 'fail':
      await client.post(`/v1/sandbox/payments/${traceId}/expire`);
      return step('expired the payment (its deadline is now)');
    case 'paid_less':
      return payLess(client, traceId, options.amount, step);
    case 'settle': {
      if (current.status !== 'success') await complete(client, current, step);
      const settled = await client.post<WirePaymentResult>(`/v1/sandbox/payments/${traceId}/settle`);
      return step(
        current.settleStatus === 'success'
          ? 'the payment was already settled'
          : `settled ${settled.settleAmount} ${settled.settleSymbol} now (not after the settlement delay)`,
      );
    }
  }
}

/** To `success`: pays what is owed, or confirms transfers that are paid but unconfirmed. */
async function complete(client: GatewayClient, current: WirePaymentResult, step: (text: string) => void) {
  const { traceId } = current;
  if (current.status === 'pending' && current.payment?.isFullyPaid) {
    for (const t of current.transactions ?? []) {
      const required = t.requiredConfirms;
      if (t.paymentAssetId !== current.paymentAssetId || t.confirmations >= required) continue;
      await client.post(`/v1/sandbox/transfers/${t.txid}/confirmations`, { confirmations: required });
      step(`confirmed txid ${t.txid} (${count(required, 'confirmation')})`);
    }
    return;
  }
  const { transfer: t } = await sendTransfer(client, traceId, {});
  step(
    `paid ${t.amount} ${current.paymentSymbol || t.assetId} in full (txid ${t.txid}, ${count(t.confirmations, 'confirmation')})`,
  );
}

async function payLess(
  client: GatewayClient,
  traceId: string,
  amount: string | undefined,
  step: (text: string) => void,
): Promise<void> {
  const info = await client.get<WirePaymentResult>('/v1/payments_result', { traceId, with: 'payment' });
  if (!info.payment?.isMultiPay) {
    throw new RefusedError(
      `payment ${traceId} is not multi-pay: paying less would fail it (40024); paid_less needs a one-time payment`,
    );
  }
  const remaining = info.payableAmount === '' ? '' : remainingOf(info);
  if (amount === undefined && remaining === '') {
    throw new UsageError(`payment ${traceId} has no payment asset yet: pass --amount (and the asset with pay --asset)`);
  }
  const paid = amount ?? convertAmount(remaining, '1', '2', 8, 'down');
  const { transfer: t } = await sendTransfer(client, traceId, { amount: paid });
  step(`paid ${t.amount} ${info.paymentSymbol} of ${remaining} owed (txid ${t.txid})`);
}

function subscription(event: TriggerEvent, options: TriggerOptions): string {
  if (options.events !== undefined) return options.events;
  return OPTIONAL_EVENTS.includes(event) ? event : '';
}

async function createPayment(
  client: GatewayClient,
  event: TriggerEvent,
  options: TriggerOptions,
): Promise<{ answer: WirePayment | WireOneTimePayment; orderId: string }> {
  const paymentAssetId = await resolveAsset(client, options.asset);
  const settlementAssetId = (await resolveAsset(client, options.settlementAsset)) ?? paymentAssetId;
  const callbackEvent = subscription(event, options);
  const orderId = `cli-${randomUUID().slice(0, 13)}`;
  const body = {
    payeeId: options.payeeId,
    orderId,
    quoteAmount: options.quoteAmount,
    quoteAssetId: await resolveAsset(client, options.quoteAsset),
    paymentAssetId,
    settlementAssetId,
    ...(options.callbackUrl ? { callbackUrl: options.callbackUrl } : {}),
    ...(callbackEvent ? { callbackEvent } : {}),
  };
  // Only a multi-pay payment can be underpaid without failing: one-time payments are.
  const answer =
    event === 'paid_less'
      ? await client.post<WireOneTimePayment>('/v1/one_time_payment', body)
      : await client.post<WirePayment>('/v1/payments', body);
  return { answer, orderId };
}

async function eventIds(client: GatewayClient, traceId: string): Promise<Set<string>> {
  const detail = await client.get<PaymentDetail>(`/admin/payments/${traceId}`);
  return new Set(detail.events.map((e) => e.id));
}

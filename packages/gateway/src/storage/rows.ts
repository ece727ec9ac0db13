// Mapping between domain records and table rows. Numbers go through Number() because
// PostgreSQL's driver returns BIGINT as a string; a text column is read as its field's own type.
import type { DeliverySelection, Recovery } from '@payhook/protocol';
import type { Insertable, Selectable } from 'kysely';
import { formatCursor, parseCursor } from '../domain/recovery.js';
import type { Attempt, Delivery, Payment, PaymentEvent, Transfer } from '../interfaces.js';
import type {
  AttemptsTable,
  DeliveriesTable,
  EventsTable,
  PaymentsTable,
  RecoveriesTable,
  TransfersTable,
} from './schema.js';

const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function paymentToRow(p: Payment): Insertable<PaymentsTable> {
  return {
    trace_id: p.traceId,
    order_id: p.orderId,
    payee_id: p.payeeId,
    kind: p.kind,
    code: p.code,
    quote_amount: p.quoteAmount,
    quote_asset_id: p.quoteAssetId,
    payment_asset_id: p.paymentAssetId,
    payable_amount: p.payableAmount,
    settlement_asset_id: p.settlementAssetId,
    strict_mode: p.strictMode ? 1 : 0,
    is_multi_pay: p.isMultiPay ? 1 : 0,
    callback_url: p.callbackUrl,
    callback_events: p.callbackEvents.join('|'),
    return_to: p.returnTo,
    failed_return_to: p.failedReturnTo,
    remark: p.remark,
    settlement_memo: p.settlementMemo,
    expire_at: p.expireAt,
    status: p.status,
    failure_code: p.failureCode,
    paid_amount: p.paidAmount,
    surplus_amount: p.surplusAmount,
    surplus_status: p.surplusStatus,
    settle_status: p.settleStatus,
    settle_due_at: p.settleDueAt,
    settle_amount: p.settleAmount,
    settle_asset_id: p.settleAssetId,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    completed_at: p.completedAt,
    client_id: p.clientId,
    is_chain: p.isChain ? 1 : 0,
    quoted_at: p.quotedAt,
    destination: p.destination,
    tag: p.tag,
  };
}

export function rowToPayment(r: Selectable<PaymentsTable>): Payment {
  return {
    traceId: r.trace_id,
    orderId: r.order_id,
    payeeId: r.payee_id,
    kind: r.kind as Payment['kind'],
    code: r.code,
    quoteAmount: r.quote_amount,
    quoteAssetId: r.quote_asset_id,
    paymentAssetId: r.payment_asset_id,
    payableAmount: r.payable_amount,
    settlementAssetId: r.settlement_asset_id,
    strictMode: num(r.strict_mode) === 1,
    isMultiPay: num(r.is_multi_pay) === 1,
    callbackUrl: r.callback_url,
    callbackEvents: r.callback_events === '' ? [] : (r.callback_events.split('|') as Payment['callbackEvents']),
    returnTo: r.return_to,
    failedReturnTo: r.failed_return_to,
    remark: r.remark,
    settlementMemo: r.settlement_memo,
    expireAt: numOrNull(r.expire_at),
    status: r.status as Payment['status'],
    failureCode: r.failure_code as Payment['failureCode'],
    paidAmount: r.paid_amount,
    surplusAmount: r.surplus_amount,
    surplusStatus: r.surplus_status as Payment['surplusStatus'],
    settleStatus: r.settle_status as Payment['settleStatus'],
    settleDueAt: numOrNull(r.settle_due_at),
    settleAmount: r.settle_amount,
    settleAssetId: r.settle_asset_id,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    completedAt: numOrNull(r.completed_at),
    clientId: r.client_id,
    isChain: num(r.is_chain) === 1,
    // Payments made before quotes were tracked: their quote dates from their creation.
    quotedAt: numOrNull(r.quoted_at) ?? num(r.created_at),
    destination: r.destination,
    tag: r.tag,
  };
}

export function transferToRow(t: Transfer): Insertable<TransfersTable> {
  return {
    txid: t.txid,
    trace_id: t.traceId,
    amount: t.amount,
    asset_id: t.assetId,
    confirmations: t.confirmations,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

export function rowToTransfer(r: Selectable<TransfersTable>): Transfer {
  return {
    txid: r.txid,
    traceId: r.trace_id,
    amount: r.amount,
    assetId: r.asset_id,
    confirmations: num(r.confirmations),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function eventToRow(e: PaymentEvent): Insertable<EventsTable> {
  return { id: e.id, trace_id: e.traceId, type: e.type, status: e.status, created_at: e.createdAt };
}

export function rowToEvent(r: Selectable<EventsTable>): PaymentEvent {
  return {
    id: r.id,
    traceId: r.trace_id,
    type: r.type as PaymentEvent['type'],
    status: r.status as PaymentEvent['status'],
    createdAt: num(r.created_at),
  };
}

export function deliveryToRow(d: Delivery): Insertable<DeliveriesTable> {
  return {
    id: d.id,
    event_id: d.eventId,
    trace_id: d.traceId,
    event_type: d.eventType,
    url: d.url,
    host: new URL(d.url).host,
    body: d.body,
    state: d.state,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    lock_token: null,
    locked_until: d.lockedUntil,
    redelivery_of: d.redeliveryOf,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export function rowToDelivery(r: Selectable<DeliveriesTable>): Delivery {
  return {
    id: r.id,
    eventId: r.event_id,
    traceId: r.trace_id,
    eventType: r.event_type as Delivery['eventType'],
    url: r.url,
    body: r.body,
    state: r.state as Delivery['state'],
    attempts: num(r.attempts),
    // A parked delivery (its URL paused) keeps its due time apart, out of the claim's indexes.
    nextAttemptAt: numOrNull(r.next_attempt_at ?? r.parked_next_attempt_at),
    lockedUntil: numOrNull(r.locked_until),
    redeliveryOf: r.redelivery_of,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function attemptToRow(a: Attempt): Insertable<AttemptsTable> {
  return {
    delivery_id: a.deliveryId,
    attempt_no: a.attemptNo,
    due_at: a.dueAt,
    started_at: a.startedAt,
    ended_at: a.endedAt,
    success: a.success ? 1 : 0,
    status_code: a.statusCode,
    latency_ms: a.latencyMs,
    error_class: a.errorClass,
    error_message: a.errorMessage,
    response_excerpt: a.responseExcerpt,
    request_headers: a.request === null ? null : JSON.stringify(a.request.headers),
  };
}

export function rowToAttempt(r: Selectable<AttemptsTable>): Attempt {
  return {
    deliveryId: r.delivery_id,
    attemptNo: num(r.attempt_no),
    dueAt: num(r.due_at),
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    success: num(r.success) === 1,
    statusCode: numOrNull(r.status_code),
    latencyMs: num(r.latency_ms),
    errorClass: r.error_class as Attempt['errorClass'],
    errorMessage: r.error_message,
    responseExcerpt: r.response_excerpt,
    request: r.request_headers === null ? null : { headers: JSON.parse(r.request_headers) as Record<string, string> },
  };
}

export function recoveryToRow(r: Recovery): Insertable<RecoveriesTable> {
  const cursor = r.cursor === null ? null : parseCursor(r.cursor);
  return {
    id: r.id,
    action: r.action,
    selection: JSON.stringify(r.selection),
    new_url: r.newUrl,
    requested_by: r.requestedBy.auth,
    actor: r.requestedBy.actor,
    requested_at: r.requestedAt,
    state: r.state,
    matched: r.matched,
    processed: r.processed,
    skipped: r.skipped,
    cursor_at: cursor?.createdAt ?? null,
    cursor_id: cursor?.id ?? null,
    locked_by: null,
    locked_until: null,
    finished_at: r.finishedAt,
    error: r.error,
  };
}

export function rowToRecovery(r: Selectable<RecoveriesTable>): Recovery {
  return {
    id: r.id,
    action: r.action as Recovery['action'],
    selection: JSON.parse(r.selection) as DeliverySelection,
    newUrl: r.new_url,
    requestedBy: { auth: r.requested_by as Recovery['requestedBy']['auth'], actor: r.actor },
    requestedAt: num(r.requested_at),
    state: r.state as Recovery['state'],
    matched: num(r.matched),
    processed: num(r.processed),
    skipped: num(r.skipped),
    cursor: formatCursor(
      r.cursor_at === null || r.cursor_id === null ? null : { createdAt: num(r.cursor_at), id: r.cursor_id },
    ),
    finishedAt: numOrNull(r.finished_at),
    error: r.error,
  };
}

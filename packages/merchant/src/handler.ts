// The callback endpoint, on web-standard Request → Response. It follows MixPay's four duties:
// find the order, make sure it waits, look the result up with the order's own identifiers and
// check every field, then update once and answer SUCCESS. Framework adapters only translate.
import { type Clock, dashedUuid, type OptionalEventName, sameId, samePayeeId, uuidDigits } from '@payhook/protocol';
import { type CheckOutcome, checkOrder, type OrderHooks, type ResultSource } from './check-order.js';
import { IpAllowList } from './ip-allowlist.js';
import type { Order } from './order.js';
import { DEFAULT_LOOKUP_WINDOW_MS, RecentLookups } from './recent-lookups.js';
import { createSignatureVerifier, DEFAULT_SIGNATURE_TOLERANCE_MS } from './signature.js';
import type { OrderStore } from './store.js';

export interface CallbackHandlerOptions {
  /** The shop's own payee. Callbacks naming another are refused without a lookup. */
  payeeId: string;
  store: OrderStore;
  /** Usually a MixPayClient. */
  source: ResultSource;
  hooks?: OrderHooks;
  /** Events the shop subscribed to with `callbackEvent`: their callbacks are acknowledged. */
  subscribedEvents?: readonly OptionalEventName[];
  /** Optional sender allow-list; see MIXPAY_CALLBACK_IPS. */
  allowedIps?: readonly string[];
  trustedProxies?: readonly string[];
  /** Sees every callback with what it was checked against (record/replay, audit logs). */
  recorder?: CallbackRecorder;
  /**
   * A payhook gateway's signing secret for our payee (`whsec_…`; several while rotating). Then
   * every callback must carry a valid Standard Webhooks signature over its exact body, or it is
   * refused (401 BAD_SIGNATURE) before any lookup. On top of the lookup, never instead of it.
   */
  signingSecret?: string | readonly string[];
  /** How far a signature's timestamp may be from `now()`. Default 5 minutes. */
  signatureToleranceMs?: number;
  /**
   * How long an order seen still waiting is not looked up again; callbacks in that window are
   * answered 202 NOT_FINAL without spending a request. Keep it well under the sender's retry
   * interval (MixPay: 15 s). Signed or allow-listed callbacks always look. 0: off. Default 5 s.
   */
  lookupWindowMs?: number;
  /** The memory of lookups, to share it (several handlers, a replay); then lookupWindowMs is unused. */
  lookups?: RecentLookups;
  /** The clock (ms): timestamps of signatures and of order changes. */
  now?: Clock['now'];
}

/** Transport facts a Request does not carry; adapters fill them in. */
export interface ConnectionInfo {
  remoteAddress?: string;
}

/** The documented answer policy, by case. */
export type AnswerReason =
  | 'recorded' // a verified result (paid, failed, settled) or a suspicious one (see docs/kit-answers.md) is recorded
  | 'already_final' // the order was already paid, failed or suspicious
  | 'acknowledged' // a subscribed pending / paid_less event, seen and handed to the shop
  | 'not_final' // no result yet: the sender must come back
  | 'unverified' // payments_result or the store could not be reached or trusted
  | 'unknown_order' // no such order, or the callback contradicts it
  | 'bad_request'
  | 'forbidden'
  | 'bad_signature'; // signing is on and the signature is missing, stale or wrong

export interface CallbackRecord {
  receivedAt: number;
  body: string;
  remoteAddress: string | undefined;
  orderId: string | null;
  outcome: CheckOutcome | null;
  error: string | null;
  answer: { status: number; code: string; reason: AnswerReason };
}

export interface CallbackRecorder {
  record(entry: CallbackRecord): unknown;
}

export type CallbackHandler = (request: Request, info?: ConnectionInfo) => Promise<Response>;

const SUCCESS: Record<AnswerReason, { status: number; code: string }> = {
  recorded: { status: 200, code: 'SUCCESS' },
  already_final: { status: 200, code: 'SUCCESS' },
  acknowledged: { status: 200, code: 'SUCCESS' },
  not_final: { status: 202, code: 'NOT_FINAL' },
  unverified: { status: 503, code: 'RETRY_LATER' },
  unknown_order: { status: 404, code: 'UNKNOWN_ORDER' },
  bad_request: { status: 400, code: 'BAD_REQUEST' },
  forbidden: { status: 403, code: 'FORBIDDEN' },
  bad_signature: { status: 401, code: 'BAD_SIGNATURE' },
};

/** Builds the callback handler. Mount it at your callbackUrl with an adapter, or call it with a Request. */
export function createCallbackHandler(options: CallbackHandlerOptions): CallbackHandler {
  const allowList = new IpAllowList({ allowedIps: options.allowedIps ?? [], trustedProxies: options.trustedProxies });
  const now = options.now ?? Date.now;
  const subscribed = new Set(options.subscribedEvents ?? []);
  const verifySignature =
    options.signingSecret === undefined
      ? undefined
      : createSignatureVerifier(options.signingSecret, options.signatureToleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS);
  const deps = {
    source: options.source,
    store: options.store,
    hooks: options.hooks ?? {},
    now,
    settlement: subscribed.has('settle'),
    // Concurrent callbacks for one order share one lookup; a flood of them costs one per window.
    lookups:
      options.lookups ?? new RecentLookups({ windowMs: options.lookupWindowMs ?? DEFAULT_LOOKUP_WINDOW_MS, now }),
    // Whoever passed the signature or the allow-list is the sender: never answered from memory.
    fresh: verifySignature !== undefined || allowList.enabled,
    budget: 'callback' as const,
  };

  return async (request, info = {}) => {
    const receivedAt = now();
    const remoteAddress = allowList.clientAddress(info.remoteAddress, request.headers.get('x-forwarded-for'));
    let body = '';
    let orderId: string | null = null;
    let outcome: CheckOutcome | null = null;
    let error: string | null = null;

    const answer = (reason: AnswerReason): Response => {
      const { status, code } = SUCCESS[reason];
      options.recorder?.record({
        receivedAt,
        body,
        remoteAddress,
        orderId,
        outcome,
        error,
        answer: { status, code, reason },
      });
      return Response.json({ code }, { status });
    };

    if (!allowList.allows(remoteAddress)) return answer('forbidden');
    if (request.method !== 'POST') return answer('bad_request');
    body = await readBody(request, 16 * 1024);
    if (verifySignature) {
      // Before anything is looked up: an unsigned POST costs neither a store read nor a request.
      const verdict = verifySignature(request.headers, body, now());
      if (!verdict.ok) {
        error = `signature: ${verdict.reason}`;
        return answer('bad_signature');
      }
    }
    const callback = parseCallback(body);
    if (!callback) return answer('bad_request');
    if (callback.payeeId !== undefined && !samePayeeId(callback.payeeId, options.payeeId))
      return answer('unknown_order');

    let order: Order | undefined;
    try {
      order = callback.orderId
        ? await options.store.findByOrderId(callback.orderId)
        : callback.traceId
          ? await findByTraceId(options.store, callback.traceId)
          : undefined;
    } catch (e) {
      error = describe(e);
      return answer('unverified');
    }
    // A callback whose traceId contradicts the stored order is forged: refuse it without
    // spending a payments_result request (an attacker could otherwise drain the rate limit).
    if (!order || (callback.traceId && order.traceId !== null && !sameId(callback.traceId, order.traceId))) {
      return answer('unknown_order');
    }
    orderId = order.orderId;

    try {
      outcome = await checkOrder(order, deps);
    } catch (e) {
      error = describe(e);
      return answer('unverified');
    }
    switch (outcome.kind) {
      case 'paid':
      case 'failed':
      case 'suspicious':
      case 'settled':
        return answer('recorded');
      case 'final':
        return answer('already_final');
      case 'paid_less':
        return answer(subscribed.has('paid_less') ? 'acknowledged' : 'not_final');
      case 'recent':
        return answer('not_final');
      case 'waiting':
        return answer(outcome.result.status === 'pending' && subscribed.has('pending') ? 'acknowledged' : 'not_final');
    }
  };
}

/** MixPay may spell a UUID dashed or as 32 hex digits (§10.6): a miss is tried in the other spelling. */
async function findByTraceId(store: OrderStore, traceId: string): Promise<Order | undefined> {
  const found = await store.findByTraceId(traceId);
  if (found) return found;
  const other = traceId.includes('-') ? uuidDigits(traceId) : dashedUuid(traceId);
  return other === undefined ? undefined : store.findByTraceId(other);
}

interface ParsedCallback {
  orderId?: string;
  traceId?: string;
  payeeId?: string;
}

/** The body is only a hint; anything that is not the three short strings is refused. */
function parseCallback(text: string): ParsedCallback | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const out: ParsedCallback = {};
  for (const key of ['orderId', 'traceId', 'payeeId'] as const) {
    const value = (json as Record<string, unknown>)[key];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' || value.length > 128) return undefined;
    out[key] = value;
  }
  return out.orderId || out.traceId ? out : undefined;
}

/** Reads at most `cap` bytes; a larger body is dropped unread (it cannot be a callback). */
async function readBody(request: Request, cap: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel();
      return '';
    }
    text += decoder.decode(value, { stream: true });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// The payment service: creates payments, takes in transfers (the ingestion path shared by
// the sandbox and, in production, a chain watcher), runs deadlines and settlement, and
// redelivers by hand. It composes the pure parts (newPayment, transition, outbox) with the store.
import { randomUUID } from 'node:crypto';
import { compareDecimals, isPositiveDecimal, type RetrySchedule, subtractDecimals } from '@payhook/protocol';
import type { AddressPolicy } from './delivery/ssrf.js';
import type { AssetCatalog } from './domain/assets.js';
import type { GatewayMode } from './domain/callback-url.js';
import { type LifecycleInput, transition } from './domain/lifecycle.js';
import { type CreateRequest, differingTerm, newPayment } from './domain/new-payment.js';
import { outbox, redelivery } from './domain/outbox.js';
import { ConflictError, NotFoundError, ParameterError, UniqueViolation } from './errors.js';
import type { Clock, Delivery, Payment, PaymentChange, PaymentState, Transfer } from './interfaces.js';
import type { PaymentKey, Store } from './storage/store.js';

export interface PaymentServiceOptions {
  store: Store;
  clock: Clock;
  catalog: AssetCatalog;
  mode: GatewayMode;
  addressPolicy?: AddressPolicy;
  schedule: RetrySchedule;
  settleDelayMs: number;
  /** Called after a commit that created deliveries, to wake the dispatcher. */
  onDeliveries?: () => void;
  /** Called after a commit that set a deadline or a settlement time (`dueAt`), to wake the sweeper. */
  onTimers?: (dueAt: number) => void;
  newId?: () => string;
}

/** A transfer as the ingestion path receives it; missing fields get sandbox defaults. */
export interface IncomingTransfer {
  traceId?: string;
  code?: string;
  /** An on-chain payment's sandbox deposit address (and `tag`, on chains that need one). */
  destination?: string;
  tag?: string;
  txid?: string;
  amount?: string;
  assetId?: string;
  confirmations?: number;
}

export class PaymentService {
  private readonly newId: () => string;

  constructor(private readonly options: PaymentServiceOptions) {
    this.newId = options.newId ?? randomUUID;
  }

  /**
   * Creates a payment or, when the same request was sent before (same traceId, or same payeeId
   * and orderId), refreshes that one: MixPay's way to get a new quote. The same key with other
   * terms is a parameter error naming the term.
   */
  async create(input: CreateRequest): Promise<PaymentState> {
    const { store, clock, mode, catalog, addressPolicy } = this.options;
    const payment = newPayment(input, { now: clock.now(), mode, catalog, addressPolicy, newTraceId: this.newId });
    const givenTrace = input.request.traceId !== undefined;
    const key = (): PaymentKey | undefined =>
      givenTrace
        ? { traceId: payment.traceId }
        : payment.orderId !== null
          ? { payeeId: payment.payeeId, orderId: payment.orderId }
          : undefined;
    const earlier = async () => {
      const k = key();
      return k === undefined ? undefined : store.payments.find(k);
    };
    // Insert first: a new payment is the common case and costs one statement; a re-sent request
    // (or two sent at once) meets the unique key and is answered from the payment it names.
    try {
      await store.payments.insert(payment);
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error;
      const other = await earlier();
      if (other) return this.resend(other, payment, givenTrace);
      throw duplicate(error.constraint, payment.orderId, payment.traceId);
    }
    if (payment.expireAt !== null) this.options.onTimers?.(payment.expireAt);
    return { payment, transfers: [] };
  }

  private async resend(existing: PaymentState, resent: Payment, byTrace: boolean): Promise<PaymentState> {
    const p = existing.payment;
    const term = differingTerm(p, resent);
    const key = byTrace ? `traceId ${p.traceId}` : `orderId ${p.orderId} of payee ${p.payeeId}`;
    if (term === 'kind') {
      const route =
        p.kind === 'one_time' ? '/v1/one_time_payment' : p.kind === 'paylink' ? 'a paylink' : '/v1/payments';
      throw new ParameterError(`${byTrace ? 'traceId' : 'orderId'}: the payment with ${key} was created by ${route}`);
    }
    if (term !== undefined) {
      throw new ParameterError(
        `${term}: differs from the payment already created with ${key}; re-send the same terms to refresh it, or use a new ${byTrace ? 'traceId' : 'orderId'}`,
      );
    }
    if (byTrace && resent.orderId !== null && p.orderId === null) {
      throw new ParameterError(`orderId: payment ${p.traceId} was created without an orderId`);
    }
    return this.refresh(p.traceId);
  }

  /**
   * Starts a new quote window (MixPay's `expire`/`seconds`) for a payment still waiting for money.
   * The sandbox's prices are fixed, so the amount stays; a finished payment is answered as it is.
   */
  async refresh(traceId: string): Promise<PaymentState> {
    const now = this.options.clock.now();
    const change = await this.options.store.payments.update(traceId, (state) => {
      const open = state.payment.status === 'unpaid' || state.payment.status === 'pending';
      const next = open ? { ...state, payment: { ...state.payment, quotedAt: now, updatedAt: now } } : state;
      return {
        next,
        writes: { payment: open, addedTransfers: [], confirmedTransfers: [] },
        events: [],
        deliveries: [],
      };
    });
    return change.next;
  }

  /**
   * A paylink creates its payment when first opened; later openings show that payment,
   * whatever the link says now (orderId and payeeId make a payment unique).
   */
  async openPaylink(input: Extract<CreateRequest, { kind: 'paylink' }>): Promise<PaymentState> {
    const { payeeId, orderId, traceId } = input.request;
    if (orderId === undefined && traceId === undefined) {
      throw new ParameterError('orderId: is required on a paylink (or traceId)');
    }
    const existing = await this.options.store.payments.find(
      traceId !== undefined ? { traceId } : { payeeId, orderId: orderId as string },
    );
    if (existing) return existing;
    try {
      return await this.create(input);
    } catch (error) {
      // Opened twice at once: the other opening created it.
      if (error instanceof ConflictError && orderId !== undefined) return this.find({ payeeId, orderId });
      throw error;
    }
  }

  async find(key: PaymentKey): Promise<PaymentState> {
    const state = await this.options.store.payments.find(key);
    if (!state) throw new NotFoundError(describeKey(key));
    return state;
  }

  /**
   * Takes in a transfer. Defaults (the sandbox's "pay it in full"): the amount still owed,
   * the payment's asset, and enough confirmations for that asset.
   */
  async receiveTransfer(incoming: IncomingTransfer): Promise<{ transfer: Transfer; state: PaymentState }> {
    const { catalog, clock } = this.options;
    const key: PaymentKey = incoming.traceId
      ? { traceId: incoming.traceId }
      : incoming.code
        ? { code: incoming.code }
        : incoming.destination
          ? { destination: incoming.destination, tag: incoming.tag ?? '' }
          : (() => {
              throw new ParameterError('traceId, code or destination is required');
            })();
    const { payment } = await this.find(key);
    const assetId = incoming.assetId ?? payment.paymentAssetId ?? defaultAsset(catalog, payment.quoteAssetId);
    const asset = catalog.getPayable(assetId);
    if (!asset) throw new ParameterError(`assetId: ${assetId} is not a supported payment asset`);
    const amount = incoming.amount ?? owed(payment, asset.id, catalog);
    if (!isPositiveDecimal(amount)) throw new ParameterError('amount: must be a positive decimal string');
    const confirmations = incoming.confirmations ?? asset.requiredConfirmations;
    if (!Number.isInteger(confirmations) || confirmations < 0) {
      throw new ParameterError('confirmations: must be a non-negative integer');
    }
    const now = clock.now();
    const transfer: Transfer = {
      txid: incoming.txid ?? this.newId(),
      traceId: payment.traceId,
      amount,
      assetId: asset.id,
      confirmations,
      createdAt: now,
      updatedAt: now,
    };
    try {
      const change = await this.apply(payment.traceId, { type: 'transfer', transfer });
      return { transfer, state: change.next };
    } catch (error) {
      if (error instanceof UniqueViolation && error.constraint === 'txid') {
        throw new ConflictError(`txid ${transfer.txid} was already received`);
      }
      throw error;
    }
  }

  async addConfirmations(txid: string, confirmations: number): Promise<PaymentState> {
    if (!Number.isInteger(confirmations) || confirmations < 0) {
      throw new ParameterError('confirmations: must be a non-negative integer');
    }
    const { payment } = await this.find({ txid });
    const change = await this.apply(payment.traceId, { type: 'confirmations', txid, confirmations });
    return change.next;
  }

  /** Applies a deadline or a settlement that the sweeper found due. */
  async runTimer(traceId: string, reason: 'expire' | 'settle'): Promise<PaymentChange> {
    return this.apply(traceId, { type: reason });
  }

  /** The sandbox's shortcut: run a payment's deadline or settlement now. */
  async forceTimer(traceId: string, reason: 'expire' | 'settle'): Promise<PaymentChange> {
    const { payment } = await this.find({ traceId });
    return this.apply(payment.traceId, { type: reason, force: true });
  }

  /** Sends an event again on a fresh schedule; the old delivery keeps its history. */
  async redeliver(deliveryId: string): Promise<Delivery> {
    const { store, clock, schedule } = this.options;
    const original = await store.admin.getDelivery(deliveryId);
    if (!original) throw new NotFoundError(`delivery ${deliveryId} does not exist`);
    if (original.state === 'pending') {
      throw new ConflictError(
        `delivery ${deliveryId} is still being retried; redeliver it once delivered or exhausted`,
      );
    }
    const delivery = redelivery(original, { now: clock.now(), schedule, newId: this.newId });
    await store.queue.insert(delivery);
    this.options.onDeliveries?.();
    return delivery;
  }

  private async apply(traceId: string, input: LifecycleInput): Promise<PaymentChange> {
    const { store, clock, catalog, settleDelayMs, schedule } = this.options;
    const now = clock.now();
    const change = await store.payments.update(traceId, (state) =>
      outbox(transition(state, input, { now, catalog, settleDelayMs }), { now, schedule, newId: this.newId }),
    );
    if (change.deliveries.length > 0) this.options.onDeliveries?.();
    if (change.next.payment.settleDueAt !== null) this.options.onTimers?.(change.next.payment.settleDueAt);
    return change;
  }
}

function duplicate(constraint: UniqueViolation['constraint'], orderId: string | null, traceId: string) {
  switch (constraint) {
    case 'order':
      // A new traceId for an order that already has one: other terms, not a refresh.
      return new ParameterError(
        `orderId: ${orderId} already belongs to another payment of this payee; re-send its traceId to refresh it, or use a new orderId`,
      );
    case 'trace':
      return new ConflictError(`traceId ${traceId} already exists`);
    default:
      return new ConflictError(`a payment with this ${constraint} already exists`);
  }
}

function describeKey(key: PaymentKey): string {
  if ('traceId' in key) return `payment with traceId ${key.traceId} does not exist`;
  if ('code' in key) return `one-time payment code ${key.code} does not exist`;
  if ('txid' in key) return `transfer ${key.txid} does not exist`;
  if ('destination' in key) {
    return `no on-chain payment is paid to ${key.destination}${key.tag === '' ? '' : ` with tag ${key.tag}`}`;
  }
  return `payment with orderId ${key.orderId} for payee ${key.payeeId} does not exist`;
}

/** The sandbox pays in the quote asset when it can be paid in, else in USDT. */
function defaultAsset(catalog: AssetCatalog, quoteAssetId: string): string {
  return catalog.getPayable(quoteAssetId)?.id ?? catalog.list().find((a) => a.symbol === 'USDT')?.id ?? quoteAssetId;
}

/** What is still owed, in `assetId`; the full price when nothing or another asset was paid. */
function owed(payment: PaymentState['payment'], assetId: string, catalog: AssetCatalog): string {
  if (payment.paymentAssetId === assetId && payment.payableAmount !== null) {
    const rest = subtractDecimals(payment.payableAmount, payment.paidAmount);
    return compareDecimals(rest, '0') > 0 ? rest : payment.payableAmount;
  }
  const from = catalog.get(payment.quoteAssetId);
  const to = catalog.get(assetId);
  return from && to ? catalog.quote(payment.quoteAmount, from, to) : payment.quoteAmount;
}

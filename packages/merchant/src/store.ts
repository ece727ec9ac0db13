// How the kit reaches the shop's orders. Small on purpose: a shop can back it with
// whatever it already has, as long as `transition` is an atomic compare-and-set.
import type { FinalOrderStatus, Order } from './order.js';

export interface OrderStore {
  findByOrderId(orderId: string): Promise<Order | undefined>;
  findByTraceId(traceId: string): Promise<Order | undefined>;
  /**
   * Moves a `waiting` order to `next`, atomically: of any number of concurrent calls,
   * exactly one returns true. An order that is no longer waiting is left as it is.
   */
  transition(orderId: string, next: FinalOrderStatus, at: number): Promise<boolean>;
  /** Records settlement once; true only for the call that recorded it. */
  markSettled(orderId: string, at: number): Promise<boolean>;
}

/** The part a shop's own code uses to create and list orders; the bundled stores have it. */
export interface WritableOrderStore extends OrderStore {
  insert(order: Order): Promise<void>;
  /**
   * Orders still waiting that were created before `before`, oldest first (by createdAt, then
   * orderId), for the reconciler. With `after`, only those that come after that order in this
   * order: the reconciler pages through them, so orders that wait forever cannot hide newer ones.
   */
  listWaiting(before: number, limit: number, after?: WaitingCursor): Promise<Order[]>;
  /** Sets the traceId and link once the payment exists (the shop creates the order first). */
  attachPayment(orderId: string, traceId: string | null, paymentUrl: string | null, at: number): Promise<void>;
}

/** Where a scan of waiting orders stopped: the last order seen. */
export interface WaitingCursor {
  createdAt: number;
  orderId: string;
}

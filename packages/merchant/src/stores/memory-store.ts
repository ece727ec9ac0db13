// An in-memory OrderStore for tests and prototypes. Single-threaded JavaScript makes each
// method atomic, which is exactly the compare-and-set the interface asks for.
import type { FinalOrderStatus, Order } from '../order.js';
import type { WaitingCursor, WritableOrderStore } from '../store.js';

export class MemoryOrderStore implements WritableOrderStore {
  private readonly orders = new Map<string, Order>();

  async insert(order: Order): Promise<void> {
    if (this.orders.has(order.orderId)) throw new Error(`order ${order.orderId} already exists`);
    this.orders.set(order.orderId, { ...order });
  }

  async findByOrderId(orderId: string): Promise<Order | undefined> {
    const order = this.orders.get(orderId);
    return order && { ...order };
  }

  async findByTraceId(traceId: string): Promise<Order | undefined> {
    const wanted = traceId.toLowerCase();
    for (const order of this.orders.values()) if (order.traceId?.toLowerCase() === wanted) return { ...order };
    return undefined;
  }

  async transition(orderId: string, next: FinalOrderStatus, at: number): Promise<boolean> {
    const order = this.orders.get(orderId);
    if (order?.status !== 'waiting') return false;
    order.status = next;
    order.updatedAt = at;
    return true;
  }

  async markSettled(orderId: string, at: number): Promise<boolean> {
    const order = this.orders.get(orderId);
    if (order?.status !== 'paid' || order.settledAt !== null) return false;
    order.settledAt = at;
    order.updatedAt = at;
    return true;
  }

  async listWaiting(before: number, limit: number, after?: WaitingCursor): Promise<Order[]> {
    const byAge = (a: WaitingCursor, b: WaitingCursor) =>
      a.createdAt - b.createdAt || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);
    return [...this.orders.values()]
      .filter((o) => o.status === 'waiting' && o.createdAt < before && (!after || byAge(o, after) > 0))
      .sort(byAge)
      .slice(0, limit)
      .map((o) => ({ ...o }));
  }

  async attachPayment(orderId: string, traceId: string | null, paymentUrl: string | null, at: number): Promise<void> {
    const order = this.orders.get(orderId);
    if (!order) throw new Error(`order ${orderId} does not exist`);
    order.traceId = traceId;
    order.paymentUrl = paymentUrl;
    order.updatedAt = at;
  }

  /** Every order, for assertions in tests. */
  all(): Order[] {
    return [...this.orders.values()].map((o) => ({ ...o }));
  }
}

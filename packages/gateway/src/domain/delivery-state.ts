// A delivery's state as people read it. Stored, a delivery is pending, delivered or exhausted;
// a pending one that has failed at least once is `retrying` on the dashboard, in the admin
// filter and in the metrics. Pure; SQL spells the same predicate as RETRYING in
// storage/sql/delivery-states.ts.
import type { Delivery, ShownDeliveryState } from '../interfaces.js';

/** Pending after at least one failed attempt. */
export function isRetrying(delivery: Pick<Delivery, 'state' | 'attempts'>): boolean {
  return delivery.state === 'pending' && delivery.attempts > 0;
}

export function shownState(delivery: Pick<Delivery, 'state' | 'attempts'>): ShownDeliveryState {
  return isRetrying(delivery) ? 'retrying' : delivery.state;
}

// One payment with its life cycle: transfers, events in order, each event's deliveries and
// each delivery's attempts. Read by GET /admin/payments/{traceId} and the dashboard's payment page.
import type { PaymentDetail } from '@payhook/protocol';
import type { PaymentService } from '../payments.js';
import type { Store } from '../storage/store.js';

export async function loadPaymentDetail(
  payments: PaymentService,
  store: Store,
  traceId: string,
): Promise<PaymentDetail> {
  const state = await payments.find({ traceId });
  const [events, deliveries] = await Promise.all([
    store.admin.listEvents(state.payment.traceId),
    store.admin.listDeliveries({ traceId: state.payment.traceId, limit: 500 }),
  ]);
  const withAttempts = await Promise.all(
    deliveries.map(async (d) => ({ ...d, attemptList: await store.admin.listAttempts(d.id) })),
  );
  return {
    payment: state.payment,
    transfers: state.transfers,
    events: events.map((e) => ({ ...e, deliveries: withAttempts.filter((d) => d.eventId === e.id) })),
  };
}

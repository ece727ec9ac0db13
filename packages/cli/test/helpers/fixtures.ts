// The real things the CLI talks to, borrowed from the gateway's test helpers: a gateway on a
// temporary SQLite file with a compressed retry schedule, and scriptable callback receivers.
import type { ReceivedCallback } from '../../../gateway/test/helpers/receiver.js';

export { waitFor } from '../../../../test-support/wait.js';
export { startTestGateway, type TestGateway, USDT_ID } from '../../../gateway/test/helpers/gateway.js';
export { closeReceivers, type Receiver, refusedUrl, startReceiver } from '../../../gateway/test/helpers/receiver.js';

/** The callbacks a receiver got for one payment, with the event header of each. */
export function callbacksFor(received: readonly ReceivedCallback[], traceId: string) {
  return received
    .filter((r) => (JSON.parse(r.body) as { traceId: string }).traceId === traceId)
    .map((r) => ({
      event: r.headers['x-payhook-event'] as string,
      eventId: r.headers['x-payhook-event-id'] as string,
      delivery: r.headers['x-payhook-delivery'] as string,
      body: JSON.parse(r.body) as { orderId: string; traceId: string; payeeId: string },
    }));
}

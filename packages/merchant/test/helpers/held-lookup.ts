// A lookup kept "under way": MixPay has the request but has not answered yet.
import type { PaymentResult } from '@payhook/protocol';
import { type Gate, gate } from '../../../../test-support/gate.js';
import type { Order } from '../../src/order.js';
import type { ScriptedResultSource } from '../../src/testing.js';
import { lookupFor } from '../../src/verify.js';

/** Scripts `source` to answer the order's lookup with `result`, but only once the returned gate is opened. */
export function holdLookup(source: ScriptedResultSource, order: Order, result: PaymentResult): Gate {
  const held = gate();
  source.set(lookupFor(order), async () => {
    await held.opened;
    return result;
  });
  return held;
}

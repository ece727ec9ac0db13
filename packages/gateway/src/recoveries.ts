// The recovery service: an operator selects deliveries and redelivers them (to a new URL if the
// merchant moved), or makes pending ones due now; with a dry run first. It checks the request,
// records it (who, when, what), and leaves the running to the RecoveryRunner. Making a single
// delivery due now (retry-now) is here too: the same rule, for one.
import { randomUUID } from 'node:crypto';
import type {
  Delivery,
  DeliverySelection,
  Recovery,
  RecoveryAction,
  RecoveryPreview,
  RecoveryRequester,
} from '@payhook/protocol';
import type { AddressPolicy } from './delivery/ssrf.js';
import { checkCallbackUrl, type GatewayMode } from './domain/callback-url.js';
import { newRecovery, retryNowRefusal, scopeSelection } from './domain/recovery.js';
import { ConflictError, NotFoundError, ParameterError } from './errors.js';
import type { Clock } from './interfaces.js';
import type { RecoveryRunner } from './recovery-runner.js';
import type { Store } from './storage/store.js';

export interface RecoveryServiceOptions {
  store: Store;
  clock: Clock;
  mode: GatewayMode;
  addressPolicy?: AddressPolicy;
  runner: RecoveryRunner;
  /** Called after a delivery was made due now, to wake the dispatcher. */
  onDue?: () => void;
  newId?: () => string;
}

export interface RecoveryRequest {
  selection: DeliverySelection;
  action: RecoveryAction;
  newUrl?: string | undefined;
  requestedBy: RecoveryRequester;
}

/** Deliveries a dry run shows. */
const SAMPLE = 10;
/** New deliveries listed in the answer of redeliver-exhausted (the count has no cap). */
const LISTED = 1_000;

export class RecoveryService {
  private readonly newId: () => string;

  constructor(private readonly options: RecoveryServiceOptions) {
    this.newId = options.newId ?? randomUUID;
  }

  /**
   * What the recovery would take now: the count and the first few, changing nothing. Refused
   * exactly as the request itself would be (a bad selection, a blocked newUrl).
   */
  async preview(input: Omit<RecoveryRequest, 'requestedBy'>): Promise<RecoveryPreview> {
    const { selection, action } = this.newRecovery({ ...input, requestedBy: { auth: 'none', actor: null } });
    const scope = scopeSelection(selection, action, this.options.clock.now());
    const { matched, sample } = await this.options.store.recoveries.preview(scope, SAMPLE);
    return { action, selection, matched, sample };
  }

  /** Records a recovery and hands it to the runner; answers it as recorded (running, matched counted). */
  async request(input: RecoveryRequest): Promise<Recovery> {
    const recovery = this.newRecovery(input);
    const scope = scopeSelection(recovery.selection, recovery.action, recovery.requestedAt);
    const created = await this.options.store.recoveries.create(recovery, scope);
    this.options.runner.notify();
    return created;
  }

  async get(id: string): Promise<Recovery> {
    const recovery = await this.options.store.recoveries.get(id);
    if (!recovery) throw new NotFoundError(`recovery ${id} does not exist`);
    return recovery;
  }

  /**
   * "My endpoint was down, it is fixed now": redelivers every exhausted delivery to `url` that
   * nobody has redelivered yet, as a recovery run to its end before answering (no cap).
   */
  async redeliverExhausted(url: string, requestedBy: RecoveryRequester) {
    const recovery = this.newRecovery({
      selection: { state: 'exhausted', url, notRedelivered: true },
      action: 'redeliver',
      requestedBy,
    });
    const listed: Delivery[] = [];
    const ended = await this.options.runner.runHere(recovery, (created) => {
      listed.push(...created.slice(0, LISTED - listed.length));
    });
    if (ended.state !== 'done') {
      throw new ConflictError(
        `recovery ${ended.id} stopped after ${ended.processed} of ${ended.matched} deliveries; it goes on in the background (GET /admin/recoveries/${ended.id})`,
      );
    }
    return { count: ended.processed, deliveries: listed, recoveryId: ended.id };
  }

  /**
   * Makes a pending delivery's next attempt due now: its attempt count, and the gaps after that
   * attempt, stay as the schedule has them. Refused (nothing changed) for a delivery that is not
   * pending, or whose attempt is in flight.
   */
  async retryNow(deliveryId: string): Promise<Delivery> {
    const { store, clock } = this.options;
    const delivery = await store.admin.getDelivery(deliveryId);
    if (!delivery) throw new NotFoundError(`delivery ${deliveryId} does not exist`);
    const now = clock.now();
    const paused = async (url: string) =>
      (await store.endpoints.list({ url })).some((endpoint) => endpoint.pausedAt !== null);
    const refusal = retryNowRefusal(delivery, now, await paused(delivery.url));
    if (refusal !== undefined) throw new ConflictError(refusal);
    const due = await store.recoveries.retryNow(deliveryId, now);
    if (!due) {
      // Claimed, finished or paused between the read and the write: say what it is now.
      const after = await store.admin.getDelivery(deliveryId);
      throw new ConflictError(
        (after && retryNowRefusal(after, now, await paused(after.url))) ??
          `delivery ${deliveryId} changed meanwhile; look again`,
      );
    }
    this.options.onDue?.();
    return due;
  }

  private newRecovery(input: RecoveryRequest): Recovery {
    const { mode, addressPolicy, clock } = this.options;
    if (input.newUrl !== undefined && input.action !== 'redeliver') {
      throw new ParameterError('newUrl: only a redeliver recovery sends to a new URL');
    }
    // Judged exactly as a payment's callbackUrl is, SSRF policy included.
    const newUrl = input.newUrl === undefined ? null : checkCallbackUrl(input.newUrl, mode, addressPolicy, 'newUrl');
    return newRecovery({
      id: this.newId(),
      action: input.action,
      selection: input.selection,
      newUrl,
      requestedBy: input.requestedBy,
      requestedAt: clock.now(),
    });
  }
}

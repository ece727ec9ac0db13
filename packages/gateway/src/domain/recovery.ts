// Recoveries, the pure part: what a selection means for an action, the scan's cursor, and the
// rule for making one delivery due now. No I/O, no clock reads: `now` is passed in.
//
// - selection: which deliveries (state, creation time, payee, event, URL, last error class, not
//   redelivered yet), as the operator gave it.
// - scope:     the selection as a recovery runs it: narrowed to the states its action may act on,
//              and cut off at the instant it was requested (the snapshot), so a redelivery never
//              takes the deliveries it made itself.
// - cursor:    (createdAt, id) of the last delivery taken; the scan goes on strictly after it.
import type {
  Delivery,
  DeliverySelection,
  DeliveryState,
  Recovery,
  RecoveryAction,
  SelectionState,
} from '@payhook/protocol';
import { ParameterError } from '../errors.js';

/** A selection as the store reads it. */
export interface ScopedSelection extends Omit<DeliverySelection, 'state'> {
  /** Stored states taken; any when absent. */
  states?: readonly DeliveryState[];
  /** Only pending deliveries tried at least once. */
  retrying?: boolean;
}

/** Position of the scan: strictly after this (createdAt, id) pair. */
export interface ScanCursor {
  createdAt: number;
  id: string;
}

/** The stored states an action acts on. */
const ACTS_ON: Record<RecoveryAction, readonly DeliveryState[]> = {
  // A pending delivery is still on its schedule: a second one would send the event twice at once.
  redeliver: ['delivered', 'exhausted'],
  retry_now: ['pending'],
};

const STORED: Record<SelectionState, DeliveryState> = {
  pending: 'pending',
  retrying: 'pending',
  delivered: 'delivered',
  exhausted: 'exhausted',
};

/**
 * The selection narrowed for `action` and cut before `snapshotAt`: only deliveries created before
 * that instant are taken. Throws a ParameterError when the two cannot go together.
 */
export function scopeSelection(
  selection: DeliverySelection,
  action: RecoveryAction,
  snapshotAt: number,
): ScopedSelection {
  const { state, ...rest } = selection;
  if (
    selection.createdFrom !== undefined &&
    selection.createdTo !== undefined &&
    selection.createdFrom > selection.createdTo
  ) {
    throw new ParameterError('selection.createdFrom: must not be after selection.createdTo');
  }
  const allowed = ACTS_ON[action];
  if (state !== undefined && !allowed.includes(STORED[state])) {
    throw new ParameterError(
      action === 'redeliver'
        ? `selection.state: ${state} deliveries are still on their schedule; redeliver takes delivered or exhausted ones (retry_now makes pending ones due now)`
        : `selection.state: retry_now takes pending or retrying deliveries, not ${state} ones (redeliver sends those again)`,
    );
  }
  const scoped: ScopedSelection = {
    ...rest,
    states: state === undefined ? allowed : [STORED[state]],
    createdTo: Math.min(selection.createdTo ?? snapshotAt - 1, snapshotAt - 1),
  };
  if (state === 'retrying') scoped.retrying = true;
  return scoped;
}

/** The cursor as the wire shows it: `<createdAt>:<deliveryId>`. */
export function formatCursor(cursor: ScanCursor | null): string | null {
  return cursor === null ? null : `${cursor.createdAt}:${cursor.id}`;
}

/** The cursor `formatCursor` wrote. */
export function parseCursor(text: string): ScanCursor {
  const at = text.indexOf(':');
  return { createdAt: Number(text.slice(0, at)), id: text.slice(at + 1) };
}

/**
 * Why `delivery` cannot be made due now, or undefined when it can: only a pending one, not while
 * an attempt is in flight (its lease holds), whose outcome will schedule the next, and not while
 * its endpoint is paused.
 */
export function retryNowRefusal(delivery: Delivery, now: number, urlPaused = false): string | undefined {
  if (delivery.state !== 'pending') {
    return `delivery ${delivery.id} is ${delivery.state}, not pending; retry-now takes a pending or retrying delivery (redeliver sends a ${delivery.state} one again)`;
  }
  if (delivery.lockedUntil !== null && delivery.lockedUntil > now) {
    return `delivery ${delivery.id} is being attempted right now; its outcome schedules the next attempt`;
  }
  // Made due now, it would still wait for the resume, which would then count its gap from the
  // retry: refused, so that "now" never quietly means "some time after the resume".
  if (urlPaused) {
    return `delivery ${delivery.id} waits for its paused endpoint ${delivery.url}; resume the endpoint (its deliveries go on with the gaps they had left), or redeliver to another URL`;
  }
  return undefined;
}

/** A recovery as requested: running, nothing counted or taken yet (the store counts `matched`). */
export function newRecovery(
  request: Pick<Recovery, 'id' | 'action' | 'selection' | 'newUrl' | 'requestedBy' | 'requestedAt'>,
): Recovery {
  return {
    ...request,
    state: 'running',
    matched: 0,
    processed: 0,
    skipped: 0,
    cursor: null,
    finishedAt: null,
    error: null,
  };
}

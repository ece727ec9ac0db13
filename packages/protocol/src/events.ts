// Callback events: which exist, which are sent by default, and how `callbackEvent` is parsed.

export const CALLBACK_EVENTS = ['success', 'fail', 'pending', 'paid_less', 'settle'] as const;
export type CallbackEventName = (typeof CALLBACK_EVENTS)[number];

/** Always delivered, whether or not the payment subscribed. */
export const DEFAULT_EVENTS: readonly CallbackEventName[] = ['success', 'fail'];

/** Delivered only when named in `callbackEvent`. */
export const OPTIONAL_EVENTS = ['settle', 'pending', 'paid_less'] as const;
export type OptionalEventName = (typeof OPTIONAL_EVENTS)[number];

export function isOptionalEvent(value: string): value is OptionalEventName {
  return (OPTIONAL_EVENTS as readonly string[]).includes(value);
}

export type ParsedEvents = { ok: true; events: OptionalEventName[] } | { ok: false; invalid: string[] };

/**
 * Parses MixPay's `callbackEvent` parameter, e.g. `settle|pending`.
 * Blank entries are ignored; duplicates collapse; `success` and `fail` are accepted and
 * ignored (they are always sent). An unknown name is an error because a merchant who
 * misspells `paid_less` would otherwise wait forever.
 */
export function parseCallbackEvents(value: string | undefined): ParsedEvents {
  if (value === undefined || value.trim() === '') return { ok: true, events: [] };
  const names = value
    .split('|')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const invalid = names.filter((n) => !isOptionalEvent(n) && !(DEFAULT_EVENTS as readonly string[]).includes(n));
  if (invalid.length > 0) return { ok: false, invalid };
  return { ok: true, events: OPTIONAL_EVENTS.filter((e) => names.includes(e)) };
}

/** Whether an event raised on a payment is delivered to its callbackUrl. */
export function isSubscribed(event: CallbackEventName, subscribed: readonly string[]): boolean {
  return DEFAULT_EVENTS.includes(event) || subscribed.includes(event);
}

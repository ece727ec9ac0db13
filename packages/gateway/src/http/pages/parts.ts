// Small pieces the dashboard pages share: status badges and delivery states as people read them.
import type { Delivery } from '../../interfaces.js';
import { html, type SafeHtml } from './html.js';

/** A delivery's state as the dashboard shows it: a pending one that has failed is `retrying`. */
export type ShownDeliveryState = 'pending' | 'retrying' | 'delivered' | 'exhausted';

export function shownState(d: Pick<Delivery, 'state' | 'attempts'>): ShownDeliveryState {
  return d.state === 'pending' && d.attempts > 0 ? 'retrying' : d.state;
}

/** A coloured label for a payment status or a delivery state. */
export function badge(state: string, label: string = state): SafeHtml {
  return html`<span class="badge s-${state}" data-state="${state}">${label}</span>`;
}

/** The short form of an id, with the full id on hover. */
export function shortId(id: string): SafeHtml {
  return html`<code title="${id}">${id.slice(0, 8)}</code>`;
}

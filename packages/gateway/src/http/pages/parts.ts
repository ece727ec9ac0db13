// Small pieces the dashboard pages share: status badges and delivery states as people read them.
import { html, type SafeHtml } from './html.js';

export { shownState } from '../../domain/delivery-state.js';

/** A coloured label for a payment status or a delivery state. */
export function badge(state: string, label: string = state): SafeHtml {
  return html`<span class="badge s-${state}" data-state="${state}">${label}</span>`;
}

/** A notice asked for by name (`?notice=`), as its page's table words it; unknown names show nothing. */
export function namedNotice(notices: Readonly<Record<string, string>>, name: string | undefined): SafeHtml | '' {
  const text = name !== undefined && Object.hasOwn(notices, name) ? notices[name] : undefined;
  return text === undefined ? '' : html`<div class="notice" role="status">${text}</div>`;
}

/** The short form of an id, with the full id on hover. */
export function shortId(id: string): SafeHtml {
  return html`<code title="${id}">${id.slice(0, 8)}</code>`;
}

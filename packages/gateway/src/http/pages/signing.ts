// The dashboard's Signing page: the payees whose callbacks are signed, since when, and until when
// a rotation's previous secret signs too; a form to rotate (or set) a payee's secret and one to
// stop signing. The new secret appears once, on the page that answers the rotation (no-store,
// never in a URL); nothing else shows a secret.
import type { PayeeSecretCreated, PayeeSecretStatus } from '@payhook/protocol';
import { formatTime, html, type SafeHtml } from './html.js';
import { page } from './layout.js';
import { namedNotice } from './parts.js';

export interface SigningPageData {
  payees: PayeeSecretStatus[];
  /** More payees sign than the page shows (the first `payees.length`, by payeeId). */
  more: boolean;
  /** The rotation form's default overlap, in hours (PAYHOOK_SECRET_ROTATION_OVERLAP). */
  overlapHours: number;
  signOut: boolean;
  notice?: string | undefined;
}

/** The notices an action may ask for by name; free text never travels in a URL. */
export const SIGNING_NOTICES = {
  removed: 'Signing stopped: this payee’s callbacks go out unsigned from the next attempt (both secrets removed).',
  'not-signed': 'That payee’s callbacks were not signed; nothing changed.',
} as const;
export type SigningNotice = keyof typeof SIGNING_NOTICES;

const rotation = (endsAt: number | null) =>
  endsAt === null
    ? html`<span class="muted">none (one secret signs)</span>`
    : html`the previous secret signs too until ${formatTime(endsAt)}`;

export function signingPage(data: SigningPageData): SafeHtml {
  return page({
    title: 'Signing',
    nav: { active: 'signing', signOut: data.signOut },
    main: html`<h1>Signing</h1>
${namedNotice(SIGNING_NOTICES, data.notice)}
<form class="filters card rotate" method="post" action="/dashboard/signing/rotate">
<label>Payee <input name="payeeId" required maxlength="64" size="36"></label>
<label>Old secret signs too for (hours) <input name="overlapHours" type="number" min="0" max="720" step="any" value="${data.overlapHours}" size="6"></label>
<button type="submit" class="rotate primary">Rotate (or set) secret</button>
</form>
<section class="card" id="signing">
<h2>Payees with signed callbacks</h2>
${
  data.payees.length === 0
    ? html`<p class="muted">No payee signs its callbacks.</p>`
    : html`<table class="signing"><thead><tr><th>Payee</th><th>Signed since</th><th>Rotation</th><th></th></tr></thead><tbody>
${data.payees.map(
  (p) => html`<tr data-payee="${p.payeeId}">
<td class="mono">${p.payeeId}</td>
<td class="since">signed since ${formatTime(p.createdAt)}</td>
<td class="rotation">${rotation(p.rotationEndsAt)}</td>
<td class="actions"><form method="post" action="/dashboard/signing/remove"><input type="hidden" name="payeeId" value="${p.payeeId}"><button type="submit" class="remove danger">Stop signing</button></form></td>
</tr>`,
)}
</tbody></table>${data.more ? html`<p class="muted more">Only the first ${data.payees.length} payees by id are shown; <code>payhook secret list</code> pages through all.</p>` : ''}`
}
</section>`,
  });
}

/** The answer to a rotation: the new secret, this once. */
export function rotatedPage(created: PayeeSecretCreated, signOut: boolean): SafeHtml {
  return page({
    title: 'New signing secret',
    nav: { active: 'signing', signOut },
    main: html`<h1>New signing secret</h1>
<div class="notice" role="status">Give this secret to the receiver of payee <code>${created.payeeId}</code> now: it is shown this once, and no page or answer shows it again.</div>
<section class="card">
<p><code class="secret" id="new-secret">${created.secret}</code></p>
<p class="since">signed since ${formatTime(created.createdAt)}</p>
<p class="rotation">rotation: ${rotation(created.rotationEndsAt)}</p>
</section>
<p><a href="/dashboard/signing">Back to Signing</a></p>`,
  });
}

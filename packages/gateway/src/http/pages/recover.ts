// The dashboard's Recover page: a filter form over deliveries → the dry run's count and a sample
// → a confirming form that records the recovery → its progress, live; and the recoveries list.
import {
  ATTEMPT_ERROR_CLASSES,
  CALLBACK_EVENTS,
  type Recovery,
  type RecoveryAction,
  type RecoveryPreview,
} from '@payhook/protocol';
import { formatTime, type HtmlValue, html, type SafeHtml } from './html.js';
import { page } from './layout.js';
import { badge, shortId, shownState } from './parts.js';

/** The form's fields as typed (text), so the page shows them back as they were. */
export interface RecoverForm {
  state?: string | undefined;
  createdFrom?: string | undefined;
  createdTo?: string | undefined;
  payeeId?: string | undefined;
  eventType?: string | undefined;
  url?: string | undefined;
  errorClass?: string | undefined;
  notRedelivered?: string | undefined;
  action?: string | undefined;
  newUrl?: string | undefined;
}

export const RECOVER_FIELDS = [
  'state',
  'createdFrom',
  'createdTo',
  'payeeId',
  'eventType',
  'url',
  'errorClass',
  'notRedelivered',
  'action',
  'newUrl',
] as const;

export interface RecoverPageData {
  form: RecoverForm;
  /** The dry run of the form, once it was sent. */
  preview?: RecoveryPreview | undefined;
  /** Why the form was refused (nothing was counted or changed). */
  error?: string | undefined;
  recent: Recovery[];
  signOut: boolean;
}

const ACTION_LABELS: Record<RecoveryAction, string> = {
  redeliver: 'Redeliver (a new delivery of each event, fresh schedule)',
  retry_now: 'Retry now (pending ones: next attempt due now, count kept)',
};

export function recoverPage(data: RecoverPageData): SafeHtml {
  const { form } = data;
  const option = (value: string, current: string | undefined, label: string = value) =>
    html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  const text = (name: keyof RecoverForm, label: string, attrs: HtmlValue = '') =>
    html`<label>${label} <input name="${name}" value="${form[name] ?? ''}"${attrs}></label>`;
  return page({
    title: 'Recover',
    nav: { active: 'recover', signOut: data.signOut },
    liveSource: ['/admin/recoveries?limit=20'],
    main: html`<h1>Recover deliveries</h1>
<p class="muted">Select deliveries, see how many there are, then redeliver them (to a new URL if the shop moved) or make pending ones due now. Times are UTC.</p>
<form class="filters card" id="selection" method="get" action="/dashboard/recover">
<label>State <select name="state">${option('', form.state, 'any')}${['exhausted', 'delivered', 'retrying', 'pending'].map((s) => option(s, form.state))}</select></label>
${text('createdFrom', 'Created from', html` type="datetime-local" step="1"`)}
${text('createdTo', 'Created to', html` type="datetime-local" step="1"`)}
${text('payeeId', 'Payee', html` size="14"`)}
<label>Event <select name="eventType">${option('', form.eventType, 'any')}${CALLBACK_EVENTS.map((e) => option(e, form.eventType))}</select></label>
${text('url', 'Callback URL', html` size="34"`)}
<label>Last error <select name="errorClass">${option('', form.errorClass, 'any')}${ATTEMPT_ERROR_CLASSES.map((e) => option(e, form.errorClass))}</select></label>
<label>Not redelivered yet <input type="checkbox" name="notRedelivered" value="1"${form.notRedelivered ? html` checked` : ''}></label>
<label>Action <select name="action">${(Object.keys(ACTION_LABELS) as RecoveryAction[]).map((a) => option(a, form.action ?? 'redeliver', ACTION_LABELS[a]))}</select></label>
${text('newUrl', 'Redeliver to a new URL (optional)', html` size="34"`)}
<button type="submit" class="dry-run">Count (dry run)</button>
<a href="/dashboard/recover">Clear</a>
</form>
${data.error ? html`<div class="error" role="alert" id="refused">${data.error}</div>` : ''}
${data.preview ? previewCard(data.preview, form) : ''}
<section class="card" id="recoveries" data-live>
<h2>Recoveries</h2>
${data.recent.length === 0 ? html`<p class="muted">None yet.</p>` : recoveriesTable(data.recent)}
</section>`,
  });
}

function previewCard(preview: RecoveryPreview, form: RecoverForm): SafeHtml {
  const verb = preview.action === 'retry_now' ? 'Retry now' : 'Redeliver';
  const what = preview.matched === 1 ? '1 delivery' : `${preview.matched} deliveries`;
  return html`<section class="card" id="preview">
<h2>Dry run: <span id="matched" data-matched="${preview.matched}">${what}</span> match</h2>
${
  preview.sample.length === 0
    ? ''
    : html`<table><thead><tr><th>Created</th><th>Delivery</th><th>Event</th><th>State</th><th>Attempts</th><th>URL</th></tr></thead><tbody>
${preview.sample.map(
  (
    d,
  ) => html`<tr data-delivery-id="${d.id}"><td>${formatTime(d.createdAt)}</td><td><a href="/dashboard/payments/${d.traceId}">${shortId(d.id)}</a></td>
<td>${d.eventType}</td><td>${badge(shownState(d))}</td><td>${d.attempts}</td><td class="mono">${d.url}</td></tr>`,
)}
</tbody></table>${preview.matched > preview.sample.length ? html`<p class="muted">The first ${preview.sample.length} of them.</p>` : ''}`
}
${
  preview.matched === 0
    ? html`<p class="muted">Nothing to do.</p>`
    : html`<form method="post" action="/dashboard/recoveries" class="actions" id="confirm">
${RECOVER_FIELDS.map((key) => (form[key] ? html`<input type="hidden" name="${key}" value="${form[key]}">` : ''))}
<label>Your name (recorded) <input name="actor" size="16"></label>
<button type="submit" class="primary confirm">${verb} ${what}${preview.action === 'redeliver' && form.newUrl ? html` to ${form.newUrl}` : ''}</button>
</form>`
}
</section>`;
}

function recoveriesTable(list: Recovery[]): SafeHtml {
  return html`<table><thead><tr><th>Requested</th><th>Recovery</th><th>Action</th><th>By</th><th>State</th><th>Progress</th></tr></thead><tbody>
${list.map(
  (r) => html`<tr data-recovery-id="${r.id}"><td>${formatTime(r.requestedAt)}</td>
<td><a href="/dashboard/recoveries/${r.id}">${shortId(r.id)}</a></td><td>${r.action}${r.newUrl ? html` → <code>${r.newUrl}</code>` : ''}</td>
<td>${requester(r)}</td><td>${badge(recoveryBadge(r), r.state)}</td><td>${r.processed} of ${r.matched}${r.skipped > 0 ? ` · ${r.skipped} skipped` : ''}</td></tr>`,
)}
</tbody></table>`;
}

const requester = (r: Recovery) =>
  `${r.requestedBy.actor ?? 'someone'} (${r.requestedBy.auth === 'none' ? 'no admin token' : r.requestedBy.auth})`;

/** Recovery states in the colours of delivery states. */
const recoveryBadge = (r: Recovery) =>
  r.state === 'done' ? 'delivered' : r.state === 'failed' ? 'exhausted' : 'pending';

export interface RecoveryPageData {
  recovery: Recovery;
  signOut: boolean;
}

/** One recovery: what it selected, who asked, and its progress, following it live. */
export function recoveryPage({ recovery: r, signOut }: RecoveryPageData): SafeHtml {
  const row = (label: string, value: HtmlValue) => html`<tr><th>${label}</th><td>${value}</td></tr>`;
  const sel = r.selection;
  const selection = Object.entries(sel).map(
    ([key, value]) =>
      html`<div><code>${key}</code> ${key === 'createdFrom' || key === 'createdTo' ? formatTime(Number(value)) : String(value)}</div>`,
  );
  return page({
    title: `Recovery ${r.id.slice(0, 8)}`,
    nav: { active: 'recover', signOut },
    liveSource: [`/admin/recoveries/${r.id}`],
    main: html`<h1>Recovery ${shortId(r.id)}</h1>
<section class="card" id="progress" data-live data-state="${r.state}">
<h2>${badge(recoveryBadge(r), r.state)} <span id="counts">${r.processed} of ${r.matched} ${r.action === 'retry_now' ? 'made due now' : 'redelivered'}${r.skipped > 0 ? `, ${r.skipped} skipped` : ''}</span></h2>
<progress max="${Math.max(1, r.matched)}" value="${Math.min(r.processed + r.skipped, Math.max(1, r.matched))}"></progress>
${r.error ? html`<div class="error">${r.error}</div>` : ''}
<table class="kv">
${row('action', html`${r.action}${r.newUrl ? html` to <code>${r.newUrl}</code>` : ''}`)}
${row('selection', selection.length === 0 ? 'every delivery' : selection)}
${row('requested', `${formatTime(r.requestedAt)} by ${requester(r)}`)}
${row('cursor', r.cursor ?? '—')}
${row('finished', formatTime(r.finishedAt))}
</table>
</section>
<p><a href="/dashboard/recover">All recoveries</a></p>`,
  });
}

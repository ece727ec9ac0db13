// One attempt as the receiver saw it, beside what it answered: the request (method, URL, every
// header sent, the body) and the answer (status, error class, message, excerpt). Collapsed by
// default. An answer is the receiver's text, so hostile input: it goes through `html` like all
// else and is shown, never rendered.
import type { Attempt, Delivery } from '../../interfaces.js';
import { html, type SafeHtml } from './html.js';

/** The `<details>` of attempt `a` of delivery `d`; its id lets the live view keep it open. */
export function attemptExchange(a: Attempt, d: Pick<Delivery, 'id' | 'url' | 'body'>): SafeHtml {
  return html`<details class="exchange" id="exchange-${d.id}-${a.attemptNo}" data-exchange="${a.attemptNo}">
<summary>Request and answer of attempt ${a.attemptNo}</summary>
<div class="exchange-sides">
<div class="request"><h4>Request</h4>
<p><code>POST ${d.url}</code></p>
${
  a.request === null
    ? html`<p class="muted request-headers">Headers not recorded: the attempt was made before payhook kept them.</p>`
    : html`<table class="headers request-headers">${Object.entries(a.request.headers).map(
        ([name, value]) => html`<tr data-header="${name}"><th>${name}</th><td><code>${value}</code></td></tr>`,
      )}</table>`
}
<p class="muted caption">body, the same bytes on every attempt</p>
<pre class="request-body"><code>${d.body}</code></pre>
</div>
<div class="answer"><h4>Answer</h4>
<table class="kv">
<tr><th>status</th><td class="answer-status">${a.statusCode ?? 'no answer'}</td></tr>
<tr><th>error class</th><td class="answer-error-class">${a.errorClass ? html`<code>${a.errorClass}</code>` : '—'}</td></tr>
<tr><th>message</th><td class="answer-message">${a.errorMessage ?? '—'}</td></tr>
</table>
${
  a.responseExcerpt === null
    ? html`<p class="muted">No answer body.</p>`
    : html`<p class="muted caption">answer, its first bytes</p>
<pre class="answer-excerpt"><code>${a.responseExcerpt}</code></pre>`
}
</div>
</div>
</details>`;
}

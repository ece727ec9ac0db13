// Human-readable text for the gateway's answers: tables, one line per attempt, payment
// summaries. Pure functions of their input, so the look is decided in one place.
import {
  type Attempt,
  compareDecimals,
  type Delivery,
  type DeliveryDetail,
  type EndpointList,
  type FeedAttempt,
  type HealthFigures,
  type RetentionStatus,
  subtractDecimals,
  type WirePaymentResult,
} from '@payhook/protocol';

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** `key  value` lines with aligned values. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** `1 delivery`, `2 deliveries`. */
export const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());

/** What one attempt got: `200 SUCCESS`, `bad_status 500`, `connect_refused`… */
export function attemptOutcome(a: Attempt): string {
  if (a.success) return `${a.statusCode ?? ''} SUCCESS`.trim();
  const error = a.errorClass ?? 'failed';
  return a.statusCode === null ? error : `${error} ${a.statusCode}`;
}

/** One line of `payhook tail`: time, event, traceId, attempt n, outcome, latency, url. */
export function attemptLine(a: FeedAttempt): string {
  return [
    time(a.endedAt),
    a.eventType.padEnd(9),
    a.traceId,
    `#${a.attemptNo}`.padEnd(3),
    (a.success ? 'ok ' : 'FAIL ') + attemptOutcome(a).padEnd(a.success ? 19 : 17),
    `${a.latencyMs}ms`.padStart(7),
    a.url,
  ].join('  ');
}

export function deliveriesTable(deliveries: readonly Delivery[]): string {
  if (deliveries.length === 0) return 'no deliveries';
  return table(
    ['ID', 'EVENT', 'STATE', 'ATTEMPTS', 'NEXT ATTEMPT', 'UPDATED', 'TRACE ID', 'URL'],
    deliveries.map((d) => [
      d.id,
      d.eventType,
      d.state,
      String(d.attempts),
      time(d.nextAttemptAt),
      time(d.updatedAt),
      d.traceId,
      d.url,
    ]),
  );
}

/** Where a delivery stands after its latest attempt, in one line. */
export function deliveryOutcome({ delivery: d, attempts }: DeliveryDetail): string {
  const last = attempts.at(-1);
  const what = `${d.eventType} → ${d.url} (delivery ${d.id})`;
  if (!last) return `waiting    ${what}: no attempt yet, due ${time(d.nextAttemptAt)}`;
  const tried = `attempt ${last.attemptNo}: ${attemptOutcome(last)}, ${last.latencyMs} ms`;
  switch (d.state) {
    case 'delivered':
      return `delivered  ${what}: ${tried}`;
    case 'exhausted':
      return `exhausted  ${what}: ${tried}; no attempt left (payhook redeliver ${d.id})`;
    default:
      return `retrying   ${what}: ${tried}; attempt ${last.attemptNo + 1} at ${time(d.nextAttemptAt)}`;
  }
}

/**
 * Text from a receiver, safe for a terminal: control characters (an ANSI escape that would move
 * the cursor or retitle the window) are shown as `\xNN`; newlines and tabs stay.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Lines after the first indented under a `label` column of `width`. */
const labelled = (label: string, lines: readonly string[], width = 10) =>
  lines.map((line, i) => `  ${(i === 0 ? label : '').padEnd(width)}${line}`).join('\n');

/**
 * One delivery as its receiver saw it: its event, URL, state and body, then each attempt with
 * every header it sent and what it got back.
 */
export function deliveryDetailText({ delivery: d, attempts }: DeliveryDetail): string {
  const state =
    d.state === 'pending'
      ? `${d.attempts > 0 ? 'retrying' : 'pending'} · ${count(d.attempts, 'attempt')} · attempt ${d.attempts + 1} due ${time(d.nextAttemptAt)}`
      : `${d.state} · ${count(d.attempts, 'attempt')}`;
  const head = keyValues([
    ['delivery', d.id],
    ['event', `${d.eventType} · event id ${d.eventId}`],
    ['traceId', d.traceId],
    ['url', d.url],
    ['state', state],
    ...(d.redeliveryOf ? [['redelivers', d.redeliveryOf] as [string, string]] : []),
    ['body', d.body],
  ]);
  const blocks = attempts.map((a) => {
    const request = a.request
      ? Object.entries(a.request.headers).map(([name, value]) => `${name}: ${value}`)
      : ['(headers not recorded: the attempt was made before the gateway kept them)'];
    const answer = [
      [a.statusCode ?? 'no answer', a.errorClass ? `${a.errorClass}: ${printable(a.errorMessage ?? '')}` : '']
        .filter((part) => part !== '')
        .join(' · '),
      ...(a.responseExcerpt === null ? [] : printable(a.responseExcerpt).split('\n')),
    ];
    return [
      `attempt ${a.attemptNo} · ${time(a.startedAt)} · ${a.success ? 'ok' : 'FAIL'} ${attemptOutcome(a)} · ${a.latencyMs} ms`,
      labelled('request', [`POST ${d.url}`, ...request]),
      labelled('answer', answer),
    ].join('\n');
  });
  return [head, ...(blocks.length === 0 ? ['no attempt yet'] : blocks)].join('\n\n');
}

const amount = (value: string, symbol: string) => (value === '' ? '-' : `${value} ${symbol}`.trim());

/** What a payment still owes: `payableAmount` less what its transfers paid (MixPay has no such field). */
export function remainingOf(r: WirePaymentResult): string {
  const paid = r.payment?.totalTransactionsAmount ?? '0';
  return compareDecimals(paid, r.payableAmount) >= 0 ? '0' : subtractDecimals(r.payableAmount, paid);
}

/** The fields of `payments_result` a person looks at first. */
export function resultSummary(r: WirePaymentResult): string {
  const pairs: [string, string][] = [
    ['traceId', r.traceId],
    ['orderId', r.orderId || '-'],
    ['payeeId', r.payeeId],
    ['status', r.status],
    ['quote', amount(r.quoteAmount, r.quoteSymbol)],
    [r.status === 'unpaid' ? 'to pay' : 'paid', amount(r.paymentAmount, r.paymentSymbol)],
  ];
  if (r.payment) {
    pairs.push([
      'multi-pay',
      r.payment.isMultiPay ? `yes, ${r.payment.isFullyPaid ? 'fully paid' : 'not fully paid'}` : 'no',
    ]);
    if (r.payment.isMultiPay && !r.payment.isFullyPaid && r.payableAmount !== '') {
      pairs.push(['remaining', amount(remainingOf(r), r.paymentSymbol)]);
    }
  }
  if (r.txid) pairs.push(['txid', r.txid]);
  if (r.confirmations >= 0) pairs.push(['confirmations', String(r.confirmations)]);
  if (r.failureCode !== '0') pairs.push(['failure', `${r.failureCode} ${r.failureReason}`]);
  if (r.surplusStatus !== 'no')
    pairs.push(['surplus', `${amount(r.surplusAmount, r.paymentSymbol)} (${r.surplusStatus})`]);
  if (r.status === 'success') {
    pairs.push([
      'settlement',
      r.settleStatus === 'success' ? `${amount(r.settleAmount, r.settleSymbol)}` : r.settleStatus,
    ]);
  }
  return keyValues(pairs);
}

const percent = (rate: number | null) => (rate === null ? '-' : `${Math.round(rate * 100)}%`);

/** `payhook endpoints`: one line per callback URL, then one per host. */
export function endpointsTable(list: EndpointList): string {
  if (list.endpoints.length === 0) return 'no endpoints';
  const forecast = (f: HealthFigures, paused: boolean) =>
    paused ? 'paused' : f.forecast ? `${time(f.forecast.earliest)} .. ${time(f.forecast.latest)}` : '-';
  const error = (f: HealthFigures) =>
    f.lastError
      ? `${f.lastError.errorClass ?? 'failed'}${f.lastError.statusCode === null ? '' : ` ${f.lastError.statusCode}`}`
      : '-';
  const urls = table(
    ['HEALTH', 'PAUSED', 'LAST HOUR', 'FAILS', 'LAST ERROR', 'PENDING', 'RETRYING', 'EXHAUST BETWEEN', 'URL'],
    list.endpoints.map((e) => [
      e.health,
      e.paused ? `since ${time(e.paused.since)} by ${e.paused.by ?? '?'}` : '-',
      `${percent(e.recent.successRate)} of ${e.recent.attempts}`,
      String(e.consecutiveFailures),
      error(e),
      String(e.pending),
      String(e.retrying),
      forecast(e, e.paused !== null),
      e.url,
    ]),
  );
  const hosts = table(
    ['HEALTH', 'URLS', 'PAUSED', 'LAST HOUR', 'PENDING', 'RETRYING', 'EXHAUST BETWEEN', 'HOST'],
    list.hosts.map((h) => [
      h.health,
      String(h.urls),
      String(h.pausedUrls),
      `${percent(h.recent.successRate)} of ${h.recent.attempts}`,
      String(h.pending),
      String(h.retrying),
      forecast(h, false),
      h.host,
    ]),
  );
  return `${urls}\n\n${hosts}`;
}

const DAY = 86_400_000;

/** `30 days`, `1 day`, `0.5 days`. */
const days = (ms: number) => (ms === DAY ? '1 day' : `${Number((ms / DAY).toFixed(6))} days`);

/** `payhook retention`: the setting, the latest pass and the total pruned. */
export function retentionText({ retentionMs, prunedTotal, lastPass }: RetentionStatus): string {
  return keyValues([
    [
      'setting',
      retentionMs > 0
        ? `attempts older than ${days(retentionMs)} are pruned (each delivery's last attempt kept)`
        : 'every attempt is kept (PAYHOOK_ATTEMPT_RETENTION=0)',
    ],
    [
      'last pass',
      lastPass === null
        ? 'no pass yet'
        : `${time(lastPass.endedAt)}: cutoff ${time(lastPass.cutoff)}, ${count(lastPass.pruned, 'attempt')} pruned, ${count(lastPass.reclaimedPages, 'page')} given back`,
    ],
    ['pruned in all', count(prunedTotal, 'attempt')],
  ]);
}

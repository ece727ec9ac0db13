// Instants as the admin API reads them in a selection: epoch milliseconds, or an ISO 8601 date or
// date-time — in UTC unless it names its zone, as the dashboard shows times (a form's
// datetime-local field sends none). Pure: the gateway's schemas and the CLI's flags share it.

const DIGITS = /^\d{1,15}$/;
const ISO_START = /^\d{4}-\d\d-\d\d/;
/** A date or date-time without a zone designator. */
const UNZONED = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?)?$/;

/**
 * Epoch ms of `text`, or undefined when it is neither epoch ms nor an ISO 8601 date(-time).
 *
 * @example
 * parseInstant('2026-12-04T12:00'); // 1796385600000 (UTC)
 * parseInstant('2026-12-04T13:00+01:00'); // the same instant
 */
export function parseInstant(text: string): number | undefined {
  const value = text.trim();
  if (DIGITS.test(value)) return Number(value);
  if (!ISO_START.test(value)) return undefined;
  const zoned = UNZONED.test(value) ? `${value.length === 10 ? `${value}T00:00` : value}Z` : value;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : ms;
}

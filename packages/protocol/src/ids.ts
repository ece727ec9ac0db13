// How MixPay's ids compare. MixPay issues UUIDs dashed today and as 32 undashed hex digits in
// older answers (MIXPAY-API.md §2, §10.6), in either case, and fiat quote codes in lower case.

const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UNDASHED = /^[0-9a-f]{32}$/i;

/** The 32 lower-case hex digits of a UUID written dashed or undashed, in any case; undefined for anything else. */
export function uuidDigits(id: string): string | undefined {
  if (DASHED.test(id)) return id.replaceAll('-', '').toLowerCase();
  if (UNDASHED.test(id)) return id.toLowerCase();
  return undefined;
}

/** The canonical `8-4-4-4-12` lower-case spelling of a UUID-shaped id; undefined for anything else. */
export function dashedUuid(id: string): string | undefined {
  const hex = uuidDigits(id);
  return hex && `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Whether two asset or trace ids name the same thing: UUIDs by their value (case and dashes
 * ignored), any other id (`usd`, `USD`) case-insensitively.
 */
export function sameId(a: string, b: string): boolean {
  const ua = uuidDigits(a);
  const ub = uuidDigits(b);
  if (ua !== undefined || ub !== undefined) return ua === ub;
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Whether two payee ids are the same payee: UUIDs by their value (case and dashes ignored), any
 * other spelling exactly. Stricter than sameId on purpose: a payee that is not a UUID gains no
 * case-folded twin.
 */
export function samePayeeId(a: string, b: string): boolean {
  const ua = uuidDigits(a);
  const ub = uuidDigits(b);
  if (ua !== undefined || ub !== undefined) return ua === ub;
  return a === b;
}

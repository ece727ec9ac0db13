// Money is a decimal string on the wire and in storage; arithmetic goes through big.js.
import Big from 'big.js';

/** Plain decimal notation: no sign, no exponent, no spaces. `"10"`, `"0.01"`, `"10.00"`. */
const DECIMAL = /^\d{1,30}(\.\d{1,18})?$/;

export function isDecimalString(value: string): boolean {
  return DECIMAL.test(value);
}

export function isPositiveDecimal(value: string): boolean {
  return isDecimalString(value) && new Big(value).gt(0);
}

/** `"10"` equals `"10.00"`; `"10"` does not equal `"10.000001"`. */
export function decimalEquals(a: string, b: string): boolean {
  return new Big(a).eq(new Big(b));
}

export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  return new Big(a).cmp(new Big(b)) as -1 | 0 | 1;
}

export function addDecimals(...values: string[]): string {
  return normalizeDecimal(values.reduce((sum, v) => sum.plus(v), new Big(0)).toFixed());
}

export function subtractDecimals(a: string, b: string): string {
  return normalizeDecimal(new Big(a).minus(b).toFixed());
}

/** The canonical spelling: no trailing zeros, no exponent (`"10.50"` → `"10.5"`). */
export function normalizeDecimal(value: string): string {
  return new Big(value)
    .toFixed()
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

export type Rounding = 'up' | 'down';

/** `amount × numerator ÷ denominator`, rounded to `places` decimals. */
export function convertAmount(
  amount: string,
  numerator: string,
  denominator: string,
  places: number,
  rounding: Rounding,
): string {
  // Round the exact quotient once, in the wanted direction. Big's default division first
  // rounds to 20 places half-up, which can push a value across the final rounding step
  // (a tiny positive amount became "0" even when rounding up).
  const mode = rounding === 'up' ? Big.roundUp : Big.roundDown;
  const Exact = Big();
  Exact.DP = places;
  Exact.RM = mode;
  const result = new Exact(amount).times(numerator).div(denominator);
  return normalizeDecimal(result.round(places, mode).toFixed());
}

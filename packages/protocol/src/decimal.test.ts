// Money is a decimal string end to end; these tests pin the accepted spelling and prove
// the arithmetic is exact (no float ever touches an amount).
import { describe, expect, it } from 'vitest';
import {
  addDecimals,
  compareDecimals,
  convertAmount,
  decimalEquals,
  isDecimalString,
  isPositiveDecimal,
  normalizeDecimal,
  subtractDecimals,
} from './decimal.js';

describe('isDecimalString', () => {
  it.each(['0', '10', '10.00', '0.01', '123456789.123456789012345678', '1'.repeat(30)])('accepts %j', (value) => {
    expect(isDecimalString(value)).toBe(true);
  });

  it.each([
    ['1e3', 'exponent'],
    ['-1', 'sign'],
    ['+1', 'sign'],
    [' 1', 'leading space'],
    ['1 ', 'trailing space'],
    ['1.', 'dangling point'],
    ['.5', 'missing integer part'],
    ['NaN', 'not a number'],
    ['Infinity', 'not a number'],
    ['', 'empty'],
    ['1,5', 'comma separator'],
    ['0x10', 'hex'],
    ['1'.repeat(31), '31-digit integer part'],
    ['1.1234567890123456789', '19 decimals'],
  ])('rejects %j (%s)', (value) => {
    expect(isDecimalString(value)).toBe(false);
  });
});

describe('isPositiveDecimal', () => {
  it.each(['1', '0.00000001', '10.00'])('accepts %j', (value) => {
    expect(isPositiveDecimal(value)).toBe(true);
  });

  it.each(['0', '0.0', '0.000000000000000000', '-1', '1e3', ' 1', '1.', '.5', 'NaN', '1'.repeat(31)])(
    'rejects %j',
    (value) => {
      expect(isPositiveDecimal(value)).toBe(false);
    },
  );
});

describe('decimalEquals and compareDecimals', () => {
  it('treats trailing zeros as equal', () => {
    expect(decimalEquals('10', '10.00')).toBe(true);
    expect(decimalEquals('0.5', '0.50000')).toBe(true);
  });

  it('sees a difference in the sixth decimal', () => {
    expect(decimalEquals('10', '10.000001')).toBe(false);
  });

  it('sees differences far beyond float precision', () => {
    // As doubles these two are the same number.
    expect(Number('1.000000000000000001')).toBe(1);
    expect(decimalEquals('1', '1.000000000000000001')).toBe(false);
  });

  it('orders amounts', () => {
    expect(compareDecimals('9.99', '10')).toBe(-1);
    expect(compareDecimals('10.0', '10')).toBe(0);
    expect(compareDecimals('10.01', '10')).toBe(1);
  });
});

describe('addDecimals and subtractDecimals', () => {
  it('adds without float error', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
  });

  it('adds any number of values and returns the canonical spelling', () => {
    expect(addDecimals('1.10', '2.20', '3.70')).toBe('7');
    expect(addDecimals()).toBe('0');
    expect(addDecimals('0.00000001', '0.00000002')).toBe('0.00000003');
  });

  it('subtracts without float error and may go negative', () => {
    expect(subtractDecimals('0.3', '0.1')).toBe('0.2');
    expect(subtractDecimals('10', '10.00')).toBe('0');
    expect(subtractDecimals('1', '1.5')).toBe('-0.5');
  });

  it('keeps 18 decimals exactly', () => {
    expect(addDecimals('0.000000000000000001', '0.000000000000000002')).toBe('0.000000000000000003');
  });
});

describe('normalizeDecimal', () => {
  // Each spelling with its normal form: trailing zeros of the fraction go, leading zeros of the whole part go.
  const NORMAL_FORMS: Record<string, string> = {
    '10.50': '10.5',
    '10.00': '10',
    '10': '10',
    '100': '100',
    '0.000': '0',
    '0.0100': '0.01',
    '007.5': '7.5',
  };
  it.each(Object.entries(NORMAL_FORMS))('%j becomes %j', (input, expected) => {
    expect(normalizeDecimal(input)).toBe(expected);
  });

  it('never uses exponent notation', () => {
    expect(normalizeDecimal('0.0000001')).toBe('0.0000001');
    expect(normalizeDecimal('1e21')).toBe('1000000000000000000000');
  });
});

describe('convertAmount', () => {
  /** The conversion rounded both ways, to see where the two directions part. */
  const bothWays = (amount: string, numerator: string, denominator: string, places: number) => ({
    up: convertAmount(amount, numerator, denominator, places, 'up'),
    down: convertAmount(amount, numerator, denominator, places, 'down'),
  });

  it('rounds up to the given places (10 USD in BTC at 60000)', () => {
    // 10 / 60000 = 0.000166666…
    expect(convertAmount('10', '1', '60000', 8, 'up')).toBe('0.00016667');
  });

  it('rounds down to the given places', () => {
    expect(convertAmount('10', '1', '60000', 8, 'down')).toBe('0.00016666');
  });

  it('does not round an exact result', () => {
    expect(bothWays('0.0001', '60000', '1', 8)).toEqual({ up: '6', down: '6' });
    expect(bothWays('30', '1', '3000', 8)).toEqual({ up: '0.01', down: '0.01' });
  });

  it('rounds a positive amount up to the smallest unit, never to zero', () => {
    // 3e-18 / 60000 = 5e-23: below 20 places, where a double rounding would lose it.
    expect(bothWays('0.000000000000000003', '1', '60000', 8)).toEqual({ up: '0.00000001', down: '0' });
  });

  it('rounds up a remainder that only shows beyond 20 decimals', () => {
    // Exactly 0.00010000000000000000005: rounding up must give one more unit.
    expect(bothWays('6.000000000000000003', '1', '60000', 8)).toEqual({ up: '0.00010001', down: '0.0001' });
  });

  it('rounds down a value just below a unit boundary', () => {
    // Exactly 0.999999999999999999999995: rounding it to 20 places first would carry it to 1.
    expect(convertAmount('1', '199999999999999999999999', '200000000000000000000000', 8, 'down')).toBe('0.99999999');
  });

  it('honours other place counts', () => {
    expect(bothWays('1', '1', '3', 2)).toEqual({ up: '0.34', down: '0.33' });
    expect(bothWays('2', '1', '3', 0)).toEqual({ up: '1', down: '0' });
  });
});

import { describe, expect, it } from 'vitest';
import { decimalToMinor, minorToDecimal } from './money.ts';

describe('minorToDecimal', () => {
  it('writes minor units as a decimal string with two digits', () => {
    expect(minorToDecimal(1990, 'USD')).toBe('19.90');
    expect(minorToDecimal(5, 'EUR')).toBe('0.05');
    expect(minorToDecimal(0, 'GBP')).toBe('0.00');
    expect(minorToDecimal(149_900, 'INR')).toBe('1499.00');
    expect(minorToDecimal(-250, 'BRL')).toBe('-2.50');
    expect(minorToDecimal(9_007_199_254_740_991n, 'USD')).toBe('90071992547409.91');
  });
});

describe('decimalToMinor', () => {
  it('reads a decimal string as exact minor units', () => {
    expect(decimalToMinor('19.90', 'USD')).toBe(1990n);
    expect(decimalToMinor('19.9', 'EUR')).toBe(1990n);
    expect(decimalToMinor('19', 'GBP')).toBe(1900n);
    expect(decimalToMinor('0.05', 'INR')).toBe(5n);
    expect(decimalToMinor('-2.50', 'BRL')).toBe(-250n);
    expect(decimalToMinor('90071992547409.91', 'USD')).toBe(9_007_199_254_740_991n);
  });

  it('is the inverse of minorToDecimal', () => {
    for (const minor of [0, 1, 99, 100, 1990, 123_456_789]) expect(decimalToMinor(minorToDecimal(minor, 'EUR'), 'EUR')).toBe(BigInt(minor));
  });

  it('refuses more decimals than the currency has, and text that is not a decimal', () => {
    expect(() => decimalToMinor('19.999', 'EUR')).toThrow(/3 decimal places; EUR amounts have at most 2/);
    expect(() => decimalToMinor('19.900', 'EUR')).toThrow(RangeError);
    for (const bad of ['', '1e3', '19.', '.5', '19,90', ' 19.90', 'abc']) expect(() => decimalToMinor(bad, 'USD'), bad).toThrow(/must be a decimal number/);
  });
});

import { describe, expect, it } from 'vitest';
import { minorToDecimal } from './money.ts';

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

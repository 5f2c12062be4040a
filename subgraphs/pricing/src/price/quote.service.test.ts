import { describe, expect, it } from 'vitest';
import { taxOf } from './quote.service.ts';

describe('taxOf', () => {
  it('adds tax on top where prices exclude it (US 7.25%)', () => {
    expect(taxOf(10_000, 725, false)).toBe(725);
    expect(taxOf(1_999, 725, false)).toBe(145); // 144.93 rounds up
  });
  it('finds the tax inside where prices include it (GB 20%, EU 21%)', () => {
    expect(taxOf(12_000, 2_000, true)).toBe(2_000);
    expect(taxOf(8_299, 2_000, true)).toBe(1_383); // 1383.17
    expect(taxOf(12_100, 2_100, true)).toBe(2_100);
  });
  it('is exact for large amounts', () => {
    expect(taxOf(9_000_000_000_000, 1_800, true)).toBe(1_372_881_355_932);
  });
});

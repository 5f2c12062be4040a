import { describe, expect, it } from 'vitest';
import { stockBadge, stockView, LOW_STOCK_THRESHOLD } from './stock.rules.ts';

describe('stock badge rule', () => {
  it('is OUT_OF_STOCK at 0, LOW_STOCK from 1 to the threshold, IN_STOCK above', () => {
    expect(stockBadge(0)).toBe('OUT_OF_STOCK');
    expect(stockBadge(1)).toBe('LOW_STOCK');
    expect(stockBadge(LOW_STOCK_THRESHOLD)).toBe('LOW_STOCK');
    expect(stockBadge(LOW_STOCK_THRESHOLD + 1)).toBe('IN_STOCK');
  });
  it('counts reserved units as unavailable', () => {
    expect(stockView(10, 7)).toEqual({ available: 3, badge: 'LOW_STOCK' });
    expect(stockView(10, 10)).toEqual({ available: 0, badge: 'OUT_OF_STOCK' });
  });
});
